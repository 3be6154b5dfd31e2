"""The FastAPI application: ``create_app(workspace)``; OpenAPI at /openapi.json, docs at /docs.

Concurrency with the CLI (DuckDB's file lock): see :mod:`idic.service.access` and
docs/api.md. The app never holds the database file longer than a unit of work.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from idic import __version__
from idic.api import errors, openapi
from idic.api.headers import SecurityHeaders
from idic.api.limits import BodyLimit
from idic.api.routes import accounts, collect, customers, privacy
from idic.api.settings import ApiSettings
from idic.api.state import AppState
from idic.errors import WorkspaceError
from idic.fsperm import private_dir, private_umask
from idic.workspace import SETTINGS_FILE


def create_app(workspace: Path | str, settings: ApiSettings | None = None) -> FastAPI:
    """The idic API for the workspace folder ``workspace``."""
    path = Path(workspace)
    if not (path / SETTINGS_FILE).exists():
        raise WorkspaceError(f"{path} is not an idic workspace (no {SETTINGS_FILE})",
                             hint=f"create it with `idic init --workspace {path}`")
    settings = settings or ApiSettings()
    private_umask()  # spool, audit, erasure rewrites, compaction: owner-only files
    private_dir(path)
    state = AppState(path, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.start()
        if settings.gc_freeze:
            # everything loaded so far (Ibis, DuckDB, the app, the lookup index) lives as
            # long as the process: out of the collector's sight, a full collection takes
            # milliseconds instead of 100-300 ms with every request on the loop waiting
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            state.stop()

    app = FastAPI(title="idic", version=__version__, lifespan=lifespan,
                  description="Customer strategy engine: collection (Segment-compatible), "
                  "customer 360, consent, data-subject rights, audit. Every /v1 route "
                  "needs `Authorization: Bearer KEY` (collection also accepts HTTP Basic "
                  "with the key as user name).")
    app.state.idic = state
    errors.install(app)
    openapi.install(app)
    collection = {"/v1/batch", *(f"/v1/{c}" for c in collect.CALLS)}
    app.add_middleware(BodyLimit, limit_for=lambda path: settings.max_body_bytes
                       if path in collection else settings.max_request_bytes)
    app.add_middleware(SecurityHeaders)  # (added last: outermost, so 413s get them too)

    @app.get("/v1/health", tags=["meta"], summary="Liveness (no key needed, no data)")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(customers.router)  # first: routes are matched in order, per request
    app.include_router(collect.router)
    app.include_router(privacy.router)
    app.include_router(accounts.router)
    from idic.api.routes import audiences as audience_routes

    app.include_router(audience_routes.router)
    from idic.api.routes import tasks as task_routes

    app.include_router(task_routes.router)
    from idic.api.routes import nba as nba_routes

    app.include_router(nba_routes.router)
    try:
        from idic.web.routes import router as web_router
    except ImportError:  # the dashboard is not built yet
        web_router = None
    if web_router is not None:
        app.include_router(web_router)
    return app
