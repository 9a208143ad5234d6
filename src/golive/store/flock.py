"""flock(2) with a deadline: every golive lock file and state file taken under flock waits here, never blocked.

A flock is held for a decision (read, judge, write), a fraction of a second. A holder that keeps it longer is stuck:
a golive stopped with ^Z or SIGSTOP mid-decision, a process on a hung network filesystem. A plain LOCK_EX would wait
for it forever and hang a CI job with it; here the wait ends after `lock_wait()` seconds (GOLIVE_LOCK_WAIT, a
duration, default 30 s) with LockWaitExpired naming the file and, where /proc/locks tells, the holding process.
Waiting longer is never a way around a lock: the error refuses, it takes nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time

from golive.errors import LockWaitExpired

ENV = "GOLIVE_LOCK_WAIT"
DEFAULT_WAIT = 30.0


def lock_wait() -> float:
    """How long a flock is waited for (GOLIVE_LOCK_WAIT: `30`, `45s`, `2m`; a bad value is the default)."""
    from golive.units import parse_duration

    text = os.environ.get(ENV, "").strip()
    if not text:
        return DEFAULT_WAIT
    try:
        return max(0.0, float(parse_duration(text)))
    except (ValueError, TypeError):
        return DEFAULT_WAIT


def flock_within(fd: int, what: str, wait: float | None = None) -> None:
    """LOCK_EX on `fd` within `wait` seconds (lock_wait() by default), else LockWaitExpired saying who holds it."""
    limit = lock_wait() if wait is None else wait
    deadline = time.monotonic() + limit
    pause = 0.002
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LockWaitExpired(f"{what}: another process has held its lock for more than {limit:g}s"
                                      f"{_holders(fd)} (stopped with ^Z, or on a hung filesystem?); nothing was"
                                      f" changed; end or continue that process, or wait longer with {ENV}") from None
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)


def _holders(fd: int) -> str:
    """' (process 1234)' from /proc/locks for the file's inode, or '' when this machine cannot say."""
    with contextlib.suppress(OSError, ValueError):
        st = os.fstat(fd)
        key = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            pids = sorted({int(cols[4]) for line in f if len(cols := line.split()) > 5 and cols[1] == "FLOCK"
                           and cols[5] == key and int(cols[4]) != os.getpid()})
        if pids:
            return f" (process {', '.join(map(str, pids))})"
    return ""
