"""A demo user of the canary county signed in through the real forms, with a purpose (and a
justification when asked), as a browser on `https://testserver` would be."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from polestar.access.users import reset_password
from polestar.web.app import create_app
from tests.canary import ACTOR, JUSTIFICATION, PURPOSES, Seeded
from tests.web.sessions import BASE_URL, Account, sign_in


@contextmanager
def signed_in(seeded: Seeded, user: str, justified: bool = False) -> Iterator[TestClient]:
    """A client holding `user`'s session, their purpose chosen."""
    password = reset_password(seeded.engine, user, datetime.now(UTC), actor=ACTOR).password
    app = create_app(seeded.settings)
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        token = sign_in(client, Account(user, password))
        form = {"purpose": PURPOSES[user], "csrf_token": token, "next": "/"}
        if justified:
            form["justification"] = JUSTIFICATION
        response = client.post("/purpose", data=form)
        assert response.status_code == 303, response.text
        yield client
