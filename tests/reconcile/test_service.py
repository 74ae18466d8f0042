"""/reconcile through Flask's test client, on the project's dataset: every payload valid
against the Reconciliation API 0.2 schemas, and the matches a portal expects from the data."""

from __future__ import annotations

import json

import pytest

BASE = "http://127.0.0.1:8080/"


def reconcile(client, queries: dict, method: str = "POST") -> dict:
    """Send a query batch as OpenRefine does (form field ``queries``) and return the results."""
    if method == "POST":
        response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    else:
        response = client.get("/reconcile", query_string={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def top(client, schemas, valid, **query) -> dict:
    """The best candidate of one query, after checking the query and the answer are valid."""
    batch = {"q0": query}
    assert schemas("0.2", "reconciliation-query-batch.json").is_valid(batch)
    result = reconcile(client, batch)
    valid("reconciliation-result-batch.json", result)
    candidates = result["q0"]["result"]
    assert candidates, query
    assert [c["score"] for c in candidates] == sorted((c["score"] for c in candidates),
                                                      reverse=True)
    return candidates[0]


def test_the_manifest_is_valid_and_describes_the_service(client, valid):
    manifest = client.get("/reconcile").get_json()
    valid("manifest.json", manifest)
    assert manifest["versions"] == ["0.1", "0.2"]
    assert manifest["identifierSpace"] == BASE + "id/"
    assert manifest["view"]["url"] == BASE + "id/{{id}}"
    types = {t["id"]: t["name"] for t in manifest["defaultTypes"]}
    assert types["city"] == "City" and types["group"] == "Working group"
    assert {"network", "person", "country"} <= set(types)
    assert manifest["preview"]["url"].endswith("/reconcile/preview?id={{id}}")
    for what in ("entity", "type", "property"):
        assert manifest["suggest"][what]["service_path"] == f"/suggest/{what}"
    assert manifest["extend"]["propose_properties"]["service_path"] == "/propose_properties"


def test_the_view_template_gives_the_entity_iri_which_dereferences(client):
    view = client.get("/reconcile").get_json()["view"]["url"]
    iri = view.replace("{{id}}", "city/munich")
    assert iri == BASE + "id/city/munich"
    response = client.get(iri.removeprefix(BASE.rstrip("/")))
    assert response.status_code == 303 and response.headers["Location"].endswith("/doc/city/munich")


def test_munchen_without_umlaut_in_germany_is_munich(client, schemas, valid):
    best = top(client, schemas, valid, query="Munchen", type="city", limit=3,
               properties=[{"pid": "country", "v": "DE"}], type_strict="any")
    assert best["id"] == "city/munich" and best["match"] is True and best["score"] == 100
    assert best["type"] == [{"id": "city", "name": "City"}]


def test_munster_in_germany_is_muenster(client, schemas, valid):
    best = top(client, schemas, valid, query="Munster", properties=[{"pid": "country", "v": "DE"}])
    assert (best["id"], best["name"], best["match"]) == ("city/munster", "Münster", True)


def test_a_country_by_name_iri_or_reconciled_id_works_like_its_code(client, schemas, valid):
    for value in ("Germany", BASE + "id/country/de", {"id": "country/de", "name": "Germany"}):
        best = top(client, schemas, valid, query="Munster",
                   properties=[{"pid": "country", "v": value}])
        assert best["id"] == "city/munster" and best["match"], value
    athens = top(client, schemas, valid, query="Athens", properties=[{"pid": "country", "v": "EL"}])
    assert athens["id"] == "city/athens" and athens["match"]


def test_brighton_and_hove_has_no_wikidata_link_but_matches_by_name(client, schemas, valid):
    best = top(client, schemas, valid, query="Brighton & Hove", type="city")
    assert best["id"] == "city/brighton-and-hove" and best["match"]
    extended = client.post("/reconcile", data={"extend": json.dumps(
        {"ids": [best["id"]], "properties": [{"id": "wikidata"}]})}).get_json()
    assert extended["rows"][best["id"]]["wikidata"] == []


def test_a_name_not_in_the_data_is_never_a_match(client):
    result = reconcile(client, {"q0": {"query": "Helsingfors", "type": "city"}})
    assert not any(c["match"] for c in result["q0"]["result"])


def test_a_wikidata_qid_is_decisive(client, schemas, valid):
    best = top(client, schemas, valid, query="Barcelona", type="city",
               properties=[{"pid": "wikidata", "v": "Q1492"}])
    assert best["id"] == "city/barcelona" and best["match"]
    by_iri = top(client, schemas, valid,
                 properties=[{"pid": "wikidata", "v": "http://www.wikidata.org/entity/Q1492"}])
    assert by_iri["id"] == "city/barcelona" and by_iri["match"]


def test_newcastle_finds_newcastle_gateshead_without_deciding(client, schemas, valid):
    best = top(client, schemas, valid, query="Newcastle", type="city")
    assert best["id"] == "city/newcastle-gateshead" and best["match"] is False


def test_a_working_group_ranks_the_eurocities_group_before_cemr(client, schemas, valid):
    result = reconcile(client, {"q0": {"query": "Migration and integration", "type": "group"}})
    valid("reconciliation-result-batch.json", result)
    ids = [c["id"] for c in result["q0"]["result"]]
    assert ids[0] == "group/eurocities-migration-integration"
    assert "group/cemr-migration-and-inclusion" in ids[1:]
    assert result["q0"]["result"][0]["match"]
    assert all(c["type"][0]["id"] == "group" for c in result["q0"]["result"])


def test_class_iris_work_as_types_and_unknown_types_select_nothing(client):
    result = reconcile(client, {
        "byclass": {"query": "Migration and integration",
                    "type": "http://www.w3.org/ns/org#OrganizationalUnit"},
        "unknown": {"query": "Munich", "type": "http://example.org/Nothing"},
        "city": {"query": "Göteborg", "type": ["city", "place"], "limit": 1},
    }, method="GET")
    assert result["byclass"]["result"][0]["id"] == "group/eurocities-migration-integration"
    assert result["unknown"]["result"] == []
    assert [c["id"] for c in result["city"]["result"]] in (["city/gothenburg"],
                                                          ["place/gothenburg"])


def test_a_single_query_as_in_spec_0_1(client):
    for query in ("Gothenburg", '{"query": "Gothenburg", "type": "city"}'):
        result = client.get("/reconcile", query_string={"query": query}).get_json()
        assert result["result"][0]["id"] == "city/gothenburg"


@pytest.mark.parametrize("path", ["/reconcile", "/reconcile/suggest/entity?prefix=mun",
                                  "/reconcile/propose_properties?type=city"])
def test_jsonp_wraps_the_json_in_the_callback(client, path):
    sep = "&" if "?" in path else "?"
    response = client.get(f"{path}{sep}callback=jQuery123_456.cb")
    assert response.status_code == 200
    assert response.content_type.startswith("application/javascript")
    body = response.get_data(as_text=True)
    assert body.startswith("/**/jQuery123_456.cb(") and body.endswith(");")
    plain = client.get(path).get_json()
    assert json.loads(body[len("/**/jQuery123_456.cb("):-2]) == plain


@pytest.mark.parametrize("callback", ["", "alert(1)", "<script>", "1abc", "a" * 65, "a b",
                                      "cb;evil", "x-y"])
def test_a_bad_callback_is_400(client, callback):
    response = client.get("/reconcile", query_string={"callback": callback})
    assert response.status_code == 400
    assert "callback" in response.get_json()["detail"]


@pytest.mark.parametrize("queries", [
    "{not json", "[1, 2]", '"Munich"', "42", '{"q0": 5}', '{"q0": {}}', '{"q0": {"query": 5}}',
    '{"q0": {"query": "x", "limit": 0}}', '{"q0": {"query": "x", "limit": 101}}',
    '{"q0": {"query": "x", "limit": 2.5}}', '{"q0": {"query": "x", "limit": "3"}}',
    '{"q0": {"query": "x", "limit": true}}', '{"q0": {"query": "x", "type": 5}}',
    '{"q0": {"query": "x", "type_strict": "maybe"}}', '{"q0": {"query": "x", "properties": 1}}',
    '{"q0": {"query": "x", "properties": [{"pid": "country"}]}}',
    '{"q0": {"query": "x", "properties": [{"pid": "country", "v": [[1]]}]}}',
    '{"q0": {"query": "   "}}', '{"q0": {"query": "x", "limit": 1e400}}',
    '{"q0": {"query": "x", "limit": NaN}}', json.dumps({"q0": {"query": "x" * 201}}),
    json.dumps({f"q{i}": {"query": "x"} for i in range(101)}),
])
def test_bad_query_batches_are_400_with_problem_details(client, queries):
    for response in (client.post("/reconcile", data={"queries": queries}),
                     client.get("/reconcile", query_string={"queries": queries})):
        assert response.status_code == 400, queries
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["status"] == 400 and body["title"] == "Bad Request"
        assert "quer" in body["detail"], body


def test_a_full_batch_of_100_queries_is_answered(client):
    result = reconcile(client, {f"q{i}": {"query": "Munich", "limit": 1} for i in range(100)})
    assert len(result) == 100 and result["q99"]["result"][0]["id"] == "city/munich"


def test_a_json_body_is_accepted_too(client):
    response = client.post("/reconcile", json={"queries": {"q0": {"query": "Riga"}}})
    assert response.get_json()["q0"]["result"][0]["id"] == "city/riga"


def test_the_readme_tour_explains_the_service_to_openrefine_users():
    from service.settings import PROJECT_ROOT

    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    tour = text[text.index("\n## A tour with curl\n"):text.index("\n## The data model\n")]
    assert "### Reconciliation (OpenRefine)" in tour
    for needle in ("http://127.0.0.1:8080/reconcile", "`city`", "`group`", "`country`",
                   "`wikidata`", "curl --data-urlencode 'queries="):
        assert needle in tour, needle
