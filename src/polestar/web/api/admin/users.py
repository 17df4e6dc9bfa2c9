"""`/api/v1/admin/users`: list, add and disable users, and reset a password."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from polestar.access import Viewer, administration
from polestar.access.users import User
from polestar.web.api.admin.callers import AdminViewer
from polestar.web.deps import Cursor, Limit, SettingsDep, StoreDep

router = APIRouter(prefix="/users", tags=["admin"])


class UserIn(BaseModel):
    username: str = Field(description="2–64 characters: a-z, 0-9, '.', '_', '-'.")
    organisation: str = Field(description="An organisation slug (`GET /admin/organisations`).")
    roles: list[str] = Field(description="Role slugs (`GET /admin/roles`).")
    full_name: str | None = Field(None, max_length=200)


class UserOut(BaseModel):
    username: str
    full_name: str | None
    organisation: str
    roles: list[str]
    created_at: datetime
    disabled: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls.model_validate(user.as_dict())


class UsersOut(BaseModel):
    users: list[UserOut]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page; None on the last."
    )


@router.get("", response_model=UsersOut)
def list_users(
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.users.list"))],
    engine: StoreDep,
    settings: SettingsDep,
    limit: Limit = 100,
    cursor: Cursor = 0,
) -> UsersOut:
    """Users, disabled ones included, by organisation then name, a page at a time."""
    page = administration.list_users(engine, settings, viewer, limit, cursor)
    return UsersOut(users=[UserOut.of(u) for u in page.items], next_cursor=page.next_cursor)


@router.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def add_user(
    body: UserIn,
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.users.add"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> UserOut:
    """Add a user; every problem with the request is listed at once (422)."""
    user = administration.add_user(
        engine,
        settings,
        viewer,
        datetime.now(UTC),
        body.username,
        body.organisation,
        body.roles,
        body.full_name,
    )
    return UserOut.of(user)


@router.post("/{username}/disable", response_model=UserOut)
def disable_user(
    username: str,
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.users.disable"))],
    engine: StoreDep,
    settings: SettingsDep,
) -> UserOut:
    """Disable a user: their tokens stop working at once. Users are never deleted."""
    user = administration.disable_user(engine, settings, viewer, datetime.now(UTC), username)
    return UserOut.of(user)


class PasswordIn(BaseModel):
    password: str | None = Field(
        None, max_length=1024, description="A chosen password (NCSC rules); omit to generate."
    )


class NewPasswordOut(BaseModel):
    """A generated password is shown this once (`null` for a chosen one); stored as a hash."""

    username: str
    password: str | None


@router.post("/{username}/reset-password", response_model=NewPasswordOut)
def reset_password(
    username: str,
    viewer: Annotated[Viewer, Depends(AdminViewer("admin.users.reset-password"))],
    engine: StoreDep,
    settings: SettingsDep,
    body: PasswordIn | None = None,
) -> NewPasswordOut:
    """Set the user's password (generated unless one is given) and end their sessions; lifts
    a lockout. A chosen password that breaks a rule is a 422 listing each."""
    chosen = None if body is None else body.password
    new = administration.reset_password(
        engine, settings, viewer, datetime.now(UTC), username, chosen
    )
    return NewPasswordOut.model_validate(new.as_dict())
