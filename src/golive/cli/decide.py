"""Commands by which people decide: approve, reject, confirm, resolve, rollback; and escalation ticks."""

from __future__ import annotations

import argparse
from typing import Any

from golive.cli.common import open_existing_store
from golive.masking import safe


def _decision(args: argparse.Namespace, fn: Any, *extra: Any) -> int:
    from golive.run.runner import whoami

    store = open_existing_store(args)
    try:
        print(safe(fn(store, args.run, *extra, whoami(args.by), args.reason) if not extra else
                   fn(store, args.run, *extra)))
        return 0
    finally:
        store.close()


def cmd_approve(args: argparse.Namespace) -> int:
    from golive.run.decisions import approve

    return _decision(args, approve)


def cmd_reject(args: argparse.Namespace) -> int:
    from golive.run.decisions import reject

    return _decision(args, reject)


def cmd_confirm(args: argparse.Namespace) -> int:
    from golive.errors import UsageError
    from golive.run.decisions import confirm, confirm_phase
    from golive.run.runner import whoami

    if args.phase is not None:
        if args.step is not None or args.failed:
            raise UsageError("--phase confirms every open item of a phase: give no step and no --failed")
        return _decision(args, confirm_phase, args.phase, whoami(args.by), args.reason)
    if args.step is None:
        raise UsageError("name a step (2.3, its name, or 'rollback') or --phase N")
    return _decision(args, confirm, args.step, whoami(args.by), args.reason, args.failed)


def cmd_resolve(args: argparse.Namespace) -> int:
    from golive.run.decisions import resolve
    from golive.run.runner import whoami

    return _decision(args, resolve, args.step, args.as_, whoami(args.by), args.reason)


def cmd_rollback(args: argparse.Namespace) -> int:
    from golive.run.decisions import request_rollback
    from golive.run.runner import whoami

    return _decision(args, request_rollback, whoami(args.by), args.reason, args.level)


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
