"""The dataset description (VoID + DCAT-AP) of a release: what harvesters read.

It is computed from the release's figures and the dataset node the editors keep in
``data/meta.ttl`` (title, description, publisher, licence, dates, version), and is written
beside the store rather than into it, so the dumps and the endpoint hold the same triples.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from service.namespaces import IANA_MEDIA_TYPES, PREFIXES, graph_iri, term, thing_iri

META_GRAPH = "meta"

DATASET_SLUG = "citynet"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
EXAMPLE_RESOURCES = (("group", "eurocities-migration-integration"), ("city", "barcelona"),
                     ("network", "eurocities"), ("network", "cemr"))


def dataset_metadata(store: ox.Store, base: str) -> dict[str, Any]:
    """Read the editors' description of the dataset (``id/dataset/citynet``) from graph/meta
    of ``store`` (IRIs as strings, literals as pyoxigraph literals, None when absent)."""
    node = ox.NamedNode(thing_iri(base, "dataset", DATASET_SLUG))
    meta_graph = ox.NamedNode(graph_iri(base, META_GRAPH))

    def value(subject: ox.NamedNode | None, prefix: str, local: str) -> Any:
        if subject is None:
            return None
        found = sorted((q.object for q in store.quads_for_pattern(
            subject, term(prefix, local), None, meta_graph)), key=str)
        if not found:
            return None
        return found[0].value if isinstance(found[0], ox.NamedNode) else found[0]

    publisher = value(node, "dct", "publisher")
    publisher = publisher if isinstance(publisher, str) else None
    version = value(node, "owl", "versionInfo")
    return {
        "iri": node.value,
        "title": value(node, "dct", "title"),
        "description": value(node, "dct", "description"),
        "license": value(node, "dct", "license") or LICENSE,
        "issued": value(node, "dct", "issued"),
        "modified": value(node, "dct", "modified"),
        "version": version.value if isinstance(version, ox.Literal) else str(version or ""),
        "publisher": publisher,
        "publisher_name": value(ox.NamedNode(publisher), "foaf", "name") if publisher else None,
    }


def _literal(value: Any, default: str) -> ox.Literal:
    if value is None:
        return ox.Literal(default, language="en")
    if isinstance(value, ox.Literal):
        return value
    return ox.Literal(str(value))


def describe_release(info: dict[str, Any], meta: dict[str, Any], base: str) -> list[ox.Triple]:
    """VoID + DCAT-AP triples for a release: catalogue, dataset, service, distributions."""
    t: list[ox.Triple] = []
    a = term("rdf", "type")
    dataset = ox.NamedNode(meta.get("iri") or thing_iri(base, "dataset", DATASET_SLUG))
    catalog = ox.NamedNode(thing_iri(base, "dataset", "catalog"))
    service = ox.NamedNode(thing_iri(base, "dataset", "sparql-service"))
    endpoint = ox.NamedNode(base + "sparql")
    publisher = ox.NamedNode(str(meta.get("publisher") or thing_iri(base, "agent", "publisher")))
    license_ = ox.NamedNode(str(meta.get("license") or LICENSE))
    title = _literal(meta.get("title"), "CityNet LOD")
    description = _literal(
        meta.get("description"), "The governance of European city networks as linked open data."
    )
    integer = term("xsd", "integer")

    t += [
        ox.Triple(catalog, a, term("dcat", "Catalog")),
        ox.Triple(catalog, term("dct", "title"), title),
        ox.Triple(catalog, term("dct", "description"), description),
        ox.Triple(catalog, term("dct", "publisher"), publisher),
        ox.Triple(catalog, term("dcat", "dataset"), dataset),
        ox.Triple(catalog, term("dcat", "service"), service),
        ox.Triple(catalog, term("foaf", "homepage"), ox.NamedNode(base)),
        ox.Triple(ox.NamedNode(base), a, term("foaf", "Document")),
        ox.Triple(publisher, a, term("foaf", "Agent")),
        ox.Triple(publisher, term("foaf", "name"),
                  _literal(meta.get("publisher_name"), "CityNet LOD publisher")),
        ox.Triple(license_, a, term("dct", "LicenseDocument")),
        ox.Triple(dataset, a, term("dcat", "Dataset")),
        ox.Triple(dataset, a, term("void", "Dataset")),
        ox.Triple(dataset, term("dct", "title"), title),
        ox.Triple(dataset, term("dct", "description"), description),
        ox.Triple(dataset, term("dct", "publisher"), publisher),
        ox.Triple(dataset, term("dct", "license"), license_),
        ox.Triple(dataset, term("dcat", "version"), ox.Literal(info.get("version") or info["id"])),
        ox.Triple(dataset, term("owl", "versionInfo"), ox.Literal(info["id"])),
        ox.Triple(dataset, term("dcat", "landingPage"), ox.NamedNode(base)),
        ox.Triple(dataset, term("void", "sparqlEndpoint"), endpoint),
        ox.Triple(dataset, term("void", "uriSpace"), ox.Literal(base + "id/")),
        ox.Triple(dataset, term("void", "triples"), ox.Literal(str(info["triples"]), datatype=integer)),
        ox.Triple(dataset, term("void", "vocabulary"), ox.NamedNode(PREFIXES["cn"])),
        ox.Triple(dataset, term("void", "rootResource"),
                  ox.NamedNode(thing_iri(base, "network", "eurocities"))),
    ]
    for kw in ("city networks", "Eurocities", "CEMR", "working groups", "governance", "migration"):
        t.append(ox.Triple(dataset, term("dcat", "keyword"), ox.Literal(kw, language="en")))
    for key in ("issued", "modified"):
        if meta.get(key) is not None:
            t.append(ox.Triple(dataset, term("dct", key), _literal(meta[key], "")))
        elif key == "modified" and info.get("built"):
            # The sources do not say: the release's build time is when the data last changed.
            t.append(ox.Triple(dataset, term("dct", key),
                               ox.Literal(info["built"], datatype=term("xsd", "dateTime"))))
    for prefix in ("org", "skos", "dct", "foaf", "schema", "prov", "time", "cv"):
        t.append(ox.Triple(dataset, term("void", "vocabulary"), ox.NamedNode(PREFIXES[prefix])))
    for kind, slug in EXAMPLE_RESOURCES:
        t.append(ox.Triple(dataset, term("void", "exampleResource"),
                           ox.NamedNode(thing_iri(base, kind, slug))))
    for graph, count in info.get("graphs", {}).items():
        subset = ox.NamedNode(f"{thing_iri(base, 'dataset', 'graph')}-{graph.rsplit('/', 1)[-1]}")
        t += [
            ox.Triple(dataset, term("void", "subset"), subset),
            ox.Triple(subset, a, term("void", "Dataset")),
            ox.Triple(subset, term("sd", "name"), ox.NamedNode(graph)),
            ox.Triple(subset, term("void", "triples"), ox.Literal(str(count), datatype=integer)),
        ]
    t += [
        ox.Triple(service, a, term("dcat", "DataService")),
        ox.Triple(service, term("dct", "title"), ox.Literal("CityNet LOD SPARQL endpoint", language="en")),
        ox.Triple(service, term("dcat", "endpointURL"), endpoint),
        ox.Triple(service, term("dcat", "endpointDescription"), endpoint),
        ox.Triple(service, term("dcat", "servesDataset"), dataset),
        ox.Triple(service, term("dct", "license"), license_),
    ]
    for dump in info["dumps"]:
        t += _distribution(dump, dataset, license_, base)
    t += _versions(info, dataset, base)
    return t


def release_iri(base: str, release_id: str) -> str:
    """The IRI of one release of the dataset (a version in DCAT's sense)."""
    return thing_iri(base, "dataset", f"{DATASET_SLUG}-release-{release_id}")


def _versions(info: dict[str, Any], dataset: ox.NamedNode, base: str) -> list[ox.Triple]:
    """The release as a version of the dataset: its number, issue date, the release it
    revises (``prov:wasRevisionOf``, ``dcat:previousVersion``) and where its files stay."""
    a, date_time = term("rdf", "type"), term("xsd", "dateTime")
    release = ox.NamedNode(release_iri(base, info["id"]))
    page = ox.NamedNode(f"{base}dumps/releases/{info['id']}/")
    t = [
        ox.Triple(dataset, term("dcat", "hasCurrentVersion"), release),
        ox.Triple(dataset, term("dcat", "hasVersion"), release),
        ox.Triple(release, a, term("dcat", "Dataset")),
        ox.Triple(release, a, term("prov", "Entity")),
        ox.Triple(release, term("dcat", "isVersionOf"), dataset),
        ox.Triple(release, term("dct", "identifier"), ox.Literal(info["id"])),
        ox.Triple(release, term("dcat", "version"), ox.Literal(str(info.get("sequence") or 1))),
        ox.Triple(release, term("dcat", "landingPage"), page),
        ox.Triple(page, a, term("foaf", "Document")),
        ox.Triple(release, term("dct", "title"),
                  ox.Literal(f"CityNet LOD release {info.get('sequence') or 1} ({info['id']})",
                             language="en")),
        ox.Triple(release, term("dct", "description"),
                  ox.Literal("This release of the dataset; its dump files stay downloadable "
                             "from its landing page while it is kept, with the change log "
                             "against the release it revises.", language="en")),
    ]
    if info.get("built"):
        t.append(ox.Triple(release, term("dct", "issued"), ox.Literal(info["built"],
                                                                   datatype=date_time)))
    if info.get("previous"):
        previous = ox.NamedNode(release_iri(base, info["previous"]))
        t += [ox.Triple(release, term("prov", "wasRevisionOf"), previous),
              ox.Triple(release, term("dcat", "previousVersion"), previous),
              ox.Triple(dataset, term("dcat", "hasVersion"), previous),
              ox.Triple(previous, term("dct", "identifier"), ox.Literal(info["previous"]))]
        if info.get("previous_built"):
            t.append(ox.Triple(previous, term("dct", "issued"),
                               ox.Literal(info["previous_built"], datatype=date_time)))
        t.append(ox.Triple(release, term("dct", "references"),
                           ox.NamedNode(f"{base}dumps/releases/{info['id']}/changes")))
    return t


def _distribution(dump: dict[str, Any], dataset: ox.NamedNode, license_: ox.NamedNode,
                  base: str) -> list[ox.Triple]:
    a = term("rdf", "type")
    slug = dump["name"].replace(".", "-")
    dist = ox.NamedNode(thing_iri(base, "distribution", slug))
    checksum = ox.NamedNode(thing_iri(base, "checksum", slug))
    url = ox.NamedNode(f"{base}dumps/{dump['name']}")
    media_type = ox.NamedNode(IANA_MEDIA_TYPES + dump["media_type"])
    t = [
        ox.Triple(dataset, term("dcat", "distribution"), dist),
        ox.Triple(dataset, term("void", "dataDump"), url),
        ox.Triple(dist, a, term("dcat", "Distribution")),
        ox.Triple(dist, term("dct", "title"), ox.Literal(dump["name"], language="en")),
        ox.Triple(dist, term("dct", "description"), ox.Literal(dump["description"], language="en")),
        ox.Triple(dist, term("dcat", "accessURL"), url),
        ox.Triple(dist, term("dcat", "downloadURL"), url),
        ox.Triple(dist, term("dcat", "mediaType"), media_type),
        ox.Triple(dist, term("dct", "format"), media_type),
        ox.Triple(media_type, a, term("dct", "MediaType")),
        ox.Triple(media_type, a, term("dct", "MediaTypeOrExtent")),
        ox.Triple(dist, term("dct", "license"), license_),
        ox.Triple(dist, term("dcat", "byteSize"),
                  ox.Literal(str(dump["size"]), datatype=term("xsd", "nonNegativeInteger"))),
        ox.Triple(dist, term("spdx", "checksum"), checksum),
        ox.Triple(checksum, a, term("spdx", "Checksum")),
        ox.Triple(checksum, term("spdx", "algorithm"), term("spdx", "checksumAlgorithm_sha256")),
        ox.Triple(checksum, term("spdx", "checksumValue"),
                  ox.Literal(dump["sha256"], datatype=term("xsd", "hexBinary"))),
    ]
    if dump.get("compression") == "gzip":
        gzip_type = ox.NamedNode(IANA_MEDIA_TYPES + "application/gzip")
        t += [ox.Triple(dist, term("dcat", "compressFormat"), gzip_type),
              ox.Triple(gzip_type, a, term("dct", "MediaType"))]
    return t
