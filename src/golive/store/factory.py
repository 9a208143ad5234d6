"""Pick the store from `--store` / $GOLIVE_STORE: a PostgreSQL URL for teams, otherwise an SQLite file.

Each kind of store is a small configuration that knows the locations it takes (`parse`), how to name one without
its credentials (`shown`) and how to open it (`open`); `STORES` is the one list, tried in order (SQLite, the
embedded default, takes any other location as a file path). Plain dataclasses, not plan models: every read
command opens a store, and it must not pay for pydantic to do so."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from msgspec import Struct

if TYPE_CHECKING:
    from golive.store.base import Store


class StoreConfig(Protocol):
    def shown(self) -> Path | str:
        """Where the log is, for messages: a path, or a URL without credentials."""
        ...

    def open(self) -> Store: ...


class PostgresConfig(Struct, frozen=True):
    url: str

    @classmethod
    def parse(cls, location: str) -> PostgresConfig | None:
        return cls(location) if location.startswith(("postgresql://", "postgres://")) else None

    def shown(self) -> Path | str:
        from golive.store.postgres import location

        return location(self.url)

    def open(self) -> Store:
        from golive.store.postgres import PostgresStore

        return PostgresStore(self.url)


class SQLiteConfig(Struct, frozen=True):
    path: Path

    @classmethod
    def parse(cls, location: str) -> SQLiteConfig | None:
        return cls(Path(location))

    def shown(self) -> Path | str:
        return self.path

    def open(self) -> Store:
        from golive.store.sqlite import SQLiteStore

        return SQLiteStore(self.path)


#: Every kind of store, in the order a location is tried; the one place the list lives.
STORES: tuple[type[PostgresConfig] | type[SQLiteConfig], ...] = (PostgresConfig, SQLiteConfig)


def store_config(location: str) -> StoreConfig:
    for kind in STORES:
        config = kind.parse(location)
        if config is not None:
            return config
    raise AssertionError("SQLiteConfig takes every location")  # pragma: no cover


def open_store(location: str) -> Store:
    """The run log at `location`: a PostgreSQL URL for teams, otherwise an SQLite file."""
    return store_config(location).open()
