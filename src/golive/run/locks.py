"""Taking and releasing the locks a plan declares in `locks:` (golive.plan.locks).

A lock file (on this machine, or on each host of an SSH group) holds a small record naming the run, its run
log and who took it. It is created exclusively when the run starts, kept while the run waits or is resumed
(the same run id finds it its own), and removed when the run ends. Another run finding it is refused, with
the holder named, unless the holder is provably over: its run log is on this machine and says the run is no
longer active, or that log is gone. A PostgreSQL advisory lock is a session lock, held while a golive
process executes the run; a row in the database's `golive_locks` table, written under that lock, holds it for
the run while no process does (waiting at a gate, killed) until the run ends.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.errors import RunLocked
from golive.plan.locks import HostsLock, LocalLock, PostgresLock, RouterLock
from golive.plan.model import Plan
from golive.store.base import Store
from golive.store.flock import flock_within
from golive.store.location import user_state_dir
from golive.store.lock_names import legacy_name, lock_name, names_pair
from golive.targets.hostlock import default_path, holder_is_over, refusal

#: Open PostgreSQL sessions holding advisory locks, per run, for as long as this process drives it.
_SESSIONS: dict[str, list[Any]] = {}
#: Runs this process has said the testing lock variable's warning for.
_WARNED: set[str] = set()


class LockContext:
    """What taking a run's locks needs: which run, its log, its vars. A plain class, not a dataclass: every run
    imports this module (the host-wide service lock), and a dataclass costs its generated methods at startup."""

    __slots__ = ("log", "notes", "run_id", "store", "vars", "workdir")

    def __init__(self, run_id: str, store: str, vars: dict[str, str] | None = None, workdir: Path = Path("."),
                 log: Store | None = None) -> None:
        self.run_id = run_id
        self.store = store  # the run log's location as shown (a PostgreSQL URL without credentials)
        self.vars = vars if vars is not None else {}
        self.workdir = workdir
        #: What taking the locks found worth recording in the run's log (a router lock taken over after its lease).
        self.notes: list[str] = []
        #: The run's own log, to judge a host-wide lock record naming a run of it (golive.run.host_lock).
        self.log = log

    def fields(self, plan: Plan) -> dict[str, Any]:
        return {"run": self.run_id, "store": self.store, "service": plan.service, "environment": plan.environment,
                "host": socket.gethostname(), "pid": os.getpid(), "started": _started(),
                "since": datetime.now(UTC).isoformat(timespec="seconds")}

    def record(self, plan: Plan) -> str:
        return json.dumps(self.fields(plan), sort_keys=True)

    def interpolate(self, text: str) -> str:
        import re

        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: self.vars.get(m.group(1), m.group(0)), text)


def _started() -> str:
    """This process's start time: with its pid, what tells a live writer of a lock record from a reused pid."""
    from golive.store.owner import current_owner

    return current_owner().started


def _name(plan: Plan) -> str:
    return f"{lock_name(plan.service, plan.environment)}.lock"


def _refused(what: str, record: dict[str, Any], where: str) -> RunLocked:
    return RunLocked(refusal(what, record, where))


# -- a lock file on this machine ---------------------------------------------------------------------

def _local_path(spec: LocalLock, plan: Plan) -> Path:
    base = Path(spec.local).expanduser() if isinstance(spec.local, str) else user_state_dir() / "locks"
    return base / _name(plan)


def _legacy_local(spec: LocalLock, plan: Plan) -> Path | None:
    """The previous version's file name for the lock (golive.store.lock_names), when it differs."""
    old = legacy_name(plan.service, plan.environment)
    return _local_path(spec, plan).with_name(f"{old}.lock") if old else None


def _take_local(spec: LocalLock, plan: Plan, ctx: LockContext) -> None:
    """Decided under the guard's flock (the previous version's guard too, for a name it spelt otherwise); the
    record is written under the name and, where the previous version's name is free, there too (a golive of that
    version started meanwhile is refused by it)."""
    path = _local_path(spec, plan)
    path.parent.mkdir(parents=True, exist_ok=True)
    old = _legacy_local(spec, plan)
    with contextlib.ExitStack() as stack:
        for where in (path, old) if old else (path,):  # one taker at a time decides
            guard = stack.enter_context(open(where.with_suffix(".guard"), "a"))
            flock_within(guard.fileno(), f"lock file {where} (its guard {where.with_suffix('.guard')})")
        targets = [path]
        for where in (path, old) if old else (path,):
            try:
                record = json.loads(where.read_text(encoding="utf-8"))
            except FileNotFoundError:
                record = None
            except (OSError, ValueError):
                record = {}
            if where is old and isinstance(record, dict) and names_pair(record, plan.service, plan.environment) \
                    is False:
                continue  # the old shared name, another pair's record: theirs
            if record and record.get("run") != ctx.run_id and not holder_is_over(record):
                raise _refused(f"{plan.service}/{plan.environment} on this machine", record, str(where))
            if where is old:
                targets.append(old)
        for where in targets:
            tmp = where.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(ctx.record(plan))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, where)


