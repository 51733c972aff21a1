"""Randomisation of a trial: simple, blocked, stratified, cluster and stepped-wedge wave order.

Version-stable algorithm ``oppvekst-hmac-sha256-fisher-yates``, version 1. The same seed and inputs
give the same allocation in every future version of Python and numpy, because nothing here uses
Python's ``random`` or numpy's generators (whose streams are allowed to change between releases):

1. **Canonical order.** Unit (or cluster) ids are sorted before anything is drawn, so the order in
   which the user lists them does not matter. Ids must be all ``int`` (sorted numerically) or all
   ``str`` (sorted by Unicode code point); booleans and mixed types are refused.
2. **Random stream.** The seed (an ``int`` or ``str``) is written as text and UTF-8 encoded; it is
   the HMAC key. Each stream has a label (``"simple"``, ``"blocked"``, ``"stratum:<name>"``,
   ``"cluster"``, ``"stepped-wedge"``). Block *i* (i = 0, 1, 2, ...) of the stream is
   ``HMAC-SHA256(key=seed, msg=label || 0x00 || i as 8-byte big-endian)``; each 32-byte block gives
   four unsigned 64-bit big-endian words, used in order.
3. **Uniform integers.** An integer in [0, n) is drawn by rejection sampling: take the next word
   ``w``; reject it if ``w >= 2**64 - (2**64 mod n)``, otherwise return ``w mod n``. No modulo bias.
4. **Shuffle.** Fisher–Yates (Durstenfeld): for i = len−1 down to 1, draw j in [0, i], swap i and j.

Methods:

- *simple* (complete) randomisation: shuffle the units, then deal arms in the pattern given by
  ``ratio`` (default 1:1), so arm sizes are fixed and as equal as the ratio allows. Coin-flip
  allocation is not offered because it can leave an arm with too few units.
- *blocked*: permuted blocks. For each block a size is drawn uniformly from ``block_sizes``; the block
  holds each arm ``ratio[k] * size / sum(ratio)`` times and is shuffled. Blocks are dealt to the
  units in canonical order (give enrolment sequence numbers as ids for a list used during
  recruitment); the last block may be cut short.
- *stratified*: blocked randomisation within each stratum, each stratum with its own stream
  ``stratum:<name>``, so adding a stratum never changes the allocation in another.
- *cluster*: simple randomisation of cluster ids; members inherit their cluster's arm.
- *stepped wedge*: the clusters are shuffled and dealt to waves of the given sizes in order
  (wave 1 crosses over first).

Sealing: ``seal(allocation)`` is the SHA-256 of a canonical JSON serialisation (sorted keys, units
sorted canonically, with the seed, method, algorithm name and version, arms and parameters). Store it
in the registered plan before the list is revealed; ``verify`` checks a revealed list against it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from oppvekst.errors import InputError

ALGORITHM = "oppvekst-hmac-sha256-fisher-yates"
ALGORITHM_VERSION = 1
DEFAULT_ARMS = ("control", "treatment")

UnitId = int | str


# --- the random stream ---------------------------------------------------------------------------

class Stream:
    """A deterministic stream of uniform integers derived from a seed by HMAC-SHA256 (see module doc)."""

    _SPAN = 2**64

    def __init__(self, seed: int | str, label: str):
        self._key = _seed_text(seed).encode("utf-8")
        self._label = label.encode("utf-8")
        self._counter = 0
        self._words: list[int] = []

    def _word(self) -> int:
        if not self._words:
            msg = self._label + b"\x00" + self._counter.to_bytes(8, "big")
            block = hmac.new(self._key, msg, hashlib.sha256).digest()
            self._counter += 1
            self._words = [int.from_bytes(block[k:k + 8], "big") for k in range(24, -1, -8)]
        return self._words.pop()  # words are stored reversed, so pop() yields them in order

    def below(self, n: int) -> int:
        """A uniform integer in [0, n), by rejection sampling (no modulo bias)."""
        if n < 1:
            raise ValueError("n must be positive")
        limit = self._SPAN - self._SPAN % n
        while True:
            w = self._word()
            if w < limit:
                return w % n

    def shuffle(self, items: list) -> list:
        """Fisher–Yates in place; returns the list."""
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]
        return items


def _seed_text(seed: int | str) -> str:
    if isinstance(seed, bool) or not isinstance(seed, int | str) or (isinstance(seed, str) and not seed):
        raise InputError("the seed must be an integer or a non-empty text", field="seed")
    return str(seed)


# --- the allocation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Allocation:
    """A randomised allocation: which arm each unit is in, and everything needed to re-derive it."""

    method: str
    seed: int | str
    arms: tuple[str, ...]
    assignments: dict[UnitId, str]
    parameters: dict = field(default_factory=dict)
    strata: dict[UnitId, str] | None = None
    members: dict[UnitId, UnitId] | None = None  # individual → cluster (cluster method only)
    algorithm: str = ALGORITHM
    algorithm_version: int = ALGORITHM_VERSION

    def arm_of(self, unit: UnitId) -> str:
        if self.members is not None and unit in self.members:
            return self.assignments[self.members[unit]]
        return self.assignments[unit]

    def counts(self) -> dict[str, int]:
        out = {arm: 0 for arm in self.arms}
        for arm in self.assignments.values():
            out[arm] += 1
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per unit in canonical order (and per member for a cluster allocation)."""
        rows = [{"unit": u, "arm": a, **({"stratum": self.strata[u]} if self.strata else {})}
                for u, a in self.assignments.items()]
        frame = pd.DataFrame(rows)
        if self.members:
            m = pd.DataFrame({"member": list(self.members), "unit": list(self.members.values())})
            frame = m.merge(frame, on="unit", how="left").rename(columns={"unit": "cluster"})
        return frame

    def canonical(self) -> dict:
        """The content that is sealed: plain JSON types, units in canonical order."""
        def pairs(mapping: Mapping) -> list[list]:
            return [[k, mapping[k]] for k in _canonical_ids(list(mapping), "unit")]
        return {
            "algorithm": self.algorithm, "algorithm_version": self.algorithm_version,
            "method": self.method, "seed": self.seed, "arms": list(self.arms),
            "parameters": self.parameters, "assignments": pairs(self.assignments),
            "strata": pairs(self.strata) if self.strata is not None else None,
            "members": pairs(self.members) if self.members is not None else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Allocation:
        d = json.loads(text)
        as_map = (lambda pairs: None if pairs is None else {k: v for k, v in pairs})
        return cls(method=d["method"], seed=d["seed"], arms=tuple(d["arms"]),
                   assignments=as_map(d["assignments"]), parameters=d["parameters"],
                   strata=as_map(d["strata"]), members=as_map(d["members"]),
                   algorithm=d["algorithm"], algorithm_version=d["algorithm_version"])


def seal(allocation: Allocation) -> str:
    """SHA-256 (hex) of the canonical serialisation: store it in the registered plan before reveal."""
    return hashlib.sha256(allocation.to_json().encode("utf-8")).hexdigest()


def verify(allocation: Allocation, sealed_hash: str) -> None:
    """Check a revealed allocation against its sealed hash; raise InputError if it does not match.

    When the hash differs, the allocation is derived again from its recorded seed and parameters,
    and the first unit (canonical order) whose revealed arm differs is named."""
    if hmac.compare_digest(seal(allocation), sealed_hash.strip().lower()):
        return
    try:
        expected = rederive(allocation)
    except (InputError, KeyError, TypeError, ValueError):
        expected = None
    if expected is not None:
        for unit in _canonical_ids(list(expected.assignments), "unit"):
            got = allocation.assignments.get(unit)
            if got != expected.assignments[unit]:
                raise InputError(f"unit {unit!r} is in arm {got!r}, but the seeded allocation puts it in "
                                 f"{expected.assignments[unit]!r}: the list does not match its sealed hash",
                                 row=unit, field="arm")
    raise InputError("the allocation does not match its sealed hash", field="sealed_hash")


def rederive(allocation: Allocation) -> Allocation:
    """Run the recorded method again with the recorded seed, units and parameters."""
    p, units = allocation.parameters, list(allocation.assignments)
    if allocation.method == "simple":
        return simple(units, allocation.seed, arms=allocation.arms, ratio=p["ratio"])
    if allocation.method == "blocked":
        return blocked(units, allocation.seed, p["block_sizes"], arms=allocation.arms, ratio=p["ratio"])
    if allocation.method == "stratified":
        return stratified(allocation.strata or {}, allocation.seed, p["block_sizes"], arms=allocation.arms,
                          ratio=p["ratio"])
    if allocation.method == "cluster":
        return cluster(units, allocation.seed, arms=allocation.arms, ratio=p["ratio"],
                       members=allocation.members)
    if allocation.method == "stepped_wedge":
        return stepped_wedge(units, allocation.seed, p["waves"])
    raise InputError(f"unknown method {allocation.method!r}", field="method")


# --- methods -------------------------------------------------------------------------------------

def simple(units: Iterable[UnitId], seed: int | str, *, arms: Sequence[str] = DEFAULT_ARMS,
           ratio: Sequence[int] | None = None) -> Allocation:
    """Complete randomisation: fixed arm sizes in the given ratio (default equal)."""
    ids, arms, ratio = _canonical_ids(units, "unit"), _arms(arms), _ratio(ratio, arms)
    shuffled = Stream(seed, "simple").shuffle(list(ids))
    pattern = _pattern(arms, ratio)
    assignments = {u: pattern[i % len(pattern)] for i, u in enumerate(shuffled)}
    alloc = _finish("simple", seed, arms, assignments, {"ratio": list(ratio)})
    _check_min_per_arm(alloc, "unit")
    return alloc


def blocked(units: Iterable[UnitId], seed: int | str, block_sizes: Sequence[int], *,
            arms: Sequence[str] = DEFAULT_ARMS, ratio: Sequence[int] | None = None) -> Allocation:
    """Permuted blocks of randomly chosen sizes, dealt to the units in canonical order."""
    ids, arms, ratio = _canonical_ids(units, "unit"), _arms(arms), _ratio(ratio, arms)
    sizes = _block_sizes(block_sizes, ratio)
    assignments = _deal_blocks(ids, Stream(seed, "blocked"), sizes, arms, ratio)
    alloc = _finish("blocked", seed, arms, assignments, {"ratio": list(ratio), "block_sizes": sizes})
    _check_min_per_arm(alloc, "unit")
    return alloc


def stratified(strata: Mapping[UnitId, str], seed: int | str, block_sizes: Sequence[int], *,
               arms: Sequence[str] = DEFAULT_ARMS, ratio: Sequence[int] | None = None) -> Allocation:
    """Permuted blocks within each stratum; ``strata`` maps unit id → stratum label."""
    ids, arms, ratio = _canonical_ids(list(strata), "unit"), _arms(arms), _ratio(ratio, arms)
    sizes = _block_sizes(block_sizes, ratio)
    labels = {}
    for u in ids:
        label = strata[u]
        if not isinstance(label, str) or not label:
            raise InputError("a stratum must be a non-empty text", row=u, field="stratum")
        labels[u] = label
    assignments: dict[UnitId, str] = {}
    for name in sorted(set(labels.values())):
        members = [u for u in ids if labels[u] == name]
        assignments.update(_deal_blocks(members, Stream(seed, f"stratum:{name}"), sizes, arms, ratio))
    alloc = _finish("stratified", seed, arms, assignments, {"ratio": list(ratio), "block_sizes": sizes},
                    strata=labels)
    _check_min_per_arm(alloc, "unit")
    return alloc


def cluster(clusters: Iterable[UnitId], seed: int | str, *, arms: Sequence[str] = DEFAULT_ARMS,
            ratio: Sequence[int] | None = None, members: Mapping[UnitId, UnitId] | None = None) -> Allocation:
    """Randomise whole clusters; ``members`` (individual → cluster) lets individuals inherit the arm."""
    ids, arms, ratio = _canonical_ids(clusters, "cluster"), _arms(arms), _ratio(ratio, arms)
    shuffled = Stream(seed, "cluster").shuffle(list(ids))
    pattern = _pattern(arms, ratio)
    assignments = {c: pattern[i % len(pattern)] for i, c in enumerate(shuffled)}
    member_map = None
    if members is not None:
        known = set(ids)
        _canonical_ids(list(members), "member")
        for m, c in members.items():
            if c not in known:
                raise InputError(f"member {m!r} belongs to unknown cluster {c!r}", row=m, field="cluster")
        member_map = dict(members)
    alloc = _finish("cluster", seed, arms, assignments, {"ratio": list(ratio)}, members=member_map)
    _check_min_per_arm(alloc, "cluster")
    return alloc


def stepped_wedge(clusters: Iterable[UnitId], seed: int | str, waves: Sequence[int]) -> Allocation:
    """Random wave order: ``waves[k]`` clusters cross over to the intervention at step k+1."""
    ids = _canonical_ids(clusters, "cluster")
    waves = [int(w) for w in waves]
    if len(waves) < 2 or min(waves) < 1:
        raise InputError("a stepped wedge needs at least two waves, each with at least one cluster",
                         field="waves")
    if sum(waves) != len(ids):
        raise InputError(f"the waves hold {sum(waves)} clusters, but {len(ids)} clusters were given",
                         field="waves")
    shuffled = Stream(seed, "stepped-wedge").shuffle(list(ids))
    names = tuple(f"wave {k + 1}" for k in range(len(waves)))
    pattern = [names[k] for k, w in enumerate(waves) for _ in range(w)]
    assignments = dict(zip(shuffled, pattern, strict=True))
    return _finish("stepped_wedge", seed, names, assignments, {"waves": waves})


# --- balance -------------------------------------------------------------------------------------

def balance_table(allocation: Allocation, covariates: pd.DataFrame, *, unit: str = "unit") -> pd.DataFrame:
    """Baseline balance per arm: n and mean/SD (continuous) or share (binary 0/1), and the
    standardised difference of each arm against the first arm (Austin 2009: difference over the
    root mean of the two variances; for shares p(1−p)). One row per covariate and arm."""
    if unit not in covariates.columns:
        raise InputError(f"the covariate table has no column {unit!r}", field=unit)
    frame = covariates.copy()
    try:
        frame["_arm"] = [allocation.arm_of(u) for u in frame[unit]]
    except KeyError as exc:
        raise InputError(f"unit {exc.args[0]!r} is not in the allocation", row=exc.args[0], field=unit) from None
    rows = []
    for col in [c for c in covariates.columns if c != unit]:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            raise InputError("not a number", row=frame.loc[bad, unit].iloc[0], field=col)
        binary = set(values.dropna().unique()) <= {0, 1}
        stats = {}
        for arm in allocation.arms:
            v = values[frame["_arm"] == arm].dropna()
            stats[arm] = (len(v), v.mean(), v.std(ddof=1), v.var(ddof=0) if binary else v.var(ddof=1))
        ref = allocation.arms[0]
        for arm in allocation.arms:
            n, mean, sd, var = stats[arm]
            _, mean0, _, var0 = stats[ref]
            spread = math.sqrt((var + var0) / 2) if n and stats[ref][0] else float("nan")
            rows.append({"covariate": col, "kind": "binary" if binary else "continuous", "arm": arm,
                         "n": n, "mean": None if binary else mean, "sd": None if binary else sd,
                         "share": mean if binary else None,
                         "std_diff": None if arm == ref else (mean - mean0) / spread if spread else float("nan")})
    return pd.DataFrame(rows)


# --- helpers -------------------------------------------------------------------------------------

def _canonical_ids(units: Iterable[UnitId], what: str) -> list[UnitId]:
    ids = list(units)
    if not ids:
        raise InputError(f"no {what} ids were given", field=what)
    if all(isinstance(u, int) and not isinstance(u, bool) for u in ids) or all(
            isinstance(u, str) and u for u in ids):
        ordered = sorted(ids)
    else:
        raise InputError(f"{what} ids must be all integers or all non-empty texts", field=what)
    for a, b in itertools.pairwise(ordered):
        if a == b:
            raise InputError(f"duplicate {what} id {a!r}", row=a, field=what)
    return ordered


def _arms(arms: Sequence[str]) -> tuple[str, ...]:
    arms = tuple(arms)
    if len(arms) < 2 or len(set(arms)) != len(arms) or not all(isinstance(a, str) and a for a in arms):
        raise InputError("give at least two distinct, named arms", field="arms")
    return arms


def _ratio(ratio: Sequence[int] | None, arms: tuple[str, ...]) -> tuple[int, ...]:
    ratio = tuple(ratio) if ratio is not None else (1,) * len(arms)
    if len(ratio) != len(arms) or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 1
                                          for r in ratio):
        raise InputError("the ratio needs one positive whole number per arm", field="ratio")
    return ratio


