"""The goal tree: every goal of both documents, verbatim, each with its section, kind and horizon."""

from pathlib import Path

import pytest

from oppvekst.mission import goals
from oppvekst.mission.goals import KINDS, normalise

CATALOGUE = Path(goals.__file__).parents[1] / "indicators" / "catalogue"


def test_normalise_joins_line_break_hyphenation_and_whitespace():
    assert normalise("øke andelen ungdom som deltar i organi-\n\nserte fritidsaktiviteter,\n med") == \
        "øke andelen ungdom som deltar i organiserte fritidsaktiviteter, med"
    # a hyphen inside a line is kept
    assert normalise("mellom 15-29 år") == "mellom 15-29 år"


def test_tree_holds_both_documents_goals():
    tree = goals.load()
    assert tree.get("vision").text_nb == "Ingen barn og unge utenfor!"
    assert tree.get("overall").horizon_year == 2035
    wp = tree.subgoals("white_paper")
    report = tree.subgoals("report")
    assert [n.id for n in wp] == [f"wp{i}" for i in range(1, 7)]
    assert [n.id for n in tree.goals()] == ["r1", "r2", "r3"]
    assert len(report) == 13
    assert [n.id for n in report if n.parent == "r1"] == [f"r1.{i}" for i in range(1, 8)]
    # every kind the issue names is used, and the Boks 8.3 numbers are where the text puts them
    assert {n.kind for n in wp + report} == set(KINDS)
    assert (tree.get("wp2").kind, tree.get("wp2").target_change) == ("absolute", 10)
    assert (tree.get("wp3").kind, tree.get("wp3").target_change) == ("halving", -0.5)
    assert (tree.get("wp4").kind, tree.get("wp4").target_change) == ("relative", -0.25)
    assert (tree.get("r1.6").kind, tree.get("r1.6").horizon) == ("relative", "innen 2034")
    assert (tree.get("r2.3").kind, tree.get("r2.3").horizon_year) == ("state_from", 2024)
    assert (tree.get("r1.3").kind, tree.get("r1.3").horizon) == ("equality", "i 2034")
    assert {n.horizon for n in report} == {"fra 2024", "fra 2026", "i 2026", "i 2029", "i 2034", "innen 2034"}
    # Boks 8.3 sub-goals have no date of their own: they take the overall goal's, and say so
    assert all(n.horizon == "innen 2035" and n.horizon_inherited for n in wp)
    assert all(n.section for n in tree.nodes.values())


def test_every_quote_is_in_the_seed_documents(seed_text):
    tree = goals.load()
    quotes = tree.quotes()
    assert len(quotes) >= 30
    missing = [(i, q) for i, src, _, q in quotes if normalise(q) not in seed_text[src]]
    assert missing == []


def test_preconditions_quote_the_report():
    tree = goals.load()
    # collaboration and practice sub-goals are preconditions for all three goals
    assert {"r2.1", "r3.1", "r3.3"} <= set(tree.preconditions_of("r1.6"))
    assert "wp5" in tree.preconditions_of("wp6")
    assert tree.preconditions_of("wp1") == []


def test_every_linked_indicator_is_in_the_catalogue():
    tree = goals.load()
    ids = tree.indicator_ids()
    assert len(tree.links()) >= 25
    assert [i for i in ids if not (CATALOGUE / f"{i}.yaml").is_file()] == []
    assert tree.link("wp6", "neet_15_29").direction == "decrease"
    assert tree.link("wp6", "neet_15_29").link == "direct"


def test_every_unmeasured_subgoal_is_a_listed_gap():
    tree = goals.load()
    unmeasured = {n.id for n in tree.subgoals() if not n.indicators}
    no_direct = {n.id for n in tree.subgoals() if not any(l.link == "direct" for l in n.indicators)}
    gaps = {g.subgoal: g for g in tree.gaps}
    assert unmeasured == {"r2.1", "r2.3", "r3.2", "r3.3"}
    assert unmeasured <= {s for s, g in gaps.items() if g.coverage == "none"}
    # a sub-goal measured only by proxies is a partial gap
    assert no_direct - set(gaps) == set()
    assert {s for s, g in gaps.items() if g.coverage == "partial"} == {"r1.1", "r1.3", "r1.5", "r2.2", "r3.1"}
    assert all(g.needed for g in gaps.values())


def test_unknown_subgoal_is_refused():
    from oppvekst.errors import InputError
    with pytest.raises(InputError) as err:
        goals.load().get("r9.9")
    assert err.value.field == "subgoal"
