"""`golive resolve RUN STEP --as retry`: a person who checked a cut-off, non-idempotent step says it is safe to
run again. It is a decision like `done` and `failed`: signed when the plan has signers, refused unsigned (and
the refusal recorded), refused without a reason; then resume runs the step again, as a new attempt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inproc import cli
from sealkit import Team

PLAN = """name: retry
service: retrysvc
environment: prod
signers: signers
phases:
  - name: One
    steps:
      - name: append a marker
        shell: "echo x >> count; touch started; while [ ! -f go ]; do sleep 0.05; done"
      - shell: echo after >> trail
"""


@pytest.fixture
def team(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    t = Team(workdir, monkeypatch)
    (workdir / "plan.yaml").write_text(PLAN)
    return t


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_a_cut_off_step_resolved_as_retry_runs_again(team: Team, workdir: Path) -> None:
    child = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait", "--key",
                              str(team.key["alice"])], cwd=workdir, env=os.environ.copy(), start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not (workdir / "started").exists():
        assert child.poll() is None, child.stdout.read() if child.stdout else ""
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)  # golive and its step, mid-change
    child.wait(timeout=30)
    (workdir / "go").touch()
    rid = team.last_run()
    r = cli("resume", rid, "--no-wait")
    # the hint carries --reason: `--as retry` is refused without one, and the hint is what people copy
    assert r.code == 3 and "--as done|failed|retry --by NAME --reason TEXT" in r.out, r.out + r.err
    assert _lines(workdir / "count") == ["x"]  # not re-run on its own: it is not idempotent

    unsigned = cli("resolve", rid, "1.1", "--as", "retry", "--by", "bob", "--reason", "appending twice is fine")
    assert unsigned.code == 2 and "takes only signed decisions" in unsigned.err, unsigned.out + unsigned.err
    assert team.types(rid)[-1] == "decision.refused"
    no_reason = cli("resolve", rid, "1.1", "--as", "retry", "--key", str(team.key["bob"]))
    assert no_reason.code == 2 and "--reason" in no_reason.err, no_reason.out + no_reason.err
    ok = cli("resolve", rid, "1.1", "--as", "retry", "--key", str(team.key["bob"]), "--reason",
             "appending twice is fine")
    assert ok.code == 0 and "will run again" in ok.out, ok.out + ok.err
    resolved = [e for e in team.events(rid) if e["type"] == "step.resolved"]
    assert len(resolved) == 1
    payload = resolved[0]["payload"]
    assert isinstance(payload, dict) and payload["as"] == "retry" and payload["by"] == "bob"
    assert payload.get("signature"), payload  # sealed like every decision when the plan has signers

    done = cli("resume", rid, "--no-wait")
    assert done.code == 0, done.out + done.err
    assert _lines(workdir / "count") == ["x", "x"] and _lines(workdir / "trail") == ["after"]
    assert cli("audit", "verify", rid).code == 0
    started = [e for e in team.events(rid) if e["type"] == "step.started" and e["payload"]["step"] == "1.1"]  # type: ignore[index]
    assert [e["payload"]["attempt"] for e in started] == [1, 2]  # type: ignore[index]
    # the report must not call it a plain Success: the first run was cut off and the command ran twice
    report = cli("report", rid, "--format", "md").out
    assert "**Partial**" in report, report
    assert ("step 1.1 'append a marker' was cut off and run again, as bob judged safe: appending twice is fine"
            in report), report


def test_retry_is_refused_for_a_step_that_needs_no_resolving(team: Team) -> None:
    (team.root / "go").touch()
    (team.root / "plan.yaml").write_text(PLAN.replace("      - shell: echo after >> trail\n",
                                                      "    gate:\n      approvals: {count: 1}\n"))
    r = cli("run", "plan.yaml", "--no-wait", "--key", str(team.key["alice"]))
    assert r.code == 3, r.out + r.err
    rid = team.last_run()
    again = cli("resolve", rid, "1.1", "--as", "retry", "--key", str(team.key["bob"]), "--reason", "x")
    assert again.code == 2 and "does not need resolving" in again.err, again.out + again.err
    assert _lines(team.root / "count") == ["x"]
