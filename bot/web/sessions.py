"""Anonymous sessions and the CSRF token bound to them.

A session is a random id in an HttpOnly cookie; the dialogue and the store only
ever see it as the user id `web:<id>`, which the store hashes like any other user
id. The CSRF token is an HMAC of the session id under a server secret, so a page
of another site (which can neither read our cookie nor compute the HMAC) cannot
forge a POST, and every worker process checks it without shared state.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "hh_session"
COOKIE_MAX_AGE = 365 * 24 * 3600
"""A year: residents come back to the same link, and their language and committee stay."""
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{32}")


def new_session_id() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 random bits


def session_of(request: Request) -> tuple[str, bool]:
    """The request's session id and whether it is new (a missing or malformed cookie)."""
    value = request.cookies.get(COOKIE, "")
    if _SESSION_ID.fullmatch(value):
        return value, False
    return new_session_id(), True


def user_id(session_id: str) -> str:
    return f"web:{session_id}"


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


class CsrfTokens:
    """Tokens that only this server (any of its workers) can make for a session."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the CSRF secret must be at least 16 characters")
        self._key = secret.encode()

    def token(self, session_id: str) -> str:
        return hmac.new(self._key, f"csrf:{session_id}".encode(), hashlib.sha256).hexdigest()

    def valid(self, session_id: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.token(session_id), str(token))
