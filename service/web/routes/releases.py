"""Release history at /dumps/releases/: every kept release's dumps, its change log against the
release before it (as a page and as RDF), and an Atom feed a harvester can poll.

Kept releases are immutable, so each response is cached under that release's id; the list
and the feed change with the live release and are cached under its id.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from service import media
from service.build import history
from service.build.catalog import LICENSE, release_iri
from service.problems import Problem
from service.store.release import NoRelease, Release, find_release, list_releases
from service.web import negotiate
from service.web.common import base, release, settings
from service.web.downloads import dump_entry, send_dump, send_release_file
from service.web.representation import Representation, html, json_body
from service.web.response_cache import Body

bp = Blueprint("releases", __name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
CHANGE_FORMATS = (media.TRIG, media.N_QUADS)
#: Triples shown per graph and direction on a change-log page (the first release adds all).
PAGE_LIMIT = 500


def _kept(release_id: str) -> Release:
    try:
        return find_release(settings().var, release_id)
    except NoRelease as exc:
        raise Problem(404, exc.detail) from None


def _entry(rel: Release, root: str) -> dict:
    """One release as the list and the feed show it."""
    changes = rel.info.get("changes") or {}
    return {
        "id": rel.id, "sequence": rel.sequence, "built": rel.built, "previous": rel.previous,
        "triples": rel.triples, "url": f"{root}/dumps/releases/{rel.id}/",
        "changes_url": f"{root}/dumps/releases/{rel.id}/changes",
        "added": sum(c["added"] for c in changes.values()),
        "removed": sum(c["removed"] for c in changes.values()),
        "dumps": [{**d, "url": f"{root}/dumps/releases/{rel.id}/{d['name']}"} for d in rel.dumps],
    }


@bp.route("/dumps/releases/", methods=["GET"])
def listing() -> Response:
    live = release()
    chosen = negotiate.best_match(request.headers.get("Accept"), [media.HTML, media.JSON])
    if chosen is None:
        raise Problem(406, "the list of releases is available as HTML or JSON")

    def render() -> Body:
        entries = [_entry(r, request.script_root) for r in list_releases(settings().var)]
        if chosen == media.JSON:
            return json_body({"live": live.id, "license": LICENSE, "releases": entries})
        return html(render_template("releases.html", releases=entries, live=live.id,
                                    license=LICENSE))

    return Representation(live, ["releases", chosen]).respond(render)


@bp.route("/dumps/releases.atom", methods=["GET"])
def feed() -> Response:
    """Atom (RFC 4287): one entry per kept release, newest first, linking its files and
    change log; ``updated`` is the live release's build time."""
    live = release()
    return Representation(live, ["releases.atom"]).respond(lambda: _atom(live))


def _atom(live: Release) -> Body:
    root = base().rstrip("/")
    ET.register_namespace("", ATOM_NS)
    atom = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(atom, "id", f"{root}/dumps/releases.atom")
    _text(atom, "title", "CityNet LOD releases")
    _text(atom, "updated", live.built)
    _link(atom, f"{root}/dumps/releases.atom", "self", media.ATOM)
    _link(atom, f"{root}/dumps/releases/", "alternate", media.HTML)
    _text(_sub(atom, "author"), "name", "CityNet LOD")
    _text(atom, "rights", f"Licence: {LICENSE}")
    for rel in list_releases(settings().var):
        entry = _entry(rel, root)
        item = _sub(atom, "entry")
        _text(item, "id", release_iri(base(), rel.id))
        _text(item, "title", f"Release {rel.sequence} ({rel.id})")
        _text(item, "updated", rel.built)
        _text(item, "published", rel.built)
        _link(item, entry["url"], "alternate", media.HTML)
        _link(item, entry["changes_url"], "related", media.TRIG.media_type)
        for dump in entry["dumps"]:
            _link(item, dump["url"], "enclosure", dump["media_type"], length=dump["size"])
        _text(item, "summary",
              f"{rel.triples} triples; {entry['added']} added and {entry['removed']} removed "
              + (f"since release {rel.previous}." if rel.previous else "(first release)."))
    body = ET.tostring(atom, encoding="utf-8", xml_declaration=True)
    return Body(body, f"{media.ATOM}; charset=utf-8")


def _sub(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}")


def _text(parent: ET.Element, tag: str, value: str) -> None:
    _sub(parent, tag).text = value


def _link(parent: ET.Element, href: str, rel: str, type_: str, length: int | None = None) -> None:
    link = _sub(parent, "link")
    link.set("href", href)
    link.set("rel", rel)
    link.set("type", type_)
    if length is not None:
        link.set("length", str(length))


@bp.route("/dumps/releases/<release_id>/", methods=["GET"])
def one(release_id: str) -> Response:
    rel = _kept(release_id)
    chosen = negotiate.best_match(request.headers.get("Accept"), [media.HTML, media.JSON])
    if chosen is None:
        raise Problem(406, "a release is described as HTML or JSON")

    def render() -> Body:
        entry = _entry(rel, request.script_root)
        graphs = rel.info.get("changes") or {}
        if chosen == media.JSON:
            return json_body({**entry, "license": LICENSE, "graphs": graphs})
        return html(render_template("release.html", release=entry, license=LICENSE,
                                    graphs=graphs))

    return Representation(rel, ["release", chosen]).respond(render)


@bp.route("/dumps/releases/<release_id>/changes", methods=["GET"])
def changes(release_id: str) -> Response:
    """The change log: an HTML page, or the TriG file (N-Quads on request)."""
    rel = _kept(release_id)
    offered = [media.HTML, *(m.media_type for m in CHANGE_FORMATS)]
    chosen = negotiate.best_match(request.headers.get("Accept"), offered)
    if chosen is None:
        raise Problem(406, "the change log is available as HTML, TriG or N-Quads")
    if not rel.changes_path.is_file():
        raise Problem(404, f"release {rel.id} has no change log")

    def render() -> Body:
        if chosen == media.TRIG.media_type:
            return Body(rel.changes_path.read_bytes(), chosen)
        if chosen == media.N_QUADS.media_type:
            quads = ox.parse(path=str(rel.changes_path), format=ox.RdfFormat.TRIG)
            return Body(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), chosen)
        return html(render_template("changes.html", release=_entry(rel, request.script_root),
                                    changes=history.read_change_log(rel.changes_path),
                                    limit=PAGE_LIMIT))

    return Representation(rel, ["changes", chosen]).respond(render)


@bp.route("/dumps/releases/<release_id>/<name>", methods=["GET"])
def download(release_id: str, name: str) -> Response:
    """A kept release's dump file (only the names it lists) or its change log file."""
    rel = _kept(release_id)
    if name == history.CHANGES_FILE and rel.changes_path.is_file():
        return send_release_file(rel, rel.changes_path, media.TRIG.media_type, None)
    entry = dump_entry(rel, name)
    if entry is None:
        raise Problem(404, f"release {rel.id} has no file named {name!r}")
    return send_dump(rel, entry)
