"""The portfolio seeded from the documents, and its landscape."""

import pytest

from oppvekst.errors import InputError
from oppvekst.mission import goals, portfolio
from oppvekst.mission.goals import normalise


def test_every_quote_is_in_the_seeds(seed_text):
    p = portfolio.load()
    quotes = p.quotes()
    assert len(quotes) >= 60
    missing = [(i, q) for i, src, q in quotes if normalise(q) not in seed_text[src]]
    assert missing == []


def test_seeded_initiatives_and_their_facts():
    p = portfolio.load()
    ids = set(p.initiatives)
    # the report's Del 4 and the white paper's ch. 8
    assert {"kubu", "etatssamarbeidet", "ks_pri", "ksf", "digiung", "omradesatsinger", "more_og_romsdal_2025",
            "fellesloft_trondelag", "ung_inkludering_nordland", "ung_inkludering_kongsvinger", "ung_support_agder",
            "innbyggernes_modell_trondheim", "alvorlig_sykt_barn", "folkehelseprogrammet", "partnerskapsgruppe",
            "innsatsgruppe", "samarbeidsprosjekter_forskning_praksis", "et_loft_for_fritidsklubbene"} <= ids
    tree = goals.load()
    assert all(link.id in tree.nodes for i in p.initiatives.values() for link in i.subgoals)
    assert all(i.subgoals for i in p.initiatives.values())
    areas = p.initiatives["omradesatsinger"].regions
    assert "Skien" in areas["municipalities"] and areas["new_agreements"]["from"] == 2024
    # only what the documents say: unknown stays null, and every budget line has its year and quote
    assert p.initiatives["kubu"].period is None and p.initiatives["kubu"].budget == ()
    assert p.initiatives["ung_inkludering_kongsvinger"].period == {"start": 2020, "end": 2023}
    lines = [b for i in p.initiatives.values() for b in i.budget]
    assert all(b.year and b.quote for b in lines)
    assert {(b.year, b.amount_nok) for b in p.initiatives["samarbeidsprosjekter_forskning_praksis"].budget} == {
        (2023, 40e6), (2024, 117e6)}
    # a sum with no year is not a budget line
    assert p.initiatives["et_loft_for_fritidsklubbene"].budget == ()
    assert p.initiatives["et_loft_for_fritidsklubbene"].extra["funding_total_nok"] == 270e6


def test_landscape_shows_gaps_and_overlaps_that_follow_from_the_data():
    by_age = portfolio.landscape(axis="age_band")
    cell = by_age.set_index(["subgoal", "age_band"])
    # no initiative in the documents serves kindergarten participation (Boks 8.3 sub-goal 1) at 0-6
    assert cell.loc[("wp1", "0-6"), "state"] == "gap"
    assert (by_age[by_age.subgoal == "wp1"]["n"] == 0).all()
    # NEET at 16-21: Møre og Romsdal's 16-24 definition is the only age-stated initiative
    assert cell.loc[("r1.7", "16-21"), "initiatives"] == ["more_og_romsdal_2025"]
    by_arena = portfolio.landscape(axis="arena").set_index(["subgoal", "arena"])
    # integrated services (report 2.2) in school: ASB, Nordland and Kongsvinger
    assert by_arena.loc[("r2.2", "skole"), "state"] == "overlap"
    assert by_arena.loc[("r2.2", "skole"), "initiatives"] == [
        "alvorlig_sykt_barn", "ung_inkludering_kongsvinger", "ung_inkludering_nordland"]
    # organised leisure (Boks 8.3 sub-goal 2) in leisure: the clubs initiative and Fritidserklæringen
    assert by_arena.loc[("wp2", "fritid"), "n"] == 2
    assert by_arena.loc[("wp1", "barnehage"), "state"] == "gap"
    matrix = portfolio.landscape_matrix(axis="arena")
    assert matrix.loc["r2.2", "skole"] == 3 and list(matrix.columns)[-1] == "ikke oppgitt"


def test_tensions_the_documents_mark():
    t = portfolio.tensions()
    row = t[(t.a == "innsatsgruppe") & (t.b == "kubu")].iloc[0]
    assert row["kind"] == "overlap_risk"
    assert row["shared_subgoals"] == ["r2.1"]


def test_bad_initiatives_are_refused():
    base = {"id": "x", "name": "X", "source": "report", "section": "Del 4", "quote": "q",
            "subgoals": [{"id": "r1.7", "basis": "b"}]}
    assert portfolio.initiative(base).subgoals[0].id == "r1.7"
    with pytest.raises(InputError) as err:
        portfolio.initiative({**base, "subgoals": [{"id": "r9.1", "basis": "b"}]})
    assert err.value.field == "subgoals"
    with pytest.raises(InputError) as err:
        portfolio.initiative({**base, "budget": [{"amount_nok": 1e6, "kind": "granted"}]})
    assert err.value.field == "budget.year"
    with pytest.raises(InputError) as err:
        portfolio.initiative({**base, "age_bands": ["0-18"]})
    assert err.value.field == "age_bands"
    with pytest.raises(InputError) as err:
        portfolio.landscape(axis="region")
    assert err.value.field == "axis"
