"""Start real routers and tiny backends on loopback, each in its own process with its own files in a
directory: for tests, benches and the demo. Every start waits on a condition with a deadline, and every
process is stopped (then killed) by its own pid."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from golive.errors import RouterError

START_TIMEOUT = 15.0


def free_ports(n: int) -> list[int]:
    """`n` distinct free loopback ports (all held open together while chosen, so none is picked twice)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port() -> int:
    return free_ports(1)[0]


def wait_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = START_TIMEOUT,
              what: str = "server") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RouterError(f"{what} exited with code {proc.returncode} before listening on port {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.02)
    raise RouterError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:g}s")


def require_binary(name: str) -> str:
    """A missing router binary is a clear failure, never a silent skip."""
    path = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)),
                                      None)
    if path is None:
        raise RouterError(f"'{name}' is not installed (apt-get install -y {name}; it is listed in"
                          " scripts/system-packages.txt)")
    return path


class _Process:
    proc: subprocess.Popen[bytes] | None = None
    log: Path

    def stop(self, timeout: float = 10.0) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _spawn(argv: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


class LocalBackend(_Process):
    """`python -m golive.traffic.loadgen backend`: answers 200 with `X-Backend: NAME`, fails `fail_rate` with 500."""

    def __init__(self, directory: Path, name: str, fail_rate: float = 0.0, delay_ms: float = 0.0) -> None:
        self.name = name
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log = directory / f"backend-{name}.log"
        self.proc = _spawn([sys.executable, "-m", "golive.traffic.loadgen", "backend", "--name", name,
                            "--listen", self.address, "--fail-rate", str(fail_rate), "--delay-ms", str(delay_ms)],
                           self.log)
        wait_port(self.port, self.proc, what=f"backend {name}")

    def control(self, fail: float | None = None, delay_ms: float | None = None) -> None:
        import httpx

        params = {k: str(v) for k, v in (("fail", fail), ("delay_ms", delay_ms)) if v is not None}
        httpx.get(f"http://{self.address}/__control", params=params, timeout=5).raise_for_status()


class LocalHAProxy(_Process):
    """haproxy in the foreground with a generated config: frontend on `port`, backend `app` whose servers
    are named after the pools (one server per pool), runtime API on a unix socket in `directory`."""

    def __init__(self, directory: Path, servers: dict[str, str], weights: dict[str, int],
                 backend: str = "app", lock_map: Path | None = None) -> None:
        binary = require_binary("haproxy")
        self.port = free_port()
        self.socket = str(directory / "haproxy.sock")
        self.backend = backend
        self.config = directory / "haproxy.cfg"
        self.log = directory / "haproxy.log"
        lines = [
            "global", f"    stats socket {self.socket} mode 600 level admin", "    maxconn 4096",
            "defaults", "    mode http", "    timeout connect 2s", "    timeout client 30s", "    timeout server 30s",
            "    retries 2", "    option redispatch",
            "frontend fe", f"    bind 127.0.0.1:{self.port}", f"    default_backend {backend}",
        ]
        if lock_map is not None:  # a map golive's run locks live in (golive.run.router_lock); loaded, so it exists
            lock_map.touch()
            lines.append(f"    http-request set-var(txn.golive_lock) str(-),map({lock_map})")
        lines += [f"backend {backend}", "    balance roundrobin"]
        for name, addr in servers.items():
            lines.append(f"    server {name} {addr} weight {weights.get(name, 0) * 2} check inter 1s")
        self.config.write_text("\n".join(lines) + "\n")
        self.proc = _spawn([binary, "-f", str(self.config), "-db"], self.log)
        wait_port(self.port, self.proc, what="haproxy")
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self.socket):
            if time.monotonic() > deadline:
                raise RouterError(f"haproxy stats socket {self.socket} never appeared: {self.output()}")
            time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


class LocalNginx(_Process):
    """An nginx master in the foreground with its own prefix, including golive's upstream file."""

    def __init__(self, directory: Path, servers: dict[str, str], weights: dict[str, int]) -> None:
        binary = require_binary("nginx")
        self.binary = binary
        self.port = free_port()
        self.prefix = directory / "nginx"
        (self.prefix / "logs").mkdir(parents=True, exist_ok=True)
        (self.prefix / "tmp").mkdir(exist_ok=True)
        self.conf = self.prefix / "nginx.conf"
        self.upstream_file = self.prefix / "upstream.conf"
        self.access_log = self.prefix / "logs" / "access.log"
        self.pid_file = self.prefix / "logs" / "nginx.pid"
        self.log = self.prefix / "logs" / "stderr.log"
        from golive.traffic.nginx import LOG_FORMAT, NginxRouter

        self.router = NginxRouter("app", str(self.upstream_file), {k: [v] for k, v in servers.items()},
                                  nginx=binary, conf=str(self.conf), prefix=str(self.prefix),
                                  pid_file=str(self.pid_file), access_log=str(self.access_log))
        self.upstream_file.write_text(self.router.render({k: weights.get(k, 0) for k in servers}))
        tmp = self.prefix / "tmp"
        user = "user root;\n" if os.geteuid() == 0 else ""
        self.conf.write_text(f"""{user}worker_processes 1;
pid {self.pid_file};
error_log {self.prefix / 'logs' / 'error.log'} warn;
events {{ worker_connections 2048; }}
http {{
    {LOG_FORMAT}
    access_log {self.access_log} golive;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {self.upstream_file};
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_502;
        }}
    }}
}}
""")
        self.proc = _spawn([binary, "-p", str(self.prefix), "-c", str(self.conf), "-g", "daemon off;"], self.log)
        wait_port(self.port, self.proc, what="nginx")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


class LocalProxy(_Process):
    """The built-in proxy as its own process (`python -m golive.traffic.proxy`)."""

    def __init__(self, directory: Path, pools: dict[str, list[str]], weights: dict[str, int] | None = None,
                 admin_socket: bool = False) -> None:
        self.port, admin_port = free_ports(2)  # distinct (one at a time, the same free port can come back)
        self.admin = str(directory / "proxy-admin.sock") if admin_socket else f"127.0.0.1:{admin_port}"
        ready = directory / "proxy-ready.json"
        self.log = directory / "proxy.log"
        argv = [sys.executable, "-m", "golive.traffic.proxy", "--listen", f"127.0.0.1:{self.port}",
                "--admin", self.admin, "--ready-file", str(ready)]
        for name, servers in pools.items():
            argv += ["--pool", f"{name}={','.join(servers)}"]
        for name, w in (weights or {}).items():
            argv += ["--weight", f"{name}={w}"]
        self.proc = _spawn(argv, self.log)
        deadline = time.monotonic() + START_TIMEOUT
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RouterError(f"built-in proxy did not start: {self.output()}")
            time.sleep(0.02)
        self.info = json.loads(ready.read_text())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"
