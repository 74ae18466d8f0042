"""The home page (browse and search), and the dataset description (VoID + DCAT-AP), which is
also what an RDF client gets when it asks for the home page."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for

from service import media
from service.namespaces import PREFIXES
from service.problems import Problem
from service.web import describe, glance, label_search, negotiate, serialize, view
from service.web.common import base, languages, rdf_body, release, store
from service.web.representation import ACCEPT, ACCEPT_LANGUAGE, Representation, html

bp = Blueprint("home", __name__)

MAX_SEARCH = 200


def _description(rel) -> list[ox.Triple]:
    """The release's description, written at build time beside the store."""
    try:
        data = rel.description_path.read_bytes()
    except OSError:
        raise Problem(503, "the dataset description is missing from this release") from None
    return list(ox.parse(data, format=ox.RdfFormat.TURTLE))


def _rdf_description(fmt, vary) -> Response:
    rel = release()
    return Representation(rel, ["void", fmt.name], vary=vary).respond(lambda: rdf_body(
        serialize.triples(_description(rel), fmt, base()), fmt.media_type))


def _html_or_description(what: str, vary=ACCEPT) -> Response | None:
    """None when the client wants HTML; else the dataset description in its RDF format (406
    when it accepts neither). Both / and /.well-known/void answer RDF clients this way."""
    name = (request.args.get("format") or "").strip()
    if name:  # a link that names its format ("also available as")
        if name.lower() in ("html", media.HTML):
            return None
        chosen = media.rdf_by_name(name)
        if chosen is None:
            raise Problem(400, f"unknown format {name!r}; use html, turtle, jsonld, "
                               "ntriples or rdfxml")
        return _rdf_description(chosen, vary)
    fmt = negotiate.choose(request.headers.get("Accept"), media.GRAPH_FORMATS, html=True)
    if fmt is None:
        raise Problem(406, f"{what} is available as HTML or as an RDF description")
    return None if fmt == media.HTML else _rdf_description(fmt, vary)


@bp.route("/", methods=["GET"])
def home() -> Response:
    described = _html_or_description("the home page", ACCEPT_LANGUAGE)
    if described is not None:
        return described
    rel = release()
    q = (request.args.get("q") or "").strip()[:MAX_SEARCH]
    return Representation(rel, ["home", q, *languages()], vary=ACCEPT_LANGUAGE).respond(
        lambda: html(_home_page(rel, q)))


def _home_page(rel, q: str) -> str:
    linker = view.Linker(base(), url_for("home.home"))
    meta = _about(_description(rel))
    networks = _networks(linker)
    results = []
    if q:
        lab = view.Labeller({}, languages(), linker)
        seen = set()
        for node, label in label_search.search(store(), rel, q):
            if node.value in seen:
                continue
            seen.add(node.value)
            link = lab.link(node)
            results.append((view.Link(label.value, link.href, node.value, link.local),
                            glance.kind_name(node.value, base())))
    pictures = glance.home_charts(store(), rel)
    return render_template("home.html", meta=meta, release=rel, networks=networks, q=q,
                           results=results, charts=pictures)


def _about(triples: list[ox.Triple]) -> dict[str, str]:
    """Title, description and licence of the dcat:Dataset in the description."""
    dataset_type = ox.NamedNode(PREFIXES["dcat"] + "Dataset")
    dataset = next((t.subject for t in triples if t.object == dataset_type), None)
    about: dict[str, str] = {}
    for t in triples:
        if t.subject != dataset:
            continue
        key = t.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        if key in ("title", "description", "license", "issued", "modified", "version"):
            about.setdefault(key, t.object.value)
    return about


def _networks(linker: view.Linker) -> list[dict]:
    """Networks, each with its forums / impact communities (labels chosen by language)."""
    labels: dict = {}
    units: dict = {}
    for row in store().query(describe.networks_query()):
        net, unit = row["net"], row["unit"]
        units.setdefault(net, set())
        if row["nl"] is not None:
            labels.setdefault(net, []).append((PREFIXES["skos"] + "prefLabel", row["nl"]))
        if unit is not None:
            units[net].add(unit)
            if row["ul"] is not None:
                labels.setdefault(unit, []).append((PREFIXES["skos"] + "prefLabel", row["ul"]))
    lab = view.Labeller({k: list(dict.fromkeys(v)) for k, v in labels.items()}, languages(),
                        linker)
    result = []
    for net, members in units.items():
        result.append({"network": lab.link(net),
                       "units": sorted((lab.link(u) for u in members), key=lambda x: x.label)})
    return sorted(result, key=lambda n: n["network"].label)


@bp.route("/.well-known/void", methods=["GET"])
def void() -> Response:
    described = _html_or_description("the dataset description")
    if described is not None:
        return described
    rel = release()

    def render():
        turtle = serialize.triples(_description(rel), media.TURTLE, base()).decode("utf-8")
        return html(render_template("void.html", turtle=turtle, release=rel,
                                    formats=media.GRAPH_FORMATS))

    return Representation(rel, ["void-html"]).respond(render)
