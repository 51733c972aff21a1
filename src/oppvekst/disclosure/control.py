"""Disclosure control of a whole table: primary, coverage, manual, secondary, series, and its proof.

`suppress(table, rules)` returns every cell with its fate and reason; `Suppression.published()` is
what may leave the system (suppressed numerators, values and intervals removed).

Order of the rules, and why:
1. primary (small numerator, small complement, small denominator): the cells to protect;
2. coverage and manual: hidden for quality or by decision; they need no protection of their own;
3. implicit equalities: counts are never negative, so published figures can force inner cells to 0
   (or to their denominator) in ways linear algebra does not see. Everything any publication could
   force is forced when all that may be published is published, so those inner cells are found by
   linear programming on that widest publication and entered as known;
4. secondary suppression by Gaussian elimination over every relation of the table at once;
5. series: a series mostly suppressed is hidden whole (hiding more never weakens protection).

Proof: the equations and the implicit equalities span the affine hull of everything an attacker
can believe, so a protected cell that is not a linear combination of them cannot be pinned: its
interval has positive width (`stats["certified"]`). Cells near an inner cell forced to equal its
denominator get their intervals measured directly, and a pinned one gets a neighbour hidden.
`check=True` also runs the full attack check (an interval for every suppressed cell).

A table that breaks its totals down by one classification at a time (the derived microdata tables:
sex, or age band, or immigrant category, or parents' education, or income quintile) is modelled with
every classification crossed while that stays small; beyond MAX_CROSSED_ATOMS inner cells it is
protected as linked one-way tables sharing their totals, each proven on its own and the totals hidden
alike in all of them (SSB GaussSuppression's linkedGauss = "consistent").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from oppvekst.disclosure import attack
from oppvekst.disclosure.coverage import coverage, series
from oppvekst.disclosure.model import FAMILIES, TableModel, _age_interval, build
from oppvekst.disclosure.primary import Rules, primary
from oppvekst.disclosure.secondary import secondary
from oppvekst.observations import COLUMNS, DIMENSIONS, FLAG_SUPPRESSED, FLAG_VALUE, TOTAL

MAX_ROUNDS = 10   # rounds of secondary suppression before a table is left unproven (near-100 % tables need more)


@dataclass
class Suppression:
    table: pd.DataFrame                 # the input rows (observation layout) with flag and flag_reason set
    rules: Rules
    check: pd.DataFrame | None = None   # attack intervals of the suppressed cells (see attack.intervals)
    stats: dict = field(default_factory=dict)

    @property
    def suppressed(self) -> pd.Series:
        return self.table["flag"] == FLAG_SUPPRESSED

    @property
    def ok(self) -> bool:
        """No protected cell pinned, and no published cell with a small count."""
        return (bool(self.stats.get("certified")) and self.stats.get("pinned_primary", 0) == 0
                and self.stats.get("small_published", 0) == 0)

    def published(self) -> pd.DataFrame:
        """The table as it may be published: suppressed cells lose numerator, value and interval."""
        return mask(self.table, denominators_public=self.rules.denominators_public)


def mask(table: pd.DataFrame, *, denominators_public: bool = True) -> pd.DataFrame:
    """Blank the figures of suppressed rows (flag 3), keeping the reason."""
    out = table.copy()
    sup = out["flag"] == FLAG_SUPPRESSED
    cols = ["numerator", "value", "ci_low", "ci_high"] + ([] if denominators_public else ["denominator"])
    out.loc[sup, cols] = np.nan
    return out


def suppress(table: pd.DataFrame, rules: Rules, *, manual: pd.DataFrame | None = None,
             pooled_periods: bool = False, check: bool = True,
             progress: Callable[[str], None] | None = None) -> Suppression:
    """Disclosure control of one or more indicators' tables (each indicator on its own)."""
    parts, checks, stats = [], [], {}
    for ind, part in table.groupby("indicator", sort=True):
        ways, model = protected_tables(part, pooled_periods)
        if ways is not None:
            res = _suppress_linked(ways, rules, manual=manual, pooled_periods=pooled_periods, check=check,
                                   progress=progress)
        else:
            res = _suppress_one(part, rules, manual=manual, pooled_periods=pooled_periods, check=check,
                                progress=progress, model=model)
        parts.append(res.table)
        if res.check is not None:
            checks.append(res.check.assign(indicator=ind))
        for k, v in res.stats.items():
            stats[k] = min(stats.get(k, v), v) if k == "certified" else stats.get(k, 0) + v
    out = pd.concat(parts, ignore_index=True) if parts else table.iloc[0:0]
    return Suppression(out, rules, pd.concat(checks, ignore_index=True) if checks else None, stats)


