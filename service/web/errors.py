"""The one error handler: every error leaves as RFC 9457 problem details.

Routes and the layers below raise :class:`~service.problems.Problem`; werkzeug's own
``HTTPException`` (an unknown URL, a method the URL map does not allow, a body over
``MAX_CONTENT_LENGTH``) and any unexpected exception are turned into one here, so the client
always gets the same shape: ``application/problem+json`` by default, an HTML page when a
browser asks for one, or ``text/plain`` when that is what the client accepts.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from service import media
from service.problems import Problem
from service.web import negotiate
from service.web.results import wants_html

log = logging.getLogger("citynet.web")

#: What a client that did not ask for a page may get, the problem details first.
OFFERS = (media.PROBLEM_JSON, media.JSON, media.TEXT)
#: Headers of an HTTPException that describe werkzeug's own body, not the error.
_BODY_HEADERS = frozenset({"content-type", "content-length"})


def install(app: Flask) -> None:
    """Register :func:`handle` for every exception (HTTPException included)."""
    app.register_error_handler(Exception, handle)


def handle(exc: Exception) -> Response:
    return render(as_problem(exc))


def as_problem(exc: Exception) -> Problem:
    """``exc`` as problem details; an unexpected exception is logged and never shown."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, HTTPException):
        headers = {k: v for k, v in exc.get_headers() if k.lower() not in _BODY_HEADERS}
        return Problem(exc.code or 500, _http_detail(exc), headers=headers)
    log.error("unexpected error on %s %s", request.method, request.path, exc_info=exc)
    return Problem(500, "the server failed to answer this request; the error has been logged")


def _http_detail(exc: HTTPException) -> str:
    """werkzeug's description, made specific where it is only the generic text."""
    generic = exc.description == type(exc).description
    if isinstance(exc, NotFound) and generic:
        return f"nothing is published at {request.path}; start from the home page /"
    if isinstance(exc, MethodNotAllowed) and generic:
        allowed = ", ".join(exc.valid_methods or ())
        return f"{request.method} is not allowed on {request.path}; use {allowed}"
    return exc.description or exc.name


def render(problem: Problem) -> Response:
    """The problem as a page, as text, or as problem+json, with its headers; never cached."""
    if problem.note:
        log.warning("%s %s: %s", problem.status, request.path, problem.for_operator())
    chosen = _format()
    if chosen == media.HTML:
        response = Response(render_template("error.html", problem=problem),
                            content_type=media.content_type(media.HTML))
    elif chosen == media.TEXT:
        response = Response(f"{problem.status} {problem.title}: {problem.detail}\n",
                            content_type=media.content_type(media.TEXT))
    else:
        body = json.dumps(problem.body(), ensure_ascii=False, default=str)
        response = Response(body, content_type=media.PROBLEM_JSON)
    response.status_code = problem.status
    response.headers.update(problem.headers)
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept")
    return response


def _format() -> str:
    """HTML when the request asks for a page (as a browser does); text when the client takes
    text/plain over JSON; problem+json otherwise, even when nothing it accepts fits (an error
    may be sent in a format the client did not list, RFC 9110 §12.1)."""
    try:
        page = wants_html()
    except HTTPException:  # reading ``format`` parses the body, which may be the error (413)
        page = False
    if page:
        return media.HTML
    chosen = negotiate.best_match(request.headers.get("Accept"), OFFERS)
    return media.TEXT if chosen == media.TEXT else media.PROBLEM_JSON
