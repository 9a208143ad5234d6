"""Decisions taken in the browser or through the API: the same rules as the CLI, signed by the server's key.

This is the one seam between the console and the decision code. It calls `golive.run.decisions` (what
`golive approve/reject/confirm/resolve/rollback` call) with a `Decider`: the person's name, the server's SSH key
signing the decision (SSHSIG, as a CLI user's key would; `golive audit verify` checks it) and where it came from
(authentication, source address, user agent) instead of the server's OS user. It captures the event the decision
code appends and appends right after it a `decision.vouched` event with the full identity (OIDC issuer and
subject, local account with or without second factor, or API token), the sealed event's seq and hash, and an
Ed25519 signature by the same key over all of that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from golive.core.events import GateWaiting
from golive.engine.state import RunState, fold
from golive.errors import DecisionRefused, UsageError
from golive.plan.model import Plan
from golive.run import decisions
from golive.run.decisions import Decider
from golive.seal.keys import key_signer
from golive.seal.vouch import public_key_text
from golive.seal.vouch import sign as sign_seal
from golive.store.base import Event, Owner, RunInfo, Store
from golive.web.team import OPERATOR, Identity, Team

ACTIONS = ("approve", "reject", "confirm", "resolve", "rollback")
#: What the server's signature says it vouches for (recorded in each seal, so the log explains itself).
VOUCHES = ("the golive web server authenticated this person as stated and they made this decision,"
           " with this reason, from this address")
APPROVER = "approver"


@dataclass(frozen=True)
class Ask:
    """One action as a person asked for it."""

    action: str
    reason: str
    step: str | None = None
    #: resolve: done | failed; confirm: "failed" marks the manual step failed.
    outcome: str | None = None
    level: int | None = None
    #: Rolling back is typed to confirm: the service's name.
    typed: str | None = None


@dataclass(frozen=True)
class Origin:
    """Where the request came from, as the server saw it."""

    address: str
    user_agent: str


class _Capturing:
    """The run log, remembering what the decision code appends through it."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.appended: list[Event] = []

    def create_run(self, info: RunInfo, payload: dict[str, Any]) -> Event:
        return self._store.create_run(info, payload)

    def append(self, run_id: str, type: str, payload: dict[str, Any], *, durable: bool = True) -> Event:
        ev = self._store.append(run_id, type, payload, durable=durable)
        self.appended.append(ev)
        return ev

    def set_status(self, run_id: str, status: str) -> None:
        self._store.set_status(run_id, status)

    def events(self, run_id: str, after: int = 0) -> list[Event]:
        return self._store.events(run_id, after)

    def get_run(self, run_id: str) -> RunInfo:
        return self._store.get_run(run_id)

    def list_runs(self, limit: int = 50) -> list[RunInfo]:
        return self._store.list_runs(limit)

    def claim(self, run_id: str, owner: Owner, take_over: bool = False) -> Owner | None:
        return self._store.claim(run_id, owner, take_over)

    def renew(self, run_id: str, owner: Owner) -> bool:
        return self._store.renew(run_id, owner)

    def release(self, run_id: str, owner: Owner, active: bool) -> None:
        self._store.release(run_id, owner, active)

    def reopen(self, run_id: str) -> None:
        self._store.reopen(run_id)

    def close(self) -> None:
        self._store.close()


def plan_and_state(store: Store, run_id: str) -> tuple[Plan, RunState]:
    st = fold(store.events(run_id))
    return st.plan, st


def role_needed(ask: Ask, plan: Plan, st: RunState) -> tuple[str, ...]:
    """The roles any one of which allows `ask` on this run (checked before the decision code's own rules)."""
    if ask.action in ("approve", "reject"):
        role = None
        if isinstance(st.waiting, GateWaiting):
            approvals = plan.phases[st.waiting.phase - 1].gate.approvals
            role = approvals.role if approvals else None
        gate_role = role or APPROVER
        return (gate_role,) if ask.action == "approve" else (gate_role, OPERATOR)  # anyone allowed may say NO-GO
    if ask.action == "confirm" and ask.step and ask.step != "rollback":
        from golive.steps.manual import ManualStep

        step = plan.steps_by_id().get(ask.step)
        role = step.manual.role if isinstance(step, ManualStep) else None
        return (role, OPERATOR) if role else (OPERATOR,)
    return (OPERATOR,)


