"""A person's decision as signed bytes: the canonical payload, and the rules that bind it to one run, one plan,
one gate or step, and the chain head the person was shown. The same check runs when the decision is submitted
and when `audit verify` reads it back, so what was accepted is exactly what verifies.
"""

from __future__ import annotations

import json
import os
from typing import Any

from msgspec import Struct
from sshsig.ssh_public_key import ssh_key_fingerprint_sha256_str
from sshsig.sshsig import SshsigSignature, check_signature

from golive.seal.ecdsa import is_ecdsa, verify_ecdsa
from golive.seal.keys import NAMESPACE, VOUCH_NAMESPACE, Signature, Signer, fingerprint

#: Event type -> the decision it records (what the person signs for).
DECISION_EVENTS = {
    "gate.approved": "approve", "gate.rejected": "reject", "step.confirmed": "confirm",
    "rollback.confirmed": "confirm", "step.resolved": "resolve", "rollback.requested": "rollback",
    "run.taken_over": "take-over",
}


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def subject_of(ev_type: str, p: dict[str, Any]) -> tuple[str, str]:
    """(subject, reason) of a decision event, as the signed payload must state them."""
    if ev_type in ("gate.approved", "gate.rejected"):
        return f"phase {p.get('phase')}", str(p.get("reason") or "")
    if ev_type == "step.confirmed":
        return f"step {p.get('step')} {p.get('as', 'done')}", str(p.get("note") or "")
    if ev_type == "rollback.confirmed":
        return f"rollback level {p.get('level')}", str(p.get("reason") or "")
    if ev_type == "step.resolved":
        return f"step {p.get('step')} {p.get('as')}", str(p.get("reason") or "")
    if ev_type == "run.taken_over":  # the person vouches for the runner key that seals the log from here on
        key = p.get("runner_key")
        return (f"run, runner key {_fingerprint_or_text(str(key))}" if key else "run"), str(p.get("reason") or "")
    if ev_type == "rollback.requested":
        level = p.get("level")
        return ("run" if level is None else f"rollback level {level}"), str(p.get("reason") or "")
    return "run", str(p.get("reason") or "")


def _fingerprint_or_text(key: str) -> str:
    try:
        return fingerprint(key)
    except (IndexError, ValueError):
        return f"(not a key: {key[:40]!r})"


def payload_for(run_id: str, plan_sha256: str, decision: str, subject: str, reason: str, at: str,
                head_seq: int, head_hash: str, vouch: tuple[str, str] | None = None,
                binds: dict[str, str | None] | None = None) -> dict[str, Any]:
    """The signed payload; with `vouch` (person, how they were authenticated) a server's statement that it
    authenticated that person, who made this decision (signed in VOUCH_NAMESPACE). `binds` (the start only:
    start_binds) names what run.created records beside the signature, which head 0 cannot cover."""
    out: dict[str, Any] = {"v": 1, "ns": NAMESPACE, "run": run_id, "plan_sha256": plan_sha256,
                           "decision": decision, "subject": subject, "reason": reason, "at": at,
                           "head": {"seq": head_seq, "hash": head_hash}}
    if vouch is not None:
        out.update(ns=VOUCH_NAMESPACE, on_behalf_of=vouch[0], auth=vouch[1])
    if binds is not None:
        out["binds"] = binds
    return out


def start_binds(runner_key: str | None, signers_text: str | None) -> dict[str, str | None]:
    """What the initiator's start signature binds besides run and plan: the runner key that seals the log and the
    signers file the run judges decisions by. A start is signed at head 0, so without this a forger holding
    neither key could swap in their own runner key (or signers) in run.created, rewrite what the run did, re-sign
    every checkpoint and recompute every hash, and a run with no later signed decision would still verify."""
    import hashlib

    return {"runner_key": fingerprint(runner_key) if runner_key else None,
            "signers_sha256": hashlib.sha256(signers_text.encode()).hexdigest() if signers_text is not None
            else None}


def vouched_for(record: dict[str, Any]) -> tuple[str, str] | None:
    """(person, how authenticated) when a decision was signed by a server vouching for a person, else None."""
    signed = record.get("signed")
    if not isinstance(signed, dict) or signed.get("ns") != VOUCH_NAMESPACE:
        return None
    return str(signed.get("on_behalf_of") or ""), str(signed.get("auth") or "")


