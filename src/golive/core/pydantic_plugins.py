"""Pydantic's plugin discovery, answered without importlib.metadata when there is nothing to find.

Building the first pydantic model asks for the installed pydantic plugins: `pydantic.plugin._loader`, imported
then, imports importlib.metadata (and with it email, zipfile, csv), and its `get_plugins` reads every installed
distribution's entry points. That is 10-15 ms on a quiet machine (~40 ms CPU on a loaded one) in each command that
builds a plan model (`golive plan show`, `plan validate`, `run`), and almost no installation has a pydantic plugin.

`skip_empty_plugin_scan` looks for one the way importlib.metadata finds them (the `*.dist-info` / `*.egg-info`
directories in each `sys.path` directory, their `entry_points.txt`) and, when there is none at all, stands in for
the loader module with one whose `get_plugins` gives pydantic's own answer for that case: no plugins (any other
name is read from the real module, loaded then). Whenever the look cannot be sure (a zip file on the path, an
import hook that supplies distributions of its own, a file it cannot read, any section header naming pydantic)
or the loader is loaded already, nothing is replaced, so the plugins a user installed still load. The environment
is not touched: golive passes it to steps, and PYDANTIC_DISABLE_PLUGINS would switch plugins off, not find none.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import Any

LOADER = "pydantic.plugin._loader"


def _no_plugin_installed() -> bool:
    """True only if no distribution on sys.path declares an entry point in a section naming pydantic."""
    from importlib.machinery import PathFinder

    if any(hasattr(f, "find_distributions") and f is not PathFinder for f in sys.meta_path):
        return False  # an import hook that may supply distributions importlib.metadata would see
    for entry in sys.path:
        path = entry or "."
        if not os.path.exists(path):
            continue  # (importlib.metadata finds nothing there either, e.g. the absent pythonXY.zip)
        if not os.path.isdir(path):
            return False  # a zip file or another kind of path entry: let importlib.metadata read it
        try:
            with os.scandir(path) as children:
                infos = [c.path for c in children if c.name.lower().endswith((".dist-info", ".egg-info"))]
        except OSError:
            return False
        for info in infos:
            try:
                with open(os.path.join(info, "entry_points.txt"), "rb") as f:
                    text = f.read()
            except (FileNotFoundError, NotADirectoryError):
                continue  # no entry points (or an egg-info file, which has none)
            except OSError:
                return False
            if any(line.lstrip().startswith(b"[") and b"pydantic" in line.lower() for line in text.splitlines()):
                return False
    return True


def _real_loader() -> ModuleType:
    """pydantic's own loader module, for a name the stand-in does not have (none, as of pydantic 2.14)."""
    import importlib.util

    import pydantic.plugin

    spec = importlib.machinery.PathFinder.find_spec(LOADER, list(pydantic.plugin.__path__))
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot find {LOADER}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _no_plugins() -> tuple[()]:
    return ()


def skip_empty_plugin_scan() -> None:
    """Before the first model is built: with no pydantic plugin installed, pydantic is told so without a scan."""
    if LOADER in sys.modules or not _no_plugin_installed():
        return
    stand_in = ModuleType(LOADER, "golive.core.pydantic_plugins: no pydantic plugin is installed")
    stand_in.get_plugins = _no_plugins  # type: ignore[attr-defined]

    def other(name: str) -> Any:
        if name.startswith("__"):  # what the import system and repr() probe for (`__path__`, `__file__`)
            raise AttributeError(name)
        return getattr(_real_loader(), name)

    stand_in.__getattr__ = other  # type: ignore[method-assign]
    sys.modules[LOADER] = stand_in
