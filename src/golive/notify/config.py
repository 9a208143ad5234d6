"""Whether a run may notify anyone, answered before the notifier is imported: most plans name no channel and
no escalation, and the notifier brings the channel models and the apprise sender (~5-10 ms of a run's start)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from golive.plan.model import Plan


def user_config_path() -> Path | None:
    """An apprise config file of the person running golive: $GOLIVE_NOTIFY_CONFIG or ~/.config/golive/apprise.yml."""
    env = os.environ.get("GOLIVE_NOTIFY_CONFIG", "").strip()
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "golive"
    for name in ("apprise.yml", "apprise.yaml", "apprise.txt"):
        if (base / name).is_file():
            return base / name
    return None


def may_notify(plan: Plan, user_config: Path | None) -> bool:
    """False only when `Notifier(...).enabled` is sure to be: the plan has neither a notifications nor a contacts
    section, and the person running golive has no apprise config of their own. Anything else builds the notifier,
    which decides as before."""
    return plan.notifications is not None or plan.contacts is not None or user_config is not None
