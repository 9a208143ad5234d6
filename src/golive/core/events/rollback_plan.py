"""The rollback plan as recorded: what failing in a phase would undo, which level applies, which are left to a person.

These are pieces of payloads, not event types: `run.created` records the preview of every phase
(`RollbackPreview`), and `rollback.started` the actions and offered levels of the rollback it starts, so both
the run's and the rollback's events build on this module, which registers no event of its own.
"""

from __future__ import annotations

from golive.core.pieces import Piece
from golive.core.stepid import StepId


class RollbackAction(Piece):
    """One action of a rollback: an undo (`undoes` names the step) or a rollback level's step (`level`)."""

    id: StepId
    title: str = ""
    undoes: StepId | None = None
    level: int | None = None
    restores_data: bool = False


class OfferedLevel(Piece):
    """A rollback level golive does not apply by itself: the plan states a condition for it (`when`), or it is a
    heavier rung above the level golive applied (`heavier_than`, "level 2 if level 1 is not enough"). A person who
    sees the condition hold, or the lighter level fall short, runs it with `command`."""

    level: int
    name: str = ""
    when: str = ""
    command: str = ""
    #: The level golive applied instead, the lightest enough; absent for a level offered for its condition.
    heavier_than: int | None = None

    def condition(self) -> str:
        """Why it waits for a person, in the words outputs use: its condition, or the lighter level before it."""
        if self.when or self.heavier_than is None:
            return f"when: {self.when}"
        return f"if level {self.heavier_than} is not enough"

    def text(self) -> str:
        """One line for outputs and reports."""
        return f"level {self.level} '{self.name}' ({self.condition()}): {self.command}"


class RollbackPreview(Piece):
    """The rollback plan for one phase, as generated before anything runs: what failing in it would undo."""

    phase: int
    name: str = ""
    undo: list[RollbackAction] = []
    level: int | None = None
    level_name: str | None = None
    restores_data: bool = False
    #: Failing here also runs the earlier phases' undo lists (each undo is listed once, in its own phase's entry,
    #: so the record grows with the steps, not phases x steps). Absent in runs recorded before: `undo` was whole.
    then_earlier: bool = False
    #: Levels the chosen one chains to (`then:`), run after its steps in this order.
    then_levels: list[int] = []
    #: Levels the chosen one runs before its steps (`first:`), in this order.
    first_levels: list[int] = []
    #: Levels a failure here leaves to a person: their condition (`when:`), or heavier than the one applied.
    offered: list[OfferedLevel] = []
