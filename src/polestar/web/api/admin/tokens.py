"""`/api/v1/admin/tokens`: list, create (the secret is shown once) and revoke API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from polestar.access import Viewer, administration
from polestar.access.tokens import DEFAULT_DAYS, TokenInfo
from polestar.web.api.admin.callers import AdminViewer
from polestar.web.deps import Cursor, Limit, SettingsDep, StoreDep

router = APIRouter(prefix="/tokens", tags=["admin"])


class TokenIn(BaseModel):
    user: str = Field(description="The user the token speaks for.")
    scopes: list[str] = Field(description="Any of read, review, admin.")
    days: int = Field(DEFAULT_DAYS, ge=1, le=3660, description="Days until it expires.")


class TokenOut(BaseModel):
    id: str
    user: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    status: str = Field(description="active, expired, revoked or user-disabled.")

    @classmethod
    def of(cls, token: TokenInfo) -> TokenOut:
        return cls.model_validate(token.as_dict())


class TokensOut(BaseModel):
    tokens: list[TokenOut]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page; None on the last."
    )


class NewTokenOut(BaseModel):
    """A token just made: `token` is its secret, never stored and never shown again."""

    id: str
    token: str
    user: str
    scopes: list[str]
    expires_at: datetime


@router.get("", response_model=TokensOut)
def list_tokens(
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.tokens.list"))],
    engine: StoreDep,
    settings: SettingsDep,
    limit: Limit = 100,
    cursor: Cursor = 0,
) -> TokensOut:
    """Tokens and their status, newest first, a page at a time; never a secret."""
    now = datetime.now(UTC)
    page = administration.list_tokens(engine, settings, viewer, now, limit, cursor)
    return TokensOut(tokens=[TokenOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.post("", response_model=NewTokenOut, status_code=status.HTTP_201_CREATED)
def create_token(
    body: TokenIn,
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.tokens.create"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> NewTokenOut:
    """Create a token for a user; copy the secret now."""
    token = administration.create_token(
        engine, settings, viewer, datetime.now(UTC), body.user, body.scopes, body.days
    )
    return NewTokenOut.model_validate(token.as_dict())


@router.post("/{token_id}/revoke", response_model=TokenOut)
def revoke_token(
    token_id: str,
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.tokens.revoke"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> TokenOut:
    """Revoke a token by its id; it stops working at once."""
    token = administration.revoke_token(engine, settings, viewer, datetime.now(UTC), token_id)
    return TokenOut.of(token)
