"""The `sql` step runs a query of several statements as ONE transaction, committed only when every statement
succeeds: on the real PostgreSQL at 127.0.0.1:5432 (the server splits the text) and on SQLite files (split by
sqlparse before any ${VAR} is put in, each statement on one connection inside BEGIN ... COMMIT). Expectations
apply to the last statement that returns rows. Transaction control in a query, and statements PostgreSQL runs only
outside a transaction block among several, are refused when the plan is loaded, at the query's position."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from golive.core.clock import SystemClock
from golive.core.step import StepContext
from golive.errors import PlanError
from golive.masking import Masker
from golive.plan.loader import load_plan
from golive.steps.registry import AnyStep  # noqa: F401 - resolves forward references
from golive.steps.sql import SqlStep
from pgscratch import scratch_database


def ctx(workdir: Path, vars: dict[str, str] | None = None) -> StepContext:
    return StepContext("run-1", "1.1", vars or {}, Masker(), SystemClock(), workdir)


def step(url: str, query: str, **expect: Any) -> SqlStep:
    return SqlStep.model_validate({"sql": {"database": url, "query": query, "expect": expect}})


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_database("golive_tx") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE orders (id serial PRIMARY KEY, note text);"
                         " INSERT INTO orders (note) VALUES ('a'), ('b')")
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    conn = sqlite3.connect(tmp_path / "app.db")
    conn.executescript("CREATE TABLE orders (id INTEGER PRIMARY KEY, note TEXT);"
                       " INSERT INTO orders (note) VALUES ('a'), ('b');")
    conn.close()
    return f"sqlite:///{tmp_path / 'app.db'}"


def columns(url: str, workdir: Path) -> list[str]:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(workdir / "app.db")
        try:
            return [str(r[1]) for r in conn.execute("PRAGMA table_info(orders)").fetchall()]
        finally:
            conn.close()
    with psycopg.connect(url) as conn:
        return [str(r[0]) for r in conn.execute("SELECT column_name FROM information_schema.columns"
                                                " WHERE table_name = 'orders' ORDER BY ordinal_position")]


def rows(url: str, workdir: Path, query: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(workdir / "app.db")
        try:
            return [tuple(r) for r in conn.execute(query).fetchall()]
        finally:
            conn.close()
    with psycopg.connect(url) as conn:
        return [tuple(r) for r in conn.execute(query).fetchall()]


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    name = "pg_url" if request.param == "postgresql" else "sqlite_url"
    return str(request.getfixturevalue(name))


TX = ("ALTER TABLE orders ADD COLUMN region text;\n"
      "UPDATE orders SET region = 'eu' WHERE region IS NULL;\n")


def test_several_statements_commit_together(url: str, tmp_path: Path) -> None:
    result = step(url, TX + "SELECT count(*) FROM orders WHERE region = 'eu';", value=2).execute(ctx(tmp_path))
    assert result.status == "succeeded", result.message
    assert "region" in columns(url, tmp_path)
    assert rows(url, tmp_path, "SELECT count(*) FROM orders WHERE region = 'eu'") == [(2,)]


def test_a_failing_statement_leaves_nothing_committed(url: str, tmp_path: Path) -> None:
    """The ALTER before the failing UPDATE is undone with it: the document meant all or nothing (DDL too, on
    SQLite, where Python's driver would otherwise commit an ALTER on its own)."""
    result = step(url, TX + "UPDATE orders SET no_such_column = 1;\n").execute(ctx(tmp_path))
    assert result.status == "failed"
    assert columns(url, tmp_path) == ["id", "note"]
    assert rows(url, tmp_path, "SELECT note FROM orders ORDER BY id") == [("a",), ("b",)]
    assert "line 3 of the query" in result.message, result.message
    assert "nothing committed" in result.message, result.message


def test_expectations_apply_to_the_last_statement_that_returns_rows(url: str, tmp_path: Path) -> None:
    """A statement returning no rows after it (an UPDATE) does not hide the SELECT's rows; a later SELECT wins
    over an earlier one."""
    q = "SELECT count(*) FROM orders;\nUPDATE orders SET note = 'c' WHERE id = 1;\n"
    ok = step(url, q, value=2, rows=1).execute(ctx(tmp_path))
    assert ok.status == "succeeded", ok.message
    q2 = "SELECT 1 FROM orders;\nSELECT note FROM orders WHERE id = 1;\n"
    ok2 = step(url, q2, value="c", rows=1).execute(ctx(tmp_path))
    assert ok2.status == "succeeded", ok2.message
    bad = step(url, q2, rows=2).execute(ctx(tmp_path))
    assert bad.status == "failed" and "1 row(s), expected 2" in bad.message


@pytest.mark.parametrize("value", ["x'; DROP TABLE orders; --", "C:\\temp\\", "a;b", "1; DELETE FROM orders"])
def test_vars_are_data_in_every_statement(url: str, tmp_path: Path, value: str) -> None:
    """`${V}` in a literal and bare, in a query of several statements: stored as written, nothing else runs.
    A backslash ending the value would make sqlparse read `'C:\\temp\\'` as unterminated if the text were split
    after the value is put in (SQLite then refuses the statement); it is split before."""
    q = ("UPDATE orders SET note = '${V}' WHERE id = 1;\n"
         "UPDATE orders SET note = ${V} WHERE id = 2;\n"
         "SELECT count(*) FROM orders;")
    result = step(url, q, value=2).execute(ctx(tmp_path, {"V": value}))
    assert result.status == "succeeded", result.message
    assert rows(url, tmp_path, "SELECT note FROM orders ORDER BY id") == [(value,), (value,)]


def test_savepoints_run_inside_the_one_transaction(pg_url: str, tmp_path: Path) -> None:
    """SAVEPOINT and ROLLBACK TO SAVEPOINT are not transaction control: they run inside the step's transaction."""
    q = ("SAVEPOINT before_note;\nUPDATE orders SET note = 'z';\nROLLBACK TO SAVEPOINT before_note;\n"
         "UPDATE orders SET note = 'y' WHERE id = 2;\nSELECT note FROM orders ORDER BY id;")
    result = step(pg_url, q, rows=2).execute(ctx(tmp_path))
    assert result.status == "succeeded", result.message
    assert rows(pg_url, tmp_path, "SELECT note FROM orders ORDER BY id") == [("a",), ("y",)]


PLAN = """name: t
service: s
environment: production
phases:
  - name: one
    steps:
      - sql:
          database: sqlite:///app.db
          query: |
%s
"""


def load_errors(tmp_path: Path, query: str) -> str:
    body = "\n".join("            " + ln for ln in query.splitlines())
    (tmp_path / "plan.yaml").write_text(PLAN % body, encoding="utf-8")
    try:
        load_plan(tmp_path / "plan.yaml")
    except PlanError as exc:
        return str(exc)
    return ""


@pytest.mark.parametrize("query", [
    "BEGIN;\nUPDATE orders SET note = 'x';\nCOMMIT;",
    "START TRANSACTION;\nUPDATE orders SET note = 'x';",
    "UPDATE orders SET note = 'x';\nEND;",
    "UPDATE orders SET note = 'x';\nROLLBACK;",
    "BEGIN ISOLATION LEVEL SERIALIZABLE;\nUPDATE orders SET note = 'x';",
    "COMMIT;",
])
def test_transaction_control_in_a_query_is_refused_at_its_place(tmp_path: Path, query: str) -> None:
    """The step is the transaction: a COMMIT inside would commit half of it, a BEGIN would only warn."""
    err = load_errors(tmp_path, query)
    assert "plan.yaml:9:" in err, err
    assert "sql.query" in err and "transaction" in err and "without BEGIN/COMMIT/ROLLBACK" in err, err


@pytest.mark.parametrize("query,bad", [
    ("UPDATE orders SET note = 'x';\nCREATE INDEX CONCURRENTLY orders_note ON orders (note);", "statement 2 of 2"),
    ("-- tidy up\nVACUUM orders;\nSELECT 1;", "statement 1 of 2 (line 2 of the query)"),
    ("SELECT 1;\nCREATE DATABASE other;", "statement 2 of 2"),
])
def test_a_no_transaction_statement_among_several_is_refused(tmp_path: Path, query: str, bad: str) -> None:
    err = load_errors(tmp_path, query)
    assert "plan.yaml:9:" in err and bad in err and "cannot run inside a transaction block" in err, err


def test_what_a_transaction_may_hold_loads(tmp_path: Path) -> None:
    assert load_errors(tmp_path, "VACUUM orders;") == ""  # alone: its own session
    assert load_errors(tmp_path, "SAVEPOINT s;\nUPDATE orders SET note = 'x';\nROLLBACK TO SAVEPOINT s;") == ""
    assert load_errors(tmp_path, "UPDATE orders SET note = 'begin; commit;';\nSELECT 'end;';") == ""


#: Unquoted, this payload is valid SQL that drops the table (`SET note = note WHERE id = 1; DROP TABLE ...`).
PAYLOAD = "note WHERE id = 1; DROP TABLE orders; SELECT 1 --"


@pytest.mark.parametrize("before", ["SELECT $$don't$$;", "SELECT $fn$ it's $fn$;",
                                    "UPDATE orders SET note = E'it\\'s' WHERE id = 2;"])
def test_a_quote_inside_a_postgres_string_does_not_unquote_a_var(pg_url: str, tmp_path: Path, before: str) -> None:
    """A lone ' inside $$...$$ or an escaped \\' inside E'...' made quote_vars believe the rest of the query was
    a literal, so the next ${V} went in raw: with several statements in one step, a value could add its own."""
    q = f"{before}\nUPDATE orders SET note = ${{V}} WHERE id = 1;\nSELECT note FROM orders WHERE id = 1;"
    result = step(pg_url, q, value=PAYLOAD).execute(ctx(tmp_path, {"V": PAYLOAD}))
    assert result.status == "succeeded", result.message
    assert rows(pg_url, tmp_path, "SELECT count(*) FROM orders") == [(2,)]


def test_vars_in_escape_strings_and_dollar_strings(pg_url: str, tmp_path: Path) -> None:
    value = "back\\slash 'q' \\' ; DROP TABLE orders; --"
    q = "UPDATE orders SET note = E'${V}' WHERE id = 1;\nSELECT note FROM orders WHERE id = 1;"
    ok = step(pg_url, q, value=value).execute(ctx(tmp_path, {"V": value}))
    assert ok.status == "succeeded", ok.message
    closing = "x$$; DROP TABLE orders; --"
    bad = step(pg_url, "SELECT $$ ${V} $$;\nSELECT 1;").execute(ctx(tmp_path, {"V": closing}))
    assert bad.status == "failed" and "not run" in bad.message and "$$" in bad.message
    assert rows(pg_url, tmp_path, "SELECT count(*) FROM orders") == [(2,)]
