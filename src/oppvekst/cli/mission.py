"""`oppvekst mission ...`: samfunnsoppdraget on the command line (thin over oppvekst.mission.overview).

Every figure is read through the door's public view (`open_statistics()`), as the pages do.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console

from oppvekst.cli.core import JsonOpt, _fail, _print_json, _table
from oppvekst.errors import InputError

app = typer.Typer(help="Samfunnsoppdraget: mål, framgang, 0-punktsmåling / the mission.", no_args_is_help=True)
console = Console()


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.2f} %"


@app.command("progress")
def progress(indicator: str = typer.Option(..., help="Indikator, f.eks. neet_15_29"),
             region: str = typer.Option("0", help="Regionkode (0 = hele landet)"),
             base_year: int = typer.Option(..., "--base-year", help="Basisår (Y0)"),
             target: float = typer.Option(None, help="Målverdi (i indikatorens enhet)"),
             target_year: int = typer.Option(None, "--target-year", help="Målår (standard: delmålets horisont)"),
             direction: str = typer.Option(None, help="increase | decrease (standard: målstrukturens)"),
             json_out: bool = JsonOpt) -> None:
    """Framgang mot et mål: sdg-builds mål og trendvurderingen / progress, both methods."""
    from oppvekst.disclosure.door import open_statistics
    from oppvekst.mission import overview

    try:
        if direction not in (None, "increase", "decrease"):
            raise InputError("must be increase or decrease", field="direction")
        with open_statistics() as reader:
            out = overview.progress(reader, indicator, base_year=base_year, region=region, target=target,
                                    target_year=target_year, direction=direction)  # type: ignore[arg-type]
    except (InputError, FileNotFoundError) as exc:
        _fail(exc)
    if json_out:
        _print_json(out)
        return
    sdg, trend = out["sdg"], out["trend"]
    console.print(f"[bold]{indicator}[/bold] region {region}, {out['direction']}, basisår {base_year}"
                  + (f", mål {target:g} i {out['target_year']}" if target is not None else ""))
    rows = [("metode (sdg-build)", sdg["method"]), ("år brukt", ", ".join(map(str, sdg["years_used"]))),
            ("observert vekst (CAGR)", _pct(sdg["cagr_observed"])),
            ("nødvendig vekst", _pct(sdg["cagr_required"]))]
    rows.append(("forhold (observert/nødvendig)", "–" if sdg["ratio"] is None else f"{sdg['ratio']:.4f}")
                if sdg["method"] == 2 else ("vekst uten mål", _pct(sdg["growth"])))
    rows += [("status", f"{sdg['status']} ({sdg['status_nb']})"),
             ("poengsum (−5…5)", "–" if sdg["score"] is None else f"{sdg['score']:.2f}")]
    console.print(_table(pd.DataFrame(rows, columns=["sdg-build", "verdi"])))
    if trend:
        fit = trend["fit"]
        trows = [("år brukt", f"{trend['years_used'][0]}–{trend['years_used'][-1]}"),
                 ("modell", trend["model"]), ("stigning per år", f"{fit['slope']:.4f}"),
                 ("95 % KI", f"{fit['slope_ci'][0]:.4f} – {fit['slope_ci'][1]:.4f}"),
                 ("P(riktig retning)", f"{fit['p_direction']:.3f}")]
        if fit["projection"] is not None:
            lo, hi = fit["prediction_interval"]
            trows.append((f"framskrevet {trend['target_year']}", f"{fit['projection']:.3f} ({lo:.3f} – {hi:.3f})"))
        if fit["p_target"] is not None:
            trows.append(("P(nå målet)", f"{fit['p_target']:.3f}"))
        console.print(_table(pd.DataFrame(trows, columns=["trend", "verdi"])))
        console.print(f"· {trend['cycle_note']}")
    for note in out["notes"] + sdg["notes"]:
        console.print(f"· {note}")


@app.command("status")
def status(base_year: int = typer.Option(None, "--base-year", help="Basisår (standard 2023)"),
           json_out: bool = JsonOpt) -> None:
    """Målstrukturen med status per delmål, indikatorer og indikatorhull / the goal tree with status."""
    from oppvekst.disclosure.door import open_statistics
    from oppvekst.mission import overview

    try:
        with open_statistics() as reader:
            out = overview.status(reader, base_year=base_year or overview.MISSION_BASE_YEAR)
    except (InputError, FileNotFoundError) as exc:
        _fail(exc)
    if json_out:
        _print_json(out)
        return
    console.print(f"[bold]{out['vision']['text_nb']}[/bold] · {out['overall']['text_nb']} (basisår {out['base_year']})")
    rows = []
    for sg in out["subgoals"]:
        for ind in sg["indicators"] or [{"indicator": "(ingen indikator)"}]:
            sdg = ind.get("sdg") or {}
            rows.append({"delmål": sg["id"], "status delmål": sg["status_nb"], "indikator": ind["indicator"],
                         "kobling": ind.get("link"), "retning": ind.get("direction"),
                         "siste år": str(ind.get("latest_year") or "–"), "siste verdi": ind.get("latest_value"),
                         "mål": ind.get("target"), "status": sdg.get("status_nb"),
                         "poeng": sdg.get("score")})
    console.print(_table(pd.DataFrame(rows), decimals={"siste verdi": 2, "mål": 2, "poeng": 2}))
    console.print(_table(pd.DataFrame([{"delmål": g["subgoal"], "dekning": g["coverage"], "data som trengs": g["needed"]}
                                       for g in out["gaps"]]), title="Indikatorhull / indicator gaps"))


baseline_app = typer.Typer(help="0-punktsmålingen: vis, frys / the baseline: show, freeze.")
app.add_typer(baseline_app, name="baseline")


def _show_baseline(out: dict) -> None:
    if not out["stored"]:
        frame = pd.DataFrame(out["entries"])[["indicator", "region", "year", "age", "value", "release", "note"]]
        console.print(_table(frame, title=f"0-punktsmåling {out['year']} (ikke lagret)", decimals={"value": 3}))
    else:
        console.print(f"[bold]0-punktsmåling {out['year']}[/bold], fryst {out['frozen_at']} av {out['frozen_by']}"
                      f" (id {out['id']}; utgivelser {', '.join(map(str, out['releases'])) or '–'})"
                      + (f"; erstattet en tidligere: {out['reason']}" if out.get("reason") else ""))
        if out.get("revision"):
            rev = pd.DataFrame(out["revision"])
            # short headings: the table must fit a terminal
            table = pd.DataFrame({"indikator": rev["indicator"], "region": rev["region"], "fryst": rev["frozen_value"],
                                  "nå": rev["current_value"], "diff": rev["difference"],
                                  "utg.": [f"{a or '–'}→{b or '–'}" for a, b in zip(rev["frozen_release"],
                                                                                   rev["current_release"])]})
            if set(rev["region"]) == {"0"}:
                table = table.drop(columns="region")           # the national baseline: room for the figures
            console.print(_table(table, title="Fryst og nå / frozen and now",
                                 decimals={"fryst": 3, "nå": 3, "diff": 3}))
    console.print(f"· {out['note']}")


@baseline_app.callback(invoke_without_command=True)
def baseline(ctx: typer.Context,
             year: int = typer.Option(None, help="År (standard: siste fryste)"), json_out: bool = JsonOpt) -> None:
    """Den fryste 0-punktsmålingen med revisjonen ved siden av; ellers beregnet (ikke lagret) /
    the frozen baseline beside its revision; where none is frozen, computed and not stored."""
    if ctx.invoked_subcommand is not None:
        return
    from oppvekst.disclosure.door import open_statistics
    from oppvekst.mission import overview

    try:
        with open_statistics() as reader:
            out = overview.baseline(reader, year)
    except (InputError, FileNotFoundError) as exc:
        _fail(exc)
    if json_out:
        _print_json(out)
        return
    _show_baseline(out)


@baseline_app.command("freeze")
def baseline_freeze(year: int = typer.Option(..., help="År for 0-punktsmålingen"),
                    replace: str = typer.Option(None, "--replace", help="Erstatt en fryst måling: begrunnelse"),
                    json_out: bool = JsonOpt) -> None:
    """Frys 0-punktsmålingen i innholdsdatabasen (revidert logg) / freeze the baseline (audited)."""
    from oppvekst.content.audit import actor
    from oppvekst.disclosure.door import open_statistics
    from oppvekst.mission import overview

    try:
        if replace is not None and not replace.strip():
            raise InputError("give the reason for replacing the frozen baseline", field="replace")
        with open_statistics() as reader:
            out = overview.freeze_baseline(reader, year, actor(), replace_reason=replace)
    except (InputError, FileNotFoundError) as exc:
        _fail(exc)
    if json_out:
        _print_json(out)
        return
    _show_baseline({**out, "revision": None})


@app.command("report")
def report_cmd(pdf: Path = typer.Option(..., "--pdf", help="PDF-fil å skrive"),
               base_year: int = typer.Option(None, "--base-year", help="Basisår (standard 2023)")) -> None:
    """Statusrapporten som PDF, med samme tall som /samfunnsoppdraget / the annual status report as PDF."""
    from oppvekst.disclosure.door import open_statistics
    from oppvekst.mission import overview, report

    try:
        with open_statistics() as reader:
            data = report.data(reader, base_year=base_year or overview.MISSION_BASE_YEAR)
    except (InputError, FileNotFoundError) as exc:
        _fail(exc)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(report.to_pdf(data))
    console.print(f"Skrev {pdf} ({pdf.stat().st_size} byte)")


@app.command("learn")
def learn(initiative: str = typer.Argument(..., help="Satsingens id i porteføljen"),
          tried: str = typer.Option(..., help="Hva ble prøvd"), learned: str = typer.Option(..., help="Hva ble lært"),
          changes: str = typer.Option(..., help="Hva endres"),
          participants: str = typer.Option(None, help="Hvem deltok (også barn og unge: hvem, hvordan)"),
          date: str = typer.Option(None, help="Dato (YYYY-MM-DD, standard i dag)"), json_out: bool = JsonOpt) -> None:
    """Før en læringslogg for en satsing (revidert logg) / add a learning-log entry (audited)."""
    from oppvekst.content.audit import actor
    from oppvekst.mission import store

    try:
        entry_id = store.add_learning(initiative, tried=tried, learned=learned, changes=changes, actor=actor(),
                                      participants=participants, date=date)
    except InputError as exc:
        _fail(exc)
    entry = next(e for e in store.learning(initiative) if e["id"] == entry_id)
    if json_out:
        _print_json(entry)
        return
    console.print(f"Læringslogg {entry_id} for {initiative} ({entry['date']}) lagret.")
