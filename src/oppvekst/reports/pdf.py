"""Profiles as PDF for the council: HTML with SVG charts as images, printed by WeasyPrint.

The charts are plain SVG from reports.spine (spine bars, sparklines, small multiples), not Vega-Lite:
vl-convert and WeasyPrint's drawing of its nested, label-heavy SVG cost ~0.25 s per profile. The
tables dominate what is left; see the comment in templates/profile_pdf.html.

`batch` writes every municipality's PDF with a process pool: the national comparison (compare.Comparison)
is computed once in the parent and handed to each worker at start (without the raw observations); each
worker then renders its own charts and PDFs. Workers are spawned, not forked: the parent may hold
threads (DuckDB, vl-convert in the web app).
"""

from __future__ import annotations

import base64
import multiprocessing as mp
import re
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import jinja2
import pandas as pd

from oppvekst.compare.comparison import Comparison
from oppvekst.reports import spine
from oppvekst.reports.profile import profile as region_profile

TEMPLATES = Path(__file__).parent / "templates"
LEVEL_NAMES = {"kommune": "Kommune", "bydel": "Bydel", "fylke": "Fylke", "land": "Land"}
MAX_SERIES_PANELS = 6


def nb_number(value, decimals: int = 0) -> str:
    """Norwegian number format (as web.templating.nb_number; reports must not import web)."""
    if value is None or value != value:
        return "–"
    return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


_env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"]))
_env.filters["nb"] = nb_number


def series_panels(profile: dict, *, max_panels: int = MAX_SERIES_PANELS) -> list[dict]:
    """The indicators with a series (at least two periods) for the small multiples, the country beside."""
    panels = []
    for t in profile["themes"]:
        for r in t["rows"]:
            if r["has_data"] and len(r["series"]) >= 2 and len(panels) < max_panels:
                panels.append({"label": r["label"], "series": r["series"], "national": r.get("national_series") or []})
    return panels


def series_frame(profile: dict, *, max_panels: int = MAX_SERIES_PANELS) -> pd.DataFrame:
    """Long table for the Vega-Lite small multiples (web page): the area and the country per indicator."""
    name = profile["region"]["name"]
    return pd.DataFrame([{"label": p["label"], "year": s["year"], "value": s["value"], "ci_low": s.get("ci_low"),
                          "ci_high": s.get("ci_high"), "series": who}
                         for p in series_panels(profile, max_panels=max_panels)
                         for who, series in ((name, p["series"]), ("Landet", p["national"])) for s in series])


def profile_charts(profile: dict, *, max_panels: int = MAX_SERIES_PANELS) -> dict:
    """The profile's charts as SVG: the spine chart, the small multiples over time, a sparkline per row.

    All drawn as plain SVG (reports.spine), not through vl-convert: the batch prints 357 of them.
    """
    out: dict = {"spine": spine.svg(profile["themes"], title=f"Barometer for {profile['region']['name']}")}
    panels = series_panels(profile, max_panels=max_panels)
    out["series"] = spine.small_multiples(panels, profile["region"]["name"]) if panels else None
    out["sparklines"] = {r["id"]: spine.sparkline(r["series"], r.get("national_series"))
                         for t in profile["themes"] for r in t["rows"] if r["has_data"]}
    out["bars"] = {r["id"]: spine.bar(r) for t in profile["themes"] for r in t["rows"] if r["has_data"]}
    return out


def _natural_width(svg: str | None) -> str:
    """CSS width for an SVG image at its own size (1 px = 0.75 pt), never wider than the page."""
    m = re.search(r'width="([0-9.]+)', svg or "")
    return f"width:{float(m.group(1)) * 0.75:.0f}pt; max-width:100%" if m else "width:100%"


def _as_img(svg: str | None, css: str = "width:100%") -> str:
    """An SVG as an <img> data URI: WeasyPrint draws it without running the HTML cascade over its nodes."""
    if not svg:
        return ""
    return f'<img alt="" style="{css}" src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'


def asss_missing(profile: dict) -> list[tuple[str, list[str]]]:
    """ASSS indicators without data, by results-chain level in chain order: [(level name, ["1 Label", ...])]."""
    names = profile.get("chain_names", {})
    rows = sorted((r for r in profile.get("asss", []) if not r["has_data"]), key=lambda r: r.get("asss_number") or 0)
    groups = [(v["nb"], [f"{r['asss_number']} {r['label']}" for r in rows if r.get("chain_level") == k])
              for k, v in names.items()]
    other = [r["label"] for r in rows if r.get("chain_level") not in names]
    return [g for g in groups if g[1]] + ([("Uten nivå", other)] if other else [])


def profile_html(profile: dict, chart_svgs: dict) -> str:
    return _env.get_template("profile_pdf.html").render(p=profile, charts=chart_svgs, level_names=LEVEL_NAMES,
                                                        asss_missing=asss_missing(profile))


def profile_pdf(profile: dict, chart_svgs: dict) -> bytes:
    from weasyprint import HTML

    # the spine goes into the PDF as a table with one text-free bar per row: WeasyPrint lays out SVG
    # text slowly (~7 ms per label), HTML text fast
    imgs = {"series": _as_img(chart_svgs.get("series"), _natural_width(chart_svgs.get("series"))),
            "sparklines": {k: _as_img(v, "width:20mm") for k, v in (chart_svgs.get("sparklines") or {}).items()},
            "bars": {k: _as_img(v, "width:34mm") for k, v in (chart_svgs.get("bars") or {}).items()}}
    return HTML(string=profile_html(profile, imgs), base_url=str(TEMPLATES)).write_pdf()


def render(data: Comparison, code: str) -> bytes:
    """One region's profile as PDF, without the evidence base's measures (PDFs list none)."""
    profile = region_profile(data.for_region(code), with_measures=False)
    return profile_pdf(profile, profile_charts(profile))


# -- batch ---------------------------------------------------------------------------------------------

_worker_data: Comparison | None = None


def _init_worker(data: Comparison) -> None:
    global _worker_data
    _worker_data = data
    import weasyprint  # noqa: F401  (imported once per worker at start, not inside the first PDF)


def _work(code: str, out_dir: str) -> tuple[str, str, float]:
    assert _worker_data is not None
    cpu = time.process_time()
    path = Path(out_dir) / f"oppvekstprofil_{code}.pdf"
    path.write_bytes(render(_worker_data, code))
    return code, str(path), time.process_time() - cpu


def batch(data: Comparison, codes: list[str], out_dir: Path, *, workers: int = 2,
          progress: Callable[[str], None] = lambda code: None, cpu_seconds: list | None = None) -> list[Path]:
    """Write one PDF per region code into out_dir, `workers` processes; calls progress(code) per PDF.

    `cpu_seconds`, if given, receives the CPU time each PDF took in its worker (for the benchmark).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    cpu = cpu_seconds if cpu_seconds is not None else []
    if workers <= 1:
        _init_worker(data)
        for code in codes:
            _, path, seconds = _work(code, str(out_dir))
            paths.append(Path(path))
            cpu.append(seconds)
            progress(code)
        return paths
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(data.for_profiles(),)) as pool:
        futures = [pool.submit(_work, code, str(out_dir)) for code in codes]
        for fut in as_completed(futures):
            code, path, seconds = fut.result()
            paths.append(Path(path))
            cpu.append(seconds)
            progress(code)
    return paths
