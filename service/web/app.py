"""The Flask application factory: configuration and store are passed in, never global."""

from __future__ import annotations

from flask import Flask, jsonify

from service.settings import Settings
from service.store import Store, open_store
from service.store.release import NoRelease


def create_app(settings: Settings, store: Store | None = None) -> Flask:
    app = Flask(__name__)
    app.config["CITYNET"] = settings
    app.extensions["citynet.store"] = store or open_store(settings)

    @app.get("/health")
    def health():
        try:
            release = app.extensions["citynet.store"].release()
        except NoRelease as exc:
            return jsonify(status="unavailable", store="missing", error=str(exc)), 503
        return jsonify(status="ok", store="ready", triples=release.triples,
                       release=release.id, version=release.version)

    return app
