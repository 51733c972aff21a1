"""Microdata commands: `oppvekst synth` (synthetic registers) and `oppvekst derive` (link, derive, load)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from oppvekst.cli import app
from oppvekst.errors import InputError

err = Console(stderr=True)


def _fail(exc: Exception) -> None:
    err.print(f"[red]Feil / error:[/red] {exc}")
    raise typer.Exit(2)


@app.command()
def synth(
    seed: int = typer.Option(20250, help="Frø / random seed (samme frø gir samme filer)."),
    municipality: list[str] = typer.Option(None, "--municipality", "-m",
                                           help="Bare disse kommunene (2024-koder); standard: hele landet."),
    out: Path = typer.Option(None, help="Mappe (standard OPPVEKST_HOME/microdata); rådata skrives til <out>/raw."),
    json_out: bool = typer.Option(False, "--json", help="Svar i JSON (for skript)."),
) -> None:
    """Lag syntetiske registre (0–29 år, 2015–2024) / generate synthetic registers. SYNTETISKE DATA."""
    from oppvekst.microdata import synth as sy

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=err, transient=json_out) as progress:
        task = progress.add_task("genererer / generating", total=len(sy.STEPS) + 1)
        try:
            report = sy.generate(out, seed=seed, municipalities=municipality or None,
                                 progress=lambda name, i, n: progress.update(task, completed=i,
                                                                             description=f"genererer: {name}"))
        except InputError as exc:
            _fail(exc)
    data = report.to_json()
    data["raw_dir"] = str(sy.raw_dir(out))
    if json_out:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    err.print(f"[bold]Syntetiske registre / synthetic registers[/bold] → {data['raw_dir']}")
    t = Table("register", "rader / rows")
    for name in sy.REGISTERS:
        t.add_row(name, f"{report.counts.get(name, 0):,}".replace(",", " "))
    err.print(t)
    err.print(f"{report.counts['persons']:,} personer, {report.counts['person_years']:,} personår, "
              f"{report.seconds:.0f} s".replace(",", " "))


@app.command()
def derive(
    engine: str = typer.Option("duckdb", help="duckdb (standard) eller spark (OPPVEKST_SPARK_MASTER)."),
    base: Path = typer.Option(None, "--dir", help="Mikrodatamappen (standard OPPVEKST_HOME/microdata)."),
    load: bool = typer.Option(True, help="Last inn i lageret som en syntetisk versjon / load as a synthetic release."),
    json_out: bool = typer.Option(False, "--json", help="Svar i JSON (for skript)."),
) -> None:
    """Pseudonymiser, koble og beregn indikatorer / link, derive and load the synthetic indicators."""
    from oppvekst.microdata import pipeline
    from oppvekst.microdata.pseudonym import PseudonymKeyError

    if engine not in ("duckdb", "spark"):
        _fail(ValueError(f"unknown engine {engine!r}: duckdb or spark"))
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                  transient=json_out) as progress:
        task = progress.add_task("starter / starting", total=None)
        try:
            res = pipeline.run(base, engine=engine, load=load,
                               progress=lambda s: progress.update(task, description=s))
        except (InputError, PseudonymKeyError) as exc:
            _fail(exc)
    obs = res.observations
    summary = {
        "synthetic": True, "engine": engine, "linked_now": res.linked,
        "rows": len(obs), "indicators": sorted(obs["indicator"].unique()),
        "regions": int(obs["region"].nunique()),
        "release": res.release.id if res.release else None,
        "seconds": {k: round(v, 2) for k, v in res.seconds.items()},
        "calibration": json.loads(res.calibration.drop(columns="source").to_json(orient="records")),
    }
    if json_out:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    state = f"release {res.release.id}" if res.release else ("uendret / unchanged" if load else "ikke lastet / not loaded")
    err.print(f"[bold]Syntetiske indikatorer / synthetic indicators[/bold]: {len(obs):,} rader, "
              f"{summary['regions']} regioner, {len(summary['indicators'])} indikatorer ({state})".replace(",", " "))
    t = Table(title="Kalibrering / calibration (nasjonalt / national)")
    t.add_column("mål / target", overflow="fold")
    for name in ("kalibrert mot", "avledet / derived", "differanse"):
        t.add_column(name, justify="right")
    t.add_column("kilde / source", justify="right")
    sources: dict[str, int] = {}     # each source once, as a numbered note under the table
    for r in res.calibration.itertuples():
        note = sources.setdefault(r.source, len(sources) + 1)
        t.add_row(r.target_name, f"{100 * r.target:.1f} %", f"{100 * r.derived:.1f} %", f"{100 * r.difference:+.2f} pp",
                  f"[{note}]")
    err.print(t)
    for source, note in sources.items():
        err.print(f"[{note}] {source}", markup=False, highlight=False)
    err.print(" ".join(f"{k}: {v:.1f} s" for k, v in res.seconds.items()))
