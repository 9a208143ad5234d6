"""The runs list and one run: read as JSON or followed live over server-sent events, and changed by the decisions
people take on it (approve, reject, confirm, resolve, roll back), by resuming it or by aborting it.

Every change goes through `golive.web.actions`, the same rules as the CLI, and is sealed into the run's log; what a
run shows as possible for a person (`can`) is asked of the same rules, so the page offers only what would pass."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from golive.engine.state import RunState, waiting_view
from golive.errors import DecisionRefused, UsageError
from golive.report import render, report_for
from golive.store.base import RunInfo
from golive.store.owner import is_alive
from golive.web.actions import ACTIONS, Ask, act, allowed, plan_and_state, vouch
from golive.web.console import Served
from golive.web.launch import StartFailed, abort, abortable, var_arguments, var_rows
from golive.web.replies import (
    REPORT_HEADERS,
    after,
    error,
    event_json,
    event_stream,
    json_object,
    object_field,
    origin,
    reply,
)
from golive.web.team import OPERATOR, Identity
from golive.web.views import runs_list

FILTERS = ("service", "environment", "status", "person")


class RunsApi:
    def __init__(self, served: Served) -> None:
        self.s = served

    # -- reading ------------------------------------------------------------------------------------------
    async def runs(self, request: Request, who: Identity) -> Response:
        filters = {k: request.query_params.get(k, "") for k in FILTERS}
        return reply(runs_list(self.s.store, filters))

    async def runs_stream(self, request: Request, who: Identity) -> Response:
        """The runs list as server-sent events: the filtered list now, then again whenever a run appears or
        changes (one `runs` event each time, the whole list: a page replaces what it shows)."""
        s = self.s
        filters = {k: request.query_params.get(k, "") for k in FILTERS}
        ends_at = s.stream_ends_at(request, who)

        async def frames() -> AsyncIterator[str]:
            s.runs_feed.join()
            try:
                seen = -1
                yield "retry: 2000\n\n"
                while asyncio.get_running_loop().time() < ends_at:
                    version = await s.runs_feed.wait(seen, s.c.heartbeat) if seen >= 0 else s.runs_feed.version
                    if not await s.still(request):
                        break
                    if version != seen:
                        seen = version
                        rows = runs_list(s.store, filters, cache=s.runs_feed.rows, infos=s.runs_feed.infos)
                        yield f"event: runs\ndata: {json.dumps(rows)}\n\n"
                    else:
                        yield ": still here\n\n"
                yield "event: session-ended\ndata: {}\n\n"
            finally:
                s.runs_feed.leave()

        return event_stream(frames())

    async def run(self, request: Request, who: Identity, run_id: str) -> Response:
        s = self.s
        info = s.store.get_run(run_id)
        view, st = s.views.get(s.store, info)
        view["can"] = self._can(info, st, who)
        runner = s.runners.by_run.get(run_id)
        view["runner"] = runner.view() if runner else None
        view["secrets"] = var_rows(st.plan, secret_only=True)  # what Resume asks for
        return reply(view)

    def _can(self, info: RunInfo, st: RunState, who: Identity) -> dict[str, bool]:
        team = self.s.team
        plan = st.plan
        w = waiting_view(st.waiting) or {}
        live = not st.terminal
        now = {
            "approve": live and w.get("kind") == "gate", "reject": live and w.get("kind") == "gate",
            "confirm": live and w.get("kind") in ("step", "rollback"),
            "resolve": live and st.attention is not None,
            "rollback": live and st.rollback is None and st.rollback_requested is None,
        }
        out = {a: bool(now[a]) and allowed(team, who, Ask(a, "", step=w.get("step") or (
            "rollback" if w.get("kind") == "rollback" else None)), plan, st) for a in ACTIONS}
        owner = info.owner
        idle = owner is None or not is_alive(owner)  # nothing executes it: an operator may start the process again
        out["resume"] = live and idle and team.holds(who, OPERATOR)
        out["abort"] = live and not idle and team.holds(who, OPERATOR) and abortable(self.s.store, info.id)
        return out

    async def events(self, request: Request, who: Identity, run_id: str) -> Response:
        return reply([event_json(ev) for ev in self.s.store.events(run_id, after=after(request))])

    async def report(self, request: Request, who: Identity, run_id: str) -> Response:
        return HTMLResponse(render(report_for(self.s.store, run_id), "html"), headers=REPORT_HEADERS)

    async def events_stream(self, request: Request, who: Identity, run_id: str) -> Response:
        s = self.s
        feed = s.feeds.of(run_id)
        ends_at = s.stream_ends_at(request, who)

        def runner_state() -> tuple[int, int | None] | None:
            r = s.runners.by_run.get(run_id)
            return (r.pid, r.exit_code) if r else None

        async def frames() -> AsyncIterator[str]:
            last = after(request)
            runner = runner_state()
            feed.join()
            try:
                yield "retry: 2000\n\n"
                while asyncio.get_running_loop().time() < ends_at:
                    new = await feed.wait(last, s.c.heartbeat)
                    if not await s.still(request):
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
                s.feeds.left(feed)

        return event_stream(frames())

    # -- changing -----------------------------------------------------------------------------------------
    async def decide(self, request: Request, who: Identity, run_id: str) -> Response:
        s = self.s
        action = request.path_params["action"]
        if action not in ACTIONS:
            return error(404, f"no action '{action}' (one of {', '.join(ACTIONS)})")
        try:
            body = await request.json()
            level = body.get("level")
            ask = Ask(action, str(body.get("reason") or ""), step=body.get("step") or None,
                      outcome=body.get("outcome") or None, level=int(level) if level not in (None, "") else None,
                      typed=body.get("typed"))
        except (ValueError, AttributeError, TypeError):
            return error(400, "send JSON: reason (required), and step, outcome, level, typed where they apply")
        try:
            return reply(act(s.store, run_id, s.team, s.key, who, ask, origin(request)))
        except PermissionError as exc:
            return error(403, str(exc))
        except DecisionRefused as exc:
            return error(409, str(exc))
        except UsageError as exc:
            return error(400, str(exc))

    async def resume(self, request: Request, who: Identity, run_id: str) -> Response:
        s = self.s
        try:
            data = await json_object(request) if await request.body() else {}
            plan = plan_and_state(s.store, run_id)[0]
            _, env = var_arguments(plan, {}, object_field(data, "secrets"))
        except UsageError as exc:
            return error(400, str(exc))
        try:
            runner = await s.runners.resume(run_id, env, who.person)
        except StartFailed as exc:
            return error(409, str(exc))
        return reply({"ok": True, "message": f"resuming run {run_id} as {who.person} (process {runner.pid})"})

    async def abort(self, request: Request, who: Identity, run_id: str) -> Response:
        s = self.s
        try:
            reason = str((await json_object(request)).get("reason") or "")
            sealed, message = abort(s.store, run_id, who.person, reason,
                                    lambda ev: vouch(s.store, run_id, s.key, who, "abort", reason, origin(request),
                                                     ev))
        except DecisionRefused as exc:
            return error(409, str(exc))
        except UsageError as exc:
            return error(400, str(exc))
        return reply({"ok": True, "message": message, "sealed": [sealed]})
