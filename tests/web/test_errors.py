"""Every error of every route leaves as RFC 9457 problem details (or a page, or text), built
from one Problem that crosses the executor pipe unchanged. The app runs on the fixture
dataset with real executor processes."""

from __future__ import annotations

import pickle
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path

import pytest

from service import media
from service.problems import Problem, limit
from service.queries import ParameterError
from service.reconcile.protocol import BadInput
from service.settings import Settings
from service.sparql.pool import ProcessRunner
from service.sparql.request import QueryRequest
from service.store.embedded import EmbeddedStore
from service.store.release import NoRelease, Release
from service.web.app import create_app
from tests.web.conftest import GROUP

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SELECT_ALL = "SELECT * WHERE { ?s ?p ?o }"
#: Four unconstrained patterns: a cross product no store finishes within a second.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"

#: (what, method, path, request options, status, words the detail must contain)
CASES = [
    ("malformed query", "GET", "/sparql", {"query_string": {"query": "SELEC nothing"}},
     400, ["malformed query"]),
    ("form without a query", "POST", "/sparql", {"data": {"other": "x"}},
     400, ["no query"]),
    ("two queries", "GET", "/sparql?query=ASK{}&query=ASK{}", {},
     400, ["exactly one 'query'"]),
    ("wrong content type", "POST", "/sparql",
     {"data": SELECT_ALL, "content_type": "text/plain"}, 415, ["application/sparql-query"]),
    ("update sent to /sparql", "POST", "/sparql",
     {"data": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
      "content_type": "application/sparql-update"}, 403, ["read-only", "/update"]),
    ("federated SERVICE", "GET", "/sparql",
     {"query_string": {"query": "SELECT * WHERE { SERVICE <http://evil.example/sparql> "
                                "{ ?s ?p ?o } }"}}, 403, ["http://evil.example/sparql"]),
    ("query too long", "POST", "/sparql",
     {"data": "ASK {}" + " " * 100_000, "content_type": "application/sparql-query"},
     413, ["longer than 100000 bytes"]),
    ("unknown format value", "GET", "/sparql",
     {"query_string": {"query": SELECT_ALL, "format": "yaml"}}, 400, ["unknown format 'yaml'"]),
    ("no acceptable results format", "GET", "/sparql",
     {"query_string": {"query": SELECT_ALL}, "headers": {"Accept": "image/png"}},
     406, ["no acceptable format"]),
    ("unknown document", "GET", "/doc/city/atlantis", {}, 404, ["city/atlantis"]),
    ("unknown named query", "GET", "/api/no-such-query", {}, 404, ["no-such-query"]),
    ("bad named-query parameter", "GET", "/api/members-in-year",
     {"query_string": {"group": f"id/{GROUP}", "year": "MMXIII"}}, 400,
     ["'year'", "four-digit year"]),
    ("missing named-query parameter", "GET", "/api/members-in-year",
     {"query_string": {"year": "2013"}}, 400, ["missing required parameter 'group'"]),
    ("search without text", "GET", "/search", {}, 400, ["?q="]),
    ("search with a bad limit", "GET", "/search?q=mun&limit=many", {}, 400,
     ["limit must be a whole number"]),
    ("write with writes disabled", "PUT", "/graph-store?graph=x",
     {"data": "", "content_type": "text/turtle"}, 403, ["writes are disabled"]),
    ("graph store read of an unknown graph", "GET",
     "/graph-store?graph=http://example.org/nothing", {}, 404, ["http://example.org/nothing"]),
    ("unknown path", "GET", "/no/such/page", {}, 404, ["/no/such/page"]),
    ("unknown dump", "GET", "/dumps/nothing.ttl", {}, 404, ["nothing.ttl"]),
    ("reconciliation batch that is not JSON", "POST", "/reconcile",
     {"data": {"queries": "{oops"}}, 400, ["not valid JSON"]),
]


@pytest.mark.parametrize("what, method, path, options, status, words", CASES,
                         ids=[c[0] for c in CASES])
def test_every_error_is_problem_details_with_a_specific_detail(client, what, method, path,
                                                               options, status, words):
    response = client.open(path, method=method, **options)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == media.PROBLEM_JSON
    body = response.get_json()
    assert body["status"] == response.status_code
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(response.status_code).phrase
    for word in words:
        assert word in body["detail"], body
    assert response.headers["Cache-Control"] == "no-store"
    assert "Accept" in response.vary


def test_a_method_the_url_map_lacks_is_405_with_allow(client):
    response = client.delete("/sparql")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed and "DELETE" not in allowed
    body = response.get_json()
    assert body["status"] == 405 and "DELETE is not allowed on /sparql" in body["detail"]


def test_a_query_over_the_limit_names_the_setting(client):
    response = client.post("/sparql", data="ASK {}" + " " * 100_000,
                           content_type="application/sparql-query")
    assert response.get_json()["limit"] == {"setting": "max_query_bytes", "value": 100_000,
                                            "unit": "bytes"}


def test_a_browser_gets_an_html_page(client):
    response = client.get("/doc/city/atlantis", headers={"Accept": BROWSER})
    assert response.status_code == 404 and response.mimetype == media.HTML
    page = response.get_data(as_text=True)
    assert "<h1>404 Not Found</h1>" in page and "city/atlantis" in page


