"""The team console: Starlette app with login (OIDC or local accounts), the runs list, one run live over server-sent
events, and the decisions people take there, each checked for session, role and CSRF token and sealed into the
run's log. Pages carry no data: the script fetches the JSON API and builds the DOM with textContent only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

import golive.web.pages as pages
from golive.engine.state import RunState, waiting_view
from golive.errors import DecisionRefused, PlanError, RunNotFound, UsageError
from golive.masking import mask_known
from golive.plan.model import Plan
from golive.report import render, report_for
from golive.report.describe import describe
from golive.seal.keys import fingerprint
from golive.seal.sealed import not_listed_to_vouch
from golive.seal.signers import signers_for_plan
from golive.store.base import Event, RunInfo, Store
from golive.store.owner import is_alive
from golive.web.accounts import Accounts
from golive.web.actions import ACTIONS, Ask, Origin, act, allowed, vouch, where
from golive.web.auth import LoginLimiter, Sessions, csrf_ok, csrf_token
from golive.web.feed import Feeds, RunsFeed
from golive.web.launch import (
    PlanLibrary,
    StartFailed,
    Supervisor,
    abort,
    abortable,
    preview,
    var_arguments,
    var_rows,
)
from golive.web.oidc import CALLBACK, OidcLogin, login_redirect
from golive.web.script import SCRIPT
from golive.web.team import OPERATOR, VIEWER, Identity, Team, load_team
from golive.web.views import ViewCache, runs_list

#: The pages load nothing from elsewhere and run only our own script: a masked log is still nobody else's business.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
#: The HTML report is one self-contained file with inline styles and no script.
REPORT_HEADERS = {**SECURITY_HEADERS, "Content-Security-Policy":
                  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"}


def event_json(ev: Event) -> dict[str, Any]:
    return {"seq": ev.seq, "ts": ev.ts, "type": ev.type, "line": describe(ev), "payload": ev.payload}


def _after(request: Request) -> int:
    raw = request.query_params.get("after") or request.headers.get("last-event-id") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


def _json(data: Any, status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={**SECURITY_HEADERS, **headers})


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return _json({"error": mask_known(message), **extra}, status)


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


def create_app(store: Store, poll_interval: float = 0.2, heartbeat: float = 15.0, *,
               console: Console | None = None) -> Starlette:
    """`store` is used from the event loop's thread only (SQLite connections are per thread)."""
    if console is None:
        console = Console(store, load_team(None), Accounts(Path(".golive") / "web"))
    c = console
    c.poll_interval, c.heartbeat = poll_interval, heartbeat
    sessions = Sessions(c.team, c.accounts)
    limits = c.team.config.login_limit
    limiter = LoginLimiter(limits.failures, limits.window)
    used_codes: set[tuple[str, int]] = set()
    oidc = OidcLogin(c.team.oidc, c.team) if c.team.oidc else None
    key = c.accounts.server_key()
    server_line = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                serialization.PublicFormat.OpenSSH).decode()
    feeds = Feeds(store, event_json, poll_interval)
    runs_feed = RunsFeed(store, poll_interval)
    views = ViewCache()
    library = PlanLibrary(c.plans)
    runners = Supervisor(c.accounts.dir, c.store_location, on_change=feeds.poke)

    Handler = Callable[[Request, Identity], Awaitable[Response]]
    RunHandler = Callable[[Request, Identity, str], Awaitable[Response]]

    def page(html: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if sessions.who(request) is None:
                return login_redirect(request.url.path)
            return HTMLResponse(html, headers=SECURITY_HEADERS)
        return endpoint

    def api(handler: Handler, changes: bool = False) -> Callable[[Request], Awaitable[Response]]:
        """Session or token (401), CSRF token on a change made with a session (403); roles are the handler's."""
        async def endpoint(request: Request) -> Response:
            who = sessions.who(request)
            if who is None:
                return _error(401, "log in first", login="/login")
            if changes and who.method != "token" and not csrf_ok(request):
                return _error(403, "missing or wrong CSRF token (reload the page)")
            if not c.team.holds(who, VIEWER) and who.token_role is None:
                return _error(403, f"{who.person} may not view runs here")
            return await handler(request, who)
        return endpoint

    def still(request: Request) -> bool:
        """Whether an open stream's identity is still accepted (asked before each frame it sends): logging out,
        disabling the account, a new password or a revoked token ends the stream, not only the next request."""
        return sessions.who(request, touch=False, idle=False) is not None

    def with_run(handler: RunHandler) -> Handler:
        async def endpoint(request: Request, who: Identity) -> Response:
            wanted = request.path_params["run_id"]
            try:
                run_id = store.get_run(wanted).id
            except RunNotFound:
                return _error(404, f"no run '{wanted}'")
            return await handler(request, who, run_id)
        return endpoint

    # -- pages and session --------------------------------------------------------------------------------
    async def login_page(request: Request) -> Response:
        return HTMLResponse(pages.LOGIN, headers=SECURITY_HEADERS)

    async def script(request: Request) -> Response:
        cache = "public, max-age=31536000, immutable" if request.query_params.get("v") == pages.SCRIPT_VERSION \
            else "no-store"
        return Response(SCRIPT, media_type="text/javascript", headers={**SECURITY_HEADERS, "Cache-Control": cache})

    async def health(request: Request) -> Response:
        return _json({"ok": True})

    async def session_info(request: Request) -> Response:
        who = sessions.who(request, touch=False)
        return _json({"csrf": csrf_token(request), "oidc": c.team.oidc.label if c.team.oidc else None,
                      "who": {"person": who.person, "how": who.how(), "groups": list(who.groups),
                              "operator": c.team.holds(who, OPERATOR)} if who else None})

    async def login(request: Request) -> Response:
        if not csrf_ok(request):
            return _error(403, "missing or wrong CSRF token (reload the page)")
        try:
            body = await request.json()
            name, password = str(body.get("name", "")).strip(), str(body.get("password", ""))
            code = str(body.get("code") or "")
        except (ValueError, AttributeError):
            return _error(400, "send JSON: name, password (and code)")
        addr = request.client.host if request.client else "?"
        keys = (f"addr:{addr}", f"name:{name.casefold()}")
        wait = limiter.retry_after(*keys)
        if wait > 0:
            return _error(429, "too many failed logins; try again later", **{"retry_after": round(wait)})
        if not c.accounts.check_password(name, password):
            limiter.failed(*keys)
            return _error(401, "wrong name or password")
        totp = c.accounts.needs_totp(name)
        if totp and not code:
            return _error(401, "enter the code from your authenticator app", totp=True)
        if totp and not c.accounts.check_totp(name, code, used_codes):
            limiter.failed(*keys)
            return _error(401, "wrong or already used code", totp=True)
        person = c.team.person_for(f"local:{name}", name)
        sessions.start(request, Identity(person=person, method="local", second_factor=totp), account=name)
        return _json({"ok": True, "csrf": csrf_token(request)})

    async def logout(request: Request) -> Response:
        """Ends this session on the server: the cookie, even copied before, is worth nothing after."""
        if request.session.get("sid") and not csrf_ok(request):
            return _error(403, "missing or wrong CSRF token (reload the page)")
        sessions.end(request)
        return _json({"ok": True})

    async def logout_everywhere(request: Request) -> Response:
        who = sessions.who(request)
        if who is None or who.method == "token":
            return _error(401, "log in first", login="/login")
        if not csrf_ok(request):
            return _error(403, "missing or wrong CSRF token (reload the page)")
        ended = sessions.end_everywhere(who)
        request.session.clear()
        return _json({"ok": True, "ended": ended})

    async def oidc_start(request: Request) -> Response:
        if oidc is None:
            return _error(404, "no OpenID provider is configured (team config: oidc)")
        nxt = request.query_params.get("next", "/")
        request.session["next"] = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/"
        return await oidc.start(request)

    async def oidc_callback(request: Request) -> Response:
        if oidc is None:
            return _error(404, "no OpenID provider is configured")
        result = await oidc.finish(request)
        if isinstance(result, str):
            return HTMLResponse(pages.login_failed(result), status_code=401, headers=SECURITY_HEADERS)
        nxt = str(request.session.get("next") or "/")
        sessions.start(request, result)
        return RedirectResponse(nxt, status_code=303)

    # -- runs ---------------------------------------------------------------------------------------------
    async def api_runs(request: Request, who: Identity) -> Response:
        filters = {k: request.query_params.get(k, "") for k in ("service", "environment", "status", "person")}
        return _json(runs_list(store, filters))

    async def runs_stream(request: Request, who: Identity) -> Response:
        """The runs list as server-sent events: the filtered list now, then again whenever a run appears or
        changes (one `runs` event each time, the whole list: a page replaces what it shows)."""
        filters = {k: request.query_params.get(k, "") for k in ("service", "environment", "status", "person")}
        ends_at = asyncio.get_running_loop().time() + (sessions.expires_in(request) if who.method != "token"
                                                       else 12 * 3600)

        async def frames() -> AsyncIterator[str]:
            runs_feed.join()
            try:
                seen = -1
                yield "retry: 2000\n\n"
                while asyncio.get_running_loop().time() < ends_at:
                    version = await runs_feed.wait(seen, c.heartbeat) if seen >= 0 else runs_feed.version
                    if not still(request):
                        break
                    if version != seen:
                        seen = version
                        rows = runs_list(store, filters, cache=runs_feed.rows, infos=runs_feed.infos)
                        yield f"event: runs\ndata: {json.dumps(rows)}\n\n"
                    else:
                        yield ": still here\n\n"
                yield "event: session-ended\ndata: {}\n\n"
            finally:
                runs_feed.leave()

        return StreamingResponse(frames(), media_type="text/event-stream",
                                 headers={**SECURITY_HEADERS, "X-Accel-Buffering": "no"})

    async def api_run(request: Request, who: Identity, run_id: str) -> Response:
        info = store.get_run(run_id)
        view, st = views.get(store, info)
        view["can"] = _can(info, st, who)
        runner = runners.by_run.get(run_id)
        view["runner"] = runner.view() if runner else None
        view["secrets"] = var_rows(st.plan, secret_only=True)  # what Resume asks for
        return _json(view)

    def _can(info: RunInfo, st: RunState, who: Identity) -> dict[str, bool]:
        plan = st.plan
        w = waiting_view(st.waiting) or {}
        live = not st.terminal
        now = {
            "approve": live and w.get("kind") == "gate", "reject": live and w.get("kind") == "gate",
            "confirm": live and w.get("kind") in ("step", "rollback"),
            "resolve": live and st.attention is not None,
            "rollback": live and st.rollback is None and st.rollback_requested is None,
        }
        out = {a: bool(now[a]) and allowed(c.team, who, Ask(a, "", step=w.get("step") or (
            "rollback" if w.get("kind") == "rollback" else None)), plan, st) for a in ACTIONS}
        owner = info.owner
        idle = owner is None or not is_alive(owner)  # nothing executes it: an operator may start the process again
        out["resume"] = live and idle and c.team.holds(who, OPERATOR)
        out["abort"] = live and not idle and c.team.holds(who, OPERATOR) and abortable(store, info.id)
        return out

    async def api_events(request: Request, who: Identity, run_id: str) -> Response:
        return _json([event_json(ev) for ev in store.events(run_id, after=_after(request))])

    async def report(request: Request, who: Identity, run_id: str) -> Response:
        return HTMLResponse(render(report_for(store, run_id), "html"), headers=REPORT_HEADERS)

    async def stream(request: Request, who: Identity, run_id: str) -> Response:
        feed = feeds.of(run_id)
        ends_at = asyncio.get_running_loop().time() + (sessions.expires_in(request) if who.method != "token"
                                                       else 12 * 3600)

        def runner_state() -> tuple[int, int | None] | None:
            r = runners.by_run.get(run_id)
            return (r.pid, r.exit_code) if r else None

        async def frames() -> AsyncIterator[str]:
            last = _after(request)
            runner = runner_state()
            feed.join()
            try:
                yield "retry: 2000\n\n"
                while asyncio.get_running_loop().time() < ends_at:
                    new = await feed.wait(last, c.heartbeat)
                    if not still(request):
                        break
                    if new:
                        last += len(new)
                        yield "".join(new)
                    if runner_state() != runner:  # its runner started or ended: no event in the log says so
                        runner = runner_state()
                        yield "event: runner\ndata: {}\n\n"
                    elif not new:
                        yield ": still here\n\n"
                yield "event: session-ended\ndata: {}\n\n"
            finally:
                feeds.left(feed)

        return StreamingResponse(frames(), media_type="text/event-stream",
                                 headers={**SECURITY_HEADERS, "X-Accel-Buffering": "no"})

    # -- decisions ----------------------------------------------------------------------------------------
    async def decide(request: Request, who: Identity, run_id: str) -> Response:
        action = request.path_params["action"]
        if action not in ACTIONS:
            return _error(404, f"no action '{action}' (one of {', '.join(ACTIONS)})")
        try:
            body = await request.json()
            level = body.get("level")
            ask = Ask(action, str(body.get("reason") or ""), step=body.get("step") or None,
                      outcome=body.get("outcome") or None, level=int(level) if level not in (None, "") else None,
                      typed=body.get("typed"))
        except (ValueError, AttributeError, TypeError):
            return _error(400, "send JSON: reason (required), and step, outcome, level, typed where they apply")
        origin = Origin(request.client.host if request.client else "?", request.headers.get("user-agent", ""))
        try:
            return _json(act(store, run_id, c.team, key, who, ask, origin))
        except PermissionError as exc:
            return _error(403, str(exc))
        except DecisionRefused as exc:
            return _error(409, str(exc))
        except UsageError as exc:
            return _error(400, str(exc))

    def _origin(request: Request) -> Origin:
        return Origin(request.client.host if request.client else "?", request.headers.get("user-agent", ""))

    async def _body(request: Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise UsageError("send a JSON object")
        return data

    def _dict(data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name) or {}
        if not isinstance(value, dict):
            raise UsageError(f"{name}: an object of NAME: value")
        return value

    async def resume(request: Request, who: Identity, run_id: str) -> Response:
        if not c.team.holds(who, OPERATOR):
            return _error(403, f"{who.person} is not an operator")
        try:
            data = await _body(request) if await request.body() else {}
            _, env = var_arguments(_plan_of(run_id), {}, _dict(data, "secrets"))
        except UsageError as exc:
            return _error(400, str(exc))
        try:
            runner = await runners.resume(run_id, env, who.person)
        except StartFailed as exc:
            return _error(409, str(exc))
        return _json({"ok": True, "message": f"resuming run {run_id} as {who.person} (process {runner.pid})"})

    def _plan_of(run_id: str) -> Any:
        from golive.web.actions import _plan_and_state

        return _plan_and_state(store, run_id)[0]

    async def abort_run(request: Request, who: Identity, run_id: str) -> Response:
        if not c.team.holds(who, OPERATOR):
            return _error(403, f"{who.person} is not an operator")
        try:
            reason = str((await _body(request)).get("reason") or "")
            sealed, message = abort(store, run_id, who.person, reason,
                                    lambda ev: vouch(store, run_id, key, who, "abort", reason, _origin(request), ev))
        except DecisionRefused as exc:
            return _error(409, str(exc))
        except UsageError as exc:
            return _error(400, str(exc))
        return _json({"ok": True, "message": message, "sealed": [sealed]})

    # -- starting runs ------------------------------------------------------------------------------------
    def operator_only(handler: Handler) -> Handler:
        async def endpoint(request: Request, who: Identity) -> Response:
            if not c.team.holds(who, OPERATOR):
                return _error(403, f"{who.person} is not an operator")
            if c.plans is None:
                return _error(404, "no plans directory is configured (golive web --plans DIR, or plans: in the"
                                   " team config)")
            return await handler(request, who)
        return endpoint

    async def api_plans(request: Request, who: Identity) -> Response:
        return _json(library.listing())

    def listed_plan(plan_id: str) -> tuple[Path, Plan] | Response:
        """The plan the directory lists as `plan_id`, or the answer to give: 404 unlisted, 409 invalid."""
        try:
            path, plan, _ = library.load(plan_id)
        except KeyError:
            return _error(404, f"no plan '{plan_id}' in the plans directory")
        except PlanError as exc:
            return _error(409, str(exc))
        return path, plan

    def refusal(path: Path, plan: Plan) -> tuple[bool, str | None]:
        """Whether the plan's decisions are signed (a signers file applies: the plan's, $GOLIVE_SIGNERS or the team
        config, found as the runner finds it), and why the console may not start it (None: it may). On a plan with
        signers the server's key signs the start on behalf of the person, so it must be listed to vouch."""
        try:
            signers = signers_for_plan(plan.signers, path.parent)
        except UsageError as exc:
            return True, str(exc)
        if signers is not None and not signers.vouchers_of(fingerprint(server_line)):
            return True, not_listed_to_vouch(server_line, signers.source)
        return signers is not None, None

    async def api_plan(request: Request, who: Identity) -> Response:
        plan_id = request.path_params["plan_id"]
        found = listed_plan(plan_id)
        if isinstance(found, Response):
            return found
        signed, refused = refusal(*found)
        return _json({**preview(plan_id, found[1]), "signed": signed, "refused": refused})

    async def start(request: Request, who: Identity) -> Response:
        plan_id = request.path_params["plan_id"]
        found = listed_plan(plan_id)
        if isinstance(found, Response):
            return found
        path, plan = found
        try:
            data = await _body(request)
            if str(data.get("confirm") or "").strip() != plan.service:
                raise UsageError(f"type the service name ({plan.service}) to confirm the start")
            var_args, env = var_arguments(plan, _dict(data, "vars"), _dict(data, "secrets"))
        except UsageError as exc:
            return _error(400, str(exc))
        refused = refusal(path, plan)[1]
        if refused is not None:
            return _error(409, refused)
        from golive.run.runner import web_vouch_env

        vouching = web_vouch_env(c.accounts.dir / "server-key", who.person, who.how(), where(who, _origin(request)))
        try:
            run_id = await runners.start(path, var_args, env, who.person, vouching)
        except StartFailed as exc:
            return _error(409, str(exc))
        created = store.events(run_id)[:1]
        sealed = [vouch(store, run_id, key, who, "start", f"started plan {plan_id}", _origin(request), created[0])] \
            if created else []
        return _json({"ok": True, "run": run_id, "message": f"run {run_id} started by {who.person}",
                      "sealed": sealed})

    routes = [
        Route("/", page(pages.INDEX)),
        Route("/login", login_page),
        Route("/static/golive.js", script),
        Route("/healthz", health),
        Route("/api/session", session_info),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/logout/everywhere", logout_everywhere, methods=["POST"]),
        Route("/auth/oidc/start", oidc_start),
        Route(CALLBACK, oidc_callback),
        Route("/api/runs", api(api_runs)),
        Route("/api/runs/stream", api(runs_stream)),
        Route("/runs/{run_id}", page(pages.RUN)),
        Route("/runs/{run_id}/report", api(with_run(report))),
        Route("/api/runs/{run_id}", api(with_run(api_run))),
        Route("/api/runs/{run_id}/events", api(with_run(api_events))),
        Route("/api/runs/{run_id}/events/stream", api(with_run(stream))),
        Route("/api/runs/{run_id}/actions/{action}", api(with_run(decide), changes=True), methods=["POST"]),
        Route("/api/runs/{run_id}/resume", api(with_run(resume), changes=True), methods=["POST"]),
        Route("/api/runs/{run_id}/abort", api(with_run(abort_run), changes=True), methods=["POST"]),
        Route("/start", page(pages.START)),
        Route("/api/plans", api(operator_only(api_plans))),
        Route("/api/plans/{plan_id:path}/start", api(operator_only(start), changes=True), methods=["POST"]),
        Route("/api/plans/{plan_id:path}", api(operator_only(api_plan))),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=c.accounts.session_secret(), session_cookie="golive_session",
                             max_age=int(c.team.config.session.absolute), same_site="lax", https_only=c.tls)]
    return Starlette(routes=routes, middleware=middleware)
