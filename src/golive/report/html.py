"""The HTML report: one self-contained file (inline CSS and SVG, no script, no external URL), which prints
as the paper an auditor files. Every value is escaped: step output and approvers' reasons come from outside."""

from __future__ import annotations

from golive.report.model import Report
from golive.report.svg import canary_charts, esc, timeline
from golive.units import format_duration

CSS = """
:root { --ok:#1a7f37; --bad:#d1242f; --warn:#9a6700; --muted:#57606a; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:#1f2328;
       max-width: 1000px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid
var(--line); padding-bottom: 4px; } h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
table.kv th { width: 210px; }
.outcome { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 700; color: #fff; }
.o-success { background: var(--ok); } .o-partial { background: var(--warn); }
.o-rolled { background: var(--bad); } .o-progress { background: var(--muted); }
.s-succeeded, .s-go, .s-met, .s-done, .s-ok, .s-pass { color: var(--ok); font-weight: 600; }
.s-failed, .s-no-go, .s-not-met, .s-missing, .s-fail { color: var(--bad); font-weight: 600; }
.s-waiting, .s-for-a-person, .s-needs-attention, .s-running { color: var(--warn); font-weight: 600; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 6px; margin: 4px 0; white-space: pre-wrap;
      word-break: break-word; font-size: 12px; max-height: 260px; overflow: auto; }
code, .hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
.muted { color: var(--muted); } .blank { border-bottom: 1px solid #1f2328; min-width: 160px;
      display: inline-block; height: 1.2em; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: #1f2328; }
svg .chart-title { font-weight: 600; font-size: 12px; }
svg .row-line { stroke: #eaeef2; } svg .axis { stroke: #8c959f; } svg .tick { fill: var(--muted); }
svg .window { fill: #dafbe1; } svg .window-end, svg .rollback-until { stroke: var(--warn); stroke-dasharray: 4 3; }
svg .rollback-shade { fill: #ffebe9; } svg .timebox { fill: none; stroke: #8c959f; stroke-dasharray: 4 3; }
svg .bar { fill: #218bff; } svg .bar.overrun, svg .bar.nogo { fill: var(--bad); } svg .bar.rollback { fill: #cf222e; }
svg .gate.go { fill: var(--ok); } svg .gate.nogo { fill: var(--bad); } svg .approval { fill: #8250df; }
svg .rejection { fill: var(--bad); } svg .overrun-mark { fill: var(--warn); }
svg .gate.waiting { fill: #fff; stroke: var(--warn); stroke-width: 2; }
svg .verdict.pass { fill: var(--ok); } svg .verdict.fail { fill: var(--bad); }
svg .verdict.inconclusive { fill: #fff; stroke: var(--muted); stroke-width: 1.5; }
.legend-row span { margin-right: 14px; font-size: 12px; color: var(--muted); }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; } table, svg, .signoff { break-inside: avoid; }
  pre { max-height: none; overflow: visible; }
  a { color: inherit; text-decoration: none; }
  .noprint { display: none; }
  @page { margin: 14mm; }
}
"""


def _cls(status: str) -> str:
    return "s-" + esc(status.replace(" ", "-"))


def _dur(value: float | None) -> str:
    return format_duration(value) if value is not None else ""


def _pct(v: float | None) -> str:
    return "" if v is None else esc(f"{v * 100:.3g}%")


def _ms(v: float | None) -> str:
    return "" if v is None else esc(f"{v:.4g} ms")


