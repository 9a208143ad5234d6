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


def _listing(directory: str, cache: dict[str, list[str]]) -> list[str]:
    """The names in a directory, read once per cache; by its real path, as /lib and /lib/<arch> are symlinks to
    their /usr/lib ones on merged-/usr systems (the same thousand names would be read twice)."""
    real = os.path.realpath(directory)
    names = cache.get(real)
    if names is None:
        try:
            names = os.listdir(real)
        except OSError:
            names = []
        cache[real] = names
    return names


def _fast_find_library(name: str, cache: dict[str, list[str]] | None = None) -> str | None:
    """What ctypes.util.find_library answers on Linux (`libX.so.N`), from a directory listing of the loader's
    usual places; no subprocess. A library outside them is simply not found: asyncssh then leaves out the
    optional algorithm it wanted it for (umac MACs, liboqs key exchange). The names are those `glob` would
    give for `libX.so.*`, in its order (each directory is read once per `cache`: asyncssh asks for three
    libraries, and /usr/lib/<arch> holds over a thousand names)."""
    arch = getattr(sys.implementation, "_multiarch", "")
    dirs = [*_LIB_DIRS, *(f"{d}/{arch}" for d in ("/lib", "/usr/lib") if arch)]
    prefix = f"lib{name.removeprefix('lib')}.so."
    listed: dict[str, list[str]] = {} if cache is None else cache
    for d in dirs:
        found = sorted((n for n in _listing(d, listed) if n.startswith(prefix)), key=len)
        if found:
            return found[0]
    return None


def load_asyncssh() -> types.ModuleType:
    if "asyncssh" in sys.modules:
        return sys.modules["asyncssh"]
    import ctypes.util

    real = ctypes.util.find_library
    listed: dict[str, list[str]] = {}
    ctypes.util.find_library = lambda name: _fast_find_library(name, listed)
    try:
        import asyncssh
    finally:
        ctypes.util.find_library = real
    return asyncssh
