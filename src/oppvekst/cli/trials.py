"""`oppvekst trials ...`: the guidance service for trials on the command line (thin over oppvekst.trials)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console

from oppvekst.cli.core import JsonOpt, _fail, _frame_records, _print_json, _table
from oppvekst.errors import InputError

app = typer.Typer(help="Forsøk: metodevalg, styrke, randomisering, analyse, planer / trials.", no_args_is_help=True)
console = Console()


def _opt(help_: str):
    return typer.Option(None, help=help_)


@app.command("power")
def power(design: str = typer.Option("individual", help="individual | cluster | multisite | stepped-wedge | did | rdd"),
          outcome: str = typer.Option("continuous", help="continuous | binary"),
          effect: float = _opt("Standardisert effekt (Cohens d); utelat for å finne MDES"),
          p0: float = _opt("Andel i kontrollgruppen (binært utfall)"),
          p1: float = _opt("Andel i tiltaksgruppen (binært utfall); utelat for å finne minste påvisbare"),
          alpha: float = typer.Option(0.05, help="Signifikansnivå"),
          power_: float = typer.Option(None, "--power", help="Styrke; utelat for å beregne den"),
          n: float = _opt("Per arm (individuelt), per klynge-periode (stepped wedge); utelat for å finne n"),
          clusters: int = _opt("Klynger i alt (J)"),
          cluster_size: float = _opt("Gjennomsnittlig klyngestørrelse (m)"),
          icc: float = _opt("Intraklassekorrelasjon (ICC, ρ)"),
          cv: float = _opt("Variasjonskoeffisient for klyngestørrelsen (Eldridge)"),
          r2_1: float = typer.Option(None, "--r2-1", help="R² for kovariater på nivå 1"),
          r2_2: float = typer.Option(None, "--r2-2", help="R² for kovariater på nivå 2"),
          waves: str = _opt("Klynger som går over til tiltaket ved hvert trinn, f.eks. 6,6,6,6"),
          tau: float = _opt("SD mellom klynger (stepped wedge)"),
          eta: float = _opt("SD for tiltakseffekten mellom klynger (stepped wedge)"),
          omega: float = _opt("Effektvariasjon mellom steder (multisite)"),
          ratio: float = _opt("n_kontroll / n_tiltak"),
          attrition: float = _opt("Forventet frafall (0–1)"),
          autocorrelation: float = _opt("Autokorrelasjon mellom runder (did)"),
          pre_periods: int = typer.Option(None, "--pre", help="Førperioder (did)"),
          post_periods: int = typer.Option(None, "--post", help="Etterperioder (did)"),
          estimator: str = _opt("did: post | ancova | did"),
          rho_ts: float = _opt("Korrelasjon tiltak–skår (rdd)"),
          method: str = _opt("Binært individuelt: arcsine | normal"),
          curve: bool = typer.Option(False, "--curve", help="Vis styrkekurven som tabell"),
          json_out: bool = JsonOpt) -> None:
    """Styrke, utvalgsstørrelse, antall klynger eller MDES / power, sample size, clusters or MDES."""
    from oppvekst.trials import power as pw

    try:
        res = pw.solve(design, outcome, effect=effect, p0=p0, p1=p1, alpha=alpha, power=power_, n=n,
                       clusters=clusters, cluster_size=cluster_size, icc=icc, cv=cv, r2_1=r2_1, r2_2=r2_2,
                       waves=waves, tau=tau, eta=eta, omega=omega, ratio=ratio, attrition=attrition,
                       autocorrelation=autocorrelation, pre_periods=pre_periods, post_periods=post_periods,
                       estimator=estimator, rho_ts=rho_ts, method=method)
        over = "clusters" if design in ("cluster", "multisite") else "n"
        table = res.curve(over=over) if curve else None
    except InputError as exc:
        _fail(exc)
    if json_out:
        out = res.to_dict()
        out[res.solved] = res.value      # the solved quantity under its own name (n, clusters, power, mdes)
        if table is not None:
            out["curve"] = _frame_records(table)
        _print_json(out)
        return
    console.print(f"[bold]{res.solved}[/bold] = {res.value:.4g}   ({design}, {outcome})")
    console.print(_table(res.summary_frame(), decimals={"value": 4}))
    for note in res.notes:
        console.print(f"· {note}")
    if table is not None:
        console.print(_table(table, title="Styrkekurve / power curve", decimals={"power": 3}))


@app.command("design")
def design(randomise: bool = typer.Option(None, "--randomise/--no-randomise", help="Kan enhetene trekkes?"),
           level: str = _opt("individual | cluster"),
           phased: bool = typer.Option(None, "--phased/--not-phased", help="Innføres tiltaket trinnvis uansett?"),
           cutoff: bool = typer.Option(None, "--cutoff/--no-cutoff", help="Grense på en skår?"),
           comparison_pre: bool = typer.Option(None, "--comparison-pre/--no-comparison-pre",
                                               help="Sammenligningsgruppe med førdata?"),
           comparison: bool = typer.Option(None, "--comparison/--no-comparison", help="Sammenligningsgruppe?"),
           units: int = _opt("Enheter i alt"),
           json_out: bool = JsonOpt) -> None:
    """Metodevalg: anbefalt design, hvorfor, og risiko for skjevhet / method choice."""
    from oppvekst.trials.method_choice import choose

    try:
        choice = choose({"randomise": randomise, "level": level, "phased": phased, "cutoff": cutoff,
                         "comparison_pre": comparison_pre, "comparison": comparison, "units": units})
    except InputError as exc:
        _fail(exc)
    out = choice.to_dict()
    if json_out:
        _print_json(out)
        return
    console.print(f"[bold]{out['nb']}[/bold] ({out['design']}; risiko for skjevhet: {out['risk_of_bias']})")
    console.print(out["why_nb"])
    console.print(f"Risiko: {out['risks_nb']}")
    for note in out["notes"]:
        console.print(f"! {note['nb']}")
    for alt in out["alternatives"]:
        console.print(f"Alternativ: {alt['nb']} ({alt['risk_of_bias']}): {alt['risks_nb']}")


@app.command("randomise")
def randomise(file: Path = typer.Argument(..., help="CSV med én rad per enhet"),
              seed: str = typer.Option(..., help="Frø (registreres sammen med listen)"),
              method: str = typer.Option("simple", help="simple | blocked | stratified | cluster | stepped-wedge"),
              unit: str = typer.Option("unit", help="Kolonnen med enhetens id"),
              stratum: str = _opt("Kolonnen med stratum (stratified)"),
              block_sizes: str = _opt("Blokkstørrelser, f.eks. 4,6"),
              waves: str = _opt("Klynger per trinn (stepped-wedge), f.eks. 3,3,3"),
              out: Path = _opt("Skriv tildelingen (JSON) hit"),
              plan: int = _opt("Lagre forseglingen i denne forsøksplanen (før listen vises)"),
              reason: str = _opt("Begrunnelse, når planen alt er registrert"),
              json_out: bool = JsonOpt) -> None:
    """Trekk tiltak og kontroll; skriv listen og dens forsegling / randomise and seal."""
    from oppvekst.trials import randomise as rz

    try:
        frame = _read_csv(file)
        if unit not in frame.columns:
            raise InputError(f"no column {unit!r}", file=str(file), row=1, field=unit)
        ids = frame[unit].tolist()
        sizes = [int(x) for x in block_sizes.split(",")] if block_sizes else None
        if method == "simple":
            alloc = rz.simple(ids, seed)
        elif method == "blocked":
            alloc = rz.blocked(ids, seed, sizes or [])
        elif method == "stratified":
            if not stratum or stratum not in frame.columns:
                raise InputError("stratified randomisation needs --stratum naming a column", field="stratum")
            alloc = rz.stratified(dict(zip(ids, frame[stratum], strict=True)), seed, sizes or [])
        elif method == "cluster":
            alloc = rz.cluster(ids, seed)
        elif method == "stepped-wedge":
            alloc = rz.stepped_wedge(ids, seed, [int(x) for x in (waves or "").split(",") if x])
        else:
            raise InputError("must be simple, blocked, stratified, cluster or stepped-wedge", field="method")
    except InputError as exc:
        _fail(exc)
    sealed = rz.seal(alloc)
    if plan is not None:
        try:
            rec = _store().get(plan)
            design = {**rec.plan.design.model_dump(mode="json"), "allocation_seal": sealed}
            _store().update(plan, {"design": design}, _actor(), reason=reason)
        except InputError as exc:
            _fail(exc)
    if out:
        out.write_text(alloc.to_json(), encoding="utf-8")
    if json_out:
        _print_json({"seal": sealed, "counts": alloc.counts(), "allocation": json.loads(alloc.to_json())})
        return
    console.print(f"Forsegling / seal (SHA-256): [bold]{sealed}[/bold]")
    console.print(_table(pd.DataFrame(list(alloc.counts().items()), columns=["arm", "n"])))
    if out:
        console.print(f"Tildelingen er skrevet til {out}; registrer forseglingen i planen før listen vises.")


@app.command("verify")
def verify(allocation: Path = typer.Argument(..., help="Tildelingen (JSON fra `trials randomise --out`)"),
           seal: str = typer.Option(..., help="Forseglingen som ble registrert"),
           json_out: bool = JsonOpt) -> None:
    """Kontroller en avslørt liste mot forseglingen / verify a revealed list against its seal."""
    from oppvekst.trials import randomise as rz

    try:
        rz.verify(rz.Allocation.from_json(allocation.read_text(encoding="utf-8")), seal)
    except (InputError, ValueError, KeyError) as exc:
        _fail(InputError(str(exc), file=str(allocation)))
    if json_out:
        _print_json({"ok": True, "seal": seal})
    else:
        console.print("Listen stemmer med forseglingen / the list matches its seal.")


def _outcome_spec(text: str):
    """name[:binary|continuous][:primary|secondary]"""
    from oppvekst.trials.analysis import OutcomeSpec

    name, *rest = text.split(":")
    kind = next((r for r in rest if r in ("binary", "continuous")), "continuous")
    role = next((r for r in rest if r in ("primary", "secondary")), "primary")
    unknown = [r for r in rest if r not in ("binary", "continuous", "primary", "secondary")]
    if unknown or not name:
        raise InputError("write name[:binary|continuous][:primary|secondary]", field="outcome")
    return OutcomeSpec(name, kind, role)


@app.command("analyse")
def analyse(file: Path = typer.Argument(..., help="CSV: én rad per randomisert enhet, tomt utfall ved frafall"),
            treatment: str = typer.Option("treatment", help="Kolonnen med 0/1 for tiltak"),
            outcome: list[str] = typer.Option([], help="Utfall: navn[:binary][:secondary]; gjentas"),
            covariate: list[str] = typer.Option([], help="Kovariat fra før randomiseringen; gjentas"),
            cluster: str = _opt("Kolonnen med klyngen (gir CR2-standardfeil)"),
            adjustment: str = typer.Option("holm", help="holm | fdr_bh"),
            plan_id: int = typer.Option(None, "--plan", help="Utfallene og rollene fra den registrerte planen"),
            report: bool = typer.Option(False, "--report", help="Før resultatet inn i kunnskapsbasen (--plan)"),
            year: int = _opt("Årstall for studien i kunnskapsbasen"),
            json_out: bool = JsonOpt) -> None:
    """Analyser et forsøk: effekter, frafall (WWC), balanse, justering for flere utfall / analyse a trial.

    With --plan the outcomes, their kinds and primary/secondary roles come from the registered plan, and
    the file's columns must be named as the plan's outcomes; --report then records the result as a study."""
    from oppvekst.trials import analysis

    try:
        if plan_id is not None:
            plan = _store().analysis_plan(plan_id, treatment=treatment, covariates=tuple(covariate),
                                          cluster=cluster, adjustment=adjustment)
        elif outcome:
            plan = analysis.AnalysisPlan(treatment=treatment, outcomes=tuple(_outcome_spec(o) for o in outcome),
                                         covariates=tuple(covariate), cluster=cluster, adjustment=adjustment)
        else:
            raise InputError("give --outcome, or --plan to take the outcomes from a registered plan", field="outcome")
        result = analysis.analyse(analysis.read_analysis_file(file, plan), plan)
        if report:
            if plan_id is None or year is None:
                raise InputError("--report needs --plan and --year", field="report")
            study_id = _store().report(plan_id, result, _actor(), year=year)
            console.print(f"Studie {study_id} lagt inn i kunnskapsbasen / recorded as study {study_id}")
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json(result.to_dict())
        return
    console.print(_table(result.summary_frame(), title="Effekter / effects", decimals={
        c: 4 for c in result.summary_frame().columns}))
    if result.attrition is not None:
        a = result.attrition.to_dict()
        console.print(f"Frafall / attrition (WWC): {a}")


@app.command("templates")
def templates_(json_out: bool = JsonOpt) -> None:
    """Ferdige planer fra Meld. St. 28 Boks 7.1 og kap. 4.3.4 / ready trial templates."""
    from oppvekst.trials.templates import templates

    items = templates()
    if json_out:
        _print_json(items)
        return
    console.print(_table(pd.DataFrame([{"id": t["id"], "tittel": t["title_nb"], "kilde": t["reference"]}
                                       for t in items])))


@app.command("planning")
def planning(indicator: str = typer.Argument(..., help="Indikator i katalogen, f.eks. neet_15_29"),
             level: str = typer.Option("kommune", help="kommune | bydel"),
             year: int = _opt("År (standard: siste)"),
             json_out: bool = JsonOpt) -> None:
    """Planleggingsverdier fra lageret: grunnrate og ICC mellom områder, med kilde / planning values."""
    from oppvekst.disclosure.door import open_statistics
    from oppvekst.trials.planning import planning_values

    try:
        with open_statistics() as reader:
            values = planning_values(reader, indicator, level=level, year=year)
    except (InputError, FileNotFoundError) as exc:
        _fail(exc)
    if json_out:
        _print_json(values.to_dict())
        return
    console.print(_table(pd.DataFrame([values.to_dict()]).T.reset_index().set_axis(["", "verdi"], axis=1)))


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(path)) from None


plan_app = typer.Typer(help="Forsøksplaner: opprett, endre, registrer, eksporter / trial plans.",
                       no_args_is_help=True)
app.add_typer(plan_app, name="plan")


def _store():
    from oppvekst.trials.store import TrialStore

    return TrialStore()


def _actor() -> str:
    from oppvekst.content.audit import actor

    return actor()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read JSON: {exc}", file=str(path)) from None


@plan_app.command("new")
def plan_new(template: str = _opt("Start fra en mal (se `oppvekst trials templates`)"),
             file: Path = _opt("Planen som JSON"), title: str = _opt("Tittel"),
             json_out: bool = JsonOpt) -> None:
    """Opprett et utkast / create a draft plan."""
    from oppvekst.trials.store import plan_from_template

    try:
        data = plan_from_template(template) if template else {}
        if file:
            data = {**data, **_read_json(file)}
        if title:
            data["title"] = title
        trial_id = _store().create(data, _actor())
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json({"id": trial_id})
    else:
        console.print(f"Utkast {trial_id} opprettet / draft {trial_id} created")


@plan_app.command("list")
def plan_list(json_out: bool = JsonOpt) -> None:
    """Alle forsøksplaner / every trial plan."""
    rows = _store().list()
    if json_out:
        _print_json(rows)
    else:
        console.print(_table(pd.DataFrame(rows, columns=["id", "title", "status", "owner", "registered_at"])))


@plan_app.command("show")
def plan_show(trial_id: int, json_out: bool = JsonOpt) -> None:
    """Vis en plan / show a plan."""
    from oppvekst.trials.export import to_markdown

    try:
        rec = _store().get(trial_id)
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json(rec.to_dict())
    else:
        typer.echo(to_markdown(rec))


@plan_app.command("edit")
def plan_edit(trial_id: int, file: Path = typer.Argument(..., help="Endringene som JSON: {trinn: innhold}"),
              reason: str = _opt("Begrunnelse (kreves etter registrering: endringen blir et tillegg)"),
              json_out: bool = JsonOpt) -> None:
    """Endre trinn i planen; etter registrering som datert tillegg / change steps; amend after registration."""
    try:
        rec = _store().update(trial_id, _read_json(file), _actor(), reason=reason)
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json(rec.to_dict())
    else:
        console.print(f"Plan {trial_id} endret ({len(rec.amendments)} tillegg etter registrering)")


@plan_app.command("register")
def plan_register(trial_id: int, json_out: bool = JsonOpt) -> None:
    """Registrer planen: fryses med tidspunkt og SHA-256 / register (freeze) the plan."""
    try:
        rec = _store().register(trial_id, _actor())
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json({"id": rec.id, "registered_at": rec.registered_at, "registered_hash": rec.registered_hash})
    else:
        console.print(f"Registrert {rec.registered_at}, SHA-256 {rec.registered_hash}")


@plan_app.command("status")
def plan_status(trial_id: int, status: str = typer.Argument(..., help="running | finished | reported"),
                json_out: bool = JsonOpt) -> None:
    """Flytt forsøket videre / move the trial on."""
    try:
        rec = _store().advance(trial_id, status, _actor())
    except InputError as exc:
        _fail(exc)
    if json_out:
        _print_json({"id": rec.id, "status": rec.status})
    else:
        console.print(f"Forsøk {rec.id}: {rec.status}")


@plan_app.command("export")
def plan_export(trial_id: int, out: Path = typer.Option(..., help="Filen som skal skrives"),
                format_: str = typer.Option("md", "--format", help="md | pdf | json")) -> None:
    """Eksporter planen som Markdown, PDF eller JSON / export the plan."""
    from oppvekst.trials import export

    try:
        rec = _store().get(trial_id)
        if format_ == "md":
            out.write_text(export.to_markdown(rec), encoding="utf-8")
        elif format_ == "pdf":
            out.write_bytes(export.to_pdf(rec))
        elif format_ == "json":
            out.write_text(json.dumps(rec.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        else:
            raise InputError("must be md, pdf or json", field="format")
    except InputError as exc:
        _fail(exc)
    console.print(f"Skrev {out}")
