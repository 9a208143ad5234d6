"""Notifications: sent, or failed to be delivered.

`notify.sent` makes a notification once-only across processes (its `key`); a failed one is recorded and never stops
the run.
"""

from __future__ import annotations

from typing import ClassVar

from golive.core.events.base import EventBody, Number


class NotifySent(EventBody):
    """A notification went out (`key` makes it once-only across processes)."""

    type: ClassVar[str] = "notify.sent"
    written_by: ClassVar[str] = "notifier"
    key: str = ""
    category: str = ""
    title: str = ""
    channels: list[str] = []
    event: str | None = None
    for_seq: int | None = None
    level: int | None = None
    level_name: str | None = None
    waited: Number | None = None


class NotifyFailed(NotifySent):
    """A notification could not be delivered (`error`); never a reason for the run to stop."""

    type: ClassVar[str] = "notify.failed"
    error: str = ""
