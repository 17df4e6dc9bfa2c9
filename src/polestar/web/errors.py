"""The one error envelope: `{"ok": false, "error", "errors", "status"}` — never a traceback.

Under `/api/` an error is that envelope; anywhere else a person is reading pages, so the same
status, message and field errors come as a page that says what to do next (`error.html`).

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
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from polestar.errors import PolestarError, TooManyRequests
from polestar.web.pages.shell import templates
from polestar.web.privacy import API_PREFIX

logger = logging.getLogger(__name__)

# A page's title and what to do next, per status; other statuses borrow their class's.
_PAGES = {
    400: ("This request could not be read", "Go back, check the form and try again."),
    401: ("Please sign in", "Sign in, then choose why you are looking."),
    403: ("You may not do this", "Your role does not allow it; ask your supervisor."),
    404: ("Not found", "There is nothing here you may see. Check the address, or search again."),
    405: ("Not available here", "Go back and use the page's own buttons and links."),
    422: ("Check what you entered", "Correct the fields below and try again."),
    429: ("Too many requests", "Wait a minute, then try again."),
    500: ("Something went wrong on our side", "It has been logged. Try again later."),
    503: ("Not available just now", "A service Polestar relies on did not answer; try again soon."),
}  # fmt: skip


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


def error_page(
    request: Request, status: int, message: str, errors: list[dict[str, str]] | None = None
) -> HTMLResponse:
    """The error as a page in the app's shell: what happened and what to do next."""
    title, advice = _PAGES.get(status) or _PAGES[500 if status >= 500 else 400]
    context = {"title": title, "message": message, "errors": errors or [], "advice": advice}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)


def respond(
    request: Request, status: int, message: str, errors: list[dict[str, str]] | None = None
) -> Response:
    """An envelope for the API, a page for everything else."""
    if request.url.path.startswith(API_PREFIX):
        return envelope(status, message, errors)
    return error_page(request, status, message, errors)


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
                message = "something went wrong on our side; it has been logged"
                response = respond(Request(scope), 500, message)
                await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Map every error a request can raise to the envelope."""

    @app.exception_handler(PolestarError)
    async def domain_error(request: Request, exc: PolestarError) -> Response:
        response = respond(
            request,
            exc.status,
            exc.message,
            [{"field": e.field, "message": e.message} for e in exc.errors],
        )
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in error["loc"]), "message": error["msg"]}
            for error in exc.errors()
        ]
        return respond(request, 422, "the request is not valid", errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return respond(request, exc.status_code, str(exc.detail))

    app.add_middleware(Contained)
