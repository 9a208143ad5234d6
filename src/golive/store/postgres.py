"""The team store: the same log in PostgreSQL, so approvers on other machines decide the same run.

Same semantics as SQLite: an event is committed (PostgreSQL's synchronous commit) before `append`
returns; the run row is locked FOR UPDATE while the next seq is chosen, so writers from many processes
and hosts extend one unbroken chain; a partial unique index keeps one active run per service/environment.

No statement waits forever: `lock_timeout` bounds the wait for a row another session holds, and
`statement_timeout` any statement (GOLIVE_PG_LOCK_TIMEOUT / GOLIVE_PG_STATEMENT_TIMEOUT, durations). A
connection lost mid-way (server restart, a killed backend, a dropped network) is reopened once and the
operation retried; if that fails too, golive stops with the reason instead of hanging or tracing back.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg

from golive.errors import GoliveError, RunLocked, RunNotFound, StoreError
from golive.store.base import RUN_COLUMNS, Event, Owner, RunInfo, active_holder, held_by, one_run, owner_of, run_info
from golive.store.chain import GENESIS, canonical_json, chained_event
from golive.store.owner import check_clock, may_claim

T = TypeVar("T")
DEFAULT_LOCK_TIMEOUT = 10.0
DEFAULT_STATEMENT_TIMEOUT = 60.0


def _seconds(name: str, default: float) -> float:
    from golive.units import parse_duration

    text = os.environ.get(name, "").strip()
    try:
        return parse_duration(text) if text else default
    except ValueError:
        return default

_SCHEMA = """
CREATE TABLE IF NOT EXISTS golive_runs (
    id TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    environment TEXT NOT NULL,
    plan_name TEXT NOT NULL,
    plan_path TEXT NOT NULL,
    initiator TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    active BOOLEAN,
    head_seq INTEGER NOT NULL DEFAULT 0,
    head_hash TEXT NOT NULL DEFAULT '',
    owner_pid INTEGER,
    owner_started TEXT,
    owner_host TEXT,
    owner_lease TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS golive_one_active_run ON golive_runs(service, environment) WHERE active;
CREATE TABLE IF NOT EXISTS golive_events (
    run_id TEXT NOT NULL REFERENCES golive_runs(id),
    seq INTEGER NOT NULL,
    ts TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
"""

def location(url: str) -> str:
    """Where a team's run log is, for messages: `postgresql://host:port/db`, never its user, password or options."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://…"
    return f"postgresql://{info.get('host', '')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


class PostgresStore:
    def __init__(self, url: str, lock_timeout: float | None = None, statement_timeout: float | None = None) -> None:
        self.url = location(url)
        self._dsn = url
        self.lock_timeout = _seconds("GOLIVE_PG_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT) \
            if lock_timeout is None else lock_timeout
        self.statement_timeout = _seconds("GOLIVE_PG_STATEMENT_TIMEOUT", DEFAULT_STATEMENT_TIMEOUT) \
            if statement_timeout is None else statement_timeout
        self._hb: psycopg.Connection[Any] | None = None
        try:
            self._db = self._connect()
            with self._db.transaction():
                # Serialise schema creation between processes starting at once.
                self._db.execute("SELECT pg_advisory_xact_lock(727172)")
                self._db.execute(_SCHEMA)
                # A log from before leases gets the column; only then, as ALTER TABLE locks the whole table.
                if not self._db.execute("SELECT 1 FROM information_schema.columns WHERE table_name='golive_runs'"
                                        " AND column_name='owner_lease' AND table_schema=current_schema()").fetchone():
                    self._db.execute("ALTER TABLE golive_runs ADD COLUMN owner_lease TEXT")
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _connect(self) -> psycopg.Connection[Any]:
        def ms(v: float) -> str:
            return str(max(int(v * 1000), 1))

        return psycopg.connect(self._dsn, autocommit=True, connect_timeout=10,
                               options=f"-c lock_timeout={ms(self.lock_timeout)}"
                                       f" -c statement_timeout={ms(self.statement_timeout)}")

    def _do(self, op: Callable[[], T], retry: Callable[[], T] | None = None) -> T:
        """Run `op`; on a lost connection reconnect once and run `retry` (default: `op` again). Timeouts and
        other database errors become a StoreError that says what happened."""
        try:
            return op()
        except psycopg.OperationalError as exc:
            if not self._db.closed and not self._db.broken:
                raise self._error(exc) from None
            first = exc
        except psycopg.Error as exc:
            raise self._error(exc) from None
        try:
            with contextlib.suppress(psycopg.Error):
                self._db.close()
            self._db = self._connect()
            return (retry or op)()
        except GoliveError:
            raise
        except psycopg.Error as exc:
            raise StoreError(f"run log {self.url}: connection lost ({str(first).strip()}) and reconnecting"
                             f" failed: {str(exc).strip()}") from None

    def _error(self, exc: Exception) -> StoreError:
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            return StoreError(f"run log {self.url}: another database session holds this run's row; gave up after"
                              f" lock_timeout {self.lock_timeout:g}s (nothing was written)")
        if isinstance(exc, psycopg.errors.QueryCanceled):
            return StoreError(f"run log {self.url}: a statement ran past statement_timeout"
                              f" {self.statement_timeout:g}s and was cancelled (nothing was written)")
        return StoreError(f"run log {self.url}: {str(exc).strip()}")

    def create_run(self, info: RunInfo, payload: dict[str, Any]) -> Event:
        def op() -> Event:
            with self._db.transaction():
                try:
                    with self._db.transaction():
                        self._db.execute(
                            "INSERT INTO golive_runs (id, service, environment, plan_name, plan_path, initiator,"
                            " created_at, status, active) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,TRUE)",
                            (info.id, info.service, info.environment, info.plan_name, info.plan_path,
                             info.initiator, info.created_at, info.status),
                        )
                except psycopg.errors.UniqueViolation:
                    row = self._db.execute(
                        "SELECT id, status, initiator FROM golive_runs WHERE service=%s AND environment=%s"
                        " AND active", (info.service, info.environment)).fetchone()
                    raise RunLocked(active_holder(info.service, info.environment, row)) from None
                return self._insert_event(info.id, 1, GENESIS, "run.created", payload)

        def retry() -> Event:  # the lost commit may have landed: then the run exists with its first event
            first = self.events(info.id)
            return first[0] if first else op()

        return self._do(op, retry)

    def _insert_event(self, run_id: str, seq: int, prev: str, type: str, payload: dict[str, Any]) -> Event:
        ev = chained_event(run_id, seq, prev, type, payload)
        self._db.execute(
            "INSERT INTO golive_events (run_id, seq, ts, type, payload, prev_hash, hash)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s)", (run_id, seq, ev.ts, type, ev.payload_json, prev, ev.hash))
        self._db.execute("UPDATE golive_runs SET head_seq=%s, head_hash=%s WHERE id=%s", (seq, ev.hash, run_id))
        return ev

    def append(self, run_id: str, type: str, payload: dict[str, Any], *, durable: bool = True) -> Event:
        seen: list[int] = []

        def op() -> Event:
            with self._db.transaction():
                if not durable:  # the server's WAL stays ordered: the next synchronous commit flushes this too
                    self._db.execute("SET LOCAL synchronous_commit TO off")
                row = self._db.execute("SELECT head_seq, head_hash FROM golive_runs WHERE id=%s FOR UPDATE",
                                       (run_id,)).fetchone()
                if row is None:
                    raise RunNotFound(f"no run '{run_id}'")
                seen.append(row[0])
                return self._insert_event(run_id, row[0] + 1, row[1] or GENESIS, type, payload)

        def retry() -> Event:
            # The connection died around COMMIT: if the event landed, appending again would record it twice.
            if seen:
                landed = self.events(run_id, after=seen[0])
                mine = canonical_json(payload)
                if landed and landed[0].type == type and landed[0].payload_json == mine:
                    return landed[0]
            return op()

        return self._do(op, retry)

    def set_status(self, run_id: str, status: str) -> None:
        self._do(lambda: self._db.execute("UPDATE golive_runs SET status=%s WHERE id=%s", (status, run_id)))

    def events(self, run_id: str, after: int = 0) -> list[Event]:
        rows = self._do(lambda: self._db.execute(
            "SELECT run_id, seq, ts, type, payload, prev_hash, hash FROM golive_events"
            " WHERE run_id=%s AND seq>%s ORDER BY seq", (run_id, after)).fetchall())
        return [Event(*r) for r in rows]

    def get_run(self, run_id: str) -> RunInfo:
        rows = self._do(lambda: self._db.execute(
            f"SELECT {RUN_COLUMNS} FROM golive_runs WHERE id = %s OR id LIKE %s ORDER BY id LIMIT 3",
            (run_id, run_id.replace("\\", "").replace("%", "").replace("_", r"\_") + "%")).fetchall())
        return one_run(rows, run_id, self.url)

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        rows = self._do(lambda: self._db.execute(
            f"SELECT {RUN_COLUMNS} FROM golive_runs ORDER BY created_at DESC, id DESC LIMIT %s", (limit,)).fetchall())
        return [run_info(r) for r in rows]

    def claim(self, run_id: str, owner: Owner, take_over: bool = False) -> Owner | None:
        def op() -> Owner | None:
            with self._db.transaction():
                row = self._db.execute("SELECT owner_pid, owner_started, owner_host, owner_lease FROM golive_runs"
                                       " WHERE id=%s FOR UPDATE", (run_id,)).fetchone()
                clock = self._db.execute("SELECT clock_timestamp()").fetchone()
                if clock is not None:  # leases from several machines meet here
                    check_clock(clock[0], self.url)
                if row is None:
                    raise RunNotFound(f"no run '{run_id}'")
                current = owner_of(*row)
                taken = may_claim(run_id, current, owner, take_over)
                self._db.execute("UPDATE golive_runs SET owner_pid=%s, owner_started=%s, owner_host=%s,"
                                 " owner_lease=%s WHERE id=%s",
                                 (owner.pid, owner.started, owner.host, owner.lease_until, run_id))
                return current if taken else None

        return self._do(op)

    def renew(self, run_id: str, owner: Owner) -> bool:
        """From the heartbeat (its thread, or the check before an event: never both at once), on its own
        connection (psycopg connections are not for two threads' transactions at once)."""
        try:
            if self._hb is None or self._hb.closed or self._hb.broken:
                self._hb = self._connect()
            cur = self._hb.execute(
                "UPDATE golive_runs SET owner_lease=%s WHERE id=%s AND owner_pid=%s AND owner_started=%s"
                " AND owner_host=%s", (owner.lease_until, run_id, owner.pid, owner.started, owner.host))
            return cur.rowcount == 1
        except psycopg.Error as exc:
            with contextlib.suppress(psycopg.Error):
                if self._hb is not None:
                    self._hb.close()
            self._hb = None
            raise self._error(exc) from None

    def reopen(self, run_id: str) -> None:
        def op() -> None:
            with self._db.transaction():
                try:
                    with self._db.transaction():
                        self._db.execute("UPDATE golive_runs SET active=TRUE WHERE id=%s", (run_id,))
                except psycopg.errors.UniqueViolation:
                    row = self._db.execute(
                        "SELECT b.id, b.status, b.initiator, a.service, a.environment FROM golive_runs a JOIN"
                        " golive_runs b ON b.service=a.service AND b.environment=a.environment AND b.active"
                        " WHERE a.id=%s", (run_id,)).fetchone()
                    raise RunLocked(held_by(row)) from None

        self._do(op, op)

    def release(self, run_id: str, owner: Owner, active: bool) -> None:
        self._do(lambda: self._db.execute(
            "UPDATE golive_runs SET owner_pid=NULL, owner_started=NULL, owner_host=NULL, owner_lease=NULL,"
            " active=CASE WHEN %s THEN active ELSE NULL END WHERE id=%s AND (owner_pid IS NULL OR owner_pid=%s)",
            (active, run_id, owner.pid)))

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._db.close()
            if self._hb is not None:
                self._hb.close()
