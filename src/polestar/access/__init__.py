"""Access: organisations, users, roles, tokens, sharing agreements, and each viewer's Scope.

The edges authenticate callers (`authenticate` for tokens, `sign_in` and `resume_session` for
browser sessions), describe them as a `Viewer`, and domain
functions turn a Viewer into a `Scope` (`scope_for`) that store, search and graph queries take.
"""

from polestar.access import oversight
from polestar.access.agreements import Agreement, list_agreements, load_agreements
from polestar.access.scopes import purposes_for, scope_for
from polestar.access.sessions import NewSession, Session, open_session, resume_session
from polestar.access.sign_in import sign_in
from polestar.access.tokens import Principal, authenticate, create_token, list_tokens, revoke_token
from polestar.access.users import add_user, disable_user, list_users, reset_password, viewer_for
from polestar.access.viewer import Viewer, operator

__all__ = [
    "Agreement",
    "NewSession",
    "Principal",
    "Session",
    "Viewer",
    "add_user",
    "authenticate",
    "create_token",
    "disable_user",
    "list_agreements",
    "list_tokens",
    "list_users",
    "load_agreements",
    "open_session",
    "operator",
    "oversight",
    "purposes_for",
    "reset_password",
    "resume_session",
    "revoke_token",
    "scope_for",
    "sign_in",
    "viewer_for",
]
