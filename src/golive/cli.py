"""The `golive` command. Exit codes: 0 succeeded, 1 failed and rolled back, 2 bad input,
3 waiting for a person, 4 rollback failed (needs a human now), 70 internal error."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import traceback
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive import __version__
from golive.errors import ExitCode, GoliveError, PlanError, UsageError
from golive.masking import mask_known, safe

DEFAULT_STORE = Path(".golive") / "golive.db"


def _store_location(args: argparse.Namespace) -> str:
    return str(args.store or os.environ.get("GOLIVE_STORE") or DEFAULT_STORE)


def _store_path(args: argparse.Namespace) -> Path | str:
    """Where the log is, for messages (a PostgreSQL URL is shown without credentials)."""
    from golive.store.factory import is_url

    location = _store_location(args)
    if is_url(location):
        from golive.store.postgres import _redact

        return _redact(location)
    return Path(location)


def _open_store(args: argparse.Namespace) -> Any:
    from golive.store.factory import open_store

    return open_store(_store_location(args))


def _open_existing_store(args: argparse.Namespace) -> Any:
    path = _store_path(args)
    if isinstance(path, Path) and not path.exists():
        raise UsageError(f"no run log at {path} (run golive from the directory where the run started,"
                         " or pass --store)")
    return _open_store(args)


def _duration_arg(text: str) -> float:
    from golive.units import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parse_vars(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"--var expects NAME=VALUE, got '{pair}'")
        k, v = pair.split("=", 1)
        out[k.strip()] = v
    return out


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


def _read_plan(path: str) -> tuple[Any, str]:
    from golive.plan.loader import load_plan

    plan = load_plan(path)
    return plan, Path(path).read_text(encoding="utf-8")


# -- commands -------------------------------------------------------------------------------------

def cmd_plan_show(args: argparse.Namespace) -> int:
    from golive.planview import render_plan

    plan, _ = _read_plan(args.file)
    if args.json:
        from golive.engine.rollback import preview

        print(json.dumps({"plan": plan.model_dump(mode="json", by_alias=True, exclude_none=True),
                          "rollback_plan": preview(plan)}, indent=2))
    else:
        sys.stdout.write(render_plan(plan, datetime.now(UTC)))
    return 0


def cmd_plan_validate(args: argparse.Namespace) -> int:
    for f in args.files:
        _read_plan(f)
        print(f"{f}: ok")
    return 0


def _drive(args: argparse.Namespace, store: Any, run_id: str, dry: bool = False) -> int:
    from golive import interrupts
    from golive.engine.clock import SystemClock
    from golive.engine.executor import DEFAULT_WAIT_TIMEOUT, EngineOptions
    from golive.output import LivePrinter, PlainPrinter, detach_stdout
    from golive.runner import DriveOptions, drive_run, load_state, window_of
    from golive.steps.base import StepContext  # noqa: F401 - keeps import errors out of the run loop

    interactive = _interactive() and not args.json
    wait = args.wait if args.wait is not None else interactive
    state = load_state(store, run_id)
    skip = state.last_seq if getattr(args, "quiet_history", False) else 0
    with ExitStack() as stack:
        if interactive:
            from golive.runner import plan_of

            iv = window_of(plan_of(state), datetime.fromisoformat(state.created_at))
            listener: Any = stack.enter_context(LivePrinter(iv.end if iv else None, skip_until=skip))
        else:
            listener = PlainPrinter(as_json=args.json, skip_until=skip)

        def ask(question: str) -> str:
            listener_live = getattr(listener, "live", None)
            if listener_live is not None:
                listener_live.stop()
            try:
                return input(question)
            finally:
                if listener_live is not None:
                    listener_live.start()

        wait_timeout = DEFAULT_WAIT_TIMEOUT if args.wait_timeout is None else args.wait_timeout
        opts = DriveOptions(
            environ=os.environ, overrides=_parse_vars(getattr(args, "var", []) or []),
            options=EngineOptions(interactive=interactive, wait=wait, dry_run=dry, workdir=Path.cwd(),
                                  poll_interval=args.poll, wait_timeout=wait_timeout),
            listener=listener, ask=ask if interactive else None,
            notify=not dry, report_dir=None if dry else _report_dir(args),
        )
        with interrupts.handling():
            try:
                code = drive_run(store, run_id, SystemClock(), opts)
            except interrupts.Interrupted as stop:
                code = stop.exit_code
                with contextlib.suppress(OSError):
                    print(f"golive: stopped by {stop.name}; run {run_id} can be continued with: golive resume"
                          f" {run_id}", file=sys.stderr)
                return code
    try:
        _summary(store, run_id, code, args)
    except OSError:  # nobody reads standard output any more (`| head`, a closed terminal): the run still counts
        detach_stdout()
    return code


def _summary(store: Any, run_id: str, code: int, args: argparse.Namespace) -> None:
    if args.json:
        return
    from golive.runner import load_state

    st = load_state(store, run_id)
    where = _store_path(args)
    if code == ExitCode.WAITING:
        what = st.waiting or st.attention or {}
        hint = what.get("command") or what.get("reason") or what.get("message") or ""
        print(safe(f"run {run_id} is {st.status}: {hint}".rstrip(": ")))
        print(f"continue with: golive resume {run_id}")
    else:
        print(f"run {run_id}: {st.status}")
    print(f"run log: {where} (golive log {run_id}; golive audit verify {run_id})")


def _start_signer(args: argparse.Namespace, plan: Any) -> Any:
    from golive.seal.keys import file_signer, load_signer
    from golive.seal.signers import signers_for_plan

    signers = signers_for_plan(plan.signers, Path(args.file).resolve().parent)
    if signers is None:
        return file_signer(Path(args.key)) if args.key else None
    return load_signer(args.key, signers.all_fingerprints())


def cmd_run(args: argparse.Namespace) -> int:
    from golive.engine.clock import SystemClock
    from golive.runner import StartRequest, start_run, whoami

    plan, text = _read_plan(args.file)
    if args.force and not args.reason:
        raise UsageError("--force needs --reason TEXT (it is recorded in the run log)")
    req = StartRequest(plan=plan, plan_path=Path(args.file).resolve(), plan_text=text,
                       initiator=whoami(args.as_), environ=os.environ, overrides=_parse_vars(args.var or []),
                       force_reason=args.reason if args.force else None, dry_run=args.dry_run,
                       signer=None if args.dry_run else _start_signer(args, plan),
                       initiator_given=args.as_ is not None)
    if args.dry_run:
        from golive.store.memory import MemoryStore

        store: Any = MemoryStore()
        run_id = start_run(req, store, SystemClock())
        code = _drive(args, store, run_id, dry=True)
        return code
    store = _open_store(args)
    try:
        run_id = start_run(req, store, SystemClock())
        return _drive(args, store, run_id)
    finally:
        store.close()


def cmd_resume(args: argparse.Namespace) -> int:
    store = _open_existing_store(args)
    try:
        info = store.get_run(args.run)
        args.quiet_history = True
        return _drive(args, store, info.id)
    finally:
        store.close()


def cmd_status(args: argparse.Namespace) -> int:
    from golive.runview import run_summary

    store = _open_existing_store(args)
    try:
        if args.run:
            infos = [store.get_run(args.run)]
        else:
            infos = [r for r in store.list_runs(50) if r.active] or store.list_runs(1)
            if not infos:
                print("no runs yet")
                return 0
        from golive.proctree import containment

        box = containment().describe()
        out = [{**run_summary(store, info), "containment": box} for info in infos]
        if args.json:
            print(json.dumps(out if not args.run else out[0], indent=2))
            return 0
        print(f"step processes: {box}")
        for entry in out:
            proc = f" (process {entry['process']})" if entry["process"] else ""
            orphan = f" — no process is executing it: {entry['resume']}" if entry["orphaned"] else ""
            # Every line escaped: names, messages and reasons come from the plan and from step output.
            print(safe(f"{entry['run']}  {entry['plan']}  {entry['service']}/{entry['environment']}"
                       f"  by {entry['initiator']}: {entry['status']}{proc}{orphan}"))
            for p in entry["phases"]:
                print(safe(f"  phase {p['phase']} {p['name']}: {p['status']}"))
            for step in entry["steps"]:
                print(safe(f"  step {step['step']}: {step['status']} {step['message']}".rstrip()))
            if entry["waiting"]:
                print(safe(f"  waiting: {entry['waiting'].get('command') or entry['waiting'].get('message')}"))
            if entry["attention"]:
                print(safe(f"  needs attention: {entry['attention'].get('reason')}"))
        return 0
    finally:
        store.close()


def cmd_web(args: argparse.Namespace) -> int:
    import ipaddress
    import socket

    import uvicorn

    from golive.web.app import create_app

    store = _open_existing_store(args)
    try:
        family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((args.host, args.port))
        except OSError as exc:
            sock.close()
            raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        print(f"golive web: http://{shown}:{port}/ (run log {_store_path(args)}; Ctrl-C stops it)", flush=True)
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            print("golive web: warning: no authentication; anyone who reaches this address reads the run logs"
                  " (secrets are masked)", file=sys.stderr, flush=True)
        config = uvicorn.Config(create_app(store), log_level="warning", access_log=False, lifespan="off")
        uvicorn.Server(config).run(sockets=[sock])
        return 0
    finally:
        store.close()


def cmd_log(args: argparse.Namespace) -> int:
    from golive.output import event_json, log_line

    store = _open_existing_store(args)
    try:
        info = store.get_run(args.run)
        for ev in store.events(info.id):
            print(event_json(ev) if args.json else log_line(ev))
        return 0
    finally:
        store.close()


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from golive.seal.signers import load_file
    from golive.seal.verify import audit_run, render

    trusted = load_file(Path(args.signers)) if args.signers else None
    if args.bundle:
        from golive.seal.bundle import verify_bundle

        if args.run:
            raise UsageError("give a run or --bundle FILE, not both")
        audit = verify_bundle(Path(args.bundle), trusted, args.checkpoint)
    elif not args.run:
        raise UsageError("which run? golive audit verify RUN (or --bundle FILE)")
    else:
        store = _open_existing_store(args)
        try:
            audit = audit_run(store, args.run, trusted, args.checkpoint)
        finally:
            store.close()
    sys.stdout.write(safe(render(audit), multiline=True))  # names and subjects come from outside
    return 0 if audit.ok else 1


def cmd_audit_export(args: argparse.Namespace) -> int:
    from golive.seal.bundle import write

    store = _open_existing_store(args)
    try:
        rid = write(store, args.run, Path(args.output))
    finally:
        store.close()
    print(f"wrote {args.output}: the audit bundle of run {rid} (check it anywhere: golive audit verify --bundle"
          f" {args.output})")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    import socket

    from golive.seal.keys import default_runner_key_path, keygen

    path = Path(args.output) if args.output else default_runner_key_path()
    if path.exists():
        raise UsageError(f"{path} exists; golive never overwrites a key")
    public = keygen(path, args.comment or f"golive-runner@{socket.gethostname()}")
    print(f"wrote {path} and {path}.pub")
    print(f"to trust its checkpoints, add to the signers file: golive-runner {' '.join(public.split()[:2])}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from golive.report.runs import run_rows, runs_table

    store = _open_existing_store(args)
    try:
        rows = run_rows(store, args.limit)
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            sys.stdout.write(runs_table(rows))
        return 0
    finally:
        store.close()


def _report_dir(args: argparse.Namespace) -> Path:
    """Reports live next to a file store (.golive/reports), or under ./.golive/reports for a database."""
    where = _store_path(args)
    return (where.parent if isinstance(where, Path) else Path(".golive")) / "reports"


def cmd_report(args: argparse.Namespace) -> int:
    from golive.report import render, report_for

    store = _open_existing_store(args)
    try:
        text = render(report_for(store, args.run), args.format)
    finally:
        store.close()
    if args.output and args.output != "-":
        out = Path(args.output)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from exc
        print(f"wrote {out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_notify_tick(args: argparse.Namespace) -> int:
    from golive.engine.clock import SystemClock
    from golive.notify import escalate_runs

    store = _open_existing_store(args)
    try:
        told = escalate_runs(store, SystemClock(), args.run)
    finally:
        store.close()
    for run_id, levels in told.items():
        if levels:
            print(f"{run_id}: escalated to level(s) {', '.join(str(lv) for lv in levels)}")
    return 0


def _decider(args: argparse.Namespace, store: Any) -> Any:
    """Who decides, and with which key: on a run with signers, ssh-agent first, then --key ($GOLIVE_KEY), and the
    name is the key's (--by only has to agree with it); without signers, the typed name, as before."""
    from golive.decisions import Decider
    from golive.runner import whoami
    from golive.seal.keys import file_signer, load_signer
    from golive.seal.sealed import recorded_signers

    info = store.get_run(args.run)
    signers = recorded_signers(store.events(info.id)[0].payload)
    if signers is None:
        return Decider(name=whoami(args.by), signer=file_signer(Path(args.key)) if args.key else None)
    return Decider(name=args.by, signer=load_signer(args.key, signers.all_fingerprints()))