def _drop_local(spec: LocalLock, plan: Plan, run_id: str) -> None:
    old = _legacy_local(spec, plan)
    for path in (_local_path(spec, plan), old) if old else (_local_path(spec, plan),):
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text(encoding="utf-8")).get("run") == run_id:
                path.unlink()


# -- a lock file on each host of an SSH group --------------------------------------------------------

def _remote_path(spec: HostsLock, plan: Plan) -> str:
    return spec.path or default_path(plan.service, plan.environment, plan.hosts[spec.hosts].lock_dir)


def _on_hosts(spec: HostsLock, plan: Plan, ctx: LockContext) -> Any:
    from golive.targets.hostlock import pool_runner
    from golive.targets.ssh import resolve_connection

    group = plan.hosts[spec.hosts]
    return pool_runner(resolve_connection(group, spec.hosts, ctx.interpolate, ctx.workdir))


def _take_hosts(spec: HostsLock, plan: Plan, ctx: LockContext) -> None:
    from golive.targets.hostlock import take

    problems = take(_on_hosts(spec, plan, ctx), list(plan.hosts[spec.hosts].hosts), _remote_path(spec, plan),
                    ctx.record(plan), ctx.run_id, f"{plan.service}/{plan.environment}")
    if problems:
        raise RunLocked(next(iter(problems.values())))


def _drop_hosts(spec: HostsLock, plan: Plan, ctx: LockContext, only_ours: bool = True) -> None:
    from golive.targets.hostlock import drop

    with contextlib.suppress(Exception):
        drop(_on_hosts(spec, plan, ctx), list(plan.hosts[spec.hosts].hosts), _remote_path(spec, plan), ctx.run_id)


def _drop_ssh_targets(plan: Plan, ctx: LockContext) -> None:
    """The lock files the run's `ssh` steps took on the hosts they ran on (golive.steps.ssh), and its `rolling`
    steps left for the run's end, found in its log's `ssh.batch` and `rolling.batch` events (a resumed or reopened
    run's too); a group the plan locks whole is dropped above."""
    if ctx.log is None or not plan.hosts:
        return
    from golive.targets.hostlock import drop, pool_runner
    from golive.targets.ssh import resolve_connection

    declared = {s.hosts for s in plan.locks if isinstance(s, HostsLock)}
    ran: dict[str, set[str]] = {}
    for event in ctx.log.events(ctx.run_id):
        if event.type in ("ssh.batch", "rolling.batch"):  # a rolling step on a group an ssh step locks keeps them
            ran.setdefault(str(event.payload.get("group")), set()).update(event.payload.get("hosts") or [])
    for group, hosts in ran.items():
        if group in declared or group not in plan.hosts:
            continue
        with contextlib.suppress(Exception):  # a host out of reach keeps a record its run's log says is over
            conn = resolve_connection(plan.hosts[group], group, ctx.interpolate, ctx.workdir)
            drop(pool_runner(conn), sorted(hosts), default_path(plan.service, plan.environment,
                                                                plan.hosts[group].lock_dir), ctx.run_id)


# -- a PostgreSQL advisory lock in the application's database ----------------------------------------

def _pg_key(spec: PostgresLock, plan: Plan) -> tuple[str, int]:
    text = spec.key or f"golive:{plan.service}/{plan.environment}"
    return text, int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


#: The record that keeps an advisory lock while no golive process holds its session (the run waits for a
#: person, or its process was killed): one row per key, naming the run; removed when the run ends.
_TABLE = "golive_locks"
_CREATE = (f"CREATE TABLE IF NOT EXISTS {_TABLE} (key text PRIMARY KEY, run text NOT NULL, record text NOT NULL,"
           " since timestamptz NOT NULL DEFAULT now())")


