"""The dataset description validates against the DCAT-AP 3.0.1 shapes harvesters use."""

from __future__ import annotations

from pyshacl import validate
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from service.store.release import Release


def test_the_description_conforms_to_dcat_ap(built_release: Release, shared_dir):
    folder = shared_dir / "reference" / "dcat-ap-3.0.1"
    shapes = Graph()
    shapes.parse(folder / "shapes.ttl", format="turtle")
    shapes.parse(folder / "range.ttl", format="turtle")
    data = Graph().parse(built_release.description_path, format="turtle")
    conforms, _report, text = validate(data, shacl_graph=shapes, allow_warnings=True)
    assert conforms, text


def test_the_description_has_one_distribution_per_dump_and_the_figures(built_release: Release):
    data = Graph().parse(built_release.description_path, format="turtle")
    dataset = next(data.subjects(RDF.type, DCAT.Dataset))
    assert len(set(data.objects(dataset, DCAT.distribution))) == len(built_release.dumps)
    assert int(data.value(dataset, VOID.triples)) == built_release.triples
    assert data.value(dataset, VOID.sparqlEndpoint) == URIRef(built_release.base + "sparql")
    for example in data.objects(dataset, VOID.exampleResource):
        assert str(example).startswith(built_release.base + "id/")


IANA = "http://www.iana.org/assignments/media-types/"


def test_every_distribution_has_its_iana_format(built_release: Release, shared_dir):
    """dct:format (DCAT-AP recommended) is the IANA media-type IRI, like dcat:mediaType."""
    data = Graph().parse(built_release.description_path, format="turtle")
    distributions = set(data.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) == len(built_release.dumps)
    for dist in distributions:
        fmt = data.value(dist, DCTERMS.format)
        assert isinstance(fmt, URIRef) and str(fmt).startswith(IANA), (dist, fmt)
        assert fmt == data.value(dist, DCAT.mediaType)
        assert (fmt, RDF.type, DCTERMS.MediaTypeOrExtent) in data
    for prop in (DCAT.mediaType, DCAT.compressFormat):
        assert all(str(o).startswith(IANA) for o in data.objects(None, prop)), prop
    folder = shared_dir / "reference" / "dcat-ap-3.0.1"
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl"):
        shapes.parse(folder / name, format="turtle")
    _conforms, report, _text = validate(data, shacl_graph=shapes, allow_warnings=True)
    sh = Namespace("http://www.w3.org/ns/shacl#")
    on_format = [r for r in report.subjects(sh.resultPath, DCTERMS.format)]
    assert on_format == [], report.serialize(format="turtle")
