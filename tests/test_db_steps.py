"""The database steps against the real PostgreSQL on 127.0.0.1:5432 and real SQLite files: backup with
verify, the backup check, restore (refusing corrupt files, reporting lost rows), migrate with its derived
undo, and sql expectations."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conftest import REPO
from golive.core.clock import SystemClock
from golive.core.step import StepContext
from golive.db.backups import check_backup, manifest_path
from golive.errors import PlanError
from golive.masking import Masker
from golive.plan.loader import load_plan
from golive.steps.backup import BackupStep
from golive.steps.migrate import MigrateStep, parse_revision
from golive.steps.registry import AnyStep  # noqa: F401 - resolves forward references
from golive.steps.restore import RestoreStep
from golive.steps.sql import SqlStep, quote_vars
from pgscratch import PG, scratch_database


def ctx_for(workdir: Path, step_id: str = "1.1", run_id: str = "run-1", vars: dict[str, str] | None = None,
            masker: Masker | None = None) -> StepContext:
    return StepContext(run_id=run_id, step_id=step_id, vars=vars or {}, masker=masker or Masker(),
                       clock=SystemClock(), workdir=workdir)


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_database() as url:
        yield url


def pg_exec(url: str, *statements: str) -> None:
    with psycopg.connect(url) as conn:
        for st in statements:
            conn.execute(st)


def pg_rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return list(conn.execute(query).fetchall())


def sqlite_db(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT);
        CREATE TABLE transactions (id INTEGER PRIMARY KEY, account_id INTEGER, amount INTEGER);
        INSERT INTO accounts (owner) VALUES ('a'), ('b'), ('c');
        INSERT INTO transactions (account_id, amount) VALUES (1, 10), (2, 20);
    """)
    conn.commit()
    conn.close()
    return f"sqlite:///{path}"


def backup_step(url: str, verify: bool = True, file: str | None = None) -> BackupStep:
    spec: dict[str, Any] = {"database": url, "verify": verify}
    if file:
        spec["file"] = file
    return BackupStep.model_validate({"backup": spec})


# -- backup + restore, SQLite ----------------------------------------------------------------------

def test_sqlite_backup_verify_manifest_and_restore_reports_lost_rows(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path / "bank.db")
    res = backup_step(url).execute(ctx_for(tmp_path))
    assert res.ok, res.message
    file = Path(res.detail["file"])
    assert res.detail["verified"] is True
    assert res.detail["tables"] == {"accounts": 3, "transactions": 2}
    manifest = manifest_path(file).read_text()
    assert res.detail["sha256"] in manifest and '"accounts": 3' in manifest

    conn = sqlite3.connect(tmp_path / "bank.db")
    conn.executescript("INSERT INTO accounts (owner) VALUES ('d'), ('e');"
                       "INSERT INTO transactions (account_id, amount) VALUES (4, 1);"
                       "CREATE TABLE loans (id INTEGER PRIMARY KEY); INSERT INTO loans DEFAULT VALUES;")
    conn.close()
    restore = RestoreStep.model_validate({"restore": {"database": url}})
    out = restore.execute(ctx_for(tmp_path, step_id="L3.1"))
    assert out.ok, out.message
    assert out.detail["rows_lost"] == {"accounts": 2, "loans": 1, "transactions": 1}
    assert "accounts 2" in out.message and "loans 1" in out.message
    conn = sqlite3.connect(tmp_path / "bank.db")
    assert conn.execute("SELECT owner FROM accounts ORDER BY id").fetchall() == [("a",), ("b",), ("c",)]
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'loans'").fetchall() == []
    conn.close()


def test_corrupted_sqlite_backup_is_refused_and_nothing_is_overwritten(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path / "bank.db")
    res = backup_step(url, verify=False).execute(ctx_for(tmp_path))
    assert res.ok, res.message
    file = Path(res.detail["file"])
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))
    conn = sqlite3.connect(tmp_path / "bank.db")
    conn.execute("INSERT INTO accounts (owner) VALUES ('written after the backup')")
    conn.commit()
    conn.close()
    out = RestoreStep.model_validate({"restore": {"database": url}}).execute(ctx_for(tmp_path, step_id="L3.1"))
    assert not out.ok
    assert "restore refused" in out.message and "does not match its manifest" in out.message
    conn = sqlite3.connect(tmp_path / "bank.db")
    assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 4
    conn.close()


