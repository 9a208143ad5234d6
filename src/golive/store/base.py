"""What the engine needs from a store: append an event durably, read events back, hold the run's lock."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Protocol

from msgspec import Struct

from golive.core.events import EventBody, parse
from golive.errors import RunNotFound


def event_time() -> str:
    """An event's `ts` as every store writes it: UTC, ISO 8601, microseconds (the hash chain covers the text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Event(Struct, frozen=True, dict=True):
    run_id: str
    seq: int
    ts: str
    type: str
    payload_json: str
    prev_hash: str
    hash: str

    @cached_property
    def payload(self) -> dict[str, Any]:
        """The payload as stored (for JSON output; code reads `data`). Once `data` was read, the dict it was read
        from is this same payload: a 10,000-step run's recorded plan is not held as two dicts."""
        data = self.__dict__.get("data")
        stored = data.__dict__.get("_stored") if data is not None and hasattr(data, "__dict__") else None
        if isinstance(stored, dict):
            return stored
        return _decode(self.payload_json)

    @cached_property
    def data(self) -> EventBody:
        """The typed event (golive.core.events), parsed once; what is hashed stays `payload_json`. Read from the
        JSON without keeping the dict unless `payload` was asked for too: a long run's events (a report, a
        resume's fold) would otherwise be held twice."""
        payload = self.__dict__.get("payload")
        if payload is None:
            payload = _decode(self.payload_json)
        return parse(self.type, payload)


def _decode(text: str) -> dict[str, Any]:
    """msgspec's JSON decoder, not json.loads: it keeps one copy of each short key string, where json.loads makes
    new ones for every payload (30,000 events of a 10,000-step run repeat the same few keys). What it refuses and
    json.dumps may have written (NaN, Infinity, 1e999) is read by json.loads, as before."""
    import msgspec

    try:
        value: dict[str, Any] = msgspec.json.decode(text)
    except msgspec.DecodeError:
        import json

        value = json.loads(text)
    return value


class Owner(Struct, frozen=True):
    """The process executing a run: pid plus its start time, so a reused pid is not mistaken for it, and the
    host. Its claim is a lease: valid until `lease_until` (UTC, ISO 8601), renewed by a heartbeat; an owner that
    stopped renewing, on any host, can be taken over (`golive resume --take-over`). The lease is not part of the
    identity: renewing it does not make another owner."""

    pid: int
    started: str
    host: str
    lease_until: str = ""

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Owner)
        return (self.pid, self.started, self.host) == (other.pid, other.started, other.host)

    def __hash__(self) -> int:
        return hash((self.pid, self.started, self.host))


class RunInfo(Struct, frozen=True):
    id: str
    service: str
    environment: str
    plan_name: str
    plan_path: str
    initiator: str
    created_at: str
    status: str
    active: bool
    head_seq: int = 0
    head_hash: str = ""
    owner: Owner | None = None


RUN_COLUMNS = ("id, service, environment, plan_name, plan_path, initiator, created_at, status, active,"
               " head_seq, head_hash, owner_pid, owner_started, owner_host, owner_lease")


def owner_of(pid: int | None, started: str | None, host: str | None, lease: str | None) -> Owner | None:
    """The owner a run row's owner columns name, or None when no process holds the run (a NULL pid)."""
    if pid is None:
        return None
    return Owner(pid=pid, started=started or "", host=host or "", lease_until=lease or "")


def run_info(row: tuple[Any, ...]) -> RunInfo:
    """A run from a row of RUN_COLUMNS, as the SQL stores select it."""
    return RunInfo(id=row[0], service=row[1], environment=row[2], plan_name=row[3], plan_path=row[4],
                   initiator=row[5], created_at=row[6], status=row[7], active=bool(row[8]),
                   head_seq=row[9], head_hash=row[10], owner=owner_of(*row[11:15]))


def one_run(rows: list[tuple[Any, ...]], run_id: str, where: str) -> RunInfo:
    """The run `run_id` names among the rows an id-or-prefix query found: the exact id first, else the only
    prefix match; raises RunNotFound (naming the log `where`) for none or several."""
    exact = [r for r in rows if r[0] == run_id]
    if exact or len(rows) == 1:
        return run_info((exact or rows)[0])
    if not rows:
        raise RunNotFound(f"no run '{run_id}' in {where}")
    raise RunNotFound(f"'{run_id}' matches several runs: {', '.join(r[0] for r in rows)}...")


def active_holder(service: str, environment: str, row: tuple[Any, ...] | None) -> str:
    """Why a new run cannot start: the active run (a row of id, status, initiator) holding its service."""
    holder = f"run {row[0]} ({row[1]}, started by {row[2]})" if row else "another run"
    return (f"{service}/{environment} is held by {holder}; finish it first"
            f" (golive resume {row[0] if row else 'RUN'}, or golive rollback ... --reason TEXT)")


class Store(Protocol):
    def create_run(self, info: RunInfo, payload: dict[str, Any]) -> Event:
        """Register a run and append its `run.created` event in one commit (a crash leaves both or neither);
        raises RunLocked if another active run holds its service/environment."""

    def append(self, run_id: str, type: str, payload: dict[str, Any], *, durable: bool = True) -> Event:
        """Append one event, durably (committed and fsynced), before returning. `durable=False` commits without
        the flush: the event is visible at once and ordered as usual, and becomes durable with the next durable
        append (a log never keeps a later event and loses an earlier one). Only for an event after which nothing
        is done before a durable append (step.started of a step whose only effect is a gated process)."""

    def set_status(self, run_id: str, status: str) -> None:
        """Cache the folded status in the run index, for listings; the log stays the truth."""

    def events(self, run_id: str, after: int = 0) -> list[Event]: ...

    def get_run(self, run_id: str) -> RunInfo:
        """By id or unique prefix; raises RunNotFound."""

    def list_runs(self, limit: int = 50) -> list[RunInfo]: ...

    def claim(self, run_id: str, owner: Owner, take_over: bool = False) -> Owner | None:
        """Make `owner` the executing process; raises RunLocked if a live process already is (see
        golive.store.owner.may_claim). Returns the previous owner when it was taken over, for the record."""

    def renew(self, run_id: str, owner: Owner) -> bool:
        """Extend `owner`'s lease to owner.lease_until; False if it no longer owns the run (taken over)."""

    def release(self, run_id: str, owner: Owner, active: bool) -> None:
        """Drop ownership; `active=False` also frees the service/environment for the next run."""

    def reopen(self, run_id: str) -> None:
        """Make an ended run hold its service/environment again (a further rollback level asked for after it
        ended: its service must not change under it until that level has run); raises RunLocked naming the
        active run that holds it. Released as at any run's end (`release(..., active=False)`)."""

    def close(self) -> None: ...


def held_by(row: tuple[Any, ...] | None) -> str:
    """Why an ended run cannot hold its service again: the active run holding it (a row of id, status,
    initiator, service, environment)."""
    if row is None:
        return "another run holds its service and environment; finish it first"
    return (f"{row[3]}/{row[4]} is held by run {row[0]} ({row[1]}, started by {row[2]}); finish it first"
            f" (golive resume {row[0]}, or golive rollback {row[0]} --reason TEXT)")
