"""The team console: Starlette app with login (OIDC or local accounts), the runs list, one run live over server-sent
events, and the decisions people take there, each checked for session, role and CSRF token and sealed into the
run's log. Pages carry no data: the script fetches the JSON API and builds the DOM with textContent only.

This module is the route table: every URL the console answers and the guards it passes through, in one place, so
that what may be reached without logging in, or changed without a CSRF token, can be read off one list."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route

import golive.web.pages as pages
from golive.store.base import Store
from golive.web.accounts import Accounts
from golive.web.console import Console, Served
from golive.web.login_api import LoginApi
from golive.web.oidc import CALLBACK
from golive.web.runs_api import RunsApi
from golive.web.start_api import StartApi
from golive.web.team import load_team


def create_app(store: Store, poll_interval: float = 0.2, heartbeat: float = 15.0, *,
               console: Console | None = None) -> Starlette:
    """`store` is used from the event loop's thread only (SQLite connections are per thread)."""
    if console is None:
        console = Console(store, load_team(None), Accounts(Path(".golive") / "web"))
    c = console
    c.poll_interval, c.heartbeat = poll_interval, heartbeat
    s = Served(c)
    login, runs, starts = LoginApi(s), RunsApi(s), StartApi(s)
    api, run, operator = s.api, s.with_run, s.operator

    routes = [
        Route("/", s.page(pages.INDEX)),
        Route("/login", login.login_page),
        Route("/static/golive.js", login.script),
        Route("/healthz", login.health),
        Route("/api/session", login.session_info),
        Route("/api/login", login.login, methods=["POST"]),
        Route("/api/logout", login.logout, methods=["POST"]),
        Route("/api/logout/everywhere", login.logout_everywhere, methods=["POST"]),
        Route("/auth/oidc/start", login.oidc_start),
        Route(CALLBACK, login.oidc_callback),
        Route("/api/runs", api(runs.runs)),
        Route("/api/runs/stream", api(runs.runs_stream)),
        Route("/runs/{run_id}", s.page(pages.RUN)),
        Route("/runs/{run_id}/report", api(run(runs.report))),
        Route("/api/runs/{run_id}", api(run(runs.run))),
        Route("/api/runs/{run_id}/events", api(run(runs.events))),
        Route("/api/runs/{run_id}/events/stream", api(run(runs.events_stream))),
        Route("/api/runs/{run_id}/actions/{action}", api(run(runs.decide), changes=True), methods=["POST"]),
        Route("/api/runs/{run_id}/resume", api(run(operator(runs.resume)), changes=True), methods=["POST"]),
        Route("/api/runs/{run_id}/abort", api(run(operator(runs.abort)), changes=True), methods=["POST"]),
        Route("/start", s.page(pages.START)),
        Route("/api/plans", api(s.starts_runs(starts.plans))),
        Route("/api/plans/{plan_id:path}/start", api(s.starts_runs(starts.start), changes=True), methods=["POST"]),
        Route("/api/plans/{plan_id:path}", api(s.starts_runs(starts.plan))),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=c.accounts.session_secret(), session_cookie="golive_session",
                             max_age=int(c.team.config.session.absolute), same_site="lax", https_only=c.tls)]
    return Starlette(routes=routes, middleware=middleware)
