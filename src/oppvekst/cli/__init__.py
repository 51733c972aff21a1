"""The `oppvekst` command line: thin, it calls the packages. Every data command answers --json too."""

from __future__ import annotations

import typer

app = typer.Typer(help="Oppvekst: kunnskapssystem for barn og unges oppvekst.", no_args_is_help=True)


def _register() -> None:
    # Each capability keeps its commands in its own module here; importing registers them on `app`.
    from oppvekst.access import install_warehouse_audit
    from oppvekst.cli import (  # noqa: F401
        access,
        core,
        disclosure,
        economics,
        evidence,
        microdata,
        mission,
        profiles,
        settings,
        trials,
    )

    install_warehouse_audit()   # every release loaded or rolled back from the command line is audited

    app.add_typer(evidence.app, name="evidence")
    app.add_typer(trials.app, name="trials")
    app.add_typer(economics.app, name="economics")
    app.add_typer(mission.app, name="mission")


def main() -> None:
    _register()
    app()
