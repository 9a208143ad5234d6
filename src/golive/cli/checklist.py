"""A phase's manual items as one checklist at the terminal: yes / no / skip for each, a reason required on no.

Each answer goes through the same decision code as `golive confirm` (roles, separation of duties, and the
signature when the run has signers), so an answer given here is recorded exactly like one typed in another
shell. Items answered ahead are acted on when the run reaches them; a skipped item is left open, and the run
waits at it as it would without a terminal (`golive confirm` from anywhere still answers it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from golive.errors import GoliveError
from golive.masking import safe

YES, NO, SKIP = {"y", "yes"}, {"n", "no"}, {"s", "skip"}


def open_items(store: Any, run_id: str, phase: int, first: str) -> list[tuple[str, Any]]:
    """The phase's manual items from `first` on that nobody answered yet: (step id, step)."""
    from golive.engine.state import fold
    from golive.steps.manual import ManualStep

    state = fold(store.events(run_id))
    out: list[tuple[str, Any]] = []
    started = False
    for si, step in enumerate(state.plan.phases[phase - 1].steps, 1):
        sid = f"{phase}.{si}"
        started = started or sid == first
        rec = state.step(sid)
        if started and isinstance(step, ManualStep) and not step.manual.done and rec.decision is None \
                and rec.status in ("pending", "waiting"):
            out.append((sid, step))
    return out


def make_checklist(store: Any, run_id: str, decider: Callable[[], Any], ask: Callable[[str], str],
                   say: Callable[[str], None]) -> Callable[[int, str], None]:
    """The engine's checklist hook for a run driven at a terminal."""
    from golive.run.decisions import confirm

    def checklist(phase: int, first: str) -> None:
        items = open_items(store, run_id, phase, first)
        if not items:
            return
        try:
            who = decider()
        except GoliveError as exc:  # no key for a run with signers: the run waits, `golive confirm` answers
            say(f"checklist not shown: {exc}")
            return
        say(f"\nPhase {phase}: {len(items)} item(s) to confirm. Answer yes, no (with a reason) or skip (left open;"
            " the run waits at it).")
        for n, (sid, step) in enumerate(items, 1):
            role = f" [{step.manual.role}]" if step.manual.role else ""
            while True:
                answer = ask(safe(f"  [{n}/{len(items)}] {sid} {step.manual.instruction}{role} - yes/no/skip? "))
                answer = answer.strip().lower()
                if answer in YES | NO | SKIP:
                    break
                say("    please answer yes, no or skip")
            if answer in SKIP:
                continue
            reason = ""
            while answer in NO and not reason:
                reason = ask("    why not? (required, it goes into the run log) ").strip()
            try:
                say("    " + safe(confirm(store, run_id, sid, who, reason or "confirmed at the terminal",
                                         failed=answer in NO, ahead=True)))
            except GoliveError as exc:  # not this person's item (a role), or already answered elsewhere
                say(f"    not recorded: {exc}")
            if answer in NO:
                return  # the run fails at this item: the ones after it are not asked

    return checklist
