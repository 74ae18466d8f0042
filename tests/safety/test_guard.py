"""The guard refuses every query that could make the service fetch from the web."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.sparql.guard import GuardError, check_query, check_update, parsed_service_endpoints, scan

ALLOWED = "https://query.wikidata.org/sparql"


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://evil.example/sparql> { ?s ?p ?o } }",
    "PREFIX e: <http://evil.example/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
    "BASE <http://evil.example/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
    r"SELECT * WHERE { SERVICE <http://evil\u002eexample/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://evil.example/> { ?s ?p ?x } } }",
    "SELECT * WHERE { ?s ?p ?o }\n# comment\nVALUES ?x {1} ; SERVICE<http://evil.example/>{}",
    "ASK { SERVICE <https://query.wikidata.org/sparql/> { ?s ?p ?o } }",  # not the same IRI
])
def test_service_to_an_unlisted_endpoint_is_refused(query):
    with pytest.raises(GuardError) as refused:
        check_query(query, allowlist=(ALLOWED,))
    assert refused.value.status == 403
    assert "SERVICE" in refused.value.message


def test_the_refusal_names_the_endpoint():
    with pytest.raises(GuardError, match="http://evil.example/sparql"):
        check_query("SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://x/> AS ?e) SERVICE SILENT $e { ?s ?p ?o } }",
])
def test_a_variable_service_endpoint_is_always_refused(query):
    with pytest.raises(GuardError, match="variable"):
        check_query(query, allowlist=(ALLOWED,))


def test_an_allow_listed_endpoint_passes_both_lexer_and_parser():
    query = f"SELECT * WHERE {{ SERVICE <{ALLOWED}> {{ ?s ?p ?o }} }}"
    assert check_query(query, allowlist=(ALLOWED,)).services == (ALLOWED,)
    assert parsed_service_endpoints(query) == {ALLOWED}


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://evil.example/>" }',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://evil.example/>",
    "SELECT ?service WHERE { ?service <http://x/SERVICE> ?o }",
    "PREFIX service: <http://x/> SELECT * WHERE { ?s service:load ?o }",
    "SELECT * WHERE { ?s ?p '''multi\nline SERVICE <http://evil/> {}''' }",
])
def test_the_word_in_strings_comments_names_and_iris_is_harmless(query):
    assert check_query(query).services == ()


@pytest.mark.parametrize("update", [
    "INSERT DATA { GRAPH <http://x/g> { <http://x/a> <http://x/b> <http://x/c> } }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://evil.example/data.ttl>",
    "PREFIX x: <http://x/> CLEAR ALL",
    "DROP GRAPH <http://x/g>",
    "WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_on_the_query_endpoint_with_a_pointer_to_update(update):
    with pytest.raises(GuardError) as refused:
        check_query(update)
    assert refused.value.status == 403 and "/update" in refused.value.message


def test_load_is_refused_even_on_the_update_endpoint():
    with pytest.raises(GuardError, match="LOAD"):
        check_update("LOAD SILENT <http://evil.example/x.ttl> INTO GRAPH <http://x/g>")


def test_service_inside_an_update_is_refused():
    with pytest.raises(GuardError, match="SERVICE"):
        check_update("INSERT { GRAPH <http://x/g> { ?s ?p ?o } } "
                     "WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }")


def test_from_is_read_not_refused():
    """FROM / FROM NAMED are collected (the store reads an absent graph as empty)."""
    query = ("SELECT * FROM <http://127.0.0.1:8080/graph/people> "
             "FROM NAMED <http://evil.example/x> WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert check_query(query).datasets == ("http://127.0.0.1:8080/graph/people",
                                           "http://evil.example/x")


def test_an_oversized_query_is_413():
    with pytest.raises(GuardError) as refused:
        check_query("SELECT * WHERE { ?s ?p ?o }" + " " * 2000, max_bytes=1000)
    assert refused.value.status == 413


_words = st.sampled_from(["SELECT", "*", "WHERE", "{", "}", "SERVICE", "SILENT", "?s", "?p",
                          "<http://evil.example/>", '"SERVICE"', "#", "\n", "OPTIONAL", "'",
                          "<", ">", "e:x", "PREFIX", "e:", "FROM", "\\u0053", " ", "."])


@settings(max_examples=300, deadline=None)
@given(st.lists(_words, max_size=40))
def test_whenever_the_parser_sees_a_service_the_lexer_refuses_it(parts):
    """Property: any query rdflib parses with a SERVICE clause is refused by the lexer alone."""
    query = " ".join(parts)
    try:
        endpoints = parsed_service_endpoints(query)
    except GuardError:
        return  # not SPARQL rdflib accepts; nothing to compare
    if endpoints:
        assert scan(query).services, query
        with pytest.raises(GuardError):
            check_query(query)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_the_lexer_never_crashes(text):
    try:
        check_query(text, max_bytes=10_000)
    except GuardError as exc:
        assert exc.status in (400, 403, 413)
