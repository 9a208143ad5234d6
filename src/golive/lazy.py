"""Modules imported on first use. psycopg costs about half a second to import, and most runs (an `ssh` or
`rolling` plan, `golive status`) never touch PostgreSQL; the plan model still has to know every step kind.
Modules using it write `psycopg = lazy("psycopg")` under `if not TYPE_CHECKING`, and the real import
for the type checker.

asyncssh is loaded through `load_asyncssh` by every module that needs it (the run's signer, the SSH pool):
at import it asks `ctypes.util.find_library` for liboqs and nettle, which on Linux runs `ldconfig -p` three
times and `gcc` twice (about ten processes, a large share of a short run's CPU); here those lookups are
answered from a directory listing of the loader's usual places instead.
"""

from __future__ import annotations

import glob
import importlib
import os
import sys
import types
from typing import Any


class _Lazy(types.ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy(name: str) -> Any:
    return _Lazy(name)


_LIB_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib")


def _fast_find_library(name: str) -> str | None:
    """What ctypes.util.find_library answers on Linux (`libX.so.N`), from a directory listing of the loader's
    usual places; no subprocess. A library outside them is simply not found: asyncssh then leaves out the
    optional algorithm it wanted it for (umac MACs, liboqs key exchange)."""
    arch = getattr(sys.implementation, "_multiarch", "")
    dirs = [*_LIB_DIRS, *(f"{d}/{arch}" for d in ("/lib", "/usr/lib") if arch)]
    bare = name.removeprefix("lib")
    for d in dirs:
        found = sorted(glob.glob(f"{d}/lib{glob.escape(bare)}.so.*"), key=len)
        if found:
            return os.path.basename(found[0])
    return None


def load_asyncssh() -> types.ModuleType:
    if "asyncssh" in sys.modules:
        return sys.modules["asyncssh"]
    import ctypes.util

    real = ctypes.util.find_library
    ctypes.util.find_library = _fast_find_library
    try:
        import asyncssh
    finally:
        ctypes.util.find_library = real
    return asyncssh
