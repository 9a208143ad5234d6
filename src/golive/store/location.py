"""Where a user's golive state lives: the default run log, the machine-wide deploy locks, salvaged logs.

Per user, not per working directory: two shells in two directories must find the same run log (and the same
locks), or each would believe it is the only one deploying the service."""

from __future__ import annotations

import os
from pathlib import Path


def user_state_dir() -> Path:
    """$XDG_STATE_HOME/golive, else ~/.local/state/golive (the XDG base directory default)."""
    base = os.environ.get("XDG_STATE_HOME", "").strip()
    return (Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state") / "golive"


def default_store() -> Path:
    return user_state_dir() / "golive.db"
