"""`restore`: bring a database back to a backup made by the `backup` step (a rollback level's data restore).

    - restore: {database: "${DATABASE_URL}"}                      # this run's latest backup of that database
    - restore: {database: "${DATABASE_URL}", file: backups/app.dump}

Before anything is touched the backup must match its manifest (SHA-256 and size); a corrupt or altered
file is refused and the live database is left as it is. The result says what the restore threw away:
row counts per table in the live database before the restore against the restored ones (rows written
since the backup — counts, so an update in place is not visible; a table created since is lost whole).

PostgreSQL: in ONE transaction (psql --single-transaction) every user schema is dropped and recreated and
the dump's SQL is replayed, so either the database is exactly the backup or it is unchanged; objects
created after the backup (a new table from a migration) are gone too. SQLite: the online backup API
copies the backup over the live file under SQLite's own locking.
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from golive.core.fields import Strict
from golive.core.step import StepContext, StepResult
from golive.db.backups import BackupError, expand, latest_backup, resolve_path, verify_checksum
from golive.db.database import Database, compare_counts, counts_of, user_schemas
from golive.lazy import lazy
from golive.steps.backup import FORMATS
from golive.steps.base import StepBase
from golive.units import format_duration

if TYPE_CHECKING:
    import psycopg
    from psycopg import sql
else:  # imported when PostgreSQL is used (golive.lazy)
    psycopg = lazy("psycopg")
    sql = lazy("psycopg.sql")

DEFAULT_TIMEOUT = 3600.0


class RestoreSpec(Strict):
    database: str = Field(min_length=1)
    #: The backup file; default: the newest backup of this same database taken earlier in this run.
    file: str | None = None
    #: Lock wait before giving up (PostgreSQL), so a busy application cannot hang the rollback forever.
    lock_timeout: float = Field(default=30.0, gt=0)


def _restore_postgres(db: Database, file: Path, lock_timeout: float, timeout: float,
                      environ: Mapping[str, str]) -> None:
    with psycopg.connect(db.url, connect_timeout=10) as conn:
        schemas = user_schemas(conn)
    drops = [sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE;").format(sql.Identifier(s)) for s in schemas]
    with psycopg.connect(db.url, connect_timeout=10) as conn:
        prelude = "\n".join(d.as_string(conn) for d in drops)
    prelude = (f"SET lock_timeout = '{int(lock_timeout * 1000)}ms';\nSET client_min_messages = warning;\n{prelude}\n"
               "CREATE SCHEMA IF NOT EXISTS public;\n")
    dsn, env = db.cli_env()
    full_env = {**environ, **env}
    deadline = time.monotonic() + timeout
    # pg_restore renders the dump as SQL; psql replays prelude + dump in a single transaction. Their stderr
    # goes to files, not pipes, so a chatty process can never block the other.
    with tempfile.TemporaryFile() as script_err, tempfile.TemporaryFile() as psql_err:
        script = subprocess.Popen(["pg_restore", "--no-owner", "--no-acl", "-f", "-", str(file)],
                                  stdout=subprocess.PIPE, stderr=script_err, env=full_env, start_new_session=True)
        psql = subprocess.Popen(["psql", "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1",
                                 "-f", "-", f"--dbname={dsn}"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=psql_err, env=full_env, start_new_session=True)
        assert script.stdout is not None and psql.stdin is not None
        problem: str | None = None
        try:
            psql.stdin.write(prelude.encode())
            while block := script.stdout.read(1024 * 1024):
                psql.stdin.write(block)
                if time.monotonic() > deadline:
                    problem = f"timed out after {format_duration(timeout)}"
                    break
            psql.stdin.close()
            if problem is None:
                script.wait(timeout=max(1.0, deadline - time.monotonic()))
                psql.wait(timeout=max(1.0, deadline - time.monotonic()))
        except BrokenPipeError:
            psql.wait(timeout=30)  # psql stopped reading: it hit an error and exits on its own
        except subprocess.TimeoutExpired:
            problem = f"timed out after {format_duration(timeout)}"
        finally:
            for p in (script, psql):
                if p.poll() is None:
                    p.kill()
                    p.wait()
        script_err.seek(0)
        psql_err.seek(0)
        script_text = script_err.read().decode(errors="replace").strip()
        psql_text = db.with_password_masked(psql_err.read().decode(errors="replace").strip())
    if problem is not None:
        raise BackupError(f"restore {problem}; the transaction was not committed, the database is unchanged")
    if psql.returncode != 0:
        raise BackupError(f"restore failed and was rolled back (the database is unchanged): {psql_text[-2000:]}")
    if script.returncode != 0:
        raise BackupError(f"pg_restore could not read {file}: {script_text[-2000:]}")


def _restore_sqlite(db: Database, file: Path) -> None:
    assert db.path is not None
    db.path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    dst = sqlite3.connect(db.path, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


class RestoreStep(StepBase):
    kind: ClassVar[str] = "restore"
    restore: RestoreSpec

    def describe(self) -> str:
        from golive.masking import redact

        what = self.restore.file or "this run's latest backup"
        return f"restore {redact(self.restore.database)} from {what}"

    def execute(self, ctx: StepContext) -> StepResult:
        spec = self.restore
        db = Database.parse(expand(ctx, spec.database), ctx.workdir)
        timeout = self.timeout if self.timeout is not None else DEFAULT_TIMEOUT
        if spec.file:
            file = resolve_path(ctx, spec.file)
        else:
            found = latest_backup(ctx, db.public_url)
            if found is None:
                # The plan backs up before it changes the database, so no backup means no change to undo.
                return StepResult.passed(f"nothing to restore: this run took no backup of {db.where} (it failed"
                                         " before the backup step), so it did not change that database",
                                         restored=False)
            file = found
        try:
            manifest = verify_checksum(file)
        except BackupError as exc:
            return StepResult.failed(f"restore refused, {db.where} left as it is: {exc}", file=str(file),
                                     restored=False)
        if manifest.get("format") != FORMATS[db.kind]:
            return StepResult.failed(f"restore refused: {file} is a {manifest.get('format')} backup, {db.where} is"
                                     f" {db.kind}", file=str(file), restored=False)
        started = time.monotonic()
        try:
            before = counts_of(db) if db.exists() else {}
            if db.kind == "postgresql":
                _restore_postgres(db, file, spec.lock_timeout, timeout, ctx.environ)
            else:
                _restore_sqlite(db, file)
            after = counts_of(db)
        except BackupError as exc:
            return StepResult.failed(str(exc), file=str(file), restored=False)
        except (psycopg.Error, sqlite3.Error, OSError) as exc:
            return StepResult.failed(f"restore of {db.where} failed: {db.with_password_masked(str(exc)).strip()}",
                                     file=str(file), restored=False)
        tables = compare_counts(before, after)
        lost = {t: c["lost"] for t, c in tables.items() if c["lost"]}
        mismatch = {t: (n, after.get(t)) for t, n in manifest.get("tables", {}).items() if after.get(t) != n}
        detail: dict[str, Any] = {
            "file": str(file), "sha256": manifest["sha256"], "backup_created_at": manifest.get("created_at"),
            "restored": True, "tables": tables, "rows_lost": lost,
            "rows_lost_total": sum(v or 0 for v in lost.values()),
            "duration": round(time.monotonic() - started, 4),
        }
        ctx.emit("db.restored", {"database": db.where, "file": str(file), "rows_lost": lost})
        what_lost = ("rows written since the backup and now lost: "
                     + ", ".join(f"{t} {n}" for t, n in lost.items())) if lost else "no rows lost"
        message = f"restored {db.where} from {file.name} (backup of {manifest.get('created_at')}); {what_lost}"
        if mismatch:
            shown = ", ".join(f"{t}: {n} in the backup, {a} now" for t, (n, a) in mismatch.items())
            return StepResult.failed(f"{message}; but the restored row counts differ from the backup: {shown}",
                                     **detail)
        return StepResult.passed(message, **detail)
