"""Run a command with a deadline; on timeout (or a stop signal) its whole process tree dies, not just the shell."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Iterator
from pathlib import Path

from msgspec import Struct

from golive.interrupts import Interrupted, shielded, take
from golive.proctree import Tree, recorder, start_gated, wait_until
from golive.targets.base import HostResult

#: Output kept per command: the tail matters most when something fails.
MAX_OUTPUT = 64 * 1024


class ProcResult(Struct):
    exit_code: int
    output: str
    timed_out: bool
    duration: float


#: Shell options when a step sets none: bash stops at the first failing command, including inside a pipeline;
#: other shells get no option (`sh` may not know pipefail).
BASH_DEFAULT_OPTIONS = ("errexit", "pipefail")


def default_options(shell: str) -> list[str]:
    return list(BASH_DEFAULT_OPTIONS) if Path(shell).name == "bash" else []


def argv_for(command: str, shell: str, options: list[str] | None = None) -> list[str]:
    """`shell: ...` means a shell: builtins (`cd`, `umask`, `ulimit`, `exit`) work in every command. `options`
    are `set -o` names; None means the shell's default (errexit and pipefail for bash)."""
    chosen = default_options(shell) if options is None else options
    argv = [shell]
    for name in chosen:
        argv += ["-o", name]
    return [*argv, "-c", command]


#: After the command exits, how long to keep reading output that a leftover background process may still
#: write; a daemon that keeps the pipe open must not hold the step (or the run) past this.
DRAIN_AFTER_EXIT = 2.0
#: Between SIGTERM and SIGKILL when golive stops a step's tree (timeout, signal) and the step sets no `grace`.
DEFAULT_GRACE = 5.0


class _Child:
    """The first process of the tree (golive's own child), reaped without blocking; a pidfd (Linux 5.3+) lets
    select() wake the moment it exits, instead of polling."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        try:
            self.fd: int | None = os.pidfd_open(pid)
        except (OSError, AttributeError):
            self.fd = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                done, status = self.pid, 9
            if done:
                self.returncode = os.waitstatus_to_exitcode(status)
                self.close()
        return self.returncode

    def wait(self, timeout: float | None) -> bool:
        if self.fd is not None and self.poll() is None:
            select.select([self.fd], [], [], timeout)
        return wait_until(lambda: self.poll() is not None, 1e9 if timeout is None else timeout)

    def close(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)


def run_command(
    argv: list[str], *, env: dict[str, str] | None, cwd: Path | None, timeout: float | None,
    grace: float = DEFAULT_GRACE,
) -> ProcResult:
    """Run ARGV in its own contained tree (see golive.proctree); on timeout, on a stop signal or on any error
    the whole tree is stopped, not just the first process."""
    started = time.monotonic()
    record = recorder.get()
    try:
        with shielded():  # no signal splits forking, recording and opening the gate
            gated = start_gated(argv, env, cwd)
    except OSError as exc:
        return ProcResult(126, f"cannot start {argv[0]}: {exc}\n", False, time.monotonic() - started)
    tree, child = gated.tree, _Child(gated.pid)
    released = False
    try:
        with shielded():
            if record is not None:
                record(tree.to_dict())  # in the log before the command can do anything
            interrupted = take()
            if interrupted is None:
                gated.release()
                released = True
        if interrupted is not None:
            raise interrupted
    except BaseException as exc:
        gated.abandon()
        _stopped(exc, tree, tree.stop(0, child.poll), released=released)
        tree.remove()
        raise
    deadline = None if timeout is None else started + timeout
    out = _Tail()
    try:
        timed_out = _pump(child, gated.output, out, deadline)
        if timed_out:
            tree.stop(grace, child.poll)
            # whatever is still buffered in the pipe, without waiting on processes that escaped the tree
            _pump(child, gated.output, out, time.monotonic() + min(grace, DRAIN_AFTER_EXIT))
        elif child.poll() is None:
            # output closed but the process lives on: it still has until the deadline
            if not child.wait(None if deadline is None else max(deadline - time.monotonic(), 0)):
                timed_out = True
                tree.stop(grace, child.poll)
    except BaseException as exc:
        _stopped(exc, tree, tree.stop(grace if isinstance(exc, Interrupted) else 0, child.poll), released=True)
        raise
    finally:
        gated.abandon()
        child.wait(5.0)
        child.close()
        tree.remove()
    code = -9 if timed_out else (child.returncode if child.returncode is not None else -9)
    return ProcResult(code, out.text(), timed_out, time.monotonic() - started)


class LocalTarget(Struct):
    """The Target for this machine: `command` runs under `shell` (with its `set -o` options; None: the shell's
    defaults) in `cwd`, in its own contained process tree, stopped with `grace` between TERM and KILL."""

    shell: str = "/bin/bash"
    options: list[str] | None = None
    cwd: Path | None = None
    grace: float = DEFAULT_GRACE

    def run(self, command: str, env: dict[str, str], timeout: float) -> Iterator[HostResult]:
        started = time.time()
        res = run_command(argv_for(command, self.shell, self.options), env=env, cwd=self.cwd, timeout=timeout,
                          grace=self.grace)
        status = "timed-out" if res.timed_out else "ok" if res.exit_code == 0 else "failed"
        yield HostResult("local", status, res.exit_code, res.output, res.duration, started, time.time())


def _stopped(exc: BaseException, tree: Tree, gone: bool, released: bool) -> None:
    """Tell the engine (through the signal's exception) what became of the tree it stopped."""
    if isinstance(exc, Interrupted):
        exc.stopped.append({"tree": tree.to_dict(), "gone": gone, "released": released})


class _Tail:
    """The last MAX_OUTPUT bytes of a stream, in bounded memory however much a command prints."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.dropped = False
        self.note = ""

    def add(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) > 2 * MAX_OUTPUT:
            del self.buf[: len(self.buf) - MAX_OUTPUT]
            self.dropped = True

    def text(self) -> str:
        data = bytes(self.buf)
        if self.dropped or len(data) > MAX_OUTPUT:
            data = b"[... output truncated ...]\n" + data[-MAX_OUTPUT:]
        return data.decode("utf-8", errors="replace") + self.note


def _pump(child: _Child, fd: int, out: _Tail, deadline: float | None) -> bool:
    """Read output until EOF; True if the deadline passed first. Stops reading DRAIN_AFTER_EXIT seconds
    after the command itself exited even if a background process it left behind keeps the pipe open."""
    exited_at: float | None = None
    while True:
        now = time.monotonic()
        if exited_at is None and child.poll() is not None:
            exited_at = now
        if exited_at is not None and now - exited_at > DRAIN_AFTER_EXIT:
            out.note = "\n[golive: stopped reading output: a background process still holds it open]\n"
            return False
        if deadline is not None and now >= deadline:
            return True
        wait = 0.1 if deadline is None else min(0.1, max(deadline - now, 0))
        if exited_at is not None:
            wait = min(wait, max(exited_at + DRAIN_AFTER_EXIT - now, 0) + 0.001)
        watch = [fd] if child.fd is None or exited_at is not None else [fd, child.fd]
        ready, _, _ = select.select(watch, [], [], wait)
        if fd in ready:
            data = os.read(fd, 65536)
            if not data:
                return False
            out.add(data)