def _take_postgres(spec: PostgresLock, plan: Plan, ctx: LockContext) -> None:
    """The session's advisory lock excludes every other golive process while this one drives the run; the row
    it then writes (under that lock) keeps excluding other runs after this process exits with the run parked
    at a gate, or dies. A later taker holding the advisory lock finds the row: its own run (a resume, a
    take-over from another host) proceeds, another run is refused until the holder ends or is provably over."""
    import psycopg

    from golive.masking import redact

    dsn = ctx.interpolate(spec.postgres)
    text, key = _pg_key(spec, plan)
    where = redact(dsn)
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10, application_name=f"golive {ctx.run_id}")
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
    except psycopg.Error as exc:
        raise RunLocked(f"advisory lock '{text}' in {where}: {str(exc).strip()}") from None
    if not got or not got[0]:
        holder = conn.execute(
            "SELECT a.application_name, a.client_addr, a.pid FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
            " WHERE l.locktype='advisory' AND l.granted AND l.classid=%s AND l.objid=%s LIMIT 1",
            ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF)).fetchone()
        conn.close()
        who = f"{holder[0] or 'a session'} (backend {holder[2]})" if holder else "another session"
        raise RunLocked(f"{plan.service}/{plan.environment}: advisory lock '{text}' in {where} is held by {who};"
                        " another run is changing this database")
    try:
        _hold_record(conn, text, plan, ctx, where)
    except BaseException:
        with contextlib.suppress(Exception):
            conn.close()  # lets the advisory lock go
        raise
    _SESSIONS.setdefault(ctx.run_id, []).append(conn)


def _hold_record(conn: Any, text: str, plan: Plan, ctx: LockContext, where: str) -> None:
    import psycopg

    try:
        with contextlib.suppress(psycopg.errors.UniqueViolation):  # created by another taker at that moment
            conn.execute(_CREATE)
        row = conn.execute(f"SELECT record FROM {_TABLE} WHERE key = %s", (text,)).fetchone()
        if row is not None:
            with contextlib.suppress(ValueError):
                record = json.loads(row[0])
                if record.get("run") != ctx.run_id and not holder_is_over(record):
                    raise _refused(f"{plan.service}/{plan.environment}: advisory lock '{text}' in {where}", record,
                                   f"its row from table {_TABLE} in that database (DELETE ... WHERE key = '{text}')")
        conn.execute(f"INSERT INTO {_TABLE} (key, run, record) VALUES (%s, %s, %s) ON CONFLICT (key) DO UPDATE"
                     " SET run = excluded.run, record = excluded.record, since = now()",
                     (text, ctx.run_id, ctx.record(plan)))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise RunLocked(f"advisory lock '{text}' in {where}: golive keeps the lock while a run waits for a person"
                        f" in a table {_TABLE} there, and may not create or write it ({str(exc).strip()}); have"
                        f" an administrator run: {_CREATE}; GRANT SELECT, INSERT, UPDATE, DELETE ON {_TABLE} TO"
                        " <golive's role>") from None
    except psycopg.Error as exc:
        raise RunLocked(f"advisory lock '{text}' in {where}: {str(exc).strip()}") from None


def _drop_postgres(spec: PostgresLock, plan: Plan, ctx: LockContext, conn: Any | None) -> None:
    """Remove the run's row (on its held session, or a new one), so the next run of the service may start."""
    import psycopg

    text, _ = _pg_key(spec, plan)
    own = conn is None
    try:
        if conn is None:
            conn = psycopg.connect(ctx.interpolate(spec.postgres), autocommit=True, connect_timeout=10)
        conn.execute(f"DELETE FROM {_TABLE} WHERE key = %s AND run = %s", (text, ctx.run_id))
    except psycopg.Error:
        pass  # no table (never taken), or the database is gone: nothing of ours is left to hold anyone
    finally:
        if own and conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


# -- a lock in a router (golive.run.router_lock) -------------------------------------------------------

def _take_router(spec: RouterLock, plan: Plan, ctx: LockContext) -> None:
    from golive.run.router_lock import take_router_lock

    previous = take_router_lock(spec, plan, ctx.run_id, ctx.fields(plan), ctx.interpolate, ctx.workdir)
    if previous is not None:
        ctx.notes.append(f"took over the lock in router '{spec.router}' from run {previous.get('run')} (run log"
                         f" {previous.get('store')}, process {previous.get('pid')} on {previous.get('host')}),"
                         " whose lease on it had run out or whose run had ended")


# -- the whole set -----------------------------------------------------------------------------------

_TAKERS: dict[type, Callable[[Any, Plan, LockContext], None]] = {
    LocalLock: _take_local, HostsLock: _take_hosts, PostgresLock: _take_postgres, RouterLock: _take_router}


