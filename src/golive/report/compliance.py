"""Change-management evidence in a report: PCI-DSS v4.0 6.5.1 / 6.5.2 and segregation of duties, mapped to what a
run recorded, and the sign-off sheet. What a plan alone can say (for `golive lint`) is in golive.plan.compliance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from golive.core.stepid import StepId
from golive.plan.compliance import ELEMENTS

if TYPE_CHECKING:
    from golive.plan.recorded import RecordedPlan
    from golive.report.model import ComplianceRow, Report, SignOff

def _names(approvals: list[Any]) -> str:
    return ", ".join(f"{a.by}" + (f" ({a.role})" if a.role else "") + f" at {a.at[:19]}Z" for a in approvals)


def compliance_rows(report: Report, plan: RecordedPlan) -> list[ComplianceRow]:
    from golive.report.model import ComplianceRow

    ch = report.change
    rows: list[ComplianceRow] = []
    ticket = f"ticket {ch.ticket}: " if ch and ch.ticket else ""
    what = " — ".join(v for v in ((ch.reason, ch.description) if ch else ()) if v)
    rows.append(ComplianceRow(*ELEMENTS[0], f"{ticket}{what}" if what else "none recorded", bool(what)))
    impact = ch.security_impact if ch else None
    rows.append(ComplianceRow(*ELEMENTS[1], str(impact or "none recorded"), bool(impact)))
    approvals = [a for g in report.gates for a in g.approvals]
    roles = plan.approvers
    authorized = [a for a in approvals if not a.role or a.by in roles.get(a.role, [a.by])]
    # Met only by approvals someone outside the store can check: verified signatures, neither the initiator's key
    # nor the initiator's name. A server's key vouching for people (the web console) is nobody's own key, and a run
    # the console started has no initiator's key at all: the person is what is compared then.
    proven = [a for a in authorized if a.verified and a.fingerprint and a.fingerprint != report.initiator_key
              and a.by.casefold() != report.initiator.casefold()]
    if proven:
        evidence = _names(proven) + " (verified SSH signatures)"
    elif authorized and not report.authenticated:
        evidence = _names(authorized) + " — approvals not authenticated (typed names; no signers file)"
    else:
        evidence = _names(authorized) + " — no verified signature" if authorized else "no approval recorded"
    rows.append(ComplianceRow(*ELEMENTS[2], evidence, bool(proven)))
    tests: list[str] = []
    for t in report.change_evidence:
        if t.url:
            tests.append(str(t.url))
        elif t.sha256:
            tests.append(f"{t.file} (sha256 {t.sha256})")
        else:
            tests.append(f"{t.file}: {t.error if t.has('error') else 'missing'}")
    ok_tests = any(t.url or t.sha256 for t in report.change_evidence)
    rows.append(ComplianceRow(*ELEMENTS[3], "; ".join(tests) or "none recorded", ok_tests))
    back = [a for ph in report.rollback_plan for a in ph.undo]
    levels = {ph.level_name for ph in report.rollback_plan if ph.level_name}
    if back or levels:
        text = f"rollback plan recorded at run start: {len({a.id for a in back})} undo step(s)"
        if levels:
            text += f", level(s): {', '.join(sorted(str(x) for x in levels))}"
        if report.rollback is not None:
            text += f"; executed: {report.rollback.status}"
    else:
        text = "no undo steps and no rollback levels"
    rows.append(ComplianceRow(*ELEMENTS[4], text, bool(back or levels)))
    verif: list[str] = []
    for c in report.criteria:
        if c.status != "for a person":
            verif.append(f"{c.description}: {c.status}")
    last = report.gates[-1] if report.gates else None
    if last is not None and last.decision == "go":
        checks = [s for s in report.steps
                  if StepId(s.id).section == "gate" and StepId(s.id).group == last.phase and s.status == "succeeded"]
        if checks:
            verif.append(f"{len(checks)} check(s) passed at the final gate")
        if last.approvals:
            verif.append(f"verified by {_names(last.approvals)}")
    rows.append(ComplianceRow(*ELEMENTS[5], "; ".join(verif) or "no post-change verification recorded",
                              bool(verif) and report.outcome == "succeeded"))
    approvers = {a.by for a in approvals}
    if not approvers:
        rows.append(ComplianceRow(*ELEMENTS[6], f"initiator {report.initiator}; no approver recorded", False))
    elif report.initiator in approvers:
        rows.append(ComplianceRow(*ELEMENTS[6], f"initiator {report.initiator} also approved", False))
    else:
        rows.append(ComplianceRow(*ELEMENTS[6], f"initiator {report.initiator}; approvers "
                                  f"{', '.join(sorted(approvers))}", True))
    return rows


def _signature(a: Any) -> str:
    """Key fingerprint, method and verified ✓/✗ of one decision, as the sign-off sheet shows it."""
    if a.method == "unauthenticated":
        return "unauthenticated (typed name)"
    return f"{a.fingerprint} {a.method} {'✓' if a.verified else '✗'}"


PRE = "Pre-deployment approval"
POST = "Post-deployment verification"


def signoff_rows(report: Report) -> list[SignOff]:
    """Gate approvals of all but the last phase are pre-deployment approval, the last gate's are the
    post-deployment verification; every approval still missing is a blank line to sign."""
    from golive.report.model import SignOff

    rows: list[SignOff] = []
    for section, gates in ((PRE, report.gates[:-1]), (POST, report.gates[-1:])):
        start = len(rows)
        for g in gates:
            if not g.approvals_needed:
                continue
            for a in g.approvals:
                rows.append(SignOff(section, a.role or f"phase {g.phase} gate", a.by, a.at[:19].replace("T", " "),
                                    a.reason, _signature(a)))
            for a in g.rejections:
                rows.append(SignOff(section, a.role or f"phase {g.phase} gate", a.by,
                                    a.at[:19].replace("T", " "), f"REJECTED: {a.reason}", _signature(a)))
            for _ in range(max(0, g.approvals_needed - len({a.by for a in g.approvals}) - len(g.rejections))):
                who = f" (one of {', '.join(g.candidates)})" if g.candidates else ""
                rows.append(SignOff(section, (g.role or f"phase {g.phase} gate") + who, "", "",
                                    f"phase {g.phase} '{g.name}'"))
        if len(rows) == start:
            rows.append(SignOff(section, "Deployment lead" if section == POST else "Approver", "", "",
                                "no approval is recorded by the run: sign here"))
    return rows
