"""The embedded default store: one SQLite file, WAL, every event committed (fsynced) before returning."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from golive.errors import RunLocked, RunNotFound, StoreError, StoreLost
from golive.store.base import RUN_COLUMNS, Event, Owner, RunInfo, active_holder, held_by, one_run, owner_of, run_info
from golive.store.chain import GENESIS, canonical_json, chained_event
from golive.store.location import user_state_dir
from golive.store.owner import may_claim

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
    owner_host TEXT,
    owner_lease TEXT
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


def _crash_point(name: str = "GOLIVE_CRASH_AFTER_EVENT") -> int:
    """Test hooks for the crash harness: SIGKILL this process right after committing event number N
    (GOLIVE_CRASH_AFTER_EVENT), or inside the write transaction of event N, before it commits
    (GOLIVE_CRASH_BEFORE_EVENT): what the event records (a router's new weights, a finished command) has
    happened, and the log does not say so."""
    try:
        return int(os.environ.get(name, "0"))
    except ValueError:
        return 0


class SQLiteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._crash_after = _crash_point()
        self._crash_before = _crash_point("GOLIVE_CRASH_BEFORE_EVENT")
        self._hb: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA busy_timeout=30000")
            self._prepare(time.monotonic() + 30.0)
            st = os.stat(path)
            self._identity = (st.st_dev, st.st_ino)
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
                cols = {r[1] for r in self._db.execute("PRAGMA table_info(runs)")}
                if "owner_lease" not in cols:  # a log written before leases
                    self._db.execute("ALTER TABLE runs ADD COLUMN owner_lease TEXT")
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
                raise RunLocked(active_holder(info.service, info.environment, row)) from None
            ev = self._insert_event(info.id, 1, GENESIS, "run.created", payload)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback_quietly()
            raise _store_error(exc, self.path) from exc
        self._maybe_crash(ev.seq)
        return ev

    def _check_identity(self, run_id: str) -> None:
        """The file at `path` must still be the one we opened. Deleted or replaced, SQLite would go on writing
        into an unlinked inode that vanishes when golive exits, and the run would end "succeeded" with no log:
        save what the open connection still reads, and stop."""
        try:
            st = os.stat(self.path)
            same = (st.st_dev, st.st_ino) == self._identity
        except OSError:
            same = False
        if same:
            return
        saved = self._salvage(run_id)
        where = f"its events so far are saved in {saved}" if saved else "its events could not be saved anywhere"
        raise StoreLost(f"run log {self.path} was deleted or replaced while run {run_id} was writing it; the run"
                        f" stops here (nothing after this point was done or recorded); {where}")

    def _salvage(self, run_id: str) -> Path | None:
        try:
            rows = self._db.execute("SELECT run_id, seq, ts, type, payload, prev_hash, hash FROM events"
                                    " WHERE run_id=? ORDER BY seq", (run_id,)).fetchall()
        except sqlite3.Error:
            rows = []
        lines = [canonical_json({"run": r[0], "seq": r[1], "ts": r[2], "type": r[3], "payload": r[4],
                                 "prev_hash": r[5], "hash": r[6]}) for r in rows]
        for directory in (self.path.parent, user_state_dir() / "lost"):
            target = directory / f"{self.path.name}.lost-{run_id}.jsonl"
            try:
                directory.mkdir(parents=True, exist_ok=True)
                with open(target, "w", encoding="utf-8") as f:
                    f.write("".join(line + "\n" for line in lines))
                    f.flush()
                    os.fsync(f.fileno())
                return target
            except OSError:
                continue
        return None

    def _maybe_crash(self, seq: int) -> None:
        if self._crash_after and seq == self._crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def _insert_event(self, run_id: str, seq: int, prev: str, type: str, payload: dict[str, Any]) -> Event:
        ev = chained_event(run_id, seq, prev, type, payload)
        self._db.execute(
            "INSERT INTO events (run_id, seq, ts, type, payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
            (run_id, seq, ev.ts, type, ev.payload_json, prev, ev.hash),
        )
        self._db.execute("UPDATE runs SET head_seq=?, head_hash=? WHERE id=?", (seq, ev.hash, run_id))
        return ev

    def _rollback_quietly(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def get_run(self, run_id: str) -> RunInfo:
        try:
            rows = self._db.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ? OR id LIKE ? ORDER BY id LIMIT 3",
                (run_id, run_id.replace("%", "").replace("_", r"\_") + "%"),
            ).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc
        return one_run(rows, run_id, str(self.path))

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        try:
            rows = self._db.execute(
                f"SELECT {RUN_COLUMNS} FROM runs ORDER BY created_at DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc
        return [run_info(r) for r in rows]

    def claim(self, run_id: str, owner: Owner, take_over: bool = False) -> Owner | None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute(
                "SELECT owner_pid, owner_started, owner_host, owner_lease FROM runs WHERE id=?", (run_id,)
            ).fetchone()
            if row is None:
                self._db.execute("ROLLBACK")
                raise RunNotFound(f"no run '{run_id}'")
            current = owner_of(*row)
            try:
                taken = may_claim(run_id, current, owner, take_over)
            except RunLocked:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute(
                "UPDATE runs SET owner_pid=?, owner_started=?, owner_host=?, owner_lease=? WHERE id=?",
                (owner.pid, owner.started, owner.host, owner.lease_until, run_id),
            )
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback_quietly()
            raise _store_error(exc, self.path) from exc
        return current if taken else None

    def renew(self, run_id: str, owner: Owner) -> bool:
        """From the heartbeat (its thread, or the check before an event: never both at once), on its own
        connection (the engine's may be inside a transaction)."""
        try:
            if self._hb is None:
                self._hb = sqlite3.connect(str(self.path), timeout=30.0, isolation_level=None,
                                           check_same_thread=False)
                self._hb.execute("PRAGMA busy_timeout=30000")
            cur = self._hb.execute(
                "UPDATE runs SET owner_lease=? WHERE id=? AND owner_pid=? AND owner_started=? AND owner_host=?",
                (owner.lease_until, run_id, owner.pid, owner.started, owner.host))
            return cur.rowcount == 1
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc

    def release(self, run_id: str, owner: Owner, active: bool) -> None:
        try:
            self._db.execute(
                "UPDATE runs SET owner_pid=NULL, owner_started=NULL, owner_host=NULL, owner_lease=NULL,"
                " active=CASE WHEN ? THEN active ELSE NULL END WHERE id=? AND (owner_pid IS NULL OR owner_pid=?)",
                (1 if active else 0, run_id, owner.pid),
            )
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc

    def reopen(self, run_id: str) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("UPDATE runs SET active=1 WHERE id=?", (run_id,))  # the unique index decides
            except sqlite3.IntegrityError:
                self._db.execute("ROLLBACK")
                row = self._db.execute(
                    "SELECT b.id, b.status, b.initiator, a.service, a.environment FROM runs a JOIN runs b ON"
                    " b.service=a.service AND b.environment=a.environment AND b.active=1 WHERE a.id=?",
                    (run_id,)).fetchone()
                raise RunLocked(held_by(row)) from None
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback_quietly()
            raise _store_error(exc, self.path) from exc

    # -- events -------------------------------------------------------------------------------
    def set_status(self, run_id: str, status: str) -> None:
        try:
            self._db.execute("UPDATE runs SET status=? WHERE id=?", (status, run_id))
        except sqlite3.Error as exc:
            raise _store_error(exc, self.path) from exc

    def append(self, run_id: str, type: str, payload: dict[str, Any], *, durable: bool = True) -> Event:
        self._check_identity(run_id)
        try:
            if not durable:
                # WAL frames are appended in order, so the next FULL commit's fsync makes this one durable too
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT head_seq, head_hash FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                self._db.execute("ROLLBACK")
                raise RunNotFound(f"no run '{run_id}'")
            if self._crash_before and row[0] + 1 == self._crash_before:
                os.kill(os.getpid(), signal.SIGKILL)
            ev = self._insert_event(run_id, row[0] + 1, row[1] or GENESIS, type, payload)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback_quietly()
            raise _store_error(exc, self.path) from exc
        finally:
            if not durable:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("PRAGMA synchronous=FULL")
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
        return _events(rows)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
            if self._hb is not None:
                self._hb.close()


def _events(rows: list[Any]) -> list[Event]:
    """Events from rows, with one copy of what rows repeat: the run id and type strings, and each prev_hash (the
    hash of the event before it). SQLite hands every row new strings; a 10,000-step run's report reads 30,000."""
    out: list[Event] = []
    prev: Event | None = None
    for run_id, seq, ts, type_, payload, prev_hash, hash_ in rows:
        if prev is not None and prev.hash == prev_hash:
            prev_hash = prev.hash
        prev = Event(sys.intern(run_id), seq, ts, sys.intern(type_), payload, prev_hash, hash_)
        out.append(prev)
    return out
