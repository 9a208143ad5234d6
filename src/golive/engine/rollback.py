"""The rollback plan: which undo steps and which rollback level a failure at a given point calls for."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from golive.core.events import OfferedLevel, RollbackAction, RollbackPreview, StepResolved
from golive.core.stepid import StepId
from golive.plan.level_choice import chain as chain
from golive.plan.level_choice import choose_level as choose_level
from golive.plan.level_choice import touched_if_failing as touched_if_failing
from golive.plan.model import Plan, RollbackLevel

if TYPE_CHECKING:
    from golive.engine.state import RunState, StepRecord
    from golive.steps.base import StepBase


def offered(plan: Plan, touched_phases: list[str], run_id: str = "RUN",
            chosen: RollbackLevel | None = None) -> list[OfferedLevel]:
    """Levels a person may take after a failure that changed these phases, besides what the chosen level runs:
    those with a condition covering one of them or covering nothing (offered whatever failed), and those without
    a condition, heavier than the chosen one, covering one of them: the rungs above it ("if that is not enough")."""
    running = {lv.level for lv in chain(plan, chosen)} if chosen is not None else set()
    out: list[OfferedLevel] = []
    for lv in sorted(plan.rollback.levels, key=lambda x: x.level):
        covering = any(name in lv.covers for name in touched_phases)
        command = f"golive rollback {run_id} --level {lv.level} --reason TEXT"
        if lv.level in running:
            continue
        if lv.when is not None and (not lv.covers or covering):
            out.append(OfferedLevel(level=lv.level, name=lv.name, when=lv.when, command=command))
        elif lv.when is None and chosen is not None and lv.level > chosen.level and covering:
            out.append(OfferedLevel(level=lv.level, name=lv.name, heavier_than=chosen.level, command=command))
    return out


def touched_phases(plan: Plan, st: RunState) -> list[str]:
    """Phases in which a state-changing step started: only those can have left something to revert."""
    out: list[str] = []
    for pi, phase in enumerate(plan.phases, 1):
        for si, step in enumerate(phase.steps, 1):
            rec = st.steps.get(StepId.step(pi, si))
            if rec is not None and rec.status != "pending" and not step.is_read_only:
                out.append(phase.name)
                break
    return out


def level_ran(plan: Plan, st: RunState, level: RollbackLevel) -> bool:
    """Every step of the level and of the levels it chains to succeeded in this run: asking for it runs nothing."""
    return all((sid := StepId.level(lv.level, si)) in st.steps and st.steps[sid].status == "succeeded"
               for lv in chain(plan, level) for si in range(1, len(lv.steps) + 1))


def levels_left(plan: Plan, st: RunState) -> list[int]:
    """The levels a person may still ask for (`golive rollback RUN --level N`, reopening a run that ended): only
    once the run rolled back, and not those that ran already. A later run of the same service and environment
    closes them all (golive.run.reopen), which the log of this run alone cannot tell."""
    if st.rollback is None:
        return []
    return [lv.level for lv in plan.rollback.levels if not level_ran(plan, st, lv)]


def level_by_number(plan: Plan, number: int) -> RollbackLevel | None:
    return next((lv for lv in plan.rollback.levels if lv.level == number), None)


def actions_for(plan: Plan, st: RunState, level: RollbackLevel | None, undo: bool = True) -> list[RollbackAction]:
    """Undo of every completed step, newest first, then the steps of the levels the level runs first (`first`),
    its own steps in their written order, then those of the levels it chains to (`then`). A step that already
    succeeded in this run (a further round's chained level that ran in the first) is not listed again.

    A step that failed after reaching some remote hosts (a rolling ssh step stopped mid-way) counts as
    completed there: its undo runs, on those hosts only. So does a traffic step whose failed or cut-off attempt
    still holds a split (StepBase.left_after_failure): a run must not say "rolled back" with users on the canary."""
    steps = plan.steps_by_id()
    done = [r for r in st.steps.values() if (r.status == "succeeded" or (r.status == "failed" and r.targets)
                                             or _left(steps.get(r.id), r)) and r.id.is_forward] if undo else []
    done.sort(key=lambda r: r.finished_seq or _CUT_OFF_LAST, reverse=True)
    actions: list[RollbackAction] = []
    for rec in done:
        undo_id = rec.id.undo()
        if undo_id in steps:
            actions.append(RollbackAction(id=undo_id, title=steps[undo_id].title(), undoes=rec.id))
    for lv in chain(plan, level) if level is not None else []:
        for si, step in enumerate(lv.steps, 1):
            sid = StepId.level(lv.level, si)
            if sid in st.steps and st.steps[sid].status == "succeeded":
                continue
            actions.append(RollbackAction(id=sid, title=step.title(), level=lv.level,
                                          restores_data=lv.restores_data))
    return actions


#: Where a step cut off with no recorded end sorts among the finished ones: it started after all of them.
_CUT_OFF_LAST = 1 << 62


def _left(step: StepBase | None, rec: StepRecord) -> bool:
    """A failed or cut-off step's attempt may still hold a change (its kind says, from what the log recorded of
    it). Cut off: golive was stopped or killed in it, and a person resolved it as failed, or asked for the
    rollback while it still waited for a resolution (`golive rollback` on a run that needs attention)."""
    if step is None or (rec.status == "failed" and rec.targets):
        return False
    cut_off = rec.status in ("running", "interrupted", "needs-attention") or (
        rec.status == "failed" and isinstance(rec.decision, StepResolved))
    return (cut_off or rec.status == "failed") and step.left_after_failure(rec.moved, cut_off)


def preview(plan: Plan) -> list[RollbackPreview]:
    """The rollback plan as it stands before anything ran: for each phase, the undo steps its own steps bring
    (newest first), the level a failure there calls for and the levels offered to a person, by the engine's own
    `choose_level` and `offered` on the phases such a failure leaves touched (`touched_if_failing`). Failing in
    phase N undoes N's list, then N-1's, and so on (`then_earlier`): each undo is listed once, so the record grows
    with the steps, not phases x steps."""
    out: list[RollbackPreview] = []
    earlier = False
    for pi, phase in enumerate(plan.phases, 1):
        touched = touched_if_failing(plan, pi)
        own: list[RollbackAction] = []
        for si, step in enumerate(phase.steps, 1):
            if step.undo is not None:
                sid = StepId.step(pi, si)
                own.insert(0, RollbackAction(id=sid.undo(), title=step.undo.title(), undoes=sid))
        level = choose_level(plan, touched)
        out.append(RollbackPreview(
            phase=pi, name=phase.name, undo=own, level=level.level if level else None,
            level_name=level.name if level else None,
            restores_data=any(lv.restores_data for lv in chain(plan, level)) if level else False,
            then_earlier=earlier, first_levels=_around(plan, level)[0], then_levels=_around(plan, level)[1],
            offered=offered(plan, touched, chosen=level),
        ))
        earlier = earlier or bool(own)
    return out


def _around(plan: Plan, level: RollbackLevel | None) -> tuple[list[int], list[int]]:
    """The levels a chosen level runs before its own steps (`first`) and after them (`then`), in their order."""
    if level is None:
        return [], []
    order = [lv.level for lv in chain(plan, level)]
    at = order.index(level.level)
    return order[:at], order[at + 1:]


def undoes_if_failing(recorded: list[RollbackPreview], phase: int) -> list[RollbackAction]:
    """From a recorded preview: every undo a failure in `phase` runs, newest first (a preview recorded before
    it was stored once already lists them all in the phase's own entry)."""
    out: list[RollbackAction] = []
    for entry in sorted((e for e in recorded if e.phase <= phase), key=lambda e: -e.phase):
        out += entry.undo
        if not entry.then_earlier:  # the first phase with undos, or the old cumulative shape
            break
    return out


def restore_needs_a_person(rollback_until: datetime | None, forced: bool, now: datetime) -> str | None:
    """Why restoring data now needs a person's word, or None when the plan's rollback window still holds.

    A run forced outside its window wrote at a time no window speaks for: the rollback window of the window it
    missed (or of the next one) says nothing about what a restore would now lose, so a person decides.
    """
    if rollback_until is None:
        return None
    if forced:
        return ("the run was forced outside its window, so no rollback window covers it; "
                "restoring data may lose what was written since")
    if now > rollback_until:
        return "the rollback window has passed; restoring data now loses what was written since"
    return None
