"""The FastAPI application: a versioned JSON API under /api/v1 and HTML pages (bokmål first)."""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(title="Oppvekst", version="0.1.0",
                  description="Kunnskapssystem for barn og unges oppvekst / knowledge system for children")
    from oppvekst.web import evidence

    app.include_router(evidence.router)
    return app
