"""`oppvekst disclosure ...`: check a published table, suppress a table or a release, publish a release."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from oppvekst.cli import app
from oppvekst.cli.core import JsonOpt, _fail, _frame_records, _print_json, _table
from oppvekst.errors import InputError

disclosure_app = typer.Typer(help="Prikking og angrepssjekk / disclosure control and the attack check.",
                             no_args_is_help=True)
app.add_typer(disclosure_app, name="disclosure")
err = Console(stderr=True)


def _say(json_out: bool):
    start = time.perf_counter()
    return (lambda msg: None) if json_out else (lambda msg: err.print(f"[dim]{time.perf_counter() - start:6.1f}s[/dim] {msg}"))


@disclosure_app.command("check")
def check(file: Path = typer.Argument(..., help="Publisert tabell (CSV eller Parquet i observasjonsformatet)"),
          limit: int = typer.Option(None, help="Tell publiserte tellere i 1..LIMIT som feil / flag small published counts"),
          pooled: bool = typer.Option(False, help="Flerårsperioder er summer av årene / periods are pooled sums"),
          protected_only: bool = typer.Option(False, help="Bare celler prikket av personvernhensyn (primary, complement)"),
          out: Path = typer.Option(None, help="Skriv intervallene til CSV / write the intervals to CSV"),
          json_out: bool = JsonOpt) -> None:
    """Angrepssjekk: det snevreste intervallet en angriper kan utlede for hver prikket celle (lineærprogrammering)."""
    from oppvekst.disclosure import check_table, read_table

    try:
        table = read_table(file)
    except InputError as exc:
        _fail(exc)
    started = time.perf_counter()
    result = check_table(table, limit=limit, pooled_periods=pooled, protected_only=protected_only)
    summary = {**result.summary(), "seconds": round(time.perf_counter() - started, 1), "file": str(file)}
    if out:
        result.intervals.to_csv(out, index=False)
    if json_out:
        _print_json({"summary": summary, "pinned_cells": _frame_records(result.intervals[result.intervals["pinned"]]),
                     "small_published": _frame_records(result.small_published)})
    else:
        shown = result.intervals[result.intervals["pinned"]] if result.pinned else result.intervals.head(15)
        cols = ["region", "period_from", "period_to", "sex", "age", "flag_reason", "low", "high", "width"]
        Console().print(_table(shown[[c for c in cols if c in shown.columns]],
                               title="Låste celler / pinned cells" if result.pinned else "Intervaller (utdrag) / intervals"))
        verdict = "[green]OK[/green]" if result.ok else "[red]IKKE OK / NOT OK[/red]"
        Console().print(f"{verdict}: {summary['suppressed']} prikkede celler, {summary['pinned']} låst (pinned; "
                        f"{summary['pinned_confidential']} av dem prikket av personvernhensyn), "
                        f"{summary['small_published']} publiserte små tall; minste bredde {summary['min_width']}, "
                        f"{summary['seconds']} s")
    raise typer.Exit(0 if result.ok else 1)


@disclosure_app.command("apply")
def apply_cmd(file: Path = typer.Argument(None, help="Tabell å prikke (CSV/Parquet); eller bruk --release"),
              release: int = typer.Option(None, help="Prikk en versjon i lageret og lagre mønsteret"),
              out: Path = typer.Option(None, help="Publiserbar tabell (CSV eller Parquet) for FILE"),
              limit: int = typer.Option(None, help="Overstyr tellergrensen / override numerator_max"),
              denominator_min: int = typer.Option(None, help="Overstyr nevnergrensen"),
              pooled: bool = typer.Option(False, help="Flerårsperioder er summer av årene (for FILE)"),
              check: bool = typer.Option(False, "--check", help="Kjør hele angrepssjekken også / full attack check"),
              json_out: bool = JsonOpt) -> None:
    """Prikk (primær, sekundær over hele tabellen, serie, dekning) og vis hvorfor hver celle er skjult."""
    from oppvekst.content.audit import install_warehouse_audit
    from oppvekst.disclosure import Rules, publication, read_table, suppress
    from oppvekst.disclosure.door import Job, open_statistics
    from oppvekst.disclosure.policy import policy

    install_warehouse_audit()
    overrides = {"numerator_max": limit, "denominator_min": denominator_min}
    say = _say(json_out)
    if (file is None) == (release is None):
        _fail(InputError("oppgi enten FILE eller --release / give FILE or --release"))
    started = time.perf_counter()
    if release is not None:
        with open_statistics(raw=True, job=Job.DISCLOSURE, read_only=False) as wh:
            try:
                results = publication.apply(wh, release, rules=overrides, check=check, progress=say)
            except KeyError as exc:
                _fail(exc)
        stats = {ind: res.stats for ind, res in results.items()}
        ok = all(res.ok for res in results.values())
    else:
        try:
            table = read_table(file)
        except InputError as exc:
            _fail(exc)
        base = policy()
        rules = Rules(numerator_max=limit if limit is not None else base.get("numerator_max", 0),
                      denominator_min=denominator_min or base.get("denominator_min", 0),
                      series_max_share=base.get("series_max_share"),
                      coverage_max_unknown=base.get("coverage_max_unknown"))
        res = suppress(table, rules, pooled_periods=pooled, check=check, progress=say)
        if out:
            published = res.published()
            (published.to_parquet(out, index=False) if out.suffix.lower() == ".parquet"
             else published.to_csv(out, index=False))
        stats = {"table": res.stats}
        ok = res.ok
    seconds = round(time.perf_counter() - started, 1)
    if json_out:
        _print_json({"ok": ok, "seconds": seconds, "stats": stats})
    else:
        for name, s in stats.items():
            Console().print(f"[bold]{name}[/bold]: {s.get('cells')} celler; primær {s.get('primary')}, "
                            f"komplement {s.get('complement')}, sekundær {s.get('secondary')}, serie {s.get('series')}, "
                            f"dekning {s.get('coverage')}, manuell {s.get('manual')}; "
                            f"bevist / proven: {'ja' if s.get('certified') else 'NEI'}")
        Console().print(f"{'[green]OK[/green]' if ok else '[red]IKKE OK[/red]'} ({seconds} s)")
    raise typer.Exit(0 if ok else 1)


@disclosure_app.command("publish")
def publish_cmd(release: int = typer.Option(..., help="Versjonen som skal publiseres"),
                withhold_unproven: bool = typer.Option(
                    False, "--withhold-unproven",
                    help="Publiser de beviste indikatorene, hold resten tilbake / publish the proven indicators, "
                         "withhold the rest")) -> None:
    """Publiser en kontrollert versjon (krever lagret og bevist prikking) / publish a controlled release."""
    from oppvekst.content.audit import install_warehouse_audit
    from oppvekst.disclosure import publication
    from oppvekst.disclosure.door import Job, open_statistics

    install_warehouse_audit()
    with open_statistics(raw=True, job=Job.DISCLOSURE, read_only=False) as wh:
        try:
            withheld = publication.publish(wh, release, withhold_unproven=withhold_unproven)
        except (publication.NotReady, KeyError) as exc:
            _fail(exc)
    Console().print(f"Versjon {release} er publisert / release {release} is published."
                    + (f" Holdt tilbake (ikke bevist) / withheld (not proven): {', '.join(withheld)}" if withheld else ""))


@disclosure_app.command("mark")
def mark_cmd(release: int = typer.Option(..., help="Versjonen med upubliserte data")) -> None:
    """Merk en versjon som egne, upubliserte data: den må prikkes før publisering."""
    from oppvekst.disclosure import publication
    from oppvekst.disclosure.door import Job, open_statistics

    with open_statistics(raw=True, job=Job.DISCLOSURE, read_only=False) as wh:
        try:
            publication.mark_controlled(wh, release)
        except KeyError as exc:
            _fail(exc)
    Console().print(f"Versjon {release} krever nå prikking / release {release} now needs disclosure control.")


@disclosure_app.command("status")
def status_cmd(json_out: bool = JsonOpt) -> None:
    """Kontrollerte versjoner: publisert? prikking bevist per indikator?"""
    import pandas as pd

    from oppvekst.disclosure import publication
    from oppvekst.disclosure.door import Job, open_statistics

    with open_statistics(raw=True, job=Job.DISCLOSURE, read_only=False) as wh:
        rows = publication.status(wh)
    if json_out:
        _print_json(rows)
        return
    flat = [{"versjon": r["release"], "publisert": str(r["published_at"] or "–"),
             "indikatorer": ", ".join(f"{k}{'' if v else ' (IKKE bevist)'}" for k, v in r["indicators"].items()) or "–"}
            for r in rows]
    Console().print(_table(pd.DataFrame(flat, columns=["versjon", "publisert", "indikatorer"]),
                           title="Kontrollerte versjoner / controlled releases"))
