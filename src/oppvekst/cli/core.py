"""Core commands: build, serve, load, releases, regions, show."""

from __future__ import annotations

import typer

from oppvekst.cli import app


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web application and the JSON API."""
    import uvicorn

    uvicorn.run("oppvekst.web.app:create_app", factory=True, host=host, port=port)


@app.command()
def build() -> None:
    """Build the warehouse from the bundled data."""
    typer.echo("not built yet")
