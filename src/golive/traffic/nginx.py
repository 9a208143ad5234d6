"""nginx: the weighted upstream block is rewritten from a template, checked with `nginx -t`, and applied
with a graceful `nginx -s reload` (old workers finish their requests, new workers take new ones).

nginx (open source) has no runtime API for weights or per-upstream counters, so golive owns one small
include file holding the upstream block (or, `in_place`, edits only the weights of a file the team already has:
golive.traffic.nginx_weights), and counts requests per pool from an access log written in a
known format (`log_format golive '$upstream_addr $status $request_time';`) when one is configured.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from golive.analysis.model import BackendCounters
from golive.errors import RouterError
from golive.traffic.nginx_weights import edit_weights, read_weights
from golive.traffic.router import normalize_weights, percent_shares

LOG_FORMAT = "log_format golive '$upstream_addr $status $request_time';"
_STATE = re.compile(r"^# golive-weights: (.*)$", re.MULTILINE)
_OUT = re.compile(r"^# golive-out: (.*)$", re.MULTILINE)


class NginxRouter:
    kind = "nginx"

    def __init__(self, upstream: str | None, upstream_file: str, pools: Mapping[str, list[str]], *,
                 nginx: str = "nginx", conf: str | None = None, prefix: str | None = None, pid_file: str | None = None,
                 access_log: str | None = None, extra: str = "", timeout: float = 10.0, in_place: bool = False,
                 test_command: str | None = None, reload_command: str | None = None) -> None:
        """`in_place`: the file is the team's; only the named servers' weights change. `test_command` and
        `reload_command` (no shell: split as words) replace `nginx -t` and `nginx -s reload`, as a runbook writes
        them (`sudo nginx -t`, `sudo systemctl reload nginx`)."""
        if not pools:
            raise RouterError("an nginx router needs at least one pool (pool name -> server addresses)")
        if upstream is None and not in_place:
            raise RouterError("an nginx router needs `upstream:` (the name of the block golive writes)")
        self.upstream = upstream
        self.in_place = in_place
        self.test_command = shlex.split(test_command) if test_command else None
        self.reload_command = shlex.split(reload_command) if reload_command else None
        self.path = Path(upstream_file)
        self._pools = {k: list(v) for k, v in pools.items()}
        self.nginx = nginx
        self.conf = conf
        self.prefix = prefix
        self.pid_file = pid_file
        self.access_log = Path(access_log) if access_log else None
        self.extra = extra
        self.timeout = timeout
        self._log_offset = 0
        self._counts: dict[str, BackendCounters] = {p: BackendCounters(0, 0) for p in self._pools}
        self._per_server: dict[str, BackendCounters] = {s: BackendCounters(0, 0) for v in self._pools.values()
                                                        for s in v}
        self._server_pool = {s: p for p, servers in self._pools.items() for s in servers}
        self._old_workers: set[int] = set()

    def _argv(self, *extra: str) -> list[str]:
        argv = [self.nginx]
        if self.prefix:
            argv += ["-p", self.prefix]
        if self.conf:
            argv += ["-c", self.conf]
        return [*argv, *extra]

    def _run(self, *extra: str, argv: list[str] | None = None) -> subprocess.CompletedProcess[str]:
        argv = argv or self._argv(*extra)
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
        except FileNotFoundError:
            raise RouterError(f"'{argv[0]}' not found") from None
        except subprocess.TimeoutExpired:
            raise RouterError(f"'{shlex.join(argv)}' timed out after {self.timeout:g}s") from None

    def render(self, weights: Mapping[str, int], out: set[str] | None = None) -> str:
        """`out`: servers a rolling deploy took out of rotation (kept `down` across weight changes)."""
        out = out or set()
        lines = [f"# golive-weights: {' '.join(f'{p}={w}' for p, w in weights.items())}",
                 f"# golive-out: {' '.join(sorted(out))}",
                 "# written by golive; changes here are overwritten at the next traffic step",
                 f"upstream {self.upstream} {{"]
        for pool, servers in self._pools.items():
            for srv in servers:
                w = weights[pool]
                lines.append(f"    server {srv} weight={w};" if w > 0 and srv not in out else f"    server {srv} down;")
        if self.extra:
            lines += [f"    {ln.strip()}" for ln in self.extra.strip().splitlines()]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def pools(self) -> list[str]:
        return list(self._pools)

    def _text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RouterError(f"cannot read nginx upstream file {self.path}: {exc}") from None

    def weights(self) -> dict[str, int]:
        if self.in_place:
            return percent_shares(read_weights(self._text(), self.upstream, self._pools, str(self.path)))
        m = _STATE.search(self._text())
        if not m:
            raise RouterError(f"{self.path} was not written by golive (no '# golive-weights:' line)")
        raw = {k: float(v) for k, _, v in (item.partition("=") for item in m.group(1).split())}
        return percent_shares({p: raw.get(p, 0.0) for p in self._pools})

    def set_weights(self, weights: Mapping[str, int]) -> None:
        wanted = normalize_weights(self.pools(), weights)
        if self.in_place:
            self._apply(edit_weights(self._text(), self.upstream, self._pools, wanted, str(self.path)))
            return
        self._apply(self.render(wanted, self._out()))

    def _out(self) -> set[str]:
        with contextlib.suppress(OSError):
            m = _OUT.search(self.path.read_text(encoding="utf-8"))
            if m:
                return set(m.group(1).split())
        return set()

    # -- ServerControl (rolling deploys) --------------------------------------------------------
    def server_addresses(self) -> dict[str, str]:
        return {srv: srv.rsplit(":", 1)[0].strip("[]") for servers in self._pools.values() for srv in servers}

    def set_server_state(self, server: str, state: str) -> None:
        """drain and maint both mark the server `down` (nginx has no drain of its own: after the graceful
        reload, the old workers finish what they hold and only new workers take requests)."""
        if server not in self._server_pool:
            raise RouterError(f"nginx upstream '{self.upstream}' has no server '{server}'")
        if self.in_place:
            raise RouterError(f"{self.path} is edited in place (weights only): golive takes no server out of it")
        if state not in ("ready", "drain", "maint"):
            raise RouterError(f"server state must be ready, drain or maint, got '{state}'")
        out = self._out()
        wanted = out | {server} if state != "ready" else out - {server}
        if wanted != out:
            self._apply(self.render(self.weights(), wanted))

    def server_sessions(self, server: str) -> int:
        """Old workers still finishing requests since the last reload (nginx cannot say per server)."""
        return len(self._old_workers & self._workers())

    def _apply(self, text: str) -> None:
        old = self.path.read_text(encoding="utf-8") if self.path.exists() else None
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        with contextlib.suppress(OSError):  # the team's file keeps its mode
            os.chmod(tmp, self.path.stat().st_mode & 0o7777)
        os.replace(tmp, self.path)
        test = self.test_command or self._argv("-t")
        check = self._run(argv=test)
        if check.returncode != 0:
            if old is not None:
                self.path.write_text(old, encoding="utf-8")
            else:
                self.path.unlink()
            said = "nginx -t" if self.test_command is None else shlex.join(test)
            raise RouterError(f"{said} rejected the new upstream, previous file restored:"
                              f" {check.stderr.strip()}")
        before = self._workers()
        self._old_workers = before
        reload = self.reload_command or self._argv("-s", "reload")
        res = self._run(argv=reload)
        if res.returncode != 0:
            said = "nginx -s reload" if self.reload_command is None else shlex.join(reload)
            raise RouterError(f"{said} failed: {res.stderr.strip()}")
        self._wait_new_workers(before)

    def _master_pid(self) -> int | None:
        pid_file = self.pid_file or (str(Path(self.prefix) / "logs" / "nginx.pid") if self.prefix else None)
        if not pid_file:
            return None
        try:
            return int(Path(pid_file).read_text().strip())
        except (OSError, ValueError):
            return None

    def _workers(self) -> set[int]:
        master = self._master_pid()
        if master is None:
            return set()
        out: set[int] = set()
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                        out.add(int(entry))
        return out

    def _wait_new_workers(self, before: set[int]) -> None:
        """The reload is only a signal; the new weights apply once new workers exist."""
        if not before:
            return
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._workers() - before:
                return
            time.sleep(0.02)
        raise RouterError(f"nginx did not start new workers within {self.timeout:g}s of the reload")

    def _read_log(self) -> None:
        """Counts the access log's new lines, per pool and per server (both views read the same lines once)."""
        if self.access_log is None:
            raise RouterError("nginx counters need `access_log:` pointing at a log in the golive format"
                              f" ({LOG_FORMAT})")
        try:
            with self.access_log.open("rb") as f:
                f.seek(self._log_offset)
                data = f.read()
        except OSError as exc:
            raise RouterError(f"cannot read nginx access log {self.access_log}: {exc}") from None
        end = data.rfind(b"\n") + 1
        self._log_offset += end
        for line in data[:end].decode("utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) < 3:
                continue
            addr = parts[-3].rstrip(",")
            pool = self._server_pool.get(addr)
            if pool is None:
                continue
            status = int(parts[-2]) if parts[-2].isdigit() else 502
            for c in (self._counts[pool], self._per_server[addr]):
                c.requests += 1
                c.errors += int(status >= 500)
                with contextlib.suppress(ValueError):
                    c.latency_sum_ms += float(parts[-1]) * 1000

    def counters(self) -> dict[str, BackendCounters]:
        self._read_log()
        return {p: BackendCounters(c.requests, c.errors, {}, c.latency_sum_ms) for p, c in self._counts.items()}

    def server_counters(self) -> dict[str, BackendCounters]:
        """Per server (from `$upstream_addr` in the access log), for a rolling batch's bake; needs `access_log:`."""
        self._read_log()
        return {s: BackendCounters(c.requests, c.errors, {}, c.latency_sum_ms) for s, c in self._per_server.items()}

    def health(self) -> dict[str, bool]:
        out: dict[str, bool] = {}
        for pool, servers in self._pools.items():
            up = False
            for srv in servers:
                host, _, port = srv.rpartition(":")
                with contextlib.suppress(OSError, ValueError), socket.create_connection((host, int(port)), 1.0):
                    up = True
            out[pool] = up
        return out

    def close(self) -> None:
        return None
