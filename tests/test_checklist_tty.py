"""A phase's manual items as one checklist at a real terminal (a pseudo-terminal driven by pexpect): yes / no /
skip, a reason required on no, answers recorded as confirmations by the same decision code as `golive confirm`
(signed when the run has signers); without a terminal the run waits as before."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest

from conftest import golive
from sealkit import keygen, public

PLAN = """name: checklist
service: checklist
environment: test
{signers}phases:
  - name: Prepare
    steps:
      - manual: Backup taken
      - manual: On-call told
      - manual: Dashboards open
      - shell: echo ran > ran.txt
"""


def spawn(workdir: Path, *args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    environ = {**os.environ, "GOLIVE_USER": "alice", "TERM": "dumb", "COLUMNS": "200", **(env or {})}
    environ.pop("CI", None)
    return pexpect.spawn(sys.executable, ["-m", "golive", *args], cwd=str(workdir), env=environ, encoding="utf-8",
                         timeout=120, dimensions=(50, 200))


def events(workdir: Path) -> list[dict[str, Any]]:
    run = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    out = golive("log", run, "--json", cwd=workdir).out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def confirmed(evs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["payload"]["step"]: e["payload"] for e in evs if e["type"] == "step.confirmed"}


def item(child: pexpect.spawn, n: int, sid: str, text: str) -> None:
    child.expect_exact(f"[{n}/3] {sid} {text} - yes/no/skip? ")


def test_all_yes_is_one_checklist_and_the_run_goes_on(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN.format(signers=""))
    child = spawn(workdir, "run", "plan.yaml")
    child.expect_exact("Phase 1: 3 item(s) to confirm")
    for n, (sid, text) in enumerate([("1.1", "Backup taken"), ("1.2", "On-call told"), ("1.3", "Dashboards open")], 1):
        item(child, n, sid, text)
        child.sendline("yes" if n != 2 else "y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert (workdir / "ran.txt").read_text() == "ran\n"
    done = confirmed(events(workdir))
    assert sorted(done) == ["1.1", "1.2", "1.3"]
    assert all(p["by"] == "alice" and p["as"] == "done" for p in done.values())


def test_no_needs_a_reason_and_fails_the_item(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN.format(signers=""))
    child = spawn(workdir, "run", "plan.yaml")
    item(child, 1, "1.1", "Backup taken")
    child.sendline("yes")
    item(child, 2, "1.2", "On-call told")
    child.sendline("maybe")
    child.expect_exact("please answer yes, no or skip")
    item(child, 2, "1.2", "On-call told")
    child.sendline("no")
    child.expect_exact("why not? (required")
    child.sendline("")  # an empty reason is asked again
    child.expect_exact("why not? (required")
    child.sendline("the pager is down")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1, child.before  # the item failed: NO-GO, rolled back
    evs = events(workdir)
    done = confirmed(evs)
    assert done["1.1"]["as"] == "done"
    assert done["1.2"]["as"] == "failed" and done["1.2"]["note"] == "the pager is down"
    assert "1.3" not in done  # not asked after a no
    assert not (workdir / "ran.txt").exists()
    failed = [e["payload"] for e in evs if e["type"] == "step.finished" and e["payload"]["step"] == "1.2"]
    assert failed[-1]["status"] == "failed" and "the pager is down" in failed[-1]["message"]


def test_skip_leaves_the_item_open_for_golive_confirm(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN.format(signers=""))
    child = spawn(workdir, "run", "plan.yaml", "--wait-timeout", "1s")
    item(child, 1, "1.1", "Backup taken")
    child.sendline("skip")
    item(child, 2, "1.2", "On-call told")
    child.sendline("yes")
    item(child, 3, "1.3", "Dashboards open")
    child.sendline("s")
    child.expect(pexpect.EOF)  # the run waits at 1.1 (the process gives up after --wait-timeout, exit 3)
    child.close()
    assert child.exitstatus == 3, child.before
    assert sorted(confirmed(events(workdir))) == ["1.2"]
    run = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    assert golive("confirm", run, "1.1", "--by", "bob", cwd=workdir).code == 0
    resumed = spawn(workdir, "resume", run, "--by", "carol")
    resumed.expect_exact("Phase 1: 1 item(s) to confirm")  # only what is still open: 1.3
    resumed.expect_exact("1.3 Dashboards open - yes/no/skip? ")
    resumed.sendline("yes")
    resumed.expect(pexpect.EOF)
    resumed.close()
    assert resumed.exitstatus == 0, resumed.before
    done = confirmed(events(workdir))
    assert (done["1.1"]["by"], done["1.2"]["by"], done["1.3"]["by"]) == ("bob", "alice", "carol")


def test_without_a_terminal_the_run_waits_as_before(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN.format(signers=""))
    r = golive("run", "plan.yaml", cwd=workdir)
    assert r.code == 3, r.out + r.err
    assert "yes/no/skip" not in r.out and "golive confirm" in r.out
    assert confirmed(events(workdir)) == {}


def test_answers_are_signed_when_the_run_has_signers(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = workdir / "keys"
    keys.mkdir()
    alice = keygen(keys, "alice")
    (workdir / "signers").write_text(f"alice {public(alice)}\n")
    (workdir / "plan.yaml").write_text(PLAN.format(signers="signers: signers\n"))
    env = {"GOLIVE_RUNNER_KEY": str(workdir / "runner" / "runner_ed25519"),
           "GOLIVE_WITNESS_DIR": str(workdir / "witness"), "SSH_AUTH_SOCK": "", "GOLIVE_SIGNERS": "",
           "GOLIVE_KEY": ""}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    child = spawn(workdir, "run", "plan.yaml", "--key", str(alice), env=env)
    for n, (sid, text) in enumerate([("1.1", "Backup taken"), ("1.2", "On-call told"), ("1.3", "Dashboards open")], 1):
        item(child, n, sid, text)
        child.sendline("yes")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    done = confirmed(events(workdir))
    assert sorted(done) == ["1.1", "1.2", "1.3"]
    assert all(p["by"] == "alice" and p["signature"]["sshsig"] for p in done.values())
    run = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    assert golive("audit", "verify", run, cwd=workdir).code == 0
