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
    # who may approve, as the waiting line says: not alice, who started it (separation of duties)
    assert "waiting for 1 approval(s) from release (bob):" in r.out, r.out
    refused = golive("approve", run, "--reason", "mine", cwd=workdir, env={"GOLIVE_USER": "alice"})
    assert refused.code == 2 and "separation of duties" in refused.err, refused.err
    assert "another person must (release: bob)" in refused.err, refused.err  # who can, not only who cannot
    ok = golive("approve", run, "--by", "bob", "--reason", "looks right", cwd=workdir)
    assert ok.code == 0, ok.err
    # nobody drives the run (it exited 3): the approver must be told the run goes on only with a resume
    assert f"the gate is GO; continue with: golive resume {run}" in ok.out, ok.out
    st = golive("status", run, cwd=workdir).out
    assert f"decided: approved (1 of 1): GO; continue with: golive resume {run}" in st, st
    assert "golive approve" not in st, st  # it used to keep asking for the approval just given
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


def test_every_source_file_and_doc_the_docs_name_exists() -> None:
    """docs/processes.md sent readers to golive/proc.py, moved to golive/targets/local.py long before."""
    import re

    from conftest import REPO

    missing = []
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        text = doc.read_text()
        for path in sorted(set(re.findall(r"`(golive/[\w/]+\.py)`", text))):
            if not (REPO / "src" / path).is_file():
                missing.append(f"{doc.name}: {path}")
        for link in sorted(set(re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text))):
            if not (doc.parent / link).exists():
                missing.append(f"{doc.name}: link {link}")
    assert not missing, "\n".join(missing)


def test_a_var_missing_from_the_environment_says_how_to_give_it(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text("""name: vars
service: varsvc
environment: prod
vars:
  REGION: {from_env: DEPLOY_REGION}
  TOKEN: {from_env: DEPLOY_TOKEN, secret: true}
phases:
  - name: One
    steps: ["echo $REGION"]
""")
    env = {k: v for k, v in os.environ.items() if k not in ("DEPLOY_REGION", "DEPLOY_TOKEN")}
    r = subprocess.run([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "DEPLOY_REGION is not set: export it, or pass --var REGION=VALUE" in r.stderr, r.stderr
    # a secret never on the command line (golive refuses it there): the environment only
    assert "DEPLOY_TOKEN is not set: export it)" in r.stderr and "--var TOKEN" not in r.stderr, r.stderr


def test_a_confirmation_from_another_shell_says_how_the_run_goes_on(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text("""name: manual
service: manualsvc
environment: prod
phases:
  - name: One
    steps:
      - manual: check the dashboard
      - manual: tell the support desk
""")
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert r.code == 3, r.out + r.err
    run = r.out.split("run ", 1)[1].split()[0]
    one = golive("confirm", run, "1.1", "--by", "bob", cwd=workdir)
    assert one.code == 0 and one.out.strip().endswith(f"continue with: golive resume {run}"), one.out + one.err
    rest = golive("confirm", run, "--phase", "1", "--by", "bob", cwd=workdir)
    assert rest.code == 0 and rest.out.strip().endswith(f"continue with: golive resume {run}"), rest.out + rest.err
    assert golive("resume", run, "--no-wait", cwd=workdir).code == 0


def test_a_dry_run_says_which_gate_a_real_run_would_wait_at(workdir: Path) -> None:
    """A dry run passes every gate to walk the whole plan; it printed a bare 'phase 1 GO' for a gate a real run
    stops at for an approval, so the rehearsal hid the one place the night needs a second person."""
    _plan(workdir)
    r = golive("run", "plan.yaml", "--dry-run", cwd=workdir)
    assert r.code == 0, r.out + r.err
    assert "phase 1 GO (would wait for 1 approval(s) from release)" in r.out, r.out
