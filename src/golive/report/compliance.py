"""Change-management evidence: PCI-DSS v4.0 6.5.1 / 6.5.2 and segregation of duties, mapped to what a run
recorded; the sign-off sheet; and `compliance_findings(plan)` for `golive lint`, which says in advance what a
plan can never provide evidence for."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive.masking import Masker
from golive.plan.model import Plan

if TYPE_CHECKING:
    from golive.report.model import ComplianceRow, Report, SignOff

R651 = "PCI-DSS 6.5.1"
R652 = "PCI-DSS 6.5.2"
SOD = "Segregation of duties"

#: (requirement, element) in the order an auditor reads them.
ELEMENTS = [
    (R651, "Reason for, and description of, the change"),
    (R651, "Documentation of security impact"),
    (R651, "Documented change approval by authorized parties"),
    (R651, "Testing to verify the change does not adversely impact system security"),
    (R651, "Procedures to address failures and return to a secure state"),
    (R652, "Post-change verification that applicable requirements are in place"),
    (SOD, "The person who started the change is not its approver"),
]


@dataclass(frozen=True)
class ComplianceFinding:
    """A compliance element a plan cannot produce evidence for, as `golive lint` reports it."""

    requirement: str
    element: str
    message: str
    #: Dotted plan path the fix belongs at (for lint's file:line:col).
    path: str

    def __str__(self) -> str:
        return f"{self.requirement}: {self.message}"


def _has_rollback(plan: Plan) -> bool:
    return bool(plan.rollback.levels) or any(s.undo is not None for ph in plan.phases for s in ph.steps)


def _has_verification(plan: Plan) -> bool:
    last = plan.phases[-1].gate
    return any(c.check is not None for c in plan.success_criteria) or bool(last.checks) or last.approvals is not None


def compliance_findings(plan: Plan) -> list[ComplianceFinding]:
    """What a run of this plan could never show evidence for (empty list: every element can be satisfied)."""
    out: list[ComplianceFinding] = []
    ch = plan.change
    if ch is None or not (ch.reason or ch.description):
        out.append(ComplianceFinding(R651, ELEMENTS[0][1], "no change reason/description (add change.reason and"
                                     " change.description)", "change"))
    if ch is None or not ch.security_impact:
        out.append(ComplianceFinding(R651, ELEMENTS[1][1], "no security impact documented (add"
                                     " change.security_impact, even 'none: ...')", "change"))
    if not any(ph.gate.approvals is not None for ph in plan.phases):
        out.append(ComplianceFinding(R651, ELEMENTS[2][1], "no gate requires an approval, so no authorized party"
                                     " will approve the change (add gate.approvals with a role)", "phases"))
    elif not plan.approvers:
        out.append(ComplianceFinding(R651, ELEMENTS[2][1], "approvals are required but no `approvers` roles say"
                                     " who is authorized", "approvers"))
    if ch is None or not ch.testing:
        out.append(ComplianceFinding(R651, ELEMENTS[3][1], "no testing evidence (add change.testing: links or"
                                     " files, hashed at run start)", "change"))
    if not _has_rollback(plan):
        out.append(ComplianceFinding(R651, ELEMENTS[4][1], "no way back: no step has `undo` and there are no"
                                     " rollback levels", "rollback"))
    if not _has_verification(plan):
        out.append(ComplianceFinding(R652, ELEMENTS[5][1], "nothing verifies the change afterwards (add a"
                                     " success criterion with a check, or checks/approvals on the last gate)",
                                     "success_criteria"))
    if not plan.separation_of_duties:
        out.append(ComplianceFinding(SOD, ELEMENTS[6][1], "separation_of_duties is off: the initiator may approve"
                                     " their own change", "separation_of_duties"))
    return out


def change_evidence(plan: Plan, base_dir: Path, masker: Masker) -> dict[str, Any] | None:
    """Hash the testing evidence files as they are when the run starts, so a later edit is detectable."""
    if plan.change is None:
        return None
    items: list[dict[str, Any]] = []
    for t in plan.change.testing:
        item: dict[str, Any] = {"description": t.description}
        if t.url:
            item["url"] = t.url
        else:
            path = Path(t.file or "").expanduser()
            path = path if path.is_absolute() else base_dir / path
            item["file"] = t.file
            try:
                data = path.read_bytes()
                item["sha256"] = hashlib.sha256(data).hexdigest()
                item["size"] = len(data)
            except OSError as exc:
                item["error"] = f"cannot read: {exc.strerror or exc}"
        items.append(item)
    result: dict[str, Any] = masker.data({"ticket": plan.change.ticket, "testing": items})
    return result


def _names(approvals: list[Any]) -> str:
    return ", ".join(f"{a.by}" + (f" ({a.role})" if a.role else "") + f" at {a.at[:19]}Z" for a in approvals)


def compliance_rows(report: Report, plan: dict[str, Any]) -> list[ComplianceRow]:
    from golive.report.model import ComplianceRow

    ch = report.change or {}
    rows: list[ComplianceRow] = []
    ticket = f"ticket {ch['ticket']}: " if ch.get("ticket") else ""
    what = " — ".join(str(ch[k]) for k in ("reason", "description") if ch.get(k))
    rows.append(ComplianceRow(*ELEMENTS[0], f"{ticket}{what}" if what else "none recorded", bool(what)))
    rows.append(ComplianceRow(*ELEMENTS[1], str(ch.get("security_impact") or "none recorded"),
                              bool(ch.get("security_impact"))))
    approvals = [a for g in report.gates for a in g.approvals]
    roles: dict[str, list[str]] = plan.get("approvers") or {}
    authorized = [a for a in approvals if not a.role or a.by in roles.get(a.role, [a.by])]
    # Met only by approvals someone outside the store can check: verified signatures, not the initiator's key.
    proven = [a for a in authorized if a.verified and a.fingerprint and a.fingerprint != report.initiator_key]
    if proven:
        evidence = _names(proven) + " (verified SSH signatures)"
    elif authorized and not report.authenticated:
        evidence = _names(authorized) + " — approvals not authenticated (typed names; no signers file)"
    else:
        evidence = _names(authorized) + " — no verified signature" if authorized else "no approval recorded"
    rows.append(ComplianceRow(*ELEMENTS[2], evidence, bool(proven)))
    tests: list[str] = []
    for t in report.change_evidence:
        if t.get("url"):
            tests.append(str(t["url"]))
        elif t.get("sha256"):
            tests.append(f"{t.get('file')} (sha256 {t['sha256']})")
        else:
            tests.append(f"{t.get('file')}: {t.get('error', 'missing')}")
    ok_tests = any(t.get("url") or t.get("sha256") for t in report.change_evidence)
    rows.append(ComplianceRow(*ELEMENTS[3], "; ".join(tests) or "none recorded", ok_tests))
    back = [a for ph in report.rollback_plan for a in ph.get("undo", [])]
    levels = {ph.get("level_name") for ph in report.rollback_plan if ph.get("level_name")}
    if back or levels:
        text = f"rollback plan recorded at run start: {len({a['id'] for a in back})} undo step(s)"
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
        checks = [s for s in report.steps if s.id.startswith(f"{last.phase}.gate.") and s.status == "succeeded"]
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
