"""Change-management elements (PCI-DSS v4.0 6.5.1 / 6.5.2, segregation of duties) as a plan can satisfy them:
`compliance_findings(plan)` for `golive lint` says in advance what a plan can never provide evidence for, and
`change_evidence` hashes the testing evidence when a run starts."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from golive.masking import Masker

if TYPE_CHECKING:  # (the report reads ELEMENTS without the plan model)
    from golive.plan.model import Plan

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


class ComplianceFinding(Struct, frozen=True):
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
