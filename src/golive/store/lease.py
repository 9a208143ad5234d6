"""The heartbeat that keeps a run's ownership lease current while this process executes it.

A thread renews the lease every third of its length on the store's own heartbeat connection. If the store
says we no longer own the run (someone ran `golive resume --take-over` after our lease ran out, say while
this process was stopped or cut off), or if renewing has failed until the lease itself ran out, the process
has lost the run: `check()` then raises before the engine writes or does anything more. The thread may be late
(this process was stopped, or starved, past its lease, and let go on): so `check()` renews itself once the lease
may have run out since the store last accepted a renewal, and a process taken over while stopped cannot write
a single event before it notices."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from types import TracebackType

from msgspec.structs import replace

from golive.errors import RunLocked
from golive.store.base import Owner, Store
from golive.store.owner import lease_seconds, lease_until, wall_now


class Heartbeat:
    def __init__(self, store: Store, run_id: str, owner: Owner, lease: float | None = None) -> None:
        self.store = store
        self.run_id = run_id
        self.owner = owner
        self.lease = lease_seconds() if lease is None else lease
        self.lost: str | None = None
        self._valid_until = owner.lease_until
        #: Until when (time.monotonic) the run is surely ours: the lease the store last accepted, counted from
        #: before it was asked (the claim's lease for a start).
        self._sure_until = time.monotonic() + _left(owner.lease_until)
        self._renewing = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"golive-lease-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=self.lease)

    def _renew(self) -> bool:
        """Renew now; False once the run is lost (`lost` says how). A store that does not answer is tried again
        later, until the lease itself ran out."""
        with self._renewing:
            if self.lost:
                return False
            asked = time.monotonic()
            renewed = replace(self.owner, lease_until=lease_until(self.lease))
            try:
                ok = self.store.renew(self.run_id, renewed)
            except Exception:  # a transient store error: try again; the lease says how long we may
                ok = None
            if ok:
                self._valid_until = renewed.lease_until
                self._sure_until = asked + self.lease
            elif ok is False:
                self.lost = f"run {self.run_id} was taken over by another process after this one's lease ran out"
            elif not self._valid_until or datetime.fromisoformat(self._valid_until) < wall_now():
                self.lost = f"run {self.run_id}: could not renew this process's lease before it ran out"
            return self.lost is None

    def _loop(self) -> None:
        while not self._stop.wait(self.lease / 3):
            if not self._renew():
                return

    def check(self) -> None:
        """Raise if this process no longer owns the run; called before each event is written."""
        if not self.lost and time.monotonic() >= self._sure_until:
            self._renew()
        if self.lost:
            raise RunLocked(f"{self.lost}; this process stops without writing more (see golive status)")


def _left(until: str | None) -> float:
    """Seconds until an ISO lease end (0 when there is none or it is past)."""
    if not until:
        return 0.0
    return max(0.0, (datetime.fromisoformat(until) - wall_now()).total_seconds())
