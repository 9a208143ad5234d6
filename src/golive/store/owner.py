"""Which process executes a run, and whether that process is still alive."""

from __future__ import annotations

import os
import socket

from golive.store.base import Owner


def _start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return ""
    # The command name may contain spaces and parentheses; fields resume after the last ')'.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def current_owner() -> Owner:
    pid = os.getpid()
    return Owner(pid=pid, started=_start_time(pid), host=socket.gethostname())


def is_alive(owner: Owner) -> bool:
    """True while the very process that claimed the run still runs (pid reuse is detected)."""
    if owner.host != socket.gethostname():
        return True  # cannot see another host's processes: assume it lives
    started = _start_time(owner.pid)
    if not started:
        return False
    try:
        with open(f"/proc/{owner.pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z" and started == owner.started
