"""Clean serialisations (service/rdfout.py, service/jsonld.py) on generated graphs: Turtle
declares only the prefixes it uses and never escapes inside a prefixed name; compact JSON-LD
says exactly what the triples say, read back by two independent JSON-LD processors (pyld and
pyoxigraph's)."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld as pyld

from service import jsonld, media, rdfout
from service.namespaces import PREFIXES, data_prefixes

BASE = "http://example.org/"
PREFIX_MAP = data_prefixes(BASE)
XSD = PREFIXES["xsd"]
#: Local names that need a Turtle escape (or none), next to plain ones.
LOCALS = st.one_of(
    st.sampled_from(["city/barcelona", "a.", "-a", "a~b", "a%20b", "x/y/z", "", "1a", "a:b",
                     "a.b", "_x", "prefLabel", "Q1492", "topic-migration", "é", "a(b)"]),
    st.text(alphabet="abcXYZ019-_.:/~é", max_size=8),
)
NAMESPACES = st.sampled_from([PREFIX_MAP[p] for p in ("id", "graph", "schema", "skos", "org",
                                                       "cn", "wd", "xsd")] + ["urn:x:",
                                                                             "http://other.example/"])
IRIS = st.builds(lambda ns, local: ox.NamedNode(ns + local), NAMESPACES, LOCALS)
LITERALS = st.one_of(
    st.builds(ox.Literal, st.text(max_size=12)),
    st.builds(lambda v, lang: ox.Literal(v, language=lang), st.text(max_size=12),
              st.sampled_from(["en", "ca", "de-at", "fr"])),
    st.builds(lambda v, dt: ox.Literal(v, datatype=ox.NamedNode(XSD + dt)),
              st.sampled_from(["1", "01", "-5", "1.5", "1e5", "true", "abc", "2010"]),
              st.sampled_from(["integer", "decimal", "double", "boolean", "gYear", "date"])),
)
PREDICATES = st.one_of(IRIS, st.sampled_from([
    ox.NamedNode(PREFIXES["skos"] + "prefLabel"), ox.NamedNode(PREFIXES["org"] + "member"),
    ox.NamedNode(PREFIXES["schema"] + "position"), ox.NamedNode(PREFIXES["foaf"] + "name"),
    ox.NamedNode(PREFIXES["schema"] + "name"), ox.NamedNode(PREFIXES["rdf"] + "type")]))
TRIPLES = st.lists(st.builds(ox.Triple, st.one_of(IRIS, st.builds(ox.BlankNode)), PREDICATES,
                             st.one_of(IRIS, LITERALS, st.builds(ox.BlankNode))), max_size=25)
#: A prefixed name as Turtle writes it (after a space, tab or line start, outside strings).
PNAME = re.compile(r'(?:^|[\s(,;])([A-Za-z][A-Za-z0-9_-]*):(\S*?)(?=[\s,;.]*(?:\s|$))')


def graph_of(triples, doubles_by_value: bool = False):
    """The triples without blank nodes, as text. pyld rewrites every xsd:double into canonical
    form (``"1"`` becomes ``"1.0E0"``), so its output is compared by the doubles' values."""
    return {_text(t, doubles_by_value) for t in triples if not _has_blank(t)}


def _text(t, doubles_by_value: bool) -> str:
    o = t.object
    if doubles_by_value and isinstance(o, ox.Literal) and o.datatype.value == XSD + "double":
        try:
            return f"{t.subject} {t.predicate} double:{float(o.value)!r}"
        except ValueError:
            pass
    return str(t)


def _has_blank(t) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def blank_count(triples) -> int:
    return sum(_has_blank(t) for t in triples)


def context_for(triples) -> jsonld.Context:
    usage = set()
    for t in triples:
        o = t.object
        kind = ("@id" if not isinstance(o, ox.Literal) else
                "@language" if o.language else o.datatype.value)
        usage.add((t.predicate.value, kind))
    return jsonld.build_context(usage, PREFIX_MAP)


def turtle_body_and_prefixes(text: str) -> tuple[str, dict[str, str]]:
    declared = dict(re.findall(r"^@prefix (\w*): <([^>]*)> \.$", text, flags=re.M))
    body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
    body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', body)  # literals cannot confuse the checks
    return body, declared


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TRIPLES)
def test_turtle_declares_only_used_prefixes_and_never_escapes_a_prefixed_name(triples):
    text = rdfout.triples(triples, media.TURTLE, PREFIX_MAP).decode()
    body, declared = turtle_body_and_prefixes(text)
    for prefix in declared:
        assert re.search(rf"(?:^|[\s(,;^]){prefix}:", body, flags=re.M), (prefix, text)
    for prefix, local in PNAME.findall(body):
        assert "\\" not in local, text
        assert prefix in declared, text
    parsed = {q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)}
    assert graph_of(parsed) == graph_of(triples)
    assert blank_count(parsed) == blank_count(set(triples))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TRIPLES)