def who_and_where() -> dict[str, str]:
    """The operating-system user and host a decision was made from, recorded beside its signature."""
    import getpass  # (here: verifying, which every report does, needs neither this nor socket)
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry (containers)
        user = f"uid-{os.getuid()}"
    return {"os_user": user, "host": socket.gethostname()}


class SignedDecision(Struct, frozen=True):
    """What a signer produced: the payload and its signature. The web console builds one with the server's key."""

    payload: dict[str, Any]
    signature: Signature

    def record(self) -> dict[str, Any]:
        s = self.signature
        return {"signed": self.payload, "signature": {"key": s.key, "fingerprint": s.fingerprint,
                                                      "method": s.method, "sshsig": s.sshsig}}


def sign(signer: Signer, payload: dict[str, Any]) -> SignedDecision:
    ns = VOUCH_NAMESPACE if payload.get("ns") == VOUCH_NAMESPACE else NAMESPACE
    return SignedDecision(payload, signer.sign(canonical(payload), ns))


def verify_signature(message: bytes, armored: str, namespace: str) -> str:
    """The fingerprint of the key that made `armored` over `message`; raises ValueError if it does not verify."""
    try:
        outer = SshsigSignature.from_armored(armored)
        if is_ecdsa(outer):  # the sshsig library verifies Ed25519 and RSA only
            verify_ecdsa(message, outer, namespace)
            return fingerprint(outer.public_key)
        key = check_signature(message, armored, namespace)
    except Exception as exc:  # the library also asserts on malformed input: any failure is "does not verify"
        raise ValueError(f"signature does not verify ({exc})") from None
    return str(ssh_key_fingerprint_sha256_str(key))


def check(record: dict[str, Any], *, run_id: str, plan_sha256: str, decision: str, subject: str, reason: str,
          head_of: dict[int, str], min_head_seq: int, before_seq: int) -> str:
    """Check a recorded (or submitted) signed decision; returns the signing key's fingerprint, raises ValueError
    saying what is wrong. `head_of` maps seq -> hash of the log the decision belongs to."""
    signed = record.get("signed")
    sig = record.get("signature")
    if not isinstance(signed, dict) or not isinstance(sig, dict):
        raise ValueError("not signed")
    ns = VOUCH_NAMESPACE if signed.get("ns") == VOUCH_NAMESPACE else NAMESPACE  # the SSHSIG names it too
    fp = verify_signature(canonical(signed), str(sig.get("sshsig", "")), ns)
    if fp != sig.get("fingerprint"):
        raise ValueError(f"signed by {fp}, recorded as {sig.get('fingerprint')}")
    if signed.get("run") != run_id:
        raise ValueError(f"signed for run {signed.get('run')}, not {run_id}")
    if signed.get("plan_sha256") != plan_sha256:
        raise ValueError("signed for another plan (plan SHA-256 differs)")
    if signed.get("decision") != decision or signed.get("subject") != subject:
        raise ValueError(f"signed to {signed.get('decision')} {signed.get('subject')},"
                         f" recorded as {decision} {subject}")
    if signed.get("reason") != reason:
        raise ValueError("the recorded reason is not the one signed")
    head = signed.get("head") or {}
    hseq = head.get("seq")
    if not isinstance(hseq, int) or hseq >= before_seq or head_of.get(hseq) != head.get("hash"):
        raise ValueError(f"bound to a chain head (seq {hseq}) that this log does not have")
    if hseq < min_head_seq:
        raise ValueError(f"bound to an older chain head (seq {hseq}, the question was asked at seq {min_head_seq})")
    return fp


def context_seq(events: list[Any], ev_type: str, payload: dict[str, Any], before: int) -> int:
    """The earliest chain head a decision may be bound to: the gate's question for approve/reject (so a signature
    made for an earlier question of the same gate is stale), else the runner's latest start."""
    start = 1
    gate = ev_type in ("gate.approved", "gate.rejected")
    for ev in events:
        if ev.seq >= before:
            break
        if gate:
            if ev.type == "gate.waiting" and ev.payload.get("phase") == payload.get("phase"):
                start = ev.seq
        elif ev.type == "run.started":
            start = ev.seq
    return start
