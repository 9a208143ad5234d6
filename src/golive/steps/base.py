"""The plan fields every step kind shares; the context a step runs in and its result live in golive.core.step."""

from __future__ import annotations

import contextvars
from typing import Any, ClassVar

from golive.core.fields import Duration, Strict
from golive.core.step import StepContext, StepResult
from golive.steps.registry import AnyStep

#: How long a command of a `shell` step (and of an `ssh` or `rolling` step, per host) may run unless the step
#: says otherwise. Here, not in golive.steps.shell: an ssh-only plan then builds no shell step model.
COMMAND_TIMEOUT = 600.0

#: Group names of the plan being validated, so `on: typo` is an error at the `on:` itself (set by the Plan). Here,
#: not with the ssh step, so that validating a plan without ssh steps does not import them.
PLAN_GROUPS: contextvars.ContextVar[frozenset[str] | None] = contextvars.ContextVar("golive_plan_groups",
                                                                                    default=None)


class StepBase(Strict):
    """Fields every step has. Subclasses add exactly one field named after their `kind`."""

    kind: ClassVar[str] = ""
    #: Kinds that only read (check, wait, manual, backup): safe to repeat, so resume re-runs them without asking.
    kind_read_only: ClassVar[bool] = False
    #: Kinds whose only effect is one gated process (golive.proctree): nothing happens before its fsynced
    #: step.process, so step.started need not be flushed on its own (that flush covers it).
    acts_only_through_gate: ClassVar[bool] = False

    name: str | None = None
    timeout: Duration | None = None
    #: Between SIGTERM and SIGKILL when golive stops the step's processes (timeout, or golive told to stop).
    grace: Duration | None = None
    idempotent: bool | None = None
    #: A step of a kind that can change things whose command only reads (`kubectl get pods`, a SELECT), as its
    #: author (or `golive import`) says: it needs no undo, a phase of such steps leaves nothing for a rollback
    #: level to undo (the engine's touched phases skip it), and resume re-runs it. Lint checks the claim (GL131).
    read_only: bool | None = None
    continue_on_error: bool = False
    #: Any kind (golive.steps.registry), validated by its own model when a plan uses it.
    undo: AnyStep | None = None

    @property
    def is_read_only(self) -> bool:
        return self.read_only if self.read_only is not None else self.kind_read_only

    @property
    def is_idempotent(self) -> bool:
        return self.idempotent if self.idempotent is not None else self.is_read_only

    def left_after_failure(self, moved: dict[str, Any] | None, cut_off: bool) -> bool:
        """Whether an attempt that failed (or was cut off and then resolved as failed) may still hold a change
        its undo must revert. Most kinds: no (a failed command's undo could break what it never changed); kinds
        whose failure can stop half-way over something the log records (traffic moved) say so."""
        return False

    def title(self) -> str:
        return self.name or self.describe()

    def describe(self) -> str:
        """One line saying what the step does, for `plan show`, dry runs and logs."""
        return self.kind

    def execute(self, ctx: StepContext) -> StepResult:
        raise NotImplementedError
