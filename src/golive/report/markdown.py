"""The Markdown report: pasted into a change ticket (GitHub, GitLab, Jira with Markdown), so it sticks to
CommonMark plus pipe tables, and escapes every value so a `|` or a `*` in step output cannot break the layout."""

from __future__ import annotations

import re

from golive.core.events import RollbackPreview
from golive.masking import safe
from golive.report.model import Report
from golive.units import format_duration

_SPECIAL = re.compile(r"([\\`*_\[\]<|~&])")


def md(text: object) -> str:
    """Inline text for a table cell or a line: one line, Markdown punctuation escaped."""
    flat = safe(" ".join(str(text).split()))
    return _SPECIAL.sub(r"\\\1", flat)


def _code(text: str) -> str:
    """A fenced block longer than any backtick run inside it; control characters shown, not obeyed."""
    text = safe(text, multiline=True)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(md(h) for h in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(c if c.strip() else " " for c in row) + " |" for row in rows]
    return "\n".join(out)


def _then_level(ph: RollbackPreview) -> str:
    level = "".join(f"{n} (first, as {ph.level} says), then " for n in ph.first_levels) \
        + (f"{ph.level} {ph.level_name}" if ph.level else "-")
    return level + "".join(f"; a person's choice: {o.level} {o.name} ({o.condition()})" for o in ph.offered)


def _undoes(ph: RollbackPreview) -> str:
    """A phase's own undo steps, then (in plans recorded since the preview is stored once) the earlier phase's."""
    ids = [str(a.id) for a in ph.undo]
    if ph.then_earlier:
        ids.append(f"then what phase {ph.phase - 1} undoes")
    return ", ".join(ids) or "-"


def _dur(v: float | None) -> str:
    return format_duration(v) if v is not None else ""


