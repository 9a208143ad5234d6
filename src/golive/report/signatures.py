"""What the report says about who decided: each decision's name, key fingerprint, method and verified ✓/✗, from
the same checks as `golive audit verify` (over the events alone: the report may be read away from the store)."""

from __future__ import annotations

from typing import Any

from golive.store.base import Event


def attach(report: Any, events: list[Event]) -> None:
    from golive.seal.verify import audit_events

    audit = audit_events(report.run_id, events, head_seq=None, head_hash=None)
    report.decisions = audit.decisions
    report.authenticated = audit.authenticated
    report.audit_failure = audit.failure
    start = next((d for d in audit.decisions if d.decision == "start"), None)
    # the initiator's own key; a server that vouched for them (the web console) signed with its key, not theirs
    report.initiator_key = start.fingerprint if start is not None and start.verified and not start.vouched else ""
    if start is not None and start.method != "unauthenticated":
        report.initiator_signature = (f"{start.method} {'✓' if start.verified else '✗'}" if start.vouched else
                                      f"{start.fingerprint} {start.method} {'✓' if start.verified else '✗'}")
    rows = {(d.decision, d.subject, d.name.casefold()): d for d in audit.decisions}
    for gate in report.gates:
        for kind, items in (("approve", gate.approvals), ("reject", gate.rejections)):
            for a in items:
                d = rows.get((kind, f"phase {gate.phase}", a.by.casefold()))
                if d is not None:
                    a.fingerprint, a.method, a.verified = d.fingerprint, d.method, d.verified


def mark(verified: bool, method: str) -> str:
    if method == "unauthenticated":
        return "unauthenticated"
    return "✓ verified" if verified else "✗ does not verify"