# Above this many inner cells the cross-classified model of a table of one-way breakdowns is too large to
# solve here (the national synthetic release: 3.2 million per indicator); such a table is then protected
# as linked one-way tables instead.
MAX_CROSSED_ATOMS = 250_000
MAX_LINK_ROUNDS = 6


def protected_tables(table: pd.DataFrame, pooled_periods: bool) -> tuple[dict[str, pd.DataFrame] | None,
                                                                        TableModel | None]:
    """How one indicator's table is protected: as linked one-way tables (returned, with no model) when its
    crossed model would be too large, else whole (None, and the crossed model when it was built)."""
    ways = _one_way_tables(table)
    if ways is None:
        return None, None
    model = build(table, pooled_periods=pooled_periods)
    return (ways, None) if model.n_atoms > MAX_CROSSED_ATOMS else (None, model)


def _one_way_tables(table: pd.DataFrame) -> dict[str, pd.DataFrame] | None:
    """A table whose cells break the total down by one classification at a time (sex, or age band, or
    immigrant category, or a family of `ses`, never two at once), split into one table per
    classification, each with the totals; None for any other table.

    Nothing published crosses two classifications, so the tables share only their totals: the linked
    tables of SSB's GaussSuppression, protected here as it does with linkedGauss = "consistent" (each
    table on its own, the common cells suppressed alike in all)."""
    age = _headline_age(table)
    if age is None:
        return None
    headline = {"sex": TOTAL, "background": TOTAL, "ses": TOTAL, "age": age}
    ses_family = table["ses"].map(lambda c: next((p for p in FAMILIES["ses"] if c.startswith(p)), "other"))
    way = pd.Series("", index=table.index, dtype=object)
    ways = 0
    for col, total in headline.items():
        off = table[col] != total
        ways += off.astype(int)
        way[off] = col if col != "ses" else "ses:" + ses_family[off]
    if (ways > 1).any() or way[ways == 1].nunique() < 2:
        return None
    totals = table[ways == 0]
    return {name: pd.concat([totals, table[way == name]]) for name in sorted(way[ways == 1].unique())}


def _suppress_linked(ways: dict[str, pd.DataFrame], rules: Rules, *, manual, pooled_periods: bool, check: bool,
                     progress) -> Suppression:
    """Each one-way table protected on its own; a total hidden in one is hidden in all, until none changes."""
    say = progress or (lambda _msg: None)
    keys = list(DIMENSIONS)
    some = next(iter(ways.values()))
    totals = some[_is_total_row(some)]
    total_keys = pd.Series(list(totals[keys].itertuples(index=False, name=None)), index=totals.index)
    results: dict[str, Suppression] = {}
    hidden_of: dict[str, set] = {}
    forced: set = set()
    converged = False
    for rounds in range(1, MAX_LINK_ROUNDS + 1):
        for name, sub in ways.items():
            if name in results and forced <= hidden_of[name]:
                continue            # already hides every common cell the other tables hide
            say(f"koblet tabell / linked table {name} (runde {rounds})")
            extra = totals.loc[total_keys.isin(forced), keys]
            if manual is not None and not manual.empty:
                extra = pd.concat([manual[keys], extra])
            results[name] = _suppress_one(sub, rules, manual=extra, pooled_periods=pooled_periods, check=check,
                                          progress=progress)
            t = results[name].table
            hidden_of[name] = set(t.loc[_is_total_row(t) & (t["flag"] == FLAG_SUPPRESSED), keys]
                                  .itertuples(index=False, name=None))
        union = set().union(*hidden_of.values())
        if all(h == union for h in hidden_of.values()):
            converged = True
            break
        forced = union
    first = next(iter(results.values())).table        # at convergence the common cells agree in every table
    out = [first[_is_total_row(first)]] + [r.table[~_is_total_row(r.table)] for r in results.values()]
    table = pd.concat(out, ignore_index=True)
    # totals hidden to keep another table's protection are secondary suppressions, not manual ones
    user = _manual_mask(table, manual)
    relabel = (table["flag_reason"] == "manual").fillna(False).to_numpy() & ~user
    table["flag_reason"] = table["flag_reason"].astype(object)
    table.loc[relabel, "flag_reason"] = "secondary"
    table["flag_reason"] = pd.array(table["flag_reason"], dtype="string")
    reasons = table["flag_reason"].astype(object)
    stats = {"cells": len(table), **{r: int((reasons == r).sum()) for r in
                                     ("primary", "complement", "secondary", "series", "coverage", "manual")},
             "rounds": rounds, "linked_tables": len(ways),
             # not converged: the common cells are not hidden alike, so nothing is certified
             "certified": min(int(r.stats["certified"]) for r in results.values()) if converged else 0,
             "small_published": sum(int(r.stats["small_published"]) for r in results.values())}
    checks = [r.check.assign(table=name) for name, r in results.items() if r.check is not None]
    for k in ("pinned", "pinned_primary", "narrow_primary"):
        if all(k in r.stats for r in results.values()):
            stats[k] = sum(int(r.stats[k]) for r in results.values())
    return Suppression(table, rules, pd.concat(checks, ignore_index=True) if checks else None, stats)


