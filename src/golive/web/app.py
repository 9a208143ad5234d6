"""Starlette app: HTML pages that render client-side from a small JSON API, plus a server-sent event stream per run
so a waiting run's page moves the moment someone approves it from their shell."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import golive.web.pages as pages
from golive.errors import RunNotFound
from golive.report import render, report_for
from golive.report.describe import describe
from golive.report.runs import run_rows
from golive.run.view import run_summary
from golive.store.base import Event, Store

#: The pages load nothing from elsewhere and run only our own script: a masked log is still nobody else's business.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
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


def create_app(store: Store, poll_interval: float = 0.5, heartbeat: float = 15.0) -> Starlette:
    """`store` is used from the event loop's thread only (SQLite connections are per thread)."""

    def not_found(run_id: str) -> JSONResponse:
        return JSONResponse({"error": f"no run '{run_id}'"}, status_code=404, headers=SECURITY_HEADERS)

    def with_run(handler: Callable[[Request, str], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            wanted = request.path_params["run_id"]
            try:
                run_id = store.get_run(wanted).id
            except RunNotFound:
                return not_found(wanted)
            result: Response = await handler(request, run_id)
            return result
        return endpoint

    async def index(request: Request) -> Response:
        return HTMLResponse(pages.INDEX, headers=SECURITY_HEADERS)

    async def script(request: Request) -> Response:
        return Response(pages.SCRIPT, media_type="text/javascript", headers=SECURITY_HEADERS)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True}, headers=SECURITY_HEADERS)

    async def api_runs(request: Request) -> Response:
        try:
            limit = min(500, max(1, int(request.query_params.get("limit", "50"))))
        except ValueError:
            limit = 50
        return JSONResponse(run_rows(store, limit), headers=SECURITY_HEADERS)

    async def run_page(request: Request, run_id: str) -> Response:
        return HTMLResponse(pages.RUN, headers=SECURITY_HEADERS)

    async def api_run(request: Request, run_id: str) -> Response:
        return JSONResponse(run_summary(store, store.get_run(run_id)), headers=SECURITY_HEADERS)

    async def api_events(request: Request, run_id: str) -> Response:
        events = [event_json(ev) for ev in store.events(run_id, after=_after(request))]
        return JSONResponse(events, headers=SECURITY_HEADERS)

    async def report(request: Request, run_id: str) -> Response:
        return HTMLResponse(render(report_for(store, run_id), "html"), headers=REPORT_HEADERS)

    async def stream(request: Request, run_id: str) -> Response:
        async def frames() -> AsyncIterator[str]:
            last = _after(request)
            quiet = 0.0
            yield "retry: 2000\n\n"
            while True:
                events = store.events(run_id, after=last)
                for ev in events:
                    last = ev.seq
                    yield f"id: {ev.seq}\nevent: run-event\ndata: {json.dumps(event_json(ev))}\n\n"
                if events:
                    quiet = 0.0
                elif quiet >= heartbeat:
                    quiet = 0.0
                    yield ": still here\n\n"
                if await request.is_disconnected():
                    return
                await asyncio.sleep(poll_interval)
                quiet += poll_interval

        headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
        return StreamingResponse(frames(), media_type="text/event-stream", headers=headers)

    routes = [
        Route("/", index),
        Route("/static/golive.js", script),
        Route("/healthz", health),
        Route("/api/runs", api_runs),
        Route("/runs/{run_id}", with_run(run_page)),
        Route("/runs/{run_id}/report", with_run(report)),
        Route("/api/runs/{run_id}", with_run(api_run)),
        Route("/api/runs/{run_id}/events", with_run(api_events)),
        Route("/api/runs/{run_id}/events/stream", with_run(stream)),
    ]
    return Starlette(routes=routes)
