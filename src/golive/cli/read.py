"""Commands that only read the run log: status, log, runs, report, audit verify."""

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
            if entry["waiting"]:
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
    from golive.store.chain import verify_chain

    store = open_existing_store(args)
    try:
        info = store.get_run(args.run)
        events = store.events(info.id)
        for _ in range(20):  # a live run may append between the two reads: take a consistent pair
            again = store.get_run(info.id)
            if again.head_seq == info.head_seq:
                break
            info, events = again, store.events(info.id)
        problem = verify_chain(events, info.head_seq, info.head_hash)
        if problem:
            print(f"run {info.id}: audit chain BROKEN at {problem}")
            return 1
        print(f"run {info.id}: audit chain intact, {len(events)} events, head {info.head_hash}")
        return 0
    finally:
        store.close()


def cmd_runs(args: argparse.Namespace) -> int:
    from golive.report.runs import run_rows, runs_table

    store = open_existing_store(args)
    try:
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
