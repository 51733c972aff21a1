"""`oppvekst economics ...`: Utenforregnskapet 2.0 on the command line (thin over oppvekst.economics)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console

from oppvekst.cli.core import JsonOpt, _fail, _print_json, _table
from oppvekst.errors import InputError

app = typer.Typer(help="Utenforregnskap: hva forebygging koster og sparer hvert forvaltningsnivå / social "
                       "investment calculator.", no_args_is_help=True)
console = Console()


def _status(f: dict) -> str:
    if f.get("own_assumption"):
        return "egen antakelse / own assumption"
    return "ubekreftet / unconfirmed" if f.get("confirmed") is False else "kilde / sourced"


def _figure_line(f: dict) -> str:
    """One line per input (a table would squeeze the source away in a narrow terminal); --json has all fields."""
    src = ", ".join(str(f[k]) for k in ("source", "edition") if f.get(k)) or "ingen kilde / no source"
    year = f" (prisår {f['price_year']})" if f.get("price_year") else ""
    return f"· {f.get('name')} = {f.get('value')} {f.get('unit') or ''} — {src}{year} [{_status(f)}]"


def _baselines(region: str | None, indicator: str | None):
    """The scenario's `from_warehouse` entries filled through the public door (opened only when needed)."""
    from oppvekst.economics import baselines

    if indicator is not None and region is None:
        raise InputError("--indicator trenger --region / --indicator needs --region", field="region")

    def prepare(data: dict) -> dict:
        if not baselines.needs_warehouse(data, region):
            return data
        from oppvekst.disclosure.door import open_statistics

        with open_statistics() as reader:
            return baselines.fill(data, reader, region=region, indicator=indicator)[0]
    return prepare


SUMMARY_COLS = {"level": "nivå", "pv_costs": "kostnad", "pv_benefits": "gevinst", "npv": "NPV",
                "bcr": "BCR", "break_even_delta": "Δ*", "payback_year": "år"}


@app.command("run")
def run_cmd(scenario: Path = typer.Argument(..., exists=True, dir_okay=False, help="Scenariet (YAML)"),
            draws: int = typer.Option(None, "--draws", help="Monte Carlo-trekk (f.eks. 10000)"),
            seed: int = typer.Option(None, "--seed", help="Frø for Monte Carlo (samme frø, samme svar)"),
            region: str = typer.Option(None, "--region", help="Kommunenummer: målgruppe og grunnrate fra lageret "
                                                              "(scenariets from_warehouse, eller --indicator)"),
            indicator: str = typer.Option(None, "--indicator", help="Indikator med teller og nevner, f.eks. "
                                                                    "neet_15_29 (med --region)"),
            trial: int = typer.Option(None, "--trial", help="Forsøksplan-id: break-even mot forsøkets MDES"),
            pdf: Path = typer.Option(None, "--pdf", dir_okay=False, help="Skriv scenariet som PDF til kommunestyret"),
            json_out: bool = JsonOpt) -> None:
    """Regn ut et scenario / run a scenario: NPV per level, BCR, break-even, payback, who pays."""
    from oppvekst.economics import load_scenario
    from oppvekst.economics.output import payload

    try:
        sc = load_scenario(scenario, prepare=_baselines(region, indicator))  # may import a cost profile file
        out, res, mc = payload(sc, draws, seed)
        check = None
        if trial is not None or sc.trial is not None:
            from oppvekst.economics.trial_link import for_trial

            check = for_trial(res, trial if trial is not None else sc.trial)
        out["trial_check"] = check
    except InputError as exc:
        _fail(exc)
    if pdf is not None:
        from oppvekst.economics.export import to_pdf

        pdf.write_bytes(to_pdf(res, mc, check))
    if json_out:
        _print_json(out)
        return
    if pdf is not None:
        console.print(f"PDF: {pdf}")
    console.print(f"[bold]{sc.name}[/bold]: {sc.size:g} deltakere, {sc.horizon} år fra alder {sc.start_age}, "
                  f"priser {sc.price_year}. Effekt: {sc.effect.conversion}; delta = {res.delta:.4g}")
    summary = res.summary_frame().reset_index()[list(SUMMARY_COLS)].rename(columns=SUMMARY_COLS)
    console.print(_table(summary, "Nåverdi / present values, NPV per nivå og samfunnet",
                         decimals={"BCR": 3, "Δ*": 4}))
    console.print("Δ* = break-even: fallet i sannsynligheten for utfallet der NPV = 0; år = tilbakebetalt "
                  "(diskontert) / the break-even fall in the outcome's probability; discounted payback year")
    who = res.who_pays().reset_index()[["level", "pv_costs", "pv_savings", "npv", "transfer", "npv_after"]]
    num = who.columns[1:]
    who[num] = who[num] + 0.0    # −0.0 (a zero share of the compensation) prints as 0
    console.print(_table(who.rename(columns={"level": "nivå", "pv_costs": "betaler", "pv_savings": "sparer",
                                             "transfer": "kompensasjon", "npv_after": "NPV etter"}),
                         "Hvem betaler, hvem vinner / who pays, who gains (nåverdi)"))
    if not res.compensation["feasible"]:
        console.print(f"· {res.compensation['note']}")
    conv = res.conventions
    console.print(f"Diskontering: budsjettrente {conv['budget_rate']:.2%}, {conv['budget_timing']}. "
                  f"Nominelt = {conv['nominal']}.")
    if mc is not None:
        mcs = mc.summary_frame().reset_index(names="serie")[["serie", "p_positive", "q5", "q50", "q95"]]
        console.print(_table(mcs.rename(columns={"p_positive": "P(NPV>0)"}),
                             f"Monte Carlo ({mc.draws} trekk, frø {mc.seed}): P(NPV > 0) og kvantiler",
                             decimals={"P(NPV>0)": 3}))
        tor = mc.tornado().reset_index()[["input", "low", "high", "npv_total_low", "npv_total_high"]]
        console.print(_table(tor, "Tornado: hva betyr mest / which inputs matter most", decimals={"low": 4, "high": 4}))
        for note in mc.notes:
            console.print(f"· {note}")
    if check is not None:
        console.print(f"[bold]Forsøk {check['trial']}:[/bold] {check['text']}", highlight=False)
    console.print("[bold]Alle inndata med kilde / every input with its source[/bold]")
    for f in sc.figures:
        console.print(_figure_line(f), markup=False, highlight=False)  # '[...]' is text here
    if sc.own_assumptions:
        console.print("[yellow]Egne antakelser / own assumptions:[/yellow] "
                      + ", ".join(f["name"] for f in sc.own_assumptions))
    if sc.unconfirmed:
        console.print("[yellow]Ubekreftede tall / unconfirmed figures:[/yellow] "
                      + ", ".join(f["name"] for f in sc.unconfirmed))
    for note in [*sc.notes, *sc.effect.notes]:
        console.print(f"· {note}")


