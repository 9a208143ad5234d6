"""The built-in proxy: an asyncio HTTP/1.1 reverse proxy with weighted pools, for laptops, demos and tests.

It runs as its own process (`golive proxy serve` or `python -m golive.traffic.proxy`) so it outlives a
golive crash: traffic stays where the last recorded weight put it. golive talks to it over a small admin
HTTP interface on loopback or a unix socket (`GET/PUT /weights`, `GET /counters`, `GET /health`, per
server `GET /servers`, `PUT /servers/HOST:PORT {"state": "drain"}` for rolling deploys, and the run locks
under `/locks`, golive.traffic.proxy.locks).
Pools are picked by smooth weighted round robin (nginx's algorithm: exact shares, evenly interleaved,
no randomness), servers inside a pool in turn. Upstream connections are kept alive and reused.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.analysis.model import DEFAULT_LATENCY_BUCKETS_MS
from golive.errors import RouterError, UsageError
from golive.traffic.router import normalize_weights

_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "transfer-encoding"}
_MAX_HEAD = 64 * 1024
_IDLE_PER_SERVER = 64


@dataclass
class Pool:
    name: str
    servers: list[tuple[str, int]]
    weight: int = 0
    current: int = 0  # smooth weighted round robin state
    next_server: int = 0
    requests: int = 0
    errors: int = 0
    latency_sum_ms: float = 0.0
    #: per bucket (not cumulative) counts, bounds DEFAULT_LATENCY_BUCKETS_MS
    buckets: list[int] = field(default_factory=lambda: [0] * len(DEFAULT_LATENCY_BUCKETS_MS))

    def record(self, latency_ms: float, error: bool) -> None:
        self.requests += 1
        self.errors += int(error)
        self.latency_sum_ms += latency_ms
        self.buckets[bisect.bisect_left(DEFAULT_LATENCY_BUCKETS_MS, latency_ms)] += 1

    def cumulative(self) -> list[list[float | int | str]]:
        """`[[le, count], ...]` cumulative like Prometheus; the open bucket's bound is "+Inf" (JSON has no inf)."""
        out: list[list[float | int | str]] = []
        seen = 0
        for bound, n in zip(DEFAULT_LATENCY_BUCKETS_MS, self.buckets, strict=True):
            seen += n
            out.append(["+Inf" if bound == float("inf") else bound, seen])
        return out


@dataclass
class Server:
    """One upstream server: its rotation state (ready / drain / maint) and what it is doing. A drained server
    gets no new request; those it holds (`inflight`) finish; `maint` is out entirely."""

    pool: str
    state: str = "ready"
    inflight: int = 0
    requests: int = 0
    errors: int = 0


SERVER_STATES = ("ready", "drain", "maint")


class _BadRequest(Exception):
    pass


def _parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    headers: list[tuple[str, str]] = []
    for ln in lines[1:]:
        if not ln:
            continue
        k, sep, v = ln.partition(":")
        if not sep:
            raise _BadRequest(f"malformed header line {ln[:60]!r}")
        headers.append((k.strip(), v.strip()))
    return lines[0], headers


def _get(headers: list[tuple[str, str]], name: str) -> str | None:
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


async def _relay_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      headers: list[tuple[str, str]], until_eof: bool) -> None:
    """Copy a message body as framed by its headers (chunked, Content-Length, or up to EOF)."""
    te = (_get(headers, "transfer-encoding") or "").lower()
    if "chunked" in te:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            writer.write(size_line)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers up to the empty line
                    line = await reader.readuntil(b"\r\n")
                    writer.write(line)
                    if line == b"\r\n":
                        return
            writer.write(await reader.readexactly(size + 2))
            await writer.drain()
    length = _get(headers, "content-length")
    if length is not None:
        left = int(length)
        while left > 0:
            data = await reader.read(min(left, 65536))
            if not data:
                raise asyncio.IncompleteReadError(b"", left)
            writer.write(data)
            left -= len(data)
            await writer.drain()
    elif until_eof:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


