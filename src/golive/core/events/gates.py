"""Phases and their gates: a phase starting or overrunning its timebox, a gate waiting for approvals, the approvals
and rejections people give, and the go/no-go it comes to.

Approvals and rejections are decisions (`written_by = "person"`): with signers they carry a signature, which
`golive.seal` checks before they count.
"""

from __future__ import annotations

from typing import ClassVar

from golive.core.events.base import Decision, EventBody, Number


class PhaseStarted(EventBody):
    """A phase begins (`at`: the engine clock)."""

    type: ClassVar[str] = "phase.started"
    phase: int
    name: str = ""
    timebox: Number | None = None
    at: str | None = None


class PhaseOverrun(EventBody):
    """A phase passes its timebox; `action` is what the plan says an overrun means."""

    type: ClassVar[str] = "phase.overrun"
    phase: int
    timebox: Number
    elapsed: Number
    action: str = "warn"


class GateWaiting(EventBody):
    """A gate needs approvals: from whom, how to give them, since when, for how long (`timeout` seconds)."""

    type: ClassVar[str] = "gate.waiting"
    phase: int
    name: str = ""
    needed: int = 1
    role: str | None = None
    candidates: list[str] = []
    description: str | None = None
    command: str = ""
    since: str | None = None
    timeout: Number | None = None


class GateApproved(EventBody):
    """`golive approve`."""

    type: ClassVar[str] = "gate.approved"
    written_by: ClassVar[str] = "person"
    phase: int
    by: str
    role: str | None = None
    reason: str | None = None


class GateRejected(EventBody):
    """`golive reject`."""

    type: ClassVar[str] = "gate.rejected"
    written_by: ClassVar[str] = "person"
    phase: int
    by: str
    role: str | None = None
    reason: str | None = None


class GateDecided(EventBody):
    """Go/No-Go."""

    type: ClassVar[str] = "gate.decided"
    phase: int
    decision: Decision
    reasons: list[str] = []
    approvers: list[str] = []
