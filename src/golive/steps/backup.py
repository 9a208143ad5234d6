"""`backup`: a database backup that a rollback can trust, and the `backup` freshness check.

    - backup: {database: "${DATABASE_URL}", verify: true}
    - backup: {database: "sqlite:///data/app.db", file: "backups/app-${GOLIVE_RUN_ID}.sqlite3"}

PostgreSQL is dumped with `pg_dump -Fc` inside an exported snapshot, so the row counts golive records are
those of exactly the data in the dump even while the application keeps writing. SQLite uses its online
backup API. Next to the backup goes `<file>.manifest.json` (SHA-256, size, tables and row counts, time,
source URL without password): `restore` refuses a file that no longer matches it.

`verify: true` restores the backup into a scratch database (PostgreSQL: a temporary database, dropped
afterwards; SQLite: a temporary file) and compares every table's row count with the manifest: a backup
that was never restored is a hope, not a backup.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from golive.core.fields import Strict
from golive.core.step import StepContext, StepResult
from golive.db.backups import BackupError, expand, manifest_path, record_backup, resolve_path
from golive.db.database import Database, counts_of, row_counts
from golive.db.runfiles import read_json, sha256_file, write_json
from golive.lazy import lazy
from golive.steps.base import StepBase
from golive.units import format_duration

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql
else:  # imported when PostgreSQL is used (golive.lazy)
    psycopg = lazy("psycopg")
    sql = lazy("psycopg.sql")

DEFAULT_TIMEOUT = 3600.0
FORMATS = {"postgresql": "pg_dump-custom", "sqlite": "sqlite3"}










def _fmt_size(n: int) -> str:
    for unit, factor in (("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} B"


# -- making backups --------------------------------------------------------------------------------

def _dump_postgres(db: Database, target: Path, timeout: float, environ: Mapping[str, str]) -> dict[str, int]:
    """pg_dump in a snapshot shared with our own transaction; returns row counts of that same snapshot."""
    from golive.targets.local import run_command  # here, not at the top: reading a plan runs nothing

    dsn, env = db.cli_env()
    counts: dict[str, int] = {}
    problem: list[BaseException] = []
    with psycopg.connect(db.url, connect_timeout=10) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        snapshot = str(row[0]) if row else ""

        def count() -> None:
            try:
                counts.update(row_counts(conn, "postgresql"))
            except BaseException as exc:  # reported after pg_dump ends
                problem.append(exc)

        # counting runs while pg_dump works: both read the same snapshot, so they agree by construction
        counter = threading.Thread(target=count, daemon=True)
        counter.start()
        res = run_command(["pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", str(target), f"--dbname={dsn}"],
                          env={**environ, **env}, cwd=None, timeout=timeout)
        counter.join(timeout=timeout)
        conn.rollback()
    if res.timed_out:
        raise BackupError(f"pg_dump timed out after {format_duration(timeout)}")
    if res.exit_code != 0:
        raise BackupError(f"pg_dump failed (exit {res.exit_code}): {db.with_password_masked(res.output.strip())}")
    if problem:
        raise BackupError(f"counting rows failed: {db.with_password_masked(str(problem[0]))}")
    return counts


def _copy_sqlite(source: Path, target: Path) -> None:
    """The online backup API: a consistent copy even while the application writes."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _dump_sqlite(db: Database, target: Path) -> dict[str, int]:
    assert db.path is not None
    if not db.path.is_file():
        raise BackupError(f"SQLite database {db.path} does not exist")
    _copy_sqlite(db.path, target)
    # counted on the copy: that is exactly what was backed up
    return counts_of(Database("sqlite", f"sqlite:///{target}", target))


# -- verifying -------------------------------------------------------------------------------------

def _verify_postgres(db: Database, file: Path, expected: dict[str, int], timeout: float,
                     environ: Mapping[str, str]) -> dict[str, Any]:
    from golive.targets.local import run_command

    scratch_name = f"golive_verify_{secrets.token_hex(4)}"
    scratch = db.with_dbname(scratch_name)
    with psycopg.connect(db.url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch_name)))
        try:
            dsn, env = scratch.cli_env()
            res = run_command(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", f"--dbname={dsn}",
                               str(file)], env={**environ, **env}, cwd=None, timeout=timeout)
            if res.timed_out:
                raise BackupError(f"verify: pg_restore timed out after {format_duration(timeout)}")
            if res.exit_code != 0:
                raise BackupError(f"verify: pg_restore into a scratch database failed (exit {res.exit_code}):"
                                  f" {db.with_password_masked(res.output.strip())}")
            got = counts_of(scratch)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch_name)))
    return _compare(expected, got)


def _verify_sqlite(file: Path, expected: dict[str, int]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="golive-verify-") as tmp:
        scratch = Path(tmp) / "restored.sqlite3"
        _copy_sqlite(file, scratch)
        conn = sqlite3.connect(scratch)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()
            if not check or check[0] != "ok":
                raise BackupError(f"verify: the restored copy fails SQLite's integrity check: {check}")
            got = row_counts(conn, "sqlite")
        finally:
            conn.close()
    return _compare(expected, got)


