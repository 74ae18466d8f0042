"""Content negotiation rules, as pure functions."""

from __future__ import annotations

import pytest

from service import media
from service.web import negotiate


def test_an_absent_accept_header_accepts_anything():
    assert negotiate.best_match(None, ["text/turtle", "text/html"]) == "text/turtle"
    assert negotiate.best_match("", ["text/html"]) == "text/html"


def test_the_highest_q_value_wins():
    header = "text/turtle;q=0.5, application/ld+json;q=0.9"
    assert negotiate.best_match(header, ["text/turtle", "application/ld+json"]) == (
        "application/ld+json")


def test_an_explicit_type_beats_a_wildcard_of_the_same_q():
    assert negotiate.best_match("*/*, application/rdf+xml",
                                ["text/turtle", "application/rdf+xml"]) == "application/rdf+xml"


def test_a_specific_q_zero_excludes_a_type_a_wildcard_allows():
    assert negotiate.best_match("text/*, text/html;q=0", ["text/html", "text/turtle"]) == (
        "text/turtle")


def test_nothing_acceptable_gives_none():
    assert negotiate.best_match("image/png", ["text/html", "text/turtle"]) is None
    assert negotiate.choose("image/png", media.GRAPH_FORMATS, html=True) is None


def test_malformed_ranges_are_ignored_and_bad_q_means_zero():
    assert negotiate.best_match("garbage, text/turtle;q=abc, application/n-triples",
                                ["text/turtle", "application/n-triples"]) == (
        "application/n-triples")


def test_a_browser_gets_html_and_a_linked_data_client_gets_rdf():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert negotiate.choose(browser, media.GRAPH_FORMATS, html=True) == media.HTML
    rdflib_accept = "application/rdf+xml, text/rdf+n3;q=0.9, text/turtle;q=0.8"
    assert negotiate.choose(rdflib_accept, media.GRAPH_FORMATS, html=True) is media.RDF_XML
    assert negotiate.choose("*/*", media.GRAPH_FORMATS, html=True) == media.HTML


def test_aliases_select_their_format():
    assert negotiate.choose("application/x-turtle", media.GRAPH_FORMATS) is media.TURTLE
    assert negotiate.choose("application/json", media.RESULTS_FORMATS) is media.SPARQL_JSON


def test_suffixes_split_and_select_formats():
    assert negotiate.split_suffix("city/barcelona.ttl") == ("city/barcelona", "ttl")
    assert negotiate.split_suffix("city/barcelona") == ("city/barcelona", None)
    assert negotiate.by_suffix("jsonld") is media.JSON_LD
    assert negotiate.by_suffix("html") == media.HTML
    assert negotiate.by_suffix("exe") is None


def test_the_format_parameter_accepts_names_suffixes_and_media_types():
    for name in ("turtle", "ttl", "text/turtle"):
        assert negotiate.rdf_format(name) is media.TURTLE
    assert negotiate.rdf_format("nope") is None


def test_accept_language_orders_by_q_and_drops_zero():
    assert negotiate.parse_languages("fi;q=0.5, es, de;q=0") == ["es", "fi"]
    assert negotiate.parse_languages(None) == []


def test_language_rank_prefers_the_client_then_english_then_untagged():
    langs = ["es"]
    ranked = sorted(["fi", None, "en", "es", "es-ES"], key=lambda t: negotiate.language_rank(
        langs, t))
    assert ranked[:2] == ["es", "es-ES"] and ranked[2] == "en" and ranked[3] is None


@pytest.mark.parametrize("value,results,graph", [
    ("xml", media.SPARQL_XML, media.RDF_XML),
    ("json", media.SPARQL_JSON, media.JSON_LD),
    ("rdf+xml", media.SPARQL_XML, media.RDF_XML),
    ("RDF", media.SPARQL_XML, media.RDF_XML),
    ("json-ld", media.SPARQL_JSON, media.JSON_LD),
    ("n3", None, media.TURTLE),
    ("turtle", None, media.TURTLE),
    ("csv", media.SPARQL_CSV, None),
    ("text/tab-separated-values", media.SPARQL_TSV, None),
    ("application/sparql-results+json; charset=utf-8", media.SPARQL_JSON, None),
    ("yaml", None, None),
])
def test_a_format_parameter_is_read_per_query_form(value, results, graph):
    """``xml`` is SPARQL XML results for SELECT/ASK and RDF/XML for CONSTRUCT/DESCRIBE."""
    assert media.results_by_param(value) is results
    assert media.rdf_by_param(value) is graph