def test_backup_refuses_to_overwrite_someone_elses_file(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path / "bank.db")
    (tmp_path / "keep.sqlite3").write_bytes(b"precious")
    res = backup_step(url, verify=False, file="keep.sqlite3").execute(ctx_for(tmp_path))
    assert not res.ok and "refusing to overwrite" in res.message
    assert (tmp_path / "keep.sqlite3").read_bytes() == b"precious"


def test_restore_without_a_backup_in_this_run_changes_nothing(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path / "bank.db")
    out = RestoreStep.model_validate({"restore": {"database": url}}).execute(ctx_for(tmp_path, run_id="other"))
    assert out.ok and out.detail["restored"] is False and "nothing to restore" in out.message


def test_backup_check_freshness_and_checksum(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path / "bank.db")
    res = backup_step(url, verify=False, file="b/${GOLIVE_RUN_ID}.sqlite3").execute(ctx_for(tmp_path))
    assert res.ok
    file = tmp_path / "b" / "run-1.sqlite3"
    now = SystemClock().now()
    assert check_backup(file, 3600, now).ok
    stale = check_backup(file, 60, now + timedelta(hours=2))
    assert not stale.ok and "older than" in stale.message
    file.write_bytes(file.read_bytes() + b"x")
    bad = check_backup(file, 3600, now)
    assert not bad.ok and "does not match its manifest" in bad.message
    assert not check_backup(tmp_path / "missing.dump", None, now).ok



def test_backup_check_step_by_file_or_by_this_runs_latest_backup(tmp_path: Path) -> None:
    """The `check: {type: backup}` a plan writes (seed 002 step 7; the head of a data-restoring level)."""
    from golive.steps.check import CheckStep

    url = sqlite_db(tmp_path / "bank.db")
    assert backup_step(url, verify=False).execute(ctx_for(tmp_path, step_id="1.1")).ok
    by_db = CheckStep.model_validate({"check": {"type": "backup", "database": "${DB}", "max_age": "1h"}})
    ok = by_db.execute(ctx_for(tmp_path, vars={"DB": url}))
    assert ok.ok and "matches its manifest" in ok.message, ok.message
    [file] = [p for p in (tmp_path / ".golive" / "backups" / "run-1").iterdir() if not p.name.endswith(".json")]
    by_file = CheckStep.model_validate({"check": {"type": "backup", "file": str(file)}})
    assert by_file.execute(ctx_for(tmp_path)).ok
    file.write_bytes(file.read_bytes()[:-1])
    for step in (by_db, by_file):
        bad = step.execute(ctx_for(tmp_path, vars={"DB": url}))
        assert not bad.ok and "does not match its manifest" in bad.message
    none = by_db.execute(ctx_for(tmp_path, run_id="other", vars={"DB": url}))
    assert not none.ok and "took no backup" in none.message
    with pytest.raises(ValueError, match="either `file` or `database`"):
        CheckStep.model_validate({"check": {"type": "backup"}})


# -- backup + restore, PostgreSQL ------------------------------------------------------------------

