"""Who is asking, and may they: sessions with idle and absolute timeouts, CSRF tokens, API tokens, login limits.

The session cookie is signed (Starlette's SessionMiddleware: HttpOnly, SameSite=Lax so the provider's
redirect back still carries the login state, Secure when served over TLS). Inside it: a session id the server
keeps a list of (golive.web.sessions: who, since when), when it was last used (idle timeout) and a CSRF token
that every state-changing request must echo in the X-CSRF-Token header. Requests with an API token carry no cookie and
need no CSRF token: a browser never sends the Authorization header on its own.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from golive.web.accounts import Accounts
from golive.web.sessions import SessionList
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
    """The cookie holds a session id, its CSRF token and when it was last used; who it is, since when, and
    whether it still counts is the server's (golive.web.sessions), so logging out is final."""

    def __init__(self, team: Team, accounts: Accounts, clock: Callable[[], float] = time.time) -> None:
        self.team, self.accounts, self.clock = team, accounts, clock
        self.live = SessionList(accounts.dir / "sessions.json", team.config.session.absolute, clock)

    def start(self, request: Request, who: Identity, account: str | None = None) -> str:
        """A fresh session for `who` (`account`: the local account it logged in with): a new id and a new CSRF
        token, so neither one planted before login is worth anything after it. Returns the session id."""
        old = request.session.get("sid")
        if isinstance(old, str):
            self.live.end(old)
        request.session.clear()
        now = self.clock()
        record = {"who": who.as_session(), "since": now, "account": account,
                  "epoch": self.accounts.epoch(account) if account else None}
        sid = self.live.create(record)
        request.session.update({"sid": sid, "seen": now, "csrf": secrets.token_urlsafe(32)})
        return sid

    def end(self, request: Request) -> dict[str, dict[str, Any]]:
        """End this request's session; {id: its record as it ended} (for the tokens to revoke)."""
        sid = request.session.get("sid")
        record = self.live.end(sid) if isinstance(sid, str) else None
        request.session.clear()
        return {sid: record} if isinstance(sid, str) and record is not None else {}

    def end_everywhere(self, who: Identity) -> dict[str, dict[str, Any]]:
        """Every session of this person, whichever way they logged in (this one too); {id: record as it ended}."""
        return self.live.end_all(_of(who))

    def everywhere(self, who: Identity) -> list[str]:
        """The ids of every session of this person (to revoke their provider tokens before ending them)."""
        return self.live.matching(_of(who))

    def end_account(self, account: str) -> int:
        return self.live.end_where(lambda rec: rec.get("account") == account)

    def _record(self, request: Request) -> dict[str, object] | None:
        sid = request.session.get("sid")
        return self.live.get(sid) if isinstance(sid, str) else None

    def who(self, request: Request, touch: bool = True, idle: bool = True) -> Identity | None:
        """The authenticated identity, from an API token or the session; None when absent, timed out, ended
        (logged out, everywhere too), or its local account was disabled or given a new password since. Asked
        on each request, and before each frame of an open stream (`idle=False`: a stream being watched is not
        idle, though its cookie, read once when it opened, does not show it)."""
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            grant = self.accounts.check_token(auth[7:].strip())
            if grant is None:
                return None
            return Identity(person=grant.person, method="token", token_role=grant.role, token_id=grant.token_id)
        if "sid" not in request.session:
            return None
        rec = self._record(request)
        if rec is None or not isinstance(rec.get("who"), dict):
            request.session.clear()
            return None
        now = self.clock()
        since, seen = float(str(rec.get("since", 0))), float(request.session.get("seen", 0))
        limits = self.team.config.session
        account = rec.get("account")
        stale = isinstance(account, str) and self.accounts.epoch(account) != rec.get("epoch")
        if stale or now - since > limits.absolute or (idle and now - seen > limits.idle):
            self.end(request)
            return None
        if touch:
            request.session["seen"] = now
        data = rec["who"]
        assert isinstance(data, dict)
        return Identity.from_session(data)

    def account(self, request: Request) -> str | None:
        """The local account this session logged in with (None: OIDC, a token, or no session)."""
        rec = self._record(request)
        account = rec.get("account") if rec else None
        return account if isinstance(account, str) else None

    def expires_in(self, request: Request) -> float:
        """Seconds until this session ends on its own (absolute timeout), for long-lived streams."""
        rec = self._record(request)
        since = float(str(rec.get("since", 0))) if rec else 0.0
        return max(0.0, since + self.team.config.session.absolute - self.clock())


def _of(who: Identity) -> Callable[[dict[str, Any]], bool]:
    person = who.person.casefold()
    return lambda rec: str(rec.get("who", {}).get("person", "")).casefold() == person
