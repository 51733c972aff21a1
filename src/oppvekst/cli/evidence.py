"""`oppvekst evidence ...` (felles kunnskapsbase): search, show, meta, import, export, seed, indicator,
override. Thin: everything happens in oppvekst.evidence. Every data command answers --json too."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from oppvekst.errors import InputError
from oppvekst.formatting import nb_number

app = typer.Typer(help="Felles kunnskapsbase: tiltak, studier, evidensnivå, metaanalyse.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
JsonOpt = typer.Option(False, "--json", help="Svar i JSON (for skript).")


@app.callback()
def _options(ctx: typer.Context,
             db: str = typer.Option(None, "--db", help="Database-URL (standard: OPPVEKST_DB_URL eller "
                                                        "SQLite under OPPVEKST_HOME).")) -> None:
    ctx.obj = {"db": db}


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        return "cli"


def _store(ctx: typer.Context):
    from oppvekst.evidence.store import EvidenceStore

    return EvidenceStore((ctx.obj or {}).get("db"))


def _json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _fail(exc: Exception) -> None:
    err_console.print(f"[red]Feil / error:[/red] {exc}")
    raise typer.Exit(2)


def _num(value, decimals: int = 2) -> str:
    return nb_number(value, decimals).replace("\u202f", " ")


@app.command()
def search(ctx: typer.Context, query: str = typer.Argument(None, help="Søkeord / search words"),
           age: int = typer.Option(None, help="Alder (år) tiltaket skal dekke"),
           prevention: str = typer.Option(None, help="universell | selektiv | indikativ"),
           arena: str = typer.Option(None, help="helsestasjon | barnehage | skole | fritid | nav | barnevern | familie"),
           outcome: str = typer.Option(None, help="Utfall (id)"),
           min_level: int = typer.Option(None, "--min-level", help="Minste evidensnivå 0–5"),
           json_out: bool = JsonOpt) -> None:
    """Søk i tiltak og lokale eksempler / search measures and local examples."""
    try:
        res = _store(ctx).search(query, age=age, prevention=prevention, arena=arena, outcome=outcome,
                                 min_level=min_level)
    except InputError as exc:
        _fail(exc)
    if json_out:
        return _json(res)
    table = Table(title=f"Tiltak / measures ({len(res['measures'])})")
    for col in ("id", "navn", "nivå", "status", "arenaer"):
        table.add_column(col)
    for m in res["measures"]:
        table.add_row(m["id"], m["name"], f"{m['evidence_level']} {m['evidence_label']}", m["status_label"],
                      ", ".join(m["arenas"]))
    console.print(table)
    if res["local_examples"]:
        local = Table(title=f"Lokale eksempler / local examples ({len(res['local_examples'])})")
        for col in ("id", "tittel", "kommune", "status"):
            local.add_column(col)
        for e in res["local_examples"]:
            local.add_row(str(e["id"]), e["title"], e["municipality"], e["status"])
        console.print(local)


@app.command()
def show(ctx: typer.Context, measure_id: str, json_out: bool = JsonOpt,
         forest: str = typer.Option(None, help="Skriv skogplott (SVG) for dette utfallet (id) ..."),
         out: Path = typer.Option(None, help="... til denne filen")) -> None:
    """Vis et tiltak med evidensnivå og begrunnelse / show a measure, its level and why."""
    store = _store(ctx)
    try:
        m = store.measure(measure_id)
    except InputError as exc:
        _fail(exc)
    if forest:
        svg = store.forest_svg(measure_id, forest)
        if svg is None:
            _fail(InputError(f"ingen effekter for utfallet {forest!r} / no effects for the outcome",
                             row=measure_id, field="forest"))
        target = out or Path(f"{measure_id}_{forest}.svg")
        target.write_text(svg, encoding="utf-8")
        err_console.print(f"skogplott skrevet til / forest plot written to {target}")
    if json_out:
        return _json(m)
    lvl = m["level"]
    console.print(f"[bold]{m['name']}[/bold] ({m['id']}) – {m['kind_label']}, {m['status_label']}")
    console.print(m["description"])
    console.print(f"\n[bold]Evidensnivå {lvl['effective']}: {lvl['label_nb']}[/bold]")
    if lvl["override"]:
        o = lvl["override"]
        console.print(f"Overstyrt av redaktør ({o['by']}): {o['reason']}  "
                      f"[dim](regelverket gir nivå {lvl['computed']['level']})[/dim]")
    else:
        console.print(f"Regel {lvl['rule']}: {lvl['computed']['rule_nb']}")
    for note in lvl["computed"]["studies"]:
        mark = "teller" if note["counted"] else "teller ikke"
        console.print(f"  • {note['citation']}: {mark} – {note['reason']}")
    if m["pooled"]:
        table = Table(title="Samlet effekt / pooled effect (REML, Hartung–Knapp)")
        for col in ("utfall", "mål", "k", "estimat", "95 % KI", "prediksjonsintervall", "I²"):
            table.add_column(col)
        for p in m["pooled"]:
            pi = "–" if p["pi_low"] is None else f"{_num(p['pi_low'])} – {_num(p['pi_high'])}"
            table.add_row(p["outcome"], p["measure_type"], str(p["k"]), _num(p["estimate"]),
                          f"{_num(p['ci_low'])} – {_num(p['ci_high'])}", pi,
                          "–" if p["i2"] is None else f"{_num(p['i2'], 1)} %")
        console.print(table)
    else:
        console.print(f"\n{m['effect_note']}")
    for src in m["sources"]:
        console.print(f"[dim]Kilde: {src['document']}, {src['section']}: «{src.get('quote', '')}»[/dim]")


@app.command()
def meta(file: Path = typer.Argument(..., help="CSV: study,yi,vi | study,events_t,n_t,events_c,n_c | "
                                               "study,mean_t,sd_t,n_t,mean_c,sd_c,n_c | study,estimate,ci_low,ci_high"),
         method: str = typer.Option("reml", help="fe | dl | pm | reml"),
         measure: str = typer.Option(None, help="rr | or | rd | smd | md (counts: rr by default; means: smd)"),
         hk: bool = typer.Option(False, "--hk", help="Hartung–Knapp-justering (t-fordeling, k−1 df)"),
         level: float = typer.Option(0.95, help="Konfidensnivå"),
         forest: Path = typer.Option(None, help="Skriv skogplott (SVG) til denne filen"),
         json_out: bool = JsonOpt) -> None:
    """Metaanalyse av en CSV-fil / meta-analysis of a CSV file."""
    from oppvekst.evidence.meta import METHODS, meta_analysis, read_meta_csv

    if method not in METHODS:
        _fail(InputError(f"ukjent metode {method!r}; velg {', '.join(METHODS)}", field="--method"))
    try:
        data = read_meta_csv(file, measure)
    except InputError as exc:
        _fail(exc)
    res = meta_analysis(data.yi, data.vi, method, hk=hk, level=level, labels=data.labels, measure=data.measure)
    if forest:
        from oppvekst.evidence.forest import forest_svg

        forest.write_text(forest_svg(res, file.stem), encoding="utf-8")
    out = res.to_dict()
    out["input"] = {"file": str(file), "columns": data.schema}
    if json_out:
        return _json(out)
    nat = out.get("natural_scale") or out
    table = Table(title=f"{file.name}: {METHODS[method]}{', Hartung–Knapp' if hk else ''} ({data.measure})")
    for col in ("studie", "yi", "vi", "vekt %"):
        table.add_column(col, justify="right" if col != "studie" else "left")
    for s in out["studies"]:
        table.add_row(s["study"], _num(s["yi"], 4), _num(s["vi"], 4), _num(s["weight_percent"], 1))
    console.print(table)
    scale = " (tilbakeregnet / back-transformed)" if "natural_scale" in out else ""
    console.print(f"Estimat{scale}: {_num(nat['estimate'], 4)}  95 % KI {_num(nat['ci_low'], 4)} – "
                  f"{_num(nat['ci_high'], 4)}  prediksjonsintervall {_num(nat['pi_low'], 4)} – "
                  f"{_num(nat['pi_high'], 4)}")
    console.print(f"estimat {_num(res.estimate, 4)}, se {_num(res.se, 4)}, τ² {_num(res.tau2, 4)}, "
                  f"I² {_num(res.i2, 2)} %, Q {_num(res.q, 4)} (df {res.q_df}, p {_num(res.q_p, 4)})")


@app.command("import")
def import_(ctx: typer.Context, file: Path,
            table: str = typer.Option(None, help="CSV: outcomes | measures | studies | effects | local_examples "
                                                 "(gjettes fra kolonnene)"),
            json_out: bool = JsonOpt) -> None:
    """Importer JSON eller CSV; alt eller ingenting / import JSON or CSV, all or nothing."""
    from oppvekst.evidence.exchange import import_file

    actor = _os_user()
    try:
        counts = import_file(_store(ctx), file, table=table, actor=f"cli:{actor}")
    except InputError as exc:
        _fail(exc)
    if json_out:
        return _json(counts)
    console.print("Importert / imported: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@app.command()
def export(ctx: typer.Context, file: Path,
           table: str = typer.Option(None, help="For CSV: outcomes | measures | studies | effects | local_examples")
           ) -> None:
    """Eksporter til JSON (alt) eller CSV (én tabell) / export to JSON or CSV."""
    from oppvekst.evidence.exchange import TABLES, export_bundle, export_csv

    store = _store(ctx)
    if file.suffix.lower() == ".csv":
        if table not in TABLES:
            _fail(InputError(f"CSV trenger --table ({' | '.join(TABLES)})", field="--table"))
        file.write_text(export_csv(store, table), encoding="utf-8")
    else:
        file.write_text(json.dumps(export_bundle(store), ensure_ascii=False, indent=2, default=str),
                        encoding="utf-8")
    err_console.print(f"skrevet / written: {file}")


@app.command()
def seed(ctx: typer.Context, json_out: bool = JsonOpt) -> None:
    """Opprett skjema og last grunninnholdet / create the schema and load the seed content."""
    from oppvekst.evidence.seed import ensure_seeded

    n = ensure_seeded((ctx.obj or {}).get("db"))
    if json_out:
        return _json({"measures": n})
    console.print(f"Kunnskapsbasen har {n} tiltak / the evidence base has {n} measures")


@app.command()
def indicator(ctx: typer.Context, indicator_id: str, json_out: bool = JsonOpt) -> None:
    """Tiltak rettet mot utfallet bak en indikator / measures that target an indicator's outcome."""
    rows = _store(ctx).measures_for_indicator(indicator_id)
    if json_out:
        return _json(rows)
    table = Table(title=f"Tiltak for {indicator_id}")
    for col in ("tiltak", "utfall", "nivå", "samlet effekt"):
        table.add_column(col)
    for r in rows:
        p = r["pooled_effect"]
        effect = (f"{_num(p['estimate'])} [{_num(p['ci_low'])}, {_num(p['ci_high'])}] {p['measure_type']}, "
                  f"k={p['k']}") if p else "ingen registrert"
        table.add_row(r["name"], r["outcome"], f"{r['evidence_level']} {r['evidence_label']}", effect)
    console.print(table)


@app.command()
def override(ctx: typer.Context, measure_id: str, level: int = typer.Argument(None, help="0–5"),
             reason: str = typer.Option(None, help="Begrunnelse (påkrevd)"),
             clear: bool = typer.Option(False, "--clear", help="Fjern overstyringen"),
             editor: str = typer.Option(None, help="Hvem overstyrer (standard: $USER)")) -> None:
    """Overstyr evidensnivået med begrunnelse / override the evidence level with a reason."""
    store = _store(ctx)
    actor = editor or _os_user()
    try:
        if clear:
            store.clear_level_override(measure_id, actor)
        else:
            if level is None:
                raise InputError("nivå mangler / level missing", row=measure_id, field="level")
            store.set_level_override(measure_id, level, reason or "", actor)
    except InputError as exc:
        _fail(exc)
    console.print("Lagret / saved")
