"""The headers every console answer carries, and the small readings of a request the endpoints share.

The pages show masked run logs to people who log in: nothing on them may load or run anything from elsewhere, so
the headers are set on every answer here, not left to each endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse

from golive.errors import UsageError
from golive.masking import mask_known
from golive.report.describe import describe
from golive.store.base import Event
from golive.web.actions import Origin

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


def reply(data: Any, status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={**SECURITY_HEADERS, **headers})


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """Error messages can quote what a run printed: masked like the log itself."""
    return reply({"error": mask_known(message), **extra}, status)


def event_stream(frames: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(frames, media_type="text/event-stream",
                             headers={**SECURITY_HEADERS, "X-Accel-Buffering": "no"})


def after(request: Request) -> int:
    """The last event the page has (a reconnecting EventSource says so in Last-Event-ID)."""
    raw = request.query_params.get("after") or request.headers.get("last-event-id") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


def origin(request: Request) -> Origin:
    return Origin(request.client.host if request.client else "?", request.headers.get("user-agent", ""))


async def json_object(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UsageError("send a JSON object")
    return data


def object_field(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name) or {}
    if not isinstance(value, dict):
        raise UsageError(f"{name}: an object of NAME: value")
    return value
