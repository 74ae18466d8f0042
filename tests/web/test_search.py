"""Label search: JSON for autocompletion, the home page for browsers, clear errors."""

from __future__ import annotations


def test_search_finds_things_by_a_part_of_their_name(client):
    body = client.get("/search?q=tamp", headers={"Accept": "application/json"}).get_json()
    labels = {r["label"] for r in body["results"]}
    assert "Tampere" in labels
    place = next(r for r in body["results"] if r["id"].endswith("/id/place/tampere"))
    assert place["url"] == "/doc/place/tampere"
    assert client.get(place["url"], headers={"Accept": "text/turtle"}).status_code == 200


def test_search_matches_own_language_names_and_respects_the_limit(client):
    body = client.get("/search?q=m%C3%BCnchen&format=json").get_json()
    assert any(r["id"].endswith("/id/city/munich") for r in body["results"])
    many = client.get("/search?q=a&limit=3&format=json").get_json()
    assert len(many["results"]) == 3


def test_browsers_are_sent_to_the_home_page_results(client):
    response = client.get("/search?q=Barcelona", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/?q=Barcelona#search")


def test_bad_searches_are_400(client):
    for query in ("", "?q=", "?q=x&limit=0", "?q=x&limit=many", "?q=" + "x" * 201):
        response = client.get("/search" + query, headers={"Accept": "application/json"})
        assert response.status_code == 400, query
