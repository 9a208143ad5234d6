"""The team store: the same log in PostgreSQL, so approvers on other machines decide the same run.

Same semantics as SQLite: an event is committed (PostgreSQL's synchronous commit) before `append`
returns; the run row is locked FOR UPDATE while the next seq is chosen, so writers from many processes
and hosts extend one unbroken chain; a partial unique index keeps one active run per service/environment.
"""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg

from golive.errors import RunLocked, RunNotFound, StoreError
from golive.store.base import Event, Owner, RunInfo, event_time
from golive.store.chain import GENESIS, canonical_json, event_hash
from golive.store.owner import is_alive

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
    owner_host TEXT
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

_COLS = ("id, service, environment, plan_name, plan_path, initiator, created_at, status, active,"
         " head_seq, head_hash, owner_pid, owner_started, owner_host")


def location(url: str) -> str:
    """Where a team's run log is, for messages: `postgresql://host:port/db`, never its user, password or options."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return "postgresql://…"
    return f"postgresql://{info.get('host', '')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


class PostgresStore:
    def __init__(self, url: str) -> None:
        self.url = location(url)
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=10)
            with self._db.transaction():
                # Serialise schema creation between processes starting at once.
                self._db.execute("SELECT pg_advisory_xact_lock(727172)")
                self._db.execute(_SCHEMA)
        except psycopg.Error as exc:
            raise StoreError(f"run log {self.url}: {exc}".strip()) from None

    def _error(self, exc: Exception) -> StoreError:
        return StoreError(f"run log {self.url}: {str(exc).strip()}")

    def create_run(self, info: RunInfo, payload: dict[str, Any]) -> Event:
        try:
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
                    holder = f"run {row[0]} ({row[1]}, started by {row[2]})" if row else "another run"
                    raise RunLocked(
                        f"{info.service}/{info.environment} is held by {holder}; finish it first"
                        f" (golive resume {row[0] if row else 'RUN'}, or golive rollback ... --reason TEXT)"
                    ) from None
                return self._insert_event(info.id, 1, GENESIS, "run.created", payload)
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _insert_event(self, run_id: str, seq: int, prev: str, type: str, payload: dict[str, Any]) -> Event:
        payload_json = canonical_json(payload)
        ts = event_time()
        digest = event_hash(run_id, seq, ts, type, payload_json, prev)
        self._db.execute(
            "INSERT INTO golive_events (run_id, seq, ts, type, payload, prev_hash, hash)"
            " VALUES (%s,%s,%s,%s,%s,%s,%s)", (run_id, seq, ts, type, payload_json, prev, digest))
        self._db.execute("UPDATE golive_runs SET head_seq=%s, head_hash=%s WHERE id=%s", (seq, digest, run_id))
        return Event(run_id, seq, ts, type, payload_json, prev, digest)

    def append(self, run_id: str, type: str, payload: dict[str, Any]) -> Event:
        try:
            with self._db.transaction():
                row = self._db.execute("SELECT head_seq, head_hash FROM golive_runs WHERE id=%s FOR UPDATE",
                                       (run_id,)).fetchone()
                if row is None:
                    raise RunNotFound(f"no run '{run_id}'")
                return self._insert_event(run_id, row[0] + 1, row[1] or GENESIS, type, payload)
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def set_status(self, run_id: str, status: str) -> None:
        try:
            self._db.execute("UPDATE golive_runs SET status=%s WHERE id=%s", (status, run_id))
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def events(self, run_id: str, after: int = 0) -> list[Event]:
        try:
            rows = self._db.execute(
                "SELECT run_id, seq, ts, type, payload, prev_hash, hash FROM golive_events"
                " WHERE run_id=%s AND seq>%s ORDER BY seq", (run_id, after)).fetchall()
        except psycopg.Error as exc:
            raise self._error(exc) from None
        return [Event(*r) for r in rows]

    @staticmethod
    def _info(row: tuple[Any, ...]) -> RunInfo:
        owner = Owner(pid=row[11], started=row[12] or "", host=row[13] or "") if row[11] is not None else None
        return RunInfo(id=row[0], service=row[1], environment=row[2], plan_name=row[3], plan_path=row[4],
                       initiator=row[5], created_at=row[6], status=row[7], active=bool(row[8]),
                       head_seq=row[9], head_hash=row[10], owner=owner)

    def get_run(self, run_id: str) -> RunInfo:
        try:
            rows = self._db.execute(
                f"SELECT {_COLS} FROM golive_runs WHERE id = %s OR id LIKE %s ORDER BY id LIMIT 3",
                (run_id, run_id.replace("\\", "").replace("%", "").replace("_", r"\_") + "%")).fetchall()
        except psycopg.Error as exc:
            raise self._error(exc) from None
        exact = [r for r in rows if r[0] == run_id]
        if exact or len(rows) == 1:
            return self._info((exact or rows)[0])
        if not rows:
            raise RunNotFound(f"no run '{run_id}' in {self.url}")
        raise RunNotFound(f"'{run_id}' matches several runs: {', '.join(r[0] for r in rows)}...")

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        try:
            rows = self._db.execute(f"SELECT {_COLS} FROM golive_runs ORDER BY created_at DESC, id DESC LIMIT %s",
                                    (limit,)).fetchall()
        except psycopg.Error as exc:
            raise self._error(exc) from None
        return [self._info(r) for r in rows]

    def claim(self, run_id: str, owner: Owner) -> None:
        try:
            with self._db.transaction():
                row = self._db.execute("SELECT owner_pid, owner_started, owner_host FROM golive_runs"
                                       " WHERE id=%s FOR UPDATE", (run_id,)).fetchone()
                if row is None:
                    raise RunNotFound(f"no run '{run_id}'")
                if row[0] is not None:
                    current = Owner(pid=row[0], started=row[1] or "", host=row[2] or "")
                    if current != owner and is_alive(current):
                        raise RunLocked(f"run {run_id} is being executed by process {current.pid} on {current.host}")
                self._db.execute("UPDATE golive_runs SET owner_pid=%s, owner_started=%s, owner_host=%s WHERE id=%s",
                                 (owner.pid, owner.started, owner.host, run_id))
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def release(self, run_id: str, owner: Owner, active: bool) -> None:
        try:
            self._db.execute(
                "UPDATE golive_runs SET owner_pid=NULL, owner_started=NULL, owner_host=NULL,"
                " active=CASE WHEN %s THEN active ELSE NULL END WHERE id=%s AND (owner_pid IS NULL OR owner_pid=%s)",
                (active, run_id, owner.pid))
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def close(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._db.close()
