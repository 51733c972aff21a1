"""Synthetic registers that look like Norway: every person aged 0–29 in 2015–2024, vectorised (numpy).

Written as Parquet under `<out>/raw/` (the only place raw identity numbers ever exist). All randomness
comes from one seed, so the same seed and scope give the same files. What the data are calibrated to
is in `calibration`; every other number is a synthetic model parameter in `params`.

Conventions of the synthetic world (documented simplifications):
- A record for year t describes residence on 1 January of year t; age is completed years on that day.
  Those born in year b are first registered in b + 1. The 2024 records reproduce SSB 07459 exactly.
- Earlier years are the 2024 residents followed backwards (moves, arrival of immigrants); emigration and
  deaths before 2024 are not modelled. Geography is the 2024 division in every year.
- Households: a family (parents and the register children living at home) or, after leaving home, a
  young adult's own household (alone or with a partner who is not in the register).
- Living-conditions zones exist where `regions.regions_2024()` lists them; persons are allocated to
  zones by synthetic weights (no bundled zone population). Basic statistical units (grunnkretser) are
  not generated: their codes are not bundled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from oppvekst import config, regions
from oppvekst.errors import InputError
from oppvekst.microdata import calibration as cal
from oppvekst.microdata import fnr as fnrlib
from oppvekst.microdata import params as P
from oppvekst.sources import catalogue as bundled

NY = len(P.YEARS)
Y0 = P.FIRST_YEAR
EDU_CODES = {None: -1, **{lvl: i for i, lvl in enumerate(P.EDUCATION_LEVELS)}}
SES_SCORE = np.array([-1.2, -0.35, 0.35, 1.0, -0.5])  # by edu code 0..3, and unknown (index -1 → last)
IMM_CODES = ("rest", "immigrant", "norwegian_born_to_immigrant_parents")
ZONE_CONCENTRATION = 4.0   # synthetic model parameter: Dirichlet concentration of zone sizes
REGISTERS = ("population", "residence", "education", "household_income", "housing", "social_assistance",
             "kindergarten", "national_tests", "lower_secondary", "upper_secondary", "neet", "child_welfare")


def microdata_dir() -> Path:
    return config.home() / "microdata"


def raw_dir(base: Path | None = None) -> Path:
    return (base or microdata_dir()) / "raw"


def consumption_units(older, younger):
    """EU (modified OECD) scale: 1 for the first person aged 14 or more, 0.5 for each further one, 0.3 for each
    child under 14 (DESIGN.md glossary: vedvarende lavinntekt); at least 1."""
    older = np.maximum(np.asarray(older), 1)
    return np.round(1 + 0.5 * (older - 1) + 0.3 * np.asarray(younger), 2)


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def _step(table: dict[int, float], values: np.ndarray) -> np.ndarray:
    """Piecewise-constant lookup: the value of the largest key <= value."""
    keys = np.array(sorted(table))
    vals = np.array([table[k] for k in keys])
    return vals[np.clip(np.searchsorted(keys, values, side="right") - 1, 0, len(keys) - 1)]


def _bisect(f: Callable[[float], float], target: float, lo: float, hi: float, n: int = 40) -> float:
    """x with f(x) = target for an increasing f, by bisection (f is cheap and vectorised)."""
    for _ in range(n):
        mid = (lo + hi) / 2
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _group_ranks(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Rank (0 = largest key) of every element within its group."""
    order = np.lexsort((-key, group))
    g = group[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    lengths = np.diff(np.r_[starts, len(g)])
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = np.arange(len(g)) - np.repeat(starts, lengths)
    return rank


@dataclass
class Report:
    """What was generated and how close the generator's own calibration came (derived checks are in tests)."""
    seed: int
    municipalities: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    calibration: dict[str, dict] = field(default_factory=dict)
    parameters: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"synthetic": True, "seed": self.seed, "municipalities": self.municipalities,
                "counts": self.counts, "calibration": self.calibration, "calibrated_parameters": self.parameters,
                "seconds": round(self.seconds, 1), "created": datetime.now(UTC).isoformat(),
                "note": "Syntetiske data / synthetic data: no record describes a real person."}


