"""/health: liveness and store readiness, for load balancers and monitoring."""

from __future__ import annotations

from flask import Blueprint, jsonify

from service.store.release import NoRelease
from service.web.common import store

bp = Blueprint("health", __name__)


@bp.route("/health", methods=["GET"])
def health():
    try:
        release = store().release()
        store().query("ASK {}")  # the store answers, not just its release record exists
    except NoRelease as exc:
        response = jsonify(status="unavailable", store="missing", error=str(exc))
        response.status_code = 503
    else:
        response = jsonify(status="ok", store="ready", triples=release.triples,
                           release=release.id, version=release.version, built=release.built,
                           base=release.base)
    response.headers["Cache-Control"] = "no-store"
    return response
