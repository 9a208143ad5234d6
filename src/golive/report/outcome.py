"""A run's result word (Success, Partial, Rolled Back...) and the notes that make a success partial.

One rule for the report and `golive runs`, read from the folded state alone: `runs` lists fifty runs and must not
validate fifty plans (pydantic, every step kind) to say which succeeded, and the two must never disagree about
a run being "Success" in one place and "Partial" in the other."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from golive.core.stepid import StepId
from golive.engine.state import RunState


def unmet_criteria(st: RunState) -> list[StepId]:
    """Success criteria whose check the run recorded as failed (the report names them by their description)."""
    return [rec.id for rec in st.steps.values() if rec.id.section == "criterion" and rec.status == "failed"]


def outcome_notes(st: RunState, title: Callable[[str], str], unmet: Sequence[str]) -> list[str]:
    """What a person must know about how the run went: any of these makes a succeeded run Partial.
    `title` names a step, `unmet` the success criteria not met."""
    notes = [f"phase {p.index} '{p.name}' overran its timebox" for p in st.phases if p.overrun]
    for sid, rec in st.steps.items():
        if rec.status == "failed" and st.outcome == "succeeded" and rec.id.section != "criterion":
            notes.append(f"step {sid} '{title(sid)}' failed and was tolerated: {rec.message}")
    for n in st.notes:
        if n.event.kind == "window.exceeded":
            notes.append(n.event.message if n.event.has("message") else "the deployment window was exceeded")
    for sid, rec in st.steps.items():
        by = rec.decision.by if rec.decision is not None else None
        if by and rec.status == "succeeded" and "resolved" in rec.message:
            notes.append(f"step {sid} was resolved by hand by {by}")
        if rec.retried is not None:  # its first run was cut off: what it did then is unknown, and it ran again
            why = f": {rec.retried.reason}" if rec.retried.reason else ""
            notes.append(f"step {sid} '{title(sid)}' was cut off and run again, as {rec.retried.by} judged safe{why}")
    notes += [f"success criterion not met: {c}" for c in unmet]
    if st.rollback is not None:
        notes.append(f"rolled back: {st.rollback.reason}")
    if st.forced:
        notes.append(f"started outside the window by {st.forced.by}: {st.forced.reason}")
    return notes


def outcome_word(st: RunState, notes: list[str]) -> str:
    if st.outcome == "succeeded":
        return "Partial" if notes else "Success"
    if st.outcome == "rolled-back":
        return "Rolled Back"
    if st.outcome == "rollback-failed":
        return "Rolled Back (incomplete)"
    return "In progress"
