"""The header of every file of queries/ is read whole: multi-line descriptions reach /api/ and
/api/openapi.json to their last word, and a header that cannot be read is an error."""

from __future__ import annotations

import re

import pytest

from service.queries import FIELDS, QueryFileError, load_queries, parse_header
from service.settings import PROJECT_ROOT

FOLDER = PROJECT_ROOT / "queries"
QUERIES = load_queries(FOLDER)


def header_words(name: str) -> list[str]:
    """Every word of the file's leading comment lines, field names left out."""
    words = []
    for line in (FOLDER / f"{name}.rq").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = re.sub(rf"^# ({'|'.join(FIELDS)}):", "", line).lstrip("#")
        words += text.replace("|", " ").split()
    return words


def parsed_text(name: str) -> str:
    q = QUERIES[name]
    return " ".join([q.title, q.description, *(
        f"{p.name} {p.type} {p.example} {p.description}" for p in q.parameters), q.example])


def test_some_descriptions_span_several_lines():
    multi = [n for n in QUERIES if re.search(r"^# description:.*\n#\s{2,}\S",
                                             (FOLDER / f"{n}.rq").read_text(), flags=re.M)]
    assert len(multi) >= 10


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_word_of_the_header_is_kept_in_order(name):
    words = parsed_text(name).split()
    position = 0
    for word in header_words(name):
        assert word in words[position:], (name, word)
        position = words.index(word, position) + 1
    assert QUERIES[name].description.endswith("."), QUERIES[name].description


def test_the_api_index_and_openapi_carry_whole_descriptions(client):
    listed = {q["name"]: q for q in client.get("/api/").get_json()["queries"]}
    document = client.get("/api/openapi.json").get_json()
    for name, query in QUERIES.items():
        assert listed[name]["description"] == query.description
        assert document["paths"][f"/api/{name}"]["get"]["description"] == query.description
    assert listed["working-groups-per-unit"]["description"].endswith(
        "and the network it reaches.")
    assert "Earlier holders are never overwritten by later ones." in listed[
        "chairs-over-time"]["description"]


def test_a_parameter_description_may_continue_and_unknown_fields_are_errors():
    header, params = parse_header("# title: T\n# description: D\n"
                                  "# param: year | year | 2013 | The calendar\n#   year\n"
                                  "SELECT * {}")
    assert params[0].description == "The calendar year" and header["description"] == "D"
    with pytest.raises(QueryFileError, match="unknown header field 'summary'"):
        parse_header("# title: T\n# summary: S\nSELECT * {}", "x.rq")
