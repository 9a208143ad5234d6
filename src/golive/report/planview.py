"""`golive plan show`: the plan as the operator will live it, with the rollback plan before anything runs."""

from __future__ import annotations

from datetime import datetime

from golive.core.events import RollbackPreview
from golive.core.stepid import StepId
from golive.engine.rollback import preview
from golive.masking import safe
from golive.plan.model import Plan
from golive.plan.window import resolve
from golive.units import format_duration


def render_plan(plan: Plan, now: datetime) -> str:
    out: list[str] = []
    v = plan.version
    change = f"  {v.from_ or '?'} -> {v.to}" if v else ""
    out.append(f"plan: {plan.name}")
    out.append(f"service: {plan.service} / {plan.environment}{change}")
    if plan.window:
        w = plan.window
        iv = resolve(w.start, w.end, w.timezone, w.rollback_until, now, w.days)
        total = sum(p.timebox or 0 for p in plan.phases)
        days = f" opening only on {', '.join(w.days)}," if w.days else ""
        out.append(f"window: {iv.start.isoformat()} – {iv.end.isoformat()} ({w.timezone},{days}"
                   f" {format_duration(iv.seconds())}; timeboxes add up to"
                   f" {format_duration(total)})")
        if iv.rollback_until:
            out.append(f"rollback window: until {iv.rollback_until.isoformat()}")
    secrets = plan.secret_names()
    if plan.vars:
        out.append("vars: " + ", ".join(f"{k} (secret)" if k in secrets else k for k in plan.vars))
    if plan.approvers:
        out.append("approvers: " + "; ".join(f"{role}: {', '.join(who)}" for role, who in plan.approvers.items()))
    if plan.separation_of_duties:
        out.append("separation of duties: the initiator cannot approve")
    out.append("")
    for pi, phase in enumerate(plan.phases, 1):
        box = f" [timebox {format_duration(phase.timebox)}, overrun: {phase.on_overrun or plan.on_overrun}]" \
            if phase.timebox else ""
        out.append(f"Phase {pi}: {phase.name}{box}")
        for si, step in enumerate(phase.steps, 1):
            flags = []
            if step.is_idempotent:
                flags.append("idempotent")
            if step.continue_on_error:
                flags.append("may fail")
            if step.timeout is not None:
                flags.append(f"timeout {format_duration(step.timeout)}")
            tail = f"  ({', '.join(flags)})" if flags else ""
            label = f"{step.name}: " if step.name else ""
            out.append(f"  {StepId.step(pi, si)} {step.kind:<7} {label}{step.describe()}{tail}")
            if step.undo is not None:
                out.append(f"        undo: {step.undo.describe()}")
        gate = phase.gate
        out.append(f"  GO/NO-GO: {gate.description or 'all steps passed'}")
        for ci, check in enumerate(gate.checks, 1):
            out.append(f"    {StepId.gate(pi, ci)} {check.kind}: {check.describe()}")
        if gate.max_failures:
            out.append(f"    up to {gate.max_failures} failed step(s) tolerated")
        if gate.approvals:
            role = f" from {gate.approvals.role}" if gate.approvals.role else ""
            limit = "".join([f"; no decision within {format_duration(gate.approvals.timeout)} = NO-GO"
                             if gate.approvals.timeout is not None else "",
                             f"; no decision by {gate.approvals.until} = NO-GO" if gate.approvals.until else ""])
            out.append(f"    needs {gate.approvals.count} approval(s){role}{limit}")
        out.append("")
    if plan.rollback.levels:
        out.append("Rollback levels:")
        for lv in sorted(plan.rollback.levels, key=lambda x: x.level):
            covers = f" covers: {', '.join(lv.covers)}" if lv.covers else " (manual: golive rollback --level)"
            data = " [restores data]" if lv.restores_data else ""
            out.append(f"  Level {lv.level}: {lv.name}{data}{';' if lv.covers else ''}{covers}")
            if lv.when:
                out.append(f"    when: {lv.when} (a person's choice: golive rollback RUN --level {lv.level})")
            if lv.first:
                out.append(f"    first level {', then level '.join(str(n) for n in lv.first)}, then this level's steps")
            if lv.then:
                out.append(f"    then level {', then level '.join(str(n) for n in lv.then)}")
            if lv.description:
                out.append(f"    {lv.description.strip()}")
            for si, step in enumerate(lv.steps, 1):
                out.append(f"    {StepId.level(lv.level, si)} {step.kind:<7} {step.title()}")
        out.append("")
    out.append("Rollback plan (generated before anything runs; executed in reverse of what completed):")
    out += rollback_lines(preview(plan), bool(plan.window and plan.window.rollback_until))
    if plan.success_criteria:
        out.append("")
        out.append("Success criteria:")
        for i, crit in enumerate(plan.success_criteria, 1):
            how = f" (checked: {crit.check.describe()})" if crit.check else " (for a person to confirm)"
            out.append(f"  {i}. {crit.description}{how}")
    return "\n".join(safe(line) for line in out).rstrip() + "\n"


def rollback_lines(entries: list[RollbackPreview], rollback_until: bool) -> list[str]:
    """The rollback plan, one line per failing phase (and the levels left to a person): for `plan show` from the
    plan, and for `golive run` from the preview recorded with the run, before its first step changes anything."""
    out: list[str] = []
    for entry in entries:
        parts = [f"undo {u.undoes}" for u in entry.undo]
        if entry.then_earlier:
            parts.append(f"what phase {entry.phase - 1} undoes")
        if entry.level:
            parts.append("".join(f"level {n} (first, as level {entry.level} says), then " for n in entry.first_levels)
                         + f"level {entry.level} '{entry.level_name}'"
                         + "".join(f", then level {n}" for n in entry.then_levels)
                         + (" (after rollback_until: needs confirmation)" if entry.restores_data and rollback_until
                            else ""))
        out.append(f"  if phase {entry.phase} '{entry.name}' fails: "
                   + (", then ".join(parts) if parts else "nothing to undo"))
        for o in entry.offered:
            out.append(f"    not applied, a person's choice: {o.text()}")
    return out
