"""A scenario as PDF for the council (WeasyPrint): the results' tables, every input with its source, the own
assumptions and unconfirmed figures listed, and the conventions stated, from the same run as every view."""

from __future__ import annotations

import html

from oppvekst.economics.model import ScenarioResults
from oppvekst.economics.montecarlo import MonteCarloResults
from oppvekst.formatting import nb_number

LEVEL_NB = {"kommune": "Kommune", "fylkeskommune": "Fylkeskommune", "stat": "Stat", "total": "I alt",
            "samfunn": "Samfunnet"}


def _e(v) -> str:
    return html.escape("" if v is None else str(v))


def _n(v, d: int = 0) -> str:
    return nb_number(v, d) if isinstance(v, (int, float)) or v is None else _e(v)


def _table(head: list[str], rows: list[list[str]], tid: str) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table id='{tid}'><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _status(f: dict) -> str:
    if f.get("own_assumption"):
        return "egen antakelse"
    return "ubekreftet" if f.get("confirmed") is False else "kilde"


def to_html(res: ScenarioResults, mc: MonteCarloResults | None = None, trial: dict | None = None) -> str:
    sc, conv = res.scenario, res.conventions
    out = [f"<h1>{_e(sc.name)}</h1>",
           (f"<p>{_n(sc.size)} deltakere, {sc.horizon} år fra alder {sc.start_age}, faste {sc.price_year}-kroner. "
            f"Effekt: {_e(sc.effect.conversion)}; fall i sannsynligheten for utfallet δ = {_n(res.delta, 4)}.</p>")]
    summary = res.summary_frame().reset_index()
    out += ["<h2>Netto nåverdi per nivå</h2>", _table(
        ["visning", "nivå", "kostnader (nv)", "gevinster (nv)", "netto nåverdi", "nytte/kostnad", "break-even δ",
         "tilbakebetalt år"],
        [[_e(r.view), _e(LEVEL_NB.get(r.level, r.level)), _n(r.pv_costs), _n(r.pv_benefits), _n(r.npv),
          _n(r.bcr, 2), _n(r.break_even_delta, 4), _n(r.payback_year)] for r in summary.itertuples()], "summary")]
    who = res.who_pays().reset_index()
    out += ["<h2>Hvem betaler, hvem vinner</h2>", _table(
        ["nivå", "kostnader (nv)", "besparelser (nv)", "netto nåverdi", "rolle", "kompensasjon", "netto etter"],
        [[_e(LEVEL_NB[r.level]), _n(r.pv_costs), _n(r.pv_savings), _n(r.npv), _e(r.role), _n(r.transfer),
          _n(r.npv_after)] for r in who.itertuples()], "who-pays")]
    if not res.compensation["feasible"]:
        out.append(f"<p>{_e(res.compensation['note'])}</p>")
    if mc is not None:
        ms = mc.summary_frame().reset_index(names="series")
        out += [f"<h2>Usikkerhet: Monte Carlo ({_n(mc.draws)} trekk, frø {_e(mc.seed)})</h2>",
                (f"<p>Sannsynligheten for at nytten overstiger kostnaden, i alt: "
                 f"<strong>{_n(mc.prob_positive['total'] * 100, 1)} %</strong></p>"),
                _table(["serie", "P(NPV > 0)", "5 %", "median", "95 %"],
                       [[_e(r.series), _n(r.p_positive, 3), _n(r.q5), _n(r.q50), _n(r.q95)]
                        for r in ms.itertuples()], "mc")]
    if trial is not None:
        out += [f"<h2>Forsøk {_e(trial['trial'])}: kan det avgjøre om tiltaket lønner seg?</h2>",
                f"<p id='trial'>{_e(trial['text'])}</p>"]
    out += ["<h2>Alle inndata med kilde</h2>", _table(
        ["inndata", "verdi", "enhet", "kilde", "utgave", "prisår", "status"],
        [[_e(f.get("name")), _e(f.get("value")), _e(f.get("unit")), _e(f.get("source") or "–"),
          _e(f.get("edition")), _e(f.get("price_year")), _e(_status(f))] for f in sc.figures], "inputs")]
    for title, figs in (("Egne antakelser (ikke fra en kilde)", sc.own_assumptions),
                        ("Ubekreftede tall", sc.unconfirmed)):
        items = "".join(f"<li>{_e(f['name'])}: {_e(f.get('value'))} {_e(f.get('note') or '')}</li>" for f in figs)
        out += [f"<h2>{title}</h2>", f"<ul>{items}</ul>" if figs else "<p>Ingen.</p>"]
    out += ["<h2>Konvensjoner</h2>", "<ul>",
            f"<li>Priser: faste {sc.price_year}-kroner; nominelt = {_e(conv['nominal'])}.</li>",
            f"<li>Budsjettvisningen: én oppgitt rente {_n(conv['budget_rate'] * 100, 2)} %, {_e(conv['budget_timing'])}.</li>",
            *([f"<li>Samfunnsvisningen: {_e(conv['societal'])}; {_e(conv['societal_timing'])}.</li>"]
              if conv["societal_timing"] else []),
            f"<li>δ: {_e(conv['delta'])}.</li>",
            "<li>Nytte/kostnad som WSIPP: nytte delt på netto kostnad; udefinert når tiltaket ikke koster noe.</li>",
            "</ul>"]
    out += [f"<p class='note'>{_e(n)}</p>" for n in [*sc.notes, *sc.effect.notes]]
    style = ("body{font-family:sans-serif;font-size:9.5pt} table{border-collapse:collapse;width:100%}"
             "th,td{border-bottom:1px solid #ccc;text-align:left;vertical-align:top;padding:2px 4px}"
             "h2{font-size:12pt;margin-top:14pt} .note{color:#555}")
    return (f"<!doctype html><html lang='nb'><meta charset='utf-8'><title>{_e(sc.name)}</title><style>{style}</style>"
            f"<body>{''.join(out)}</body></html>")


def to_pdf(res: ScenarioResults, mc: MonteCarloResults | None = None, trial: dict | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(res, mc, trial)).write_pdf()
