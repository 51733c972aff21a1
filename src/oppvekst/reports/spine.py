"""The barometer ("spine") chart: each indicator's value against the range across all municipalities.

Per row, the national value is the black tick in the middle; the grey bar spans all municipalities
(light: the whole range, dark: the middle half); the area's value is a dot coloured by its barometer
class. The scale is symmetric around the national value (the largest distance to the lowest or highest
municipality, or to the area) and flipped where higher is worse, so that "better" is always to the
right. Neutral indicators are not flipped (right = higher).

Drawn as plain SVG here rather than through Vega-Lite: it is rectangles, ticks, dots and labels, and
vl-convert needs ~0.3-1 s per chart of this size, too slow for 357 PDFs (benchmarks/pdf_bench.py).
Sparklines for the tables are drawn the same way.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from oppvekst.compare.barometer import CLASS_COLOURS, CLASS_NAMES

CLASS_ORDER = ("better", "same", "worse", "not_assessed")
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def positions(rows: list[dict]) -> pd.DataFrame:
    """Chart coordinates (0..1, national at 0.5) for profile rows; NaN where there is nothing to draw."""
    out = []
    for i, r in enumerate(rows):
        sp = r.get("spine") or {}
        base = {"order": i, "label": r["label"], "cls": r.get("cls", "not_assessed"), "has_data": r.get("has_data", False),
                "value_text": fmt(r.get("value"), r.get("unit")), "synthetic": bool(r.get("synthetic") and r.get("has_data"))}
        centre = sp.get("national") if sp.get("national") is not None else sp.get("median")
        if not r.get("has_data") or centre is None or sp.get("min") is None or r.get("value") is None:
            out.append({**base, "pos": np.nan, "lo": np.nan, "hi": np.nan, "q1": np.nan, "q3": np.nan})
            continue
        dist = max(abs(sp["max"] - centre), abs(centre - sp["min"]), abs(r["value"] - centre), 1e-12)
        flip = r.get("polarity") == "higher_worse"

        def pos(v, centre=centre, dist=dist, flip=flip):
            p = 0.5 + (v - centre) / (2 * dist)
            return float(np.clip(1 - p if flip else p, 0, 1))
        lo, hi = sorted((pos(sp["min"]), pos(sp["max"])))
        q1, q3 = sorted((pos(sp["p25"]), pos(sp["p75"])))
        out.append({**base, "pos": pos(r["value"]), "lo": lo, "hi": hi, "q1": q1, "q3": q3})
    return pd.DataFrame(out)


def fmt(v, unit=None, decimals: int = 1) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    text = f"{v:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return f"{text} %" if unit == "prosent" else text


def svg(themes: list[dict], *, title: str = "Barometer", label_width: int = 250, plot_width: int = 330,
        value_width: int = 80) -> str:
    """The spine chart of a profile (profile['themes']) as an SVG string."""
    row_h, head_h, top = 19, 26, 26
    width = label_width + plot_width + value_width + 10
    x0 = label_width + 10
    parts: list[str] = []
    y = top
    parts.append(f'<text x="{x0}" y="14" font-size="10" fill="#555">◄ dårligst</text>')
    parts.append(f'<text x="{x0 + plot_width}" y="14" font-size="10" fill="#555" text-anchor="end">best ►</text>')
    parts.append(f'<text x="{x0 + plot_width + 8}" y="14" font-size="10" fill="#555">verdi</text>')
    for t in themes:
        df = positions(t["rows"])
        parts.append(f'<text x="0" y="{y + 17}" font-size="13" font-weight="bold" fill="#005b82">'
                     f'{escape(t.get("name_nb", t.get("theme", "")))}</text>')
        y += head_h
        for r in df.itertuples():
            cy = y + row_h / 2
            label = escape(r.label) + (" *" if r.synthetic else "")
            parts.append(f'<text x="{label_width}" y="{cy + 4}" font-size="11" text-anchor="end">{label}</text>')
            if np.isnan(r.pos):
                parts.append(f'<text x="{x0 + plot_width / 2}" y="{cy + 4}" font-size="10" fill="#888" '
                             f'text-anchor="middle" font-style="italic">ingen data</text>')
            else:
                def px(v):
                    return x0 + v * plot_width
                parts.append(f'<rect x="{px(r.lo):.1f}" y="{cy - 5.5:.1f}" width="{max(px(r.hi) - px(r.lo), 1):.1f}" '
                             f'height="11" fill="#e3e3e3"/>')
                parts.append(f'<rect x="{px(r.q1):.1f}" y="{cy - 5.5:.1f}" width="{max(px(r.q3) - px(r.q1), 1):.1f}" '
                             f'height="11" fill="#a9a9a9"/>')
                parts.append(f'<line x1="{px(0.5):.1f}" x2="{px(0.5):.1f}" y1="{cy - 8:.1f}" y2="{cy + 8:.1f}" '
                             f'stroke="black" stroke-width="2"/>')
                colour = CLASS_COLOURS.get(r.cls, CLASS_COLOURS["not_assessed"])
                name = CLASS_NAMES.get(r.cls, CLASS_NAMES["not_assessed"])[0]
                parts.append(f'<circle cx="{px(r.pos):.1f}" cy="{cy:.1f}" r="5.5" fill="{colour}" stroke="black" '
                             f'stroke-width="0.7" data-class="{r.cls}"><title>{escape(r.label)}: {escape(r.value_text)} '
                             f'({escape(name)})</title></circle>')
            parts.append(f'<text x="{x0 + plot_width + 8}" y="{cy + 4}" font-size="11">{escape(r.value_text)}</text>')
            y += row_h
        y += 4
    y += 8
    lx = x0 - 120
    for c in CLASS_ORDER:
        name = CLASS_NAMES[c][0]
        parts.append(f'<circle cx="{lx + 6}" cy="{y + 6}" r="5.5" fill="{CLASS_COLOURS[c]}" stroke="black" stroke-width="0.7"/>')
        parts.append(f'<text x="{lx + 15}" y="{y + 10}" font-size="10.5">{escape(name)}</text>')
        lx += 15 + 7 * len(name) + 14
    y += 16
    parts.append(f'<text x="0" y="{y + 10}" font-size="9.5" fill="#555">Svart strek: landet. Grå: spennet mellom kommunene '
                 f'(mørk: midterste halvdel). * syntetiske data.</text>')
    height = y + 16
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="spine" role="img" aria-labelledby="spine-title" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FONT}">'
            f'<title id="spine-title">{escape(title)}</title>' + "".join(parts) + "</svg>")


def sparkline(series: list[dict], national: list[dict] | None = None, *, width: int = 90, height: int = 24,
              colour: str = "#005b82") -> str:
    """A tiny trend line (with its 95 % band) for a table cell; the national series dashed grey."""
    pts = [s for s in series if s.get("value") is not None]
    if len(pts) < 2:
        return ""
    nat = [s for s in (national or []) if s.get("value") is not None]
    vals = [s["value"] for s in pts] + [s["ci_low"] for s in pts if s.get("ci_low") is not None] \
        + [s["ci_high"] for s in pts if s.get("ci_high") is not None] + [s["value"] for s in nat]
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    years = [s["year"] for s in pts] + [s["year"] for s in nat]
    y0, y1 = min(years), max(years)
    yspan = (y1 - y0) or 1

    def xy(year, v):
        return (2 + (year - y0) / yspan * (width - 4), 2 + (1 - (v - lo) / span) * (height - 4))
    band = [s for s in pts if s.get("ci_low") is not None and s.get("ci_high") is not None]
    parts = []
    if len(band) >= 2:
        upper = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(s["year"], s["ci_high"]) for s in band))
        lower = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(s["year"], s["ci_low"]) for s in reversed(band)))
        parts.append(f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.18"/>')
    if len(nat) >= 2:
        parts.append('<polyline fill="none" stroke="#777" stroke-dasharray="2,2" stroke-width="1" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(s["year"], s["value"]) for s in nat)) + '"/>')
    parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="'
                 + " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(s["year"], s["value"]) for s in pts)) + '"/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="Utvikling {pts[0]["year"]}–{pts[-1]["year"]}">'
            + "".join(parts) + "</svg>")


def bar(row: dict, *, width: int = 200, height: int = 14) -> str:
    """One row of the spine chart as a text-free SVG (for tables; labels are table cells)."""
    df = positions([row])
    r = df.iloc[0]
    if np.isnan(r["pos"]):
        return ""
    def px(v):
        return 3 + v * (width - 6)
    cy = height / 2
    colour = CLASS_COLOURS.get(r["cls"], CLASS_COLOURS["not_assessed"])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="spine-bar" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(CLASS_NAMES.get(r["cls"], ("",))[0])}">'
            f'<rect x="{px(r["lo"]):.1f}" y="{cy - 4.5:.1f}" width="{max(px(r["hi"]) - px(r["lo"]), 1):.1f}" height="9" fill="#e3e3e3"/>'
            f'<rect x="{px(r["q1"]):.1f}" y="{cy - 4.5:.1f}" width="{max(px(r["q3"]) - px(r["q1"]), 1):.1f}" height="9" fill="#a9a9a9"/>'
            f'<line x1="{px(0.5):.1f}" x2="{px(0.5):.1f}" y1="0" y2="{height}" stroke="black" stroke-width="1.6"/>'
            f'<circle cx="{px(r["pos"]):.1f}" cy="{cy:.1f}" r="4.6" fill="{colour}" stroke="black" stroke-width="0.6"/>'
            "</svg>")


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round tick values inside [lo, hi] (steps of 1, 2 or 5 × 10^k), as close to n of them as possible."""
    span = hi - lo
    if not span > 0:
        return [lo]
    mag = 10 ** np.floor(np.log10(span / n))
    candidates = [np.arange(np.ceil(lo / (m * mag)) * m * mag, hi + 1e-9 * span, m * mag) for m in (1, 2, 5, 10)]
    best = min(candidates, key=lambda t: (len(t) < 2, abs(len(t) - n), len(t)))
    return [float(v) for v in best]


