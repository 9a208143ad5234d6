"""The SSH connections of one run: opened once per host and kept for every later step, with a bound on
handshakes and on commands in flight, and each host's result handed over the moment it finishes.

asyncssh runs on one event loop in a daemon thread for the life of the process (a run), so a connection
opened by step 1.1 is still there for 1.2 and for the undo; the caller's thread stays synchronous and reads
results as they complete (so the step records each host's end at once, not when its batch ends). asyncssh is
imported through golive.lazy.load_asyncssh (no `ldconfig` or `gcc` at start).

The loop acknowledges every TCP segment it reads at once (TCP_QUICKACK, Linux), see QuickAckLoop: sshd leaves
Nagle's algorithm on for a session without a terminal, so at each login its reply to the session's channel
open waited behind small packets it had just sent (the debug and host-keys messages that follow a successful
auth) until this side's delayed ACK went out, 40 ms later: on every host, in every batch.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import importlib
import os
import shlex
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from golive.lazy import load_asyncssh
from golive.targets.ssh import KILL_GRACE, MAX_HOST_OUTPUT, TIMEOUT_EXITS, Address, Connection, HostResult, env_block

Clock = Callable[[], float]

_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class _QuickAck(asyncio.Protocol):
    """Stands between a TCP transport and the SSH connection reading it: hands every call on as it is, and after
    each read asks the kernel to acknowledge at once, not after its delayed-ACK timer (up to 40 ms).

    Why: sshd sends some messages in several small writes with Nagle's algorithm on (it sets TCP_NODELAY only for
    sessions with a terminal), so a write waits until the one before it is acknowledged; this side had nothing to
    send back with the ACK, and the delayed ACK held, for example, the answer to a session's channel open for
    ~40 ms at every login. The kernel leaves quick-ACK mode by itself as soon as this side answers quickly again,
    hence once per read (one setsockopt, ~1 µs)."""

    def __init__(self, inner: asyncio.Protocol) -> None:
        self.inner = inner
        self._sock: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._sock = transport.get_extra_info("socket")
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)
        if self._sock is not None and _QUICKACK is not None:
            try:
                self._sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
            except OSError:  # closed meanwhile, or not TCP
                self._sock = None

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


_DirectAuthClient: Any = None


def _direct_auth(asyncssh: Any) -> bool:
    """Whether connections made with a key file of the group's own (`identity:`) can log in with one request:
    asyncssh, as OpenSSH, first sends a `none` request (to learn the server's methods), then asks whether the
    key would do (SSH_MSG_USERAUTH_PK_OK), and only then sends the signed request: three round trips, each
    waiting on the host's sshd, where one does (RFC 4252 lets a client send the signature at once; paramiko
    always does). The query is worth it for an agent's keys (many, or one needing a touch per signature), not
    for one key file signed here, so agent logins keep asyncssh's way.

    Works through two asyncssh internals (the connection's list of methods to try, and the handler class of the
    publickey method); where a version lacks either, every login keeps asyncssh's way (False)."""
    global _DirectAuthClient
    if _DirectAuthClient is not None:
        return True
    auth = sys.modules.get("asyncssh.auth") or importlib.import_module("asyncssh.auth")
    handlers = getattr(auth, "_client_auth_handlers", None)
    base = getattr(auth, "_ClientPublicKeyAuth", None)
    if not isinstance(handlers, dict) or base is None or handlers.get(b"publickey") is not base or not all(
            hasattr(base, name) for name in ("_start", "_send_signed_request")):
        return False

    class _PublicKeyAuth(base):  # type: ignore[misc, valid-type]
        async def _start(self) -> None:
            if not getattr(self._conn, "_golive_sign_at_once", False):
                await super()._start()
                return
            self._keypair = await self._conn.public_key_auth_requested()
            if self._keypair is None:
                self._conn.try_next_auth(next_method=True)
                return
            await self._send_signed_request()

    class _Client(asyncssh.SSHClient):  # type: ignore[misc]
        """Its connection starts with the signed publickey request (no `none` first): a refusal answers with the
        server's methods, which asyncssh goes on with as usual."""

        def connection_made(self, conn: Any) -> None:
            self._conn = conn

        def begin_auth(self, username: str) -> None:
            methods = getattr(self._conn, "_auth_methods", None)
            if methods == [b"none"]:
                self._conn._auth_methods = [b"publickey"]
                self._conn._golive_sign_at_once = True

    handlers[b"publickey"] = _PublicKeyAuth
    _DirectAuthClient = _Client
    return True


