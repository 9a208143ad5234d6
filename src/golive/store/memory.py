"""An in-memory store for dry runs and engine tests: same semantics as SQLite, nothing persisted."""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from golive.errors import RunLocked, RunNotFound
from golive.store.base import Event, Owner, RunInfo
from golive.store.chain import GENESIS, chained_event
from golive.store.owner import may_claim


class MemoryStore:
    def __init__(self) -> None:
        self._runs: dict[str, RunInfo] = {}
        self._events: dict[str, list[Event]] = {}

    def create_run(self, info: RunInfo, payload: dict[str, Any]) -> Event:
        for other in self._runs.values():
            if other.active and (other.service, other.environment) == (info.service, info.environment):
                raise RunLocked(f"{info.service}/{info.environment} is held by run {other.id}")
        self._runs[info.id] = replace(info, active=True)
        self._events[info.id] = []
        return self.append(info.id, "run.created", payload)

    def set_status(self, run_id: str, status: str) -> None:
        self._runs[run_id] = replace(self.get_run(run_id), status=status)

    def append(self, run_id: str, type: str, payload: dict[str, Any], *, durable: bool = True) -> Event:
        info = self.get_run(run_id)
        seq = info.head_seq + 1
        prev = info.head_hash or GENESIS
        ev = chained_event(run_id, seq, prev, type, payload)
        self._events[run_id].append(ev)
        self._runs[run_id] = replace(info, head_seq=seq, head_hash=ev.hash)
        return ev

    def events(self, run_id: str, after: int = 0) -> list[Event]:
        return [e for e in self._events.get(run_id, []) if e.seq > after]

    def get_run(self, run_id: str) -> RunInfo:
        if run_id in self._runs:
            return self._runs[run_id]
        matches = [r for r in self._runs if r.startswith(run_id)]
        if len(matches) != 1:
            raise RunNotFound(f"no run '{run_id}'")
        return self._runs[matches[0]]

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        return sorted(self._runs.values(), key=lambda r: r.created_at, reverse=True)[:limit]

    def claim(self, run_id: str, owner: Owner, take_over: bool = False) -> Owner | None:
        info = self.get_run(run_id)
        taken = may_claim(run_id, info.owner, owner, take_over)
        self._runs[run_id] = replace(info, owner=owner)
        return info.owner if taken else None

    def renew(self, run_id: str, owner: Owner) -> bool:
        info = self.get_run(run_id)
        if info.owner != owner:
            return False
        self._runs[run_id] = replace(info, owner=owner)
        return True

    def release(self, run_id: str, owner: Owner, active: bool) -> None:
        info = self.get_run(run_id)
        self._runs[run_id] = replace(info, owner=None, active=info.active and active)

    def reopen(self, run_id: str) -> None:
        info = self.get_run(run_id)
        for other in self._runs.values():
            if other.active and other.id != info.id and (other.service, other.environment) == (
                    info.service, info.environment):
                raise RunLocked(f"{info.service}/{info.environment} is held by run {other.id}")
        self._runs[run_id] = replace(info, active=True)

    def close(self) -> None:
        pass