def render_markdown(r: Report) -> str:
    parts: list[str] = [f"# {md(r.plan_name)}: {md(r.outcome_word)}", ""]
    version = f"{r.version_from or '?'} -> {r.version_to}" if r.version_to else "not stated"
    kv = [
        ("Run", f"`{r.run_id}`"), ("Service / environment", md(f"{r.service} / {r.environment}")),
        ("Version", md(version)), ("Initiator", md(r.initiator_line)), ("Outcome", f"**{md(r.outcome_word)}**"),
        ("Status", md(r.status)), ("Started", md(r.started_at)), ("Ended", md(r.finished_at or "not ended")),
        ("Duration", md(_dur(r.duration))),
        ("Deployment window", md(f"{r.window_start} - {r.window_end}") if r.window_start else "none"),
        ("Time inside the window", md(_dur(r.inside_window)) if r.inside_window is not None else "n/a"),
        ("Audit chain head", f"`{r.head_hash}` (event {r.head_seq})"),
    ]
    if r.waiting:
        kv.append(("Waiting for", md(r.waiting)))
    if r.outcome_notes:
        kv.append(("Issues", "; ".join(md(n) for n in r.outcome_notes)))
    parts += ["## Summary", "", _table(["Field", "Value"], [[k, v] for k, v in kv]), ""]

    parts += ["## Phases and gates", ""]
    rows = []
    for ph, g in zip(r.phases, r.gates, strict=False):
        who = ", ".join(f"{a.by}: {a.reason}" for a in g.approvals) or ("-" if not g.approvals_needed
                                                                         else "no approval recorded")
        rows.append([md(f"{ph.index}. {ph.name}"), md(ph.status), md(_dur(ph.duration)),
                     md(_dur(ph.timebox)) + (" **overrun**" if ph.overrun else ""), md("; ".join(g.criteria)),
                     md((g.decision or "-").upper() + (": " + "; ".join(g.reasons) if g.reasons else "")), md(who)])
    parts += [_table(["Phase", "Status", "Took", "Timebox", "Gate criteria", "Decision", "Decided by"], rows), ""]

    parts += ["## Steps and checks", ""]
    parts += [_table(["Id", "Step", "Outcome", "Took", "Exit", "Message"], [
        [f"`{s.id}`", md(s.title), md(s.status) + (f" by {md(s.decided_by)}" if s.decided_by else ""),
         md(_dur(s.duration)), md("" if s.exit_code is None else s.exit_code), md(s.message)] for s in r.steps]), ""]
    failed = [s for s in r.steps if s.status == "failed" and s.output]
    for s in failed:
        parts += [f"Output of `{s.id}` ({md(s.title)}):", "", _code(s.output[-1500:]), ""]

    parts += ["## Rollback", ""]
    if r.rollback:
        rb = r.rollback
        parts += [f"Rollback **{md(rb.status)}**: {md(rb.reason)}", "",
                  _table(["Action", "Title", "Outcome", "Message"],
                         [[f"`{a.id}`", md(a.title), md(a.status), md(a.message)] for a in rb.actions])
                  if rb.actions else "No completed step had anything to undo and no rollback level applied.", ""]
        parts += [f"Not applied, a person's choice: {md(o)}" for o in rb.offered] + ([""] if rb.offered else [])
    else:
        parts += ["No rollback was needed. Plan recorded at run start:", ""]
        parts += [_table(["Failing in phase", "Undoes", "Then level"], [
            [md(f"{ph.phase}. {ph.name if ph.has('name') else None}"), md(_undoes(ph)),
             md(_then_level(ph))] for ph in r.rollback_plan]), ""]

    parts += ["## Success criteria", ""]
    parts += [_table(["Criterion", "Result", "Evidence"], [[md(c.description), md(c.status), md(c.evidence)]
                                                          for c in r.criteria]) if r.criteria else "None stated.", ""]

    parts += ["## Compliance", ""]
    parts += [_table(["Requirement", "Element", "Evidence", "Status"], [
        [md(c.requirement), md(c.element), md(c.evidence), "evidence" if c.ok else "**MISSING**"]
        for c in r.compliance]), ""]

    parts += ["## Decisions", "", _decisions(r), ""]
    parts += ["## Sign-off", ""]
    for section in ("Pre-deployment approval", "Post-deployment verification"):
        parts += [f"### {section}", "", _table(["Role", "Name", "Date (UTC)", "Note", "Signature"], [
            [md(s.role), md(s.name) if s.name else "\\_\\_\\_\\_\\_\\_\\_\\_",
             md(s.date) if s.date else "\\_\\_\\_\\_\\_\\_", md(s.note), md(s.signature)]
            for s in r.signoff if s.section == section]), ""]
    marks = " ".join(("[x] " if r.outcome_word.startswith(w) else "[ ] ") + w
                     for w in ("Success", "Partial", "Rolled Back"))
    parts += ["### Deployment status", "", _table(["Field", "Value"], [
        ["Status", md(marks)], ["Completion time", md(r.finished_at or "")],
        ["Issues encountered", "; ".join(md(n) for n in r.outcome_notes) or "none recorded"]]), ""]
    return "\n".join(parts).rstrip() + "\n"


def _decisions(r: Report) -> str:
    """Who decided what, with which key, and whether it verifies; or plainly that approvals are not authenticated."""
    head = ("Signed decisions, checked against the run's signers file." if r.authenticated
            else "**Approvals not authenticated**: the run has no signers file; names are as typed.")
    if r.audit_failure:
        head += f" **The log does not verify: {md(r.audit_failure)}.**"
    rows = [[str(d.seq), md(f"{d.decision} {d.subject}"), md(d.name), md(d.fingerprint or "-"), md(d.method),
             "✓" if d.verified else ("✗" if d.method != "unauthenticated" or r.authenticated else "-")]
            for d in r.decisions]
    return head + "\n\n" + _table(["Seq", "Decision", "Name", "Key fingerprint", "Method", "Verified"], rows)
