"""`postgres`: connect, run one read-only query, optionally compare the first column of the first row.

The DSN usually carries a password: every message goes through the run's masker, and passwords written
into the DSN itself are removed from messages and from `describe()` too.
"""

from __future__ import annotations

import datetime
import decimal
import math
import time
from typing import Any, Literal

from pydantic import Field

from golive.checks._common import CheckBase
from golive.core.jsonpath import show_value, values_equal
from golive.core.step import StepContext, StepResult
from golive.masking import passwords, redact


def _passwords(dsn: str) -> list[str]:
    """The password in `dsn` as written and as libpq reads it, even if the DSN is malformed (libpq may
    quote the offending token, e.g. a password with a bare `%`, in its error)."""
    import psycopg
    from psycopg import conninfo

    found: list[str] = []
    try:
        value = conninfo.conninfo_to_dict(dsn).get("password")
        if value:
            found.append(str(value))
    except psycopg.Error:
        pass
    found += passwords(dsn)
    return sorted({p for p in found if len(p) >= 3}, key=len, reverse=True)


def _one_line(text: str) -> str:
    """libpq errors span lines (hints, `LINE 1:` with a caret); a result message is one line."""
    lines = [ln.strip() for ln in text.splitlines()]
    kept = [ln for ln in lines if ln and not ln.startswith("LINE ") and set(ln) != {"^"}]
    return " ".join(" ".join(kept).split())


def _where(dsn: str) -> str:
    """`host:port/db` for messages, never the user or password."""
    import psycopg
    from psycopg import conninfo

    try:
        parts = conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return "(invalid DSN)"
    host = str(parts.get("host") or parts.get("hostaddr") or "localhost")
    port = str(parts.get("port") or 5432)
    db = str(parts.get("dbname") or parts.get("user") or "")
    return f"{host}:{port}/{db}"


def _plain(value: Any) -> Any:
    """A query value in a form JSON (and YAML expectations) can hold."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        return value.isoformat() if not isinstance(value, datetime.timedelta) else str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class PostgresCheck(CheckBase):
    type: Literal["postgres"]
    dsn: str = Field(min_length=1)
    query: str = Field(default="select 1", min_length=1)
    #: Value the first column of the first row must equal (after `${VAR}` substitution for text).
    expect: Any = None

    def describe(self) -> str:
        wanted = f" = {show_value(self.expect)}" if "expect" in self.model_fields_set else ""
        return f"postgres {_where(redact(self.dsn))}: {self.query.strip()}{wanted}"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        import psycopg  # imported when used: slow to import, and most plans have no postgres check
        from psycopg import conninfo, sql

        dsn = ctx.interpolate(self.dsn)
        passwords = _passwords(dsn)

        def clean(text: str) -> str:
            text = ctx.masker.text(text)
            for password in passwords:
                text = text.replace(password, "***")
            return redact(_one_line(text))

        try:
            conninfo.conninfo_to_dict(dsn)
        except psycopg.Error as exc:
            return StepResult.failed(f"postgres: invalid DSN: {clean(str(exc))}")
        where = _where(dsn)
        started = time.perf_counter()
        connect_ms = 0.0
        try:
            # libpq waits at least 2s; it has no sub-second connect timeout.
            with psycopg.connect(dsn, connect_timeout=max(2, math.ceil(timeout))) as conn:
                connect_ms = round((time.perf_counter() - started) * 1000, 1)
                # A check must not change anything, even by mistake.
                conn.read_only = True
                with conn.cursor() as cur:
                    cur.execute(sql.SQL("SET statement_timeout = {}").format(
                        sql.Literal(max(1, int(timeout * 1000)))))
                    cur.execute(self.query)
                    row = cur.fetchone() if cur.description else None
                conn.rollback()
        except psycopg.OperationalError as exc:
            step = "query failed" if connect_ms else "cannot connect"
            return StepResult.failed(f"postgres {where}: {step}: {clean(str(exc))}")
        except psycopg.Error as exc:
            return StepResult.failed(f"postgres {where}: query failed: {clean(str(exc))}")
        detail: dict[str, Any] = {"connect_ms": connect_ms,
                                  "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
        query = self.query.strip()
        if row is not None:
            detail["value"] = got = _plain(row[0])
        if "expect" not in self.model_fields_set:
            said = "no rows" if row is None else show_value(got)
            return StepResult.passed(clean(f"postgres {where}: {query} -> {said}"), **detail)
        want = ctx.interpolate(self.expect) if isinstance(self.expect, str) else self.expect
        if row is None:
            return StepResult.failed(clean(f"postgres {where}: {query} returned no rows,"
                                           f" expected {show_value(want)}"), **detail)
        # YAML `expect: "42"` matches 42 from the database: plans are text, columns are typed.
        if values_equal(got, want) or (isinstance(want, str) and not isinstance(got, str) and str(got) == want):
            return StepResult.passed(clean(f"postgres {where}: {query} -> {show_value(got)} as expected"),
                                     **detail)
        return StepResult.failed(clean(f"postgres {where}: {query} returned {show_value(got)},"
                                       f" expected {show_value(want)}"), **detail)
