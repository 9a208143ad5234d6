"""Starting a run: the plan, its vars and who starts it, recorded in run.created before anything runs, with the
service/environment lock and the plan's host locks taken first, so a refused start leaves nothing behind.

What makes the run's evidence checkable is recorded here too: the plan's text and hash, the signers file it
starts with, and the initiator's signature over the start (or the web console's, vouching for the person it
authenticated)."""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import secrets
from collections.abc import Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from golive import __version__
from golive.core.clock import Clock
from golive.core.events import RunCreated, body
from golive.engine.rollback import preview
from golive.errors import UsageError, WindowClosed
from golive.masking import Masker
from golive.plan.model import Plan
from golive.plan.vars import resolve_vars
from golive.plan.window import Interval, resolve
from golive.seal.keys import Signer
from golive.store.base import RunInfo, Store

if TYPE_CHECKING:
    from golive.run.locks import LockContext
    from golive.seal.sealed import Voucher

# golive.run.locks (host lock files, the lock models, hostlock's SSH side) is imported by plans that take locks.


def whoami(explicit: str | None = None) -> str:
    """Identity for records: --as/--by, else $GOLIVE_USER, else the login name."""
    from golive.seal.sealed import plain_name

    if explicit:
        return plain_name(explicit.strip())
    env = os.environ.get("GOLIVE_USER", "").strip()
    if env:
        return plain_name(env)
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return f"uid-{os.getuid()}"


#: How the web console hands the run it starts the person it authenticated: JSON with the server key's path, the
#: person, how they logged in and from where. `golive run` takes it out of its environment before anything else, so
#: no step sees it; the server key's signature is what counts (`golive audit verify` checks it against the signers).
WEB_VOUCH_ENV = "GOLIVE_WEB_VOUCH"


def web_vouch_env(key_path: Path, person: str, auth: str, where: Mapping[str, str]) -> dict[str, str]:
    return {WEB_VOUCH_ENV: json.dumps({"key": str(key_path), "person": person, "auth": auth, "where": dict(where)})}