class QuickAckLoop(asyncio.SelectorEventLoop):
    """The pool's event loop: every outbound TCP connection (a host's, or a jump host's) has its reads go through
    _QuickAck; the caller still gets its own protocol back. ProxyCommand pipes and tunnelled channels are not TCP
    sockets of this process and are left as they are."""

    async def create_connection(self, protocol_factory: Callable[[], asyncio.BaseProtocol],  # type: ignore[override]
                                *args: Any, **kwargs: Any) -> tuple[asyncio.Transport, asyncio.BaseProtocol]:
        made: list[asyncio.BaseProtocol] = []

        def wrapped() -> asyncio.BaseProtocol:
            inner = protocol_factory()
            made.append(inner)
            return _QuickAck(inner) if isinstance(inner, asyncio.Protocol) and not isinstance(
                inner, asyncio.BufferedProtocol) else inner

        transport, _ = await super().create_connection(wrapped, *args, **kwargs)
        return transport, made[0]


class SshPool:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._conns: dict[tuple[Any, ...], Any] = {}
        self._locks: dict[tuple[Any, ...], asyncio.Lock] = {}
        self._limits: dict[tuple[str, str, int], asyncio.Semaphore] = {}
        self._start = threading.Lock()
        #: known_hosts files and private keys, read and parsed once per run rather than at every handshake.
        self._loaded: dict[tuple[str, ...], Any] = {}
        #: Handshakes made since the process started (tests check connection reuse with it).
        self.handshakes = 0

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._start:
            if self._loop is None:
                load_asyncssh()
                loop = QuickAckLoop() if _QUICKACK is not None else asyncio.new_event_loop()
                self._thread = threading.Thread(target=loop.run_forever, name="golive-ssh", daemon=True)
                self._thread.start()
                self._loop = loop
                atexit.register(self.close)
            return self._loop

    def _sem(self, kind: str, conn: Connection, size: int) -> asyncio.Semaphore:
        key = (kind, conn.name or ",".join(conn.group.hosts), size)
        if key not in self._limits:
            self._limits[key] = asyncio.Semaphore(size)
        return self._limits[key]

    async def _connect(self, conn: Connection, addr: Address, tunnel: Any = None) -> Any:
        asyncssh = load_asyncssh()
        key = (addr, str(conn.identity), str(conn.known_hosts), id(tunnel) if tunnel is not None else None)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            client = self._conns.get(key)
            if client is not None and not client.is_closed():
                return client
            async with self._sem("startups", conn, conn.group.max_startups):
                opts = self._preloaded(conn.options(addr))
                if conn.identity is not None and _direct_auth(asyncssh):
                    opts["client_factory"] = _DirectAuthClient
                if tunnel is not None:
                    opts["tunnel"] = tunnel
                async with asyncio.timeout(conn.group.connect_timeout + 5):
                    client = await asyncssh.connect(**opts)
                self.handshakes += 1
            self._conns[key] = client
            return client

    def _preloaded(self, opts: dict[str, Any]) -> dict[str, Any]:
        """The connect options with the known_hosts file and the key files replaced by their parsed contents,
        read once for the run: given as paths, asyncssh reads and parses them again at every handshake (a
        known_hosts of N lines parsed for each of N hosts). A file changed since is read again."""
        asyncssh = load_asyncssh()

        def stamp(path: str) -> str:
            try:
                st = os.stat(path)
            except OSError:
                return "missing"  # left to asyncssh, which names the file in its error
            return f"{st.st_mtime_ns}:{st.st_size}"

        known = opts.get("known_hosts")
        if isinstance(known, str) and stamp(known) != "missing":
            key = ("known", known, stamp(known))
            if key not in self._loaded:
                self._loaded[key] = asyncssh.read_known_hosts(known)
            opts["known_hosts"] = self._loaded[key]
        keys = opts.get("client_keys")
        if keys and all(stamp(k) != "missing" for k in keys):
            key = ("keys", *keys, *map(stamp, keys))
            if key not in self._loaded:
                self._loaded[key] = asyncssh.load_keypairs(list(keys))
            opts["client_keys"] = self._loaded[key]
        return opts

    async def _client(self, conn: Connection, host: str) -> Any:
        tunnel = None
        for hop in conn.jumps():
            tunnel = await self._connect(conn, hop, tunnel)
        return await self._connect(conn, conn.address(host), tunnel)

    async def _run_one(self, conn: Connection, host: str, command: str, env: str, timeout: float,
                       clock: Clock) -> HostResult:
        asyncssh = load_asyncssh()
        started_wall = clock()
        t0 = time.monotonic()
        env += f"export GOLIVE_HOST={shlex.quote(host)}\n"  # which host of the group this is
        line = f"GOLIVE_ENV_BYTES={len(env.encode())}; " + command

        def done(status: str, code: int | None, output: str, message: str = "") -> HostResult:
            if len(output) > MAX_HOST_OUTPUT:  # marked, so the masker knows a secret may have been cut here
                output = "[... output truncated ...]\n" + output[-MAX_HOST_OUTPUT:]
            return HostResult(host, status, code, output, time.monotonic() - t0, started_wall,
                              clock(), message)

        async with self._sem("connections", conn, conn.group.max_connections):
            out: list[str] = []
            for attempt in (1, 2):
                try:
                    client = await self._client(conn, host)
                except asyncssh.HostKeyNotVerifiable as exc:
                    where = conn.known_hosts or "(checking off)"
                    return done("error", None, "", f"host key of {host} is not trusted by {where}: {exc.reason}."
                                " Check its fingerprint, then add it there (ssh-keyscan), or name another file"
                                " in known_hosts")
                except asyncssh.PermissionDenied as exc:
                    return done("error", None, "", f"{host}: authentication refused ({exc.reason})")
                except (OSError, asyncssh.Error, TimeoutError) as exc:
                    reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
                    return done("error", None, "", f"cannot connect to {host}: {reason}")
                try:
                    process = await client.create_process(line, stderr=asyncssh.STDOUT, encoding="utf-8",
                                                          errors="replace")
                except (OSError, asyncssh.Error) as exc:
                    # A kept connection the host has since dropped: open a fresh one, once.
                    if attempt == 1:
                        client.close()
                        continue
                    reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
                    return done("error", None, "", f"{host}: cannot start the command: {reason}")
                try:
                    return await _session(process, env, timeout, out, done)
                except (OSError, asyncssh.Error) as exc:  # the connection broke mid-command
                    reason = getattr(exc, "reason", "") or str(exc) or type(exc).__name__
                    return done("error", None, "".join(out), f"{host}: connection lost: {reason}")
            raise AssertionError("unreachable")

    def run(self, conn: Connection, hosts: list[str], command: str, env: dict[str, str], timeout: float,
            clock: Clock | None = None) -> Iterator[HostResult]:
        """Run `command` (already wrapped by remote_command) on `hosts` at once; yields each host's result as it
        finishes. Never raises for a host's own trouble (unreachable, refused key): that is the host's result."""
        for ready in self.run_ready(conn, hosts, command, env, timeout, clock):
            yield from ready

    def run_ready(self, conn: Connection, hosts: list[str], command: str, env: dict[str, str], timeout: float,
                  clock: Clock | None = None) -> Iterator[list[HostResult]]:
        """As `run`, a handful at a time: each time hosts have finished, the results of all that have by then (in
        the order they finished), so that the caller can record them together (one flush for the handful)."""
        loop = self._ensure_loop()
        block = env_block(env)
        clk = clock or time.time
        futures = [asyncio.run_coroutine_threadsafe(self._run_one(conn, h, command, block, timeout, clk), loop)
                   for h in hosts]
        pending: set[concurrent.futures.Future[HostResult]] = set(futures)
        try:
            while pending:
                done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
                yield sorted((fut.result() for fut in done), key=lambda r: r.finished)
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        loop = self._loop
        if loop is None or not loop.is_running():
            return

        async def shut() -> None:
            for client in list(self._conns.values()):
                client.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await asyncio.gather(*(c.wait_closed() for c in self._conns.values()), return_exceptions=True)
            self._conns.clear()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shut(), loop).result(5)


async def _session(process: Any, env: str, timeout: float, out: list[str],
                   done: Callable[..., HostResult]) -> HostResult:
    t0 = time.monotonic()
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


_POOL: SshPool | None = None


def pool() -> SshPool:
    """The process's pool (one process runs one run)."""
    global _POOL
    if _POOL is None:
        _POOL = SshPool()
    return _POOL