def _decision(args: argparse.Namespace, fn: Any, *extra: Any) -> int:
    store = _open_existing_store(args)
    try:
        who = _decider(args, store)
        print(safe(fn(store, args.run, *extra, who, args.reason) if not extra else
                   fn(store, args.run, *[who if x is _WHO else x for x in extra])))
        return 0
    finally:
        store.close()


_WHO = object()  # where the decider goes in a decision function's arguments


def cmd_approve(args: argparse.Namespace) -> int:
    from golive.decisions import approve

    return _decision(args, approve)


def cmd_reject(args: argparse.Namespace) -> int:
    from golive.decisions import reject

    return _decision(args, reject)


def cmd_confirm(args: argparse.Namespace) -> int:
    from golive.decisions import confirm

    return _decision(args, confirm, args.step, _WHO, args.reason, args.failed)


def cmd_resolve(args: argparse.Namespace) -> int:
    from golive.decisions import resolve

    return _decision(args, resolve, args.step, args.as_, _WHO, args.reason)


def cmd_rollback(args: argparse.Namespace) -> int:
    from golive.decisions import request_rollback

    return _decision(args, request_rollback, _WHO, args.reason, args.level)


def cmd_import(args: argparse.Namespace) -> int:
    from golive.plan.importer import import_file, render_summary

    result = import_file(args.file)
    if args.output == "-":
        sys.stdout.write(result.yaml_text)
        sys.stderr.write(render_summary(result, "standard output"))
        return 0
    out = Path(args.output) if args.output else Path(args.file).with_suffix(".yaml")
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; pass --force to overwrite it")
    try:
        out.write_text(result.yaml_text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    sys.stdout.write(render_summary(result, str(out)))
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from golive.plan.lint import lint_file, render

    findings = lint_file(args.file)
    sys.stdout.write(render(findings, args.format))
    return 1 if any(f.severity == "error" for f in findings) else 0


def cmd_schema(args: argparse.Namespace) -> int:
    from golive.plan.schema import plan_schema

    text = json.dumps(plan_schema(), indent=2) + "\n"
    if args.output and args.output != "-":
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


# -- parser ---------------------------------------------------------------------------------------

def _help_for(parser: argparse.ArgumentParser) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return ExitCode.BAD_INPUT

    return show


def cmd_proxy_serve(args: argparse.Namespace) -> int:
    from golive.traffic.builtin import run_serve

    try:
        return run_serve(args)
    except OSError as exc:
        raise UsageError(f"proxy cannot listen: {exc}") from None


def _key_arg(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--key", metavar="PATH", help="sign with this private key when ssh-agent holds none of yours"
                                                  " (default $GOLIVE_KEY)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="golive", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"golive {__version__}")
    p.add_argument("--store", help="run log: an SQLite file (default .golive/golive.db) or a postgresql:// URL"
                                  " shared by a team; default $GOLIVE_STORE")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def driving(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="stream events as JSON lines")
        sp.add_argument("--wait", dest="wait", action="store_true", default=None,
                        help="at a gate or manual step, wait for the decision (default on a terminal)")
        sp.add_argument("--no-wait", dest="wait", action="store_false",
                        help="exit with code 3 when a person must decide")
        sp.add_argument("--wait-timeout", type=_duration_arg, default=None, metavar="DURATION",
                        help="how long this process waits for a decision, e.g. 30m (default 12h); the run keeps"
                             " waiting after it, exit 3")
        sp.add_argument("--poll", type=float, default=1.0, help=argparse.SUPPRESS)
        sp.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="override a (non-secret) plan var")

    sp = sub.add_parser("run", help="start a run of a plan")
    sp.add_argument("file")
    sp.add_argument("--dry-run", action="store_true", help="walk the plan without executing anything")
    sp.add_argument("--force", action="store_true", help="start outside the deployment window")
    sp.add_argument("--reason", help="why (required with --force)")
    sp.add_argument("--as", dest="as_", metavar="NAME", help="initiator identity (default $GOLIVE_USER or login;"
                                                            " with signers, the name your key belongs to)")
    _key_arg(sp)
    driving(sp)
    sp.set_defaults(fn=cmd_run)

    sp = sub.add_parser("resume", help="continue a run (after a crash, an approval, a resolution)")
    sp.add_argument("run")
    driving(sp)
    sp.set_defaults(fn=cmd_resume)

    plan = sub.add_parser("plan", help="inspect plans")
    psub = plan.add_subparsers(dest="plan_command", metavar="SUBCOMMAND")
    sp = psub.add_parser("show", help="phases, gates and the generated rollback plan")
    sp.add_argument("file")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(fn=cmd_plan_show)
    sp = psub.add_parser("validate", help="check plan files; errors as file:line:col")
    sp.add_argument("files", nargs="+")
    sp.set_defaults(fn=cmd_plan_validate)
    plan.set_defaults(fn=_help_for(plan))

    sp = sub.add_parser("status", help="state of the active runs, or of one run")
    sp.add_argument("run", nargs="?")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(fn=cmd_status)

    sp = sub.add_parser("log", help="a run's events")
    sp.add_argument("run")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(fn=cmd_log)

    sp = sub.add_parser("runs", help="past runs")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--limit", type=int, default=50)
    sp.set_defaults(fn=cmd_runs)

    sp = sub.add_parser("report", help="a run's report: summary, timeline, steps, gates, compliance, sign-off")
    sp.add_argument("run")
    sp.add_argument("--format", choices=["html", "md", "json"], default="html")
    sp.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    sp.set_defaults(fn=cmd_report)

    notify = sub.add_parser("notify", help="notifications and escalation")
    nsub = notify.add_subparsers(dest="notify_command", metavar="SUBCOMMAND")
    for name in ("tick", "escalate"):
        sp = nsub.add_parser(name, help="escalate unanswered waits of active runs (run it from cron every minute)")
        sp.add_argument("run", nargs="?")
        sp.set_defaults(fn=cmd_notify_tick)
    notify.set_defaults(fn=_help_for(notify))
    sp = sub.add_parser("escalate", help="same as notify tick")
    sp.add_argument("run", nargs="?")
    sp.set_defaults(fn=cmd_notify_tick)

    audit = sub.add_parser("audit", help="verify a run's log: hashes, runner checkpoints, signed decisions")
    asub = audit.add_subparsers(dest="audit_command", metavar="SUBCOMMAND")
    sp = asub.add_parser("verify", help="exit 0 if intact, 1 naming the first bad seq; who signed what")
    sp.add_argument("run", nargs="?")
    sp.add_argument("--bundle", metavar="FILE", help="check an exported bundle instead (no store needed)")
    sp.add_argument("--signers", metavar="FILE", help="judge signatures by this allowed_signers file (your own"
                                                      " copy) instead of the one the run recorded")
    sp.add_argument("--checkpoint", action="append", default=[], metavar="DIGEST",
                    help="a checkpoint digest known from elsewhere (a gate notification); it must be in the log")
    sp.set_defaults(fn=cmd_audit_verify)
    sp = asub.add_parser("export", help="write one self-contained file to verify elsewhere")
    sp.add_argument("run")
    sp.add_argument("-o", "--output", required=True, metavar="FILE")
    sp.set_defaults(fn=cmd_audit_export)
    audit.set_defaults(fn=_help_for(audit))

    sp = sub.add_parser("keygen", help="make the runner's signing key for checkpoints (Ed25519)")
    sp.add_argument("-o", "--output", metavar="PATH", help="default $GOLIVE_RUNNER_KEY or"
                                                           " ~/.config/golive/runner_ed25519")
    sp.add_argument("--comment", help="the key's comment (default golive-runner@HOST)")
    sp.set_defaults(fn=cmd_keygen)

    for name, fn, helptext in (("approve", cmd_approve, "approve the gate a run waits at"),
                               ("reject", cmd_reject, "reject the gate a run waits at (NO-GO)")):
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("run")
        sp.add_argument("--by", help="your name (default $GOLIVE_USER or login; with signers, your key's name)")
        sp.add_argument("--reason", required=True)
        _key_arg(sp)
        sp.set_defaults(fn=fn)

    sp = sub.add_parser("confirm", help="confirm a manual step (or 'rollback' for a data-restoring level)")
    sp.add_argument("run")
    sp.add_argument("step", help="step id (2.3), step name, or 'rollback'")
    sp.add_argument("--by")
    sp.add_argument("--reason", help="note recorded with the confirmation")
    sp.add_argument("--failed", action="store_true", help="the item could not be done: fail the step")
    _key_arg(sp)
    sp.set_defaults(fn=cmd_confirm)

    sp = sub.add_parser("resolve", help="say how a step that was cut off ended, after checking by hand")
    sp.add_argument("run")
    sp.add_argument("step")
    sp.add_argument("--as", dest="as_", required=True, choices=["done", "failed"])
    sp.add_argument("--by")
    sp.add_argument("--reason")
    _key_arg(sp)
    sp.set_defaults(fn=cmd_resolve)

    sp = sub.add_parser("rollback", help="ask a run to roll back now")
    sp.add_argument("run")
    sp.add_argument("--by")
    sp.add_argument("--reason", required=True)
    sp.add_argument("--level", type=int)
    _key_arg(sp)
    sp.set_defaults(fn=cmd_rollback)

    proxy = sub.add_parser("proxy", help="the built-in traffic proxy (laptops, demos, tests)")
    prsub = proxy.add_subparsers(dest="proxy_command", metavar="SUBCOMMAND")
    sp = prsub.add_parser("serve", help="run the weighted proxy; golive steps reach it through --admin")
    from golive.traffic.builtin import add_serve_arguments

    add_serve_arguments(sp)
    sp.set_defaults(fn=cmd_proxy_serve)
    proxy.set_defaults(fn=_help_for(proxy))

    sp = sub.add_parser("web", help="the dashboard: runs and one run live, in a browser (read-only)")
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8400, help="port (default 8400; 0 picks a free one)")
    sp.set_defaults(fn=cmd_web)

    sp = sub.add_parser("import", help="turn a Markdown deployment plan into a golive plan")
    sp.add_argument("file", help="the Markdown document")
    sp.add_argument("-o", "--output", help="plan file to write (default: FILE with .yaml; '-' for stdout)")
    sp.add_argument("--force", action="store_true", help="overwrite the output file")
    sp.set_defaults(fn=cmd_import)

    sp = sub.add_parser("lint", help="weak spots of a plan (exit 1 when errors are found)")
    sp.add_argument("file")
    sp.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    sp.set_defaults(fn=cmd_lint)

    sp = sub.add_parser("schema", help="the JSON Schema of plan files, for editors")
    sp.add_argument("-o", "--output", help="file to write (default: standard output)")
    sp.set_defaults(fn=cmd_schema)
    return p


def _debug_log_path() -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "golive"
    return base / "debug.log"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "fn", None):
        parser.print_help()
        return ExitCode.BAD_INPUT
    try:
        code: int = args.fn(args)
        return code
    except PlanError as exc:
        for issue in exc.issues:
            print(str(issue), file=sys.stderr)
        return ExitCode.BAD_INPUT
    except GoliveError as exc:
        print(f"golive: {safe(mask_known(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("golive: interrupted; the run can be continued with golive resume", file=sys.stderr)
        return 130
    except Exception as exc:  # the one place that turns a bug into one line plus a debug log
        path = _debug_log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(f"--- {datetime.now(UTC).isoformat()} golive {__version__} argv={sys.argv[1:]}\n")
                f.write(mask_known(traceback.format_exc()))  # an exception's text may quote a secret
        except OSError:
            path = Path("(debug log unwritable)")
        print(f"golive: internal error: {type(exc).__name__}: {safe(mask_known(str(exc)))} (details in {path})",
              file=sys.stderr)
        return ExitCode.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
