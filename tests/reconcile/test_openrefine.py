"""End to end against a real server (gunicorn): what OpenRefine does when a portal reconciles
its spreadsheet of cities — read the manifest, POST form-encoded batches, follow the manifest's
preview, suggest and view URLs."""

from __future__ import annotations

import json

import pytest
import requests

pytestmark = pytest.mark.slow  # real processes, real time


def test_openrefine_reconciles_a_spreadsheet_of_cities(server, valid):
    manifest = server.get("reconcile").json()
    valid("manifest.json", manifest)
    assert manifest["identifierSpace"] == server.base + "id/"
    rows = {"q0": {"query": "Munchen", "type": "city", "type_strict": "should",
                   "properties": [{"pid": "country", "v": "DE"}]},
            "q1": {"query": "MÜNSTER", "type": "city", "properties": [{"pid": "country", "v": "de"}]},
            "q2": {"query": "Brighton and Hove", "type": "city", "limit": 3},
            "q3": {"query": "Göteborg", "type": "city",
                   "properties": [{"pid": "wikidata", "v": "Q25287"}]}}
    response = requests.post(server.url + "reconcile", data={"queries": json.dumps(rows)},
                             headers={"Origin": "http://openrefine.example"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    batch = response.json()
    valid("reconciliation-result-batch.json", batch)
    best = {key: batch[key]["result"][0] for key in rows}
    assert {k: (c["id"], c["match"]) for k, c in best.items()} == {
        "q0": ("city/munich", True), "q1": ("city/munster", True),
        "q2": ("city/brighton-and-hove", True), "q3": ("city/gothenburg", True)}

    preview = manifest["preview"]["url"].replace("{{id}}", best["q0"]["id"])
    assert requests.get(preview, timeout=30).status_code == 200
    suggest = manifest["suggest"]["entity"]
    found = requests.get(suggest["service_url"] + suggest["service_path"],
                         params={"prefix": "gent", "type": "city"}, timeout=30).json()
    assert found["result"][0]["id"] == "city/ghent"
    view = manifest["view"]["url"].replace("{{id}}", best["q1"]["id"])
    assert requests.get(view, allow_redirects=False, timeout=30).status_code == 303

    extension = requests.post(server.url + "reconcile", data={"extend": json.dumps(
        {"ids": [c["id"] for c in best.values()],
         "properties": [{"id": "wikidata"}, {"id": "iri"}]})}, timeout=30).json()
    valid("data-extension-response.json", extension)
    assert extension["rows"]["city/munster"]["wikidata"] == [{"str": "Q2742"}]
    assert extension["rows"]["city/munich"]["iri"] == [{"str": server.base + "id/city/munich"}]


def test_bad_input_over_http_is_a_json_400(server):
    response = requests.post(server.url + "reconcile", data={"queries": "{oops"}, timeout=30)
    assert response.status_code == 400 and "not valid JSON" in response.json()["detail"]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # CORS on errors too
