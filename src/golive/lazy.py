"""Modules imported on first use. psycopg costs about half a second to import, and most runs (an `ssh` or
`rolling` plan, `golive status`) never touch PostgreSQL; the plan model still has to know every step kind.
Modules using it write `psycopg = lazy("psycopg")` under `if not TYPE_CHECKING`, and the real import
for the type checker."""

from __future__ import annotations

import importlib
import types
from typing import Any


class _Lazy(types.ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy(name: str) -> Any:
    return _Lazy(name)