def small_multiples(panels: list[dict], area: str, *, columns: int = 3, width: int = 190, height: int = 90,
                    colour: str = "#005b82") -> str:
    """One small panel per indicator over time, the area (line, 95 % band) against the country (dashed).

    panels: [{"label", "series": [{year, value, ci_low, ci_high}], "national": [{year, value}]}]. Plain,
    flat SVG with few text nodes: the Vega-Lite chart it replaces in the PDF cost ~0.25 s per profile
    (vl-convert plus WeasyPrint drawing ~60 labels in nested groups), this one a few hundredths.
    Each panel has its own y scale; all share the years on the x axis.
    """
    if not panels:
        return ""
    left, gap, title_h, axis_h = 30, 22, 16, 14
    cell_w, cell_h = left + width + gap, title_h + height + axis_h + 8
    years = [s["year"] for p in panels for s in p["series"] + p["national"]]
    y0, y1 = min(years), max(years)
    yspan = (y1 - y0) or 1
    step = max(1, round(yspan / 4))
    rows_n = -(-len(panels) // columns)
    parts: list[str] = []
    for i, p in enumerate(panels):
        ox, oy = (i % columns) * cell_w + left, (i // columns) * cell_h
        pts = [s for s in p["series"] if s.get("value") is not None]
        nat = [s for s in p["national"] if s.get("value") is not None]
        band = [s for s in pts if s.get("ci_low") is not None and s.get("ci_high") is not None]
        vals = [s["value"] for s in pts + nat] + [s["ci_low"] for s in band] + [s["ci_high"] for s in band]
        lo, hi = min(vals), max(vals)
        pad = (hi - lo) * 0.05 or abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
        top = oy + title_h

        def xy(year, v, ox=ox, top=top, lo=lo, hi=hi):
            return ox + (year - y0) / yspan * width, top + (1 - (v - lo) / (hi - lo)) * height
        parts.append(f'<text x="{ox + width / 2:.1f}" y="{oy + 11}" font-size="10.5" text-anchor="middle">'
                     f'{escape(p["label"])}</text>')
        grid = []
        ticks = _ticks(lo, hi)
        decimals = max(0, int(-np.floor(np.log10(ticks[1] - ticks[0]) + 1e-9))) if len(ticks) > 1 else 1
        for v in ticks:
            _, gy = xy(y0, v)
            grid.append(f"M{ox:.1f},{gy:.1f}h{width}")
            parts.append(f'<text x="{ox - 3:.1f}" y="{gy + 3:.1f}" font-size="8.5" fill="#555" text-anchor="end">'
                         f'{fmt(v, decimals=decimals)}</text>')
        parts.append(f'<path d="{"".join(grid)}M{ox:.1f},{top + height:.1f}h{width}" stroke="#ddd" stroke-width="0.7"/>')
        if i // columns == rows_n - 1 or i + columns >= len(panels):
            for yr in range(y0, y1 + 1, step):
                parts.append(f'<text x="{xy(yr, lo)[0]:.1f}" y="{top + height + 11}" font-size="8.5" fill="#555" '
                             f'text-anchor="middle">{yr}</text>')
        if len(band) >= 2:
            ring = [xy(s["year"], s["ci_high"]) for s in band] + [xy(s["year"], s["ci_low"]) for s in reversed(band)]
            parts.append(f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in ring)}" fill="{colour}" '
                         f'fill-opacity="0.18"/>')
        if len(nat) >= 2:
            parts.append('<polyline fill="none" stroke="#555" stroke-dasharray="3,2" stroke-width="1.2" points="'
                         + " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(s["year"], s["value"]) for s in nat)) + '"/>')
        if len(pts) >= 2:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="'
                         + " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(s["year"], s["value"]) for s in pts)) + '"/>')
        elif pts:
            x, y = xy(pts[0]["year"], pts[0]["value"])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>')
    total_w = columns * cell_w - gap
    ly = rows_n * cell_h + 6
    parts.append(f'<path d="M{left},{ly}h18" stroke="{colour}" stroke-width="1.6"/>'
                 f'<text x="{left + 23}" y="{ly + 3.5}" font-size="9.5">{escape(area)} (95 % KI skravert)</text>'
                 f'<path d="M{left + 230},{ly}h18" stroke="#555" stroke-width="1.2" stroke-dasharray="3,2"/>'
                 f'<text x="{left + 253}" y="{ly + 3.5}" font-size="9.5">Landet</text>')
    total_h = ly + 10
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="small-multiples" width="{total_w}" height="{total_h}" '
            f'viewBox="0 0 {total_w} {total_h}" font-family="{FONT}" role="img" '
            f'aria-label="Utvikling over tid: {escape(area)} og landet">' + "".join(parts) + "</svg>")
