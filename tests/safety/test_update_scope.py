"""Which graphs an update can change, read from its algebra: what a write compares afterwards,
and the default-graph writes it refuses before anything runs."""

from __future__ import annotations

import pytest

from service.problems import Problem
from service.sparql.update_scope import update_scope

G = "http://127.0.0.1:8080/graph/"
P = "PREFIX e: <http://example.org/> "


@pytest.mark.parametrize(("update", "graphs"), [
    (P + f"INSERT DATA {{ GRAPH <{G}a> {{ e:s e:p e:o }} }}", {G + "a"}),
    (P + f"DELETE DATA {{ GRAPH <{G}a> {{ e:s e:p e:o }} }} ; "
         f"INSERT DATA {{ GRAPH <{G}b> {{ e:s e:p e:o }} }}", {G + "a", G + "b"}),
    (P + f"DELETE WHERE {{ GRAPH <{G}c> {{ ?s e:p ?o }} }}", {G + "c"}),
    (P + f"WITH <{G}d> DELETE {{ ?s e:p ?o }} INSERT {{ ?s e:q ?o }} WHERE {{ ?s e:p ?o }}",
     {G + "d"}),
    (P + f"INSERT {{ GRAPH <{G}e> {{ ?s e:q ?o }} }} WHERE {{ GRAPH <{G}f> {{ ?s e:p ?o }} }}",
     {G + "e"}),
    (P + f"INSERT {{ GRAPH <{G}e> {{ ?s e:q ?o }} }} USING <{G}f> WHERE {{ ?s e:p ?o }}",
     {G + "e"}),
    (f"CLEAR GRAPH <{G}g>", {G + "g"}),
    (f"DROP SILENT GRAPH <{G}h>", {G + "h"}),
    (f"CREATE GRAPH <{G}i>", {G + "i"}),
    (f"ADD <{G}j> TO <{G}k>", {G + "k"}),
    (f"COPY DEFAULT TO <{G}l>", {G + "l"}),
    (f"MOVE <{G}m> TO <{G}n>", {G + "m", G + "n"}),
])
def test_the_graphs_an_update_names_are_its_scope(update, graphs):
    assert update_scope(update).graphs == frozenset(graphs)


@pytest.mark.parametrize("update", [
    P + "DELETE { GRAPH ?g { ?s e:p ?o } } WHERE { GRAPH ?g { ?s e:p ?o } }",
    P + "INSERT { GRAPH ?g { ?s e:q ?o } } WHERE { GRAPH ?g { ?s e:p ?o } }",
    "CLEAR NAMED",
    "DROP SILENT NAMED",
])
def test_a_variable_graph_or_all_named_graphs_can_change_any_graph(update):
    assert update_scope(update).graphs is None


@pytest.mark.parametrize("update", [
    P + "INSERT DATA { e:s e:p e:o }",
    P + f"INSERT DATA {{ GRAPH <{G}a> {{ e:s e:p e:o }} e:x e:y e:z }}",
    P + "DELETE DATA { e:s e:p e:o }",
    P + "DELETE WHERE { ?s e:p ?o }",
    P + "INSERT { ?s e:q ?o } WHERE { GRAPH ?g { ?s e:p ?o } }",
    P + f"DELETE {{ ?s e:p ?o }} INSERT {{ GRAPH <{G}a> {{ ?s e:q ?o }} }} WHERE {{ ?s e:p ?o }}",
    "CLEAR DEFAULT",
    "CLEAR ALL",
    "DROP ALL",
    f"ADD <{G}a> TO DEFAULT",
    f"COPY <{G}a> TO DEFAULT",
    f"MOVE DEFAULT TO <{G}a>",
])
def test_an_update_that_writes_the_default_graph_is_refused(update):
    with pytest.raises(Problem) as refused:
        update_scope(update)
    assert refused.value.status == 400
    assert "default graph" in refused.value.detail


def test_an_update_that_does_not_parse_is_a_400_naming_the_problem():
    with pytest.raises(Problem) as refused:
        update_scope("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> } }")
    assert refused.value.status == 400 and refused.value.detail.startswith("malformed update")
