"""`oppvekst users ...`, `oppvekst audit ...`, `oppvekst register ...`.

The command line acts with the authority of whoever runs it on the server (they can read the database
files anyway), and is audited as `cli:<os user>`; register rights, which the issue reserves for an
administrator, need an administrator's login (OPPVEKST_TOKEN, or --user with a password prompt).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console

from oppvekst import config
from oppvekst.cli import app
from oppvekst.cli.core import JsonOpt, _fail, _print_json, _table
from oppvekst.errors import InputError

users_app = typer.Typer(help="Brukere, roller og API-nøkler / users, roles and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="Revisjonsloggen / the audit log.", no_args_is_help=True)
register_app = typer.Typer(help="Registerrettigheter: innsyn, retting, sletting (administrator).", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(register_app, name="register")


def _password(stdin: bool, confirm: bool = True) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Passord / password", hide_input=True, confirmation_prompt=confirm)


def _run(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except InputError as exc:
        _fail(exc)


@users_app.command("add")
def users_add(username: str, role: str = typer.Option(..., help="analyst | researcher | administrator"),
              municipality: str = typer.Option(None, help="Kommunenummer (analytiker) / municipality code"),
              password_stdin: bool = typer.Option(False, help="Les passordet fra stdin / read the password from stdin")) -> None:
    """Opprett en bruker / create a user."""
    from oppvekst.access import users

    p = _run(users.create_user, username, _password(password_stdin), role, municipality=municipality)
    Console().print(f"Bruker {p.username} opprettet ({p.role.value}{', ' + p.municipality if p.municipality else ''}).")


@users_app.command("list")
def users_list(json_out: bool = JsonOpt) -> None:
    from oppvekst.access import users

    rows = users.list_users()
    if json_out:
        _print_json(rows)
    else:
        Console().print(_table(pd.DataFrame(rows, columns=["username", "role", "municipality", "active", "locked",
                                                           "created_at"]), title="Brukere / users"))


@users_app.command("role")
def users_role(username: str, role: str, municipality: str = typer.Option(None)) -> None:
    """Endre rolle (revideres) / change a user's role (audited)."""
    from oppvekst.access import users

    p = _run(users.set_role, username, role, municipality=municipality)
    Console().print(f"{p.username}: {p.role.value}")


@users_app.command("password")
def users_password(username: str, password_stdin: bool = typer.Option(False)) -> None:
    from oppvekst.access import users

    _run(users.set_password, username, _password(password_stdin))
    Console().print("Passordet er endret / password changed.")


@users_app.command("deactivate")
def users_deactivate(username: str) -> None:
    """Deaktiver brukeren og trekk tilbake nøklene / deactivate and revoke the user's tokens."""
    from oppvekst.access import users

    _run(users.set_active, username, False)
    Console().print(f"{username} er deaktivert.")


@users_app.command("activate")
def users_activate(username: str) -> None:
    from oppvekst.access import users

    _run(users.set_active, username, True)
    Console().print(f"{username} er aktiv.")


@users_app.command("token")
def users_token(username: str, name: str = typer.Option("api"), days: int = typer.Option(90, help="0: uten utløp")) -> None:
    """Lag en API-nøkkel (vises én gang) / issue an API token (shown once)."""
    from oppvekst.access import users

    token = _run(users.issue_token, username, name, days=days or None)
    typer.echo(token)


@users_app.command("revoke")
def users_revoke(token_id: int) -> None:
    from oppvekst.access import users

    _run(users.revoke_token, token_id)
    Console().print(f"Nøkkel {token_id} er trukket tilbake / revoked.")


@audit_app.command("verify")
def audit_verify(expect_head: str = typer.Option(None, help="Hodet du noterte sist / the head you recorded"),
                 json_out: bool = JsonOpt) -> None:
    """Kontroller hele kjeden / verify the whole hash chain."""
    from oppvekst.content import audit

    v = audit.verify(expect_head=expect_head)
    if json_out:
        _print_json(v.__dict__)
    elif v.ok:
        Console().print(f"[green]OK[/green]: {v.entries} oppføringer; hode / head {v.head_seq} {v.head_hash}")
    else:
        Console().print(f"[red]BRUTT / BROKEN[/red] ved / at {v.first_bad}: {v.problem}")
    raise typer.Exit(0 if v.ok else 1)


