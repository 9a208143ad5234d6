"""SSH host groups (the plan's top-level `hosts:`) and running one command on a batch of them with asyncssh.

Host keys are checked strictly against a known_hosts file (by default ~/.ssh/known_hosts): at 2 AM a changed
or unknown host key must stop the deployment, not be trusted silently. `known_hosts: none` is the explicit,
linted opt-out.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator

from golive.core.fields import Duration, Strict

#: Output kept per host: the tail is what explains a failure.
MAX_HOST_OUTPUT = 16 * 1024
#: Extra time the remote `timeout` gets to KILL what ignored its TERM, and the local side to hear about it.
KILL_GRACE = 3.0
#: Exit status of GNU `timeout` when it had to stop the command (124: TERM worked; 137: it needed KILL).
TIMEOUT_EXITS = (124, 137)

_HOST = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9_.-]+))(?::(?P<port>\d{1,5}))?$")


def split_host(entry: str, default_port: int) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port` -> (host, port)."""
    m = _HOST.match(entry)
    if m is None:
        raise ValueError(f"'{entry}' is not a host, host:port or [ipv6]:port")
    port = int(m.group("port")) if m.group("port") else default_port
    if not 1 <= port <= 65535:
        raise ValueError(f"'{entry}': port {port} is not 1-65535")
    return m.group("v6") or m.group("name"), port


def _host_entry(value: str) -> str:
    split_host(value, 22)
    return value


class HostGroup(Strict):
    """A named set of hosts that `ssh` steps run on (`on: GROUP`)."""

    hosts: list[Annotated[str, AfterValidator(_host_entry)]] = Field(min_length=1)
    user: str | None = None
    port: int = Field(default=22, ge=1, le=65535)
    #: Private key file, relative to the run's directory; may be `${VAR}`.
    identity: str | None = None
    #: known_hosts file checked strictly; default ~/.ssh/known_hosts; `none` turns checking off (lint warns).
    known_hosts: str | None = None
    connect_timeout: Duration = 10.0

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            dupes = sorted({h for h in value if value.count(h) > 1})
            raise ValueError(f"host(s) listed twice: {', '.join(dupes)}")
        return value

    @property
    def checks_host_keys(self) -> bool:
        return (self.known_hosts or "").strip().lower() != "none"


@dataclass
class HostResult:
    host: str
    #: ok | failed | timed-out | error (could not connect, host key refused, ...)
    status: str
    exit_code: int | None
    output: str
    duration: float
    started: float
    finished: float
    message: str = ""


@dataclass
class Connection:
    """How to reach every host of a group, resolved for one run (paths made absolute, vars filled in)."""

    group: HostGroup
    identity: Path | None
    known_hosts: Path | None

    def options(self, host: str) -> dict[str, Any]:
        name, port = split_host(host, self.group.port)
        opts: dict[str, Any] = {"host": name, "port": port, "connect_timeout": self.group.connect_timeout,
                                "known_hosts": str(self.known_hosts) if self.known_hosts else None}
        if self.group.user:
            opts["username"] = self.group.user
        if self.identity is not None:
            opts["client_keys"] = [str(self.identity)]
            opts["agent_path"] = None
        return opts


def remote_command(command: str, shell: str, timeout: float) -> str:
    """The command line sshd hands to the login shell: read the environment block from stdin (so values are
    never in the remote argv or `ps`), then run the command under GNU `timeout`, which signals the command's
    whole process group, so nothing it started survives the deadline even if this connection is lost."""
    if "bash" in shell:
        inner = shlex.join([shell, "-e", "-o", "pipefail", "-c", command])
    else:
        inner = shlex.join([shell, "-c", command])
    return (f'eval "$(head -c "$GOLIVE_ENV_BYTES")" && exec timeout -k {KILL_GRACE:g} {timeout:g} {inner}')