def test_postgres_backup_verify_restore(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, "CREATE TABLE accounts (id serial PRIMARY KEY, owner text)",
            "CREATE SCHEMA audit", "CREATE TABLE audit.log (id serial PRIMARY KEY, what text)",
            "INSERT INTO accounts (owner) SELECT 'o' || g FROM generate_series(1, 50) g",
            "INSERT INTO audit.log (what) VALUES ('x'), ('y')")
    res = backup_step(pg_url).execute(ctx_for(tmp_path))
    assert res.ok, res.message
    assert res.detail["tables"] == {"accounts": 50, "audit.log": 2}
    assert res.detail["verified"] is True
    assert "postgres@" not in res.message  # no user/password in messages, only host:port/db
    leftovers = pg_rows(f"{PG}/postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'golive_verify_%'")
    assert not [r for r in leftovers if r[0] in res.message]

    pg_exec(pg_url, "INSERT INTO accounts (owner) VALUES ('late1'), ('late2')",
            "CREATE TABLE loans (id serial PRIMARY KEY)", "INSERT INTO loans DEFAULT VALUES")
    out = RestoreStep.model_validate({"restore": {"database": pg_url}}).execute(ctx_for(tmp_path, step_id="L3.1"))
    assert out.ok, out.message
    assert out.detail["rows_lost"] == {"accounts": 2, "loans": 1}
    assert pg_rows(pg_url, "SELECT count(*) FROM accounts") == [(50,)]
    assert pg_rows(pg_url, "SELECT count(*) FROM audit.log") == [(2,)]
    assert pg_rows(pg_url, "SELECT to_regclass('public.loans')") == [(None,)]
    # sequences came back too: the next id continues after the restored rows
    pg_exec(pg_url, "INSERT INTO accounts (owner) VALUES ('next')")
    assert pg_rows(pg_url, "SELECT max(id) FROM accounts") == [(51,)]


def test_corrupted_postgres_backup_is_refused(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, "CREATE TABLE accounts (id serial PRIMARY KEY)", "INSERT INTO accounts DEFAULT VALUES")
    res = backup_step(pg_url, verify=False).execute(ctx_for(tmp_path))
    assert res.ok, res.message
    file = Path(res.detail["file"])
    file.write_bytes(file.read_bytes()[:-10])
    pg_exec(pg_url, "INSERT INTO accounts DEFAULT VALUES")
    out = RestoreStep.model_validate({"restore": {"database": pg_url}}).execute(ctx_for(tmp_path, step_id="L3.1"))
    assert not out.ok and "does not match its manifest" in out.message
    assert pg_rows(pg_url, "SELECT count(*) FROM accounts") == [(2,)]


# -- migrate -----------------------------------------------------------------------------------------

LOANS = REPO / "examples" / "loans"


def migrate_step(url: str, **extra: Any) -> MigrateStep:
    flask = f'"{sys.executable}" -m flask --app "{LOANS}/app.py" db'  # the loans demo's Flask-Migrate (Alembic)
    spec = {"up": f"{flask} upgrade", "down": f'{flask} downgrade "$GOLIVE_MIGRATE_TARGET"',
            "revision": f"{flask} current", "env": {"DATABASE_URL": url}, "database": url, **extra}
    return MigrateStep.model_validate({"migrate": spec})


def test_migrate_records_revisions_and_its_derived_undo_goes_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    first = migrate_step(url, up=f'"{sys.executable}" -m flask --app "{LOANS}/app.py" db upgrade 0001')
    assert first.execute(ctx_for(tmp_path, step_id="0.1")).ok
    step = migrate_step(url)
    assert step.undo is not None and step.undo.describe().startswith("migrate down to the revision recorded")
    res = step.execute(ctx_for(tmp_path, step_id="1.2"))
    assert res.ok, res.message + res.output
    assert (res.detail["revision_before"], res.detail["revision_after"]) == ("0001", "0002")
    assert res.message == "schema revision 0001 -> 0002"
    undo = step.undo.execute(ctx_for(tmp_path, step_id="1.2.undo"))
    assert undo.ok, undo.message + undo.output
    assert undo.detail["revision_after"] == "0001"
    assert "dropped tables" in undo.message and "loans (0)" in undo.message
    # idempotent: undoing again finds the schema already there
    again = step.undo.execute(ctx_for(tmp_path, step_id="1.2.undo"))
    assert again.ok and "already at revision 0001" in again.message


def test_migrate_undo_without_a_recorded_revision_fails_clearly(tmp_path: Path) -> None:
    step = migrate_step(f"sqlite:///{tmp_path / 'app.db'}")
    assert step.undo is not None
    res = step.undo.execute(ctx_for(tmp_path, step_id="9.9.undo"))
    assert not res.ok and "no target revision" in res.message


