"""The `http` step against a real HTTP server on loopback; waits between retries go through a FakeClock."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from golive.core.jsonpath import PathNotFound, parse_json_path, resolve_json_path
from golive.core.step import StepContext, StepResult
from golive.errors import PlanError
from golive.masking import Masker
from golive.plan.loader import parse_plan_text
from golive.steps.http import HttpStep
from golive.testing import FakeClock

# -- a real server --------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    delay: float = 0.0
    #: Answer with what was received (method, path, headers, body) as JSON.
    echo: bool = False


@dataclass
class TestServer:
    port: int = 0
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    __test__ = False  # not a test class

    def on(self, path: str, *replies: Reply) -> str:
        """Answer `path` with `replies` in turn; the last one repeats. Returns the full URL."""
        with self.lock:
            self.replies[path] = list(replies)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def next_reply(self, path: str) -> Reply | None:
        with self.lock:
            queue = self.replies.get(path)
            if not queue:
                return None
            return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(server: TestServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = {"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                   "body": body.decode("utf-8", errors="replace")}
            with server.lock:
                server.requests.append(req)
            reply = server.next_reply(self.path.split("?")[0])
            if reply is None:
                reply = Reply(404, b"no such path")
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.body
            if reply.echo:
                payload = req
            if isinstance(payload, dict | list):
                payload = json.dumps(payload)
            data = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (request_timeout tests)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return Handler


@pytest.fixture
def server() -> Iterator[TestServer]:
    state = TestServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def make_ctx(tmp_path: Path, vars: dict[str, str] | None = None, secrets: list[str] | None = None,
             clock: FakeClock | None = None) -> StepContext:
    return StepContext(run_id="run-1", step_id="1.1", vars=dict(vars or {}), masker=Masker(secrets),
                       clock=clock or FakeClock(), workdir=tmp_path)


def step(spec: Any, **common: Any) -> HttpStep:
    return HttpStep.model_validate({"http": spec, **common})


def run(spec: Any, ctx: StepContext, **common: Any) -> StepResult:
    return step(spec, **common).execute(ctx)


# -- model ---------------------------------------------------------------------------------------

def test_shorthand_is_a_get_expecting_200() -> None:
    s = step("https://x/health")
    assert s.http.method == "GET"
    assert s.http.expect.status == [200]
    assert s.describe() == "GET https://x/health -> 200"


def test_describe_lists_accepted_statuses() -> None:
    assert step({"url": "https://x/a", "method": "post", "expect": {"status": [200, 202]}}).describe() \
        == "POST https://x/a -> 200/202"


@pytest.mark.parametrize(("method", "explicit", "expected"), [
    ("GET", None, True), ("HEAD", None, True), ("OPTIONS", None, True), ("PUT", None, True),
    ("DELETE", None, True), ("POST", None, False), ("PATCH", None, False), ("POST", True, True),
    ("GET", False, False),
])
def test_idempotency_follows_the_method_unless_set(method: str, explicit: bool | None, expected: bool) -> None:
    common = {} if explicit is None else {"idempotent": explicit}
    assert step({"url": "http://x", "method": method}, **common).is_idempotent is expected


def test_json_and_body_are_exclusive() -> None:
    with pytest.raises(ValueError, match="either 'json' or 'body'"):
        step({"url": "http://x", "method": "POST", "json": {"a": 1}, "body": "x"})


def test_bad_json_path_is_rejected_when_the_plan_loads() -> None:
    with pytest.raises(ValueError, match="must start with"):
        step({"url": "http://x", "expect": {"json": {"status": "ok"}}})
    with pytest.raises(ValueError, match="cannot read"):
        step({"url": "http://x", "expect": {"json": {"$.a[x]": 1}}})


def test_json_path_subset() -> None:
    doc = {"a": {"b": [{"c": 1}, {"c": 2}]}, "with.dot": {"k k": True}}
    assert resolve_json_path(doc, "$") == doc
    assert resolve_json_path(doc, "$.a.b[1].c") == 2
    assert resolve_json_path(doc, "$.a.b[-1].c") == 2
    assert resolve_json_path(doc, "$['with.dot'][\"k k\"]") is True
    assert parse_json_path("$.a['b'][0]") == ["a", "b", 0]
    with pytest.raises(PathNotFound, match=r"no key 'x' in \$.a \(keys: b\)"):
        resolve_json_path(doc, "$.a.x")
    with pytest.raises(PathNotFound, match=r"no index 5 \(\$.a.b has 2 items\)"):
        resolve_json_path(doc, "$.a.b[5]")
    with pytest.raises(PathNotFound, match=r"\$.a is an object, not a list"):
        resolve_json_path(doc, "$.a[0]")


# -- requests ------------------------------------------------------------------------------------

def test_get_passes_and_records_status_latency_attempts(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/health", Reply(200, {"status": "ok"}))
    res = run(url, make_ctx(tmp_path))
    assert res.ok, res.message
    assert res.detail["status"] == 200
    assert res.detail["attempts"] == 1
    assert isinstance(res.detail["latency_ms"], float)
    assert json.loads(res.output) == {"status": "ok"}
    assert res.message.startswith("200 in ")


def test_status_mismatch_says_what_was_expected(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/health", Reply(503, "down"))
    res = run(url, make_ctx(tmp_path))
    assert not res.ok
    assert res.message == "status 503, expected 200"
    assert res.detail["status"] == 503
    assert res.output == "down"


def test_status_list(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/a", Reply(202))
    assert run({"url": url, "expect": {"status": [200, 202]}}, make_ctx(tmp_path)).ok
    res = run({"url": url, "expect": {"status": [200, 204]}}, make_ctx(tmp_path))
    assert res.message == "status 202, expected 200 or 204"


def test_json_expectations(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/h", Reply(200, {"status": "degraded", "checks": [{"name": "db", "ok": True}], "n": 3}))
    ok = run({"url": url, "expect": {"json": {"$.checks[0].ok": True, "$.n": 3, "$.checks[0].name": "db"}}},
             make_ctx(tmp_path))
    assert ok.ok, ok.message
    bad = run({"url": url, "expect": {"json": {"$.status": "ok"}}}, make_ctx(tmp_path))
    assert bad.message == "$.status is 'degraded', expected 'ok'"
    # true is not 1, JSON-wise
    assert run({"url": url, "expect": {"json": {"$.checks[0].ok": 1}}}, make_ctx(tmp_path)).message \
        == "$.checks[0].ok is true, expected 1"


def test_json_expected_value_is_interpolated(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/version", Reply(200, {"version": "1.4.2"}))
    ctx = make_ctx(tmp_path, vars={"VERSION": "1.4.2"})
    assert run({"url": url, "expect": {"json": {"$.version": "${VERSION}"}}}, ctx).ok


def test_missing_json_path_is_a_clear_failure(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/h", Reply(200, {"status": "ok"}))
    res = run({"url": url, "expect": {"json": {"$.db.status": "ok"}}}, make_ctx(tmp_path))
    assert res.message == "$.db.status: no key 'db' in $ (keys: status)"


def test_not_json(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/h", Reply(200, "<html>ok</html>"))
    res = run({"url": url, "expect": {"json": {"$.status": "ok"}}}, make_ctx(tmp_path))
    assert res.message == "response is not JSON (cannot check $.status)"


def test_body_contains(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/h", Reply(200, "all systems nominal"))
    assert run({"url": url, "expect": {"body_contains": "nominal"}}, make_ctx(tmp_path)).ok
    res = run({"url": url, "expect": {"body_contains": "READY"}}, make_ctx(tmp_path))
    assert res.message == "body does not contain 'READY'"


def test_latency_bound(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/slow", Reply(200, "ok", delay=0.3))
    res = run({"url": url, "expect": {"max_latency": "100ms"}}, make_ctx(tmp_path))
    assert not res.ok
    assert res.message.startswith("latency ")
    assert res.message.endswith("ms above 100ms")
    assert int(res.message.split()[1].removesuffix("ms")) >= 300
    assert run({"url": url, "expect": {"max_latency": "5s"}}, make_ctx(tmp_path)).ok


def test_several_mismatches_are_all_reported(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/h", Reply(200, {"status": "degraded"}, delay=0.15))
    res = run({"url": url, "expect": {"max_latency": "50ms", "json": {"$.status": "ok"},
                                      "body_contains": "green"}}, make_ctx(tmp_path))
    parts = res.message.split("; ")
    assert len(parts) == 3
    assert parts[0].endswith("above 50ms")
    assert parts[1] == "body does not contain 'green'"
    assert parts[2] == "$.status is 'degraded', expected 'ok'"


def test_request_timeout(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/hang", Reply(200, "late", delay=1.0))
    res = run({"url": url, "request_timeout": "200ms"}, make_ctx(tmp_path))
    assert res.message == "no response within 200ms"
    assert res.detail["status"] is None


def test_connection_refused(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res = run(f"http://127.0.0.1:{port}/", make_ctx(tmp_path))
    assert not res.ok
    assert res.message.startswith("cannot connect:")


def test_unsupported_scheme_is_not_retried(tmp_path: Path) -> None:
    clock = FakeClock()
    res = run({"url": "ftp://example.invalid/x", "retries": {"attempts": 5}}, make_ctx(tmp_path, clock=clock))
    assert not res.ok
    assert res.detail["attempts"] == 1
    assert clock.monotonic() == 0


def test_output_keeps_only_the_first_2kb(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/big", Reply(200, "x" * 10_000))
    res = run(url, make_ctx(tmp_path))
    assert res.ok
    assert res.output == "x" * 2048


# -- retries -------------------------------------------------------------------------------------

def test_retries_until_the_server_answers_200(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/health", Reply(503), Reply(503), Reply(503), Reply(200, "ok"))
    clock = FakeClock()
    started = time.monotonic()
    res = run({"url": url, "retries": {"attempts": 5, "interval": "2s"}}, make_ctx(tmp_path, clock=clock))
    assert res.ok, res.message
    assert res.detail["attempts"] == 4
    assert res.message.endswith("(attempt 4)")
    assert clock.monotonic() == 6.0  # three waits of 2s, all on the fake clock
    assert time.monotonic() - started < 5, "retries must not really sleep"  # they would take 6 s
    assert len(server.requests) == 4


def test_retries_exhausted(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/health", Reply(503))
    clock = FakeClock()
    res = run({"url": url, "retries": {"attempts": 3, "interval": "2s"}}, make_ctx(tmp_path, clock=clock))
    assert res.message == "status 503, expected 200 (after 3 attempts in 4.0s)"
    assert res.detail == {"status": 503, "latency_ms": res.detail["latency_ms"], "attempts": 3}
    assert clock.monotonic() == 4.0


def test_deadline_alone_retries_until_it_passes(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/health", Reply(503))
    clock = FakeClock()
    res = run({"url": url, "retries": {"deadline": "10s", "interval": "3s"}}, make_ctx(tmp_path, clock=clock))
    assert not res.ok
    assert res.detail["attempts"] == 4  # at 0s, 3s, 6s, 9s; the next would be past 10s
    assert clock.monotonic() == 9.0


def test_deadline_caps_attempts(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/health", Reply(503))
    res = run({"url": url, "retries": {"attempts": 50, "interval": "1s", "deadline": "2s"}},
              make_ctx(tmp_path))
    assert res.detail["attempts"] == 3


def test_step_timeout_caps_the_whole_step(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/health", Reply(503))
    clock = FakeClock()
    res = run({"url": url, "retries": {"attempts": 100, "interval": "2s"}}, make_ctx(tmp_path, clock=clock),
              timeout="5s")
    assert res.detail["attempts"] == 3
    assert clock.monotonic() <= 5.0


# -- what is sent, and what is never shown ------------------------------------------------------

def test_post_json_with_interpolation(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/deploy", Reply(201, echo=True))
    ctx = make_ctx(tmp_path, vars={"VERSION": "2.0.1", "HOST": f"127.0.0.1:{server.port}"})
    res = run({"url": "http://${HOST}/deploy", "method": "post", "json": {"version": "${VERSION}", "n": [1]},
               "expect": {"status": 201}}, ctx)
    assert res.ok, res.message
    assert url.endswith("/deploy")
    sent = server.requests[-1]
    assert sent["method"] == "POST"
    assert json.loads(sent["body"]) == {"version": "2.0.1", "n": [1]}
    assert sent["headers"]["Content-Type"] == "application/json"


def test_text_body_is_interpolated(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/notify", Reply(200))
    res = run({"url": url, "method": "PUT", "body": "release ${VERSION}"},
              make_ctx(tmp_path, vars={"VERSION": "3"}))
    assert res.ok
    assert server.requests[-1]["body"] == "release 3"


def test_request_headers_are_sent_but_never_shown(server: TestServer, tmp_path: Path) -> None:
    secret = "tok-SECRET-42"
    url = server.on("/me", Reply(401, "unauthorized"))
    ctx = make_ctx(tmp_path, vars={"TOKEN": secret})
    res = run({"url": url, "headers": {"Authorization": "Bearer ${TOKEN}"}}, ctx)
    assert server.requests[-1]["headers"]["Authorization"] == f"Bearer {secret}"
    assert res.message == "status 401, expected 200"
    everything = res.message + res.output + json.dumps(res.detail)
    assert secret not in everything
    assert "Authorization" not in everything


# -- through the plan loader --------------------------------------------------------------------

PLAN = """\
name: test
service: api
environment: staging
phases:
  - name: p
    steps:
{steps}
"""


def plan_with(steps: str) -> str:
    return PLAN.format(steps="\n".join("      " + line for line in steps.strip("\n").splitlines()))


def test_plan_loader_accepts_http_steps() -> None:
    plan = parse_plan_text(plan_with("""
- http: https://api.example.com/health
- name: register
  http:
    url: https://api.example.com/deploys
    method: POST
    json: {version: "1.2"}
    expect: {status: [201], json: {"$.state": queued}, max_latency: 2s}
    retries: {attempts: 3, interval: 5s}
"""))
    first, second = plan.phases[0].steps
    assert isinstance(first, HttpStep) and isinstance(second, HttpStep)
    assert first.describe() == "GET https://api.example.com/health -> 200"
    assert second.title() == "register"
    assert second.http.json_body == {"version": "1.2"}
    assert second.http.expect.max_latency == 2.0
    assert second.http.retries.interval == 5.0
    assert not second.is_idempotent


def test_plan_loader_reports_a_misspelt_http_key() -> None:
    with pytest.raises(PlanError) as err:
        parse_plan_text(plan_with("""
- http:
    url: https://x
    metod: GET
"""))
    assert "did you mean 'method'" in str(err.value)
