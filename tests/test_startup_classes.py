"""Defining a dataclass costs ~0.7 ms of CPU (its __init__, __repr__ and __eq__ are generated as source and
compiled), a msgspec Struct a few hundredths of that. Every `golive run` defined ~45 of golive's own on its way
(engine state, step context, seal, store, targets, the report model it writes at the end), which was a tenth of
a short run's CPU; `golive report` defined 33. They are Structs now. Checked on the real commands, in a fresh
interpreter: after the command, no class of a loaded golive module is a dataclass, but the two that stay one
(`RunState`, whose cached plan takes no part in its equality; `PlanIssue`, in the leaf module `golive.errors`)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

#: Run a golive command in this interpreter, then print the dataclasses golive's loaded modules define.
PROBE = """
import dataclasses, json, sys
from golive.cli import main
code = main(sys.argv[1:])
found = sorted(f"{name}.{obj.__qualname__}" for name, module in list(sys.modules.items())
               if name.startswith("golive") and module is not None
               for obj in vars(module).values()
               if isinstance(obj, type) and obj.__module__ == name and dataclasses.is_dataclass(obj))
print(json.dumps({"code": code, "dataclasses": found}), file=sys.stderr)
"""

ALLOWED = {"golive.engine.state.RunState", "golive.errors.PlanIssue"}

PLAN = """name: classes
service: classsvc
environment: prod
phases:
  - name: Deploy
    steps:
      - name: say hello
        shell: echo hello
        undo: echo goodbye
      - name: count the rows
        sql: {database: "sqlite:///app.db", query: "SELECT 1; SELECT count(*) FROM sqlite_master", expect: {value: 0}}
"""


def defined(*args: str, cwd: Path) -> tuple[int, set[str]]:
    env = {**os.environ, "GOLIVE_USER": "tester"}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    assert last.startswith("{"), proc.stdout[-2000:] + proc.stderr[-2000:]
    out = json.loads(last)
    return int(out["code"]), set(out["dataclasses"])


def test_a_run_and_its_report_define_no_dataclass_of_golive(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN)
    sqlite3.connect(workdir / "app.db").close()  # the sql step's database (a query of two statements)
    store = str(workdir / "golive.db")
    code, found = defined("--store", store, "run", "plan.yaml", "--no-wait", cwd=workdir)
    assert code == 0
    assert found <= ALLOWED, sorted(found - ALLOWED)
    assert (workdir / "reports").is_dir() and len(list((workdir / "reports").glob("*.json"))) == 1
    run_id = json.loads(subprocess.run([sys.executable, "-m", "golive", "--store", store, "runs", "--json"],
                                       cwd=workdir, capture_output=True, text=True, timeout=120).stdout)[0]["run"]
    code, found = defined("--store", store, "report", run_id, "--format", "json", "-o", "r.json", cwd=workdir)
    assert code == 0
    assert found <= ALLOWED, sorted(found - ALLOWED)
    report = json.loads((workdir / "r.json").read_text())
    assert report["status"] == "succeeded" and [s["id"] for s in report["steps"]] == ["1.1", "1.2"], report["steps"]
