"""The FastAPI application: a versioned JSON API under /api/v1 and HTML pages (bokmål first)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from oppvekst import __version__


def create_app() -> FastAPI:
    app = FastAPI(title="Oppvekst", version=__version__,
                  description="Kunnskapssystem for barn og unges oppvekst / knowledge system for children "
                              "and young people. Versioned JSON API under /api/v1.")
    from oppvekst.web import api, evidence, pages

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(evidence.router)
    return app
