"""The `golive` command's read-side and control commands, and its documented exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import golive
from inproc import cli

HEAD = "name: cli demo\nservice: clisvc\nenvironment: prod\n"

SHOWN = HEAD + """
window: {start: "22:00", end: "02:00", timezone: Europe/Paris, rollback_until: "01:00"}
approvers:
  release: [bob, carol]
phases:
  - name: Prepare
    timebox: 10m
    steps:
      - name: back up config
        shell: cp config config.bak
        undo: cp config.bak config
  - name: Deploy
    timebox: 1h30m
    on_overrun: no-go
    steps:
      - shell: ./deploy.sh
        undo: ./undeploy.sh
        timeout: 5m
      - name: eyeball
        manual: {instruction: check the dashboard, role: release}
    gate:
      description: error rate below 1%
      max_failures: 0
      checks:
        - name: health
          shell: {command: curl -fsS localhost/health, expect_output: ok}
      approvals: {count: 2, role: release}
rollback:
  levels:
    - level: 1
      name: Config rollback
      covers: [Prepare]
      steps: [cp config.bak config]
    - level: 3
      name: Database restore
      covers: [Deploy]
      restores_data: true
      steps: [./restore.sh]
"""


def test_plan_show_lists_phases_timeboxes_gates_and_the_rollback_plan(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(SHOWN)
    r = golive("plan", "show", "plan.yaml", cwd=workdir)
    assert r.code == 0, r.err
    out = r.out
    for expected in [
        "plan: cli demo",
        "Phase 1: Prepare [timebox 10m00s, overrun: warn]",
        "Phase 2: Deploy [timebox 1h30m, overrun: no-go]",
        "1.1 shell   back up config: $ cp config config.bak",
        "undo: $ cp config.bak config",
        "GO/NO-GO: error rate below 1%",
        "2.gate.1 shell: $ curl -fsS localhost/health",
        "needs 2 approval(s) from release",
        "Level 1: Config rollback; covers: Prepare",
        "Level 3: Database restore [restores data]; covers: Deploy",
        "if phase 1 'Prepare' fails: undo 1.1, then level 1 'Config rollback'",
        "if phase 2 'Deploy' fails: undo 2.1, then what phase 1 undoes, then level 3 'Database restore'"
        " (after rollback_until: needs confirmation)",
        "approvers: release: bob, carol",
    ]:
        assert expected in out, f"{expected!r} not in:\n{out}"
    assert out.index("Phase 1") < out.index("Phase 2") < out.index("Rollback plan")
    j = cli("plan", "show", "plan.yaml", "--json")
    data = json.loads(j.out)
    assert [p["name"] for p in data["plan"]["phases"]] == ["Prepare", "Deploy"]
    assert [u["id"] for u in data["rollback_plan"][1]["undo"]] == ["2.1.undo"]  # its own; then phase 1's
    assert data["rollback_plan"][1]["then_earlier"] is True

    # without a rollback deadline nothing needs confirming; a level's description is shown under it
    assert "rollback_until" in SHOWN
    bare = "\n".join(line for line in SHOWN.splitlines() if "rollback_until" not in line)
    bare = bare.replace("name: Database restore", "name: Database restore\n      description: 30-60 minutes")
    (workdir / "plan.yaml").write_text(bare)
    out = golive("plan", "show", "plan.yaml", cwd=workdir).out
    assert "then level 3 'Database restore'\n" in out and "needs confirmation" not in out, out
    assert "Level 3: Database restore [restores data]; covers: Deploy\n    30-60 minutes\n" in out, out


def test_dry_run_executes_nothing_and_writes_no_run_log(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(HEAD + """
phases:
  - name: One
    steps:
      - shell: touch created-by-step
      - manual: confirm something
    gate: {approvals: {count: 1}}
