"""Profile commands: profile, profiles (PDF batch), barometer, monitor, standardise, asss (self-reports)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from oppvekst.cli import app
from oppvekst.errors import InputError

console = Console()
err_console = Console(stderr=True)
asss_app = typer.Typer(help="ASSS-indikatorer 1–10: kommunenes egenrapportering / municipal self-reports.",
                       no_args_is_help=True)
app.add_typer(asss_app, name="asss")

JsonOpt = typer.Option(False, "--json", help="Svar i JSON (for skript).")
MethodOpt = typer.Option("exact", "--metode", help="exact (eksakt test mot resten) | interval (intervall mot verdien)")
FdrOpt = typer.Option("bh", "--fdr", help="bh (Benjamini–Hochberg) | ingen")


def _print_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))


def _fail(exc: Exception) -> None:
    console.print(f"[red]Feil / error:[/red] {exc}")
    raise typer.Exit(2)


def _method(metode: str, fdr: str):
    from oppvekst.compare.barometer import Method

    try:
        return Method(key=metode, fdr=None if fdr in ("ingen", "none") else fdr)
    except ValueError as exc:
        _fail(exc)


def _load(method):
    from oppvekst.compare.comparison import Comparison
    from oppvekst.disclosure.door import open_statistics

    try:
        with open_statistics() as wh:      # the public, suppressed view
            return Comparison.compute(wh, method)
    except FileNotFoundError as exc:
        _fail(exc)


def _fmt(v, d: int = 1) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    return f"{v:,.{d}f}".replace(",", " ").replace(".", ",")


CLASS_STYLE = {"better": "bold blue", "worse": "bold red", "same": "yellow", "not_assessed": "dim"}


@app.command()
def profile(code: str = typer.Argument(..., help="Kommune- eller bydelsnummer, f.eks. 0301"),
            pdf: Path = typer.Option(None, "--pdf", help="Skriv profilen som PDF til denne filen"),
            metode: str = MethodOpt, fdr: str = FdrOpt, json_out: bool = JsonOpt) -> None:
    """Oppvekstprofilen for en kommune eller bydel / the childhood profile of a region."""
    from oppvekst.reports.profile import profile as region_profile

    data = _load(_method(metode, fdr))
    try:
        p = region_profile(data.for_region(code), with_measures=not pdf)
    except KeyError as exc:
        _fail(exc)
    if pdf:
        from oppvekst.reports import pdf as pdf_mod

        pdf.write_bytes(pdf_mod.profile_pdf(p, pdf_mod.profile_charts(p)))
        if not json_out:
            console.print(f"PDF: {pdf}")
    if json_out:
        _print_json(p)
        return
    if pdf:
        return
    r = p["region"]
    console.print(f"[bold]Oppvekstprofil: {r['name']}[/bold] ({r['level']} {r['code']})"
                  + (" — [yellow]inneholder syntetiske data[/yellow]" if p["synthetic"] else ""))
    for t in p["themes"]:
        tab = Table(title=t["name_nb"], title_justify="left")
        for col in ("indikator", "periode", "verdi", "95 % KI", "landet", "mot landet", "mot forrige", "trend"):
            tab.add_column(col, justify="right" if col in ("verdi", "95 % KI", "landet") else "left")
        for row in t["rows"]:
            label = row["label"] + (" (syntetisk)" if row["synthetic"] and row["has_data"] else "")
            if not row["has_data"]:
                tab.add_row(label, "[dim]ingen data[/dim]", "", "", "", "", "", "")
                continue
            prev = row["classes"].get("previous", {})
            tab.add_row(label, row["period"], _fmt(row["value"]),
                        f"{_fmt(row['ci_low'])}–{_fmt(row['ci_high'])}" if row["ci_low"] is not None else "–",
                        _fmt((row.get("national") or {}).get("value")),
                        f"[{CLASS_STYLE[row['cls']]}]{row['cls_name']}[/]",
                        prev.get("cls_name", "–"), (row["trend"] or {}).get("cls_name", "–"))
        console.print(tab)
    console.print(f"Metode / method: {p['method']['nb']}")


@app.command()
def profiles(codes: list[str] = typer.Argument(None, help="Regionkoder; tomt = alle kommuner"),
             out: Path = typer.Option(Path("profiler"), "--out", help="Mappe for PDF-filene"),
             level: str = typer.Option("kommune", "--level", help="kommune | bydel | fylke (når ingen koder er gitt)"),
             workers: int = typer.Option(2, "--workers", help="Antall prosesser"),
             metode: str = MethodOpt, fdr: str = FdrOpt, json_out: bool = JsonOpt) -> None:
    """PDF-profiler for mange kommuner med fremdrift / PDF profiles in a batch, with progress."""
    from oppvekst.reports import pdf as pdf_mod

    started = time.perf_counter()
    data = _load(_method(metode, fdr))
    todo = list(codes) if codes else data.regions.loc[data.regions["level"] == level, "code"].tolist()
    unknown = [c for c in todo if c not in set(data.regions["code"])]
    if unknown:
        _fail(KeyError(f"ukjent regionkode / unknown region code {unknown[0]!r}"))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err_console, transient=json_out) as progress:
        task = progress.add_task("PDF-profiler", total=len(todo))
        paths = pdf_mod.batch(data, todo, out, workers=workers,
                              progress=lambda code: progress.update(task, advance=1, description=f"PDF {code}"))
    seconds = time.perf_counter() - started
    if json_out:
        _print_json({"count": len(paths), "seconds": round(seconds, 1), "out": str(out),
                     "files": sorted(str(p) for p in paths)})
    else:
        console.print(f"{len(paths)} PDF-er i {out} ({seconds:.0f} s)")


@app.command()
def barometer(region: list[str] = typer.Option(None, "--region", help="Regionkode (kan gjentas)"),
              indicator: list[str] = typer.Option(None, "--indicator", help="Indikator-id (kan gjentas)"),
              year: int = typer.Option(None, "--year", help="År (standard: hver indikators nyeste)"),
              comparator: list[str] = typer.Option(None, "--comparator", help="national | parent | asss | previous"),
              all_years: bool = typer.Option(False, "--all-years", help="Alle år, ikke bare det nyeste"),
              all_breakdowns: bool = typer.Option(False, "--all-breakdowns", help="Også etter kjønn og alder"),
              csv: Path = typer.Option(None, "--csv", help="Skriv alle radene til en CSV-fil"),
              metode: str = MethodOpt, fdr: str = FdrOpt, json_out: bool = JsonOpt) -> None:
    """Barometeret: bedre / dårligere / ingen sikker forskjell / ikke vurdert."""
    from oppvekst import regions
    from oppvekst.compare.barometer import CLASS_NAMES, COMPARATORS
    from oppvekst.compare.barometer import barometer as run
    from oppvekst.compare.data import load_observations
    from oppvekst.disclosure.door import open_statistics

    method = _method(metode, fdr)
    comps = tuple(comparator) if comparator else ("national", "parent", "asss", "previous")
    bad = [c for c in comps if c not in COMPARATORS]
    if bad:
        _fail(ValueError(f"ukjent sammenligning / unknown comparator {bad[0]!r}"))
    try:
        with open_statistics() as wh:      # the public, suppressed view
            obs = load_observations(wh, indicators=list(indicator) if indicator else None)
    except FileNotFoundError as exc:
        _fail(exc)
    started = time.perf_counter()
    b = run(obs, regions.regions_2024(), method=method, comparators=comps, asss=regions.peer_groups()["asss"],
            areas=list(region) if region else None, years=[year] if year else None,
            latest_only=not (year or all_years), headline_only=not all_breakdowns)
    seconds = time.perf_counter() - started
    cols = ["indicator", "region", "period_from", "period_to", "sex", "age", "comparator", "value", "ci_low",
            "ci_high", "ref_value", "p_value", "p_adjusted", "cls", "test", "reason"]
    b = b.reindex(columns=cols).sort_values(["region", "indicator", "comparator", "period_to"])  # none: empty
    if csv:
        b.to_csv(csv, index=False)
    nb, en = method.describe()
    if json_out:
        _print_json({"method": {"code": method.code, "nb": nb, "en": en}, "seconds": round(seconds, 3),
                     "count": len(b), "rows": _records(b) if not csv else f"written to {csv}"})
        return
    counts = b.groupby(["comparator", "cls"]).size().unstack(fill_value=0)
    tab = Table(title=f"Barometer ({method.code}): {len(b)} vurderinger på {seconds:.2f} s")
    tab.add_column("mot")
    for c in CLASS_NAMES:
        tab.add_column(CLASS_NAMES[c][0], justify="right")
    for comp, row in counts.iterrows():
        tab.add_row(COMPARATORS[comp][0], *(str(int(row.get(c, 0))) for c in CLASS_NAMES))
    console.print(tab)
    if region and len(b) <= 200:
        detail = Table()
        for col in ("indikator", "region", "periode", "mot", "verdi", "sammenligning", "p (justert)", "klasse"):
            detail.add_column(col)
        for r in b.itertuples():
            detail.add_row(r.indicator, r.region, str(r.period_to), r.comparator, _fmt(r.value), _fmt(r.ref_value),
                           "–" if r.p_adjusted != r.p_adjusted else f"{r.p_adjusted:.3g}",
                           f"[{CLASS_STYLE[r.cls]}]{CLASS_NAMES[r.cls][0]}[/]")
        console.print(detail)
    console.print(f"Metode: {nb}")
    if csv:
        console.print(f"CSV: {csv}")


@app.command()
def monitor(regions_: list[str] = typer.Argument(..., metavar="REGIONER", help="Regionkoder, f.eks. 0301 4601"),
            group: str = typer.Option(None, "--group", help="asss | fylke"),
            indicator: list[str] = typer.Option(None, "--indicator", help="Indikator (standard: Kommunemonitorens)"),
            json_out: bool = JsonOpt) -> None:
    """Kommunemonitor: indikatorene over tid side om side / the poverty indicators over time, side by side."""
    from oppvekst.compare.barometer import Method
    from oppvekst.indicators.catalogue import catalogue, in_framework

    data = _load(Method())
    cat = catalogue()
    ids = list(indicator) if indicator else [i.id for i in in_framework("kommunemonitor")]
    out = []
    for i in ids:
        if i not in cat:
            _fail(KeyError(f"ukjent indikator / unknown indicator {i!r}"))
        shown = data.shown_indicator(cat[i], list(regions_))
        df = data.monitor(shown.id, list(regions_), group)
        out.append((cat[i], shown, df))
    if json_out:
        _print_json([{"indicator": ind.id, "data_indicator": shown.id, "synthetic": shown.synthetic,
                      "series": _records(df[["region", "name", "period_from", "period_to", "value", "ci_low", "ci_high"]])}
                     for ind, shown, df in out])
        return
    for ind, shown, df in out:
        if df.empty:
            console.print(f"[bold]{ind.name.nb}[/bold]: [dim]ingen data[/dim]")
            continue
        wide = df.assign(cell=[f"{_fmt(v)} ({_fmt(lo)}–{_fmt(hi)})" for v, lo, hi in
                               zip(df["value"], df["ci_low"], df["ci_high"], strict=True)]).pivot_table(
            index="period_to", columns="name", values="cell", aggfunc="first")
        tab = Table(title=ind.name.nb + (" (syntetiske data)" if shown.synthetic else ""), title_justify="left")
        tab.add_column("periode")
        for c in wide.columns:
            tab.add_column(str(c), justify="right")
        for year, row in wide.iterrows():
            tab.add_row(str(year), *("–" if not isinstance(v, str) else v for v in row))
        console.print(tab)


@app.command()
def standardise(region: list[str] = typer.Option(None, "--region", help="Regionkode (kan gjentas)"),
                method: str = typer.Option("direct", "--method", help="direct | indirect"),
                reference_year: int = typer.Option(2024, "--reference-year", help="Referansebefolkningens år"),
                json_out: bool = JsonOpt) -> None:
    """Alders- og kjønnsstandardisert NEET 15–29 mot Norge (referanseåret) / standardised NEET."""
    from oppvekst.disclosure.door import open_statistics
    from oppvekst.indicators.standardisation import standardise_neet

    if method not in ("direct", "indirect"):
        _fail(ValueError("--method må være direct eller indirect"))
    with open_statistics() as wh:          # the public, suppressed view
        obs = wh.observations(indicator="neet_15_29", regions=list(region) + ["0"] if region else None,
                              sex=None, age=None)
    try:
        res = standardise_neet(obs, method=method, reference_year=reference_year)
    except (InputError, ValueError) as exc:
        _fail(exc)
    if region:
        res = res[res["region"].isin(region)]
    if json_out:
        _print_json(_records(res))
        return
    tab = Table(title=f"NEET 15–29, {'direkte' if method == 'direct' else 'indirekte'} standardisert")
    for col in ("region", "år", "observert", "rå andel %", "standardisert %", "95 % KI"):
        tab.add_column(col, justify="right")
    crude = res["observed"] / res["population"] * 100 if "population" in res else res.get("crude")
    for r, c in zip(res.itertuples(), crude, strict=True):
        tab.add_row(r.region, str(r.period_to), _fmt(r.observed, 0), _fmt(c), _fmt(r.value), f"{_fmt(r.ci_low)}–{_fmt(r.ci_high)}")
    console.print(tab)
    console.print(f"Referanse: {res['reference'].iloc[0] if len(res) else ''}")


# -- ASSS ----------------------------------------------------------------------------------------------

@asss_app.command("report")
def asss_report(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV-fil (se `oppvekst asss template`)"),
                json_out: bool = JsonOpt) -> None:
    """Last inn rapporter fra en CSV-fil (alt eller ingenting) / load reports from a CSV file."""
    from oppvekst.indicators import asss

    try:
        recs = asss.read_csv(file.read_bytes(), file=str(file))
    except InputError as exc:
        _fail(exc)
    saved = asss.submit(recs, channel="csv")
    if json_out:
        _print_json([{"id": r.id, "municipality": r.municipality, "year": r.year, "version": r.version} for r in saved])
    else:
        console.print(f"{len(saved)} rapporter lagret / reports saved. Kjør `oppvekst asss sync` for å laste dem inn i lageret.")


@asss_app.command("template")
def asss_template() -> None:
    """Skriv CSV-malen / print the CSV template."""
    from oppvekst.indicators import asss

    typer.echo(asss.template_csv(), nl=False)


@asss_app.command("history")
def asss_history(municipality: str = typer.Argument(None), json_out: bool = JsonOpt) -> None:
    """Alle versjoner av rapportene / every version of the reports."""
    from oppvekst.indicators import asss

    df = asss.history(municipality)
    if json_out:
        _print_json(_records(df))
        return
    tab = Table()
    for col in ("kommune", "år", "versjon", "innsendt", "kanal", "av", "plan", "samarbeid", "tjenester", "familier"):
        tab.add_column(col)
    for r in df.itertuples():
        tab.add_row(r.municipality, str(r.year), str(r.version), str(r.submitted_at)[:19], r.channel, r.reported_by,
                    "ja" if r.plan_adopted else "nei", "ja" if r.formal_cooperation else "nei",
                    _fmt(r.services_in_cooperation, 0), _fmt(r.families_helped, 0))
    console.print(tab)


@asss_app.command("sync")
def asss_sync(json_out: bool = JsonOpt) -> None:
    """Last gjeldende rapporter inn i lageret som en ny versjon / load current reports into the warehouse."""
    from oppvekst.disclosure.door import Job, open_statistics
    from oppvekst.indicators import asss

    with open_statistics(raw=True, job=Job.LOAD, read_only=False) as wh:
        try:
            rel = asss.sync(wh)
        except InputError as exc:
            _fail(exc)
    if json_out:
        _print_json({"release": rel.id if rel else None, "rows": rel.n_rows if rel else 0})
    else:
        console.print(f"Release {rel.id}: {rel.n_rows} rader" if rel else "Ingen endring / nothing to load")


@asss_app.command("deflator")
def asss_deflator(year: int, index_value: float, source: str = typer.Option(..., "--source", help="Kilden for indeksen")) -> None:
    """Registrer kommunal deflator (indeks) for et år, med kilde / enter the municipal deflator for a year."""
    from oppvekst.indicators import asss

    try:
        asss.set_deflator(year, index_value, source)
    except InputError as exc:
        _fail(exc)
    console.print(f"Deflator {year}: {index_value} ({source})")
