"""A bounded loopback load generator, and the tiny HTTP backend tests and benches put behind routers.

Each request uses a fresh connection (`Connection: close`), so a failed request means the router or the
backend failed it, never that a keep-alive connection went stale between two requests. The generator
refuses non-loopback targets: it exists to test routers on this machine, not to load anything else.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from golive.errors import UsageError

MAX_REQUESTS = 1_000_000
MAX_SECONDS = 3600.0


@dataclass
class RequestRecord:
    started: float  # time.monotonic() when the request was sent
    latency_ms: float
    status: int | None  # None: no HTTP answer (refused, reset, timeout)
    backend: str | None = None  # the X-Backend header, when the backend names itself
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500


@dataclass
class LoadReport:
    records: list[RequestRecord] = field(default_factory=list)
    duration: float = 0.0

    @property
    def total(self) -> int:
        return len(self.records)

    @property
    def failures(self) -> list[RequestRecord]:
        return [r for r in self.records if r.failed]

    def by_backend(self) -> Counter[str]:
        return Counter(r.backend or "?" for r in self.records if not r.failed)

    def summary(self) -> str:
        errs = Counter(r.error or str(r.status) for r in self.failures)
        return (f"{self.total} requests in {self.duration:.1f}s, {len(self.failures)} failed {dict(errs)},"
                f" backends {dict(self.by_backend())}")


def _loopback_target(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise UsageError(f"load generator needs an http://127.0.0.1:PORT/... URL, got '{url}'")
    host = parts.hostname
    if host != "localhost":
        try:
            if not ipaddress.ip_address(host).is_loopback:
                raise UsageError(f"load generator only targets loopback addresses, not {host}")
        except ValueError:
            raise UsageError(f"load generator only targets loopback addresses, not {host}") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return host, parts.port or 80, path


async def _one(host: str, port: int, path: str, timeout: float) -> RequestRecord:
    started = time.monotonic()
    writer = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
            length = headers.get("content-length")
            if length is not None:
                await reader.readexactly(int(length))
            else:
                await reader.read()
        return RequestRecord(started, (time.monotonic() - started) * 1000, status, headers.get("x-backend"))
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError,
            TimeoutError) as exc:
        return RequestRecord(started, (time.monotonic() - started) * 1000, None, None,
                             type(exc).__name__ + (f": {exc}" if str(exc) else ""))
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def generate(url: str, *, rate: float | None = 100.0, concurrency: int = 8, max_requests: int = 1000,
                   max_seconds: float = 10.0, timeout: float = 5.0,
                   stop: threading.Event | None = None, report: LoadReport | None = None) -> LoadReport:
    """Send at most `max_requests` for at most `max_seconds` (both hard bounds), at `rate` per second
    (None: as fast as `concurrency` allows)."""
    host, port, path = _loopback_target(url)
    if not 0 < max_requests <= MAX_REQUESTS or not 0 < max_seconds <= MAX_SECONDS:
        raise UsageError(f"load must be bounded: 1..{MAX_REQUESTS} requests, up to {MAX_SECONDS:g}s")
    report = report if report is not None else LoadReport()
    sem = asyncio.Semaphore(max(1, concurrency))
    started = time.monotonic()
    deadline = started + max_seconds
    tasks: set[asyncio.Task[None]] = set()

    async def worker() -> None:
        try:
            report.records.append(await _one(host, port, path, timeout))
        finally:
            sem.release()

    sent = 0
    while sent < max_requests and time.monotonic() < deadline and not (stop and stop.is_set()):
        if rate:
            due = started + sent / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(min(delay, max(deadline - time.monotonic(), 0)))
                continue
        await sem.acquire()
        task = asyncio.create_task(worker())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent += 1
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 1)
    report.duration = time.monotonic() - started
    report.records.sort(key=lambda r: r.started)
    return report


class BackgroundLoad:
    """Runs `generate` in a thread while a test changes the router; `stop()` returns the report."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        self._stop = threading.Event()
        self._report: LoadReport | None = None
        #: Filled while the load runs (appends are atomic), so a test can wait on what clients saw so far.
        self.live = LoadReport()
        self._error: BaseException | None = None
        self._kwargs = kwargs
        self._url = url
        self._thread = threading.Thread(target=self._run, name="loadgen", daemon=True)

    def _run(self) -> None:
        try:
            self._report = asyncio.run(generate(self._url, stop=self._stop, report=self.live,
                                                **self._kwargs))
        except BaseException as exc:  # surfaced by stop()
            self._error = exc

    def answered_by(self, backend: str) -> int:
        return sum(1 for r in list(self.live.records) if r.backend == backend and not r.failed)

    def wait_for(self, backend: str, count: int, timeout: float = 15.0) -> None:
        """Block until `count` requests were answered by `backend` since the load started (deadline)."""
        deadline = time.monotonic() + timeout
        while self.answered_by(backend) < count:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise TimeoutError(f"only {self.answered_by(backend)} of {count} requests answered by {backend}"
                                   f" within {timeout:g}s")
            time.sleep(0.02)

    def start(self) -> BackgroundLoad:
        self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> LoadReport:
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("load generator did not stop in time")
        if self._error is not None:
            raise self._error
        assert self._report is not None
        return self._report

    def __enter__(self) -> BackgroundLoad:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self._thread.is_alive():
            self.stop()


