"""What the console's endpoints share: its settings, the objects made from them once at start, and the guards
that stand before every endpoint (session or token, CSRF token on a change, the viewer and operator roles).

The guards live here, not in each endpoint, so that an endpoint can only be reached through them: the route
table in `golive.web.app` wraps every handler it lists."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from golive.errors import RunNotFound
from golive.store.base import Store
from golive.web.accounts import Accounts
from golive.web.auth import LoginLimiter, Sessions, csrf_ok
from golive.web.feed import Feeds, RunsFeed
from golive.web.launch import PlanLibrary, Supervisor
from golive.web.oidc import OidcLogin, login_redirect
from golive.web.replies import SECURITY_HEADERS, error, event_json
from golive.web.revalidate import OK, Revalidator, Standing
from golive.web.team import OPERATOR, VIEWER, Identity, Team
from golive.web.views import ViewCache

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Identity], Awaitable[Response]]
RunHandler = Callable[[Request, Identity, str], Awaitable[Response]]
#: How long a stream opened with an API token stays open (a session's stream ends when the session does).
TOKEN_STREAM_SECONDS = 12 * 3600


@dataclass
class Console:
    """What the console runs with: the run log, the team, its own state, and how it is served."""

    store: Store
    team: Team
    accounts: Accounts
    tls: bool = False
    #: The store location given to `golive resume` when an operator resumes a run from the page.
    store_location: str | None = None
    poll_interval: float = 0.2
    heartbeat: float = 15.0
    #: The plans directory operators start runs from (None: starting from the console is off).
    plans: Path | None = None


class Served:
    """One console being served. `store` is used from the event loop's thread only (SQLite connections are per
    thread)."""

    def __init__(self, c: Console) -> None:
        self.c = c
        self.store = c.store
        self.team = c.team
        self.sessions = Sessions(c.team, c.accounts)
        limits = c.team.config.login_limit
        self.limiter = LoginLimiter(limits.failures, limits.window)
        self.used_codes: set[tuple[str, int]] = set()
        self.oidc = OidcLogin(c.team.oidc, c.team) if c.team.oidc else None
        self.revalidator = Revalidator(self.oidc, self.sessions.live, c.accounts.session_secret(),
                                       c.team.oidc.revalidate, self.sessions.clock) \
            if self.oidc is not None and c.team.oidc is not None else None
        self.key = c.accounts.server_key()
        self.server_line = self.key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                              serialization.PublicFormat.OpenSSH).decode()
        self.feeds = Feeds(c.store, event_json, c.poll_interval)
        self.runs_feed = RunsFeed(c.store, c.poll_interval)
        self.views = ViewCache()
        self.library = PlanLibrary(c.plans)
        self.runners = Supervisor(c.accounts.dir, c.store_location, on_change=self.feeds.poke)

    async def still(self, request: Request) -> bool:
        """Whether an open stream's identity is still accepted (asked before each frame it sends): logging out,
        disabling the account, a new password, a revoked token or the OpenID provider's refusal ends the stream,
        not only the next request."""
        who = self.sessions.who(request, touch=False, idle=False)
        return who is not None and (await self.standing(request, who, change=False)).live

    async def standing(self, request: Request, who: Identity, change: bool) -> Standing:
        """For a session from the OpenID provider: whether the provider still stands by it, asked again before
        every change and at most every `oidc.revalidate` otherwise (golive.web.revalidate)."""
        if who.method != "oidc":
            return OK
        sid = request.session.get("sid")
        if self.revalidator is None or not isinstance(sid, str):
            self.sessions.end(request)
            return Standing(False, False, "this console no longer signs in through an identity provider; log in"
                                          " again")
        standing = await self.revalidator.check(sid, change)
        if not standing.live:
            request.session.clear()
        return standing

    def stream_ends_at(self, request: Request, who: Identity) -> float:
        """A stream ends when its session would expire, even if nobody asks for anything in between."""
        return asyncio.get_running_loop().time() + (self.sessions.expires_in(request) if who.method != "token"
                                                    else TOKEN_STREAM_SECONDS)

    # -- guards -------------------------------------------------------------------------------------------
    def page(self, html: str) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            who = self.sessions.who(request)
            if who is None or not (await self.standing(request, who, change=False)).live:
                return login_redirect(request.url.path)
            return HTMLResponse(html, headers=SECURITY_HEADERS)
        return endpoint

    def api(self, handler: Handler, changes: bool = False) -> Endpoint:
        """Session or token (401), CSRF token on a change made with a session (403), an OIDC session still
        accepted by its provider (401 when refused; a change is refused with 503 when the provider does not
        answer); roles are the handler's."""
        async def endpoint(request: Request) -> Response:
            who = self.sessions.who(request)
            if who is None:
                return error(401, "log in first", login="/login")
            if changes and who.method != "token" and not csrf_ok(request):
                return error(403, "missing or wrong CSRF token (reload the page)")
            standing = await self.standing(request, who, change=changes)
            if not standing.live:
                return error(401, standing.reason, login="/login")
            if changes and not standing.may_change:
                return error(503, standing.reason)
            if standing.groups is not None:  # roles by group follow what the provider said just now
                who = replace(who, groups=standing.groups)
            if not self.team.holds(who, VIEWER) and who.token_role is None:
                return error(403, f"{who.person} may not view runs here")
            return await handler(request, who)
        return endpoint

    def with_run(self, handler: RunHandler) -> Handler:
        async def endpoint(request: Request, who: Identity) -> Response:
            wanted = request.path_params["run_id"]
            try:
                run_id = self.store.get_run(wanted).id
            except RunNotFound:
                return error(404, f"no run '{wanted}'")
            return await handler(request, who, run_id)
        return endpoint

    def operator(self, handler: RunHandler) -> RunHandler:
        async def endpoint(request: Request, who: Identity, run_id: str) -> Response:
            if not self.team.holds(who, OPERATOR):
                return error(403, f"{who.person} is not an operator")
            return await handler(request, who, run_id)
        return endpoint

    def starts_runs(self, handler: Handler) -> Handler:
        async def endpoint(request: Request, who: Identity) -> Response:
            if not self.team.holds(who, OPERATOR):
                return error(403, f"{who.person} is not an operator")
            if self.c.plans is None:
                return error(404, "no plans directory is configured (golive web --plans DIR, or plans: in the"
                                  " team config)")
            return await handler(request, who)
        return endpoint
