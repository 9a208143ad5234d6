"""The pieces a rolling deploy applies to one host: its health check, and draining it in the router.

Health is asked of the host itself (HTTP to its address, or a command on it over SSH), never through the
router: a host goes back into rotation only once it answers well on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import Field, model_validator

from golive.core.fields import Duration, IntList, Regex, Strict
from golive.errors import RouterError
from golive.targets.ssh import Connection, SshTarget, remote_command
from golive.traffic.router import ServerControl


class Health(Strict):
    """`http:` a URL where `{host}` is the host's address, or `command:` run on the host (exit 0 = healthy)."""

    http: str | None = None
    command: str | None = None
    expect_status: IntList = [200]
    expect_body: Regex | None = None
    #: Attempts before the host counts as unhealthy (whichever of retries and deadline comes first).
    retries: int = Field(default=30, ge=1)
    interval: Duration = 1.0
    deadline: Duration = 60.0
    #: One attempt's own limit.
    timeout: Duration = 5.0

    @model_validator(mode="after")
    def _one_way(self) -> Health:
        if (self.http is None) == (self.command is None):
            raise ValueError("a health check is either `http:` (a URL with {host}) or `command:`")
        return self


class Drain(Strict):
    """Take the host out of new traffic, wait for its sessions to end (at most `timeout`), then `maint`."""

    timeout: Duration = 30.0
    poll: Duration = 0.1


def check_health(health: Health, host: str, address: str, conn: Connection, env: dict[str, str],
                 sleep: Callable[[float], None] = time.sleep) -> tuple[bool, int, str]:
    """(healthy, attempts, last answer). Retries until healthy, `retries` attempts or `deadline`."""
    end = time.monotonic() + health.deadline
    last = ""
    for attempt in range(1, health.retries + 1):
        ok, last = _attempt(health, host, address, conn, env)
        if ok:
            return True, attempt, last
        if attempt == health.retries or time.monotonic() + health.interval > end:
            return False, attempt, last
        sleep(health.interval)
    return False, health.retries, last


def _attempt(health: Health, host: str, address: str, conn: Connection, env: dict[str, str]) -> tuple[bool, str]:
    import re

    if health.http is not None:
        import httpx

        url = health.http.replace("{host}", address)
        try:
            resp = httpx.get(url, timeout=health.timeout)
        except httpx.HTTPError as exc:
            return False, f"{url}: {type(exc).__name__}: {exc}"
        if resp.status_code not in health.expect_status:
            return False, f"{url}: HTTP {resp.status_code}"
        if health.expect_body is not None and re.search(health.expect_body, resp.text) is None:
            return False, f"{url}: body does not match {health.expect_body!r}"
        return True, f"{url}: HTTP {resp.status_code}"
    assert health.command is not None
    [res] = SshTarget(conn, [host]).run(remote_command(health.command, "/bin/bash", health.timeout), env,
                                        health.timeout)
    if res.status == "ok" and res.exit_code == 0:
        return True, "exit 0"
    return False, res.message or f"exit {res.exit_code}: {res.output[-200:]}"


def judge_problem(router: Any, drains: bool) -> str | None:
    """Why a bake's `max_error_rate` cannot be judged (None if it can): the judge compares the batch's servers
    with the rest from the router's per-server counters, so the step must talk to a router that keeps them.
    HAProxy and the built-in proxy do; nginx only from an access log in golive's format."""
    from golive.traffic.registry import NginxConfig

    if router is None or not drains:
        return ("the bake's max_error_rate is judged from the router's per-server counters, and this step talks"
                " to no router (give the group a `router:` and keep `drain:` on)")
    if isinstance(router, NginxConfig) and router.access_log is None:
        from golive.traffic.nginx import LOG_FORMAT

        return ("nginx counts requests per server only from an access log: set the router's `access_log:` to a log"
                f" written in golive's format ({LOG_FORMAT})")
    return None


def controls(router: Any) -> ServerControl:
    if not isinstance(router, ServerControl):
        raise RouterError(f"the {getattr(router, 'kind', '?')} router cannot take single servers out of rotation")
    return router


def drain_many(control: ServerControl, servers: list[str], spec: Drain, hosts: list[str],
               sleep: Callable[[float], None] = time.sleep) -> dict[str, dict[str, Any]]:
    """Drain a batch's servers together (one timeout for all), then `maint` each; per host what happened."""
    for srv in servers:
        control.set_server_state(srv, "drain")
    start = time.monotonic()
    left = {srv: control.server_sessions(srv) for srv in servers}
    while any(left.values()) and time.monotonic() - start < spec.timeout:
        sleep(spec.poll)
        left = {srv: control.server_sessions(srv) for srv in servers}
    waited = round(time.monotonic() - start, 3)
    out = {}
    for host, srv in zip(hosts, servers, strict=True):
        control.set_server_state(srv, "maint")
        out[host] = {"sessions_left": left[srv], "waited": waited, "timed_out": left[srv] > 0}
    return out