def _pattern(arms: tuple[str, ...], ratio: tuple[int, ...]) -> list[str]:
    return [arm for arm, r in zip(arms, ratio) for _ in range(r)]


def _block_sizes(block_sizes: Sequence[int], ratio: tuple[int, ...]) -> list[int]:
    sizes = sorted({int(s) for s in block_sizes}) if block_sizes else []
    if not sizes:
        raise InputError("give at least one block size", field="block_sizes")
    for s in sizes:
        if s < 1 or s % sum(ratio):
            raise InputError(f"block size {s} is not a multiple of the number of arms in the ratio "
                             f"({sum(ratio)})", field="block_sizes")
    return sizes


def _deal_blocks(ids: list[UnitId], stream: Stream, sizes: list[int], arms: tuple[str, ...],
                 ratio: tuple[int, ...]) -> dict[UnitId, str]:
    sequence: list[str] = []
    while len(sequence) < len(ids):
        size = sizes[stream.below(len(sizes))]
        sequence += stream.shuffle(_pattern(arms, ratio) * (size // sum(ratio)))
    return dict(zip(ids, sequence))


def _finish(method: str, seed: int | str, arms: tuple[str, ...], assignments: dict, parameters: dict,
            strata: dict | None = None, members: dict | None = None) -> Allocation:
    _seed_text(seed)
    order = _canonical_ids(list(assignments), "unit")
    return Allocation(method=method, seed=seed, arms=arms, assignments={u: assignments[u] for u in order},
                      parameters=parameters,
                      strata={u: strata[u] for u in order} if strata is not None else None,
                      members=members)


def _check_min_per_arm(alloc: Allocation, what: str) -> None:
    for arm, n in alloc.counts().items():
        if n < 2:
            raise InputError(f"arm {arm!r} would get {n} {what}(s); every arm needs at least two",
                             field="arms")
