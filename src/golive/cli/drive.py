"""Commands that drive a run: `run` starts one, `resume` continues one; both print its events as they happen."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golive.cli.common import (
    on_terminal,
    open_existing_store,
    open_store_of,
    parse_vars,
    read_plan,
    report_dir,
    store_path,
)
from golive.errors import ExitCode, UsageError
from golive.masking import safe

if TYPE_CHECKING:
    from golive.run.start import Started


def drive(args: argparse.Namespace, store: Any, run_id: str, dry: bool = False,
          started: Started | None = None) -> int:
    from golive import interrupts
    from golive.cli.printers import LivePrinter, PlainPrinter, detach_stdout
    from golive.core.clock import SystemClock
    from golive.core.step import StepContext  # noqa: F401 - keeps import errors out of the run loop
    from golive.engine.executor import DEFAULT_WAIT_TIMEOUT, EngineOptions
    from golive.run.runner import DriveOptions, drive_run, load_state
    from golive.run.start import whoami

    interactive = on_terminal() and not args.json
    wait = args.wait if args.wait is not None else interactive
    state = load_state(store, run_id)
    skip = state.last_seq if getattr(args, "quiet_history", False) else 0
    # SIGTERM/SIGHUP/SIGINT stop the step's processes, are recorded, and leave the run resumable
    with interrupts.handling():
        with ExitStack() as stack:
            if interactive:
                window = state.created.window if state.created is not None else None
                end = datetime.fromisoformat(window.end) if window is not None and window.end else None
                listener: Any = stack.enter_context(LivePrinter(end, skip_until=skip))
            else:
                listener = PlainPrinter(as_json=args.json, skip_until=skip)

            @contextlib.contextmanager
            def paused() -> Iterator[None]:
                """The live display steps aside while a person reads and types."""
                listener_live = getattr(listener, "live", None)
                if listener_live is not None:
                    listener_live.stop()
                try:
                    yield
                finally:
                    if listener_live is not None:
                        listener_live.start()

            checklist = None
            if interactive:
                from golive.cli.checklist import make_checklist

                items = make_checklist(store, run_id, _terminal_decider(args, store, run_id), input,
                                       lambda text: print(text, flush=True))

                def checklist(phase: int, first: str) -> None:
                    with paused():
                        items(phase, first)

            wait_timeout = DEFAULT_WAIT_TIMEOUT if args.wait_timeout is None else args.wait_timeout
            opts = DriveOptions(
                environ=os.environ, overrides=parse_vars(getattr(args, "var", []) or []),
                options=EngineOptions(interactive=interactive, wait=wait, dry_run=dry, workdir=Path.cwd(),
                                      poll_interval=args.poll, wait_timeout=wait_timeout),
                listener=listener, checklist=checklist,
                notify=not dry, report_dir=None if dry else report_dir(args), resolved=started,
                take_over=bool(getattr(args, "take_over", False)), by=whoami(getattr(args, "by", None)),
            )
            if opts.take_over:
                opts.decider, opts.reason = _take_over_decider(args, store, run_id)
            try:
                code = drive_run(store, run_id, SystemClock(), opts)
            except interrupts.Interrupted as stop:
                with contextlib.suppress(OSError):
                    print(f"golive: stopped by {stop.name}; run {run_id} can be continued with: golive resume"
                          f" {run_id}", file=sys.stderr)
                return stop.exit_code
        try:
            _summary(store, run_id, code, args, dry)
        except OSError:  # nobody reads standard output any more (`| head`, a closed terminal): the run still counts
            detach_stdout()
    return code


def _terminal_decider(args: argparse.Namespace, store: Any, run_id: str) -> Callable[[], Any]:
    """Who answers the checklist at this terminal, and with which key: the person driving the run (`--as` of run,
    `--by` of resume), signing as `golive confirm` would on a run with signers."""
    def decider() -> Any:
        from golive.run.decisions import Decider
        from golive.run.start import whoami
        from golive.seal.keys import file_signer, load_signer
        from golive.seal.sealed import recorded_signers

        name = getattr(args, "as_", None) or getattr(args, "by", None)
        key = getattr(args, "key", None)
        signers = recorded_signers(store.events(run_id)[0].payload)
        if signers is None:
            return Decider(name=whoami(name), signer=file_signer(Path(key)) if key else None)
        return Decider(name=name, signer=load_signer(key, signers.all_fingerprints()))

    return decider


def _summary(store: Any, run_id: str, code: int, args: argparse.Namespace, dry: bool = False) -> None:
    if args.json:
        return
    from golive.engine.state import hint as waiting_hint
    from golive.run.runner import load_state

    st = load_state(store, run_id)
    where = store_path(args)
    if code == ExitCode.WAITING:
        hint = waiting_hint(st.waiting or st.attention)
        print(safe(f"run {run_id} is {st.status}: {hint}".rstrip(": ")))
        print(f"continue with: golive resume {run_id}")
    else:
        print(f"run {run_id}: {st.status}")
    if dry:  # kept in memory only: naming the log (or `golive log`) would send the reader after a run that is not there
        print("dry run: nothing was executed and nothing was recorded (no run log, no report)")
        return
    print(f"run log: {where} (golive log {run_id}; golive audit verify {run_id})")
    reports = report_dir(args) / f"{run_id}.html"
    if reports.exists():  # written at the end or at a wait; the reader should not have to guess the directory
        print(f"report: {reports} (also .md, .json; again any time: golive report {run_id})")


def _take_over_decider(args: argparse.Namespace, store: Any, run_id: str) -> tuple[Any, str]:
    """Who takes the run over, as `golive approve` decides who approves: on a run with signers the key's person
    (ssh-agent, then --key), and a reason is required; without, the typed name."""
    from golive.cli.decide import _decider
    from golive.seal.sealed import recorded_signers

    reason = (args.reason or "").strip()
    if not reason and recorded_signers(store.events(run_id)[0].payload) is not None:
        raise UsageError("--reason is required to take over a run with signers (it is signed and recorded)")
    return _decider(args, store), reason


def _start_signer(args: argparse.Namespace, plan: Any) -> Any:
    from golive.seal.keys import file_signer, load_signer
    from golive.seal.signers import signers_for_plan

    signers = signers_for_plan(plan.signers, Path(args.file).resolve().parent)
    if signers is None:
        return file_signer(Path(args.key)) if args.key else None
    return load_signer(args.key, signers.all_fingerprints())


def cmd_run(args: argparse.Namespace) -> int:
    from golive.core.clock import SystemClock
    from golive.run.start import StartRequest, create_run, take_web_voucher, whoami

    voucher = take_web_voucher(os.environ)  # the web console starting it for a person: never seen by a step
    plan, text = read_plan(args.file)
    if args.force and not args.reason:
        raise UsageError("--force needs --reason TEXT (it is recorded in the run log)")
    if voucher is not None and args.as_ is not None:
        raise UsageError("--as: a run the web console starts is started by the person it vouches for")
    req = StartRequest(plan=plan, plan_path=Path(args.file).resolve(), plan_text=text,
                       initiator=voucher.person if voucher else whoami(args.as_), environ=os.environ,
                       overrides=parse_vars(args.var or []),
                       force_reason=args.reason if args.force else None, dry_run=args.dry_run,
                       signer=None if args.dry_run or voucher else _start_signer(args, plan),
                       initiator_given=args.as_ is not None, voucher=voucher)
    if args.dry_run:
        from golive.store.memory import MemoryStore

        store: Any = MemoryStore()
        started = create_run(req, store, SystemClock())
        return drive(args, store, started.run_id, dry=True, started=started)
    store = open_store_of(args)
    try:
        started = create_run(req, store, SystemClock())
        return drive(args, store, started.run_id, started=started)
    finally:
        store.close()


def cmd_resume(args: argparse.Namespace) -> int:
    store = open_existing_store(args)
    try:
        info = store.get_run(args.run)
        args.quiet_history = True
        return drive(args, store, info.id)
    finally:
        store.close()
