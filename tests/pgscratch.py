"""A database of its own on the real PostgreSQL server (127.0.0.1:5432, trust), dropped afterwards, for tests that
change schema or rows. No server is a failure with its reason, never a skip."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

PG = "postgresql://postgres@127.0.0.1:5432"


@contextmanager
def scratch_database(prefix: str = "golive_test") -> Iterator[str]:
    """The URL of a new, empty database; dropped (with its connections) when the block ends."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    try:
        admin = psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 (these tests need the real server): {exc}")
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{PG}/{name}"
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
