"""Dereferenceable IRIs: /id/... answers 303 to /doc/..., the negotiated document about it."""

from __future__ import annotations

import re

from flask import Blueprint, Response, redirect, render_template, request, url_for

from service import media
from service.problems import Problem
from service.web import describe, glance, negotiate, paging, serialize, view
from service.web.common import base, languages, rdf_body, release, settings, store
from service.web.representation import ACCEPT_LANGUAGE, CACHE_CONTROL, Representation, html

bp = Blueprint("resource", __name__)

#: ``{kind}/{slug}``: no empty, dot-only or encoded segments, so nothing can climb out.
THING_PATH = re.compile(r"^[a-z][a-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_~.-]*$")


def _checked(path: str) -> str:
    """The IRI that ``path`` names, or 404 when the path is not of the form kind/slug."""
    if not THING_PATH.match(path) or ".." in path:
        raise Problem(404, f"/{path} is not a resource path (expected /id/kind/slug)")
    return f"{base()}id/{path}"


@bp.route("/id/<path:path>", methods=["GET"])
def thing(path: str) -> Response:
    """Cool URIs: the thing is not a document, so 303 See Other to the document about it."""
    iri = _checked(path)
    if not describe.exists(store(), iri):
        raise Problem(404, f"nothing is known about <{iri}>")
    response = redirect(url_for("resource.document", path=path), code=303)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.route("/doc/<path:path>", methods=["GET"])
def document(path: str) -> Response:
    stem, suffix = negotiate.split_suffix(path)
    fmt: object | None = None
    if suffix is not None:
        fmt = negotiate.by_suffix(suffix)
        if fmt is None:
            stem = path  # a slug with a dot in it, or an unknown suffix
    iri = _checked(stem)
    rel = release()
    if fmt is None:
        fmt = negotiate.choose(request.headers.get("Accept"), media.GRAPH_FORMATS, html=True)
        if fmt is None:
            raise Problem(406, _not_acceptable())
        location = url_for("resource.document", path=f"{stem}.{_suffix(fmt)}")
    else:
        location = None
    try:
        page = paging.parse_page(request.args.get("page"))
    except paging.BadPage as exc:
        raise Problem(400, str(exc)) from None
    if location is not None and page > 1:
        location += f"?page={page}"
    limit = settings().describe_incoming_limit
    variant = [iri, _suffix(fmt), str(limit), str(page)] + (
        languages() if fmt == media.HTML else [])
    rep = Representation(rel, variant, vary=ACCEPT_LANGUAGE, location=location)

    def render():
        if not describe.exists(store(), iri):
            hint = f" (unknown format suffix .{suffix})" if suffix and not negotiate.by_suffix(
                suffix) else ""
            raise Problem(404, f"nothing is known about <{iri}>{hint}")
        try:
            if fmt == media.HTML:
                return html(render_page(iri, stem, path, limit, page))
            doc = describe.document(store(), iri, limit, page)
        except paging.BadPage as exc:
            raise Problem(400, str(exc)) from None
        controls = paging.hydra_triples(f"{base()}doc/{stem}", f"{base()}doc/{stem}.{fmt.suffix}",
                                        doc.pager)
        return rdf_body(serialize.triples(doc.triples + controls, fmt, base()), fmt.media_type)

    return rep.respond(render)


def _suffix(fmt: object) -> str:
    return "html" if fmt == media.HTML else fmt.suffix


def _not_acceptable() -> str:
    offered = ", ".join([media.HTML] + [f.media_type for f in media.GRAPH_FORMATS])
    return f"none of the requested media types is available here; offered: {offered}"


def alternates(stem: str) -> list[tuple[str, str, str]]:
    """(name, media type, href) of every format of a document."""
    items = [("HTML", media.HTML, url_for("resource.document", path=f"{stem}.html"))]
    names = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples", "rdf": "RDF/XML"}
    for fmt in media.GRAPH_FORMATS:
        items.append((names[fmt.suffix], fmt.media_type,
                      url_for("resource.document", path=f"{stem}.{fmt.suffix}")))
    return items


def page_links(path: str, pager: paging.Pager) -> dict[str, str | None]:
    """The hrefs of the first, previous, next and last pages (None where there is none)."""
    def href(n: int | None) -> str | None:
        return None if n is None else url_for("resource.document", path=path, page=n)
    return {"first": href(1), "previous": href(pager.previous), "next": href(pager.next),
            "last": href(pager.pages)}


def render_page(iri: str, stem: str, path: str, limit: int, page: int = 1) -> str:
    """The HTML page: label, types, grouped properties, links both ways (one page of them, with
    counts and links to the other pages), roles, sources."""
    found = describe.facts(store(), iri, limit, page)
    linker = view.Linker(base(), url_for("home.home"))
    lab = view.Labeller(found.labels, languages(), linker)
    types, groups = view.outgoing(found, lab)
    sources: dict[str, dict] = {}
    for graph, doc, doc_title in found.graphs:
        entry = sources.setdefault(graph.value, {"graph": view.Link(
            view.humanise(graph.value), url_for("graph_store.read", graph=graph.value),
            graph.value), "docs": []})
        if doc is not None:
            link = lab.link(doc)
            label = doc_title.value if doc_title is not None else link.label
            if all(d.iri != link.iri for d in entry["docs"]):
                entry["docs"].append(view.Link(label, link.href, link.iri, link.local))
    title = view.title(found, lab)
    roles = glance.with_sources(store(), glance.sorted_roles(view.role_rows(found, lab)), lab)
    return render_template(
        "resource.html",
        title=title, iri=iri, types=types, groups=groups, kind=glance.kind_name(iri, base()),
        place=glance.place(store(), iri, linker),
        charts=glance.page_charts(store(), release(), iri, base(), title, found.pager.roles),
        incoming=glance.without_memberships(view.incoming(found, lab), found.memberships),
        roles=roles,
        sources=list(sources.values()), alternates=alternates(stem), limit=limit,
        pager=found.pager, pages=page_links(path, found.pager),
        counts={prop: n for prop, n in found.pager.counts},
        jsonld=serialize.embeddable_jsonld(found.triples, base()),
    )
