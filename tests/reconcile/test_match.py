"""Name normalisation and candidate scoring, as pure functions (no store, no HTTP)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from service.generate.dataset import city_rows
from service.reconcile.match import (
    COMPACT,
    EXACT,
    Conditions,
    Entity,
    _certain,
    fold,
    name_bound,
    name_score,
    normalise,
    prefix_matches,
    rank,
    score,
)
from service.settings import PROJECT_ROOT


@pytest.mark.parametrize(("text", "expected"), [
    ("München", "munchen"), ("MÜNSTER", "munster"), ("Göteborg", "goteborg"),
    ("Brighton & Hove", "brighton and hove"), ("Newcastle-Gateshead", "newcastle gateshead"),
    ("  Région de Bruxelles-Capitale ", "region de bruxelles capitale"), ("Malmö", "malmo"),
    ("Straße", "strasse"), ("Søborg", "soborg"), ("Łódź", "lodz"), ("Αθήνα", "αθηνα"),
    ("Baile Átha Cliath", "baile atha cliath"), ("a__b...c", "a b c"), ("", ""),
])
def test_normalise_folds_case_accents_and_punctuation(text, expected):
    assert normalise(text) == expected


def test_name_scores_rank_exact_over_spacing_over_prefix_over_overlap():
    exact = name_score("munich", "munich")
    compact = name_score("newcastlegateshead", "newcastle gateshead")
    prefix = name_score("newcastle", "newcastle gateshead")
    inside = name_score("gateshead", "newcastle gateshead")
    overlap = name_score("migration and inclusion", "migration and integration")
    assert (exact, compact) == (EXACT, COMPACT)
    assert compact > prefix > inside > 0
    assert 50 < overlap < prefix
    assert name_score("", "x") == name_score("x", "") == 0


def test_name_scores_stay_between_0_and_100_and_are_symmetric_for_containment():
    for a, b in [("a", "abc"), ("berlin", "bonn"), ("city of munich", "munich"), ("x", "y")]:
        assert 0 <= name_score(a, b) <= 100
    assert name_score("munich", "city of munich") == name_score("city of munich", "munich")


MUNICH = Entity.make("city/munich", "Munich", ["Munich", "München"], country="DE", qid="Q1726")
MUNSTER = Entity.make("city/munster", "Münster", ["Münster"], country="DE", qid="Q2742")
BRIGHTON = Entity.make("city/brighton-and-hove", "Brighton & Hove", ["Brighton & Hove"],
                       country="GB")
GROUP = Entity.make("group/eurocities-migration-integration", "Migration and integration",
                    [], ["WG Migration & Integration"])
ALL = [MUNICH, MUNSTER, BRIGHTON, GROUP]


def test_an_own_language_name_without_accents_is_an_exact_match():
    found = rank("Munchen", ALL, Conditions(countries=frozenset({"DE"})), 5)
    assert found[0].entity is MUNICH and found[0].score == EXACT and found[0].match
    assert all(not c.match for c in found[1:])


def test_a_country_that_differs_demotes_and_forbids_a_match():
    found = rank("Munich", ALL, Conditions(countries=frozenset({"FR"})), 5)
    assert found[0].entity is MUNICH and found[0].score < EXACT and not found[0].match


def test_a_country_agreeing_boosts_a_partial_name():
    plain = rank("Munchn", ALL, Conditions(), 5)[0]
    boosted = rank("Munchn", ALL, Conditions(countries=frozenset({"DE"})), 5)[0]
    assert boosted.entity is MUNICH and boosted.score > plain.score and not boosted.match


def test_an_equal_qid_is_decisive_even_without_a_name():
    found = rank("", ALL, Conditions(qids=frozenset({"Q2742"})), 5)
    assert [c.entity for c in found] == [MUNSTER] and found[0].match
    wrong_name = rank("Munich", ALL, Conditions(qids=frozenset({"Q2742"})), 5)
    assert wrong_name[0].entity is MUNSTER and wrong_name[0].match


def test_a_different_qid_forbids_a_match_on_the_name():
    found = rank("Munich", ALL, Conditions(qids=frozenset({"Q1"})), 5)
    assert found[0].entity is MUNICH and not found[0].match


def test_an_entity_without_a_qid_still_matches_by_name():
    found = rank("Brighton and Hove", ALL, Conditions(countries=frozenset({"GB"})), 5)
    assert found[0].entity is BRIGHTON and found[0].match


def test_two_exact_namesakes_are_left_to_the_user():
    twin = Entity.make("city/munich-2", "Munich", ["Munich"], country="DE")
    found = rank("Munich", [MUNICH, twin], Conditions(countries=frozenset({"DE"})), 5)
    assert len(found) == 2 and not any(c.match for c in found)


def test_alternative_labels_match_a_little_below_names():
    found = rank("WG Migration & Integration", ALL, Conditions(), 5)
    assert found[0].entity is GROUP and 90 <= found[0].score < EXACT and not found[0].match


def test_kinds_restrict_candidates_and_preferred_kinds_only_demote():
    assert rank("Munich", ALL, Conditions(kinds=frozenset({"group"})), 5) == []
    preferred = rank("Munich", ALL, Conditions(preferred=frozenset({"group"})), 5)
    assert preferred[0].entity is MUNICH and preferred[0].score == EXACT - 10


def test_noise_is_no_candidate_and_the_limit_holds():
    assert rank("Zzyzx", ALL, Conditions(), 5) == []
    assert len(rank("m", ALL * 3, Conditions(), 2)) <= 2


def test_prefix_matches_rank_name_starts_before_word_starts():
    assert prefix_matches("mün", ALL, 5) == [MUNICH, MUNSTER]
    assert prefix_matches("hove", ALL, 5) == [BRIGHTON]
    assert prefix_matches("  ", ALL, 5) == []


def test_a_candidate_of_a_kind_not_preferred_is_never_a_match():
    place = Entity.make("place/munich", "Munich", ["Munich"], country="DE", qid="Q1726")
    found = rank("Munich", [MUNICH, place], Conditions(preferred=frozenset({"city"})), 5)
    assert [(c.entity, c.match) for c in found] == [(MUNICH, True), (place, False)]


def _cities_of_the_seeds() -> list[Entity]:
    """The seed city table's cities, and numbered namesakes of each in the same country, as
    ``citynet generate`` makes them for a large dataset ("Vienna 2" …)."""
    table = PROJECT_ROOT / "data" / "cities" / "cities.csv"
    found = []
    for row in city_rows(400, table):
        names = [row["name_en"], row["name_local"]] if row["name_local"] else [row["name_en"]]
        found.append(Entity.make(f"city/{row['slug']}", row["name_en"], names,
                                 country=row["country"], qid=row["wikidata"] or None))
    return found


def _rank_by_scoring_everything(query, entities, conditions, limit):
    """What :func:`rank` answers, by scoring every entity (no bounds, no early stop)."""
    found = [c for e in entities
             if conditions.kinds is None or e.kind in conditions.kinds
             if (c := score(normalise(query), e, conditions)) is not None]
    found.sort(key=lambda c: (-c.score, -c.name_score, c.entity.name, c.entity.id))
    certain = [c for c in found if _certain(c, conditions)]
    if len(certain) == 1 and certain[0] is found[0]:
        found[0] = replace(found[0], match=True)
    return found[:limit]


def test_a_bound_is_never_below_the_score():
    cities = _cities_of_the_seeds()
    names = [key for e in cities[::7] for key, _ in e.keys]
    for query in names + ["vienna 12", "munchen", "brighton hove", "lodz 3", "x"]:
        for label in names:
            assert name_bound(query, label) >= name_score(query, label), (query, label)


def test_ranking_stops_early_but_answers_as_scoring_everything():
    cities = _cities_of_the_seeds()
    queries = [e.name for e in cities[::23]] + [fold(e.name)[:-1] for e in cities[::31]]
    asked = [Conditions(), Conditions(kinds=frozenset({"city"})),
             Conditions(countries=frozenset({"AT", "DE"})), Conditions(qids=frozenset({"Q1741"})),
             Conditions(preferred=frozenset({"group"}))]
    for query in queries:
        for conditions in asked:
            for limit in (1, 3, 10):
                assert rank(query, cities, conditions, limit) == \
                    _rank_by_scoring_everything(query, cities, conditions, limit), \
                    (query, conditions, limit)
