"""Run a command with a deadline; on timeout its whole process group dies, not just the shell."""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

#: Output kept per command: the tail matters most when something fails.
MAX_OUTPUT = 64 * 1024
_SHELL_META = set("$`|&;<>(){}[]*?~!#'\"\\\n=%")


@dataclass
class ProcResult:
    exit_code: int
    output: str
    timed_out: bool
    duration: float


def argv_for(command: str, shell: str) -> list[str]:
    """Plain commands are exec'd directly; anything the shell must interpret goes through `shell`."""
    if not (set(command) & _SHELL_META):
        try:
            argv = shlex.split(command)
        except ValueError:
            argv = []
        if argv:
            return argv
    return [shell, "-c", command] if shell.endswith("sh") and "bash" not in shell else [
        shell, "-e", "-o", "pipefail", "-c", command]


#: After the command exits, how long to keep reading output that a leftover background process may still
#: write; a daemon that keeps the pipe open must not hold the step (or the run) past this.
DRAIN_AFTER_EXIT = 2.0


def run_command(
    argv: list[str], *, env: dict[str, str] | None, cwd: Path | None, timeout: float | None,
    grace: float = 5.0,
) -> ProcResult:
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=env, cwd=cwd, start_new_session=True,
        )
    except FileNotFoundError:
        return ProcResult(127, f"command not found: {argv[0]}\n", False, time.monotonic() - started)
    except OSError as exc:
        return ProcResult(126, f"cannot run {argv[0]}: {exc}\n", False, time.monotonic() - started)
    deadline = None if timeout is None else started + timeout
    out = _Tail()
    try:
        timed_out = _pump(proc, out, deadline)
        if timed_out:
            _kill_group(proc, grace)
            # whatever is still buffered in the pipe, without waiting on processes that escaped the group
            _pump(proc, out, time.monotonic() + min(grace, DRAIN_AFTER_EXIT))
        elif proc.returncode is None:
            # output closed but the process lives on: it still has until the deadline
            try:
                proc.wait(timeout=None if deadline is None else max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc, grace)
    except BaseException:
        _kill_group(proc, 0)
        raise
    finally:
        if proc.stdout is not None:
            proc.stdout.close()
    if proc.returncode is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5.0)
    code = -9 if timed_out else (proc.returncode if proc.returncode is not None else -9)
    return ProcResult(code, out.text(), timed_out, time.monotonic() - started)


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


def _pump(proc: subprocess.Popen[bytes], out: _Tail, deadline: float | None) -> bool:
    """Read output until EOF; True if the deadline passed first. Stops reading DRAIN_AFTER_EXIT seconds
    after the command itself exited even if a background process it left behind keeps the pipe open."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    exited_at: float | None = None
    while True:
        now = time.monotonic()
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        if exited_at is not None and now - exited_at > DRAIN_AFTER_EXIT:
            out.note = "\n[golive: stopped reading output: a background process still holds it open]\n"
            return False
        if deadline is not None and now >= deadline:
            return True
        wait = 0.1 if deadline is None else min(0.1, max(deadline - now, 0))
        ready, _, _ = select.select([fd], [], [], wait)
        if ready:
            data = os.read(fd, 65536)
            if not data:
                return False
            out.add(data)


def _kill_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            # the shell may be gone while its children live on: finish the group off
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue
