"""The FastAPI application: a versioned JSON API under /api/v1 and HTML pages (bokmål first)."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from oppvekst import __version__


def _warm_up() -> None:
    from oppvekst import regions
    from oppvekst.reports import charts

    regions.regions_2024()
    regions.split_weights()
    charts.warm_up()


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Parsing the code tables and starting the chart renderer take seconds: do it beside the first requests.
    threading.Thread(target=_warm_up, daemon=True).start()
    yield


def create_app() -> FastAPI:
    app = FastAPI(title="Oppvekst", version=__version__, lifespan=lifespan,
                  description="Kunnskapssystem for barn og unges oppvekst / knowledge system for children "
                              "and young people. Versioned JSON API under /api/v1.")
    from oppvekst.web import api, asss, economics, evidence, mission, pages, profiles, trials

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(evidence.router)
    app.include_router(profiles.router)
    app.include_router(asss.router)
    app.include_router(trials.api)
    app.include_router(trials.pages)
    app.include_router(economics.api)
    app.include_router(economics.pages)
    app.include_router(mission.api)
    app.include_router(mission.pages)
    from oppvekst.access import install_warehouse_audit
    from oppvekst.web import auth, restricted

    install_warehouse_audit()
    app.add_middleware(auth.AccessMiddleware)          # request rate, body and query size
    app.add_exception_handler(OverflowError, auth.number_out_of_range)
    app.include_router(auth.router)
    app.include_router(auth.api)
    app.include_router(restricted.api)
    app.include_router(restricted.pages)
    return app
