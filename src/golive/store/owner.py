"""Which process executes a run, until when its lease runs, and whether it may be taken over.

A pid and a hostname alone cannot tell whether a run's process on another host (a CI pod, a container) is
still there. So ownership is a lease: the owner renews it with a heartbeat (golive.run lease renewal) every
third of its length; one that stops renewing is dead to everybody once the lease has run out.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from golive.errors import RunLocked
from golive.store.base import Owner

#: Default lease length (seconds); GOLIVE_LEASE overrides it (tests use a couple of seconds).
DEFAULT_LEASE = 60.0


def lease_seconds() -> float:
    from golive.units import parse_duration

    text = os.environ.get("GOLIVE_LEASE", "").strip()
    try:
        return max(parse_duration(text), 0.5) if text else DEFAULT_LEASE
    except ValueError:
        return DEFAULT_LEASE


def _start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return ""
    # The command name may contain spaces and parentheses; fields resume after the last ')'.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""


def _host() -> str:
    """This machine's name (socket imported here: the read commands open a store without ever asking)."""
    import socket

    return socket.gethostname()


def wall_now() -> datetime:
    """This machine's clock, as leases read and write it: one place, so a test can skew it."""
    return datetime.now(UTC)


def check_clock(store_now: datetime, store: str, lease: float | None = None) -> None:
    """Refuse to own a run in a store shared across machines while this machine's clock is off from the store's.
    A lease is written and judged in wall-clock time on each machine: a clock ahead would see a live owner's
    lease as run out and take the run over while it executes; one behind would write leases others find expired.
    So the clocks must agree to a fraction of the lease (NTP does this to milliseconds)."""
    skew = (wall_now() - store_now).total_seconds()
    limit = max(1.0, (lease_seconds() if lease is None else lease) / 4)
    if abs(skew) > limit:
        way = "ahead of" if skew > 0 else "behind"
        raise RunLocked(f"this machine's clock is {abs(skew):.1f}s {way} the clock of the run log's server ({store});"
                        " ownership leases are compared across machines, so golive takes no run while they differ by"
                        f" more than {limit:g}s: synchronise this machine's clock (NTP), then try again")


def lease_until(seconds: float | None = None) -> str:
    until = wall_now() + timedelta(seconds=lease_seconds() if seconds is None else seconds)
    return until.isoformat(timespec="milliseconds")


def current_owner(lease: float | None = None) -> Owner:
    pid = os.getpid()
    return Owner(pid=pid, started=_start_time(pid), host=_host(), lease_until=lease_until(lease))


def lease_expired(owner: Owner) -> bool:
    if not owner.lease_until:
        return False  # written by a golive without leases: judged by its process alone
    try:
        return datetime.fromisoformat(owner.lease_until) < wall_now()
    except ValueError:
        return True


def _process_alive(owner: Owner) -> bool:
    """On this host: true while the very process that claimed the run still runs (pid reuse is detected)."""
    started = _start_time(owner.pid)
    if not started:
        return False
    try:
        with open(f"/proc/{owner.pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z" and started == owner.started


def is_alive(owner: Owner) -> bool:
    """Whether `owner` counts as executing the run: its lease is current and, when it is on this host, its
    process still exists. Another host's process is judged by its lease alone."""
    if lease_expired(owner):
        return False
    if owner.host != _host():
        return True
    return _process_alive(owner)


def may_claim(run_id: str, current: Owner | None, new: Owner, take_over: bool) -> bool:
    """Whether `new` may own the run now; True means the previous owner is being taken over (to record).

    - no owner, or the same one: yes;
    - a live owner (current lease, process there): never, not even with take_over;
    - an owner on this host whose process is gone: yes (a crash; resume picks it up at once);
    - an expired lease whose process we cannot see dead (another host, or a stopped process here): only
      with take_over, which is recorded with who took over from whom."""
    if current is None or current == new:
        return False
    where = f"process {current.pid} on {current.host}"
    if is_alive(current):
        until = f", lease renewed until {current.lease_until}" if current.lease_until else ""
        hint = (f"; if that process is gone, wait for its lease to run out, then: golive resume {run_id}"
                " --take-over") if current.lease_until else ""
        raise RunLocked(f"run {run_id} is being executed by {where}{until}{hint}")
    if current.host == _host() and not _process_alive(current):
        return False
    if not take_over:
        raise RunLocked(f"run {run_id} was executed by {where}, which stopped renewing its lease at"
                        f" {current.lease_until}; if it is really gone: golive resume {run_id} --take-over")
    return True
