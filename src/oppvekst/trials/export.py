"""A trial plan as Markdown and as PDF (WeasyPrint), from one list of sections, for the register and the council."""

from __future__ import annotations

import html
import json

from oppvekst.trials.method_choice import methods
from oppvekst.trials.store import TrialRecord

STEP_TITLES = [("question", "1. Informasjonsbehov / the question"), ("knowledge", "2. Eksisterende kunnskap"),
               ("method", "3. Metodevalg / method"), ("cost_benefit", "4. Nytte og kostnader"),
               ("design", "5. Forsøksdesign / design"), ("execution", "6. Gjennomføring / execution"),
               ("evaluation", "7. Evaluering / evaluation")]


def _value(v) -> str:
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return "" if v is None else str(v)


def sections(rec: TrialRecord, *, with_owner: bool = True) -> list[tuple[str, list[tuple[str, str]]]]:
    """`with_owner=False` leaves out the people (owner, who amended): for the public."""
    plan = rec.plan
    head = [("Status", rec.status), *([("Eier / owner", rec.owner)] if with_owner else []),
            ("Mal / template", rec.template or "–"),
            ("Tiltak i kunnskapsbasen / measure", plan.measure or "–")]
    if rec.registered_hash:
        head += [("Registrert / registered", rec.registered_at or ""), ("SHA-256 av planen", rec.registered_hash)]
    out = [("Forsøksplan", head)]
    designs = methods()["designs"]
    for step, title in STEP_TITLES:
        data = getattr(plan, step).model_dump(mode="json")
        rows: list[tuple[str, str]] = []
        for key, value in data.items():
            if key == "outcomes":
                for o in value:
                    label = "Utfall (primært)" if o["primary"] else "Utfall"
                rows.append((label, f"{o['name']} – {o['kind']}; indikator {o['indicator'] or '–'}; "
                                    f"kilde {o['source'] or '–'}"))
            elif key == "power" and value:
                rows.append(("Styrkeberegning", f"{value['design']}: {value['solved']} = {value['value']}"
                             f" (α {value['inputs'].get('alpha')}, styrke {value['power']:.3f}, MDES {value['mdes']})"))
            elif key == "planning_values":
                for pv in value:
                    rows.append(("Planleggingsverdi", f"{_value({k: pv[k] for k in pv if k != 'note'})}"
                                 f" – kilde: {pv.get('source', '–')}"))
            elif key == "design" and step == "method" and value:
                rows.append(("Design", f"{designs[value]['nb']} (risiko for skjevhet: {designs[value]['risk_of_bias']})"))
            elif key == "analysis" and value:
                rows.append(("Analyse", "se JSON-eksporten / see the JSON export"))
            elif value not in (None, "", [], {}):
                rows.append((key, _value(value)))
        out.append((title, rows or [("", "ikke fylt ut / not filled in")]))
    if rec.amendments:
        out.append(("Endringer etter registrering / amendments",
                    [(a["at"], f"{', '.join(a['steps'])}: {a['reason']} ("
                               + (f"{a['actor']}; " if with_owner else "") + f"SHA-256 etter: {a['content_hash']})")
                     for a in rec.amendments]))
    return out


def to_markdown(rec: TrialRecord, *, with_owner: bool = True) -> str:
    lines = [f"# {rec.plan.title}", ""]
    for title, rows in sections(rec, with_owner=with_owner):
        lines += [f"## {title}", ""]
        lines += [f"- **{k}**: {v}" if k else f"- {v}" for k, v in rows]
        lines.append("")
    return "\n".join(lines)


def to_html(rec: TrialRecord, *, with_owner: bool = True) -> str:
    body = [f"<h1>{html.escape(rec.plan.title)}</h1>"]
    for title, rows in sections(rec, with_owner=with_owner):
        body.append(f"<h2>{html.escape(title)}</h2><table>")
        body += [f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows]
        body.append("</table>")
    style = ("body{font-family:sans-serif;font-size:10pt} table{border-collapse:collapse;width:100%}"
             "th,td{border-bottom:1px solid #ccc;text-align:left;vertical-align:top;padding:3px}"
             "th{width:28%} h2{font-size:12pt;margin-top:14pt}")
    return f"<!doctype html><html lang='nb'><meta charset='utf-8'><style>{style}</style><body>{''.join(body)}</body></html>"


def to_pdf(rec: TrialRecord, *, with_owner: bool = True) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(rec, with_owner=with_owner)).write_pdf()
