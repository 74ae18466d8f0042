"""Token-guarded writes: Graph Store Protocol PUT/POST/DELETE on /graph-store, SPARQL Update on
POST /update. Reads stay public (service/web/routes); every write needs the bearer token."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request

from service import media
from service.settings import Settings
from service.writes.apply import WriteRejected, WriteResult, apply_write
from service.writes.auth import Denied, authorize
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


def _problem(status: int, message: str, problems: list[dict] | None = None) -> Response:
    body: dict = {"status": status, "message": message}
    if problems is not None:
        body["conforms"] = False
        body["problems"] = problems
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="citynet-writes"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _authorized() -> str | Response:
    who = authorize(request.headers.get("Authorization"), _settings().write_token)
    if isinstance(who, Denied):
        log.warning("write refused (%s) from %s: %s %s", who.status, request.remote_addr,
                    request.method, request.path)
        return _problem(who.status, who.message)
    return who


def _commit(who: str, change: Change, operation: str,
            created_graph: str | None = None) -> Response:
    try:
        result: WriteResult = apply_write(_settings(), who, change, operation)
    except WriteRejected as exc:
        return _problem(exc.status, exc.message, exc.problems if exc.status == 422 else None)
    if result.release is None:
        return _problem(200, "nothing changed; no new release")
    changes = {g: {"added": a, "removed": r} for g, (a, r) in result.changes.items()}
    log.info("write by token sha256:%s accepted: release %s, %s", who, result.release.id, changes)
    response = jsonify(status=200, message="published", release=result.release.id,
                       changes=changes)
    if created_graph is not None:
        response.status_code = 201
        response.headers["Location"] = f"/graph-store?graph={created_graph}"
    response.headers["Cache-Control"] = "no-store"
    return response


def _target_graph() -> str | Response:
    args = request.args
    if "default" in args:
        return _problem(400, "the default graph is not writable: every fact lives in a named "
                             "source graph; use ?graph=IRI")
    graphs = args.getlist("graph")
    if len(graphs) != 1:
        return _problem(400, "name exactly one graph: ?graph=IRI")
    why = graph_is_writable(graphs[0], _settings().base_iri)
    return _problem(400, why) if why else graphs[0]


@bp.route("/graph-store", methods=["PUT", "POST", "DELETE"])
def graph_store_write() -> Response:
    who = _authorized()
    if isinstance(who, Response):
        return who
    limit = _settings().max_upload_bytes
    if (request.content_length or 0) > limit:
        return _problem(413, f"the body is larger than the upload limit of {limit} bytes")
    graph = _target_graph()
    if isinstance(graph, Response):
        return graph
    try:
        if request.method == "DELETE":
            return _commit(who, delete_graph(graph), "Graph Store DELETE")
        triples = parse_graph_body(request.get_data(cache=False), request.content_type, graph)
    except WriteRejected as exc:
        return _problem(exc.status, exc.message)
    if request.method == "POST":
        return _commit(who, add_to_graph(graph, triples), "Graph Store POST")
    exists = graph in current_app.extensions["citynet.store"].release().info.get("graphs", {})
    return _commit(who, replace_graph(graph, triples), "Graph Store PUT",
                   None if exists else graph)


@bp.route("/update", methods=["POST"])
def update() -> Response:
    who = _authorized()
    if isinstance(who, Response):
        return who
    settings = _settings()
    content_type = (request.mimetype or "").lower()
    if content_type == media.SPARQL_UPDATE:
        raw = request.get_data(cache=False)
        if len(raw) > settings.max_query_bytes:
            return _problem(413, f"update too large: the limit is {settings.max_query_bytes} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _problem(400, "the update is not UTF-8")
    elif content_type == media.FORM:
        values = request.form.getlist("update")
        if len(values) != 1:
            return _problem(400, "send exactly one 'update' form field")
        text = values[0]
    else:
        return _problem(415, f"send the update as {media.SPARQL_UPDATE} or as an 'update' field "
                             f"of {media.FORM}")
    try:
        change = sparql_update(text, settings.service_allowlist, settings.max_query_bytes,
                               settings.query_timeout, settings.query_memory or None)
    except WriteRejected as exc:
        return _problem(exc.status, exc.message)
    return _commit(who, change, "SPARQL Update")
