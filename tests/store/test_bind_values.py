"""bind_values: variables bound as RDF terms by VALUES blocks at the start of every WHERE group,
found by the SPARQL lexer (strings, IRIs and comments are never rewritten). Each rewritten
query is also run by pyoxigraph and compared with its own ``substitutions``."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from service.store.remote import bind_values, query_form

S = ox.NamedNode("http://ex.org/s")
VALUES_S = "VALUES ?s { <http://ex.org/s> }"


def values_count(text: str) -> int:
    return text.count("VALUES ?")


@pytest.fixture(scope="module")
def store() -> ox.Store:
    data = """@prefix ex: <http://ex.org/> .
ex:s ex:p "WHERE { not a group" ; ex:q ex:o .
ex:o ex:p "o's label"@en .
ex:t ex:q ex:s . ex:u ex:q ex:s , ex:o ."""
    s = ox.Store()
    s.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("http://ex.org/g"))
    return s


def same_answers(store: ox.Store, query: str, bindings: dict) -> None:
    """The rewritten query answers exactly as pyoxigraph's own substitutions do."""
    native = store.query(query, substitutions={ox.Variable(k): v for k, v in bindings.items()},
                         use_default_graph_as_union=True)
    rewritten = store.query(bind_values(query, bindings), use_default_graph_as_union=True)
    if isinstance(native, ox.QueryBoolean):
        assert bool(rewritten) == bool(native)
    elif isinstance(native, ox.QuerySolutions):
        names = [v.value for v in native.variables]
        assert sorted(str([r[n] for n in names]) for r in rewritten) == sorted(
            str([r[n] for n in names]) for r in native)
    else:
        assert set(rewritten) == set(native)


def test_values_go_right_after_the_brace_of_the_where_group():
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    assert bind_values(query, {"s": S}) == f"SELECT ?o WHERE {{ {VALUES_S}  ?s ?p ?o }}"


def test_no_substitutions_leave_the_query_unchanged():
    query = "SELECT * WHERE { ?s ?p ?o }"
    assert bind_values(query, {}) is query


def test_every_sub_select_gets_its_own_values_so_its_limit_applies_to_the_bound_term(store):
    query = """SELECT ?s ?x WHERE {
  { SELECT ?s ?x WHERE { ?x ?p ?s } ORDER BY ?x LIMIT 1 }
  OPTIONAL { ?x ?lp ?l } }"""
    bound = bind_values(query, {"s": S})
    assert values_count(bound) == 2
    assert bound.index(VALUES_S) < bound.index("{ SELECT") < bound.rindex(VALUES_S)
    same_answers(store, query, {"s": S})


def test_each_union_branch_is_bound_so_no_branch_reads_every_triple(store):
    query = """CONSTRUCT { ?s ?p ?o . ?x ?ip ?s } WHERE {
  { ?s ?p ?o OPTIONAL { ?o ?lp ?l } } UNION { { ?x ?ip ?s } UNION { ?x ?ip ?o } } }"""
    bound = bind_values(query, {"s": S})
    assert values_count(bound) == 1 + 2 + 2  # the WHERE group, both branches, both inner ones
    assert "UNION { " + VALUES_S in bound and "{ " + VALUES_S + "  ?s ?p ?o" in bound
    same_answers(store, query, {"s": S})


def test_braces_and_keywords_in_strings_iris_and_comments_are_not_groups(store):
    query = '''SELECT ?s ?o WHERE { # a comment: WHERE { SELECT ?x WHERE {
  ?s ?p ?o FILTER(?o != "WHERE { \\" SELECT {" && ?o != """ASK { WHERE {""" && ?o != 'x{')
  FILTER(?s != <http://ex.org/WHERE>) }'''
    bound = bind_values(query, {"s": S})
    assert values_count(bound) == 1
    assert '"WHERE { \\" SELECT {"' in bound and "# a comment: WHERE { SELECT ?x WHERE {" in bound
    same_answers(store, query, {"s": S})


def test_an_ask_without_where_binds_in_its_first_group_and_its_branches(store):
    query = "ASK { { ?s ?p ?o } UNION { ?x ?p ?s } }"
    assert bind_values(query, {"s": S}) == (f"ASK {{ {VALUES_S}  {{ {VALUES_S}  ?s ?p ?o }} "
                                           f"UNION {{ {VALUES_S}  ?x ?p ?s }} }}")
    same_answers(store, query, {"s": S})
    same_answers(store, query, {"s": ox.NamedNode("http://ex.org/nothing")})


def test_a_select_without_where_and_exists_in_the_projection(store):
    query = "SELECT ?s (EXISTS { ?s ?p ?o } AS ?has) { ?s ?q ?o }"
    bound = bind_values(query, {"s": S})
    assert values_count(bound) == 1 and bound.index(VALUES_S) > bound.index("AS ?has")
    same_answers(store, query, {"s": S})


def test_construct_binds_in_the_pattern_not_in_the_template(store):
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    bound = bind_values(query, {"s": S})
    assert bound.startswith("CONSTRUCT { ?s ?p ?o } WHERE {") and values_count(bound) == 1
    same_answers(store, query, {"s": S})
    with pytest.raises(ValueError, match="CONSTRUCT WHERE"):
        bind_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": S})


def test_literals_are_written_by_pyoxigraph_with_their_escapes(store):
    tricky = ox.Literal('WHERE { "quoted" \\ back\nslash }', language="en")
    query = "SELECT ?q ?x WHERE { ?x ?p ?l FILTER(STR(?l) != STR(?q)) }"
    bound = bind_values(query, {"q": tricky, "n": ox.Literal("3", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))})
    assert f"VALUES ?q {{ {tricky} }}" in bound and values_count(bound) == 2
    same_answers(store, query, {"q": tricky})
    same_answers(store, "SELECT ?q ?s WHERE { ?s ?p ?o FILTER(?o = ?q) }",
                 {"q": ox.Literal("o's label", language="en")})


def test_prefixed_names_and_keywords_in_any_case(store):
    query = "prefix ex: <http://ex.org/> select ?s ?o where { ?s ex:q ?o }"
    assert values_count(bind_values(query, {"s": S})) == 1
    same_answers(store, query, {"s": S})
    assert bind_values(query, {"?s": S}) == bind_values(query, {"s": S})


def test_blank_nodes_cannot_be_bound():
    with pytest.raises(ValueError, match="only IRIs and literals"):
        bind_values("SELECT * WHERE { ?s ?p ?o }", {"s": ox.BlankNode()})


@pytest.mark.parametrize(("query", "form"), [
    ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
    ("# ASK\nPREFIX ask: <http://ask/> construct { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("BASE <http://x/SELECT> DESCRIBE <s>", "DESCRIBE"),
    ('ASK { ?s ?p "SELECT" }', "ASK"),
])
def test_the_query_form_is_the_first_keyword_outside_strings_iris_and_comments(query, form):
    assert query_form(query) == form
