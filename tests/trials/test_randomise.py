"""Randomisation: version-stable seeded allocations, balance tables, sealing and verification."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from oppvekst.errors import InputError
from oppvekst.trials import randomise as rz


def test_stream_is_hmac_sha256_counter_mode_as_documented():
    # The first word is the first 8 bytes (big-endian) of HMAC-SHA256(seed, label || 0x00 || 0 as 8 bytes).
    block = hmac.new(b"123", b"simple\x00" + (0).to_bytes(8, "big"), hashlib.sha256).digest()
    s = rz.Stream(123, "simple")
    assert s._word() == int.from_bytes(block[:8], "big")
    assert s._word() == int.from_bytes(block[8:16], "big")


def test_rejection_sampling_is_uniform_in_range():
    s = rz.Stream("x", "t")
    draws = [s.below(3) for _ in range(3000)]
    assert set(draws) == {0, 1, 2}
    assert all(abs(draws.count(k) - 1000) < 120 for k in range(3))


# These literal allocations were computed once with algorithm version 1 and written here by hand.
# They PIN THE ALGORITHM: if any of them changes, the algorithm has changed and ALGORITHM_VERSION
# must be raised, because registered trials must be able to re-derive their lists for ever.
def test_pinned_simple_allocation():
    a = rz.simple(list(range(1, 11)), 20250101)
    assert a.assignments == {1: "control", 2: "control", 3: "control", 4: "treatment", 5: "treatment",
                             6: "treatment", 7: "treatment", 8: "treatment", 9: "control", 10: "control"}
    assert rz.seal(a) == "a306b521088d8663ca7d7a7c25ea8ebfef1f33d251d808083b84a4c9f2c927f0"


def test_pinned_blocked_and_stepped_wedge_allocations():
    b = rz.blocked([f"p{i:02d}" for i in range(12)], "seed-1", [2, 4])
    assert "".join(a[0] for a in b.assignments.values()) == "tctctctccctt"
    w = rz.stepped_wedge(list("ABCDEFGH"), 99, [2, 2, 2, 2])
    assert w.assignments == {"A": "wave 2", "B": "wave 2", "C": "wave 4", "D": "wave 3", "E": "wave 1",
                             "F": "wave 1", "G": "wave 4", "H": "wave 3"}


def test_input_order_does_not_matter_and_runs_repeat():
    ids = [f"elev-{i}" for i in range(30)]
    a = rz.simple(ids, "kommune-2025")
    assert rz.simple(list(reversed(ids)), "kommune-2025").assignments == a.assignments
    assert rz.simple(ids, "kommune-2025").assignments == a.assignments
    assert rz.simple(ids, "kommune-2026").assignments != a.assignments


def test_simple_fixed_sizes_and_ratio():
    a = rz.simple(range(30), 1, ratio=(1, 2))
    assert a.counts() == {"control": 10, "treatment": 20}


def test_blocks_are_balanced_within_each_complete_block():
    a = rz.blocked(range(1, 25), 5, [4])
    arms = list(a.assignments.values())
    for k in range(0, 24, 4):
        assert sorted(arms[k:k + 4]) == ["control"] * 2 + ["treatment"] * 2


def test_stratified_balances_each_stratum_and_strata_are_independent():
    strata = {i: ("nord" if i < 8 else "sor") for i in range(16)}
    a = rz.stratified(strata, 11, [4])
    for name in ("nord", "sor"):
        arms = [a.assignments[u] for u in strata if strata[u] == name]
        assert arms.count("treatment") == 4
    # adding a stratum leaves the others' allocation unchanged
    more = dict(strata) | {i: "vest" for i in range(16, 20)}
    b = rz.stratified(more, 11, [4])
    assert all(b.assignments[u] == a.assignments[u] for u in strata)


def test_cluster_members_inherit_arm():
    a = rz.cluster(["A", "B", "C", "D"], 3, members={"p1": "A", "p2": "A", "p3": "C"})
    frame = a.to_frame().set_index("member")
    assert frame.loc["p1", "arm"] == frame.loc["p2", "arm"] == a.assignments["A"]
    assert a.arm_of("p3") == a.assignments["C"]


@pytest.mark.parametrize("call, field", [
    (lambda: rz.simple([1, 2, 3], 1), "arms"),                       # fewer than two per arm
    (lambda: rz.simple([1, 2, 2, 3, 4], 1), "unit"),                 # duplicate id
    (lambda: rz.simple([1, "a", 3, 4], 1), "unit"),                  # mixed id types
    (lambda: rz.blocked(range(8), 1, [3]), "block_sizes"),           # not a multiple of the arms
    (lambda: rz.blocked(range(9), 1, [4], ratio=(1, 2)), "block_sizes"),
    (lambda: rz.cluster(["A", "B", "C"], 1), "arms"),                # fewer than two clusters per arm
    (lambda: rz.stepped_wedge(list("ABCD"), 1, [2, 3]), "waves"),    # waves do not add up
    (lambda: rz.stepped_wedge(list("ABCD"), 1, [4, 0]), "waves"),    # a wave that treats no cluster
    (lambda: rz.simple(range(6), True), "seed"),
])
def test_bad_input_names_the_field(call, field):
    with pytest.raises(InputError) as exc:
        call()
    assert exc.value.field == field


def test_seal_and_verify_round_trip_through_json():
    a = rz.stratified({i: ("x" if i % 2 else "y") for i in range(12)}, "plan-7", [2, 4])
    sealed = rz.seal(a)
    revealed = rz.Allocation.from_json(a.to_json())
    rz.verify(revealed, sealed)  # does not raise


def test_tampered_list_fails_and_names_the_first_changed_unit():
    a = rz.simple(range(1, 21), 77)
    sealed = rz.seal(a)
    moved = dict(a.assignments)
    flip = {"control": "treatment", "treatment": "control"}
    for unit in (5, 9):
        moved[unit] = flip[moved[unit]]
    tampered = rz.Allocation(**{**a.__dict__, "assignments": moved})
    with pytest.raises(InputError, match="unit 5 is in arm") as exc:
        rz.verify(tampered, sealed)
    assert exc.value.row == 5


def test_changed_seed_fails_the_hash_check():
    a = rz.simple(range(1, 21), 77)
    other = rz.Allocation(**{**a.__dict__, "seed": 78})
    with pytest.raises(InputError, match="does not match its sealed hash"):
        rz.verify(other, rz.seal(a))


def test_balance_table_hand_computed():
    a = rz.Allocation(method="simple", seed=1, arms=("control", "treatment"),
                      assignments={1: "control", 2: "control", 3: "treatment", 4: "treatment"})
    cov = pd.DataFrame({"unit": [1, 2, 3, 4], "age": [10.0, 12.0, 11.0, 15.0], "girl": [0, 1, 1, 1]})
    t = rz.balance_table(a, cov).set_index(["covariate", "arm"])
    # age: control mean 11, var 2; treatment mean 13, var 8 → d = 2 / sqrt(5)
    assert t.loc[("age", "treatment"), "mean"] == 13
    assert t.loc[("age", "treatment"), "std_diff"] == pytest.approx(2 / 5**0.5)
    # girl: shares 0.5 and 1.0 → (1 − 0.5) / sqrt((0 + 0.25) / 2)
    assert t.loc[("girl", "treatment"), "share"] == 1.0
    assert t.loc[("girl", "treatment"), "std_diff"] == pytest.approx(0.5 / (0.125**0.5))
    assert pd.isna(t.loc[("age", "control"), "std_diff"])
