"""The main job: build the warehouse from the bundled data (regions, catalogue, one release per source).

The bundled releases come from the indicator catalogue: an indicator whose YAML names a `derivation`
and its `inputs` (data/catalogue.yaml names) is derived as `derivation(**{name: loaded file})`; the
indicators naming the same `release` are one release. Releases are loaded in catalogue order (by id).
Orchestration lives here, above the capability packages, so that `warehouse` never imports `indicators`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from oppvekst import regions
from oppvekst.errors import InputError
from oppvekst.indicators.catalogue import Indicator, catalogue, derivation_function
from oppvekst.sources import catalogue as bundled
from oppvekst.warehouse.store import Warehouse


@dataclass(frozen=True)
class BundledRelease:
    name: str
    source: str
    derivation: str                 # "package.module:function"
    inputs: tuple[str, ...]         # data catalogue names
    indicators: tuple[str, ...]     # the indicators it holds, as the catalogue declares them

    def derive(self) -> pd.DataFrame:
        obs = derivation_function(self.derivation)(**{name: bundled.load(name) for name in self.inputs})
        made = tuple(sorted(obs["indicator"].unique()))
        if made != self.indicators:  # a derivation may only fill the indicators that name it
            raise InputError(f"derivation {self.derivation} gives indicators {list(made)}, the catalogue "
                             f"declares {list(self.indicators)} for release {self.name!r}",
                             field="derivation")
        return obs


def bundled_releases(indicators: Mapping[str, Indicator] | None = None) -> list[BundledRelease]:
    """The releases the indicator catalogue declares, in catalogue order (the first indicator of each)."""
    groups: dict[str, list[Indicator]] = {}
    for ind in sorted((indicators if indicators is not None else catalogue()).values(), key=lambda i: i.id):
        if ind.release_name:
            groups.setdefault(ind.release_name, []).append(ind)
    out = []
    for name, members in groups.items():
        first = members[0]
        for other in members[1:]:
            if (other.derivation, other.inputs, other.release.source) != (
                    first.derivation, first.inputs, first.release.source):
                raise InputError(f"release {name!r}: derivation, inputs and source differ from "
                                 f"{first.id}.yaml", file=f"{other.id}.yaml", field="release")
        out.append(BundledRelease(name, first.release.source, first.derivation, tuple(first.inputs),
                                  tuple(sorted(m.id for m in members))))
    return out


@dataclass
class BuildReport:
    releases: list[tuple[str, int | None, int]] = field(default_factory=list)  # name, release id, rows
    regions: int = 0
    indicators: int = 0
    measures: int | None = None


def build(warehouse: Warehouse, progress: Callable[[str], None] = lambda step: None, *,
          seed_evidence: bool = True, indicators: Mapping[str, Indicator] | None = None) -> BuildReport:
    """Regions, the catalogue, one release per bundled source; with `seed_evidence` also the content database's
    part: the evidence base's seed content and the ASSS self-reports. `indicators` replaces the indicator
    catalogue (tests)."""
    cat = indicators if indicators is not None else catalogue()
    report = BuildReport()
    progress("regions")
    table = regions.regions_2024()
    warehouse.replace_regions(table)
    report.regions = len(table)
    progress("indicator catalogue")
    inds = [i.model_dump() for i in cat.values()]
    warehouse.replace_indicators(inds)
    report.indicators = len(inds)
    for rel_spec in bundled_releases(cat):
        progress(rel_spec.name)
        obs = rel_spec.derive()
        rel = warehouse.load_release(obs, source=rel_spec.source, description=f"bundled: {rel_spec.name}")
        report.releases.append((rel_spec.name, rel.id if rel else None, len(obs)))
    if seed_evidence:
        from oppvekst.evidence.seed import ensure_seeded

        progress("kunnskapsbase (evidence seed)")
        report.measures = ensure_seeded()
        # ASSS 1–10 as the municipalities reported them (content database), so the warehouse's history
        # has them too; pages read the newest reports live either way.
        from oppvekst.indicators import asss

        progress("ASSS egenrapportering (self-reports)")
        rel = asss.sync(warehouse)
        if rel is not None:
            report.releases.append(("asss_self_report", rel.id, rel.n_rows))
    return report
