"""Core commands: build, serve, load, releases, regions, show, indicators."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from oppvekst.cli import app
from oppvekst.errors import InputError
from oppvekst.formatting import nb_number

console = Console()
releases_app = typer.Typer(help="Versjoner (releases): list, sammenlign, trekk tilbake.", invoke_without_command=True)
app.add_typer(releases_app, name="releases")

SEX_NB = {"all": "begge", "female": "kvinner", "male": "menn"}
HEADERS_NB = {"period_to": "år", "sex": "kjønn", "age": "alder", "numerator": "teller", "denominator": "nevner",
              "value": "verdi", "ci_low": "lav", "ci_high": "høy", "flag": "flagg"}
JsonOpt = typer.Option(False, "--json", help="Svar i JSON (for skript).")


def _print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _frame_records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False))


def _fail(exc: Exception) -> None:
    console.print(f"[red]Feil / error:[/red] {exc}")
    raise typer.Exit(2)


def _cell(value, decimals: int) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, float):
        return nb_number(value, 0 if value.is_integer() and decimals == 0 else decimals).replace("\u202f", " ")
    return str(value)


def _table(df: pd.DataFrame, title: str | None = None, decimals: dict[str, int] | None = None) -> Table:
    """A Rich table; floats get Norwegian formatting, whole counts no decimals."""
    decimals = decimals or {}
    t = Table(title=title)
    for col in df.columns:
        t.add_column(str(col), justify="right" if pd.api.types.is_numeric_dtype(df[col]) else "left",
                     no_wrap=True)
    for row in df.itertuples(index=False):
        t.add_row(*(_cell(v, decimals.get(col, 0)) for col, v in zip(df.columns, row, strict=True)))
    return t


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Start nettsidene og API-et / serve the web application and the JSON API."""
    import uvicorn

    uvicorn.run("oppvekst.web.app:create_app", factory=True, host=host, port=port)


@app.command()
def build(json_out: bool = JsonOpt) -> None:
    """Bygg lageret fra de medfølgende dataene / build the warehouse from the bundled data."""
    from oppvekst.build import build as run_build
    from oppvekst.disclosure.door import Job, open_statistics

    started = time.perf_counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=json_out) as progress:
        task = progress.add_task("bygger / building", total=None)
        try:
            with open_statistics(raw=True, job=Job.LOAD, read_only=False) as wh:
                report = run_build(wh, progress=lambda step: progress.update(task, description=f"bygger: {step}"))
                path = wh.path
        except InputError as exc:
            _fail(exc)
    seconds = time.perf_counter() - started
    if json_out:
        _print_json({"warehouse": str(path), "seconds": round(seconds, 2), "regions": report.regions,
                     "indicators": report.indicators, "measures": report.measures,
                     "releases": [{"name": n, "release": r, "rows": k} for n, r, k in report.releases]})
        return
    for name, rel, rows in report.releases:
        state = f"release {rel}" if rel else "uendret / unchanged"
        console.print(f"  {name}: {rows:,} rader / rows ({state})".replace(",", " "))
    if report.measures is not None:
        console.print(f"  kunnskapsbase: {report.measures} tiltak / measures")
    console.print(f"Lager / warehouse: {path}  ({seconds:.1f} s)")


@app.command()
def load(file: Path = typer.Argument(..., exists=True, dir_okay=False),
         source: str = typer.Option(None, help="Kilde (standard: filnavnet) / source description"),
         mapping: Path = typer.Option(None, exists=True, help="Deklarert kolonnekart (YAML) for CSV/Excel/JSON-stat"),
         codes_year: int = typer.Option(None, help="Året kommunekodene gjelder for; tellinger føres over til 2024"),
         json_out: bool = JsonOpt) -> None:
    """Last en fil inn som en ny versjon (alt eller ingenting) / load a file as one release."""
    from oppvekst.disclosure.door import Job, open_statistics
    from oppvekst.loading import read_for_load

    try:
        obs = read_for_load(file, mapping=mapping, codes_year=codes_year)
        with open_statistics(raw=True, job=Job.LOAD, read_only=False) as wh:
            rel = wh.load_release(obs, source=source or file.name, file=str(file), skip_if_unchanged=False)
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json({"release": rel.id, "rows": rel.n_rows, "indicators": list(rel.indicators)})
    else:
        console.print(f"Lastet / loaded release {rel.id}: {rel.n_rows} rader, indikatorer {', '.join(rel.indicators)}")


@releases_app.callback()
def releases_list(ctx: typer.Context, json_out: bool = JsonOpt) -> None:
    """List versjonene / list releases."""
    if ctx.invoked_subcommand:
        return
    from oppvekst.disclosure.door import Job, open_statistics

    with open_statistics(raw=True, job=Job.RELEASES) as wh:    # metadata only: unpublished ones too
        rels = wh.releases()
    if json_out:
        _print_json([r.__dict__ for r in rels])
        return
    t = Table("id", "tid / time", "kilde / source", "rader", "status", "syntetisk", "hash")
    for r in rels:
        t.add_row(str(r.id), f"{r.created_at:%Y-%m-%d %H:%M}", r.source, str(r.n_rows), r.status,
                  "ja" if r.synthetic else "nei", r.content_hash[:12])
    console.print(t)


