"""Access: organisations, users, roles, tokens, sharing agreements, and each viewer's Scope.

The edges authenticate callers (`authenticate`), describe them as a `Viewer`, and domain
functions turn a Viewer into a `Scope` (`scope_for`) that store, search and graph queries take.
"""

from polestar.access import administration, oversight
from polestar.access.agreements import Agreement, list_agreements, load_agreements
from polestar.access.scopes import scope_for
from polestar.access.tokens import Principal, authenticate, create_token, list_tokens, revoke_token
from polestar.access.users import add_user, disable_user, list_users, viewer_for
from polestar.access.viewer import Viewer, operator

__all__ = [
    "Agreement",
    "Principal",
    "Viewer",
    "add_user",
    "administration",
    "authenticate",
    "create_token",
    "disable_user",
    "list_agreements",
    "list_tokens",
    "list_users",
    "load_agreements",
    "operator",
    "oversight",
    "revoke_token",
    "scope_for",
    "viewer_for",
]
