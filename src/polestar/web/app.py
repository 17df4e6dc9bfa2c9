"""`create_app()`: the web app, its error envelope and its pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from polestar.access.rate_limits import StoredWindow
from polestar.settings import Settings, get_settings
from polestar.store.engine import create_engine
from polestar.store.schema import upgrade
from polestar.store.wal import checkpoints_in_background
from polestar.web import api, errors, pages, privacy, sessions, sign_in, sso
from polestar.web.pages import home, pwa
from polestar.web.switching import prompt_handovers


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Polestar web app, bound to the configured store (created or upgraded at start)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings=settings)
        upgrade(engine)
        app.state.engine = engine
        app.state.rate_limiter = StoredWindow(engine, "requests", settings.rate_limit_per_minute)
        app.state.summaries = home.Summaries(engine)
        with checkpoints_in_background(engine), prompt_handovers():
            yield
        engine.dispose()

    app = FastAPI(
        title="Polestar",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # Every route, whichever router adds it, refuses a cross-site state change.
        dependencies=[Depends(sessions.check_csrf)],
    )
    app.state.settings = settings
    sessions.install(app)  # inside `errors.Contained`, which `errors.install` adds around it
    errors.install(app)
    app.add_middleware(privacy.NoStore)
    privacy.quiet_logs()
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(sign_in.router)
    app.include_router(sso.router)
    app.mount("/static", StaticFiles(directory=pwa.STATIC), name="static")
    return app
