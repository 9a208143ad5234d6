"""The rollback as it runs: requested by a person, started (its actions and the levels offered), waiting for a
confirmation before restoring data, confirmed, an action failed, finished.

The plan of it, as generated before the run starts, is `golive.core.events.rollback_plan`.
"""

from __future__ import annotations

from typing import ClassVar

from golive.core.events.base import EventBody
from golive.core.events.rollback_plan import OfferedLevel, RollbackAction
from golive.core.stepid import StepId


class RollbackRequested(EventBody):
    """`golive rollback`. With a `level`, also during or after a rollback (a person sees a level's condition
    hold): that level (and what it chains to) runs as a further round once the current one has ended, even on a
    run that had ended rolled back."""

    type: ClassVar[str] = "rollback.requested"
    written_by: ClassVar[str] = "person"
    by: str
    reason: str = ""
    level: int | None = None


class RollbackStarted(EventBody):
    """A failure, NO-GO or request starts the rollback: `actions` are the undo steps newest first, then the
    level's steps (and those of the levels it chains to). `offered`: levels a person may still choose, each with
    its condition and command. A level asked for after a rollback starts a further round (no undos)."""

    type: ClassVar[str] = "rollback.started"
    reason: str
    phase: int | None = None
    level: int | None = None
    level_name: str | None = None
    actions: list[RollbackAction] = []
    offered: list[OfferedLevel] = []


class RollbackConfirmationNeeded(EventBody):
    """A data-restoring level waits for a person: past `rollback_until`, or in a run forced outside its window."""

    type: ClassVar[str] = "rollback.confirmation_needed"
    level: int
    action: StepId | None = None
    reason: str = ""
    command: str = ""


class RollbackConfirmed(EventBody):
    """`golive confirm RUN rollback`."""

    type: ClassVar[str] = "rollback.confirmed"
    written_by: ClassVar[str] = "person"
    level: int
    by: str
    reason: str = ""


class RollbackFailed(EventBody):
    """A rollback action failed: a person must act (exit 4)."""

    type: ClassVar[str] = "rollback.failed"
    action: StepId
    message: str = ""
    command: str = ""


class RollbackFinished(EventBody):
    """The rollback ended (`ok`: every action succeeded)."""

    type: ClassVar[str] = "rollback.finished"
    ok: bool = False
    message: str = ""
