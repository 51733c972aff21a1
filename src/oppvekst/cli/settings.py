"""`oppvekst settings`: every setting, its value in force and what it does (secrets only as set / not set)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from oppvekst import config
from oppvekst.cli import app


@app.command("settings")
def settings(json_out: bool = typer.Option(False, "--json", help="Svar i JSON (for skript).")) -> None:
    """Innstillinger og verdiene som gjelder / the settings and the values in force."""
    rows = config.current()
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("innstilling / setting", "verdi / value", "fra miljøet / from env", "hva / what")
    for r in rows:
        table.add_row(r["name"], "" if r["value"] is None else str(r["value"]),
                      "ja" if r["from_environment"] else "", r["help"])
    Console().print(table)
