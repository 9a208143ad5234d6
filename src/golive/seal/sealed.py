"""The rules for a person's decision on a run that started with signers: signed, by a key the file lists, in the
role, not the initiator's key, one count per key, bound to this run, plan, gate and head. A refusal is recorded.
Without signers the decision is taken on the typed name, as before (the report then says so).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

from msgspec import Struct

from golive.errors import DecisionRefused, UsageError
from golive.masking import safe
from golive.seal.decision import (
    DECISION_EVENTS,
    SignedDecision,
    check,
    context_seq,
    payload_for,
    sign,
    start_binds,
    subject_of,
    vouched_for,
    who_and_where,
)
from golive.seal.keys import VOUCH_NAMESPACE, Signer, fingerprint
from golive.seal.signers import AllowedSigners
from golive.store.base import Store


class Decider(Struct):
    """Who decides: the name typed (None: the name the key belongs to), and how the decision is signed: a signer
    to sign it now, or a decision signed elsewhere. `where` overrides the recorded OS user and host (the web
    console records the browser user's session instead of the server process)."""

    name: str | None = None
    signer: Signer | None = None
    signed: SignedDecision | None = None
    where: dict[str, str] | None = None
    #: How a server authenticated `name` when `signer` is that server's key vouching for them (the web console):
    #: the decision is then signed in VOUCH_NAMESPACE, on behalf of `name`.
    vouch: str | None = None


def recorded_signers(created: dict[str, Any]) -> AllowedSigners | None:
    rec = created.get("signers")
    if not isinstance(rec, dict):
        return None
    return AllowedSigners.parse(str(rec.get("text", "")), str(rec.get("source", "signers")))


def initiator_key(created: dict[str, Any]) -> str | None:
    """The fingerprint of the initiator's own key; None when nobody's key signed the start, or when a server (the
    web console) vouched for the initiator: its key is not theirs, and the person is compared instead."""
    rec = created.get("initiator_signature") or {}
    if vouched_for(rec) is not None:
        return None
    sig = rec.get("signature") or {}
    fp = sig.get("fingerprint")
    return str(fp) if fp else None


def _in(name: str, names: list[str]) -> str | None:
    wanted = name.strip().casefold()
    return next((n for n in names if n.strip().casefold() == wanted), None)


def authenticate(store: Store, rid: str, state: Any, plan: Any, ev_type: str, payload: dict[str, Any],
                 who: Decider, role: str | None) -> tuple[str, dict[str, Any]]:
    """(the name to record, the fields to add to the event) or DecisionRefused (recorded when signers apply)."""
    if who.name is not None:
        plain_name(who.name)
    events = store.events(rid)
    created = events[0].payload
    signers = recorded_signers(created)
    where = who.where or who_and_where()
    decision = DECISION_EVENTS[ev_type]
    subject, reason = subject_of(ev_type, payload)
    signed = who.signed
    if signed is None and who.signer is not None:
        head = events[-1]
        vouch = (who.name.strip(), who.vouch) if who.vouch and who.name else None
        signed = sign(who.signer, payload_for(rid, str(created.get("plan_sha256", "")), decision, subject, reason,
                                              datetime.now(UTC).isoformat(timespec="seconds"), head.seq, head.hash,
                                              vouch))
    if signers is None:
        if not who.name or not who.name.strip():
            raise UsageError("--by is required (it goes into the audit log)")
        return who.name.strip(), {**where, **(signed.record() if signed else {})}

    def refuse(why: str, fp: str | None = None) -> NoReturn:
        store.append(rid, "decision.refused", {"decision": decision, "subject": subject, "claimed_by": who.name,
                                               "fingerprint": fp, "why": why, **where})
        raise DecisionRefused(why)

    if signed is None:
        refuse(f"run {rid} takes only signed decisions ({signers.source}): load your key into ssh-agent"
               " (ssh-add) or pass --key PATH")
    record = signed.record()
    try:
        fp = check(record, run_id=rid, plan_sha256=str(created.get("plan_sha256", "")), decision=decision,
                   subject=subject, reason=reason, head_of={e.seq: e.hash for e in events},
                   min_head_seq=context_seq(events, ev_type, payload, events[-1].seq + 1),
                   before_seq=events[-1].seq + 1)
    except ValueError as exc:
        refuse(f"signature refused: {exc}")
    vouched = vouched_for(record)
    if vouched is not None:
        if not signers.vouchers_of(fp):
            refuse(f"key {fp} is not listed in {signers.source} to vouch for people"
                   f' (namespaces="{VOUCH_NAMESPACE}")', fp)
        name = vouched[0]
        if not name or (who.name and _in(who.name, [name]) is None):
            refuse(f"the server vouched for {name or 'nobody'}, not {who.name}", fp)
        people = signers.aliases(name)
    else:
        names = signers.names_of(fp)
        if not names:
            refuse(f"key {fp} is not in the signers file {signers.source}", fp)
        if who.name and who.name.strip():
            found = _in(who.name, names)
            if found is None:
                refuse(f"the key {fp} belongs to {', '.join(names)}, not {who.name.strip()}", fp)
            name = found
        else:
            holders = plan.approvers.get(role or "", [])
            name = next((n for n in names if _in(n, holders)), names[0])
        people = {n.casefold() for n in names}
    if role and plan.approvers.get(role) and _in(name, plan.approvers[role]) is None:
        refuse(f"{name} (key {fp}) does not hold role '{role}' ({', '.join(plan.approvers[role])} do)", fp)
    if ev_type == "gate.approved":
        if plan.separation_of_duties and fp == initiator_key(created):
            refuse(f"separation of duties: key {fp} started run {rid} and cannot approve it, under any name", fp)
        if plan.separation_of_duties and people & initiators(created, signers):
            refuse(f"separation of duties: {name} started run {rid} and cannot approve it, however they sign in"
                   + (f" (vouched for by key {fp})" if vouched else ""), fp)
        phase = state.phase(int(payload["phase"]))
        if (vouched is None and fp in phase.approver_keys()) or people & approved_people(phase.approvals, signers):
            refuse(f"{name} (key {fp}) already approved phase {payload['phase']}; approvals count distinct keys"
                   " and people", fp)
    return name, {**where, **record}


def plain_name(name: str) -> str:
    """A person's name as typed (--by, --as, $GOLIVE_USER, the console's login): one line of printable text. A
    newline or an escape in it would forge lines where it is shown (`audit verify`, `log`, the reports), and
    escaping it there still records a name nobody can type back. The zero-width non-joiner and joiner are part of
    how Persian, Urdu, Kurdish or Hindi words are spelled, so they are kept where Unicode's rules for them allow
    them inside a word (`_joins`); anywhere else they are as invisible as any other format character."""
    import unicodedata

    hidden = [c for i, c in enumerate(name) if c != " " and unicodedata.category(c) in _INVISIBLE
              and not (c in _JOINERS and _joins(name, i))]
    if safe(name) != name or hidden:
        shown = "".join(f"\\u{ord(c):04x}" if c in hidden else c for c in safe(name))
        raise UsageError(f"a name is one line of printable text, not '{shown}'")
    return name


#: Unicode categories a typed name may not hold: controls, format characters (zero-width space and joiners, which
#: make "alice\u200b" a second person that prints as alice), separators other than a space, private and unassigned.
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}
#: ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER: spelling inside a word in several scripts (`_joins`).
_JOINERS = frozenset("\u200c\u200d")


