"""`sql`: a query against PostgreSQL or SQLite, with expectations.

    - sql:
        database: ${DATABASE_URL}
        expect: {tables_exist: [accounts, loans, transactions]}
    - sql:
        database: ${DATABASE_URL}
        query: SELECT count(*) FROM accounts
        expect: {value: 3}                    # first column of the first row
    - sql: {database: "${DATABASE_URL}", query: "SELECT id FROM loans WHERE status = 'failed'", expect: {rows: 0}}

`${VAR}` in the URL is replaced by plan vars (a secret password in the URL stays masked in every message). In the
query a var is always data, quoted as a literal (see quote_vars), so a value cannot change the statement; write
table and column names out. The query runs in a transaction that is committed, like any client would; use a
`check` of type postgres for a read-only probe.

A query of several statements is ONE transaction, committed only when every statement succeeds (a failing
UPDATE leaves the ALTER before it undone):

    - sql:
        database: ${DATABASE_URL}
        query: |
          ALTER TABLE orders ADD COLUMN region text;
          UPDATE orders SET region = 'eu' WHERE region IS NULL;
          SELECT count(*) FROM orders WHERE region IS NULL;
        expect: {value: 0}                    # rows/value: the LAST statement that returns rows

PostgreSQL gets the text whole (the server splits it, as psql would); SQLite's driver takes one statement at a
time, so the text is split by sqlparse (before any ${VAR} is put in, so a value cannot move a split) and run
statement by statement on one connection inside BEGIN ... COMMIT (SQLite's DDL is transactional). Refused when
the plan is loaded: BEGIN / START TRANSACTION / COMMIT / END / ROLLBACK in a query (the step is the transaction;
SAVEPOINT and ROLLBACK TO SAVEPOINT are fine), and, in a query of several statements, a statement PostgreSQL
cannot run in a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, CREATE/DROP DATABASE, ALTER SYSTEM,
CREATE/DROP TABLESPACE): give that one a shell step running psql. `ALTER TYPE ... ADD VALUE` is refused in a
transaction by PostgreSQL before 12 (the step then fails and nothing is committed); from 12 on, the new value
cannot be used by the same query. On PostgreSQL 13 and later the step's timeout applies to each statement.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
import sqlite3
import time
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from golive.core.fields import Strict
from golive.core.step import StepContext, StepResult
from golive.db import statements
from golive.db.database import Database, list_tables
from golive.lazy import lazy
from golive.masking import redact
from golive.steps.base import StepBase

if TYPE_CHECKING:
    import psycopg
else:  # imported when PostgreSQL is used (golive.lazy)
    psycopg = lazy("psycopg")

DEFAULT_TIMEOUT = 60.0
#: Rows kept in the result (the count is always exact).
ROWS_KEPT = 20

_UNSET = object()


class SqlExpect(Strict):
    rows: int | None = Field(default=None, ge=0)
    min_rows: int | None = Field(default=None, ge=0)
    max_rows: int | None = Field(default=None, ge=0)
    #: The first column of the first row equals this (`"42"` in YAML matches the number 42).
    value: Any = None
    tables_exist: list[str] = []


class SqlSpec(Strict):
    database: str = Field(min_length=1)
    query: str | None = None
    expect: SqlExpect = SqlExpect()

    @field_validator("query")
    @classmethod
    def _one_transaction(cls, query: str | None) -> str | None:
        problems = transaction_problems(query or "")
        if problems:
            raise ValueError(problems[0])
        return query

    @model_validator(mode="after")
    def _something_to_do(self) -> SqlSpec:
        if not (self.query and self.query.strip()) and not self.expect.tables_exist:
            raise ValueError("an sql step needs a query or expect.tables_exist")
        if self.query is None and ({"rows", "min_rows", "max_rows", "value"} & self.expect.model_fields_set):
            raise ValueError("expect rows/min_rows/max_rows/value needs a query")
        return self


def _statements_of(query: str) -> list[statements.Statement]:
    if statements.several(query):
        return statements.split(query)
    return [statements.Statement(query.strip(), 0, 0)] if query.strip() else []


def transaction_problems(query: str) -> list[str]:
    """Why a query cannot be the one transaction the step runs: transaction control written into it, or, among
    several statements, one that PostgreSQL runs only outside a transaction block. Each names the statement
    and its line in the query."""
    found = _statements_of(query)
    problems: list[str] = []
    for i, st in enumerate(found, 1):
        where = (f"statement {i} of {len(found)} (line {st.body_line + 1} of the query)" if len(found) > 1
                 else "the query")
        first = " ".join(st.body.split())[:60]
        kind = statements.control(st.text)
        if kind is not None:
            problems.append(f"{where}, `{first}`, {'opens' if kind == 'begin' else 'ends'} a transaction: the sql"
                            " step runs its whole query as one transaction, committed only when every statement"
                            " succeeds, so write the statements without BEGIN/COMMIT/ROLLBACK")
        elif len(found) > 1 and statements.outside_transaction(st.text):
            problems.append(f"{where}, `{first}`, cannot run inside a transaction block, and a query of several"
                            " statements runs as one transaction: give it a step of its own (on PostgreSQL a shell"
                            " step running psql)")
    return problems


def show_value(value: Any) -> str:
    text = f"'{value}'" if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def values_equal(actual: Any, expected: Any) -> bool:
    """`true` is not `1`, `1` equals `1.0` (the same rule as the http step's JSON checks)."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    return bool(actual == expected)


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
#: Outside a literal these run to their end untouched: a comment or a quoted identifier may hold a lone '.
_SKIP = (("--", "\n"), ("/*", "*/"), ('"', '"'))


_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def _word_before(query: str, i: int) -> bool:
    return i > 0 and (query[i - 1].isalnum() or query[i - 1] in "_$")


def _escape_string(query: str, i: int, values: dict[str, str]) -> tuple[str, int]:
    """A PostgreSQL E'...' string from `i` (at the E): a backslash escapes the next character, so a value's
    backslashes are doubled as well as its quotes. Returns the text and where the string ends."""
    parts = [query[i: i + 2]]
    j, n = i + 2, len(query)
    while j < n:
        m = _VAR.match(query, j)
        if m is not None:
            value = values.get(m.group(1))
            parts.append(m.group(0) if value is None else value.replace("\\", "\\\\").replace("'", "''"))
            j = m.end()
            continue
        if query[j] == "\\" and j + 1 < n:
            parts.append(query[j: j + 2])
            j += 2
            continue
        if query.startswith("''", j):
            parts.append("''")
            j += 2
            continue
        parts.append(query[j])
        j += 1
        if query[j - 1] == "'":
            break
    return "".join(parts), j


def quote_vars(query: str, values: dict[str, str]) -> str:
    """`${VAR}` in a query as SQL data, never as SQL: inside a '...' literal the value's quotes are doubled;
    elsewhere a number stays a number and anything else becomes a quoted literal. A value read from a file or
    the environment (`x'; DROP TABLE accounts; --`) therefore cannot change what the query does. Standard SQL
    strings ('' for a quote) are understood, and comments and "identifiers" are skipped. PostgreSQL's E'...'
    strings (backslash escapes: a value's backslashes are doubled too) and $tag$...$tag$ strings (their inside is
    read on its own, so a lone ' in a function body does not turn the rest of the query into a literal) are
    understood; a value holding the $tag$ of the string it stands in is refused (ValueError)."""
    out: list[str] = []
    in_literal = False
    i, n = 0, len(query)
    while i < n:
        if not in_literal and not _word_before(query, i):
            dollar = _DOLLAR.match(query, i)
            if dollar is not None and not query.startswith("${", i):
                tag = dollar.group(0)
                close = query.find(tag, dollar.end())
                if close >= 0:
                    inner = query[dollar.end(): close]
                    used = {m.group(1) for m in _VAR.finditer(inner)}
                    if any(tag in values.get(name, "") for name in used):
                        raise ValueError(f"a var's value holds {tag}, which would end the {tag}...{tag} string it"
                                         " stands in")
                    out.append(tag + quote_vars(inner, values) + tag)
                    i = close + len(tag)
                    continue
            if query[i] in "eE" and query.startswith("'", i + 1):
                text, i = _escape_string(query, i, values)
                out.append(text)
                continue
        m = _VAR.match(query, i)
        if m is not None:
            value = values.get(m.group(1))
            if value is None:
                out.append(m.group(0))  # not a plan var: left for the database to refuse
            elif in_literal:
                out.append(value.replace("'", "''"))
            elif _NUMBER.fullmatch(value):
                out.append(value)
            else:
                out.append("'" + value.replace("'", "''") + "'")
            i = m.end()
            continue
        if query[i] == "'":
            in_literal = not in_literal  # '' inside a literal closes and reopens it: still inside
        elif not in_literal:
            span = next(((start, end) for start, end in _SKIP if query.startswith(start, i)), None)
            if span is not None:
                found = query.find(span[1], i + len(span[0]))
                stop = n if found < 0 else found + len(span[1])
                out.append(query[i:stop])
                i = stop
                continue
        out.append(query[i])
        i += 1
    return "".join(out)


def _failed_where(exc: Exception, query: str, pieces: list[tuple[str, int]], failing: tuple[int, int] | None) -> str:
    """Which statement of several failed (SQLite: the one running; PostgreSQL: the error's position), and that
    nothing of the query was committed."""
    if len(pieces) < 2:
        return ""
    line: int | None = None
    at: int | None = None
    if failing is not None:
        at, line = failing[0], failing[1] + 1
    else:
        diag = getattr(exc, "diag", None)
        pos = getattr(diag, "statement_position", None)
        if pos and str(pos).isdigit():
            line = query[: int(pos) - 1].count("\n") + 1
    said = f"statement {at} of {len(pieces)}, " if at is not None else ""
    said += f"line {line} of the query, " if line is not None else ""
    return f" ({said}nothing committed: the {len(pieces)} statements are one transaction)"


class SqlStep(StepBase):
    kind: ClassVar[str] = "sql"
    sql: SqlSpec

    def describe(self) -> str:
        spec = self.sql
        parts = []
        if spec.query:
            parts.append(" ".join(spec.query.split()))
        if spec.expect.tables_exist:
            parts.append(f"tables {', '.join(spec.expect.tables_exist)} exist")
        return f"sql on {redact(spec.database)}: " + "; ".join(parts)

    def execute(self, ctx: StepContext) -> StepResult:
        spec = self.sql
        db = Database.parse(ctx.interpolate(spec.database), ctx.workdir)

        def clean(text: str) -> str:
            return db.with_password_masked(ctx.masker.text(text)).strip()

        timeout = self.timeout if self.timeout is not None else DEFAULT_TIMEOUT
        if db.kind == "sqlite" and not db.exists():
            return StepResult.failed(clean(f"SQLite database {db.path} does not exist"))
        started = time.perf_counter()
        rows: list[tuple[Any, ...]] = []
        tables: list[str] = []
        try:
            query = quote_vars(spec.query, ctx.vars) if spec.query else None
            # split before the vars are put in: a value never moves a statement boundary
            pieces = [(quote_vars(st.text, ctx.vars), st.body_line) for st in _statements_of(spec.query or "")]
        except ValueError as exc:
            return StepResult.failed(clean(f"sql on {db.where}: not run: {exc}"))
        failing: tuple[int, int] | None = None
        try:
            with db.connect(timeout) as conn:
                if db.kind == "postgresql":
                    conn.execute(f"SET statement_timeout = {max(1, int(timeout * 1000))}")
                if spec.expect.tables_exist:
                    tables = list_tables(conn, db.kind)
                if query and db.kind == "postgresql":
                    # the server splits a text of several statements; they run in the transaction psycopg opened
                    cur = conn.execute(query)
                    while True:
                        if cur.description:
                            rows = [tuple(r) for r in cur.fetchall()]
                        if not cur.nextset():
                            break
                elif query and len(pieces) > 1:
                    # one statement per execute: BEGIN ... COMMIT around them all (connect() commits or rolls back)
                    conn.isolation_level = None
                    conn.execute("BEGIN")
                    for at, (text, line) in enumerate(pieces, 1):
                        failing = (at, line)
                        cur = conn.execute(text)
                        if cur.description:
                            rows = [tuple(r) for r in cur.fetchall()]
                    failing = None
                elif query:
                    cur = conn.execute(query)
                    if cur.description:
                        rows = [tuple(r) for r in cur.fetchall()]
        except (psycopg.Error, sqlite3.Error) as exc:
            where = _failed_where(exc, query or "", pieces, failing)
            return StepResult.failed(clean(f"sql on {db.where} failed{where}: {exc}"))
        detail: dict[str, Any] = {"latency_ms": round((time.perf_counter() - started) * 1000, 1),
                                  "row_count": len(rows),
                                  "rows": [[_plain(v) for v in r] for r in rows[:ROWS_KEPT]]}
        problems: list[str] = []
        said: list[str] = []
        exp = spec.expect
        if exp.tables_exist:
            missing = [t for t in exp.tables_exist if t not in tables]
            detail["tables_missing"] = missing
            if missing:
                problems.append(f"missing table(s): {', '.join(missing)}")
            else:
                said.append(f"tables {', '.join(exp.tables_exist)} exist")
        if query:
            n = len(rows)
            if exp.rows is not None and n != exp.rows:
                problems.append(f"{n} row(s), expected {exp.rows}")
            if exp.min_rows is not None and n < exp.min_rows:
                problems.append(f"{n} row(s), expected at least {exp.min_rows}")
            if exp.max_rows is not None and n > exp.max_rows:
                problems.append(f"{n} row(s), expected at most {exp.max_rows}")
            if "value" in exp.model_fields_set:
                want = ctx.interpolate(exp.value) if isinstance(exp.value, str) else exp.value
                got = _plain(rows[0][0]) if rows and rows[0] else _UNSET
                detail["value"] = None if got is _UNSET else got
                if got is _UNSET:
                    problems.append(f"no rows, expected value {show_value(want)}")
                elif not (values_equal(got, want)
                          or (isinstance(want, str) and not isinstance(got, str) and str(got) == want)):
                    problems.append(f"value {show_value(got)}, expected {show_value(want)}")
                else:
                    said.append(f"value {show_value(got)}")
            said.insert(0, f"{n} row(s)")
        if problems:
            return StepResult.failed(clean(f"sql on {db.where}: " + "; ".join(problems)), **detail)
        return StepResult.passed(clean(f"sql on {db.where}: " + ", ".join(said)), **detail)