""")
    r = golive("run", "plan.yaml", "--dry-run", cwd=workdir)
    assert r.code == 0, r.out + r.err
    assert "would $ touch created-by-step" in r.out
    assert not (workdir / "created-by-step").exists()
    assert not (workdir / ".golive").exists()
    assert sorted(p.name for p in workdir.iterdir()) == ["plan.yaml"]


def test_help_documents_the_exit_codes(workdir: Path) -> None:
    r = golive("--help", cwd=workdir)
    assert r.code == 0
    text = " ".join(r.out.split())
    for code in ["0 succeeded", "1 failed and rolled back", "2 bad input", "3 waiting for a person",
                 "4 rollback failed"]:
        assert code in text, text


def run_id_of(out: str) -> str:
    for line in out.splitlines():
        if " created by " in line:
            return line.split("run ", 1)[1].split()[0]
    raise AssertionError(f"no run id in:\n{out}")


@pytest.mark.parametrize(("steps", "code", "status"), [
    ("[echo ok]", 0, "succeeded"),
    ('["exit 1"]', 1, "rolled-back"),
    ("[{manual: look at it}]", 3, "waiting"),
    ('[{shell: "echo a", undo: "exit 5"}, "exit 1"]', 4, "rollback-failed"),
])
def test_exit_codes(workdir: Path, steps: str, code: int, status: str) -> None:
    (workdir / "plan.yaml").write_text(HEAD + f"phases:\n  - name: One\n    steps: {steps}\n")
    r = cli("run", "plan.yaml", "--no-wait")
    assert r.code == code, r.out + r.err
    rid = run_id_of(r.out)
    s = json.loads(cli("status", rid, "--json").out)
    assert s["status"] == status


def test_bad_input_is_exit_2(workdir: Path) -> None:
    assert cli("status").code == 2  # no run log here yet
    (workdir / "plan.yaml").write_text(HEAD + "phases:\n  - name: One\n    steps: [echo ok]\n")
    assert cli("run", "plan.yaml", "--force").code == 2  # --force needs --reason
    assert cli("run", "plan.yaml", "--var", "NOPE").code == 2
    assert cli("run", "plan.yaml", "--var", "UNDECLARED=1").code == 2
    assert cli("run", "plan.yaml").code == 0
    r = cli("log", "zzz")
    assert r.code == 2 and "no run 'zzz'" in r.err


def test_status_log_runs_and_control_commands(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(HEAD + """
approvers:
  release: [bob, carol]
phases:
  - name: Deploy
    steps:
      - shell: echo deployed >> trail.log
        undo: echo undone >> trail.log
    gate:
      approvals: {role: release}
  - name: After
    steps: ["echo after >> trail.log"]
""")
    r = cli("run", "plan.yaml", "--no-wait")
    assert r.code == 3, r.out + r.err
    rid = run_id_of(r.out)
    assert f"golive approve {rid} --by NAME --reason TEXT" in r.out

    st = cli("status")
    assert st.code == 0
    assert f"{rid}  cli demo  clisvc/prod  by tester: waiting" in st.out
    assert "phase 1 Deploy: waiting" in st.out
    sj = json.loads(cli("status", rid, "--json").out)
    assert sj["run"] == rid and sj["status"] == "waiting" and sj["waiting"]["kind"] == "gate"
    assert [p["status"] for p in sj["phases"]] == ["waiting", "pending"]

    log = cli("log", rid, "--json")
    events = [json.loads(line) for line in log.out.splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    decided = [e for e in events if e["type"] != "audit.checkpoint"]  # the runner seals after the question
    assert events[0]["type"] == "run.created" and decided[-1]["type"] == "gate.waiting"
    assert all(e["run"] == rid and len(e["hash"]) == 64 for e in events)

    runs = json.loads(cli("runs", "--json").out)
    assert [(x["run"], x["status"]) for x in runs] == [(rid, "waiting")]

    refused = cli("approve", rid, "--by", "mallory", "--reason", "ok")
    assert refused.code == 2 and "does not hold role 'release'" in refused.err
    rb = cli("rollback", rid, "--by", "ops", "--reason", "pager went off")
    assert rb.code == 0, rb.err
    r = cli("resume", rid, "--no-wait")
    assert r.code == 1, r.out + r.err
    assert (workdir / "trail.log").read_text().split() == ["deployed", "undone"]
    plain = cli("log", rid).out
    assert "rollback requested by ops: pager went off" in plain
    assert "run ROLLED BACK" in plain
    assert cli("audit", "verify", rid).code == 0


def test_approve_then_resume_succeeds(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(HEAD + """
approvers:
  release: [bob]
separation_of_duties: true
phases:
  - name: Deploy
    steps: ["echo hi"]
    gate: {approvals: {role: release}}
""")
    rid = run_id_of(cli("run", "plan.yaml", "--no-wait", "--as", "bob").out)
    r = cli("approve", rid, "--by", "bob", "--reason", "mine")
    assert r.code == 2 and "separation of duties" in r.err
    # the only approver started the run: someone must reject it (anyone may) and start it again
    assert cli("reject", rid, "--by", "carol", "--reason", "bob cannot approve his own run").code == 0
    assert cli("resume", rid, "--no-wait").code == 1
    rid2 = run_id_of(cli("run", "plan.yaml", "--no-wait", "--as", "carol").out)
    assert cli("approve", rid2, "--by", "bob", "--reason", "looks right").code == 0
    r = cli("resume", rid2, "--no-wait")
    assert r.code == 0, r.out + r.err
    assert "phase 1 GO (approved by bob)" in r.out
