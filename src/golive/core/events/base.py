"""The base of every event model: `EventBody` (a payload, read), `StepEvent` (one naming its step), and the words
statuses are recorded in.

Defining a subclass of `EventBody` with its own `type` registers it (`__init_subclass__`), so adding an event
type is one model and nothing else; `golive.core.events.catalogue` turns the registrations into `KNOWN` and
`BY_TYPE`. The registry lives here, with the base, because a model registers as its class is created.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from golive.core.pieces import Piece
from golive.core.stepid import StepId

StepStatus = Literal["pending", "running", "waiting", "interrupted", "needs-attention", "succeeded", "failed"]
#: What a step's execution ended as (the engine never records `pending` or `running` as an end).
StepEnd = Literal["succeeded", "failed"]
PhaseStatus = Literal["pending", "running", "waiting", "go", "no-go"]
Outcome = Literal["succeeded", "rolled-back", "rollback-failed"]
RunStatus = Literal["created", "running", "waiting", "needs-attention", "rolling-back",
                    "succeeded", "rolled-back", "rollback-failed"]
RollbackStatus = Literal["running", "waiting", "failed", "done"]
Decision = Literal["go", "no-go"]
#: JSON numbers stay as written (an int is not turned into a float), so a payload reads back unchanged.
Number = int | float


_MODELS: list[type[EventBody]] = []


class EventBody(Piece):
    """A payload, read. `type` is the log's type column, not part of the stored payload."""

    type: ClassVar[str] = ""
    #: Written by: the engine, a person's decision (`golive approve`...), a step kind, the notifier.
    written_by: ClassVar[str] = "engine"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A model with its own `type` is an event type: defining it is all it takes to add one."""
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("type"):
            _MODELS.append(cls)

    def payload(self) -> dict[str, Any]:
        """The payload as it was stored: the fields it had, extras included, none added by defaults."""
        return self.raw()


class StepEvent(EventBody):
    """An event about one step, which it names."""

    step: StepId
