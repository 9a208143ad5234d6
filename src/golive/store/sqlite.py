"""The embedded default store: one SQLite file, WAL, every event committed (fsynced) before returning."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

from golive.errors import RunLocked, RunNotFound, StoreError
from golive.store.base import Event, Owner, RunInfo, event_time
from golive.store.chain import GENESIS, canonical_json, event_hash
from golive.store.owner import is_alive

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    environment TEXT NOT NULL,
    plan_name TEXT NOT NULL,
    plan_path TEXT NOT NULL,
    initiator TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL,
    active INTEGER,
    head_seq INTEGER NOT NULL DEFAULT 0,
    head_hash TEXT NOT NULL DEFAULT '',
    owner_pid INTEGER,
    owner_started TEXT,
    owner_host TEXT
);
-- At most one active run per service and environment, enforced by the database itself so that
-- concurrent `golive run` processes cannot both get in.
CREATE UNIQUE INDEX IF NOT EXISTS one_active_run ON runs(service, environment) WHERE active = 1;
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
"""


def _store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    text = str(exc)
    if "full" in text:
        return StoreError(f"run log {path}: disk is full; the last event was not recorded ({text})")
    return StoreError(f"run log {path}: {text}")


def _crash_point() -> int:
    """Test hook for the crash harness: SIGKILL this process right after committing event number N."""
    try:
        return int(os.environ.get("GOLIVE_CRASH_AFTER_EVENT", "0"))
    except ValueError:
        return 0


class SQLiteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._crash_after = _crash_point()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout=30000")
            self._prepare(time.monotonic() + 30.0)
        except sqlite3.Error as exc:
            raise _store_error(exc, path) from exc
        except OSError as exc:
            raise StoreError(f"run log {path}: {exc}") from exc

    def _prepare(self, deadline: float) -> None:
        """WAL mode and the schema. Switching a new file to WAL takes an exclusive lock for which SQLite does not
        always call its busy handler, so several processes opening a fresh log at once retry, up to a deadline."""
        while True:
            try:
                mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode != "wal":
                    raise StoreError(f"run log {self.path}: cannot use write-ahead logging (got {mode})")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.executescript(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)  # another process is setting the file up; its lock lasts milliseconds

    # -- runs ---------------------------------------------------------------------------------
    def create_run(self, info: RunInfo, payload: dict[str, Any]) -> Event:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO runs (id, service, environment, plan_name, plan_path, initiator, created_at,"
                    " status, active) VALUES (?,?,?,?,?,?,?,?,1)",
                    (info.id, info.service, info.environment, info.plan_name, info.plan_path,
                     info.initiator, info.created_at, info.status),
                )
            except sqlite3.IntegrityError:
                self._db.execute("ROLLBACK")
                row = self._db.execute(
                    "SELECT id, status, initiator FROM runs WHERE service=? AND environment=? AND active=1",
                    (info.service, info.environment),
                ).fetchone()
                holder = f"run {row[0]} ({row[1]}, started by {row[2]})" if row else "another run"
                raise RunLocked(
                    f"{info.service}/{info.environment} is held by {holder}; finish it first"
                    f" (golive resume {row[0] if row else 'RUN'}, or golive rollback ... --reason TEXT)"
                ) from None
            ev = self._insert_event(info.id, 1, GENESIS, "run.created", payload)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback_quietly()
            raise _store_error(exc, self.path) from exc
        self._maybe_crash(ev.seq)
        return ev

    def _maybe_crash(self, seq: int) -> None:
        if self._crash_after and seq == self._crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def _insert_event(self, run_id: str, seq: int, prev: str, type: str, payload: dict[str, Any]) -> Event:
        payload_json = canonical_json(payload)
        ts = event_time()
        digest = event_hash(run_id, seq, ts, type, payload_json, prev)
        self._db.execute(
            "INSERT INTO events (run_id, seq, ts, type, payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
            (run_id, seq, ts, type, payload_json, prev, digest),
        )
        self._db.execute("UPDATE runs SET head_seq=?, head_hash=? WHERE id=?", (seq, digest, run_id))
        return Event(run_id, seq, ts, type, payload_json, prev, digest)

    def _rollback_quietly(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def _row_to_info(self, row: tuple[Any, ...]) -> RunInfo:
        owner = Owner(pid=row[11], started=row[12] or "", host=row[13] or "") if row[11] is not None else None
        return RunInfo(
            id=row[0], service=row[1], environment=row[2], plan_name=row[3], plan_path=row[4],
            initiator=row[5], created_at=row[6], status=row[7], active=bool(row[8]),
            head_seq=row[9], head_hash=row[10], owner=owner,
        )

    _COLS = ("id, service, environment, plan_name, plan_path, initiator, created_at, status, active,"
             " head_seq, head_hash, owner_pid, owner_started, owner_host")

    def get_run(self, run_id: str) -> RunInfo:
        try:
            rows = self._db.execute(
                f"SELECT {self._COLS} FROM runs WHERE id = ? OR id LIKE ? ORDER BY id LIMIT 3",
                (run_id, run_id.replace("%", "").replace("_", r"\_") + "%"),
            ).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc
        exact = [r for r in rows if r[0] == run_id]
        if exact:
            return self._row_to_info(exact[0])
        if len(rows) == 1:
            return self._row_to_info(rows[0])
        if not rows:
            raise RunNotFound(f"no run '{run_id}' in {self.path}")
        raise RunNotFound(f"'{run_id}' matches several runs: {', '.join(r[0] for r in rows)}...")

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        try:
            rows = self._db.execute(
                f"SELECT {self._COLS} FROM runs ORDER BY created_at DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc
        return [self._row_to_info(r) for r in rows]

    def claim(self, run_id: str, owner: Owner) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute(
                "SELECT owner_pid, owner_started, owner_host FROM runs WHERE id=?", (run_id,)
            ).fetchone()
            if row is None:
                self._db.execute("ROLLBACK")
                raise RunNotFound(f"no run '{run_id}'")
            if row[0] is not None:
                current = Owner(pid=row[0], started=row[1] or "", host=row[2] or "")
                if current != owner and is_alive(current):
                    self._db.execute("ROLLBACK")
                    raise RunLocked(f"run {run_id} is being executed by process {current.pid} on {current.host}")
            self._db.execute(
                "UPDATE runs SET owner_pid=?, owner_started=?, owner_host=? WHERE id=?",
                (owner.pid, owner.started, owner.host, run_id),
            )
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback_quietly()
            raise _store_error(exc, self.path) from exc

    def release(self, run_id: str, owner: Owner, active: bool) -> None:
        try:
            self._db.execute(
                "UPDATE runs SET owner_pid=NULL, owner_started=NULL, owner_host=NULL,"
                " active=CASE WHEN ? THEN active ELSE NULL END WHERE id=? AND (owner_pid IS NULL OR owner_pid=?)",
                (1 if active else 0, run_id, owner.pid),
            )
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc

    # -- events -------------------------------------------------------------------------------
    def set_status(self, run_id: str, status: str) -> None:
        try:
            self._db.execute("UPDATE runs SET status=? WHERE id=?", (status, run_id))
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc

    def append(self, run_id: str, type: str, payload: dict[str, Any]) -> Event:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT head_seq, head_hash FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                self._db.execute("ROLLBACK")
                raise RunNotFound(f"no run '{run_id}'")
            ev = self._insert_event(run_id, row[0] + 1, row[1] or GENESIS, type, payload)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback_quietly()
            raise _store_error(exc, self.path) from exc
        self._maybe_crash(ev.seq)
        return ev

    def events(self, run_id: str, after: int = 0) -> list[Event]:
        try:
            rows = self._db.execute(
                "SELECT run_id, seq, ts, type, payload, prev_hash, hash FROM events"
                " WHERE run_id=? AND seq>? ORDER BY seq",
                (run_id, after),
            ).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc
        return [Event(*r) for r in rows]

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