@audit_app.command("list")
def audit_list(action: str = typer.Option(None), limit: int = typer.Option(50), json_out: bool = JsonOpt) -> None:
    from oppvekst.content import audit

    rows = audit.entries(action=action, limit=limit)
    if json_out:
        _print_json(rows)
    else:
        df = pd.DataFrame(rows, columns=["seq", "at", "actor", "action", "target", "detail"])
        df["detail"] = df["detail"].map(lambda d: json.dumps(d, ensure_ascii=False)[:60])
        Console().print(_table(df, title="Revisjonslogg / audit log"))


def _administrator(user: str | None):
    """The administrator acting: OPPVEKST_TOKEN, or --user and a password."""
    from oppvekst.access import users
    from oppvekst.access.roles import Role
    from oppvekst.content import audit

    token = config.raw("OPPVEKST_TOKEN")
    p = users.from_token(token) if token else None
    if p is None and user:
        p = users.authenticate(user, typer.prompt("Passord / password", hide_input=True))
    if p is None:
        _fail(PermissionError("innlogging kreves: OPPVEKST_TOKEN eller --user / an administrator login is needed"))
    if p.role != Role.ADMINISTRATOR:
        audit.record("denied", "register", {"role": p.role.value}, who=p.name)
        _fail(PermissionError("bare en administrator kan bruke registerrettighetene / administrators only"))
    audit.current_actor.set(p.name)
    return p


@register_app.command("access")
def register_access(pseudonym: str, out: Path = typer.Option(None, help="Skriv utdraget til JSON-fil"),
                    user: str = typer.Option(None, help="Administrator (ellers OPPVEKST_TOKEN)")) -> None:
    """Innsyn: alt som er lagret under ett pseudonym / export all that is held under one pseudonym.

    Et negativt pseudonym skrives etter -- / put a negative pseudonym after --."""
    from oppvekst.disclosure import registers

    _administrator(user)
    data = _run(registers.access, pseudonym)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if out:
        out.write_text(text, encoding="utf-8")
        Console().print(f"Skrev {out} ({sum(len(v) for v in data['registers'].values())} rader).")
    else:
        typer.echo(text)


@register_app.command("correct")
def register_correct(pseudonym: str, register: str = typer.Option(..., help="Registeret, f.eks. neet"),
                     field: str = typer.Option(..., help="Feltet som rettes"),
                     value: str = typer.Option(..., help="Ny verdi"),
                     where: list[str] = typer.Option([], help="Velg rad: felt=verdi (f.eks. year=2021)"),
                     reason: str = typer.Option(..., help="Begrunnelse"),
                     rederive: bool = typer.Option(True, help="Avled aggregatene på nytt"),
                     user: str = typer.Option(None)) -> None:
    """Retting med historikk / correction with history kept."""
    from oppvekst.disclosure import registers

    _administrator(user)
    match = {}
    for w in where:
        if "=" not in w:
            _fail(InputError(f"--where {w!r}: bruk felt=verdi", field="where"))
        k, v = w.split("=", 1)
        match[k] = v
    result = _run(registers.correct, pseudonym, register=register, field=field, value=value, where=match,
                  reason=reason, rederive=rederive)
    _print_json(result)


@register_app.command("delete")
def register_delete(pseudonym: str, reason: str = typer.Option(...), rederive: bool = typer.Option(True),
                    user: str = typer.Option(None)) -> None:
    """Sletting med gravstein, og aggregatene avledes på nytt / deletion with a tombstone."""
    from oppvekst.disclosure import registers

    _administrator(user)
    result = _run(registers.delete, pseudonym, reason=reason, rederive=rederive)
    _print_json(result)