def take_locks(plan: Plan, ctx: LockContext, new_run: bool = True, specs: list[Any] | None = None) -> None:
    """Take the host-wide service lock (every run, golive.run.host_lock) and every lock the plan declares (or
    `specs` of them), or none: on a refusal, what was taken is let go again (removed for a run about to be created
    or reopened; only no longer held by this process for a run that exists and keeps its locks)."""
    done: list[Any] = []
    from golive.targets.hostlock import remote_dir_variable

    remote_dir_variable(plan)  # before anything is taken: a refusal leaves nothing behind
    _take_host(plan, ctx)
    try:
        for spec in plan.locks if specs is None else specs:
            if isinstance(spec, PostgresLock) and ctx.run_id in _SESSIONS:
                continue  # this process already holds the run's advisory locks
            _TAKERS[type(spec)](spec, plan, ctx)
            done.append(spec)
    except BaseException:
        release_locks(plan, ctx, ended=new_run, specs=done)
        raise


def _take_host(plan: Plan, ctx: LockContext) -> None:
    """The host-wide service lock (golive.run.host_lock), judged with the run's own log."""
    from golive.run import host_lock

    record = {**ctx.fields(plan), "user": _user()}
    warning = host_lock.testing_warning()
    if warning and ctx.run_id not in _WARNED:  # loud, each run and resume: this run may not meet other users'
        _WARNED.add(ctx.run_id)                # golives (said once: `run` takes the locks twice)
        import sys

        print(f"golive: {warning}", file=sys.stderr, flush=True)
    host_lock.take(plan.service, plan.environment, record, ctx.log)


def _user() -> str:
    """Who took the lock, for the refusal another user reads (no login name in a container: the uid)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return f"uid-{os.getuid()}"


def file_locks(plan: Plan) -> list[Any]:
    """The plan's lock files (this machine's, each host's): what a run reopened by a further rollback level takes
    again at once. An advisory lock needs the application's database (its DSN often a secret the person asking
    for the level does not hold) and a router lock a lease kept alive: `golive resume` takes those, as always."""
    return [s for s in plan.locks if isinstance(s, LocalLock | HostsLock)]


def record_notes(store: Any, ctx: LockContext) -> None:
    """What taking the locks found (a router lock taken over) goes into the run's log."""
    from golive.core.events import RunNote, body

    for message in ctx.notes:
        store.append(ctx.run_id, "run.note", body(RunNote, kind="lock.taken_over", message=message))
    ctx.notes.clear()


def release_locks(plan: Plan, ctx: LockContext, ended: bool, specs: list[Any] | None = None) -> None:
    """Close this process's advisory-lock sessions; when the run `ended`, also remove its lock files and the
    rows that kept its advisory locks while no process held them."""
    import sys

    if "golive.run.router_lock" in sys.modules:  # else this process took no router lock (nor loaded the module)
        from golive.run.router_lock import release_router_locks

        with contextlib.suppress(Exception):
            release_router_locks(ctx.run_id, ended)
    sessions = _SESSIONS.pop(ctx.run_id, [])
    if ended:
        pg = [s for s in (plan.locks if specs is None else specs) if isinstance(s, PostgresLock)]
        for i, pg_spec in enumerate(pg):
            _drop_postgres(pg_spec, plan, ctx, sessions[i] if i < len(sessions) else None)
    for conn in sessions:
        with contextlib.suppress(Exception):
            conn.close()
    if not ended:
        return
    from golive.run import host_lock

    with contextlib.suppress(Exception):
        host_lock.drop(plan.service, plan.environment, ctx.run_id)
    with contextlib.suppress(Exception):
        _drop_ssh_targets(plan, ctx)
    for spec in plan.locks if specs is None else specs:
        if isinstance(spec, LocalLock):
            _drop_local(spec, plan, ctx.run_id)
        elif isinstance(spec, HostsLock):
            _drop_hosts(spec, plan, ctx)


def describe_locks(plan: Plan) -> list[str]:
    out: list[str] = []
    for spec in plan.locks:
        if isinstance(spec, LocalLock):
            out.append(f"lock file {_local_path(spec, plan)}")
        elif isinstance(spec, HostsLock):
            out.append(f"lock file {_remote_path(spec, plan)} on each host of {spec.hosts}")
        elif isinstance(spec, RouterLock):
            from golive.run.router_lock import lock_key

            out.append(f"lock '{lock_key(spec, plan)}' in router {spec.router}")
        else:
            out.append(f"advisory lock '{_pg_key(spec, plan)[0]}' in the application's database")
    return out


__all__ = ["LockContext", "describe_locks", "file_locks", "holder_is_over", "record_notes", "release_locks",
           "take_locks"]