@app.command("discount")
def discount_cmd(years: int = typer.Option(..., "--years", help="Antall år (1–100)"),
                 rate: float = typer.Option(None, "--rate", help="Én rente, f.eks. 0.04"),
                 r109_confirmed: bool = typer.Option(False, "--r109-confirmed",
                                                     help="Bruk R-109-båndene (4/3/2 %), som du har bekreftet "
                                                          "mot rundskrivet"),
                 timing: str = typer.Option("start", help="start | mid | end"),
                 json_out: bool = JsonOpt) -> None:
    """Diskonteringsfaktorer og annuitetsfaktor / discount factors and the annuity factor."""
    from oppvekst.economics.output import discount_payload

    try:
        out = discount_payload(years, rate, r109_confirmed, timing)
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json(out)
        return
    console.print(_table(pd.DataFrame(out["factors"]), "Diskonteringsfaktorer / discount factors",
                         decimals={"rate": 3, "factor": 6, "annuity": 6}))
    console.print(f"Annuitetsfaktor / annuity factor ({years} år): {out['annuity']:.6f}. {out['timing_label']}.")
    src = out["source"]
    console.print(f"Kilde / source: {src['source']}" + (f" — {src['verification_note']}" if "verification_note"
                                                        in src else ""))


@app.command("template")
def template_cmd() -> None:
    """Skriv ut scenariomalen / print the scenario template (fill in every null, every figure with a source)."""
    from oppvekst.economics.output import template_text

    typer.echo(template_text(), nl=False)


# --- saved scenarios (content database) -------------------------------------------------------------------

def _actor() -> str:
    from oppvekst.content.audit import actor

    return actor()


@app.command("save")
def save_cmd(name: str = typer.Argument(..., help="Navnet scenariet lagres under"),
             scenario: Path = typer.Argument(..., exists=True, dir_okay=False, help="Scenariet (YAML)"),
             region: str = typer.Option(None, "--region", help="Kommunenummer for from_warehouse"),
             indicator: str = typer.Option(None, "--indicator", help="Indikator (med --region)"),
             json_out: bool = JsonOpt) -> None:
    """Lagre et scenario i innholdsdatabasen / save a scenario (local figures filled in with their sources)."""
    import yaml

    from oppvekst.economics.store import ScenarioStore

    try:
        try:
            data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InputError(f"kan ikke lese scenariet / cannot read the scenario: {exc}", file=str(scenario)) \
                from None
        if not isinstance(data, dict):
            raise InputError("scenariet må være en tabell / the scenario must be a mapping", file=str(scenario))
        data = _baselines(region, indicator)(data)
        scenario_id = ScenarioStore().save(name, data, _actor())
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json({"id": scenario_id, "name": name})
        return
    console.print(f"Lagret scenario {scenario_id}: {name}")


@app.command("list")
def list_cmd(json_out: bool = JsonOpt) -> None:
    """Lagrede scenarioer / saved scenarios."""
    from oppvekst.economics.store import ScenarioStore

    recs = ScenarioStore().list()
    if json_out:
        _print_json([{k: v for k, v in r.to_dict().items() if k != "scenario"} for r in recs])
        return
    frame = pd.DataFrame([{"id": r.id, "navn": r.name, "eier": r.owner, "lagret": r.created_at} for r in recs],
                         columns=["id", "navn", "eier", "lagret"])
    console.print(_table(frame, "Lagrede scenarioer / saved scenarios"))


@app.command("compare")
def compare_cmd(ids: list[int] = typer.Argument(..., help="To eller flere scenario-id-er"),
                draws: int = typer.Option(0, "--draws", help="Monte Carlo-trekk for P(NPV>0) (0: ingen)"),
                seed: int = typer.Option(None, "--seed", help="Frø (samme for alle scenarioene)"),
                json_out: bool = JsonOpt) -> None:
    """Sammenlign lagrede scenarioer side om side / compare saved scenarios side by side."""
    from oppvekst.economics.store import ScenarioStore, compare

    try:
        store = ScenarioStore()
        frame = compare([store.get(i) for i in ids], draws, seed)
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json({"draws": draws, "seed": seed, "rows": frame.reset_index(names="measure")
                     .astype(object).where(frame.reset_index(names="measure").notna(), None).to_dict("records")})
        return
    console.print(_table(frame.reset_index(names="mål"), "Scenarioer side om side (budsjettvisning, nåverdi)",
                         decimals={c: 3 for c in frame.columns}))
    console.print("Δ* = break-even-fall i utfallets sannsynlighet; P(NPV>0) fra Monte Carlo med samme frø")
