"""Plain database access for the operator's tools (loansctl.py): sample data, purging smoke-test data, reading
the schema revision Alembic keeps in `alembic_version`. The app itself goes through Flask-SQLAlchemy; these
tools start in a tenth of the time without importing it.

Queries are written with `?` placeholders; for PostgreSQL they become `%s`. Stdlib only for SQLite;
PostgreSQL needs psycopg 3 (installed with golive).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

DEFAULT_URL = "sqlite:///loans.db"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


class DB:
    """One connection; `with DB() as db:` commits on success and rolls back on error."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        if self.url.startswith("sqlite:///"):
            self.kind = "sqlite"
            path = Path(self.url[len("sqlite:///"):])
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn: Any = sqlite3.connect(path, timeout=15, isolation_level=None)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("BEGIN")
        elif self.url.startswith(("postgresql://", "postgres://")):
            import psycopg

            self.kind = "postgresql"
            self.conn = psycopg.connect(self.url, connect_timeout=10)
        else:
            raise SystemExit(f"unsupported DATABASE_URL scheme (use sqlite:/// or postgresql://): {self.url[:12]}")

    def __enter__(self) -> DB:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            if exc_type is None:
                self.conn.execute("COMMIT") if self.kind == "sqlite" else self.conn.commit()
            else:
                self.conn.execute("ROLLBACK") if self.kind == "sqlite" else self.conn.rollback()
        finally:
            self.conn.close()

    @property
    def pk(self) -> str:
        return "INTEGER PRIMARY KEY AUTOINCREMENT" if self.kind == "sqlite" else "BIGSERIAL PRIMARY KEY"

    def run(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        if self.kind == "postgresql":
            query = query.replace("?", "%s")
        return self.conn.execute(query, params)

    def all(self, query: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cur = self.run(query, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def one(self, query: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = self.all(query, params)
        return rows[0] if rows else None

    def insert(self, query: str, params: tuple[Any, ...]) -> int:
        """INSERT ... RETURNING id works on both (SQLite >= 3.35)."""
        row = self.run(query + " RETURNING id", params).fetchone()
        return int(row[0])

    def tables(self) -> set[str]:
        if self.kind == "sqlite":
            rows = self.run("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        else:
            rows = self.run("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall()
        return {str(r[0]) for r in rows}