def test_compact_jsonld_says_exactly_what_the_triples_say(triples):
    document = jsonld.compact_graph(triples, context_for(triples))
    body = jsonld.dumps(document)
    by_oxigraph = [q.triple for q in ox.parse(body, format=ox.RdfFormat.JSON_LD)]
    nquads = pyld.to_rdf(json.loads(body), {"format": "application/n-quads"})
    by_pyld = [q.triple for q in ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)]
    assert graph_of(by_oxigraph) == graph_of(triples)
    assert graph_of(by_pyld, True) == graph_of(triples, True)
    for parsed in (by_oxigraph, by_pyld):
        assert blank_count(set(parsed)) == blank_count(set(triples))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.builds(ox.Quad, IRIS, PREDICATES, st.one_of(IRIS, LITERALS),
                          st.one_of(st.just(ox.DefaultGraph()), IRIS)), max_size=20))
def test_compact_jsonld_keeps_named_graphs(quads):
    context = context_for([q.triple for q in quads])
    expected = set(quads)
    assert set(ox.parse(jsonld.dumps(jsonld.compact_dataset(quads, context)),
                        format=ox.RdfFormat.JSON_LD)) == expected
    import io

    out = io.BytesIO()
    ordered = sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject)))
    jsonld.write_dataset(ordered, out, context)
    assert set(ox.parse(out.getvalue(), format=ox.RdfFormat.JSON_LD)) == expected


def test_the_context_names_terms_by_local_name_with_their_coercions():
    s = PREFIX_MAP["id"] + "city/x"
    usage = [(PREFIXES["skos"] + "prefLabel", "@language"), (PREFIXES["org"] + "member", "@id"),
             (PREFIXES["schema"] + "position", XSD + "integer"),
             (PREFIXES["dct"] + "subject", "@id"), (PREFIXES["dct"] + "subject", XSD + "string"),
             (PREFIXES["foaf"] + "name", XSD + "string"), (PREFIXES["schema"] + "name", "@id")]
    context = jsonld.build_context(usage, PREFIX_MAP).definition()
    assert context["prefLabel"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert context["member"] == {"@id": "org:member", "@type": "@id"}
    assert context["position"] == {"@id": "schema:position", "@type": "xsd:integer"}
    assert context["subject"] == {"@id": "dct:subject"}  # mixed values: no coercion
    assert context["name"] == {"@id": "foaf:name"}  # foaf is listed before schema
    assert context["id"] == PREFIX_MAP["id"]
    assert s.startswith(context["id"])


def test_a_value_that_does_not_fit_its_term_is_written_in_full():
    s, member = ox.NamedNode(PREFIX_MAP["id"] + "m/1"), ox.NamedNode(PREFIXES["org"] + "member")
    triples = [ox.Triple(s, member, ox.NamedNode(PREFIX_MAP["id"] + "city/x")),
               ox.Triple(s, member, ox.Literal("not an IRI"))]
    context = jsonld.build_context([(member.value, "@id")], PREFIX_MAP)
    node = jsonld.compact_graph(triples, context)["@graph"][0]
    assert node["member"] == "id:city/x"
    assert node["org:member"] == "not an IRI"
    assert set(ox.parse(jsonld.dumps(jsonld.compact_graph(triples, context)),
                        format=ox.RdfFormat.JSON_LD)) == {ox.Quad(*t) for t in triples}


def test_rdfxml_declares_only_the_namespaces_of_its_properties():
    s = ox.NamedNode(PREFIX_MAP["id"] + "city/x")
    triples = [ox.Triple(s, ox.NamedNode(PREFIXES["skos"] + "prefLabel"), ox.Literal("X")),
               ox.Triple(s, ox.NamedNode(PREFIXES["rdf"] + "type"),
                         ox.NamedNode(PREFIXES["org"] + "Organization"))]
    text = rdfout.triples(triples, media.RDF_XML, PREFIX_MAP).decode()
    assert 'xmlns:skos="' in text
    for unused in ("org", "schema", "dct", "id", "cn"):
        assert f"xmlns:{unused}=" not in text
    assert set(ox.parse(text.encode(), format=ox.RdfFormat.RDF_XML)) == {
        ox.Quad(*t) for t in triples}