def test_migrate_explicit_target_and_plan_undo_wins(tmp_path: Path) -> None:
    custom = MigrateStep.model_validate({"migrate": {"up": "a", "down": "b", "revision": "c"}, "undo": "echo custom"})
    assert custom.undo is not None and custom.undo.kind == "shell"
    url = f"sqlite:///{tmp_path / 'app.db'}"
    assert migrate_step(url).execute(ctx_for(tmp_path, step_id="1.1")).ok
    step = migrate_step(url, target="0001")
    assert step.undo is not None
    # no state recorded for this step id: the explicit target is enough
    res = step.undo.execute(ctx_for(tmp_path, step_id="7.7.undo"))
    assert res.ok, res.message + res.output
    assert res.detail["revision_after"] == "0001"
    assert parse_revision("INFO ctx\nabc123 (head)\n", None) == "abc123"
    assert parse_revision("Current: 20240101_init\n", r"Current: (\S+)") == "20240101_init"
    assert parse_revision("", None) == ""


def test_migrate_failure_reports_revision(tmp_path: Path) -> None:
    step = MigrateStep.model_validate({"migrate": {"up": "echo boom; exit 3", "down": "true", "revision": "echo r7"}})
    res = step.execute(ctx_for(tmp_path))
    assert not res.ok and "exit code 3" in res.message and "r7" in res.message


# -- sql -------------------------------------------------------------------------------------------

def sql_step(spec: dict[str, Any]) -> SqlStep:
    return SqlStep.model_validate({"sql": spec})


def test_sql_expectations_sqlite(tmp_path: Path) -> None:
    url = sqlite_db(tmp_path / "bank.db")
    ctx = ctx_for(tmp_path)
    assert sql_step({"database": url, "expect": {"tables_exist": ["accounts", "transactions"]}}).execute(ctx).ok
    missing = sql_step({"database": url, "expect": {"tables_exist": ["accounts", "loans"]}}).execute(ctx)
    assert not missing.ok and "missing table(s): loans" in missing.message
    count = "SELECT count(*) FROM accounts"
    assert sql_step({"database": url, "query": count, "expect": {"value": 3}}).execute(ctx).ok
    assert sql_step({"database": url, "query": count, "expect": {"value": "3"}}).execute(ctx).ok
    wrong = sql_step({"database": url, "query": "SELECT * FROM accounts", "expect": {"rows": 2}}).execute(ctx)
    assert not wrong.ok and "3 row(s), expected 2" in wrong.message
    assert sql_step({"database": url, "query": "SELECT * FROM accounts", "expect": {"min_rows": 3,
                                                                                   "max_rows": 3}}).execute(ctx).ok
    bad = sql_step({"database": url, "query": "SELECT nope FROM accounts"}).execute(ctx)
    assert not bad.ok and "no such column" in bad.message
    gone = sql_step({"database": "sqlite:///missing.db", "query": "SELECT 1"}).execute(ctx)
    assert not gone.ok and "does not exist" in gone.message


@pytest.mark.parametrize(("query", "value", "sent"), [
    ("WHERE owner = '${V}'", "o'brien", "WHERE owner = 'o''brien'"),
    ("WHERE owner LIKE '${V}%'", "a", "WHERE owner LIKE 'a%'"),
    ("WHERE id = ${V}", "2", "WHERE id = 2"),
    ("WHERE id = ${V}", "2 OR 1=1", "WHERE id = '2 OR 1=1'"),
    ("WHERE note = 'it''s ${V}'", "x", "WHERE note = 'it''s x'"),
    ("WHERE a = '${V}' AND b = ${V}", "q", "WHERE a = 'q' AND b = 'q'"),
    ("WHERE a = ${UNKNOWN}", "q", "WHERE a = ${UNKNOWN}"),
    # a lone ' in a comment or an identifier must not make the scanner think it is inside a literal
    ("-- don't count\nWHERE id = ${V}", "1; DROP TABLE x", "-- don't count\nWHERE id = '1; DROP TABLE x'"),
    ("/* it's */ WHERE id = ${V}", "1; DROP TABLE x", "/* it's */ WHERE id = '1; DROP TABLE x'"),
    ('SELECT "it\'s" FROM t WHERE id = ${V}', "1 OR 1=1", 'SELECT "it\'s" FROM t WHERE id = \'1 OR 1=1\''),
    ("WHERE a = 'x -- y ${V}'", "o'b", "WHERE a = 'x -- y o''b'"),
])
def test_vars_in_a_query_are_quoted_as_data(query: str, value: str, sent: str) -> None:
    assert quote_vars(query, {"V": value}) == sent