def env_block(env: dict[str, str]) -> str:
    """`export NAME='value'` lines; every value goes through shlex.quote, never pasted in unquoted."""
    lines = []
    for name, value in env.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"'{name}' is not a valid environment variable name")
        lines.append(f"export {name}={shlex.quote(value)}\n")
    return "".join(lines)


async def _run_one(conn: Connection, host: str, command: str, env: str, timeout: float,
                   clock: Any) -> HostResult:
    import asyncssh

    started_wall = clock()
    t0 = time.monotonic()
    env += f"export GOLIVE_HOST={shlex.quote(host)}\n"  # which host of the group this is
    block = env.encode()
    line = f"GOLIVE_ENV_BYTES={len(block)}; " + command

    def done(status: str, code: int | None, output: str, message: str = "") -> HostResult:
        return HostResult(host, status, code, output[-MAX_HOST_OUTPUT:], time.monotonic() - t0, started_wall,
                          clock(), message)

    try:
        async with asyncio.timeout(conn.group.connect_timeout + 5):
            client = await asyncssh.connect(**conn.options(host))
    except asyncssh.HostKeyNotVerifiable as exc:
        where = conn.known_hosts or "(checking off)"
        return done("error", None, "", f"host key of {host} is not trusted by {where}: {exc.reason}."
                    " Check its fingerprint, then add it there (ssh-keyscan), or name another file in known_hosts")
    except asyncssh.PermissionDenied as exc:
        return done("error", None, "", f"{host}: authentication refused ({exc.reason})")
    except (OSError, asyncssh.Error, TimeoutError) as exc:
        reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
        return done("error", None, "", f"cannot connect to {host}: {reason}")
    out: list[str] = []
    try:
        async with client:
            result = await _session(client, host, line, env, timeout, out, done)
    except (OSError, asyncssh.Error) as exc:  # the connection broke mid-command: that host's failure
        reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
        return done("error", None, "".join(out), f"{host}: connection lost: {reason}")
    return result


async def _session(client: Any, host: str, line: str, env: str, timeout: float, out: list[str],
                   done: Callable[..., HostResult]) -> HostResult:
    import asyncssh

    t0 = time.monotonic()
    process = await client.create_process(line, stderr=asyncssh.STDOUT, encoding="utf-8", errors="replace")
    process.stdin.write(env)
    process.stdin.write_eof()

    async def pump() -> None:
        while chunk := await process.stdout.read(65536):
            out.append(chunk)
            if sum(len(c) for c in out) > 2 * MAX_HOST_OUTPUT:
                out[:] = ["[... output truncated ...]\n", "".join(out)[-MAX_HOST_OUTPUT:]]

    try:
        async with asyncio.timeout(timeout + KILL_GRACE + 5):
            await pump()
            result = await process.wait(check=False)
    except TimeoutError:
        # The remote `timeout` should have ended it already; closing the channel is the last resort.
        process.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await process.wait_closed()
        return done("timed-out", None, "".join(out), f"no answer within {timeout:g}s; channel closed")
    output = "".join(out)
    code = result.exit_status if result.exit_status is not None else -1
    if code in TIMEOUT_EXITS and time.monotonic() - t0 >= timeout:
        return done("timed-out", code, output, f"timed out after {timeout:g}s; remote process group killed")
    return done("ok", code, output)


async def _run_batch(conn: Connection, hosts: list[str], command: str, env: str, timeout: float,
                     clock: Any) -> list[HostResult]:
    return list(await asyncio.gather(*(_run_one(conn, h, command, env, timeout, clock) for h in hosts)))


def run_batch(conn: Connection, hosts: list[str], command: str, env: dict[str, str], timeout: float,
              clock: Any = time.time) -> list[HostResult]:
    """Run `command` (already wrapped by remote_command) on `hosts` in parallel; one result per host, in order.
    Never raises for a host's own trouble (unreachable, refused key): that is the host's result."""
    return asyncio.run(_run_batch(conn, hosts, command, env_block(env), timeout, clock))
