"""What a person trying golive for the first time is told at each step: every line that names a file, a log or a
command must lead somewhere real, and every decision says what happens next."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from conftest import golive

PLAN = """name: first use
service: firstuse
environment: prod
approvers: {release: [alice, bob]}
separation_of_duties: true
phases:
  - name: Deploy
    steps:
      - shell: echo deployed > deployed.txt
        undo: rm -f deployed.txt
STEPS
    gate: {description: it works, approvals: {count: 1, role: release}}
"""


def _plan(workdir: Path, extra: str = "") -> None:
    (workdir / "plan.yaml").write_text(PLAN.replace("STEPS\n", extra))


def test_a_dry_run_names_no_run_log_it_never_wrote(workdir: Path) -> None:
    _plan(workdir)
    r = golive("run", "plan.yaml", "--dry-run", cwd=workdir)
    assert r.code == 0, r.out + r.err
    assert "nothing was executed and nothing was recorded" in r.out, r.out
    # the last lines used to say "run log: ... (golive log RUN; ...)": that command then failed, no log being there
    assert "run log:" not in r.out and "golive log" not in r.out, r.out
    assert not (workdir / ".golive").exists()


def test_the_end_of_a_run_says_where_its_report_is(workdir: Path) -> None:
    _plan(workdir, "      - shell: exit 1\n")
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert r.code == 1, r.out + r.err
    line = next((ln for ln in r.out.splitlines() if ln.startswith("report: ")), None)
    assert line is not None, r.out
    path = Path(line.split()[1])
    assert (path if path.is_absolute() else workdir / path).is_file(), line
    assert path.name.endswith(".html") and "golive report " in line


def test_an_approval_that_completes_the_gate_says_how_the_run_goes_on(workdir: Path) -> None:
    _plan(workdir)
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_USER": "alice"})
    assert r.code == 3, r.out + r.err
    run = r.out.split("run ", 1)[1].split()[0]
    refused = golive("approve", run, "--reason", "mine", cwd=workdir, env={"GOLIVE_USER": "alice"})
    assert refused.code == 2 and "separation of duties" in refused.err, refused.err
    ok = golive("approve", run, "--by", "bob", "--reason", "looks right", cwd=workdir)
    assert ok.code == 0, ok.err
    # nobody drives the run (it exited 3): the approver must be told the run goes on only with a resume
    assert f"the gate is GO; continue with: golive resume {run}" in ok.out, ok.out
    assert golive("resume", run, "--no-wait", cwd=workdir).code == 0


def test_a_rejection_says_the_rollback_waits_for_a_resume(workdir: Path) -> None:
    _plan(workdir)
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_USER": "alice"})
    run = r.out.split("run ", 1)[1].split()[0]
    no = golive("reject", run, "--by", "bob", "--reason", "not today", cwd=workdir)
    assert no.code == 0 and f"the run will roll back; continue with: golive resume {run}" in no.out, no.out
    assert (workdir / "deployed.txt").exists()  # nothing rolls back until someone resumes it
    assert golive("resume", run, "--no-wait", cwd=workdir).code == 1
    assert not (workdir / "deployed.txt").exists()


def test_web_state_is_where_the_help_says(workdir: Path) -> None:
    helptext = " ".join(golive("web", "--help", cwd=workdir).out.split())
    assert "web/ beside an SQLite run log" in helptext, helptext
    env = {"GOLIVE_STORE": "logs/run.db"}
    r = subprocess.run([sys.executable, "-m", "golive", "web", "user", "add", "carol", "--password-stdin"],
                       cwd=workdir, env={**os.environ, **env}, input="a-long-enough-password\n", text=True,
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (workdir / "logs" / "web" / "users.json").is_file()
    assert not (workdir / ".golive" / "web").exists()  # where --help used to say it would be


def _parsers(parser: argparse.ArgumentParser, path: str) -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _parsers(sub, f"{path} {name}")
    return found


def test_every_option_and_argument_of_every_command_says_what_it_is() -> None:
    """`golive approve --help` printed a bare `--reason REASON` and `run`: a newcomer had to guess that a run id is
    wanted (and that a start of it will do), or what --level of rollback takes."""
    from golive.cli.parser import build_parser

    bare = [f"golive{path}: {action.option_strings[-1] if action.option_strings else action.dest}"
            for path, parser in _parsers(build_parser(None), "")
            for action in parser._actions
            if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction | argparse._VersionAction)
            and action.help is None]
    assert not bare, "\n".join(bare)