# -- the tiny backend ------------------------------------------------------------------------------

class Backend:
    """An HTTP/1.1 server that answers every path with 200 and `X-Backend: NAME`, except that it fails a
    fraction of requests with 500 and can add latency. `GET /__control?fail=0.05&delay_ms=20` changes
    both at run time, so a bench can make a running canary go bad at a known instant."""

    def __init__(self, name: str, fail_rate: float = 0.0, delay_ms: float = 0.0, seed: int | None = None) -> None:
        self.name = name
        self.fail_rate = fail_rate
        self.delay_ms = delay_ms
        self.served = 0
        self.failed = 0
        self._rng = random.Random(seed)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                target = [*lines[0].split(" "), "", ""][1]
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                if int(headers.get("content-length", "0") or 0):
                    await reader.readexactly(int(headers["content-length"]))
                close = headers.get("connection", "").lower() == "close"
                status, body = self._answer(target)
                if self.delay_ms and not target.startswith("/__"):
                    await asyncio.sleep(self.delay_ms / 1000)
                reason = "OK" if status == 200 else "Internal Server Error"
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                    f"X-Backend: {self.name}\r\n{'Connection: close' + chr(13) + chr(10) if close else ''}\r\n"
                    .encode() + body)
                await writer.drain()
                if close:
                    return
        except ConnectionError:
            return
        finally:
            writer.close()

    def _answer(self, target: str) -> tuple[int, bytes]:
        if target.startswith("/__control"):
            from urllib.parse import parse_qs, urlsplit

            q = parse_qs(urlsplit(target).query)
            if "fail" in q:
                self.fail_rate = float(q["fail"][0])
            if "delay_ms" in q:
                self.delay_ms = float(q["delay_ms"][0])
            return 200, f"fail={self.fail_rate} delay_ms={self.delay_ms}\n".encode()
        if target.startswith("/__health"):
            return 200, b"ok\n"
        self.served += 1
        if self.fail_rate and self._rng.random() < self.fail_rate:
            self.failed += 1
            return 500, f"{self.name} failed\n".encode()
        return 200, f"hello from {self.name}\n".encode()

    async def serve(self, host: str, port: int, ready: threading.Event | None = None) -> None:
        server = await asyncio.start_server(self.handle, host, port, backlog=1024)
        if ready is not None:
            ready.set()
        async with server:
            await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m golive.traffic.loadgen", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("backend", help="serve the tiny backend")
    b.add_argument("--name", required=True)
    b.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (loopback)")
    b.add_argument("--fail-rate", type=float, default=0.0)
    b.add_argument("--delay-ms", type=float, default=0.0)
    g = sub.add_parser("run", help="send bounded load to a loopback URL and print a summary")
    g.add_argument("url")
    g.add_argument("--rate", type=float, default=100.0)
    g.add_argument("--concurrency", type=int, default=8)
    g.add_argument("--requests", type=int, default=1000)
    g.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args(argv)
    try:
        if args.cmd == "backend":
            host, _, port = args.listen.rpartition(":")
            _loopback_target(f"http://{host}:{port or 80}/")
            asyncio.run(Backend(args.name, args.fail_rate, args.delay_ms).serve(host, int(port)))
            return 0
        report = asyncio.run(generate(args.url, rate=args.rate or None, concurrency=args.concurrency,
                                      max_requests=args.requests, max_seconds=args.seconds))
        print(report.summary())
        return 1 if report.failures else 0
    except UsageError as exc:
        print(f"golive.traffic.loadgen: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
