"""Whether a lock record's run is provably over: the one rule every golive lock judges a holder by (the host-wide
service lock, the lock files on SSH hosts and on this machine, the rows keeping advisory locks, router locks).

A lock record names its run, the run's log, and the process that wrote it (pid, that process's start time, and
the machine's name). A wrong "over" lets two runs change the same thing at once; a wrong "held" only asks a
person to clear a lock by hand. So a record is over only when this machine can see it is:

- written on another machine (or not saying where): held. Nothing here can see that machine's processes, and its
  log's path (a file there) means nothing here; an explicit release (the holder's run ending, or a person emptying
  the lock) is the only way it goes. The refusal says how to clear it by hand.
- its writer process is still alive on this machine (same pid, same start time, so a reused pid does not count):
  held, whatever its log says, unless that log shows the run ended. The writer takes the lock *before* it
  creates the run in its log, so "the log does not know the run" is also what a start in progress looks like.
- its writer is gone: over when its log on this machine is gone, does not know the run (its golive died between
  taking the lock and creating the run), or says the run is not active. A run parked at a gate or whose golive was
  killed is still active in its log: held, for its resume.
- a log golive cannot read (another user's, a PostgreSQL log it is not connected to): held.

Another log is opened strictly read-only (SQLite URI `mode=ro`, never created, no schema, no journal-mode change):
a record anybody may write must not make golive write into the file it names.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from golive.store.base import Owner

#: How long a read of another run log may wait for its writer (a busy log holds; nobody waits long under a lock).
READ_TIMEOUT = 1.0


class _Log(Protocol):
    def get_run(self, run_id: str) -> Any: ...


def writer_alive(record: dict[str, Any]) -> bool:
    """The record's writer process still runs on this machine (a reused pid has another start time)."""
    from golive.store.owner import _process_alive

    pid, started = record.get("pid"), str(record.get("started") or "")
    if not isinstance(pid, int) or pid <= 0 or not started:
        return False
    return _process_alive(Owner(pid=pid, started=started, host=this_host(), lease_until=""))


def this_host() -> str:
    import socket

    return socket.gethostname()


def same_writer(record: dict[str, Any], other: dict[str, Any]) -> bool:
    """Both records were written by one process (machine, pid and its start time)."""
    return all(record.get(k) == other.get(k) for k in ("host", "pid", "started")) and bool(record.get("pid"))


def run_state(record: dict[str, Any], own_where: str = "", own_log: _Log | None = None) -> str:
    """What the record's log says of its run: 'active', 'ended', 'unknown' (the log is gone or never learnt of
    the run) or 'unreadable' (we cannot tell: held)."""
    from golive.errors import RunNotFound

    run, where = str(record.get("run", "")), str(record.get("store", ""))
    if own_log is not None and where and where == own_where:
        try:
            return "active" if own_log.get_run(run).active else "ended"
        except RunNotFound:
            return "unknown"
        except Exception:
            return "unreadable"
    if not where or where.startswith(("postgresql:", "postgres:")) or not Path(where).is_absolute():
        return "unreadable"
    return sqlite_run_state(Path(where), run)


def sqlite_run_state(path: Path, run: str) -> str:
    """The run's state in the SQLite log at `path`, read strictly read-only (never created, never changed)."""
    try:
        path.stat()
    except FileNotFoundError:
        return "unknown"
    except OSError:
        return "unreadable"
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=READ_TIMEOUT)
    except sqlite3.Error:
        return "unreadable"
    try:
        row = conn.execute("SELECT active FROM runs WHERE id = ?", (run,)).fetchone()
    except sqlite3.Error:
        return "unreadable"  # not a run log (no `runs` table), locked, or not ours to read
    finally:
        conn.close()
    if row is None:
        return "unknown"
    return "active" if row[0] else "ended"


def holder_over(record: dict[str, Any], own_where: str = "", own_log: _Log | None = None) -> bool:
    """Whether the record's run provably no longer holds its lock (the module's docstring gives the rule)."""
    if not record.get("run") or "unreadable" in record:
        return False
    if not record.get("host") or record.get("host") != this_host():
        return False
    state = run_state(record, own_where, own_log)
    if writer_alive(record):
        return state == "ended"
    if state == "unreadable" and not str(record.get("store", "")).startswith(("postgresql:", "postgres:")) \
            and not Path(str(record.get("store", ""))).is_absolute():
        return bool(record.get("started"))  # an in-memory log lived and died with its writer
    return state in ("ended", "unknown")