def take_web_voucher(environ: MutableMapping[str, str]) -> Voucher | None:
    """The console's voucher from `WEB_VOUCH_ENV`, removed from `environ`; None when there is none."""
    raw = environ.pop(WEB_VOUCH_ENV, None)
    if raw is None:
        return None
    from golive.seal.keys import file_signer
    from golive.seal.sealed import Voucher

    try:
        data = json.loads(raw)
        key, person, auth = str(data["key"]), str(data["person"]), str(data["auth"])
        where = {str(k): str(v) for k, v in dict(data.get("where") or {}).items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{WEB_VOUCH_ENV} is not what the web console writes ({type(exc).__name__})") from None
    return Voucher(file_signer(Path(key), method="server-key"), person, auth, where)


def new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def window_of(plan: Plan, now: datetime) -> Interval | None:
    if plan.window is None:
        return None
    w = plan.window
    return resolve(w.start, w.end, w.timezone, w.rollback_until, now, w.days)


def _opens(interval: Interval, now: datetime) -> str:
    """The day the window opens, said in words: a window limited to `days` may open days from now."""
    if now >= interval.start:
        return f" (it closed {interval.end:%A} {interval.end.isoformat()})"
    return f"; the window opens {interval.start:%A} {interval.start.isoformat()}"


class StartRequest(Struct):
    plan: Plan
    plan_path: Path
    plan_text: str
    initiator: str
    environ: Mapping[str, str]
    overrides: Mapping[str, str] | None = None
    force_reason: str | None = None
    dry_run: bool = False
    #: The initiator's key (ssh-agent or --key); required when the plan has signers.
    signer: Signer | None = None
    #: True when the initiator named themselves (--as): with signers, that name must be the key's.
    initiator_given: bool = False
    #: The web console starting the run for a person it authenticated (golive.seal.sealed.Voucher): its key signs
    #: the start on their behalf instead of a personal key (`WEB_VOUCH_ENV`).
    voucher: Voucher | None = None


class Started(Struct, frozen=True):
    """A created run and the vars resolved for it, which the same process hands on to `drive_run`
    (`DriveOptions.resolved`) instead of reading every secret a second time."""

    run_id: str
    plan: Plan
    vars: dict[str, str]
    masker: Masker


def start_run(req: StartRequest, store: Store, clock: Clock) -> str:
    """Create the run (taking the service/environment lock) and record what it will do, before doing any of it."""
    return create_run(req, store, clock).run_id


def create_run(req: StartRequest, store: Store, clock: Clock) -> Started:
    """`start_run`, also returning the resolved vars for driving the run in this process."""
    now = clock.now()
    interval = window_of(req.plan, now)
    forced: dict[str, Any] | None = None
    if interval is not None and not (interval.start <= now < interval.end):
        where = f"{interval.start.isoformat()} – {interval.end.isoformat()}"
        if req.force_reason is None and not req.dry_run:
            raise WindowClosed(f"now ({now.isoformat(timespec='seconds')}) is outside the deployment window {where}"
                               f"{_opens(interval, now)}; use --force --reason TEXT to start anyway (it is recorded)")
        if req.force_reason is not None:
            forced = {"by": req.initiator, "reason": req.force_reason, "window": where}
    if not req.dry_run:
        unfilled_deciders(req.plan)
    # Secrets are read now so a missing one stops the run before it changes anything.
    values, masker = resolve_vars(req.plan, req.environ, req.plan_path.parent, req.overrides,
                                  need_secrets=not req.dry_run)
    run_id = new_run_id(now)
    locks: LockContext | None = None
    if not req.dry_run:  # the host-wide service lock always (golive.run.host_lock), the plan's `locks:` too
        from golive.run.locks import LockContext, take_locks

        locks = LockContext(run_id, store_where(store), values, req.plan_path.parent, log=store)
        take_locks(req.plan, locks)  # before the run exists: a refused run leaves nothing behind
    try:
        _create(req, store, run_id, now, interval, forced, masker)
        if locks is not None:
            from golive.run.locks import record_notes

            record_notes(store, locks)
    except BaseException:
        if locks is not None:
            from golive.run.locks import release_locks

            release_locks(req.plan, locks, ended=True)
        raise
    if not req.dry_run:
        _forget_earlier(store, run_id, req, values)
    return Started(run_id, req.plan, values, masker)


def unfilled_deciders(plan: Plan) -> None:
    """A gate decided by a role that lists nobody (an imported runbook's Go/No-Go that names no one: `golive import`
    writes `Go/No-Go approver: []`): the run would stop there with nobody it could ask, after the changes before
    it. Refused before anything runs, saying which gates and what to write."""
    waiting = [(i, ph.name, ph.gate.approvals.role) for i, ph in enumerate(plan.phases, 1)
               if ph.gate.approvals is not None and ph.gate.approvals.role
               and not plan.approvers.get(ph.gate.approvals.role)]
    if waiting:
        gates = "; ".join(f"phase {i} '{name}' by '{role}'" for i, name, role in waiting)
        roles = ", ".join(dict.fromkeys(f"'{role}'" for _i, _n, role in waiting))
        raise UsageError(f"the Go/No-Go of {gates}: role {roles} lists nobody, so nobody could decide it; write"
                         " who decides under `approvers:` in the plan (e.g. `approvers: {"
                         f"{waiting[0][2]}: [Dana Roy]}}`), then start the run (a dry run needs no one)")


def _forget_earlier(store: Store, run_id: str, req: StartRequest, values: dict[str, str]) -> None:
    """A run of the service started: no level of the runs before it can be asked for any more, so the values their
    shell steps saved for later steps go (golive.run.carried_state); never a reason for the start to fail."""
    from golive.run.carried_state import forget_earlier, parents

    with contextlib.suppress(Exception):
        forget_earlier(store, store.get_run(run_id), parents(req.environ, values, req.plan))


def store_where(store: Store) -> str:
    """The run log's location as lock records name it: an absolute file path, or a URL without credentials."""
    path = getattr(store, "path", None)
    return str(Path(path).resolve()) if path is not None else str(getattr(store, "url", type(store).__name__))


def _create(req: StartRequest, store: Store, run_id: str, now: datetime, interval: Interval | None,
            forced: dict[str, Any] | None, masker: Masker) -> None:
    plan_sha256 = hashlib.sha256(req.plan_text.encode()).hexdigest()
    initiator, sealed = _seal_start(req, run_id, plan_sha256, now)
    store.create_run(RunInfo(
        id=run_id, service=req.plan.service, environment=req.plan.environment, plan_name=req.plan.name,
        plan_path=str(req.plan_path), initiator=initiator, created_at=now.isoformat(), status="created",
        active=True,
    ), body(
        RunCreated,
        plan=req.plan.model_dump(mode="json", by_alias=True, exclude_none=True),
        plan_path=str(req.plan_path),
        plan_sha256=plan_sha256,
        plan_text=req.plan_text,
        initiator=initiator,
        service=req.plan.service,
        environment=req.plan.environment,
        version=req.plan.version.model_dump(by_alias=True) if req.plan.version else None,
        window=None if interval is None else {
            "start": interval.start.isoformat(), "end": interval.end.isoformat(),
            "rollback_until": interval.rollback_until.isoformat() if interval.rollback_until else None},
        forced=forced,
        rollback_plan=[p.raw() for p in preview(req.plan)],
        dry_run=req.dry_run,
        golive_version=__version__,
        overrides=sorted((req.overrides or {}).keys()),
        override_values=recordable_overrides(req.overrides),
        change_evidence=_change_evidence(req, masker),
        **sealed,
    ))


def _seal_start(req: StartRequest, run_id: str, plan_sha256: str, now: datetime) -> tuple[str, dict[str, Any]]:
    """The initiator's name and what run.created records to make the run's evidence checkable: the signers file
    it starts with, the initiator's signature over the start, and the runner's public key for its checkpoints."""
    if req.dry_run:
        return req.initiator, {}
    from golive.seal.keys import runner_signer
    from golive.seal.sealed import sign_start
    from golive.seal.signers import signers_for_plan

    runner_key = runner_signer().public_line
    out: dict[str, Any] = {"runner_key": runner_key}
    signers = signers_for_plan(req.plan.signers, req.plan_path.parent, req.environ)
    if req.voucher is not None and signers is None:
        from golive.seal.sealed import vouch_start

        name, out["initiator_signature"] = vouch_start(req.voucher, None, run_id, plan_sha256,
                                                       req.force_reason or "", now, runner_key)
        return name, out
    if signers is None:
        if req.signer is not None:
            from golive.seal.decision import payload_for, sign, start_binds, who_and_where

            signed = sign(req.signer, payload_for(run_id, plan_sha256, "start", "run", req.force_reason or "",
                                                  now.isoformat(timespec="seconds"), 0, "0" * 64,
                                                  binds=start_binds(runner_key, None)))
            out["initiator_signature"] = {**who_and_where(), **signed.record()}
        return req.initiator, out
    keyless = [f"{name} ({role})" for role, people in req.plan.approvers.items() for name in people
               if not signers.keys_of(name)]
    if keyless:
        raise UsageError(f"{signers.source}: no key for {', '.join(keyless)}; every approver needs one"
                         " (golive lint shows where)")
    if req.voucher is not None:
        from golive.seal.sealed import vouch_start

        name, record = vouch_start(req.voucher, signers, run_id, plan_sha256, req.force_reason or "", now,
                                   runner_key)
    elif req.signer is None:
        raise UsageError(f"this plan's decisions are signed ({signers.source}): load your key into ssh-agent"
                         " (ssh-add) or pass --key PATH to start it")
    else:
        name, record = sign_start(req.signer, signers, run_id, plan_sha256,
                                  req.initiator if req.initiator_given else None, req.force_reason or "", now,
                                  runner_key)
    out["signers"] = {"source": signers.source, "sha256": signers.sha256, "text": signers.text}
    out["initiator_signature"] = record
    return name, out


def recordable_overrides(overrides: Mapping[str, str] | None) -> dict[str, str | None]:
    """`--var` values as the run keeps them, so `resume` (and its rollback) uses the same ones; a value holding a
    password (`scheme://user:pw@`, `password=`) is not written: None, and resume asks for it again."""
    from golive.masking import redact

    return {k: (v if redact(v) == v else None) for k, v in sorted((overrides or {}).items())}


def _change_evidence(req: StartRequest, masker: Masker) -> dict[str, Any] | None:
    """The change record's testing files hashed as they are now; best effort, never a reason to stop."""
    if req.plan.change is None:
        return None
    from golive.plan.compliance import change_evidence

    return change_evidence(req.plan, req.plan_path.parent, masker)
