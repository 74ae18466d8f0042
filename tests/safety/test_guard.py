"""The guard refuses every query that could make the service fetch from the web."""

from __future__ import annotations

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from service import lexer
from service.problems import Problem
from service.sparql import guard
from service.sparql.guard import check_query, check_update, parsed_service_endpoints
from tests.safety.service_queries import Generated, Oracle, queries

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
    with pytest.raises(Problem) as refused:
        check_query(query, allowlist=(ALLOWED,))
    assert refused.value.status == 403
    assert "SERVICE" in refused.value.detail


def test_the_refusal_names_the_endpoint():
    with pytest.raises(Problem, match="http://evil.example/sparql"):
        check_query("SELECT * { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { BIND(<http://x/> AS ?e) SERVICE SILENT $e { ?s ?p ?o } }",
])
def test_a_variable_service_endpoint_is_always_refused(query):
    with pytest.raises(Problem, match="variable"):
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
    with pytest.raises(Problem) as refused:
        check_query(update)
    assert refused.value.status == 403 and "/update" in refused.value.detail


def test_load_is_refused_even_on_the_update_endpoint():
    with pytest.raises(Problem, match="LOAD"):
        check_update("LOAD SILENT <http://evil.example/x.ttl> INTO GRAPH <http://x/g>")


def test_service_inside_an_update_is_refused():
    with pytest.raises(Problem, match="SERVICE"):
        check_update("INSERT { GRAPH <http://x/g> { ?s ?p ?o } } "
                     "WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }")


def test_from_is_read_not_refused():
    """FROM / FROM NAMED are collected (the store reads an absent graph as empty)."""
    query = ("SELECT * FROM <http://127.0.0.1:8080/graph/people> "
             "FROM NAMED <http://evil.example/x> WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert check_query(query).datasets == ("http://127.0.0.1:8080/graph/people",
                                           "http://evil.example/x")


def test_an_oversized_query_is_413():
    with pytest.raises(Problem) as refused:
        check_query("SELECT * WHERE { ?s ?p ?o }" + " " * 2000, max_bytes=1000)
    assert refused.value.status == 413


ORACLE = Oracle()


def guard_agrees_with_oxigraph(query: Generated) -> None:
    """The guard finds every SERVICE call Oxigraph would make, and invents none.

    Oxigraph must parse every generated query, so the comparison is always reached.
    """
    assert ORACLE.parses(query.text), f"the generator wrote an invalid query:\n{query.text}"
    planned = ORACLE.planned_services(query.text, query.form)
    assert bool(planned) == bool(query.calls), f"oracle and generator disagree:\n{query.text}"
    seen = {"?" + s[1:] if s.startswith("$") else s for s in lexer.scan(query.text).services}
    assert planned <= seen, f"the lexer missed {planned - seen} in:\n{query.text}"
    if planned:
        with pytest.raises(Problem) as refused:
            guard.check_query(query.text)
        assert refused.value.status == 403
    else:
        assert guard.check_query(query.text).services == ()


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(queries())
def test_whenever_oxigraph_plans_a_service_the_guard_refuses_it(query):
    """Property: a SERVICE anywhere in a valid query, however written, is refused."""
    guard_agrees_with_oxigraph(query)


def _skip_after_optional(toks: list[lexer.Token]) -> list[lexer.Token]:
    """A lexer that loses a SERVICE right after ``OPTIONAL {``."""
    return [t for i, t in enumerate(toks)
            if not (t.text.upper() == "SERVICE" and i >= 2 and toks[i - 1].text == "{"
                    and toks[i - 2].text.upper() == "OPTIONAL")]


def _case_sensitive(toks: list[lexer.Token]) -> list[lexer.Token]:
    """A lexer that only knows the upper-case keyword."""
    return [t for t in toks if not (t.text.upper() == "SERVICE" and t.text != "SERVICE"
                                    and t.kind == "word")]


def _ignores_prefixed_names(toks: list[lexer.Token]) -> list[lexer.Token]:
    """A lexer that only looks at SERVICE calls written with a full IRI or a variable."""
    return [t for i, t in enumerate(toks)
            if not (t.text.upper() == "SERVICE" and t.kind == "word" and i + 1 < len(toks)
                    and "pname" in (toks[i + 1].kind, toks[i + 2].kind if i + 2 < len(toks) else ""))]


@pytest.mark.slow
@pytest.mark.parametrize("breakage", [_skip_after_optional, _case_sensitive, _ignores_prefixed_names])
def test_the_property_catches_a_broken_guard(monkeypatch, breakage):
    """The property above is not vacuous: with a guard that misses one kind of SERVICE,
    it finds a counterexample."""
    real_tokens = lexer.tokens
    monkeypatch.setattr(lexer, "tokens", lambda text: iter(breakage(list(real_tokens(text)))))
    search = settings(max_examples=1000, deadline=None, database=None,
                      phases=[Phase.generate])(given(queries())(guard_agrees_with_oxigraph))
    with pytest.raises(AssertionError, match="the lexer missed"):
        search()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_the_lexer_never_crashes(text):
    try:
        check_query(text, max_bytes=10_000)
    except Problem as exc:
        assert exc.status in (400, 403, 413)
