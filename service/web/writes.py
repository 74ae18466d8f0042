"""Token-guarded writes: Graph Store Protocol PUT/POST/DELETE on /graph-store, SPARQL Update on
POST /update. Reads stay public (service/web/routes); every write needs the bearer token."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request

from service import media, problems
from service.problems import Problem
from service.settings import Settings
from service.writes.apply import WriteResult, apply_write
from service.writes.auth import authorize
from service.writes.operations import (
    Change,
    add_to_graph,
    delete_graph,
    graph_is_writable,
    parse_graph_body,
    replace_graph,
    sparql_update,
)

log = logging.getLogger("citynet.writes")
bp = Blueprint("writes", __name__)


def _settings() -> Settings:
    return current_app.config["CITYNET"]


def _authorized() -> str:
    """The writer's identity; a refused attempt is logged (never the token) and re-raised."""
    try:
        return authorize(request.headers.get("Authorization"), _settings().write_token)
    except Problem as exc:
        log.warning("write refused (%s) from %s: %s %s", exc.status, request.remote_addr,
                    request.method, request.path)
        raise


def _commit(who: str, change: Change, operation: str,
            created_graph: str | None = None) -> Response:
    result: WriteResult = apply_write(_settings(), who, change, operation)
    if result.release is None:
        response = jsonify(status=200, message="nothing changed; no new release")
        response.headers["Cache-Control"] = "no-store"
        return response
    changes = {g: {"added": a, "removed": r} for g, (a, r) in result.changes.items()}
    log.info("write by token sha256:%s accepted: release %s, %s", who, result.release.id, changes)
    response = jsonify(status=200, message="published", release=result.release.id,
                       changes=changes)
    if created_graph is not None:
        response.status_code = 201
        response.headers["Location"] = f"/graph-store?graph={created_graph}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _target_graph() -> str:
    args = request.args
    if "default" in args:
        raise Problem(400, "the default graph is not writable: every fact lives in a named "
                           "source graph; use ?graph=IRI")
    graphs = args.getlist("graph")
    if len(graphs) != 1:
        raise Problem(400, "name exactly one graph: ?graph=IRI")
    why = graph_is_writable(graphs[0], _settings().base_iri)
    if why:
        raise Problem(400, why)
    return graphs[0]


@bp.route("/graph-store", methods=["PUT", "POST", "DELETE"])
def graph_store_write() -> Response:
    who = _authorized()
    limit = _settings().max_upload_bytes
    if (request.content_length or 0) > limit:
        raise Problem(413, f"the body is larger than the upload limit of {limit} bytes",
                      limit=problems.limit("max_upload_bytes", limit, "bytes"))
    graph = _target_graph()
    if request.method == "DELETE":
        return _commit(who, delete_graph(graph), "Graph Store DELETE")
    triples = parse_graph_body(request.get_data(cache=False), request.content_type, graph)
    if request.method == "POST":
        return _commit(who, add_to_graph(graph, triples), "Graph Store POST")
    exists = graph in current_app.extensions["citynet.store"].release().info.get("graphs", {})
    return _commit(who, replace_graph(graph, triples), "Graph Store PUT",
                   None if exists else graph)


@bp.route("/update", methods=["POST"])
def update() -> Response:
    who = _authorized()
    settings = _settings()
    content_type = (request.mimetype or "").lower()
    if content_type == media.SPARQL_UPDATE:
        raw = request.get_data(cache=False)
        if len(raw) > settings.max_query_bytes:
            raise Problem(413, f"update too large: the limit is {settings.max_query_bytes} bytes",
                          limit=problems.limit("max_query_bytes", settings.max_query_bytes,
                                               "bytes"))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Problem(400, "the update is not UTF-8") from None
    elif content_type == media.FORM:
        values = request.form.getlist("update")
        if len(values) != 1:
            raise Problem(400, "send exactly one 'update' form field")
        text = values[0]
    else:
        raise Problem(415, f"send the update as {media.SPARQL_UPDATE} or as an 'update' field "
                           f"of {media.FORM}")
    change = sparql_update(text, settings.service_allowlist, settings.max_query_bytes,
                           settings.query_timeout, settings.query_memory or None)
    return _commit(who, change, "SPARQL Update")
