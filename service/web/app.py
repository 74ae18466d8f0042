"""The Flask application factory: configuration and store are passed in, never global.

Each request reads top to bottom: route (service/web/routes) -> negotiate -> store ->
serialise. Every error is raised and leaves through one handler (service/web/errors.py) as
problem details, never a stack trace.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from service import metrics
from service.queries import load_queries
from service.settings import Settings
from service.sparql.request import Runner
from service.sparql.runner import make_runner
from service.store import Store, open_store
from service.web import errors
from service.web.http_cache import ReleaseCache
from service.web.response_cache import ResponseCache
from service.web.routes import (
    api,
    context,
    dumps,
    graph_store,
    health,
    home,
    reconcile,
    releases,
    resource,
    search,
    sparql,
    vocabulary,
)

CORS_METHODS = "GET, HEAD, POST, OPTIONS"


def create_app(settings: Settings, store: Store | None = None,
               runner: Runner | None = None) -> Flask:
    """The web application over ``store`` (default: the one the settings name), running user
    queries with ``runner`` (default: killable executor processes for the embedded store)."""
    app = Flask(__name__)
    app.config["CITYNET"] = settings
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_upload_bytes, settings.max_query_bytes)
    app.json.sort_keys = False
    store = store or open_store(settings, serving=True)
    app.extensions["citynet.store"] = store
    app.extensions["citynet.runner"] = runner or make_runner(settings, store)
    app.extensions["citynet.queries"] = load_queries(settings.queries_dir)
    app.wsgi_app = ReleaseCache(app.wsgi_app, store, ResponseCache(settings.response_cache_bytes))
    metrics.install(app)
    if settings.trusted_proxies > 0:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)

    for blueprint in (home.bp, resource.bp, sparql.bp, api.bp, search.bp, graph_store.bp,
                      dumps.bp, vocabulary.bp, health.bp, reconcile.bp, context.bp, releases.bp):
        app.register_blueprint(blueprint)
    from service.web import writes  # token-guarded Graph Store writes and POST /update
    from service.web.routes import graphs  # a graph's page: its source and its writes

    app.register_blueprint(writes.bp)
    app.register_blueprint(graphs.bp)

    @app.after_request
    def cors(response: Response) -> Response:
        """Any origin may read (GET) and query (POST /sparql): the data is public."""
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Content-Location, Link"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = (
                "Accept, Content-Type, If-None-Match, If-Modified-Since")
            response.headers["Access-Control-Max-Age"] = "86400"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    errors.install(app)  # every error, as problem details
    return app