def _joins(name: str, i: int) -> bool:
    """Whether the joiner at `name[i]` is spelling: inside a word (a letter or mark on each side, so never at the
    name's edge, next to a space or next to another invisible character) and where Unicode's contextual rule for
    it holds (RFC 5892 CONTEXTJ, as IDNA applies it to domain names: after a virama, or, for the non-joiner,
    between letters that join towards it, as in Persian "می\u200cخواهم"). Between Latin letters, which never join,
    it is refused: "al\u200cice" would print as alice and be a second person."""
    import unicodedata

    if i == 0 or i == len(name) - 1:
        return False
    if not all(unicodedata.category(c)[0] in "LM" for c in (name[i - 1], name[i + 1])):
        return False
    from idna.core import valid_contextj

    try:
        return bool(valid_contextj(name, i))
    except (ValueError, IndexError):
        return False


def initiators(created: dict[str, Any], signers: AllowedSigners) -> set[str]:
    """Every name the run's initiator goes by: the recorded name (the person a server vouched for, on a run the web
    console started), every name of the keys listed for that name, and every name of the key that started it."""
    out = signers.aliases(str(created.get("initiator", "")))
    fp = initiator_key(created)
    if fp:
        out.update(n.casefold() for n in signers.names_of(fp))
    return out


def approved_people(approvals: list[Any], signers: AllowedSigners) -> set[str]:
    """The people (casefolded names, with their keys' other names) who already approved: a person counts once,
    whether they signed with their key or a server vouched for them."""
    out: set[str] = set()
    for a in approvals:
        p = a.event.payload()
        vouched = vouched_for(p)
        fp = (p.get("signature") or {}).get("fingerprint")
        if vouched is not None:
            out.update(signers.aliases(vouched[0]))
        elif fp:
            out.update(n.casefold() for n in signers.names_of(str(fp)))
        else:
            out.add(str(p.get("by", "")).strip().casefold())
    return out