def _table(headers: list[str], rows: list[list[str]], cls: str = "") -> str:
    """Cells are given already escaped (some carry markup)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    c = f' class="{cls}"' if cls else ""
    return f"<table{c}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _outcome_badge(r: Report) -> str:
    cls = {"Success": "o-success", "Partial": "o-partial"}.get(
        r.outcome_word, "o-rolled" if r.outcome_word.startswith("Rolled") else "o-progress")
    return f'<span class="outcome {cls}" id="outcome">{esc(r.outcome_word)}</span>'


def render_html(r: Report) -> str:
    p: list[str] = []
    version = f"{r.version_from or '?'} → {r.version_to}" if r.version_to else "not stated"
    p.append(f"<h1>{esc(r.plan_name)}</h1>")
    p.append(f'<p>{_outcome_badge(r)} <span class="muted">run <code>{esc(r.run_id)}</code> · '
             f"{esc(r.service)}/{esc(r.environment)} · status {esc(r.status)}</span></p>")
    if r.description:
        p.append(f"<p>{esc(r.description)}</p>")

    # -- summary
    window = f"{esc(r.window_start)} – {esc(r.window_end)}" if r.window_start else "no window in the plan"
    inside = _dur(r.inside_window) if r.inside_window is not None else "n/a"
    kv = [
        ("Plan", esc(r.plan_name)), ("Service / environment", f"{esc(r.service)} / {esc(r.environment)}"),
        ("Version", esc(version)), ("Initiator", esc(r.initiator_line)),
        ("Outcome", _outcome_badge(r) + (f" <span class='muted'>({esc(r.outcome)})</span>" if r.outcome else "")),
        ("Started", esc(r.started_at)), ("Ended", esc(r.finished_at or "not ended")),
        ("Duration", esc(_dur(r.duration))), ("Deployment window", window),
        ("Time inside the window", esc(inside)),
        ("Audit chain head", f'<span class="hash">{esc(r.head_hash)}</span> (event {r.head_seq})'),
        ("Plan SHA-256", f'<span class="hash">{esc(r.plan_sha256)}</span>'),
    ]
    if r.waiting:
        kv.append(("Waiting for", f"<code>{esc(r.waiting)}</code>"))
    if r.forced:
        kv.append(("Started outside the window", esc(f"by {r.forced.by}: {r.forced.reason}")))
    if r.outcome_notes:
        kv.append(("Issues", "<br>".join(esc(n) for n in r.outcome_notes)))
    p.append('<h2 id="summary">Summary</h2><table class="kv"><tbody>' + "".join(
        f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in kv) + "</tbody></table>")

    # -- timeline
    p.append('<h2 id="timeline">Timeline</h2>')
    p.append(timeline(r))
    p.append('<p class="legend-row"><span>▬ actual phase duration</span><span>┅ timebox</span>'
             "<span>◆ gate decision</span><span>◇ waiting for approval</span><span>● approval</span>"
             "<span>▲ overrun</span>"
             "<span>green band: deployment window</span><span>red shading: rollback</span></p>")
    charts = canary_charts(r)
    if charts:
        p.append('<h3 id="canary">Canary</h3>' + charts)
        verdicts = [c for c in r.canary if c.verdict]
        if verdicts:
            weight = 0.0
            rows = []
            for c in r.canary:
                weight = c.weight if c.weight is not None else weight
                if c.verdict:
                    rows.append([esc(c.at[11:19]), f'<span class="{_cls(c.verdict)}">{esc(c.verdict)}</span>',
                                 esc(f"{weight:g}%"), _pct(c.canary_error_rate), _pct(c.baseline_error_rate),
                                 _ms(c.canary_p95), _ms(c.baseline_p95), esc(c.reason or "")])
            p.append(_table(["At (UTC)", "Verdict", "Weight", "Canary errors", "Baseline errors", "Canary p95",
                             "Baseline p95", "Why"], rows, "verdicts"))

    # -- phases and gates
    p.append('<h2 id="phases">Phases and gates</h2>')
    rows = []
    for ph, g in zip(r.phases, r.gates, strict=False):
        who = ", ".join(f"{a.by}" + (f" ({a.role})" if a.role else "") + f": {a.reason}" for a in g.approvals)
        rej = ", ".join(f"{a.by}: {a.reason}" for a in g.rejections)
        decision = g.decision.upper() if g.decision else "—"
        rows.append([
            f"{ph.index}. {esc(ph.name)}", f'<span class="{_cls(ph.status)}">{esc(ph.status)}</span>',
            esc(_dur(ph.duration)), esc(_dur(ph.timebox)) + (" <b class='s-failed'>overrun</b>" if ph.overrun else ""),
            "<br>".join(esc(c) for c in g.criteria),
            f'<span class="{_cls(g.decision or "pending")}">{esc(decision)}</span>'
            + ("<br>" + "<br>".join(esc(x) for x in g.reasons) if g.reasons else ""),
            esc(who or ("—" if not g.approvals_needed else "no approval recorded"))
            + (f"<br><span class='s-failed'>rejected: {esc(rej)}</span>" if rej else ""),
        ])
    p.append(_table(["Phase", "Status", "Took", "Timebox", "Gate criteria", "Decision", "Decided by"], rows))

    # -- steps
    p.append('<h2 id="steps">Steps and checks</h2>')
    rows = []
    for s in r.steps:
        out = f"<pre>{esc(s.output)}</pre>" if s.output else ""
        by = f"<br><span class='muted'>by {esc(s.decided_by)}</span>" if s.decided_by else ""
        rows.append([
            f"<code>{esc(s.id)}</code>", esc(s.title) + (f" <span class='muted'>[{esc(s.kind)}]</span>" if s.kind
                                                          else ""),
            f'<span class="{_cls(s.status)}">{esc(s.status)}</span>'
            + (f" <span class='muted'>×{s.attempts}</span>" if s.attempts > 1 else "") + by,
            esc(_dur(s.duration)), esc("" if s.exit_code is None else s.exit_code), esc(s.message) + out,
        ])
    p.append(_table(["Id", "Step", "Outcome", "Took", "Exit", "Message and output"], rows) if rows
             else "<p class='muted'>No step ran.</p>")

    # -- rollback
    p.append('<h2 id="rollback">Rollback</h2>')
    rows = []
    for rp in r.rollback_plan:
        undo = "<br>".join(f"<code>{esc(a.id)}</code> {esc(a.title)}" for a in rp.undo)
        if rp.then_earlier:
            undo += ("<br>" if undo else "") + f"then what phase {rp.phase - 1} undoes"
        level = "".join(f"level {n} (first, as level {rp.level} says), then " for n in rp.first_levels) \
            + (f"level {rp.level} {esc(rp.level_name or '')}" if rp.level else "—")
        level += "".join(f"<br>a person's choice: level {o.level} {esc(o.name)} ({esc(o.condition())})"
                         for o in rp.offered)
        rows.append([f"{rp.phase}. {esc(rp.name)}", undo or "—", level])
    p.append("<h3>Plan (recorded at run start): failing in …</h3>"
             + _table(["Phase", "undoes (newest first)", "then rollback level"], rows))
    if r.rollback:
        rb = r.rollback
        p.append(f"<h3>Executed</h3><p>Reason: {esc(rb.reason)} · status <span class='{_cls(rb.status)}'>"
                 f"{esc(rb.status)}</span> · started {esc(rb.started_at)}"
                 + (f" · finished {esc(rb.finished_at)}" if rb.finished_at else "") + "</p>")
        p.append(_table(["Action", "Title", "Outcome", "Message"], [
            [f"<code>{esc(a.id)}</code>", esc(a.title), f'<span class="{_cls(a.status)}">{esc(a.status)}</span>',
             esc(a.message)] for a in rb.actions]) if rb.actions
                 else "<p class='muted'>No completed step had anything to undo and no rollback level applied.</p>")
        p += [f"<p>Not applied, a person's choice: {esc(o)}</p>" for o in rb.offered]
    else:
        p.append("<p>No rollback was needed.</p>")

    # -- success criteria
    p.append('<h2 id="criteria">Success criteria</h2>')
    p.append(_table(["Criterion", "Result", "Evidence"], [
        [esc(c.description), f'<span class="{_cls(c.status)}">{esc(c.status)}</span>', esc(c.evidence)]
        for c in r.criteria]) if r.criteria else "<p class='muted'>The plan states no success criteria.</p>")

    # -- compliance
    p.append('<h2 id="compliance">Change record and compliance</h2>')
    ch = r.change
    if ch is not None:  # (a change record always holds `testing`, if only [])
        p.append('<table class="kv"><tbody>' + "".join(
            f"<tr><th>{esc(k)}</th><td>{esc(getattr(ch, key) or 'not stated')}</td></tr>"
            for k, key in (("Ticket", "ticket"), ("Reason", "reason"), ("Description", "description"),
                           ("Security impact", "security_impact"))) + "</tbody></table>")
    else:
        p.append("<p class='s-missing'>The plan has no change record (change: section).</p>")
    p.append(_table(["Requirement", "Element", "Recorded evidence", ""], [
        [esc(c.requirement), esc(c.element), esc(c.evidence),
         "<span class='s-ok'>evidence</span>" if c.ok else "<span class='s-missing'>MISSING</span>"]
        for c in r.compliance]))

    # -- sign-off
    p.append('<h2 id="decisions">Decisions</h2>')
    p.append("<p>" + ("Signed decisions, checked against the run's signers file." if r.authenticated else
                      "<span class='s-missing'>Approvals not authenticated</span>: the run has no signers file;"
                      " names are as typed.")
             + (f" <span class='s-missing'>The log does not verify: {esc(r.audit_failure)}</span>"
                if r.audit_failure else "") + "</p>")
    p.append(_table(["Seq", "Decision", "Name", "Key fingerprint", "Method", "Verified"], [
        [str(d.seq), esc(f"{d.decision} {d.subject}"), esc(d.name), esc(d.fingerprint or "—"), esc(d.method),
         "<span class='s-ok'>✓</span>" if d.verified else
         ("—" if d.method == "unauthenticated" and not r.authenticated else "<span class='s-missing'>✗</span>")]
        for d in r.decisions]))
    p.append('<h2 id="signoff">Deployment sign-off</h2><div class="signoff">')
    for section in ("Pre-deployment approval", "Post-deployment verification"):
        rows = [[esc(s.role), esc(s.name) if s.name else '<span class="blank"></span>',
                 esc(s.date) if s.date else '<span class="blank"></span>', esc(s.note), esc(s.signature)]
                for s in r.signoff if s.section == section]
        p.append(f"<h3>{esc(section)}</h3>" + _table(["Role", "Name", "Date (UTC)", "Note", "Signature"], rows))
    marks = " ".join(("☒ " if r.outcome_word.startswith(w) else "☐ ") + w
                     for w in ("Success", "Partial", "Rolled Back"))
    p.append("<h3>Deployment status</h3>" + '<table class="kv"><tbody>'
             f"<tr><th>Status</th><td>{esc(marks)}"
             + (f" <span class='muted'>({esc(r.outcome_word)})</span>" if r.outcome_word not in
                ("Success", "Partial", "Rolled Back") else "") + "</td></tr>"
             f"<tr><th>Completion time</th><td>{esc(r.finished_at or '')}"
             + ("" if r.finished_at else '<span class="blank"></span>') + "</td></tr>"
             f"<tr><th>Issues encountered</th><td>{'<br>'.join(esc(n) for n in r.outcome_notes) or 'none recorded'}"
             "</td></tr><tr><th>Notes</th><td><span class='blank'></span></td></tr></tbody></table></div>")

    # -- notifications and log
    if r.notifications:
        p.append('<h2 id="notifications">Notifications</h2>' + _table(["At", "Result", "Kind", "Title", "Channels"], [
            [esc(n.at[:19]), f"<span class='{_cls('ok' if n.status == 'sent' else 'failed')}'>{esc(n.status)}</span>"
             + (f"<br>{esc(n.error)}" if n.error else ""), esc(n.category), esc(n.title), esc(", ".join(n.channels))]
            for n in r.notifications]))
    p.append('<h2 id="log">Event log</h2>' + _table(["#", "At (UTC)", "Event"], [
        [str(e.seq), esc(e.at[11:19]), esc(e.text)] for e in r.log]))
    p.append(f"<footer>Generated by golive from the run's event log; verify with <code>golive audit verify "
             f"{esc(r.run_id)}</code> (head {esc(r.head_hash[:16])}…).</footer>")
    title = f"{r.plan_name} — {r.outcome_word} — run {r.run_id}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline';"
            " img-src data:\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n" + "\n".join(p) + "\n</body></html>\n")
