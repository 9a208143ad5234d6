"""Database helpers shared by the `backup`, `restore`, `migrate` and `sql` steps: one way to read a database
URL, connect, list tables, count rows, and keep passwords out of everything golive writes.

URLs: `postgresql://user:pw@host:5432/db` (or `postgres://`, or a libpq key=value DSN) and
`sqlite:///relative/path.db` / `sqlite:////absolute/path.db` (relative paths are read from the run's
working directory, the same place shell steps run in).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from msgspec import Struct

from golive.errors import StepConfigError
from golive.lazy import lazy
from golive.masking import redact

if TYPE_CHECKING:
    import psycopg
    from psycopg import conninfo, sql
else:  # imported when PostgreSQL is used (golive.lazy)
    psycopg = lazy("psycopg")
    conninfo = lazy("psycopg.conninfo")
    sql = lazy("psycopg.sql")

Kind = Literal["sqlite", "postgresql"]

_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")



class Database(Struct, frozen=True):
    """A parsed database URL. `url` may hold a password: never put it in a message (use `where`)."""

    kind: Kind
    url: str
    #: SQLite: the file; PostgreSQL: None.
    path: Path | None = None

    @classmethod
    def parse(cls, url: str, base: Path) -> Database:
        text = url.strip()
        if not text:
            raise StepConfigError("database URL is empty")
        if text.startswith("sqlite:"):
            rest = text[len("sqlite:"):]
            if not rest.startswith("///") or len(rest) <= 3:
                raise StepConfigError(f"SQLite URL '{redact(text)}' must look like sqlite:///relative/path.db"
                                      " or sqlite:////absolute/path.db")
            raw = rest[3:]
            path = Path(raw)
            if not path.is_absolute():
                path = base / path
            return cls("sqlite", text, path)
        if text.startswith(("postgresql://", "postgres://")) or ("=" in text and "://" not in text):
            try:
                conninfo.conninfo_to_dict(text)
            except psycopg.Error as exc:
                raise StepConfigError(f"invalid PostgreSQL URL: {redact(str(exc)).strip()}") from None
            return cls("postgresql", text)
        scheme = text.split(":", 1)[0] if ":" in text else text[:20]
        raise StepConfigError(f"unsupported database URL scheme '{redact(scheme)}' (use postgresql:// or sqlite:///)")

    # -- descriptions without secrets ------------------------------------------------------------
    @property
    def where(self) -> str:
        """`sqlite:path` or `host:port/db`, never a user or password."""
        if self.kind == "sqlite":
            return f"sqlite:{self.path}"
        parts = self.params()
        host = str(parts.get("host") or parts.get("hostaddr") or "localhost")
        return f"{host}:{parts.get('port') or 5432}/{parts.get('dbname') or parts.get('user') or ''}"

    @property
    def public_url(self) -> str:
        """The URL with any password removed (kept in manifests so a restore can say where a backup came from)."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        params = {k: v for k, v in self.params().items() if k != "password"}
        return redact(conninfo.make_conninfo(**params))

    def password(self) -> str | None:
        if self.kind != "postgresql":
            return None
        return str(self.params().get("password") or "") or None

    # -- PostgreSQL plumbing ---------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        return dict(conninfo.conninfo_to_dict(self.url))

    def dbname(self) -> str:
        return str(self.params().get("dbname") or self.params().get("user") or "postgres")

    def with_dbname(self, name: str) -> Database:
        params = self.params()
        params["dbname"] = name
        return Database("postgresql", conninfo.make_conninfo(**params))

    def cli_env(self) -> tuple[str, dict[str, str]]:
        """A password-free conninfo for pg_dump/psql plus the env carrying the password (not visible in `ps`)."""
        params = self.params()
        pw = params.pop("password", None)
        env = {"PGPASSWORD": str(pw)} if pw else {}
        params.setdefault("connect_timeout", "10")
        return conninfo.make_conninfo(**params), env

    def with_password_masked(self, text: str) -> str:
        pw = self.password()
        text = redact(text)
        if pw and len(pw) >= 3:
            text = text.replace(pw, "***")
        return text

    # -- connections -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def connect(self, timeout: float = 10.0) -> Iterator[Any]:
        """A DB-API connection (sqlite3 or psycopg); commits on success, rolls back on error."""
        if self.kind == "sqlite":
            assert self.path is not None
            conn = sqlite3.connect(self.path, timeout=timeout)
            try:
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            finally:
                conn.close()
            return
        with psycopg.connect(self.url, connect_timeout=max(2, int(timeout))) as pconn:
            yield pconn

    def exists(self) -> bool:
        return self.kind != "sqlite" or (self.path is not None and self.path.is_file())


def list_tables(conn: Any, kind: Kind) -> list[str]:
    """User tables, sorted; PostgreSQL tables outside `public` are named `schema.table`."""
    if kind == "sqlite":
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                            " AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
        return [str(r[0]) for r in rows]
    with conn.cursor() as cur:
        cur.execute("SELECT table_schema, table_name FROM information_schema.tables"
                    " WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
                    " AND table_schema NOT LIKE 'pg_toast%' ORDER BY 1, 2")
        return [name if schema == "public" else f"{schema}.{name}" for schema, name in cur.fetchall()]


def _quoted(name: str, kind: Kind) -> Any:
    if kind == "sqlite":
        return '"' + name.replace('"', '""') + '"'
    if "." in name:
        schema, table = name.split(".", 1)
        return sql.Identifier(schema, table)
    return sql.Identifier(name)


def row_counts(conn: Any, kind: Kind) -> dict[str, int]:
    """Exact row count of every user table (what a restore can compare and a report can say was lost)."""
    counts: dict[str, int] = {}
    for table in list_tables(conn, kind):
        if kind == "sqlite":
            counts[table] = int(conn.execute(f"SELECT count(*) FROM {_quoted(table, kind)}").fetchone()[0])
        else:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(_quoted(table, kind)))
                row = cur.fetchone()
                counts[table] = int(row[0]) if row else 0
    return counts


def counts_of(db: Database, timeout: float = 30.0) -> dict[str, int]:
    with db.connect(timeout) as conn:
        return row_counts(conn, db.kind)


def user_schemas(conn: Any) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema')"
                    " AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%' ORDER BY 1")
        return [str(r[0]) for r in cur.fetchall()]


def compare_counts(before: dict[str, int], after: dict[str, int]) -> dict[str, dict[str, int | None]]:
    """Per table: rows before, rows after, and rows gone (a table missing afterwards lost all its rows)."""
    out: dict[str, dict[str, int | None]] = {}
    for table in sorted(set(before) | set(after)):
        b, a = before.get(table), after.get(table)
        lost = max(0, (b or 0) - (a or 0))
        out[table] = {"before": b, "after": a, "lost": lost}
    return out
