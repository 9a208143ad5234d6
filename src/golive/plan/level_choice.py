"""Which rollback level a failure applies by itself, and what that level runs: the engine's rule, kept with the plan
so that the engine (golive.engine.rollback re-exports these) and lint (GL168, a level golive never applies by itself)
read a plan with one implementation, and lint, a lower layer than the engine, can use it."""

from __future__ import annotations

from golive.plan.model import Plan, RollbackLevel


def choose_level(plan: Plan, touched_phases: list[str]) -> RollbackLevel | None:
    """The lightest level that is enough: for each phase that changed something, the lightest level without a
    condition covering it; of those, the heaviest (levels escalate: 3 includes 2's job, so every touched phase gets
    a level at least as heavy as its own lightest). Runbooks write ladders ("level 2 if level 1 is not enough"), so
    a heavier level covering the same phase is the next rung, for a person to take (`offered`), never the first.
    A level with a condition (`when`) is never chosen here: only a person can see it hold."""
    automatic = sorted((lv for lv in plan.rollback.levels if lv.when is None), key=lambda lv: lv.level)
    best: RollbackLevel | None = None
    for name in touched_phases:
        lightest = next((lv for lv in automatic if name in lv.covers), None)
        if lightest is not None and (best is None or lightest.level > best.level):
            best = lightest
    return best


def chain(plan: Plan, level: RollbackLevel) -> list[RollbackLevel]:
    """The levels its `first` names (and their chains), the level, then the levels its `then` names (and theirs,
    depth first): each once, in that order. A loop (refused when the plan is loaded) ends where it closes."""
    by_number = {lv.level: lv for lv in plan.rollback.levels}
    out: list[RollbackLevel] = []
    entered: set[int] = set()

    def walk(lv: RollbackLevel) -> None:
        if lv.level in entered:
            return
        entered.add(lv.level)
        for n in lv.first:
            if n in by_number:
                walk(by_number[n])
        out.append(lv)
        for n in lv.then:
            if n in by_number:
                walk(by_number[n])

    walk(level)
    return out


def touched_if_failing(plan: Plan, phase: int) -> list[str]:
    """What `touched_phases` says when phase `phase` (1-based) fails after its state-changing steps started: the
    phases up to it that have one (a phase of read-only steps leaves nothing to revert, before or after running)."""
    return [ph.name for ph in plan.phases[:phase] if any(not step.is_read_only for step in ph.steps)]
