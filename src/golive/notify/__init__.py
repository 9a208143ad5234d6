"""Notifications (apprise) and escalation of waits nobody answers.

The names are loaded on first use, so `golive.notify.config` (what a run asks before it builds a notifier) does
not import the notifier."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from golive.notify.config import user_config_path
    from golive.notify.notifier import Notifier, TickingClock, escalate_runs, message_for
    from golive.notify.send import AppriseSender, Delivery, Sender

_WHERE = {"Notifier": "notifier", "TickingClock": "notifier", "escalate_runs": "notifier",
          "message_for": "notifier", "user_config_path": "config", "AppriseSender": "send", "Delivery": "send",
          "Sender": "send"}

__all__ = ["AppriseSender", "Delivery", "Notifier", "Sender", "TickingClock", "escalate_runs", "message_for",
           "user_config_path"]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'golive.notify' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"golive.notify.{where}"), name)
