"""`golive audit verify`: every hash, every runner checkpoint, every signed decision; who signed what; the first
seq that fails. Hashes are checked in-process for every event; signatures only where there are any (the start,
the decisions, the checkpoints), which keeps a 10,000-event run well under a second.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from msgspec import Struct, field

from golive.errors import UsageError
from golive.masking import safe
from golive.seal.checkpoint import CHECKPOINT, GENESIS, body_of, digest_of
from golive.seal.decision import DECISION_EVENTS, canonical, check, subject_of, verify_signature, vouched_for
from golive.seal.keys import NAMESPACE, RUNNER_NAMESPACE, VOUCH_NAMESPACE, fingerprint
from golive.seal.sealed import initiator_key, initiators, recorded_signers
from golive.seal.signers import AllowedSigners
from golive.seal.vouch import key_fingerprint
from golive.seal.vouch import verify as verify_seal
from golive.store.base import Event
from golive.store.chain import verify_chain


class Signed(Struct):
    """One decision as the report and `audit verify` show it."""

    seq: int
    decision: str
    subject: str
    name: str
    fingerprint: str
    method: str
    verified: bool
    problem: str = ""
    os_user: str = ""
    host: str = ""
    #: Signed by a server's key on behalf of the person (the web console), not by the person's own key.
    vouched: bool = False


class Audit(Struct):
    run_id: str
    events: int = 0
    head: str = ""
    failure: str | None = None  # "seq N: what"
    decisions: list[Signed] = field(default_factory=list)
    checkpoints: int = 0
    sealed_through: int = 0
    runner_key: str = ""
    #: The runner keys that sealed the log, in order: the run's own, then each one a take-over vouched for.
    runner_keys: list[str] = field(default_factory=list)
    runner_trusted: bool = False
    authenticated: bool = False
    #: The keys were checked against the signers file the log itself records, not one the auditor gave
    #: (`--signers`): whoever wrote the log chose it, so a log made from scratch with its writer's own keys
    #: (listed as "alice" and "bob") verifies as well. Only a trusted file says whose keys signed.
    own_signers: bool = False
    finished: bool = False
    #: The run ended and everything verifies, but its final seal is missing: the runner died between the end and
    #: the seal, or the seal was cut off; `golive resume` seals it late (a later checkpoint than any held outside).
    unsealed_end: bool = False
    #: `decision.vouched` events (the web console's seals of what it did for a person), each checked.
    seals: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def first_bad_seq(self) -> int | None:
        m = re.match(r"seq (\d+)", self.failure or "")
        return int(m.group(1)) if m else None

    def fail(self, seq: int, message: str) -> None:
        if self.failure is None:
            self.failure = f"seq {seq}: {message}"


def _decision(audit: Audit, ev: Event, min_head_seq: int, created: dict[str, Any], signers: AllowedSigners | None,
              head_of: dict[int, str]) -> None:
    p = ev.payload
    decision = DECISION_EVENTS[ev.type]
    subject, reason = subject_of(ev.type, p)
    sig = p.get("signature") if isinstance(p.get("signature"), dict) else None
    row = Signed(ev.seq, decision, subject, str(p.get("by", "")), "", "unauthenticated", False,
                 os_user=str(p.get("os_user", "")), host=str(p.get("host", "")))
    audit.decisions.append(row)
    if sig is None:
        if signers is not None:
            row.problem = "not signed"
            audit.fail(ev.seq, f"{decision} {subject} by {row.name} is not signed, and the run takes only signed"
                               " decisions")
        return
    row.fingerprint, row.method = str(sig.get("fingerprint", "")), f"SSH signature ({sig.get('method', '?')})"
    vouched = vouched_for(p)
    if vouched is not None:
        row.method = f"vouched by server {row.fingerprint} for {vouched[0]} ({vouched[1]})"
        row.vouched = True
    try:
        fp = check(p, run_id=audit.run_id, plan_sha256=str(created.get("plan_sha256", "")), decision=decision,
                   subject=subject, reason=reason, head_of=head_of,
                   min_head_seq=min_head_seq, before_seq=ev.seq)
        if vouched is not None and vouched[0].casefold() != row.name.casefold():
            raise ValueError(f"recorded as {row.name}, but the server vouched for {vouched[0]}")
        if signers is not None:
            _by_the_rules(ev, row.name, fp, vouched is not None, created, signers)
        row.verified = True
    except ValueError as exc:
        row.problem = str(exc)
        audit.fail(ev.seq, f"{decision} {subject} by {row.name}: {exc}")


def _by_the_rules(ev: Event, name: str, fp: str, vouched: bool, created: dict[str, Any],
                  signers: AllowedSigners) -> None:
    """What `authenticate` checked when the decision was taken, checked again from the log alone."""
    if vouched:
        if not signers.vouchers_of(fp):
            raise ValueError(f"key {fp} is not listed in the signers file to vouch for people")
        people = signers.aliases(name)
    else:
        names = signers.names_of(fp)
        if not names:
            raise ValueError(f"key {fp} is not in the signers file")
        if name.casefold() not in {n.casefold() for n in names}:
            raise ValueError(f"recorded as {name}, but the key belongs to {', '.join(names)}")
        people = {n.casefold() for n in names}
    plan = created.get("plan") or {}
    role = ev.payload.get("role")
    holders = (plan.get("approvers") or {}).get(role or "", []) if ev.type == "gate.approved" else []
    if holders and name.casefold() not in {str(n).casefold() for n in holders}:
        raise ValueError(f"{name} does not hold role '{role}'")
    if ev.type == "gate.approved" and plan.get("separation_of_duties"):
        if fp == initiator_key(created):
            raise ValueError("approved with the initiator's key (separation of duties)")
        if people & initiators(created, signers):
            raise ValueError(f"{name} started the run (separation of duties)")


def _start(audit: Audit, created: dict[str, Any], signers: AllowedSigners | None) -> None:
    rec = created.get("initiator_signature")
    name = str(created.get("initiator", ""))
    row = Signed(1, "start", "run", name, "", "unauthenticated", False)
    audit.decisions.append(row)
    if not isinstance(rec, dict):
        if signers is not None:
            row.problem = "not signed"
            audit.fail(1, "the run's start is not signed, though it has a signers file")
        return
    sig = rec.get("signature") or {}
    row.fingerprint, row.method = str(sig.get("fingerprint", "")), f"SSH signature ({sig.get('method', '?')})"
    row.os_user, row.host = str(rec.get("os_user", "")), str(rec.get("host", ""))
    signed = rec.get("signed") or {}
    vouched = vouched_for(rec)  # the web console started it for a person it authenticated
    if vouched is not None:
        row.method = f"vouched by server {row.fingerprint} for {vouched[0]} ({vouched[1]})"
        row.vouched = True
    try:
        fp = verify_signature(canonical(signed), str(sig.get("sshsig", "")),
                              VOUCH_NAMESPACE if vouched is not None else NAMESPACE)
        if fp != row.fingerprint:
            raise ValueError("signed by another key than recorded")
        if signed.get("run") != audit.run_id or signed.get("plan_sha256") != created.get("plan_sha256") \
                or signed.get("decision") != "start":
            raise ValueError("signed for another run or plan")
        if vouched is not None:
            if vouched[0].casefold() != name.casefold():
                raise ValueError(f"recorded as started by {name}, but the server vouched for {vouched[0]}")
            if signers is not None and not signers.vouchers_of(fp):
                raise ValueError(f"key {fp} is not listed in the signers file to vouch for people")
        elif signers is not None and name.casefold() not in {n.casefold() for n in signers.names_of(fp)}:
            raise ValueError(f"the key does not belong to {name}")
        _bound_by_start(audit, signed, created)
        row.verified = True
    except ValueError as exc:
        row.problem = str(exc)
        audit.fail(1, f"start by {name}: {exc}")


def _bound_by_start(audit: Audit, signed: dict[str, Any], created: dict[str, Any]) -> None:
    """The runner key and signers file run.created records must be the ones the initiator signed (start_binds):
    head 0 covers neither, and a swap of either lets a forger re-seal a rewritten log."""
    binds = signed.get("binds")
    runner_key = str(created.get("runner_key") or "")
    if not isinstance(binds, dict):
        if runner_key:
            audit.warnings.append("the start's signature does not bind the runner key or the signers file (a run"
                                  " from before golive signed them): only a checkpoint held outside the log shows"
                                  " a swapped runner key")
        return
    recorded = fingerprint(runner_key) if runner_key else None
    if binds.get("runner_key") != recorded:
        raise ValueError(f"the initiator signed for runner key {binds.get('runner_key')}, but run.created names"
                         f" {recorded}: the runner key was swapped")
    rec = created.get("signers")
    text = rec.get("text") if isinstance(rec, dict) else None
    if binds.get("signers_sha256") != (hashlib.sha256(str(text).encode()).hexdigest() if text is not None else None):
        raise ValueError("the initiator signed for another signers file than run.created records: it was swapped")


def _seal(audit: Audit, ev: Event, by_seq: dict[int, Event]) -> None:
    """The console's seal: signed by the key it names, over an event still in the log as it was, and, when that
    event is a signed decision, by the same key as the decision and for the same person (a seal moved
    onto a person's own signed decision claims a login that never happened). Unsigned decisions are left as they
    are: logs from before the console signed its starts seal those. Checkpoints alone would catch an edited seal
    only once a later checkpoint covers it."""
    p = ev.payload
    seals = p.get("seals") or {}
    at = seals.get("seq")
    sealed = by_seq.get(at) if isinstance(at, int) and at < ev.seq else None
    row = next((d for d in audit.decisions if sealed is not None and d.seq == sealed.seq and d.fingerprint), None)
    if not verify_seal(audit.run_id, p):
        audit.fail(ev.seq, "the console's seal does not verify (edited, or not signed by the key it names)")
    elif sealed is None or sealed.hash != seals.get("hash") or sealed.type != seals.get("type"):
        audit.fail(ev.seq, f"the console's seal names seq {seals.get('seq')} ({seals.get('type')}), which the log"
                           " does not hold as sealed: moved, or the event was rewritten")
    elif row is not None and (row.fingerprint != key_fingerprint(str(p.get("key")))
                              or row.name.casefold() != str(p.get("by", "")).casefold()):
        audit.fail(ev.seq, f"the console's seal of seq {sealed.seq} is by another key or for another person than"
                           " the signed decision it seals")
    else:
        audit.seals += 1


def _checkpoint(audit: Audit, ev: Event, head_of: dict[int, str], prev: tuple[int, str], runner_fp: str) -> str:
    p = ev.payload
    body = body_of(p)
    covers = body.get("covers") or {}
    try:
        if digest_of(body) != p.get("digest"):
            raise ValueError("checkpoint digest does not match its content")
        fp = verify_signature(canonical(body), str(p.get("sshsig", "")), RUNNER_NAMESPACE)
        if fp != runner_fp:
            raise ValueError(f"checkpoint signed by {fp}, not the run's runner key {runner_fp}")
        if body.get("run") != audit.run_id:
            raise ValueError(f"checkpoint of run {body.get('run')}, copied into this one")
        if body.get("n") != prev[0] + 1 or body.get("prev") != prev[1]:
            raise ValueError(f"checkpoint {body.get('n')} does not follow checkpoint {prev[0]}")
        seq = covers.get("seq")
        if not isinstance(seq, int) or seq >= ev.seq or head_of.get(seq) != covers.get("hash"):
            raise ValueError(f"the chain head this checkpoint signed (seq {seq}) is not the one in the log:"
                             " history before it was rewritten")
        audit.sealed_through = seq
    except ValueError as exc:
        audit.fail(ev.seq, str(exc))
    return str(p.get("digest", ""))


def audit_events(run_id: str, events: list[Event], *, head_seq: int | None, head_hash: str | None,
                 trusted: AllowedSigners | None = None, witness: dict[str, Any] | None = None,
                 known_checkpoints: list[str] | None = None, live: bool = False,
                 index_status: str | None = None) -> Audit:
    audit = Audit(run_id, events=len(events), head=events[-1].hash if events else "")
    problem = verify_chain(events, head_seq, head_hash)
    if problem:
        audit.failure = problem
    current = 1
    try:
        if not events or events[0].type != "run.created":
            audit.fail(1, "the log does not start with run.created")
            return audit
        created = events[0].payload
        signers = trusted or recorded_signers(created)
        audit.authenticated = signers is not None
        audit.own_signers = trusted is None and signers is not None
        if trusted is not None and created.get("signers") and (created["signers"] or {}).get("text") != trusted.text:
            audit.warnings.append(f"the run started with another signers file than {trusted.source}")
        audit.runner_key = str(created.get("runner_key") or "")
        audit.runner_keys = [audit.runner_key] if audit.runner_key else []
        runner_fp = fingerprint(audit.runner_key) if audit.runner_key else ""
        head_of = {e.seq: e.hash for e in events}
        by_seq = {e.seq: e for e in events}
        _start(audit, created, signers)
        prev = (0, GENESIS)
        digests: dict[str, int] = {}
        asked: dict[Any, int] = {}  # phase -> seq of its latest gate question (what a gate decision may be bound to)
        started = 1  # seq of the runner's latest start (what other decisions may be bound to)
        for ev in events[1:]:
            current = ev.seq
            if ev.type == "gate.waiting":
                asked[ev.payload.get("phase")] = ev.seq
            elif ev.type == "run.started":
                started = ev.seq
            elif ev.type == CHECKPOINT:
                if not runner_fp:
                    audit.fail(ev.seq, "a checkpoint in a run that recorded no runner key")
                    continue
                digest = _checkpoint(audit, ev, head_of, prev, runner_fp)
                prev = (prev[0] + 1, digest)
                digests[digest] = ev.seq
                audit.checkpoints += 1
            elif ev.type in DECISION_EVENTS:
                gate = ev.type in ("gate.approved", "gate.rejected")
                floor = asked.get(ev.payload.get("phase"), 1) if gate else started
                _decision(audit, ev, floor, created, signers, head_of)
                handed = ev.payload.get("runner_key") if ev.type == "run.taken_over" else None
                if handed and (signers is None or audit.decisions[-1].verified):
                    runner_fp = fingerprint(str(handed))  # checkpoints from here on: the key the person vouched for
                    audit.runner_keys.append(str(handed))
            elif ev.type == "run.finished":
                audit.finished = True
            if ev.type == "rollback.requested":  # a further level after the end reopens the run (golive rollback)
                audit.finished = False
            elif ev.type == "decision.vouched":
                _seal(audit, ev, by_seq)
        audit.runner_trusted = bool(signers and audit.runner_keys
                                    and all(signers.has_key(fingerprint(k)) for k in audit.runner_keys))
        _tail(audit, events, runner_fp, digests, witness, known_checkpoints or [], live, index_status)
    except (ValueError, TypeError, KeyError, AttributeError, UsageError) as exc:  # an edit that breaks the form
        audit.fail(current, f"unreadable event ({type(exc).__name__}: {exc})")
    return audit


def _tail(audit: Audit, events: list[Event], runner_fp: str, digests: dict[str, int], witness: dict[str, Any] | None,
          known: list[str], live: bool, index_status: str | None) -> None:
    """Truncation: a chain cut back and re-headed is consistent by itself; what gives it away is a checkpoint kept
    outside the store (the witness file, a notification, a bundle) or a finished run with no final seal."""
    last = events[-1]
    if witness is not None and witness.get("run") == audit.run_id:
        seq = int(witness.get("seq", 0))
        if digests.get(str(witness.get("digest"))) != seq:
            audit.fail(min(seq, last.seq + 1), f"checkpoint {witness.get('n')} (held outside the store) is not in the"
                                               " log: the log was cut back or rewritten")
    for digest in known:
        if digest not in digests:
            audit.fail(last.seq + 1, f"checkpoint {digest[:16]}... (given) is not in the log")
    if not runner_fp:
        return  # a run from before checkpoints
    if audit.finished and not (last.type == CHECKPOINT and last.payload.get("why") == "end"):
        audit.unsealed_end = audit.failure is None
        audit.fail(last.seq, "the run ended but its log does not end with the runner's final checkpoint (if its"
                             f" runner died before sealing it: golive resume {audit.run_id})")
    elif not audit.finished and index_status in ("succeeded", "rolled-back"):
        audit.fail(last.seq + 1, f"the run index says {index_status} but the log has no end: truncated")
    elif last.type != CHECKPOINT and not live and audit.sealed_through < last.seq:
        audit.warnings.append(f"events after seq {audit.sealed_through} are not sealed by a checkpoint (the runner"
                              " stopped without sealing: a crash, or a decision since)")


def audit_run(store: Any, run_id: str, trusted: AllowedSigners | None = None,
              known_checkpoints: list[str] | None = None) -> Audit:
    """Audit a run in a store: a consistent read of index and log, plus the witness kept outside the store."""
    from golive.seal.checkpoint import read_witness
    from golive.store.owner import is_alive

    # the witness first: a runner appends its checkpoint and then writes the witness, so a witness read before the
    # log names only checkpoints already in it (read after, a concurrent resume's fresh seal looked like a cut)
    info = store.get_run(run_id)
    witness = read_witness(info.id)
    events = store.events(info.id)
    for _ in range(20):  # a live run may append between the two reads: take a consistent pair
        again = store.get_run(info.id)
        if again.head_seq == info.head_seq:
            break
        info, events = again, store.events(info.id)
    live = info.owner is not None and is_alive(info.owner)
    return audit_events(info.id, events, head_seq=info.head_seq, head_hash=info.head_hash, trusted=trusted,
                        witness=witness, known_checkpoints=known_checkpoints, live=live,
                        index_status=info.status)


def render(audit: Audit) -> str:
    """What `audit verify` prints: the verdict first (as before), then who signed what."""
    lines: list[str] = []
    if audit.failure:
        lines.append(f"run {safe(audit.run_id)}: audit chain BROKEN at {safe(audit.failure)}")
    else:
        lines.append(f"run {audit.run_id}: audit chain intact, {audit.events} events, head {audit.head}")
    if audit.runner_key:
        trust = "listed in the signers file" if audit.runner_trusted else "not in the signers file"
        trust = f"{trust} the log carries" if audit.own_signers else trust
        keys = ", then ".join(fingerprint(k) for k in audit.runner_keys) or fingerprint(audit.runner_key)
        lines.append(f"  sealed: {audit.checkpoints} runner checkpoint(s), through seq {audit.sealed_through};"
                     f" runner key {keys} ({trust})")
    lines.append("  decisions: " + ("approvals not authenticated (no signers file)" if not audit.authenticated
                                    else "signed, checked against the signers file the log itself carries: it"
                                    " proves who signed only if that file is your team's (check with --signers"
                                    " FILE; a log its writer made with their own keys verifies too)"
                                    if audit.own_signers else "signed, checked against the signers file"))
    if audit.seals:
        lines.append(f"  console seals: {audit.seals} (who logged in, how, from where), each verified")
    for d in audit.decisions:  # each field one line: a name or subject from the log must not forge a line
        mark = "✓" if d.verified else "✗"
        who = safe(f"{d.name} {d.fingerprint}".strip())
        extra = f" — {safe(d.problem)}" if d.problem else ""
        what = safe(f"{d.decision} {d.subject}")
        lines.append(f"    seq {d.seq:>4}  {what}: {who} [{safe(d.method)}] {mark}{extra}")
    lines.extend(f"  note: {safe(w)}" for w in audit.warnings)
    return "\n".join(lines) + "\n"
