"""The microdata pipeline end to end: link (if needed), derive, check the calibration, load the release."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from oppvekst import regions
from oppvekst.errors import InputError
from oppvekst.indicators.catalogue import catalogue
from oppvekst.microdata import calibration as cal
from oppvekst.microdata import derive as dv
from oppvekst.microdata import link as lk
from oppvekst.microdata.pseudonym import load_key
from oppvekst.microdata.synth import microdata_dir
from oppvekst.warehouse import Release, Warehouse

SOURCE = "Syntetiske registre (oppvekst synth → derive) / synthetic registers"


@dataclass
class Result:
    observations: pd.DataFrame
    calibration: pd.DataFrame
    release: Release | None = None
    linked: bool = False
    seconds: dict[str, float] = field(default_factory=dict)


def needs_link(base: Path, key: bytes) -> bool:
    """True when the linked files are missing, older than the raw ones or made with another key."""
    raw_m, linked_m = base / "raw" / "manifest.json", lk.linked_dir(base) / "manifest.json"
    if not raw_m.exists():
        raise InputError("no synthetic registers: run `oppvekst synth` first", file=str(raw_m))
    if not linked_m.exists() or linked_m.stat().st_mtime < raw_m.stat().st_mtime:
        return True
    return json.loads(linked_m.read_text(encoding="utf-8")).get("key_id") != lk.key_id(key)


def calibration_check(obs: pd.DataFrame, cw_split: pd.DataFrame | None = None) -> pd.DataFrame:
    """Derived national figures next to the calibration targets (shares, not per cent)."""
    nat = obs[(obs["region"] == "0")]

    def get(ind, year, **dims):
        sel = nat[(nat["indicator"] == ind) & (nat["period_to"] == year)]
        for dim in ("sex", "age", "background", "ses"):
            want = dims.get(dim)
            sel = sel[sel[dim] == want] if want is not None else sel[sel[dim].isin(["all", dv.SPEC_BY_ID[ind].age])]
        if len(sel) != 1:
            return float("nan")
        return float(sel["numerator"].iloc[0] / sel["denominator"].iloc[0])

    rows = [
        ("low_income_persistent_0_17_2021_2023", get("low_income_persistent_0_17_syn", 2023)),
        ("kindergarten_1_5_2024", get("kindergarten_1_5_syn", 2024)),
        ("kindergarten_3_5_2024", get("kindergarten_1_5_syn", 2024, age="3-5")),
        ("upper_secondary_completion", _pooled(nat, "upper_secondary_completion_syn")),
        ("neet_15_29_2023", get("neet_15_29_syn", 2023)),
        ("neet_15_19_2024", get("neet_15_29_syn", 2024, age="15-19")),
        ("neet_20_24_2024", get("neet_15_29_syn", 2024, age="20-24")),
        ("neet_25_29_2024", get("neet_15_29_syn", 2024, age="25-29")),
        ("neet_female_2024", get("neet_15_29_syn", 2024, sex="female")),
        ("neet_male_2024", get("neet_15_29_syn", 2024, sex="male")),
        ("neet_immigrant_2024", get("neet_15_29_syn", 2024, background="immigrant")),
    ]
    cw_share = cal.child_welfare_share()
    rows += [(f"child_welfare_measures_0_17_{y}", get("child_welfare_measures_0_17_syn", y)) for y in cw_share.index]
    if cw_split is not None:
        by = cw_split.set_index("measure")
        rows += [("upper_secondary_completion_child_welfare", by.loc[True, "completed"] / by.loc[True, "started"]),
                 ("upper_secondary_completion_no_child_welfare", by.loc[False, "completed"] / by.loc[False, "started"])]
    out = []
    for name, derived in rows:
        if name.startswith("child_welfare_measures_0_17_"):
            target, source = float(cw_share[int(name[-4:])]), f"FHI statistikk tabell 337 (bundled), {name[-4:]}"
        else:
            target, source = cal.TARGETS[name].value, cal.TARGETS[name].source
        out.append({"target_name": name, "target": target, "derived": derived, "difference": derived - target,
                    "source": source})
    return pd.DataFrame(out)


def _pooled(nat: pd.DataFrame, ind: str) -> float:
    sel = nat[(nat["indicator"] == ind) & (nat["sex"] == "all") & (nat["background"] == "all") & (nat["ses"] == "all")
              & (nat["age"] == "all")]
    return float(sel["numerator"].sum() / sel["denominator"].sum())


def run(base: Path | None = None, *, engine: str = "duckdb", load: bool = True, warehouse: Warehouse | None = None,
        progress: Callable[[str], None] = lambda step: None, session=None) -> Result:
    """Link if needed, derive every synthetic indicator, compare with the targets, load one synthetic release."""
    base = base or microdata_dir()
    key = load_key()
    seconds: dict[str, float] = {}
    linked = False
    t0 = time.perf_counter()
    if needs_link(base, key):
        lk.link(base, key=key, progress=lambda s: progress(f"kobler / linking: {s}"), engine=engine, session=session)
        linked = True
        seconds["link"] = time.perf_counter() - t0
    progress(f"beregner / deriving ({engine})")
    t1 = time.perf_counter()
    con = dv.connect(engine, session)
    try:
        agg = dv.run(con, lk.linked_dir(base))
        cw_split = con.execute(dv.completion_by_child_welfare(dv.read_tables(con, lk.linked_dir(base))))
    finally:
        if engine == "duckdb":
            con.disconnect()
    obs = dv.observations(agg)
    seconds["derive"] = time.perf_counter() - t1
    result = Result(observations=obs, calibration=calibration_check(obs, cw_split), linked=linked, seconds=seconds)
    if load:
        progress("laster / loading")
        t2 = time.perf_counter()
        manifest = json.loads((lk.linked_dir(base) / "manifest.json").read_text(encoding="utf-8"))
        if not manifest.get("synthetic"):
            raise InputError("the linked registers are not marked synthetic; refusing to load them as such",
                             file=str(lk.linked_dir(base) / "manifest.json"), field="synthetic")
        own = warehouse is None
        wh = warehouse or Warehouse()
        try:
            if not wh.has_regions():
                wh.replace_regions(regions.regions_2024())
            wh.replace_indicators([i.model_dump() for i in catalogue().values()])
            n_munis = len(manifest.get("municipalities") or [])
            result.release = wh.load_release(
                obs, source=SOURCE, synthetic=True,
                description=(f"syntetiske data / synthetic data: seed {manifest.get('seed')}, {n_munis} kommuner, "
                             f"{manifest['counts'].get('residence', 0):,} personår, engine {engine}"))
        finally:
            if own:
                wh.close()
        seconds["load"] = time.perf_counter() - t2
    return result
