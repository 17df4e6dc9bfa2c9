"""The one error envelope: `{"ok": false, "error", "errors", "status"}` — never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from polestar.errors import PolestarError

logger = logging.getLogger(__name__)


def envelope(status: int, message: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error": message, "errors": errors or [], "status": status},
        status_code=status,
    )


def install(app: FastAPI) -> None:
    """Map every error a request can raise to the envelope."""

    @app.exception_handler(PolestarError)
    async def domain_error(_request: Request, exc: PolestarError) -> JSONResponse:
        return envelope(
            exc.status, exc.message, [{"field": e.field, "message": e.message} for e in exc.errors]
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in error["loc"]), "message": error["msg"]}
            for error in exc.errors()
        ]
        return envelope(422, "the request is not valid", errors)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return envelope(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error", exc_info=exc)
        return envelope(500, "something went wrong on our side; it has been logged")
