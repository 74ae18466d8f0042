"""The W3C Entity Reconciliation Service API (0.2, as OpenRefine speaks it) at /reconcile.

HTTP only: parameters in, JSON (or JSONP) out. Matching lives in :mod:`service.reconcile`;
the entities come from an index read once per release (:class:`IndexCache`). The specification
leaves the body of an error open and asks for meaningful status codes (413 for a batch that is
too large), so errors are the service's problem details like everywhere else.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from service.namespaces import VOCAB_ONTOLOGY
from service.problems import Problem, limit
from service.reconcile import protocol
from service.reconcile.index import EntityIndex, IndexCache
from service.reconcile.protocol import BadInput
from service.reconcile.schema import KIND_BY_ID
from service.web import label_search
from service.web.common import base, release, settings, store
from service.web.representation import Representation, html, json_body
from service.web.response_cache import Body

bp = Blueprint("reconcile", __name__)

#: A JSONP callback is a (dotted) JavaScript identifier, nothing that could carry markup.
CALLBACK = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.]{0,63}")
NAME = "CityNet LOD (European city networks)"


def _index() -> EntityIndex:
    cache = current_app.extensions.setdefault("citynet.reconcile",
                                              IndexCache(label_search.open_index))
    return cache.get(store(), base() + "id/")


@bp.before_request
def check_callback() -> None:
    callback = request.args.get("callback")
    if callback is not None and not CALLBACK.fullmatch(callback):
        raise BadInput("callback must be a JavaScript name matching "
                       "^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$")


def _body(payload: Any) -> Body:
    """JSON, or JSONP when ``callback`` is given."""
    callback = request.args.get("callback")
    if callback:
        text = f"/**/{callback}({json.dumps(payload)});"  # ASCII: no U+2028 in JS
        return Body(text.encode("utf-8"), "application/javascript; charset=utf-8")
    return json_body(payload)


def _representation(*params: Any) -> Representation:
    """GET answers carry the release's ETag; POST answers are ``no-store`` (their parameters,
    given here, still key the server's cache)."""
    variant = ["reconcile", request.host_url, request.full_path]
    if request.method == "POST":
        variant += [json.dumps(p, sort_keys=True, default=str) for p in params]
    return Representation(release(), variant, vary=(), validators=request.method != "POST")


def _param(name: str) -> Any:
    """A parameter from the query string, the form, or a JSON body."""
    if name in request.args:
        return request.args[name]
    if request.method == "POST":
        if request.is_json:
            body = request.get_json(silent=True)
            return body.get(name) if isinstance(body, dict) else None
        return request.form.get(name)
    return None


def _service_url() -> str:
    return url_for("reconcile.service", _external=True)


@bp.route("/reconcile", methods=["GET", "POST"])
def service() -> Response:
    """The manifest without parameters; otherwise a query batch, one query, or extension."""
    queries, single, extend = _param("queries"), _param("query"), _param("extend")
    for raw in (queries, single, extend):
        if isinstance(raw, str) and len(raw.encode("utf-8", "replace")) > settings().max_query_bytes:
            raise Problem(413, f"the request is larger than {settings().max_query_bytes} bytes",
                          limit=limit("max_query_bytes", settings().max_query_bytes, "bytes"))

    def render() -> Body:
        if queries is not None:
            return _body(protocol.reconcile_batch(protocol.parse_batch(queries), _index()))
        if single is not None:  # spec 0.1: one query, as text or as a JSON object
            body = single if not isinstance(single, str) or single.lstrip()[:1] != "{" \
                else protocol.load_json(single, "query")
            return _body(protocol.reconcile(protocol.parse_query("query", body), _index()))
        if extend is not None:
            ids, props = protocol.parse_extend(extend)
            return _body(protocol.extend(_index(), ids, props))
        return _body(protocol.manifest(NAME, base() + "id/", VOCAB_ONTOLOGY,
                                       base() + "id/{{id}}", _service_url(), release().version))

    return _representation(queries, single, extend).respond(render)


def _limit(default: int) -> int:
    value = request.args.get("limit")
    if value is None:
        return default
    try:
        return protocol.parse_limit(int(value))
    except ValueError:
        raise BadInput(f"limit must be a whole number from 1 to {protocol.MAX_LIMIT}") from None


def _cursor() -> int:
    try:
        cursor = int(request.args.get("cursor", "0"))
    except ValueError:
        raise BadInput("cursor must be a whole number") from None
    if not 0 <= cursor <= 10_000:
        raise BadInput("cursor must be between 0 and 10000")
    return cursor


def _prefix() -> str:
    prefix = request.args.get("prefix")
    if prefix is None:
        raise BadInput("give the beginning of a name as ?prefix=")
    if len(prefix) > protocol.MAX_TEXT:
        raise BadInput(f"prefix is longer than {protocol.MAX_TEXT} characters")
    return prefix


@bp.route("/reconcile/suggest/<any(entity, type, property):what>", methods=["GET"])
def suggest(what: str) -> Response:
    """Autocompletion of entities, types and properties (OpenRefine's suggest widgets)."""
    prefix, limit, cursor = _prefix(), _limit(protocol.DEFAULT_LIMIT), _cursor()

    def render() -> Body:
        if what == "entity":
            types = tuple(t for t in request.args.getlist("type") if t)
            return _body(protocol.suggest_entities(_index(), prefix, types, cursor, limit))
        found = protocol.suggest_types(prefix) if what == "type" else \
            protocol.suggest_properties(prefix)
        return _body({"result": found["result"][cursor:cursor + limit]})

    return _representation().respond(render)


@bp.route("/reconcile/propose_properties", methods=["GET"])
def propose_properties() -> Response:
    """Properties a data extension can fetch for a type."""
    type_id, limit = request.args.get("type", ""), _limit(protocol.DEFAULT_LIMIT)
    return _representation().respond(lambda: _body(protocol.propose_properties(type_id,
                                                                                 limit)))


@bp.route("/reconcile/preview", methods=["GET"])
def preview() -> Response:
    """A small HTML card of an entity, for OpenRefine's preview pop-up (an iframe)."""
    given = request.args.get("id", "")
    index = _index()
    entity = index.entity(index.entity_id(given))
    if entity is None:
        raise Problem(404, f"no entity of this service has the id {given!r}")

    def render() -> Body:
        links = [(protocol.PROPERTY_BY_ID[pid].name, index.name_of(target),
                  url_for("resource.document", path=target))
                 for pid, target in entity.links if target != entity.id]
        return html(render_template("reconcile_preview.html", entity=entity,
                                    kind=KIND_BY_ID[entity.kind], iri=index.id_space + entity.id,
                                    href=url_for("resource.document", path=entity.id),
                                    links=links))

    return _representation().respond(render)
