"""Step ids: the one place that builds and reads them.

Every executable step of a plan has a stable id, recorded in the run log and typed by people
(`golive confirm RUN 2.3`):

| id | what |
|---|---|
| `2.3` | phase 2, step 3 |
| `2.3.undo` | the undo of step 2.3 |
| `2.gate.1` | phase 2's first gate check |
| `L3.1` | rollback level 3, step 1 |
| `criterion.2` | the check of success criterion 2 |

A `StepId` is a `str` (ids are keys in the log's JSON and in the folded state), so it goes anywhere an id
string went; what it adds is the parsing, done once here instead of by `split(".")` at each use.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

Section = Literal["phase", "undo", "gate", "level", "criterion"]

_FORMS: tuple[tuple[Section, re.Pattern[str]], ...] = (
    ("phase", re.compile(r"(\d+)\.(\d+)")),
    ("undo", re.compile(r"(\d+)\.(\d+)\.undo")),
    ("gate", re.compile(r"(\d+)\.gate\.(\d+)")),
    ("level", re.compile(r"L(\d+)\.(\d+)")),
    ("criterion", re.compile(r"criterion\.(\d+)")),
)


class StepId(str):
    """An id like `2.3`; `section` says which of the five forms it is (None: not a step id golive makes)."""

    section: Section | None
    #: Phase index (phase, undo, gate), level number (level) or criterion index (criterion).
    group: int
    #: Step index in its phase or level, gate check index; 0 for a criterion.
    item: int

    def __new__(cls, text: str) -> StepId:
        self = super().__new__(cls, text)
        self.section, self.group, self.item = None, 0, 0
        for section, pattern in _FORMS:
            m = pattern.fullmatch(text)
            if m:
                nums = [int(g) for g in m.groups()]
                self.section, self.group, self.item = section, nums[0], nums[1] if len(nums) > 1 else 0
                break
        return self

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """For plan models (pydantic); imported here only when a plan model is built, so reading a log needs none."""
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(), serialization=core_schema.plain_serializer_function_ser_schema(str))

    # -- making ids ------------------------------------------------------------------------------
    @classmethod
    def step(cls, phase: int, index: int) -> StepId:
        return cls(f"{phase}.{index}")

    @classmethod
    def gate(cls, phase: int, index: int) -> StepId:
        return cls(f"{phase}.gate.{index}")

    @classmethod
    def level(cls, level: int, index: int) -> StepId:
        return cls(f"L{level}.{index}")

    @classmethod
    def criterion(cls, index: int) -> StepId:
        return cls(f"criterion.{index}")

    def undo(self) -> StepId:
        """The id of this step's undo (only phase steps have one)."""
        return StepId(f"{self}.undo")

    # -- reading ids -----------------------------------------------------------------------------
    @property
    def is_undo(self) -> bool:
        return self.section == "undo"

    @property
    def is_forward(self) -> bool:
        """A step of a phase, run on the way forward (not an undo, a gate check, a level or a criterion)."""
        return self.section == "phase"

    def undoes(self) -> StepId | None:
        """For `2.3.undo`: `2.3`."""
        return StepId.step(self.group, self.item) if self.section == "undo" else None

    def forward(self) -> StepId:
        """The step this one belongs to: `2.3` for `2.3.undo`, else itself."""
        return self.undoes() or self

    @property
    def phase(self) -> int | None:
        return self.group if self.section in ("phase", "undo", "gate") else None

    def label(self) -> str:
        """Where the step sits, as a report names it: `phase 2`, `rollback`, `success criteria`."""
        if self.section in ("phase", "undo", "gate"):
            return f"phase {self.group}"
        if self.section == "level":
            return "rollback"
        if self.section == "criterion":
            return "success criteria"
        return str(self).split(".")[0]


def number_steps(plan: Any) -> dict[str, Any]:
    """Every executable step of a plan under its id: `2.3` (phase 2, step 3), `2.3.undo`, `2.gate.1`, `L3.1`,
    `criterion.2`. The one walk that numbers them, for the plan model (golive.plan.model) and for a plan read
    back from a run log (golive.plan.recorded), which have the same shape: `phases[].steps[].undo`,
    `phases[].gate.checks`, `rollback.levels[].level/.steps`, `success_criteria[].check`."""
    out: dict[str, Any] = {}
    for pi, phase in enumerate(plan.phases, 1):
        for si, step in enumerate(phase.steps, 1):
            sid = StepId.step(pi, si)
            out[sid] = step
            if step.undo is not None:
                out[sid.undo()] = step.undo
        for ci, check in enumerate(phase.gate.checks, 1):
            out[StepId.gate(pi, ci)] = check
    for level in plan.rollback.levels:
        for si, step in enumerate(level.steps, 1):
            out[StepId.level(level.level, si)] = step
    for i, crit in enumerate(plan.success_criteria, 1):
        if crit.check is not None:
            out[StepId.criterion(i)] = crit.check
    return out