class Proxy:
    def __init__(self, pools: Mapping[str, list[tuple[str, int]]], weights: Mapping[str, int] | None = None,
                 connect_timeout: float = 3.0, response_timeout: float = 60.0) -> None:
        if not pools:
            raise UsageError("the proxy needs at least one pool")
        self.pools = {name: Pool(name, list(servers)) for name, servers in pools.items()}
        self.servers = {srv: Server(name) for name, servers in pools.items() for srv in servers}
        first = next(iter(self.pools))
        self.set_weights(weights or {first: 100})
        self.connect_timeout = connect_timeout
        self.response_timeout = response_timeout
        self._idle: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}
        self.started = time.time()
        from golive.traffic.proxy.locks import LockTable

        self.locks = LockTable()

    # -- routing -----------------------------------------------------------------------------------
    def set_weights(self, weights: Mapping[str, int]) -> dict[str, int]:
        wanted = normalize_weights(list(self.pools), weights)
        for name, pool in self.pools.items():
            pool.weight = wanted[name]
            pool.current = 0
        return wanted

    def weights(self) -> dict[str, int]:
        return {name: p.weight for name, p in self.pools.items()}

    def pick(self) -> Pool:
        total = 0
        best: Pool | None = None
        for pool in self.pools.values():
            if pool.weight <= 0:
                continue
            pool.current += pool.weight
            total += pool.weight
            if best is None or pool.current > best.current:
                best = pool
        if best is None:
            raise RouterError("every pool has weight 0")
        best.current -= total
        return best

    def next_server(self, pool: Pool) -> tuple[str, int] | None:
        """The pool's next server in rotation (round robin over the `ready` ones); None if none is."""
        for _ in range(len(pool.servers)):
            server = pool.servers[pool.next_server % len(pool.servers)]
            pool.next_server += 1
            if self.servers[server].state == "ready":
                return server
        return None

    def set_server_state(self, name: str, state: str) -> dict[str, Any]:
        if state not in SERVER_STATES:
            raise RouterError(f"server state must be one of {', '.join(SERVER_STATES)}, got '{state}'")
        server = parse_address(name)
        if server not in self.servers:
            raise RouterError(f"no server {name}; servers: {', '.join(_name(s) for s in self.servers)}")
        self.servers[server].state = state
        if state != "ready":  # kept-alive idle connections would otherwise outlive the server's restart
            for _, w in self._idle.pop(server, []):
                w.close()
        return dict(self.servers_json()[_name(server)])

    def servers_json(self) -> dict[str, Any]:
        return {_name(s): {"pool": i.pool, "state": i.state, "inflight": i.inflight, "requests": i.requests,
                           "errors": i.errors} for s, i in self.servers.items()}

    # -- upstream connections ----------------------------------------------------------------------
    async def _connect(self, server: tuple[str, int], fresh: bool) -> tuple[asyncio.StreamReader,
                                                                            asyncio.StreamWriter, bool]:
        idle = self._idle.get(server)
        while idle and not fresh:
            r, w = idle.pop()
            if not w.is_closing() and not r.at_eof():
                return r, w, True
            w.close()
        async with asyncio.timeout(self.connect_timeout):
            r, w = await asyncio.open_connection(*server)
        return r, w, False

    def _release(self, server: tuple[str, int], r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        idle = self._idle.setdefault(server, [])
        if len(idle) < _IDLE_PER_SERVER and not w.is_closing():
            idle.append((r, w))
        else:
            w.close()

    # -- one client connection ---------------------------------------------------------------------
    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        client_ip = peer[0] if isinstance(peer, tuple) else "unix"
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                except asyncio.LimitOverrunError:
                    await self._simple(writer, 431, "request head too large")
                    return
                try:
                    request_line, headers = _parse_head(head)
                    method, target, version = request_line.split(" ", 2)
                except (ValueError, _BadRequest):
                    await self._simple(writer, 400, "bad request")
                    return
                conn = (_get(headers, "connection") or "").lower()
                keep = "close" not in conn if version == "HTTP/1.1" else "keep-alive" in conn
                ok = await self._forward(method, target, headers, reader, writer, client_ip)
                if not ok or not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def _forward(self, method: str, target: str, headers: list[tuple[str, str]],
                       reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client_ip: str) -> bool:
        """Returns False when the client connection cannot carry another request."""
        try:
            pool = self.pick()
        except RouterError:
            await self._simple(writer, 503, "no pool has traffic weight")
            return False
        server = self.next_server(pool)
        if server is None:
            await self._simple(writer, 503, f"no server of pool {pool.name} is in rotation")
            return False
        info = self.servers[server]
        info.inflight += 1  # counted from the moment it is chosen: a drain waits for this request
        try:
            return await self._forward_to(server, pool, method, target, headers, reader, writer, client_ip)
        finally:
            info.inflight -= 1

    def _record(self, server: tuple[str, int], pool: Pool, started: float, error: bool) -> None:
        pool.record((time.monotonic() - started) * 1000, error=error)
        self.servers[server].requests += 1
        self.servers[server].errors += int(error)

    async def _forward_to(self, server: tuple[str, int], pool: Pool, method: str, target: str,
                          headers: list[tuple[str, str]], reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter, client_ip: str) -> bool:
        started = time.monotonic()
        out_headers = [(k, v) for k, v in headers if k.lower() not in _HOP]
        te = _get(headers, "transfer-encoding")
        if te:
            out_headers.append(("Transfer-Encoding", te))
        xff = _get(headers, "x-forwarded-for")
        out_headers = [(k, v) for k, v in out_headers if k.lower() != "x-forwarded-for"]
        out_headers.append(("X-Forwarded-For", f"{xff}, {client_ip}" if xff else client_ip))
        out_headers.append(("Connection", "keep-alive"))
        head = (f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in out_headers)
                + "\r\n").encode("latin-1")
        has_body = te is not None or int(_get(headers, "content-length") or 0) > 0
        body: bytes | None = None
        if has_body:
            body = await self._buffer_body(reader, headers)
        for attempt in (0, 1):
            up_w: asyncio.StreamWriter | None = None
            reused = False
            try:
                up_r, up_w, reused = await self._connect(server, fresh=attempt == 1)
                up_w.write(head + (body or b""))
                await up_w.drain()
                async with asyncio.timeout(self.response_timeout):
                    resp_head = await up_r.readuntil(b"\r\n\r\n")
                status_line, resp_headers = _parse_head(resp_head)
                status = int(status_line.split(" ", 2)[1])
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError,
                    IndexError, _BadRequest):
                if up_w is not None:
                    up_w.close()
                if attempt == 0 and reused:  # a kept-alive upstream connection closed under us: retry once
                    continue
                self._record(server, pool, started, error=True)
                await self._simple(writer, 502, f"upstream {server[0]}:{server[1]} failed")
                return False
            break
        assert up_w is not None
        up_conn = (_get(resp_headers, "connection") or "").lower()
        framed = _get(resp_headers, "content-length") is not None or "chunked" in (
            _get(resp_headers, "transfer-encoding") or "").lower()
        no_body = method == "HEAD" or status in (204, 304) or 100 <= status < 200
        client_keep = framed or no_body
        fwd = [(k, v) for k, v in resp_headers if k.lower() not in _HOP]
        rte = _get(resp_headers, "transfer-encoding")
        if rte:
            fwd.append(("Transfer-Encoding", rte))
        fwd.append(("Connection", "keep-alive" if client_keep else "close"))
        writer.write((status_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fwd) + "\r\n").encode("latin-1"))
        try:
            if not no_body:
                await _relay_body(up_r, writer, resp_headers, until_eof=not framed)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ValueError):
            up_w.close()
            self._record(server, pool, started, error=True)
            return False
        self._record(server, pool, started, error=status >= 500)
        if framed and "close" not in up_conn:
            self._release(server, up_r, up_w)
        else:
            up_w.close()
        return client_keep

    async def _buffer_body(self, reader: asyncio.StreamReader, headers: list[tuple[str, str]]) -> bytes:
        """Request bodies are buffered so a retry on a stale upstream connection can resend them."""

        class _Sink:
            def __init__(self) -> None:
                self.parts: list[bytes] = []

            def write(self, data: bytes) -> None:
                self.parts.append(data)

            async def drain(self) -> None:
                return None

        sink = _Sink()
        await _relay_body(reader, sink, headers, until_eof=False)  # type: ignore[arg-type]
        return b"".join(sink.parts)

    async def _simple(self, writer: asyncio.StreamWriter, status: int, text: str) -> None:
        body = (text + "\n").encode()
        writer.write(f"HTTP/1.1 {status} {text}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
                     f"Content-Type: text/plain\r\n\r\n".encode() + body)
        with contextlib.suppress(ConnectionError):
            await writer.drain()

    # -- admin -------------------------------------------------------------------------------------
    def counters_json(self) -> dict[str, Any]:
        return {name: {"requests": p.requests, "errors": p.errors, "latency_sum_ms": round(p.latency_sum_ms, 3),
                       "latency_buckets": p.cumulative()} for name, p in self.pools.items()}

    async def health_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, pool in self.pools.items():
            up: dict[str, bool] = {}
            for host, port in pool.servers:
                try:
                    async with asyncio.timeout(1.0):
                        _, w = await asyncio.open_connection(host, port)
                    w.close()
                    up[f"{host}:{port}"] = True
                except (OSError, TimeoutError):
                    up[f"{host}:{port}"] = False
            out[name] = {"healthy": any(up.values()), "servers": up}
        return out

    async def admin(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, headers = _parse_head(head)
            method, target, _ = request_line.split(" ", 2)
            length = int(_get(headers, "content-length") or 0)
            body = await reader.readexactly(length) if length else b""
            status, payload = await self._admin_answer(method, target, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        except (ValueError, _BadRequest, asyncio.LimitOverrunError) as exc:
            status, payload = 400, {"error": str(exc)}
        data = json.dumps(payload).encode()
        writer.write(f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode() + data)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    async def _admin_answer(self, method: str, target: str, body: bytes) -> tuple[int, Any]:
        path = target.split("?", 1)[0]
        if path == "/weights" and method == "GET":
            return 200, self.weights()
        if path == "/weights" and method in ("PUT", "POST"):
            try:
                wanted = json.loads(body or b"{}")
                if not isinstance(wanted, dict) or not all(isinstance(v, int) for v in wanted.values()):
                    raise ValueError("expected a JSON object pool -> integer percent")
                return 200, self.set_weights(wanted)
            except (ValueError, RouterError) as exc:
                return 400, {"error": str(exc)}
        if path == "/counters" and method == "GET":
            return 200, self.counters_json()
        if path == "/health" and method == "GET":
            return 200, await self.health_json()
        if path == "/servers" and method == "GET":
            return 200, self.servers_json()
        if path.startswith("/servers/") and method in ("PUT", "POST"):
            try:
                wanted = json.loads(body or b"{}")
                if not isinstance(wanted, dict) or not isinstance(wanted.get("state"), str):
                    raise ValueError('expected {"state": "ready" | "drain" | "maint"}')
                return 200, self.set_server_state(path.removeprefix("/servers/"), wanted["state"])
            except (ValueError, RouterError, UsageError) as exc:
                return 400, {"error": str(exc)}
        if path == "/pools" and method == "GET":
            return 200, {n: [f"{h}:{p}" for h, p in pl.servers] for n, pl in self.pools.items()}
        if path == "/locks" or path.startswith("/locks/"):
            return self.locks.answer(method, target, body)
        return 404, {"error": f"no admin route {method} {path}"}


def _name(server: tuple[str, int]) -> str:
    return f"[{server[0]}]:{server[1]}" if ":" in server[0] else f"{server[0]}:{server[1]}"


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise UsageError(f"expected HOST:PORT, got '{text}'")
    return host.strip("[]") or "127.0.0.1", int(port)


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def serve(proxy: Proxy, listen: str, admin: str, ready_file: str | None = None) -> None:
    host, port = parse_address(listen)
    server = await asyncio.start_server(proxy.handle, host, port, backlog=1024, limit=_MAX_HEAD)
    if admin.startswith("/"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(admin)
        admin_server = await asyncio.start_unix_server(proxy.admin, admin)
        os.chmod(admin, 0o600)
    else:
        ahost, aport = parse_address(admin)
        if not _loopback(ahost):
            raise UsageError(f"the admin interface has no authentication: bind it to loopback or a unix socket,"
                             f" not {ahost}")
        admin_server = await asyncio.start_server(proxy.admin, ahost, aport)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if ready_file:
        bound = server.sockets[0].getsockname()
        abound = admin if admin.startswith("/") else "{}:{}".format(*admin_server.sockets[0].getsockname()[:2])
        with open(ready_file + ".tmp", "w", encoding="utf-8") as f:
            json.dump({"listen": f"{bound[0]}:{bound[1]}", "admin": abound, "pid": os.getpid()}, f)
        os.replace(ready_file + ".tmp", ready_file)
    async with server, admin_server:
        await stop.wait()
