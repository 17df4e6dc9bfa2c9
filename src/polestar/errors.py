"""Domain exceptions: the CLI maps them to exit codes, the web to the error envelope."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, as the error envelope's `errors` list shows it."""

    field: str
    message: str


class PolestarError(Exception):
    """Base of every domain error; `status` is the HTTP status the web layer answers with."""

    status = 500

    def __init__(self, message: str, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)


class NotFound(PolestarError):
    """The thing does not exist, or the viewer may not know that it does."""

    status = 404


class Unauthorised(PolestarError):
    """The caller is not signed in: no credentials, or ones that are wrong, expired or revoked."""

    status = 401


class Forbidden(PolestarError):
    """The viewer may not do this."""

    status = 403


class InvalidInput(PolestarError):
    """A request or command-line input that cannot be used as given (exit 2 / HTTP 422)."""

    status = 422


class InvalidMapping(InvalidInput):
    """A source mapping file is broken; `errors` lists every problem in it at once."""


class UnreadableInput(InvalidInput):
    """An input file cannot be read at all, or lacks a column its mapping requires."""


class InvalidValue(ValueError):
    """A value failed its normaliser; the message says why in words a person can act on,
    quoting the value refused (`'AB1' is not a VRM`) and no other."""


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')


def without_values(reason: str) -> str:
    """`reason` with the values it quotes shown as `[value]`. A caller correcting its own
    input wants the value named; a field warning kept in the store, or summarised on stderr,
    is read without a purpose, and the value it names may be a date of birth or a PNC ID."""
    return _QUOTED.sub("[value]", reason)


class Unavailable(PolestarError):
    """A service Polestar depends on (such as the identity provider) does not answer."""

    status = 503


class TooManyRequests(PolestarError):
    """The caller has made more requests than their rate limit allows; retry after a while."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