class _Generator:
    def __init__(self, seed: int, municipalities: Iterable[str] | None, progress: Callable[[str], None]):
        self.rng = np.random.default_rng(seed)
        self.progress = progress
        pop = cal.population_2024()
        all_munis = sorted(pop["kommune"].unique())
        if municipalities is None:
            munis = all_munis
        else:
            munis = sorted(set(municipalities))
            unknown = [m for m in munis if m not in all_munis]
            if unknown:
                raise InputError(f"unknown 2024 municipality code {unknown[0]!r}", field="municipality")
        self.munis = munis
        self.report = Report(seed=seed, municipalities=munis)

    # -- geography ---------------------------------------------------------------------------------------
    def areas(self) -> None:
        """Areas: the finest unit a household lives in (zone, else district, else municipality)."""
        reg = regions.regions_2024()
        county_of = reg[reg["level"] == "kommune"].set_index("code")["parent"]
        zones = reg[reg["level"] == "levekårssone"]
        zones_by_parent = zones.groupby("parent")["code"].apply(list).to_dict()
        pop = cal.population_2024()
        pop = pop[pop["kommune"].isin(self.munis) & (pop["age"] <= P.OLDEST_2024)]
        dist = cal.district_population_2024()
        dist = dist[dist["kommune"].isin(self.munis) & (dist["age"] <= P.OLDEST_2024)]
        # Units: the (kommune, bydel) cells the 2024 population is given in.
        with_districts = set(dist["kommune"])
        cells = pd.concat([
            pop[~pop["kommune"].isin(with_districts)].assign(bydel=None),
            dist[["kommune", "bydel", "age", "persons"]],
        ], ignore_index=True)
        check = cells.groupby(["kommune", "age"])["persons"].sum()
        expect = pop.set_index(["kommune", "age"])["persons"]
        diff = check.reindex(expect.index, fill_value=0) - expect
        if (diff != 0).any():
            k, a = diff[diff != 0].index[0]
            raise InputError(f"city districts do not add up to the municipality for age {a}",
                             file=str(bundled.path(cal.POP_10826)), field=k)
        cells["bydel"] = cells["bydel"].fillna("").astype(str)   # '' = no district (or 'unknown district')
        units = cells.groupby(["kommune", "bydel"], as_index=False, sort=True)["persons"].sum()
        units = units.rename(columns={"persons": "weight"})
        units["county"] = units["kommune"].map(county_of)
        rows = []
        for u in units.itertuples():
            parent = u.bydel or u.kommune
            zl = zones_by_parent.get(parent, [])
            if not u.bydel and u.kommune in with_districts:
                zl = []  # persons in 'unknown district' get no zone
            if zl:
                w = self.rng.dirichlet(np.full(len(zl), ZONE_CONCENTRATION))
                rows += [(u.Index, u.kommune, u.bydel, z, u.county, u.weight * wi) for z, wi in zip(zl, w)]
            else:
                rows.append((u.Index, u.kommune, u.bydel, None, u.county, float(u.weight)))
        areas = pd.DataFrame(rows, columns=["unit", "kommune", "bydel", "zone", "county", "weight"])
        areas = areas.sort_values(["county", "kommune", "unit"], kind="stable").reset_index(drop=True)
        self.areas_df, self.units, self.cells = areas, units, cells
        self.area_unit = areas["unit"].to_numpy()
        self.area_kidx = pd.Categorical(areas["kommune"], categories=self.munis).codes.astype(np.int32)
        self.area_cidx = pd.factorize(areas["county"])[0]
        w = areas["weight"].to_numpy(dtype=float)
        self.area_cum = np.cumsum(w)
        # Contiguous ranges of areas per unit, municipality and county (areas are sorted that way).
        self.unit_range = self._ranges(self.area_unit, len(units))
        self.muni_range = self._ranges(self.area_kidx, len(self.munis))
        self.county_range = self._ranges(self.area_cidx, self.area_cidx.max() + 1)
        ai = cal.area_index().clip(-2.5, 2.5)
        self.muni_area_index = ai.reindex(self.munis).fillna(0.0).to_numpy()
        self.city = np.array([m in with_districts for m in self.munis])

    @staticmethod
    def _ranges(labels: np.ndarray, n: int) -> np.ndarray:
        out = np.zeros((n, 2), dtype=np.int64)
        idx = np.arange(len(labels))
        for lab in np.unique(labels):
            sel = idx[labels == lab]
            out[lab] = (sel.min(), sel.max() + 1)
        return out

    def _draw_area(self, ranges: np.ndarray) -> np.ndarray:
        """One area per row, weighted by area weight, within the [start, stop) area range of that row."""
        cum = np.r_[0.0, self.area_cum]
        lo, hi = cum[ranges[:, 0]], cum[ranges[:, 1]]
        u = lo + self.rng.random(len(ranges)) * (hi - lo)
        return np.clip(np.searchsorted(self.area_cum, u, side="right"), ranges[:, 0], ranges[:, 1] - 1)

    # -- persons and families --------------------------------------------------------------------------
    def persons(self) -> None:
        rng = self.rng
        cells = self.cells.merge(self.units.reset_index().rename(columns={"index": "unit"})[["kommune", "bydel", "unit"]],
                                 on=["kommune", "bydel"], how="left")
        unit = np.repeat(cells["unit"].to_numpy(), cells["persons"].to_numpy())
        age24 = np.repeat(cells["age"].to_numpy(), cells["persons"].to_numpy()).astype(np.int16)
        n = len(unit)
        birth_year = (P.LAST_YEAR - 1 - age24).astype(np.int16)
        start = pd.to_datetime(pd.Series(birth_year).astype(str) + "-01-01").to_numpy(dtype="datetime64[D]")
        ndays = np.where((birth_year % 4 == 0) & ((birth_year % 100 != 0) | (birth_year % 400 == 0)), 366, 365)
        self.birth_date = start + (rng.random(n) * ndays).astype("timedelta64[D]")
        self.birth_year, self.age24, self.unit = birth_year, age24, unit
        self.male = rng.random(n) < P.P_MALE
        self.n = n
        self.p_kidx = self.area_kidx[self.unit_range[unit, 0]]
        # Families: children 0–17 in 2024 are grouped within their (kommune, bydel) cell, siblings close in age.
        # Adults who have all left home (26–38) are grouped into sibling groups within their county; young
        # adults 18–25 have a family of their own (their siblings are outside these ages or not linked).
        child = age24 <= 17
        grown = age24 >= 26
        county = self.units["county"].to_numpy()[unit]
        fam = np.empty(n, dtype=np.int64)
        first = 0
        kinds = []
        for members, group, sizes, spread in ((child, unit, P.FAMILY_SIZES, P.SIBLING_AGE_SPREAD),
                                              (grown, pd.factorize(county)[0], P.ADULT_SIBLING_GROUPS,
                                               P.SIBLING_AGE_SPREAD)):
            ci = np.flatnonzero(members)
            key = age24[ci] + rng.normal(0, spread, len(ci))
            ci = ci[np.lexsort((key, group[ci]))]
            size = rng.choice(list(sizes), size=len(ci), p=list(sizes.values()))
            cut = np.zeros(len(ci), dtype=bool)
            ends = np.cumsum(size)
            cut[ends[ends < len(ci)]] = True
            cut[0] = True
            cut[1:] |= group[ci][1:] != group[ci][:-1]
            fam[ci] = first + np.cumsum(cut) - 1
            kinds.append(int(cut.sum()))
            first += int(cut.sum())
        single = np.flatnonzero(~child & ~grown)
        fam[single] = first + np.arange(len(single))
        self.fam = fam
        self.nf = first + len(single)
        self.fam_kind = np.repeat(np.array([0, 1, 2], dtype=np.int8), [kinds[0], kinds[1], len(single)])
        self.fam_unit = np.empty(self.nf, dtype=np.int64)
        self.fam_unit[fam] = unit
        self.fam_has_children_2024 = self.fam_kind == 0
        self.eldest_birth = np.full(self.nf, 9999, dtype=np.int64)
        np.minimum.at(self.eldest_birth, fam, birth_year.astype(np.int64))
        self.fam_kidx = self.area_kidx[self.unit_range[self.fam_unit, 0]]
        self.report.counts["persons_2024_0_38"] = int(n)

    def immigrants(self) -> None:
        rng = self.rng
        share = cal.immigrant_share_15_29()
        national = float(share.median())
        muni_share = share.reindex(self.munis).fillna(national).to_numpy()
        kidx_p = self.p_kidx
        nf = self.nf
        # Age on arrival for those who came after childhood began (a model parameter).
        as_child = rng.random(nf) < P.IMM_ADULT_ARRIVAL_AGE["child"][0]
        lo = np.where(as_child, P.IMM_ADULT_ARRIVAL_AGE["child"][1], P.IMM_ADULT_ARRIVAL_AGE["adult"][1])
        hi = np.where(as_child, P.IMM_ADULT_ARRIVAL_AGE["child"][2], P.IMM_ADULT_ARRIVAL_AGE["adult"][2])
        age_at = lo + (rng.random(nf) * (hi - lo + 1)).astype(np.int64)
        # Families with children, and sibling groups of grown-ups: an immigrant family with a probability tied
        # to the municipality's share; the whole family arrives in one year.
        p_fam = np.minimum(P.IMM_FAMILY_FACTOR * muni_share[self.fam_kidx], P.IMM_FAMILY_CAP)
        imm_fam = (rng.random(nf) < p_fam) & (self.fam_kind < 2)
        arrival = np.full(nf, -9999, dtype=np.int64)
        off = rng.normal(*P.IMM_ARRIVAL_OFFSET, nf).round().astype(np.int64)
        when = np.where(self.fam_kind == 0, self.eldest_birth + 1 + off, self.eldest_birth + 1 + age_at)
        arrival[imm_fam] = np.clip(when[imm_fam], P.IMM_EARLIEST_ARRIVAL, P.LAST_YEAR)
        # Young adults 18–25 on their own: immigrants drawn so that 15–29 matches SSB 13563 (2024) per municipality.
        single = self.fam_kind[self.fam] == 2
        young = (self.age24 >= 15) & (self.age24 <= 29)
        pick = np.zeros(self.n, dtype=bool)
        pre = imm_fam[self.fam] & (self.birth_year + 1 < arrival[self.fam])
        for k in range(len(self.munis)):
            in_k = kidx_p == k
            target = round(muni_share[k] * (in_k & young).sum()) - int((in_k & young & pre).sum())
            pool = np.flatnonzero(in_k & single & young)
            pick[rng.choice(pool, size=min(max(target, 0), len(pool)), replace=False)] = True
        fs = self.fam[pick]
        imm_fam[fs] = True
        arrival[fs] = np.clip(self.eldest_birth[fs] + 1 + age_at[fs], P.IMM_EARLIEST_ARRIVAL, P.LAST_YEAR)
        # Category: born abroad (arrived after birth) = immigrant; born here to immigrant parents = NBIP.
        cat = np.zeros(self.n, dtype=np.int8)
        in_imm = imm_fam[self.fam]
        born_abroad = in_imm & (self.birth_year + 1 < arrival[self.fam])
        cat[in_imm] = 2
        cat[born_abroad] = 1
        arr_p = np.where(born_abroad, arrival[self.fam], -9999)
        nbip = single & ~in_imm & (rng.random(self.n) < P.NBIP_ADULT_FACTOR * muni_share[kidx_p])
        cat[nbip] = 2
        imm_fam[self.fam[nbip]] = True
        arrival[self.fam[nbip]] = self.birth_year[nbip] - 2   # the parents came before the child was born
        # Those who came at 17 or older came alone; a family whose members all came alone has no parents here.
        alone = born_abroad & (arr_p - 1 - self.birth_year >= 17)
        not_alone = np.zeros(nf, dtype=bool)
        not_alone[self.fam[~alone]] = True
        self.fam_alone = ~not_alone
        arrival[self.fam_alone] = 99999
        self.cat, self.arrival, self.fam_imm, self.fam_arrival = cat, arr_p, imm_fam, arrival
        self.alone_immigrant = alone

    def parents(self) -> None:
        rng = self.rng
        nf = self.nf
        ai = self.muni_area_index[self.fam_kidx]
        latent = rng.normal(0, 1, nf) + P.EDU_AREA_EFFECT * ai + P.EDU_IMMIGRANT_SHIFT * self.fam_imm
        edu = np.searchsorted(np.array(P.EDU_CUTPOINTS), latent).astype(np.int8)
        unknown_p = np.where(self.fam_imm, P.P_EDU_UNKNOWN["immigrant"], P.P_EDU_UNKNOWN["other"])
        edu[rng.random(nf) < unknown_p] = -1
        no_parents = self.fam_alone
        edu[no_parents] = -1
        single = rng.random(nf) < P.P_SINGLE_PARENT
        mother_only = single & (rng.random(nf) < P.P_SINGLE_PARENT_IS_MOTHER)
        has_mother = ~no_parents & (~single | mother_only)
        has_father = ~no_parents & (~single | ~mother_only)
        step = rng.choice(3, size=nf, p=list(P.SECOND_PARENT_STEP_DOWN))
        first_is_mother = rng.random(nf) < 0.5
        other = np.where(edu >= 0, np.maximum(edu - step, 0), -1).astype(np.int8)
        self.mother_edu = np.where(first_is_mother | ~has_father, edu, other)
        self.father_edu = np.where(first_is_mother & has_mother, other, edu)
        eldest = np.where(self.eldest_birth > 3000, 2000, self.eldest_birth)
        mage = np.clip(rng.normal(*P.MOTHER_AGE_AT_FIRST_BIRTH, nf), 18, 45)
        fgap = rng.normal(*P.FATHER_AGE_GAP, nf)
        mb = (eldest - mage) * 365.25 + rng.random(nf) * 365
        fb = mb - np.clip(fgap, -5, 15) * 365.25
        epoch = np.datetime64("1970-01-01")
        self.mother_birth = epoch + (mb - 1970 * 365.25).astype("timedelta64[D]")
        self.father_birth = epoch + (fb - 1970 * 365.25).astype("timedelta64[D]")
        self.fam_edu, self.single, self.has_mother, self.has_father = edu, single, has_mother, has_father
        self.n_parents = has_mother.astype(np.int8) + has_father.astype(np.int8)
        self.ses = SES_SCORE[np.where(edu < 0, 4, edu)]

    # -- households, moves, residence ----------------------------------------------------------------------
    def households(self) -> None:
        rng = self.rng
        n, nf = self.n, self.nf
        leave_age = rng.choice(list(P.LEAVE_HOME_AGE), size=n, p=list(P.LEAVE_HOME_AGE.values()))
        leave = self.birth_year.astype(np.int64) + 1 + leave_age
        leave = np.where(self.alone_immigrant, self.arrival, leave)
        leave[self.age24 <= 17] = 99999
        self.leave = leave
        own = leave <= P.LAST_YEAR
        self.own_hh = np.full(n, -1, dtype=np.int64)
        self.own_hh[own] = nf + np.arange(own.sum())
        self.nh = nf + int(own.sum())
        # 2024 location of each household.
        loc24 = np.empty(self.nh, dtype=np.int64)
        loc24[self.own_hh[own]] = self._draw_area(self.unit_range[self.unit[own]])
        # Family home: the children's cell; for a young adult still at home, theirs; else (mostly) the same
        # municipality as the young adult or anywhere.
        fu = self.fam_unit
        fam_loc = self._draw_area(self.unit_range[fu])
        gone = np.zeros(nf, dtype=bool)
        gone[self.fam[own]] = True
        anywhere = gone & (rng.random(nf) >= P.P_PARENTS_IN_OWN_2024_MUNICIPALITY)
        all_range = np.tile([0, len(self.area_cum)], (int(anywhere.sum()), 1))
        fam_loc[anywhere] = self._draw_area(all_range)
        same_muni = gone & ~anywhere
        fam_loc[same_muni] = self._draw_area(self.muni_range[self.area_kidx[fam_loc[same_muni]]])
        loc24[:nf] = fam_loc
        # Moves, followed backwards in time.
        loc = np.empty((self.nh, NY), dtype=np.int32)
        loc[:, -1] = loc24
        move_p = np.r_[np.full(nf, P.MOVE_PROB["family"]), np.full(self.nh - nf, P.MOVE_PROB["own"])]
        scope_p = np.cumsum([P.MOVE_SCOPE["municipality"], P.MOVE_SCOPE["county"]])
        for j in range(NY - 2, -1, -1):
            cur = loc[:, j + 1].astype(np.int64)
            moved = np.flatnonzero(rng.random(self.nh) < move_p)
            scope = np.searchsorted(scope_p, rng.random(len(moved)))
            ranges = np.where(scope[:, None] == 0, self.muni_range[self.area_kidx[cur[moved]]],
                              np.where(scope[:, None] == 1, self.county_range[self.area_cidx[cur[moved]]],
                                       np.array([0, len(self.area_cum)])))
            new = cur.copy()
            new[moved] = self._draw_area(ranges)
            loc[:, j] = new
        self.loc = loc
        self.report.counts["households"] = int(self.nh)

    def residence(self) -> None:
        """Person-years: present on 1 January, aged 0–29."""
        years = np.array(P.YEARS)
        by = self.birth_year.astype(np.int64)[:, None]
        age = years[None, :] - 1 - by
        present = (age >= 0) & (age <= P.MAX_AGE) & (years[None, :] >= self.arrival[:, None])
        pi, yi = np.nonzero(present)
        self.py_person = pi.astype(np.int32)
        self.py_year = yi.astype(np.int8)                  # index into YEARS
        self.py_age = age[pi, yi].astype(np.int8)
        at_home = years[yi] < self.leave[pi]
        self.py_hh = np.where(at_home, self.fam[pi], self.own_hh[pi])
        self.py_area = self.loc[self.py_hh, yi]
        in_register = np.zeros(self.n, dtype=bool)
        in_register[pi] = True
        self.in_register = in_register
        self.report.counts["persons"] = int(in_register.sum())
        self.report.counts["person_years"] = len(pi)

    # -- income, housing, social assistance ------------------------------------------------------------
    def income(self) -> None:
        rng = self.rng
        nf, nh = self.nf, self.nh
        years = np.array(P.YEARS)
        # Household-years that exist: a family from arrival until the last child leaves; an own household
        # from leaving home.
        last_home = np.full(nf, -1, dtype=np.int64)
        np.maximum.at(last_home, self.fam, np.minimum(self.leave - 1, P.LAST_YEAR))
        exists = np.zeros((nh, NY), dtype=bool)
        exists[:nf] = (years[None, :] >= self.fam_arrival[:, None]) & (years[None, :] <= last_home[:, None])
        own = np.flatnonzero(self.own_hh >= 0)
        exists[self.own_hh[own]] = years[None, :] >= self.leave[own][:, None]
        # Consumption units (EU scale): 1 for the first adult, 0.5 for each further person aged 14 or more,
        # 0.3 for each child under 14 (register children at home, parents, a partner).
        n14 = np.zeros((nh, NY), dtype=np.int16)
        nu14 = np.zeros((nh, NY), dtype=np.int16)
        cell = self.py_hh.astype(np.int64) * NY + self.py_year
        n14 += np.bincount(cell, weights=self.py_age >= 14, minlength=nh * NY).reshape(nh, NY).astype(np.int16)
        nu14 += np.bincount(cell, weights=self.py_age < 14, minlength=nh * NY).reshape(nh, NY).astype(np.int16)
        del cell
        adults = np.zeros((nh, NY), dtype=np.int16)
        adults[:nf] = self.n_parents[:, None]
        age_own = years[None, :] - 1 - self.birth_year[own][:, None].astype(np.int64)
        partner = rng.random((len(own), NY)) < _step(P.P_COHABITING, age_own)
        adults[self.own_hh[own]] = partner
        # n14 counts the own-household person themself; family households count parents separately.
        persons = adults + n14 + nu14
        cu = consumption_units(adults + n14, nu14)
        self.exists, self.cu, self.hh_persons = exists, cu, persons
        # Log income per consumption unit: year level + household components.
        ai = np.r_[self.muni_area_index[self.fam_kidx], np.zeros(nh - nf)]
        edu_fx = np.array([P.INCOME_EDU_EFFECT[lvl] for lvl in P.EDUCATION_LEVELS] + [P.INCOME_EDU_EFFECT[None]])
        fam_edu = np.where(self.fam_edu < 0, 4, self.fam_edu)
        base = np.zeros((nh, NY))
        base[:nf] = (edu_fx[fam_edu] + P.INCOME_SINGLE_PARENT_EFFECT * self.single)[:, None]
        base[self.own_hh[own]] = 0.3 * edu_fx[fam_edu[self.fam[own]]][:, None] + _step(P.INCOME_YOUNG_OWN_EFFECT, age_own)
        base += (P.INCOME_AREA_EFFECT * ai)[:, None]
        arr = np.r_[self.fam_arrival, self.arrival[own]]
        imm = np.r_[self.fam_imm & (self.fam_arrival > -9000), self.cat[own] == 1]
        since = np.maximum(years[None, :] - arr[:, None], 0)
        base += np.where(imm[:, None], P.INCOME_IMMIGRANT_EFFECT * np.exp(-since / P.INCOME_IMMIGRANT_CATCHUP_YEARS), 0)
        base += np.log(P.INCOME_MEDIAN_2015) + P.INCOME_GROWTH * (years - Y0)[None, :]
        z = rng.normal(0, 1, nh)[:, None]
        eps = rng.normal(0, P.INCOME_TRANSITORY_SD, (nh, NY))
        self._income_base, self._income_z, self._income_eps = base, z, eps
        target = cal.TARGETS["low_income_persistent_0_17_2021_2023"].value
        sd = _bisect(lambda s: self._persistent_low_share(s, 2023), target, 0.02, 1.5, n=30)
        self.report.parameters["income_permanent_sd"] = round(sd, 4)
        self.income_total = self._income(sd)
        achieved = self._persistent_low_share(sd, 2023)
        self.report.calibration["low_income_persistent_0_17_2021_2023"] = {"target": target, "generator": achieved}
        del self._income_eps, self._plow_cache

    def _income(self, sd: float) -> np.ndarray:
        eq = np.exp(self._income_base + sd * self._income_z + self._income_eps)
        return np.where(self.exists, np.round(eq * self.cu), 0).astype(np.int64)

    def eq_income(self, income_total: np.ndarray) -> np.ndarray:
        """Whole kroner per consumption unit, as the derivation computes it: floor(income / units)."""
        return np.floor(income_total / self.cu).astype(np.int64)

    def _persistent_low_share(self, sd: float, year: int) -> float:
        """Share of children 0–17 in `year` in persistent low income, computed as the derivation does."""
        j = year - Y0
        if getattr(self, "_plow_cache", (None,))[0] != year:
            rows = self.py_year == j
            hh = self.py_hh[rows]
            has3 = self.exists[:, j - 2:j + 1].all(axis=1)
            ok = has3[hh]
            used, inv = np.unique(hh[ok], return_inverse=True)
            self._plow_cache = (year, used, inv, (self.py_age[rows] <= 17)[ok],
                                self._income_base[used, j - 2:j + 1], self._income_z[used],
                                self._income_eps[used, j - 2:j + 1], self.cu[used, j - 2:j + 1])
        _, used, inv, child, base, z, eps, cu = self._plow_cache
        eq = np.floor(np.round(np.exp(base + sd * z + eps) * cu) / cu)
        s3 = eq.sum(axis=1)[inv]
        med = np.median(s3)
        return float((s3[child] < 0.6 * med).mean())

    def low_income_flags(self) -> None:
        """Annual and persistent low income per household-year (generator's view, used by other outcomes)."""
        eq = self.eq_income(self.income_total)
        nh = self.nh
        annual_low = np.zeros((nh, NY), dtype=bool)
        quint = np.zeros(len(self.py_hh), dtype=np.int8)
        for j in range(NY):
            rows = np.flatnonzero(self.py_year == j)
            e = eq[self.py_hh[rows], j]
            med = np.median(e)
            annual_low[:, j] = self.exists[:, j] & (eq[:, j] < 0.6 * med)
            srt = np.sort(e)
            quint[rows] = (5 * np.searchsorted(srt, e, side="left")) // len(e) + 1
        self.eq, self.annual_low, self.py_quintile = eq, annual_low, quint
        # A family's income level: mean log income per unit relative to the national median (for risks).
        logeq = np.log(np.maximum(eq, 1))
        med = np.median(logeq[self.exists])
        mean = np.where(self.exists, logeq, 0).sum(1) / np.maximum(self.exists.sum(1), 1)
        self.hh_rel_income = mean - med
        self.fam_low = (self.hh_rel_income[:self.nf] < np.log(0.6))

    def housing(self) -> None:
        rng = self.rng
        nh, nf = self.nh, self.nf
        kidx = self.area_kidx[self.loc]
        city = self.city[kidx]
        imm = np.r_[self.fam_imm, np.zeros(nh - nf, dtype=bool)]
        rel = self.hh_rel_income[:, None]
        p = _logistic(P.CROWDED_INTERCEPT + P.CROWDED_INCOME * rel + P.CROWDED_IMMIGRANT * imm[:, None]
                      + P.CROWDED_CITY * city + P.CROWDED_PER_PERSON * (self.hh_persons - 3))
        # One draw per household and dwelling: a new draw after each move.
        u = rng.random((nh, NY))
        moved = np.c_[np.ones(nh, dtype=bool), self.loc[:, 1:] != self.loc[:, :-1]]
        first = np.zeros((nh, NY), dtype=np.int64)
        first[moved] = np.nonzero(moved)[1]
        first = np.maximum.accumulate(first, axis=1)
        u = u[np.arange(nh)[:, None], first]
        crowded = u < p
        persons = np.maximum(self.hh_persons, 1).astype(np.int64)
        # Rooms and floor area consistent with SSB's definition of crowding (see the derivation).
        r = rng.random((nh, NY))
        rooms = np.where(crowded, np.maximum(persons - 1 - (r < 0.3), 1), persons + (r < 0.6) + (r < 0.2))
        rooms = np.where(crowded & (persons == 1), 1, rooms)
        per = np.where(crowded, 12 + 12 * rng.random((nh, NY)), 26 + 30 * rng.random((nh, NY)))
        area = np.round(per * persons).astype(np.int64)
        self.rooms, self.area_m2, self.crowded = rooms, area, crowded

    def social_assistance(self) -> None:
        rng = self.rng
        nh = self.nh
        years = np.array(P.YEARS)
        arr = np.r_[self.fam_arrival, self.arrival[self.own_hh >= 0]]
        recent = (years[None, :] - arr[:, None] < 5) & (arr[:, None] > -9000)
        p = _logistic(P.SOCIAL_ASSISTANCE_INTERCEPT + P.SOCIAL_ASSISTANCE_LOW_INCOME * self.annual_low
                      + P.SOCIAL_ASSISTANCE_RECENT_IMMIGRANT * recent - 0.8 * np.minimum(self.hh_rel_income, 1)[:, None])
        self.sa = self.exists & (rng.random((nh, NY)) < p)

    # -- kindergarten --------------------------------------------------------------------------------------
    def kindergarten(self) -> None:
        rng = self.rng
        rows = np.flatnonzero((self.py_age >= 1) & (self.py_age <= 5))
        per = self.py_person[rows]
        y = self.py_year[rows]
        young = self.py_age[rows] <= 2
        immbg = self.cat[per] > 0
        fixed = (P.KINDERGARTEN_LOW_INCOME * (self.py_quintile[rows] == 1)
                 + P.KINDERGARTEN_EDU_BASIC * (self.fam_edu[self.fam[per]] == 0))
        cover = cal.kindergarten_coverage()
        sel = y == NY - 1
        b12, bimm, alpha = P.KINDERGARTEN_AGE_1_2, P.KINDERGARTEN_IMMIGRANT, 2.5

        def p(a, b1, bi, yg=young, im=immbg, fx=fixed):
            return _logistic(a + b1 * yg + bi * im + fx)

        t_all = cal.TARGETS["kindergarten_1_5_2024"].value
        t35 = cal.TARGETS["kindergarten_3_5_2024"].value
        gap = cal.TARGETS["kindergarten_3_5_minority_gap_2024"].value
        # 2024 only, sliced once: all children, the 3–5-year-olds, and those by background.
        s_all = (young[sel], immbg[sel], fixed[sel])
        o = sel & ~young
        s_old = (young[o], immbg[o], fixed[o])
        s_imm = (young[o & immbg], immbg[o & immbg], fixed[o & immbg])
        s_nat = (young[o & ~immbg], immbg[o & ~immbg], fixed[o & ~immbg])
        # (a gap is calibrated only where the sample has children on both sides of it)
        fit_age = len(s_old[0]) > 0 and len(s_old[0]) < len(s_all[0])
        fit_imm = len(s_imm[0]) > 0 and len(s_nat[0]) > 0
        for _ in range(12):  # coordinate-wise: level, the 1–2 gap, the immigrant gap (all in 2024)
            alpha = _bisect(lambda a, b1=b12, bi=bimm: p(a, b1, bi, *s_all).mean(), t_all, -5, 10, n=30)
            if fit_age:
                b12 = _bisect(lambda b, a=alpha, bi=bimm: p(a, b, bi, *s_all).mean() - p(a, b, bi, *s_old).mean(),
                              t_all - t35, -8, 4, n=30)
            if fit_imm:
                bimm = -_bisect(lambda b, a=alpha, b1=b12: p(a, b1, -b, *s_nat).mean() - p(a, b1, -b, *s_imm).mean(),
                                gap, -4, 8, n=30)
        old = o
        alphas = {P.LAST_YEAR: alpha}
        for j, year in enumerate(P.YEARS[:-1]):
            m = y == j
            sl = (young[m], immbg[m], fixed[m])
            alphas[year] = _bisect(lambda a, sl=sl: p(a, b12, bimm, *sl).mean(), float(cover[year]), -5, 10, n=30)
        a = np.array([alphas[yr] for yr in P.YEARS])[y]
        attend = rng.random(len(rows)) < p(a, b12, bimm)
        self.kg_rows = rows[attend]
        self.report.parameters.update({"kindergarten_age_1_2": round(b12, 4), "kindergarten_immigrant": round(bimm, 4)})
        prob = p(a, b12, bimm)
        self.report.calibration["kindergarten_1_5_2024"] = {"target": t_all, "generator": float(prob[sel].mean())}
        self.report.calibration["kindergarten_3_5_2024"] = {"target": t35, "generator": float(prob[old].mean())}

    # -- child welfare -------------------------------------------------------------------------------------
    def child_welfare(self) -> None:
        rng = self.rng
        c = P.CW_RISK
        fam_risk = (c["ses"] * self.ses + c["single_parent"] * self.single + c["low_income"] * self.fam_low
                    + c["family_sd"] * rng.normal(0, 1, self.nf))
        risk = fam_risk[self.fam] + c["child_sd"] * rng.normal(0, 1, self.n)
        self.cw_risk = risk
        target = cal.child_welfare_share()
        prev = np.zeros(self.n, dtype=bool)
        placed_prev = np.zeros(self.n, dtype=bool)
        out = {k: [] for k in ("row", "report", "investigated", "in_home", "placement")}
        ever = np.full(self.n, 99999, dtype=np.int64)   # first register year with a measure
        for j, year in enumerate(P.YEARS):
            rows = np.flatnonzero((self.py_year == j) & (self.py_age <= 17))
            per = self.py_person[rows]
            lin = P.CW_RISK_SLOPE * risk[per] + P.CW_PERSISTENCE * prev[per] + _step(P.CW_AGE_EFFECT, self.py_age[rows])
            alpha = _bisect(lambda a, lin=lin: _logistic(a + lin).mean(), float(target[year]), -15, 5)
            m = rng.random(len(rows)) < _logistic(alpha + lin)
            new = m & ~prev[per]
            stay = placed_prev[per] & m & (rng.random(len(rows)) < P.CW_PLACEMENT[2])
            placed = stay | (m & ~placed_prev[per] & (rng.random(len(rows)) < _logistic(P.CW_PLACEMENT[0]
                                                                                       + P.CW_PLACEMENT[1] * risk[per])))
            reported = (new & (rng.random(len(rows)) < P.CW_NEW_REPORTED)) | (
                ~m & (rng.random(len(rows)) < _logistic(P.CW_REPORT_ONLY[0] + P.CW_REPORT_ONLY[1] * risk[per])))
            investigated = reported & (new | (rng.random(len(rows)) < P.CW_INVESTIGATED_GIVEN_REPORT))
            anyrec = m | reported
            for k, v in (("row", rows), ("report", reported), ("investigated", investigated),
                         ("in_home", m & ~placed), ("placement", placed)):
                out[k].append(v[anyrec])
            prev[:] = False
            placed_prev[:] = False
            prev[per[m]] = True
            placed_prev[per[placed]] = True
            ever[per[m]] = np.minimum(ever[per[m]], year)
        self.cw = {k: np.concatenate(v) for k, v in out.items()}
        self.cw_first = ever

    # -- school ------------------------------------------------------------------------------------------
    def school(self) -> None:
        rng = self.rng
        a = P.ABILITY
        per = np.arange(self.n)
        start = self.birth_year.astype(np.int64) + 16          # upper secondary starts that autumn
        arrival_age = self.arrival - self.birth_year - 1
        cw_by_start = self.cw_first <= start
        ability = (a["ses"] * self.ses[self.fam] + a["low_income"] * self.fam_low[self.fam]
                   + a["immigrant_late"] * ((self.cat == 1) & (arrival_age > 6))
                   + a["immigrant_early"] * ((self.cat == 1) & (arrival_age <= 6))
                   + a["nbip"] * (self.cat == 2) + a["child_welfare"] * cw_by_start + a["male"] * self.male
                   + rng.normal(0, a["sd"], self.n))
        ability = (ability - ability.mean()) / ability.std()
        self.ability = ability
        years = set(P.YEARS)

        def present(year):
            return (self.in_register & (year >= self.arrival) & np.isin(year, list(years))
                    & (year - 1 - self.birth_year >= 0) & (year - 1 - self.birth_year <= P.MAX_AGE))

        # National reading test, grade 5: autumn of the year the pupil turns 10.
        ty = self.birth_year.astype(np.int64) + 10
        took = present(ty)
        cuts = np.quantile(ability[took], np.cumsum(P.READING_LEVEL_SHARES)[:-1])
        self.test_rows = per[took]
        self.test_year = ty[took]
        self.test_level = (np.searchsorted(cuts, ability[took]) + 1).astype(np.int8)
        # Lower-secondary points: spring of the year the pupil turns 16.
        has = present(start) & (rng.random(self.n) >= P.P_NO_POINTS)
        pts = np.clip(P.POINTS_MEAN + P.POINTS_SD * ability[has], P.POINTS_MIN, P.POINTS_MAX)
        self.points_rows, self.points_year, self.points = per[has], start[has], np.round(pts, 1)
        # Upper secondary: start, completion within five years (calibrated: overall, and with child welfare).
        started = present(start) & (rng.random(self.n) < P.P_START_UPPER_SECONDARY)
        cohorts = started & (start <= P.LAST_YEAR - 5)
        cw = cw_by_start
        tgt_all = cal.TARGETS["upper_secondary_completion"].value
        tgt_cw = cal.TARGETS["upper_secondary_completion_child_welfare"].value
        lin = P.COMPLETION_ABILITY * ability
        bcw, c0 = P.COMPLETION_CW, 1.5
        lc, cwc, lcw = lin[cohorts], cw[cohorts], lin[cohorts & cw]
        for _ in range(12):
            c0 = _bisect(lambda x, b=bcw: _logistic(x + lc + b * cwc).mean(), tgt_all, -6, 8, n=30)
            if len(lcw):   # a small sample may have nobody with child-welfare measures in these cohorts
                bcw = _bisect(lambda b, c=c0: _logistic(c + lcw + b).mean(), tgt_cw, -8, 4, n=30)
        prob = _logistic(c0 + lin + bcw * cw)
        within5 = rng.random(self.n) < prob
        later = ~within5 & (rng.random(self.n) < P.P_COMPLETE_LATER)
        dur = np.where(within5, rng.choice(list(P.COMPLETION_YEARS), self.n, p=list(P.COMPLETION_YEARS.values())),
                       np.where(later, 6 + (rng.random(self.n) < 0.5), 99))
        done = start + dur
        self.vgo_rows, self.vgo_start = per[started], start[started]
        self.vgo_done = np.where(done[started] <= P.LAST_YEAR, done[started], -1)
        self.completed_year = np.where(started & (done <= P.LAST_YEAR), done, 99999)
        self.started = started
        self.report.parameters.update({"completion_intercept": round(c0, 4), "completion_child_welfare": round(bcw, 4)})
        self.report.calibration["upper_secondary_completion"] = {"target": tgt_all,
                                                                 "generator": float(prob[cohorts].mean())}
        self.report.calibration["upper_secondary_completion_child_welfare"] = {
            "target": tgt_cw, "generator": float(prob[cohorts & cw].mean())}
        self.report.calibration["upper_secondary_completion_no_child_welfare"] = {
            "target": cal.TARGETS["upper_secondary_completion_no_child_welfare"].value,
            "generator": float(prob[cohorts & ~cw].mean())}

    # -- NEET --------------------------------------------------------------------------------------------
    def neet(self) -> None:
        rng = self.rng
        w = dict(P.NEET_WEIGHTS)
        rows = np.flatnonzero(self.py_age >= 15)
        per = self.py_person[rows]
        year = np.array(P.YEARS)[self.py_year[rows]]
        age = self.py_age[rows]
        band = np.where(age <= 19, 0, np.where(age <= 24, 1, 2))
        kidx = self.area_kidx[self.py_area[rows]]
        edu_fx = np.array([w["edu"][lvl] for lvl in P.EDUCATION_LEVELS] + [w["edu"][None]])
        fam_edu = self.fam_edu[self.fam[per]]
        start = self.birth_year[per].astype(np.int64) + 16
        not_done = (year >= start + 4) & (self.completed_year[per] >= year)
        cw = self.cw_first[per] <= year
        noise = rng.normal(0, w["sd"], self.n)[per]
        fixed = edu_fx[np.where(fam_edu < 0, 4, fam_edu)] + w["not_completed"] * not_done + w["child_welfare"] * cw + noise
        imm = self.cat[per] == 1
        male = self.male[per]
        tg = cal.neet_targets()
        tg = tg[tg["kommune"].isin(self.munis)]
        share = np.zeros((len(self.munis), NY))
        share[pd.Categorical(tg["kommune"], categories=self.munis).codes, tg["year"].to_numpy() - Y0] = tg["share"]
        group = kidx.astype(np.int64) * NY + (year - Y0)
        n_group = np.bincount(group, minlength=len(self.munis) * NY)
        k_group = np.round(share.ravel() * n_group).astype(np.int64)
        coef = np.array([w["age_15_19"], w["age_20_24"], w["age_25_29"], w["male"], w["immigrant"]])
        targets = np.array([cal.TARGETS[k].value for k in ("neet_15_19_2024", "neet_20_24_2024", "neet_25_29_2024",
                                                           "neet_male_2024", "neet_immigrant_2024")])
        u = rng.random(len(rows))
        by_year = [np.flatnonzero(year == yr) for yr in P.YEARS]
        last = by_year[-1]
        masks = [band[last] == 0, band[last] == 1, band[last] == 2, male[last], imm[last]]

        def simulate(cf):
            prev = np.zeros(self.n, dtype=bool)
            neet = np.zeros(len(rows), dtype=bool)
            for idx in by_year:
                lw = (cf[band[idx]] + cf[3] * male[idx] + cf[4] * imm[idx] + fixed[idx]
                      + w["previous_year"] * prev[per[idx]])
                key = np.log(u[idx]) / np.exp(lw)
                sel = _group_ranks(group[idx], key) < k_group[group[idx]]
                neet[idx] = sel
                prev[:] = False
                prev[per[idx[sel]]] = True
            return neet

        for _ in range(6):  # rake the national 2024 margins: age bands, sex, immigrants
            neet = simulate(coef)
            got = np.array([neet[last][m].mean() if m.any() else np.nan for m in masks])
            ok = got > 0     # a margin with nobody (or no NEET) in a small sample keeps its starting weight
            step = np.zeros(len(coef))
            step[ok] = np.log(targets[ok] / got[ok]) * np.array([1, 1, 1, 1.5, 1.2])[ok]
            coef = coef + step
            coef[:3] -= coef[0]
        neet = simulate(coef)
        got = np.array([neet[last][m].mean() for m in masks])
        for name, t, g in zip(("neet_15_19_2024", "neet_20_24_2024", "neet_25_29_2024", "neet_male_2024",
                               "neet_immigrant_2024"), targets, got):
            self.report.calibration[name] = {"target": float(t), "generator": float(g)}
        self.report.parameters.update({f"neet_{k}": round(float(v), 4) for k, v in
                                       zip(("age_15_19", "age_20_24", "age_25_29", "male", "immigrant"), coef)})
        self.neet_rows = rows[neet]

    # -- output ------------------------------------------------------------------------------------------
    def write(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        years = np.array(P.YEARS, dtype=np.int16)
        keep = self.in_register
        idx = np.flatnonzero(keep)
        # One identity per person and per parent that exists, all drawn together (no number used twice).
        nf = self.nf
        m_ok, f_ok = self.has_mother, self.has_father
        nm, nfa = int(m_ok.sum()), int(f_ok.sum())
        births = np.concatenate([self.birth_date[idx], self.mother_birth[m_ok], self.father_birth[f_ok]])
        numbers = fnrlib.synthetic(births, self.rng)       # persons, then mothers, then fathers
        pos = np.full(self.n, -1, dtype=np.int64)
        pos[idx] = np.arange(len(idx))
        mother_pos = np.full(nf, -1, dtype=np.int64)
        mother_pos[m_ok] = len(idx) + np.arange(nm)
        father_pos = np.full(nf, -1, dtype=np.int64)
        father_pos[f_ok] = len(idx) + nm + np.arange(nfa)

        def ids(positions):
            positions = np.asarray(positions, dtype=np.int64)
            return numbers.take(pa.array(positions, mask=positions < 0))

        fam = self.fam[idx]
        cat = np.array(IMM_CODES, dtype=object)[self.cat[idx]]
        arrival = np.where(self.cat[idx] == 1, self.arrival[idx], -1)
        self._write(out, "population", {
            "fnr": ids(pos[idx]), "birth_date": self.birth_date[idx],
            "sex": np.where(self.male[idx], "male", "female"), "immigrant_category": cat,
            "arrival_year": pa.array(arrival, mask=arrival < 0, type=pa.int16()),
            "mother_fnr": ids(mother_pos[fam]), "father_fnr": ids(father_pos[fam])})
        levels = np.array(list(P.EDUCATION_LEVELS) + [None], dtype=object)
        pe = np.r_[self.mother_edu[m_ok], self.father_edu[f_ok]]
        self._write(out, "education", {"fnr": ids(len(idx) + np.arange(nm + nfa)),
                                       "highest_level": levels[np.where(pe < 0, 4, pe)]})
        a = self.areas_df
        area = self.py_area
        self._write(out, "residence", {
            "fnr": ids(pos[self.py_person]), "year": years[self.py_year],
            "kommune": pa.DictionaryArray.from_arrays(area, pa.array(a["kommune"].tolist())).cast(pa.string()),
            "bydel": pa.array([b or None for b in a["bydel"]], type=pa.string()).take(pa.array(area)),
            "levekarssone": pa.array([z if isinstance(z, str) else None for z in a["zone"]],
                                     type=pa.string()).take(pa.array(area)),
            "household_id": self.py_hh.astype(np.int64)})
        hi, yi = np.nonzero(self.exists)
        self._write(out, "household_income", {"household_id": hi.astype(np.int64), "year": years[yi],
                                              "income_after_tax": self.income_total[hi, yi],
                                              "consumption_units": np.round(self.cu[hi, yi], 2)})
        self._write(out, "housing", {"household_id": hi.astype(np.int64), "year": years[yi],
                                     "persons": self.hh_persons[hi, yi].astype(np.int16),
                                     "rooms": self.rooms[hi, yi].astype(np.int16),
                                     "area_m2": self.area_m2[hi, yi].astype(np.int32)})
        # Social assistance: the recipient is a parent (mother if there is one) or the young adult.
        sh, sy = np.nonzero(self.sa)
        fam_sa = sh < nf
        own_person = np.full(self.nh, -1, dtype=np.int64)
        own_person[self.own_hh[self.own_hh >= 0]] = np.flatnonzero(self.own_hh >= 0)
        famh = np.minimum(sh, nf - 1)
        recip = np.where(fam_sa, np.where(self.has_mother[famh], mother_pos[famh], father_pos[famh]),
                         pos[own_person[sh]])
        ok = recip >= 0
        self._write(out, "social_assistance", {"fnr": ids(recip[ok]), "year": years[sy[ok]],
                                               "months": (1 + self.rng.integers(0, 12, ok.sum())).astype(np.int8)})
        kr = self.kg_rows
        self._write(out, "kindergarten", {"fnr": ids(pos[self.py_person[kr]]), "year": years[self.py_year[kr]]})
        self._write(out, "national_tests", {"fnr": ids(pos[self.test_rows]), "year": self.test_year.astype(np.int16),
                                            "grade": np.full(len(self.test_rows), 5, dtype=np.int8),
                                            "subject": np.full(len(self.test_rows), "reading", dtype=object),
                                            "mastery_level": self.test_level})
        self._write(out, "lower_secondary", {"fnr": ids(pos[self.points_rows]), "year": self.points_year.astype(np.int16),
                                             "points": self.points})
        self._write(out, "upper_secondary", {
            "fnr": ids(pos[self.vgo_rows]), "start_year": self.vgo_start.astype(np.int16),
            "completed_year": pa.array(self.vgo_done, mask=self.vgo_done < 0, type=pa.int16())})
        nr = self.neet_rows
        self._write(out, "neet", {"fnr": ids(pos[self.py_person[nr]]), "year": years[self.py_year[nr]]})
        cw = self.cw
        r = cw["row"]
        self._write(out, "child_welfare", {"fnr": ids(pos[self.py_person[r]]), "year": years[self.py_year[r]],
                                           "reported": cw["report"], "investigated": cw["investigated"],
                                           "in_home_measure": cw["in_home"], "placement": cw["placement"]})

    def _write(self, out: Path, name: str, columns: dict) -> None:
        table = pa.table({k: v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v)
                          for k, v in columns.items()})
        pq.write_table(table, out / f"{name}.parquet", compression="zstd", row_group_size=1 << 20)
        self.report.counts[name] = table.num_rows


