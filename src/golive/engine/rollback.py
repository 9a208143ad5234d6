"""The rollback plan: which undo steps and which rollback level a failure at a given point calls for."""

from __future__ import annotations

from typing import Any

from golive.engine.state import RunState
from golive.plan.model import Plan, RollbackLevel


def choose_level(plan: Plan, touched_phases: list[str]) -> RollbackLevel | None:
    """The highest level covering any phase that changed something (levels escalate: 3 includes 2's job)."""
    best: RollbackLevel | None = None
    for level in plan.rollback.levels:
        if any(name in level.covers for name in touched_phases) and (best is None or level.level > best.level):
            best = level
    return best


def touched_phases(plan: Plan, st: RunState) -> list[str]:
    """Phases in which a state-changing step started: only those can have left something to revert."""
    out: list[str] = []
    for pi, phase in enumerate(plan.phases, 1):
        for si, step in enumerate(phase.steps, 1):
            rec = st.steps.get(f"{pi}.{si}")
            if rec is not None and rec.status != "pending" and not step.read_only:
                out.append(phase.name)
                break
    return out


def level_by_number(plan: Plan, number: int) -> RollbackLevel | None:
    return next((lv for lv in plan.rollback.levels if lv.level == number), None)


def actions_for(plan: Plan, st: RunState, level: RollbackLevel | None) -> list[dict[str, Any]]:
    """Undo of every completed step, newest first, then the level's steps in their written order.

    A step that failed after reaching some remote hosts (a rolling ssh step stopped mid-way) counts as
    completed there: its undo runs, on those hosts only."""
    steps = plan.steps_by_id()
    done = [r for r in st.steps.values() if (r.status == "succeeded" or (r.status == "failed" and r.targets))
            and "." in r.id
            and r.id.split(".")[0].isdigit() and ".gate." not in r.id and not r.id.endswith(".undo")]
    done.sort(key=lambda r: r.finished_seq, reverse=True)
    actions: list[dict[str, Any]] = []
    for rec in done:
        undo_id = f"{rec.id}.undo"
        if undo_id in steps:
            actions.append({"id": undo_id, "title": steps[undo_id].title(), "undoes": rec.id})
    if level is not None:
        for si, step in enumerate(level.steps, 1):
            actions.append({"id": f"L{level.level}.{si}", "title": step.title(), "level": level.level,
                            "restores_data": level.restores_data})
    return actions


def preview(plan: Plan) -> list[dict[str, Any]]:
    """The rollback plan as it stands before anything ran: for each phase, the undo steps its own steps bring
    (newest first) and the level a failure there calls for. Failing in phase N undoes N's list, then N-1's, and
    so on (`then_earlier`): each undo is listed once, so the record grows with the steps, not phases x steps."""
    out: list[dict[str, Any]] = []
    touched: list[str] = []
    earlier = False
    for pi, phase in enumerate(plan.phases, 1):
        touched.append(phase.name)
        own = [{"id": f"{pi}.{si}.undo", "title": step.undo.title(), "undoes": f"{pi}.{si}"}
               for si, step in enumerate(phase.steps, 1) if step.undo is not None]
        own.reverse()
        level = choose_level(plan, touched)
        out.append({
            "phase": pi, "name": phase.name,
            "undo": own, "then_earlier": earlier,
            "level": level.level if level else None,
            "level_name": level.name if level else None,
            "restores_data": bool(level and level.restores_data),
        })
        earlier = earlier or bool(own)
    return out


def undoes_if_failing(recorded: list[dict[str, Any]], phase: int) -> list[dict[str, Any]]:
    """From a recorded preview: every undo a failure in `phase` runs, newest first (a preview recorded before
    it was stored once already lists them all in the phase's own entry)."""
    out: list[dict[str, Any]] = []
    for entry in sorted((e for e in recorded if int(e.get("phase", 0)) <= phase), key=lambda e: -int(e["phase"])):
        out += entry.get("undo", [])
        if not entry.get("then_earlier", False):  # the first phase with undos, or the old cumulative shape
            break
    return out
