"""The one error envelope: `{"ok": false, "error", "errors", "status"}` — never a traceback.

An unexpected exception is logged by type and place only: its message may quote personal data
(a database error quotes its parameters), and so would the server's own error log if the
exception reached it, so `Contained` answers it before it can.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polestar.errors import PolestarError, TooManyRequests

logger = logging.getLogger(__name__)


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """The envelope every error answers with (CONVENTIONS.md, HTTP API)."""

    ok: Literal[False]
    error: str
    errors: list[FieldErrorOut]
    status: int


# What any API route may answer besides success, declared so clients (and Schemathesis) can
# check an error against its schema like any other answer.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "The body cannot be read (not JSON, or not UTF-8)."),
        (401, "No valid API token."),
        (403, "The token's scopes or the caller's roles do not allow this."),
        (404, "No such thing, or none the caller may see."),
        (422, "The request is not valid: a field, or a missing or disallowed purpose."),
        (429, "Over `POLESTAR_RATE_LIMIT_PER_MINUTE`: retry after `Retry-After` seconds."),
    )
}


def envelope(status: int, message: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse(
        {"ok": False, "error": message, "errors": errors or [], "status": status},
        status_code=status,
    )


class Contained:
    """ASGI middleware: an unexpected exception becomes a 500 envelope and a log line naming
    its type and the frames it passed through, never its message or the request's data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:  # the last line of defence
            frames = "; ".join(
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(exc.__traceback__)
            )
            logger.error("unhandled %s in %s %s: %s", type(exc).__name__,
                         scope["method"], scope["path"], frames)  # fmt: skip
            if not started:
                response = envelope(500, "something went wrong on our side; it has been logged")
                await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Map every error a request can raise to the envelope."""

    @app.exception_handler(PolestarError)
    async def domain_error(_request: Request, exc: PolestarError) -> JSONResponse:
        response = envelope(
            exc.status, exc.message, [{"field": e.field, "message": e.message} for e in exc.errors]
        )
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

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

    app.add_middleware(Contained)
