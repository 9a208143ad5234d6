"""Who is asking, and may they: sessions with idle and absolute timeouts, CSRF tokens, API tokens, login limits.

The session lives in a signed cookie (Starlette's SessionMiddleware: HttpOnly, SameSite=Lax so the provider's
redirect back still carries the login state, Secure when served over TLS). Inside it: the identity, when it
was established (absolute timeout), when it was last used (idle timeout) and a CSRF token that every
state-changing request must echo in the X-CSRF-Token header. Requests with an API token carry no cookie and
need no CSRF token: a browser never sends the Authorization header on its own.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable

from starlette.requests import Request

from golive.web.accounts import Accounts
from golive.web.team import Identity, Team

CSRF_HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use; an anonymous session has one too, for the login form)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request) -> bool:
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER, "")
    return isinstance(expected, str) and bool(given) and hmac.compare_digest(expected, given)


class LoginLimiter:
    """At most `failures` failed logins per `window` seconds, per source address and per account name."""

    def __init__(self, failures: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.failures, self.window, self.clock = failures, window, clock
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        q = self._seen.setdefault(key, deque())
        now = self.clock()
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> float:
        """Seconds until one more attempt is allowed (0: allowed now)."""
        wait = 0.0
        for key in keys:
            q = self._recent(key)
            if len(q) >= self.failures:
                wait = max(wait, q[0] + self.window - self.clock())
        return wait

    def failed(self, *keys: str) -> None:
        for key in keys:
            self._recent(key).append(self.clock())


class Sessions:
    def __init__(self, team: Team, accounts: Accounts, clock: Callable[[], float] = time.time) -> None:
        self.team, self.accounts, self.clock = team, accounts, clock

    def start(self, request: Request, who: Identity) -> None:
        """A fresh session for `who`: new CSRF token too, so one planted before login is worthless after it."""
        request.session.clear()
        now = self.clock()
        request.session.update({"who": who.as_session(), "since": now, "seen": now,
                                "csrf": secrets.token_urlsafe(32)})

    def end(self, request: Request) -> None:
        request.session.clear()

    def who(self, request: Request, touch: bool = True) -> Identity | None:
        """The authenticated identity, from an API token or the session; None when absent or timed out."""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            grant = self.accounts.check_token(auth[7:].strip())
            if grant is None:
                return None
            return Identity(person=grant.person, method="token", token_role=grant.role, token_id=grant.token_id)
        data = request.session.get("who")
        if not isinstance(data, dict):
            return None
        now = self.clock()
        since, seen = float(request.session.get("since", 0)), float(request.session.get("seen", 0))
        limits = self.team.config.session
        if now - since > limits.absolute or now - seen > limits.idle:
            self.end(request)
            return None
        if touch:
            request.session["seen"] = now
        return Identity.from_session(data)

    def expires_in(self, request: Request) -> float:
        """Seconds until this session ends on its own (absolute timeout), for long-lived streams."""
        since = float(request.session.get("since", 0))
        return max(0.0, since + self.team.config.session.absolute - self.clock())