def test_an_html_page_escapes_what_the_client_sent(client):
    response = client.get("/reconcile/preview", query_string={"id": "<script>x</script>"},
                          headers={"Accept": BROWSER})
    assert response.status_code == 404 and response.mimetype == media.HTML
    page = response.get_data(as_text=True)
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_a_client_that_takes_text_gets_one_line_of_text(client):
    response = client.get("/api/no-such-query", headers={"Accept": "text/plain"})
    assert response.status_code == 404 and response.mimetype == media.TEXT
    assert response.get_data(as_text=True) == \
        "404 Not Found: no named query 'no-such-query'; the list is at /api/\n"


def test_a_write_without_a_token_is_401_with_a_challenge(fixture_settings, fixture_release):
    writable = create_app(replace(fixture_settings, write_token="secret-token"))
    client = writable.test_client()
    missing = client.put(f"/graph-store?graph={fixture_settings.base_iri}graph/x", data="",
                         content_type="text/turtle")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.get_json()["status"] == 401
    assert "Authorization: Bearer" in missing.get_json()["detail"]
    bad_body = client.put(f"/graph-store?graph={fixture_settings.base_iri}graph/x",
                          data=b"<urn:a> <urn:b> .", content_type="text/turtle",
                          headers={"Authorization": "Bearer secret-token"})
    assert bad_body.status_code == 400 and bad_body.mimetype == media.PROBLEM_JSON
    assert bad_body.get_json()["detail"].startswith("the body is not valid turtle")
    assert "secret-token" not in bad_body.get_data(as_text=True)


def test_nothing_published_is_503_without_the_servers_paths(fixture_settings, tmp_path, caplog):
    empty = create_app(replace(fixture_settings, var=tmp_path / "var"))
    response = empty.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 503
    assert "no release is published" in response.get_json()["detail"]
    assert str(tmp_path) not in response.get_data(as_text=True)
    assert str(tmp_path) in caplog.text  # the operator learns where from the log


def test_an_unexpected_error_is_500_without_its_traceback(fixture_settings, fixture_release):
    app = create_app(fixture_settings)

    def broken() -> str:
        raise RuntimeError("secret internals at /srv/citynet/var")

    app.add_url_rule("/broken", "broken", broken)
    for accept in (None, BROWSER, "text/plain"):
        response = app.test_client().get("/broken", headers={"Accept": accept or ""})
        text = response.get_data(as_text=True)
        assert response.status_code == 500, accept
        assert "secret internals" not in text and "Traceback" not in text
        assert "has been logged" in text


@pytest.mark.parametrize("problem", [
    Problem(422, "the write would make the dataset invalid", conforms=False,
            problems=[{"focus": "urn:x", "message": "needs a member"}]),
    Problem(503, "busy", headers={"Retry-After": "1"}, limit=limit("query_timeout", 2, "s")),
    NoRelease("no release is published yet", "nothing under /x"),
    BadInput("queries is not valid JSON"),
    ParameterError("missing required parameter 'group'"),
], ids=repr)
def test_a_problem_pickles_unchanged(problem):
    copy = pickle.loads(pickle.dumps(problem))
    assert type(copy) is type(problem)
    assert copy.body() == problem.body() and copy.headers == problem.headers
    assert copy.note == problem.note and "note" not in copy.body()
    assert str(copy) == problem.detail and copy.args == problem.args


def test_extension_members_cannot_shadow_the_standard_ones():
    with pytest.raises(TypeError, match="status"):
        Problem(400, "x", status=200)


@pytest.fixture(scope="module")
def runner(fixture_settings: Settings, fixture_release: Release):
    settings = replace(fixture_settings, query_timeout=1.0, max_rows=3, query_workers=1)
    runner = ProcessRunner(settings, EmbeddedStore(Path(settings.var)))
    yield runner
    runner.close()


def test_a_problem_raised_in_an_executor_arrives_whole(runner):
    """The row limit is hit in the executor process; the web thread gets that very Problem,
    extension member included, with no translation on the way."""
    with pytest.raises(Problem) as refused:
        runner.run(QueryRequest(SELECT_ALL, media.SPARQL_JSON, None))
    assert refused.value.status == 400
    assert refused.value.extras["limit"] == {"setting": "max_rows", "value": 3, "unit": "rows"}
    assert "result limit of 3 rows exceeded" in refused.value.detail


@pytest.mark.slow
def test_a_query_past_the_time_limit_is_503_naming_the_limit(fixture_settings, fixture_release):
    app = create_app(replace(fixture_settings, query_timeout=1.0))
    response = app.test_client().get("/sparql", query_string={"query": RUNAWAY},
                                     headers={"Accept": media.SPARQL_JSON.media_type})
    assert response.status_code == 503 and response.mimetype == media.PROBLEM_JSON
    body = response.get_json()
    assert body["detail"] == "query stopped: time limit of 1 s exceeded"
    assert body["limit"] == {"setting": "query_timeout", "value": 1.0, "unit": "s"}
    app.extensions["citynet.runner"].close()