@releases_app.command("diff")
def releases_diff(old: int, new: int, json_out: bool = JsonOpt) -> None:
    """Sammenlign to versjoner / compare two releases (rows and national sums per year)."""
    from oppvekst.disclosure.door import open_statistics

    with open_statistics() as wh:      # national sums are figures: releases under control are refused
        try:
            d = wh.diff(old, new)
        except (KeyError, PermissionError) as exc:
            _fail(exc)
    sums = d.pop("national_sums")
    if json_out:
        _print_json({**d, "national_sums": _frame_records(sums)})
        return
    console.print(f"Release {old} → {new}: {d['identical']} like, {d['changed']} endret, "
                  f"{d['new_rows']} nye, {d['removed']} fjernet")
    changed = sums[(sums["numerator_old"] != sums["numerator_new"]) |
                   (sums["denominator_old"] != sums["denominator_new"])]
    console.print(_table(changed if len(changed) else sums.head(20), "Landstall / national sums"))


@releases_app.command("rollback")
def releases_rollback(release: int) -> None:
    """Trekk tilbake en versjon / roll a release back (the previous one becomes current)."""
    from oppvekst.disclosure.door import Job, open_statistics

    with open_statistics(raw=True, job=Job.LOAD, read_only=False) as wh:
        try:
            rel = wh.rollback(release)
        except (KeyError, ValueError) as exc:
            _fail(exc)
    console.print(f"Release {rel.id} er trukket tilbake / rolled back ({', '.join(rel.indicators)})")


@app.command("regions")
def regions_cmd(level: str = typer.Option(None, help="land | fylke | kommune | bydel | levekårssone"),
                search: str = typer.Option(None, help="Søk i navn / search names"),
                weights: bool = typer.Option(False, "--weights", help="Vis vektene for delte kommuner"),
                changes: bool = typer.Option(False, "--changes", help="Vis kodeendringer siden 2008"),
                json_out: bool = JsonOpt) -> None:
    """Regioner (2024-inndelingen), kodeendringer og delingsvekter / regions, changes, split weights."""
    from oppvekst import regions

    if weights:
        df = regions.split_weights()
    elif changes:
        df = regions.changes()
    else:
        df = regions.regions_2024()
        if level:
            df = df[df["level"] == level]
        if search:
            df = df[df["name"].str.contains(search, case=False, regex=False) | (df["code"] == search)]
    if json_out:
        _print_json(_frame_records(df))
    else:
        console.print(_table(df))


@app.command()
def indicators(json_out: bool = JsonOpt) -> None:
    """List indikatorene i katalogen / list the indicator catalogue."""
    from oppvekst.indicators.catalogue import catalogue

    cat = catalogue()
    if json_out:
        _print_json([i.model_dump() for i in cat.values()])
        return
    t = Table("id", "navn", "tema", "kilde", "data")
    for i in cat.values():
        t.add_row(i.id, i.name.nb, i.theme, f"{i.source.name} {i.source.table or ''}".strip(), i.data)
    console.print(t)


@app.command()
def show(indicator: str, region: str = typer.Option(..., "--region", help="Regionkode, f.eks. 0301"),
         year: int = typer.Option(None, "--year", help="År (standard: alle)"),
         json_out: bool = JsonOpt) -> None:
    """Vis en indikator for en region / show an indicator for a region."""
    from oppvekst.disclosure.door import open_statistics
    from oppvekst.indicators.catalogue import get

    try:
        meta = get(indicator)
    except KeyError as exc:
        _fail(exc)
    with open_statistics() as wh:      # the public, suppressed view
        df = wh.observations(indicator=indicator, regions=[region], year=year, sex=None, age=None)
        name = wh.region_name(region)
    if df.empty:
        _fail(KeyError(f"ingen tall / no data for {indicator} in region {region}"
                       + (f" in {year}" if year else "")))
    cols = ["period_to", "sex", "age", "numerator", "denominator", "value", "ci_low", "ci_high", "flag"]
    out = df[cols]
    if json_out:
        _print_json({"indicator": indicator, "region": region,
                     "region_name": name,
                     "unit": meta.unit.nb if meta.unit else None, "synthetic": bool(df["synthetic"].any()),
                     "source": meta.source.model_dump(), "observations": _frame_records(out)})
        return
    title = f"{meta.name.nb} – {name or region} ({region})"
    shown = out.assign(sex=out["sex"].map(SEX_NB)).rename(columns=HEADERS_NB)
    console.print(_table(shown, title, decimals={"verdi": 1, "lav": 1, "høy": 1}))
    console.print(f"Kilde / source: {meta.source.name} {meta.source.table or ''}. Lav–høy: 95 % Wilson-intervall. "
                  "Flagg: 0 verdi, 1 mangler, 2 kan ikke beregnes, 3 prikket.")
