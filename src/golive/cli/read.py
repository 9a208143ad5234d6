"""Commands that read the run log: status, log, runs, report, audit verify/export; and keygen (the runner's key)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from golive.cli.common import open_existing_store
from golive.errors import UsageError
from golive.masking import safe


def cmd_status(args: argparse.Namespace) -> int:
    from golive.run.view import run_summary

    store = open_existing_store(args)
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
            proc = f" (process {entry['process']} on {entry['host']}, lease until {entry['lease_until']})" \
                if entry["process"] else ""
            orphan = f" — no process is executing it: {entry['resume']}" if entry["orphaned"] else ""
            # Every line escaped: names, messages and reasons come from the plan and from step output.
            print(safe(f"{entry['run']}  {entry['plan']}  {entry['service']}/{entry['environment']}"
                       f"  by {entry['initiator']}: {entry['status']}{proc}{orphan}"))
            for p in entry["phases"]:
                print(safe(f"  phase {p['phase']} {p['name']}: {p['status']}"))
            for step in entry["steps"]:
                print(safe(f"  step {step['step']}: {step['status']} {step['message']}".rstrip()))
            if entry["decided"]:
                goes_on = "the golive waiting on it goes on" if entry["process"] else \
                    f"continue with: golive resume {entry['run']}"
                print(safe(f"  decided: {entry['decided']}; {goes_on}"))
            elif entry["waiting"]:
                print(safe(f"  waiting: {entry['waiting'].get('command') or entry['waiting'].get('message')}"))
            if entry["attention"]:
                print(safe(f"  needs attention: {entry['attention'].get('reason')}"))
        return 0
    finally:
        store.close()


def cmd_log(args: argparse.Namespace) -> int:
    from golive.report.describe import event_json, log_line

    store = open_existing_store(args)
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
        store = open_existing_store(args)
        try:
            audit = audit_run(store, args.run, trusted, args.checkpoint)
        finally:
            store.close()
    sys.stdout.write(safe(render(audit), multiline=True))  # names and subjects come from outside
    return 0 if audit.ok else 1


def cmd_audit_export(args: argparse.Namespace) -> int:
    from golive.seal.bundle import write

    store = open_existing_store(args)
    try:
        rid = write(store, args.run, Path(args.output))
    finally:
        store.close()
    print(safe(f"wrote {args.output}: the audit bundle of run {rid} (check it anywhere: golive audit verify"
               f" --bundle {args.output})"))
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    import socket

    from golive.seal.keys import default_runner_key_path, keygen

    path = Path(args.output) if args.output else default_runner_key_path()
    if path.exists():
        raise UsageError(f"{path} exists; golive never overwrites a key")
    public = keygen(path, args.comment or f"golive-runner@{socket.gethostname()}")
    print(safe(f"wrote {path} and {path}.pub"))
    print(f"to trust its checkpoints, add to the signers file: golive-runner {' '.join(public.split()[:2])}")
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from golive.report.runs import run_rows, runs_table

    store = open_existing_store(args)
    try:
        if args.prune:
            import os

            from golive.run.carried_state import prune

            for path in prune(store, os.environ):
                print(f"removed {path}")
            return 0
        rows = run_rows(store, args.limit)
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            sys.stdout.write(runs_table(rows))
        return 0
    finally:
        store.close()


def cmd_report(args: argparse.Namespace) -> int:
    from golive.report import render, report_for

    store = open_existing_store(args)
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