STEPS = ("areas", "persons", "immigrants", "parents", "households", "residence", "income", "low_income_flags",
         "housing", "social_assistance", "kindergarten", "child_welfare", "school", "neet")


def generate(out: Path | None = None, *, seed: int = 20250, municipalities: Iterable[str] | None = None,
             progress: Callable[[str, int, int], None] | None = None) -> Report:
    """Generate the synthetic registers into `<out>/raw/` (default OPPVEKST_HOME/microdata) and return a report.

    `municipalities` limits the population to those 2024 municipalities (for tests and samples); the
    default is the whole country. Writing is all or nothing: files go to a temporary folder first.
    """
    import shutil
    import time

    started = time.perf_counter()
    base = out or microdata_dir()
    target = raw_dir(base)
    tmp = base / "raw.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    total = len(STEPS) + 1

    def tick(name: str, i: int) -> None:
        if progress:
            progress(name, i, total)

    gen = _Generator(seed, municipalities, lambda s: None)
    for i, step in enumerate(STEPS):
        tick(step, i)
        getattr(gen, step)()
    tick("write", len(STEPS))
    try:
        gen.write(tmp)
        gen.report.seconds = time.perf_counter() - started
        (tmp / "manifest.json").write_text(json.dumps(gen.report.to_json(), indent=2, ensure_ascii=False))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    tick("done", total)
    return gen.report
