"""The main job: build the warehouse from the bundled data (regions, catalogue, one release per source).

Orchestration lives here, above the capability packages, so that `warehouse` never imports `indicators`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from oppvekst import regions
from oppvekst.indicators import neet, population
from oppvekst.indicators.catalogue import catalogue
from oppvekst.warehouse.store import Warehouse

# (name, source description, derivation) for every bundled release
BUNDLED = [
    ("neet_15_29", "SSB 13556 (bundled extract, 2008–2024)", lambda: neet.derive()[0]),
    ("population", "SSB 07459 (2019, 2023, 2024), SSB 10826 (2024), FHI csdata (2025–2026)", population.derive),
]


@dataclass
class BuildReport:
    releases: list[tuple[str, int | None, int]] = field(default_factory=list)  # name, release id, rows
    regions: int = 0
    indicators: int = 0
    measures: int | None = None


def build(warehouse: Warehouse, progress: Callable[[str], None] = lambda step: None, *,
          seed_evidence: bool = True) -> BuildReport:
    """Regions, the catalogue, one release per bundled source; with `seed_evidence` also the content database's
    part: the evidence base's seed content and the ASSS self-reports."""
    report = BuildReport()
    progress("regions")
    table = regions.regions_2024()
    warehouse.replace_regions(table)
    report.regions = len(table)
    progress("indicator catalogue")
    inds = [i.model_dump() for i in catalogue().values()]
    warehouse.replace_indicators(inds)
    report.indicators = len(inds)
    for name, source, derive in BUNDLED:
        progress(name)
        obs = derive()
        rel = warehouse.load_release(obs, source=source, description=f"bundled: {name}")
        report.releases.append((name, rel.id if rel else None, len(obs)))
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
