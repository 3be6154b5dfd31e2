"""idic errors -> HTTP statuses, one JSON shape: ``{"detail": message, "hint": hint}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from idic.errors import (
    IdicError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    WorkspaceError,
)


def install(app: FastAPI) -> None:
    @app.exception_handler(IdicError)
    async def _idic(_: Request, exc: IdicError) -> JSONResponse:
        status = (400 if isinstance(exc, InputError) else 404 if isinstance(exc, NotFoundError)
                  else 403 if isinstance(exc, PermissionDeniedError)
                  else 503 if isinstance(exc, WorkspaceError) else 500)
        return JSONResponse({"detail": str(exc), "hint": exc.hint}, status_code=status)