def sign_start(signer: Signer, signers: AllowedSigners, run_id: str, plan_sha256: str, claimed: str | None,
               reason: str, now: datetime, runner_key: str | None = None) -> tuple[str, dict[str, Any]]:
    """The initiator's signature over the start of a run, and the name it belongs to (refusing --as otherwise)."""
    names = signers.names_of(signer.fingerprint)
    if not names:
        raise DecisionRefused(f"your key {signer.fingerprint} is not in the signers file {signers.source}")
    name = names[0]
    if claimed:
        found = _in(claimed, names)
        if found is None:
            raise DecisionRefused(f"the key {signer.fingerprint} belongs to {', '.join(names)}, not {claimed};"
                                  " a run is started under the name its key belongs to")
        name = found
    signed = sign(signer, payload_for(run_id, plan_sha256, "start", "run", reason,
                                      now.isoformat(timespec="seconds"), 0, "0" * 64,
                                      binds=start_binds(runner_key, signers.text)))
    return name, {**who_and_where(), **signed.record()}


class Voucher(Struct, frozen=True):
    """A server (the web console) starting a run for a person it authenticated: its key signs the start in
    VOUCH_NAMESPACE, on behalf of `person`, as it signs the decisions taken in the browser."""

    signer: Signer
    person: str
    #: How the server authenticated the person (OIDC issuer and subject, local account, API token).
    auth: str
    #: Where the request came from (via, auth, source address, user agent), recorded beside the signature.
    where: dict[str, str]


def vouch_line(public_line: str) -> str:
    """The signers-file line that lets a server key vouch for people (a valid OpenSSH allowed_signers line)."""
    return f'golive-web namespaces="{VOUCH_NAMESPACE}" {public_line}'


def not_listed_to_vouch(public_line: str, source: str) -> str:
    return (f"this plan's decisions are signed ({source}) and the web console's key {fingerprint(public_line)} is"
            f" not listed there to vouch for people: add the line '{vouch_line(public_line)}' to {source}"
            " (the key is .golive/web/server-key.pub), or start the run with `golive run` and your own key")


def vouch_start(voucher: Voucher, signers: AllowedSigners | None, run_id: str, plan_sha256: str, reason: str,
                now: datetime, runner_key: str | None = None) -> tuple[str, dict[str, Any]]:
    """The server's signature over the start of a run on behalf of the person, and that person's name (the
    initiator). With signers, the server key must be listed there to vouch."""
    if signers is not None and not signers.vouchers_of(voucher.signer.fingerprint):
        raise DecisionRefused(not_listed_to_vouch(voucher.signer.public_line, signers.source))
    person = voucher.person.strip()
    if not person:
        raise UsageError("a vouched start names the person it vouches for")
    signed = sign(voucher.signer, payload_for(run_id, plan_sha256, "start", "run", reason,
                                              now.isoformat(timespec="seconds"), 0, "0" * 64,
                                              (person, voucher.auth),
                                              start_binds(runner_key, signers.text if signers else None)))
    return person, {**voucher.where, **signed.record()}
