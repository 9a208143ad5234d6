"""Commands by which people decide: approve, reject, confirm, resolve, rollback; and escalation ticks."""

from __future__ import annotations

import argparse
from typing import Any

from golive.cli.common import open_existing_store
from golive.masking import safe


def _decider(args: argparse.Namespace, store: Any) -> Any:
    """Who decides, and with which key: on a run with signers, ssh-agent first, then --key ($GOLIVE_KEY), and the
    name is the key's (--by only has to agree with it); without signers, the typed name, as before."""
    from pathlib import Path

    from golive.run.decisions import Decider
    from golive.run.start import whoami
    from golive.seal.keys import file_signer, load_signer
    from golive.seal.sealed import recorded_signers

    info = store.get_run(args.run)
    signers = recorded_signers(store.events(info.id)[0].payload)
    if signers is None:
        return Decider(name=whoami(args.by), signer=file_signer(Path(args.key)) if args.key else None)
    return Decider(name=args.by, signer=load_signer(args.key, signers.all_fingerprints()))


def _decision(args: argparse.Namespace, fn: Any, *extra: Any) -> int:
    store = open_existing_store(args)
    try:
        def who() -> Any:
            return _decider(args, store)

        print(safe(fn(store, args.run, *extra, who, args.reason) if not extra else
                   fn(store, args.run, *[who if x is _WHO else x for x in extra])))
        return 0
    finally:
        store.close()


_WHO = object()  # where the decider goes in a decision function's arguments


def cmd_approve(args: argparse.Namespace) -> int:
    from golive.run.decisions import approve

    return _decision(args, approve)


def cmd_reject(args: argparse.Namespace) -> int:
    from golive.run.decisions import reject

    return _decision(args, reject)


def _then_how_it_goes_on(fn: Any) -> Any:
    """A confirmation from another shell, like an approval, moves only a run some golive drives: say whether one
    does or `golive resume` is needed (the terminal checklist calls `confirm` itself, without this)."""
    from golive.run.decisions import carry_on

    def decide(store: Any, run_id: str, *rest: Any) -> str:
        said = str(fn(store, run_id, *rest))
        return said + carry_on(store, store.get_run(run_id).id)

    return decide


def cmd_confirm(args: argparse.Namespace) -> int:
    from golive.errors import UsageError
    from golive.run.decisions import confirm as confirm_one
    from golive.run.decisions import confirm_phase as confirm_all

    confirm, confirm_phase = _then_how_it_goes_on(confirm_one), _then_how_it_goes_on(confirm_all)

    if args.phase is not None:
        if args.step is not None or args.failed:
            raise UsageError("--phase confirms every open item of a phase: give no step and no --failed")
        return _decision(args, confirm_phase, args.phase, _WHO, args.reason)
    if args.step is None:
        raise UsageError("name a step (2.3, its name, or 'rollback') or --phase N")
    return _decision(args, confirm, args.step, _WHO, args.reason, args.failed)


def cmd_resolve(args: argparse.Namespace) -> int:
    from golive.run.decisions import resolve

    return _decision(args, resolve, args.step, args.as_, _WHO, args.reason)


def cmd_rollback(args: argparse.Namespace) -> int:
    from golive.run.decisions import request_rollback

    return _decision(args, request_rollback, _WHO, args.reason, args.level)


def cmd_notify_tick(args: argparse.Namespace) -> int:
    from golive.core.clock import SystemClock
    from golive.notify import escalate_runs

    store = open_existing_store(args)
    try:
        told = escalate_runs(store, SystemClock(), args.run)
    finally:
        store.close()
    for run_id, levels in told.items():
        if levels:
            print(f"{run_id}: escalated to level(s) {', '.join(str(lv) for lv in levels)}")
    return 0
