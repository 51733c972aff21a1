"""Forest plot of a meta-analysis: an Altair (Vega-Lite) spec, rendered server-side to SVG with
vl-convert so it needs no JavaScript or CDN and can go into PDFs too. `forest_rows` gives the same
numbers as a table (the accessible alternative)."""

from __future__ import annotations

import math

import altair as alt

from oppvekst.evidence.meta import MetaResult
from oppvekst.evidence.vocab import EFFECT_MEASURES, RATIO_MEASURES


def _fmt(value: float) -> str:
    return f"{value:.2f}".replace(".", ",").replace("-", "−")


def forest_rows(result: MetaResult) -> list[dict]:
    """One row per study plus the pooled estimate, on the reported scale (exp for OR/RR)."""
    from oppvekst.evidence.effects import z_crit

    z = z_crit(result.level)
    rows = []
    for label, y, v, w in zip(result.labels, result.yi, result.vi, result.weights):
        half = z * math.sqrt(v)
        rows.append({
            "label": label, "kind": "study", "estimate": result.natural(y),
            "ci_low": result.natural(y - half), "ci_high": result.natural(y + half), "weight": w,
        })
    rows.append({
        "label": f"Samlet ({result.method.upper()}{', HK' if result.hk else ''})", "kind": "pooled",
        "estimate": result.natural(result.estimate), "ci_low": result.natural(result.ci_low),
        "ci_high": result.natural(result.ci_high), "weight": 100.0,
        "pi_low": result.natural(result.pi_low) if result.method != "fe" and result.k > 2 else None,
        "pi_high": result.natural(result.pi_high) if result.method != "fe" and result.k > 2 else None,
    })
    for row in rows:
        row["text"] = f"{_fmt(row['estimate'])} [{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"
    return rows


def forest_chart(result: MetaResult, title: str | None = None) -> alt.Chart:
    rows = forest_rows(result)
    order = [r["label"] for r in rows]
    ratio = result.measure in RATIO_MEASURES
    term = EFFECT_MEASURES.get(result.measure)
    axis_title = term.nb if term else "Effekt / effect"
    x_scale = alt.Scale(type="log", zero=False) if ratio else alt.Scale(zero=False)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    base = alt.Chart(alt.Data(values=rows))
    height = 22 * len(rows) + 10

    ci = base.mark_rule(strokeWidth=1.5).encode(
        x=alt.X("ci_low:Q", scale=x_scale, title=axis_title), x2="ci_high:Q", y=y)
    studies = base.transform_filter(alt.datum.kind == "study").mark_square(color="#005b82").encode(
        x="estimate:Q", y=y, size=alt.Size("weight:Q", legend=None, scale=alt.Scale(range=[20, 260])),
        tooltip=["label:N", "text:N", alt.Tooltip("weight:Q", format=".1f", title="vekt %")])
    pooled = base.transform_filter(alt.datum.kind == "pooled").mark_point(
        shape="diamond", filled=True, size=320, color="#b03a2e").encode(x="estimate:Q", y=y)
    layers = [ci, studies, pooled]
    if rows[-1].get("pi_low") is not None:
        layers.append(base.transform_filter(alt.datum.kind == "pooled").mark_rule(
            strokeDash=[4, 3], color="#b03a2e").encode(x="pi_low:Q", x2="pi_high:Q", y=y))
    null_line = alt.Chart(alt.Data(values=[{"x": 1.0 if ratio else 0.0}])).mark_rule(
        color="#5b6b78", strokeDash=[2, 2]).encode(x="x:Q")
    plot = alt.layer(*layers, null_line).properties(width=380, height=height)
    text = base.mark_text(align="left", x=4).encode(
        y=alt.Y("label:N", sort=order, axis=None), text="text:N").properties(width=150, height=height)
    chart = alt.hconcat(plot, text).resolve_scale(y="shared").configure_view(stroke=None)
    return chart.properties(title=title) if title else chart


# d3-format has no Norwegian locale built in
_NB_LOCALE = {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", " kr"],
              "minus": "\u2212"}


def forest_svg(result: MetaResult, title: str | None = None) -> str:
    import vl_convert as vlc

    # no network: data is inline and no external URL is allowed
    return vlc.vegalite_to_svg(forest_chart(result, title).to_dict(), format_locale=_NB_LOCALE,
                               allowed_base_urls=[])
