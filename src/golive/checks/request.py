"""An HTTP request with expectations, shared by the `http` step and the `http` check.

What a plan writes, and how `${VAR}`, retries and deadlines behave, is told once, in the `http`
step's module (`golive.steps.http`): the check accepts the same fields. Request headers never
appear in results, because they often carry credentials.
"""

from __future__ import annotations

import functools
import json
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Literal

from msgspec import Struct
from pydantic import BeforeValidator, Field, field_validator, model_validator

from golive.core.fields import Duration, IntList, Strict
from golive.core.jsonpath import PathNotFound, parse_json_path, resolve_json_path, show_value, values_equal
from golive.core.step import StepContext, StepResult
from golive.units import format_duration

if TYPE_CHECKING:
    import ssl

    import httpx

#: Response bytes kept in a result's output.
OUTPUT_LIMIT = 2048
#: Response bytes read at most (for `json` / `body_contains`); a health endpoint never needs more.
READ_LIMIT = 1024 * 1024

Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = SAFE_METHODS | {"PUT", "DELETE"}




# -- the plan model ------------------------------------------------------------------------------

class HttpExpect(Strict):
    status: IntList = [200]
    #: JSONPath -> expected value.
    json_values: dict[str, Any] = Field(default={}, alias="json")
    body_contains: str | None = None
    max_latency: Duration | None = None

    @field_validator("status")
    @classmethod
    def _codes(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("status needs at least one code")
        for code in value:
            if not 100 <= code <= 599:
                raise ValueError(f"{code} is not an HTTP status code (100-599)")
        return value

    @field_validator("json_values")
    @classmethod
    def _paths(cls, value: dict[str, Any]) -> dict[str, Any]:
        for path in value:
            parse_json_path(str(path))
        return value


class HttpRetries(Strict):
    attempts: int = Field(default=1, ge=1)
    interval: Duration = 1.0
    deadline: Duration | None = None


def _method(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class HttpSpec(Strict):
    url: str = Field(min_length=1)
    method: Annotated[Method, BeforeValidator(_method)] = "GET"
    headers: dict[str, str] = {}
    json_body: Any = Field(default=None, alias="json")
    body: str | None = None
    expect: HttpExpect = HttpExpect()
    retries: HttpRetries = HttpRetries()
    verify_tls: bool = True
    #: Follow redirects and check the answer at the end of them (`curl -L`); off, a 3xx is the answer checked.
    follow_redirects: bool = False
    request_timeout: Duration = 10.0

    @model_validator(mode="after")
    def _one_body(self) -> HttpSpec:
        if self.body is not None and "json_body" in self.model_fields_set:
            raise ValueError("give either 'json' or 'body', not both")
        return self

    def describe(self) -> str:
        return f"{self.method} {self.url} -> {codes_text(self.expect.status, '/')}"


def codes_text(codes: list[int], sep: str) -> str:
    """`[200, 201, …, 308]` as `2xx/3xx`: a class is named when every registered code of it is accepted, so a
    plan that accepts what curl accepts reads as that, not as eighteen numbers."""
    out: list[str] = []
    for hundred in sorted({c // 100 for c in codes}):
        known = {s.value for s in HTTPStatus if s.value // 100 == hundred}
        mine = sorted(c for c in codes if c // 100 == hundred)
        out += [f"{hundred}xx"] if known <= set(mine) else [str(c) for c in mine]
    return sep.join(out)


def shorthand(value: Any) -> Any:
    return {"url": value} if isinstance(value, str) else value


# -- running -------------------------------------------------------------------------------------

_NOT_JSON = object()


class _Attempt(Struct):
    status: int | None
    latency: float
    body: bytes
    problem: str | None
    #: A problem that repeating cannot fix (bad URL): stop retrying.
    final: bool = False


def _interpolate_json(value: Any, ctx: StepContext) -> Any:
    if isinstance(value, str):
        return ctx.interpolate(value)
    if isinstance(value, dict):
        return {str(k): _interpolate_json(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate_json(v, ctx) for v in value]
    return value


def _check_response(spec: HttpSpec, ctx: StepContext, status: int, latency: float, body: bytes,
                    truncated: bool) -> str | None:
    expect = spec.expect
    if status not in expect.status:
        return f"status {status}, expected {codes_text(expect.status, ' or ')}"
    problems: list[str] = []
    if expect.max_latency is not None and latency > expect.max_latency:
        problems.append(f"latency {latency * 1000:.0f}ms above {format_duration(expect.max_latency)}")
    text = body.decode("utf-8", errors="replace")
    if expect.body_contains is not None:
        needle = ctx.interpolate(expect.body_contains)
        if needle not in text:
            where = f"the first {READ_LIMIT // 1024} KB of the body" if truncated else "body"
            problems.append(f"{where} does not contain {show_value(needle)}")
    if expect.json_values:
        if truncated:
            problems.append(f"response body is larger than {READ_LIMIT // 1024} KB; not parsed as JSON")
        else:
            try:
                doc = json.loads(text)
            except ValueError:
                doc = _NOT_JSON
            if doc is _NOT_JSON:
                problems.append(f"response is not JSON (cannot check {', '.join(expect.json_values)})")
            else:
                for path, want in expect.json_values.items():
                    want = _interpolate_json(want, ctx)
                    try:
                        got = resolve_json_path(doc, path)
                    except PathNotFound as exc:
                        problems.append(str(exc))
                        continue
                    if not values_equal(got, want):
                        problems.append(f"{path} is {show_value(got)}, expected {show_value(want)}")
    return "; ".join(problems) or None


def _attempt(client: httpx.Client, spec: HttpSpec, ctx: StepContext, request: dict[str, Any],
             timeout: float) -> _Attempt:
    import httpx

    started = time.perf_counter()
    try:
        with client.stream(**request, timeout=timeout) as resp:
            chunks: list[bytes] = []
            size = 0
            truncated = False
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > READ_LIMIT:
                    truncated = True
                    break
            body = b"".join(chunks)[:READ_LIMIT]
            status = resp.status_code
    except httpx.TimeoutException:
        return _Attempt(None, time.perf_counter() - started, b"", f"no response within {format_duration(timeout)}")
    except httpx.UnsupportedProtocol as exc:
        return _Attempt(None, 0.0, b"", f"cannot request: {exc}", final=True)
    except httpx.ConnectError as exc:
        return _Attempt(None, time.perf_counter() - started, b"", f"cannot connect: {exc}")
    except httpx.HTTPError as exc:
        return _Attempt(None, time.perf_counter() - started, b"", f"request failed: {type(exc).__name__}: {exc}")
    except httpx.InvalidURL as exc:
        return _Attempt(None, 0.0, b"", f"invalid URL: {exc}", final=True)
    latency = time.perf_counter() - started
    return _Attempt(status, latency, body, _check_response(spec, ctx, status, latency, body, truncated))


@functools.lru_cache(maxsize=1)
def _verifying_context() -> ssl.SSLContext:
    """Loading the CA bundle costs ~100ms; do it once per process, not once per step."""
    import httpx

    return httpx.create_ssl_context()


def run_http(spec: HttpSpec, ctx: StepContext, timeout: float | None) -> StepResult:
    """Run `spec` with its retries; `timeout` (the step's) caps everything, waits included."""
    import httpx  # imported when used: it is slow to import and many plans never call HTTP

    clock = ctx.clock
    started = clock.monotonic()
    limits = [t for t in (timeout, spec.retries.deadline) if t is not None]
    end = started + min(limits) if limits else None
    only_deadline = spec.retries.deadline is not None and "attempts" not in spec.retries.model_fields_set
    max_attempts = None if only_deadline else spec.retries.attempts

    url = ctx.interpolate(spec.url)
    request: dict[str, Any] = {
        "method": spec.method, "url": url,
        "headers": {k: ctx.interpolate(v) for k, v in spec.headers.items()},
    }
    if "json_body" in spec.model_fields_set:
        request["json"] = _interpolate_json(spec.json_body, ctx)
    elif spec.body is not None:
        request["content"] = ctx.interpolate(spec.body).encode("utf-8")

    attempts = 0
    with httpx.Client(verify=_verifying_context() if spec.verify_tls else False,
                      follow_redirects=spec.follow_redirects) as client:
        while True:
            attempts += 1
            req_timeout = spec.request_timeout
            if end is not None:
                req_timeout = max(min(req_timeout, end - clock.monotonic()), 0.001)
            att = _attempt(client, spec, ctx, request, req_timeout)
            if att.problem is None or att.final:
                break
            if max_attempts is not None and attempts >= max_attempts:
                break
            if end is not None and clock.monotonic() + spec.retries.interval > end:
                break
            clock.sleep(spec.retries.interval)

    detail: dict[str, Any] = {"status": att.status, "latency_ms": round(att.latency * 1000, 1),
                              "attempts": attempts}
    output = att.body[:OUTPUT_LIMIT].decode("utf-8", errors="replace")
    if att.problem is None:
        message = f"{att.status} in {att.latency * 1000:.0f}ms" + (f" (attempt {attempts})" if attempts > 1 else "")
        return StepResult("succeeded", message, output=output, detail=detail)
    message = att.problem
    if attempts > 1:
        message += f" (after {attempts} attempts in {format_duration(clock.monotonic() - started)})"
    return StepResult("failed", ctx.masker.text(message), output=output, detail=detail)


