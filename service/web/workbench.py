"""The query page for people: the editor at GET /sparql, and a browser's query answered as an
HTML page that keeps the query in the editor and shows the answer as a table (or the error,
above the query, with the line and column of a syntax error marked).

Protocol clients never reach this module: routes/sparql.py sends a request here only when it
asks for HTML explicitly (a browser's Accept, or ``format=html``). The page's form POSTs, so a
query of any length up to ``max_query_bytes`` runs; the same form works without JavaScript.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, current_app, render_template, request, url_for

from service import media
from service.namespaces import PREFIXES
from service.problems import Problem
from service.queries import NamedQuery, ParameterError
from service.sparql.request import QueryRequest, term_text
from service.store.remote import bind_values
from service.web import results_html, view
from service.web.common import base, languages, release, store
from service.web.representation import Representation
from service.web.response_cache import Body

DEFAULT_QUERY = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?network ?label WHERE {
  ?network a org:FormalOrganization ; skos:prefLabel ?label .
} LIMIT 25
"""

#: Form fields of the page itself; any other field of a named query's parameters binds it.
PAGE_FIELDS = frozenset({"query", "page", "example", "run", "format", "default-graph-uri",
                         "named-graph-uri"})
#: Longest link the page offers (gunicorn refuses request lines past about 4 kB); a longer
#: download is a small form that POSTs the query instead.
MAX_LINK = 3500


@dataclass(frozen=True)
class Download:
    """One format of the answer: a link when it fits in a URL, else a POST of ``query``."""

    name: str
    media_type: str
    href: str | None
    query: str


def _queries() -> dict[str, NamedQuery]:
    return current_app.extensions["citynet.queries"]


def _example() -> NamedQuery | None:
    return _queries().get(request.values.get("example", ""))


def _values(example: NamedQuery | None, defaults: bool) -> dict[str, str]:
    """The example's parameter values from the request (its example values when asked)."""
    if example is None:
        return {}
    start = example.example_values() if defaults else {}
    given = {p.name: request.values[p.name] for p in example.parameters
             if p.name not in PAGE_FIELDS and p.name in request.values}
    return given or start


def _normalise(text: str) -> str:
    """Form posts send CRLF line ends; compare and run queries with LF."""
    return text.replace("\r\n", "\n")


def _page_number() -> int:
    try:
        return int(request.values.get("page", "1"))
    except ValueError:
        return 1


def _render(status: int = 200, **context) -> Response:
    examples = sorted(_queries().values(), key=lambda q: q.title)
    context.setdefault("example", None)
    context.setdefault("values", {})
    body = render_template(
        "sparql.html", examples=examples, prefixes=PREFIXES, editor=editor_assets(),
        results=media.RESULTS_FORMATS, graphs=media.RDF_FORMATS, **context)
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


def editor_assets() -> bool:
    """Whether the bundled editor was built (``make install`` with npm); else a plain form."""
    static = current_app.static_folder or ""
    from pathlib import Path

    return (Path(static) / "editor" / "editor.js").is_file()


def editor_page() -> Response:
    """GET /sparql without a query, for a browser: the editor, with an example loaded when
    ``example`` names one (its parameters as fields, filled from the request or the example)."""
    example = _example()
    if example is not None and request.args.get("run"):
        return run_page(example.text)
    values = _values(example, defaults=True)
    variant = ["sparql-page", urlencode(sorted(request.args.items(multi=True))),
               str(editor_assets())]
    query = example.text if example else DEFAULT_QUERY

    def render() -> Body:
        page = _render(query=query, example=example, values=values,
                       share=_share(query, example, values))
        return Body(page.get_data(), page.content_type)

    return Representation(release(), variant).respond(render)


def run_page(query: str) -> Response:
    """Run ``query`` for a browser and answer the editor page with its table or its error."""
    query = _normalise(query)
    example = _example()
    values = _values(example, defaults=False)
    context = {"query": query, "example": example, "values": values,
               "share": _share(query, example, values)}
    try:
        bindings = example.bindings(values, base()) if example else {}
    except ParameterError as exc:
        return _render(400, error=str(exc), **context)
    run = QueryRequest(query, media.SPARQL_JSON, media.N_TRIPLES,
                       tuple(request.values.getlist("default-graph-uri")),
                       tuple(request.values.getlist("named-graph-uri")),
                       {k: term_text(v) for k, v in bindings.items()},
                       base_iri=base() + "sparql")
    started = time.perf_counter()
    try:
        outcome = current_app.extensions["citynet.runner"].run(run)
    except Problem as exc:  # shown in the editor, beside the query it is about
        return _render(exc.status, error=exc.detail,
                       position=results_html.error_position(exc.detail, query), **context)
    elapsed = time.perf_counter() - started
    linker = view.Linker(base(), url_for("home.home"))
    table = results_html.tabulate(outcome.body, outcome.media_type, _page_number(), store(),
                                  linker, languages())
    formats = media.RDF_FORMATS if outcome.kind == "graph" else media.RESULTS_FORMATS
    response = _render(table=table, elapsed_ms=round(elapsed * 1000),
                       downloads=downloads(query, example, values, bindings, formats),
                       **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _share(query: str, example: NamedQuery | None, values: dict[str, str]) -> str | None:
    """A link that runs this query again (with its parameters), when it fits in a URL."""
    if example is not None and _normalise(example.text) == query:
        return url_for("sparql.endpoint", example=example.name, **values, run="1")
    args = {"query": query}
    if example is not None:
        args.update(example=example.name, **values)
    href = url_for("sparql.endpoint", **args)
    return href if len(href) <= MAX_LINK else None


def downloads(query: str, example: NamedQuery | None, values: dict[str, str], bindings: dict,
              formats) -> list[Download]:
    """The answer in every format: the named query's /api URL when the text is unchanged,
    else /sparql with the parameters bound by VALUES (a POST form when the URL is too long)."""
    unchanged = example is not None and _normalise(example.text) == query
    try:
        standalone = bind_values(query, bindings) if bindings else query
    except ValueError:
        standalone = query
    items = []
    for fmt in formats:
        if unchanged:
            href = url_for("api.run", name=example.name, **values, format=fmt.name)
        else:
            href = url_for("sparql.endpoint", query=standalone, format=fmt.name)
        items.append(Download(fmt.name, fmt.media_type, href if len(href) <= MAX_LINK else None,
                              standalone))
    return items
