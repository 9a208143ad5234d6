"""Who may decide at a gate, checked where the decision is made (golive.run.decisions) and shown the same way in
the waiting line (golive.engine.executor): real golive processes, each a person with GOLIVE_USER."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import golive

PLAN = """name: people
service: people
environment: prod
separation_of_duties: true
approvers:
  release: ["alice ", " Bob"]
phases:
  - name: One
    steps:
      - shell: 'true'
    gate:
      approvals: {role: release, count: 1}
"""


def _started(workdir: Path, user: str) -> str:
    (workdir / "plan.yaml").write_text(PLAN)
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_USER": user})
    assert r.code == 3, r.out + r.err
    return str(json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"])


def test_nobody_approves_for_a_role_that_lists_nobody(workdir: Path) -> None:
    """A run whose recorded plan has the gate's role empty (made by a path other than `golive run`, which refuses
    such a plan: here the run log is edited) is not open to anyone: the approval is refused, the gate still waits."""
    run = _started(workdir, "carol")
    with sqlite3.connect(workdir / ".golive" / "golive.db") as db:
        (payload,) = db.execute("SELECT payload FROM events WHERE run_id = ? AND type = 'run.created'",
                                (run,)).fetchone()
        created = json.loads(payload)
        created["plan"]["approvers"]["release"] = []
        db.execute("UPDATE events SET payload = ? WHERE run_id = ? AND type = 'run.created'",
                   (json.dumps(created), run))
    r = golive("approve", run, "--by", "mallory", "--reason", "anyone may", cwd=workdir, env={"GOLIVE_USER": "mallory"})
    assert r.code != 0, r.out + r.err
    assert "role 'release' lists nobody" in r.err, r.out + r.err
    log = golive("log", run, "--json", cwd=workdir).out
    assert "gate.approved" not in log


def test_the_waiting_line_and_the_approval_check_agree_on_who_started_the_run(workdir: Path) -> None:
    """The plan spells the initiator "alice " (a trailing space): separation of duties refuses her, so the waiting
    line must not offer her either; " Bob" is offered and may approve."""
    run = _started(workdir, "alice")
    events = [json.loads(line) for line in golive("log", run, "--json", cwd=workdir).out.splitlines()]
    waiting = [e["payload"] for e in events if e["type"] == "gate.waiting"]
    assert [w["candidates"] for w in waiting] == [[" Bob"]], waiting
    refused = golive("approve", run, "--by", "alice", "--reason", "mine", cwd=workdir, env={"GOLIVE_USER": "alice"})
    assert refused.code != 0 and "separation of duties" in refused.err, refused.out + refused.err
    ok = golive("approve", run, "--by", "bob", "--reason", "checked", cwd=workdir, env={"GOLIVE_USER": "bob"})
    assert ok.code == 0, ok.out + ok.err
