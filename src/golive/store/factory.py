"""Pick the store from `--store` / $GOLIVE_STORE: a PostgreSQL URL for teams, otherwise an SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from golive.store.base import Store


def is_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str) -> Store:
    """The run log at `location`: a PostgreSQL URL for teams, otherwise an SQLite file."""
    if is_url(location):
        from golive.store.postgres import PostgresStore

        return PostgresStore(location)
    from golive.store.sqlite import SQLiteStore

    return SQLiteStore(Path(location))