def _headline_age(t: pd.DataFrame) -> str | None:
    """The widest age group among the rows with no other breakdown: the table's total age."""
    plain = t.loc[(t["sex"] == TOTAL) & (t["background"] == TOTAL) & (t["ses"] == TOTAL), "age"]
    spans = {a: _age_interval(a) for a in plain.unique()}
    if not spans or any(v is None for v in spans.values()):
        return None
    return max(spans, key=lambda a: spans[a][1] - spans[a][0])


def _is_total_row(t: pd.DataFrame) -> pd.Series:
    """The rows of a linked one-way table that are its totals (the same rows in every one of them)."""
    return (t["sex"] == TOTAL) & (t["background"] == TOTAL) & (t["ses"] == TOTAL) & (t["age"] == _headline_age(t))


def _manual_mask(cells: pd.DataFrame, manual: pd.DataFrame | None) -> np.ndarray:
    if manual is None or manual.empty:
        return np.zeros(len(cells), dtype=bool)
    keys = [c for c in DIMENSIONS if c in manual.columns]
    hit = cells[keys].merge(manual[keys].drop_duplicates().assign(_hit=True), on=keys, how="left")["_hit"]
    return hit.fillna(False).to_numpy(dtype=bool)


def _suppress_one(table: pd.DataFrame, rules: Rules, *, manual, pooled_periods: bool, check: bool,
                  progress, model: TableModel | None = None) -> Suppression:
    say = progress or (lambda _msg: None)
    say("modell / model")
    model = model or build(table, pooled_periods=pooled_periods)
    cells = model.cells
    n = cells["numerator"].to_numpy(dtype=float)
    d = cells["denominator"].to_numpy(dtype=float)
    flag = cells["flag"].to_numpy()
    reason = cells["flag_reason"].astype(object).where(cells["flag"] == FLAG_SUPPRESSED, None).to_numpy().copy()
    value = cells["value"].to_numpy(dtype=float)
    mean_like = bool(np.isnan(n).all() and (~np.isnan(value)).any())
    if mean_like:
        # a mean (school points, say): the sums (mean x count) add up over the table, so they are what
        # the elimination and the attack work on; a cell of 1..limit contributors is primary; a sum has
        # no upper bound from its count, so the denominators do not bound the attack
        n = value * d
        prim = np.where((d >= 1) & (d <= rules.numerator_max), "primary", None).astype(object)
    else:
        prim = primary(cells, rules).to_numpy().copy()
    no_figure = np.isnan(n) | (flag != FLAG_VALUE)            # nothing to publish, nothing to protect
    prim[no_figure] = None
    targets = pd.notna(prim)
    reason[targets] = prim[targets]
    hidden = no_figure | targets
    cover = coverage(model, rules.coverage_max_unknown) & ~hidden
    reason[cover] = "coverage"
    man = _manual_mask(cells, manual) & ~hidden & ~cover
    reason[man] = "manual"
    hidden |= cover | man
    candidates = ~hidden
    zero = candidates & (n == 0) & (d > 0) if not rules.protect_zeros else np.zeros(len(n), bool)
    # larger cells are published first: by denominator, then numerator
    priority = np.nan_to_num(d) * 1e7 + np.nan_to_num(n)
    known_zero = _atoms_of(model, zero)
    known_d = (~np.isnan(d) if rules.denominators_public else None) if not mean_like else np.zeros(len(d), bool)

    def implicit(published: np.ndarray, cells_: np.ndarray, everywhere: bool = False) -> attack.Implicit:
        return attack.implicit_equalities(model, published=published, numerator=n, denominator=d,
                                          denominator_known=known_d if known_d is not None else published,
                                          cells=cells_, everywhere=everywhere)
    # Counts are never negative, so published figures can force inner cells to 0 (or to their
    # denominator), which linear algebra does not see. Whatever any publication could force is forced
    # when everything that may be published is published (more equations, more forced), so those
    # inner cells are entered as known from the start: one elimination then suffices.
    say("implisitte likheter / implicit equalities")
    widest = implicit(candidates, targets, everywhere=True)
    # a zero that is itself protected (protect_zeros) stays unknown: it is forced only by publishing
    # everything, and whether the final publication forces it is checked after the elimination
    zero_targets = _atoms_of(model, targets & (n == 0))
    known_zero |= widest.zero - zero_targets
    extra_hidden = np.zeros(len(n), dtype=bool)
    certified = False
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        say(f"sekundærprikking / secondary suppression (runde {rounds})")
        sec = secondary(model, targets=targets, candidates=candidates & ~extra_hidden, priority=priority,
                        known_zero_atoms=known_zero, forced=zero & ~extra_hidden)
        secondary_mask = sec.suppressed | extra_hidden
        shown = candidates & ~secondary_mask
        ser = series(cells, targets | secondary_mask | cover | man, shown, rules.series_max_share)
        shown &= ~ser
        if not widest.full and not (widest.zero & zero_targets):
            certified = True          # everything the final publication can force is already known
            break
        say("implisitte likheter / implicit equalities")
        imp = implicit(shown, targets | sec.suppressed)
        forced_targets = [int(i) for i in np.flatnonzero(targets & (n == 0))
                          if set(model.atoms(int(i)).tolist()) <= imp.zero]
        if forced_targets:      # a protected zero is forced by what is published: hide a neighbour
            extra_hidden |= _neighbours(model, np.array(forced_targets), shown)
            continue
        if imp.zero - known_zero - zero_targets:
            known_zero |= imp.zero - zero_targets
            continue
        risky = imp.exposed & targets
        if not risky.any():
            certified = True
            break
        # numerator = denominator forced near a target: measure those targets directly
        iv = attack.intervals(model, published=shown, numerator=n, denominator=d,
                              denominator_known=known_d if known_d is not None else shown, cells=risky)
        pinned = iv.loc[iv["pinned"], "cell"].to_numpy()
        if not len(pinned):
            certified = True
            break
        extra_hidden |= _neighbours(model, pinned, shown)
    intervals = None
    if check:
        say("angrepssjekk / attack check")
        intervals = attack.intervals(model, published=shown, numerator=n, denominator=d,
                                     denominator_known=known_d if known_d is not None else shown,
                                     cells=~shown & ~no_figure)
    reason[secondary_mask & pd.isna(reason)] = "secondary"
    reason[ser & pd.isna(reason)] = "series"
    out = table.reset_index(drop=True)[COLUMNS].copy()
    sup = pd.notna(reason)
    out.loc[sup, "flag"] = FLAG_SUPPRESSED
    out["flag_reason"] = pd.array(np.where(sup, reason, None), dtype="string")
    out.loc[~sup & (out["flag"] == FLAG_SUPPRESSED), "flag"] = FLAG_VALUE
    stats = {"cells": len(out), "primary": int((reason == "primary").sum()),
             "complement": int((reason == "complement").sum()), "secondary": int((reason == "secondary").sum()),
             "series": int((reason == "series").sum()), "coverage": int((reason == "coverage").sum()),
             "manual": int((reason == "manual").sum()), "rounds": rounds, "certified": int(certified),
             "small_published": int((shown & ((d if mean_like else n) >= 1)
                                     & ((d if mean_like else n) <= rules.numerator_max)).sum())}
    if intervals is not None:
        intervals = intervals.assign(true=n[intervals["cell"]], reason=reason[intervals["cell"]])
        prim_rows = intervals["reason"].isin(["primary", "complement"])
        stats["pinned"] = int(intervals["pinned"].sum())
        stats["pinned_primary"] = int((intervals["pinned"] & prim_rows).sum())
        stats["narrow_primary"] = int(((intervals["width"] < 1) & prim_rows).sum())
    return Suppression(out, rules, intervals, stats)


def _atoms_of(model: TableModel, mask: np.ndarray) -> set[int]:
    out: set[int] = set()
    for i in np.flatnonzero(mask):
        out.update(int(a) for a in model.atoms(int(i)))
    return out


def _neighbours(model: TableModel, cells: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """The smallest published cell sharing inner cells with each given cell."""
    hide = np.zeros(len(model.cells), dtype=bool)
    atoms_of = {int(i): set(model.atoms(int(i)).tolist()) for i in np.flatnonzero(shown)}
    size = model.cells["denominator"].to_numpy(dtype=float)
    for c in cells:
        mine = set(model.atoms(int(c)).tolist())
        touching = [i for i, a in atoms_of.items() if a & mine]
        if touching:
            hide[min(touching, key=lambda i: (size[i], i))] = True
    return hide