def _compare(expected: dict[str, int], got: dict[str, int]) -> dict[str, Any]:
    diffs = {t: {"manifest": expected.get(t), "restored": got.get(t)}
             for t in sorted(set(expected) | set(got)) if expected.get(t) != got.get(t)}
    if diffs:
        shown = ", ".join(f"{t}: {d['manifest']} in the manifest vs {d['restored']} restored" for t, d in diffs.items())
        raise BackupError(f"verify: the restored copy differs from the backup's row counts: {shown}")
    return {"tables": len(got), "rows": sum(got.values())}













def _discard(path: Path) -> None:
    """Best effort: cleaning up must not hide the error that made the backup fail."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


# -- the step --------------------------------------------------------------------------------------

class BackupSpec(Strict):
    #: `postgresql://...` or `sqlite:///path.db`; `${VAR}` allowed (a secret password stays masked).
    database: str = Field(min_length=1)
    #: Where to write it; default `.golive/backups/<run>/<step>.dump` (or `.sqlite3`) under the run's directory.
    file: str | None = None
    verify: bool = False


class BackupStep(StepBase):
    kind: ClassVar[str] = "backup"
    #: It changes nothing in the system being deployed: a failed backup leaves no rollback level to run (a
    #: failure before the migration rolls back nothing in the database), and a re-run after a crash is safe.
    kind_read_only: ClassVar[bool] = True
    backup: BackupSpec

    def describe(self) -> str:
        from golive.masking import redact

        verify = " and verify it in a scratch database" if self.backup.verify else ""
        return f"back up {redact(self.backup.database)}{verify}"

    def execute(self, ctx: StepContext) -> StepResult:
        spec = self.backup
        db = Database.parse(expand(ctx, spec.database), ctx.workdir)
        timeout = self.timeout if self.timeout is not None else DEFAULT_TIMEOUT
        ext = "dump" if db.kind == "postgresql" else "sqlite3"
        file = resolve_path(ctx, spec.file) if spec.file else \
            ctx.workdir / ".golive" / "backups" / ctx.run_id / f"{ctx.step_id}.{ext}"
        if file.exists():
            old = read_json(manifest_path(file)) if manifest_path(file).exists() else None
            if not (isinstance(old, dict) and old.get("run_id") == ctx.run_id):
                return StepResult.failed(f"{file} already exists and is not from this run; refusing to overwrite"
                                         " a backup (choose another file, e.g. with ${GOLIVE_RUN_ID} in its name)")
        tmp = file.with_name(f".{file.name}.partial")
        started = time.monotonic()
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            counts = _dump_postgres(db, tmp, timeout, ctx.environ) if db.kind == "postgresql" else _dump_sqlite(db, tmp)
            dump_seconds = time.monotonic() - started
            size = tmp.stat().st_size
            digest = sha256_file(tmp)
            manifest = {
                "format": FORMATS[db.kind], "sha256": digest, "size": size, "tables": counts,
                "created_at": ctx.clock.now().isoformat(), "source": db.public_url, "run_id": ctx.run_id,
                "step": ctx.step_id,
            }
            # manifest first: a crash between the two leaves a manifest without a file (re-run overwrites it),
            # never a file without a manifest (which a re-run would refuse to overwrite)
            write_json(manifest_path(file), manifest)
            tmp.replace(file)
        except BackupError:
            _discard(tmp)
            raise
        except (psycopg.Error, sqlite3.Error, OSError) as exc:
            _discard(tmp)
            return StepResult.failed(f"backup of {db.where} failed: {db.with_password_masked(str(exc)).strip()}")
        record_backup(ctx, file, db.public_url)
        detail: dict[str, Any] = {
            "file": str(file), "manifest": str(manifest_path(file)), "size": size, "sha256": digest,
            "tables": counts, "dump_seconds": round(dump_seconds, 3), "source": db.public_url,
        }
        message = (f"backed up {db.where} to {file} ({_fmt_size(size)}, {len(counts)} tables,"
                   f" {sum(counts.values())} rows, sha256 {digest[:12]}…) in {format_duration(dump_seconds)}")
        if spec.verify:
            vstart = time.monotonic()
            remaining = max(1.0, timeout - (vstart - started))
            try:
                verified = _verify_postgres(db, file, counts, remaining, ctx.environ) if db.kind == "postgresql" \
                    else _verify_sqlite(file, counts)
            except BackupError as exc:
                return StepResult.failed(f"{message}; but {exc}", **detail, verified=False)
            except (psycopg.Error, sqlite3.Error, OSError) as exc:
                return StepResult.failed(f"{message}; but verify failed: {db.with_password_masked(str(exc)).strip()}",
                                         **detail, verified=False)
            detail["verified"] = True
            detail["verify_seconds"] = round(time.monotonic() - vstart, 3)
            message += f"; verified: restored into a scratch database, {verified['tables']} tables and" \
                       f" {verified['rows']} rows match"
        detail["duration"] = round(time.monotonic() - started, 4)
        return StepResult.passed(message, **detail)
