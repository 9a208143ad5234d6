"""What the commands share: where the run log is, opening it, reading plan files and --var/duration arguments."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from golive.errors import UsageError


def store_location(args: argparse.Namespace) -> str:
    """--store, else $GOLIVE_STORE, else the per-user default (not relative to the working directory, so runs
    started from two directories share one log and its one-run-per-service lock)."""
    from golive.store.location import default_store

    return str(args.store or os.environ.get("GOLIVE_STORE") or default_store())


def store_path(args: argparse.Namespace) -> Path | str:
    """Where the log is, for messages (a PostgreSQL URL is shown without credentials)."""
    from golive.store.factory import store_config

    return store_config(store_location(args)).shown()


def open_store_of(args: argparse.Namespace) -> Any:
    from golive.store.factory import open_store

    return open_store(store_location(args))


def open_existing_store(args: argparse.Namespace) -> Any:
    path = store_path(args)
    if isinstance(path, Path) and not path.exists():
        raise UsageError(f"no run log at {path} (pass --store or set GOLIVE_STORE to the log the run was"
                         " started with)")
    return open_store_of(args)


def duration_arg(text: str) -> float:
    from golive.units import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_vars(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--var expects NAME=VALUE, got '{pair}'")
        k, v = pair.split("=", 1)
        out[k.strip()] = v
    return out


def on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def read_plan(path: str) -> tuple[Any, str]:
    """The plan and the text it was parsed from: the file is read once, so the two cannot differ."""
    from golive.plan.loader import parse_plan_text, read_source

    text = read_source(path)
    return parse_plan_text(text, path), text


def report_dir(args: argparse.Namespace) -> Path:
    """Reports live next to a file store (<dir>/reports), or in the user's state directory for a database."""
    from golive.store.location import user_state_dir

    where = store_path(args)
    return (where.parent if isinstance(where, Path) else user_state_dir()) / "reports"