@pytest.mark.parametrize("payload", ["x' OR '1'='1", "a'; DROP TABLE accounts; --", "1; DELETE FROM accounts"])
def test_a_var_cannot_change_the_statement(tmp_path: Path, payload: str) -> None:
    """A value from a file or the environment is data, quoted or bare, on SQLite."""
    url = sqlite_db(tmp_path / "bank.db")
    ctx = ctx_for(tmp_path, vars={"OWNER": payload})
    for query in ("SELECT count(*) FROM accounts WHERE owner = '${OWNER}'",
                  "SELECT count(*) FROM accounts WHERE owner = ${OWNER}"):
        res = sql_step({"database": url, "query": query, "expect": {"value": 0}}).execute(ctx)
        assert res.ok, res.message
    with sqlite3.connect(tmp_path / "bank.db") as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (3,)


def test_a_var_cannot_change_the_statement_on_postgres(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, "CREATE TABLE accounts (owner text)", "INSERT INTO accounts VALUES ('a'), ('b')")
    ctx = ctx_for(tmp_path, vars={"OWNER": "a'; DROP TABLE accounts; --", "N": "a"})
    res = sql_step({"database": pg_url, "query": "SELECT count(*) FROM accounts WHERE owner = '${OWNER}'",
                    "expect": {"value": 0}}).execute(ctx)
    assert res.ok, res.message
    hit = sql_step({"database": pg_url, "query": "SELECT count(*) FROM accounts WHERE owner = ${N}",
                    "expect": {"value": 1}}).execute(ctx)
    assert hit.ok, hit.message  # the plain value still works, as a literal
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (2,)


def test_sql_on_postgres_masks_secrets(tmp_path: Path, pg_url: str) -> None:
    pg_exec(pg_url, "CREATE TABLE accounts (id int)", "CREATE TABLE loans (id int)",
            "CREATE TABLE transactions (id int)")
    secret = "pw-Sup3rSecret"
    masker = Masker([secret])
    dsn = pg_url.replace("postgres@", "postgres:${DB_PASSWORD}@")
    ctx = ctx_for(tmp_path, vars={"DB_PASSWORD": secret}, masker=masker)
    ok = sql_step({"database": dsn, "expect": {"tables_exist": ["accounts", "loans", "transactions"]}}).execute(ctx)
    assert ok.ok, ok.message
    res = sql_step({"database": dsn, "query": "SELECT '${DB_PASSWORD}'", "expect": {"value": "x"}}).execute(ctx)
    assert not res.ok and secret not in res.message and "***" in res.message
    broken = sql_step({"database": dsn.rsplit("/", 1)[0] + "/no_such_db_" + secret, "query": "SELECT 1"})
    out = broken.execute(ctx)
    assert not out.ok and secret not in out.message
    assert secret not in sql_step({"database": f"postgresql://u:{secret}@h/db", "query": "SELECT 1"}).describe()


def test_plan_errors_for_database_steps(tmp_path: Path) -> None:
    plan = tmp_path / "p.yaml"
    plan.write_text("""name: p
service: s
environment: e
phases:
  - name: one
    steps:
      - backup: {database: "sqlite:///x.db", verfy: true}
      - sql: {database: "sqlite:///x.db"}
      - migrate: {up: a, down: b}
""")
    with pytest.raises(PlanError) as exc:
        load_plan(str(plan))
    text = str(exc.value)
    assert "verfy" in text
    assert "needs a query or expect.tables_exist" in text
    assert "revision" in text