def allowed(team: Team, who: Identity, ask: Ask, plan: Plan, st: RunState) -> bool:
    return any(team.holds(who, role, plan.approvers) for role in role_needed(ask, plan, st))


def decider(who: Identity, origin: Origin, key: Ed25519PrivateKey) -> Decider:
    """The person as the decision code sees them: their name, the server's key vouching for them (an SSHSIG in the
    golive-vouch@golive namespace; on a run with signers the key must be listed there to vouch, docs/signing.md),
    and where the decision came from (instead of the server process's OS user and host)."""
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                            serialization.NoEncryption())
    return Decider(name=who.person, signer=key_signer(pem, "server-key"), vouch=who.how(), where=where(who, origin))


def where(who: Identity, origin: Origin) -> dict[str, str]:
    """What a decision (or a start) taken in the console records instead of the server process's OS user and host."""
    return {"via": "golive web", "auth": who.how(), "source": origin.address, "user_agent": origin.user_agent[:300]}


def _decide(store: Store, run_id: str, by: Decider, ask: Ask, plan: Plan) -> str:
    if not ask.reason.strip():
        raise UsageError("a reason is required (it goes into the audit log)")
    if ask.action == "approve":
        return decisions.approve(store, run_id, by, ask.reason)
    if ask.action == "reject":
        return decisions.reject(store, run_id, by, ask.reason)
    if ask.action == "confirm":
        return decisions.confirm(store, run_id, ask.step or "", by, ask.reason,
                                 failed=ask.outcome == "failed")
    if ask.action == "resolve":
        return decisions.resolve(store, run_id, ask.step or "", ask.outcome or "", by, ask.reason)
    if ask.action == "rollback":
        if (ask.typed or "").strip() != plan.service:
            raise DecisionRefused(f"type the service name ({plan.service}) to confirm the rollback")
        return decisions.request_rollback(store, run_id, by, ask.reason, ask.level)
    raise UsageError(f"no action '{ask.action}' (one of {', '.join(ACTIONS)})")


def act(store: Store, run_id: str, team: Team, key: Ed25519PrivateKey, who: Identity, ask: Ask,
        origin: Origin) -> dict[str, Any]:
    """Check the role, apply the CLI's rules through the decision code, seal what it appended.

    Raises PermissionError when the person lacks the role (the endpoint answers 403), DecisionRefused or
    UsageError when the rules say no (409/400)."""
    rid = store.get_run(run_id).id
    plan, st = plan_and_state(store, rid)
    if not allowed(team, who, ask, plan, st):
        raise PermissionError(f"{who.person} does not hold the role this needs "
                              f"({' or '.join(role_needed(ask, plan, st))})")
    capture = _Capturing(store)
    message = _decide(capture, rid, decider(who, origin, key), ask, plan)
    seals = [vouch(store, rid, key, who, ask.action, ask.reason, origin, ev) for ev in capture.appended]
    return {"ok": True, "message": message, "sealed": seals}


def vouch(store: Store, run_id: str, key: Ed25519PrivateKey, who: Identity, action: str, reason: str,
          origin: Origin, ev: Event) -> dict[str, int]:
    """Append `decision.vouched` sealing `ev` (a decision, or a run started or aborted from the console)."""
    payload: dict[str, Any] = {
        "seals": {"seq": ev.seq, "hash": ev.hash, "type": ev.type}, "action": action,
        "by": who.person, "reason": reason.strip(),
        "auth": {"method": who.method, "how": who.how(), "issuer": who.issuer, "subject": who.subject,
                 "second_factor": who.second_factor, "token": who.token_id},
        "source": origin.address, "user_agent": origin.user_agent[:300],
        "vouches": VOUCHES, "key": public_key_text(key),
    }
    payload["signature"] = sign_seal(run_id, payload, key)
    sealed = store.append(run_id, "decision.vouched", payload)
    return {"seq": sealed.seq, "seals": ev.seq}
