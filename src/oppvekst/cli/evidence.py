"""`oppvekst evidence ...` (felles kunnskapsbase)."""

import typer

app = typer.Typer(help="Felles kunnskapsbase: tiltak, studier, metaanalyse.", no_args_is_help=True)
