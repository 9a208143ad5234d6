"""Read commands import only what they use: `golive status` on a waiting run loads no numerical, database, SSH,
HTTP or web library, and no step kind (the step titles it shows come from the log); `status`, `log`, `runs` and a
refused `approve` load no pydantic at all (the log is read with msgspec; the plan is validated only by commands that
need its model). Checked on the real command with `python -X importtime`, which names every module the process
imported, so a heavy import added anywhere on these paths fails here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from inproc import cli

HEAVY = ("numpy", "scipy", "psycopg", "asyncssh", "httpx", "starlette")

PLAN = """name: imports
service: importsvc
environment: prod
phases:
  - name: Prepare
    steps:
      - name: say hello
        shell: echo hello
      - name: look at the dashboard
        manual: {instruction: check the dashboard}
"""


def imported(*args: str, cwd: Path) -> set[str]:
    env = {**os.environ, "GOLIVE_USER": "tester"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "golive", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 2, 3), proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            if name != "package":
                names.add(name)
    assert "golive" in names, proc.stderr[-2000:]
    return names


def top_level(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def waiting_run(workdir: Path) -> str:
    (workdir / "plan.yaml").write_text(PLAN)
    r = cli("run", "plan.yaml", "--no-wait")
    assert r.code == 3, r.out + r.err
    runs = cli("runs", "--json")
    return str(json.loads(runs.out)[0]["run"])


def test_status_imports_no_heavy_library_and_no_step_kind(workdir: Path) -> None:
    run_id = waiting_run(workdir)
    names = imported("status", run_id, cwd=workdir)
    assert not top_level(names) & set(HEAVY), sorted(top_level(names) & set(HEAVY))
    assert "golive.steps.registry" not in names
    assert "golive.plan.model" not in names
    # and it still names the waiting step by its title
    r = cli("status", run_id, "--json")
    steps = json.loads(r.out)["steps"]
    assert [(s["step"], s["name"], s["status"]) for s in steps] == [("1.2", "look at the dashboard", "waiting")], steps


def test_log_and_version_import_no_heavy_library(workdir: Path) -> None:
    run_id = waiting_run(workdir)
    for args in (("log", run_id), ("--version",)):
        names = imported(*args, cwd=workdir)
        assert not top_level(names) & set(HEAVY), (args, sorted(top_level(names) & set(HEAVY)))
        assert "golive.plan.model" not in names, args


#: What reading a run log never needs: the plan model (pydantic, every step kind), the report model and its builder
#: (which validates the recorded plan), and the key machinery of signed decisions (asyncssh).
NOT_FOR_READING = ("pydantic", "golive.plan.model", "golive.steps.registry", "golive.report.model",
                   "golive.report.builder", "golive.seal.keys", "asyncssh")


def test_read_commands_import_no_pydantic_no_plan_model_no_report_model(workdir: Path) -> None:
    run_id = waiting_run(workdir)
    for args in (("status", run_id), ("log", run_id), ("runs",), ("--version",),
                 # refused before any plan rule or key is needed: the run waits at a manual step, not a gate
                 ("approve", run_id, "--by", "someone", "--reason", "looks fine")):
        names = imported(*args, cwd=workdir)
        loaded = sorted(n for n in NOT_FOR_READING if n in names)
        assert not loaded, (args, loaded)
        assert not top_level(names) & set(HEAVY), (args, sorted(top_level(names) & set(HEAVY)))
    # and the answers are still the right ones
    assert "not waiting at a gate" in cli("approve", run_id, "--by", "someone", "--reason", "looks fine").err
    rows = json.loads(cli("runs", "--json").out)
    assert [(r["run"], r["result"]) for r in rows] == [(run_id, "waiting")], rows


SHELL_PLAN = """name: shell only
service: shellsvc
environment: prod
phases:
  - name: Deploy
    steps:
      - name: say hello
        shell: echo hello
        undo: echo goodbye
      - echo again
    gate:
      checks:
        - shell: test -d /
"""


#: Where the models of the plan's optional sections live (golive.plan.model validates them lazily).
SECTIONS = ("golive.traffic.registry", "golive.targets.ssh", "golive.plan.locks", "golive.plan.evidence")


def step_and_check_modules(names: set[str]) -> set[str]:
    return {n for n in names if n.startswith(("golive.steps.", "golive.checks."))}


def test_plan_show_of_a_shell_plan_builds_no_other_step_kind_and_no_check(workdir: Path) -> None:
    """Step kinds (and checks) are imported, and their models built, when a plan names them: `plan show` of a
    plan of shell steps loads the shell step and the registry's names, not canary, rolling or the postgres check."""
    (workdir / "plan.yaml").write_text(SHELL_PLAN)
    names = imported("plan", "show", "plan.yaml", cwd=workdir)
    assert step_and_check_modules(names) == {"golive.steps.base", "golive.steps.registry", "golive.steps.kinds",
                                             "golive.steps.shell"}
    assert not top_level(names) & set(HEAVY), sorted(top_level(names) & set(HEAVY))
    # nor the models of plan sections it leaves out: routers, host groups, locks, contacts and the change record
    assert not names & set(SECTIONS), sorted(names & set(SECTIONS))
    shown = cli("plan", "show", "plan.yaml")
    assert shown.code == 0 and "$ echo hello" in shown.out and "$ test -d /" in shown.out, shown.out + shown.err


def test_a_plan_naming_an_unknown_kind_is_told_every_kind_where_it_wrote_it(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(SHELL_PLAN.replace("      - echo again\n", "      - frobnicate: now\n"))
    env = {**os.environ, "GOLIVE_USER": "tester"}
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "golive", "plan", "validate", "plan.yaml"],
                          cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    issues = [line for line in proc.stderr.splitlines() if not line.startswith("import time:")]
    assert issues == ["plan.yaml:10:9: phases[0].steps[1]: a step needs one of: shell, manual, wait, http, check,"
                      " backup, restore, migrate, sql, switch, canary, ssh, rolling"], proc.stderr[-2000:]


def test_a_check_step_loads_only_the_check_it_names(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(SHELL_PLAN.replace("        - shell: test -d /\n",
                                                          "        - check: {type: disk, path: /, min_free: 1KB}\n"))
    names = imported("plan", "show", "plan.yaml", cwd=workdir)
    assert step_and_check_modules(names) == {"golive.steps.base", "golive.steps.registry", "golive.steps.kinds",
                                             "golive.steps.shell", "golive.steps.check", "golive.checks._common",
                                             "golive.checks.disk"}
    shown = cli("plan", "show", "plan.yaml")
    assert shown.code == 0 and "check disk" in shown.out, shown.out + shown.err


#: What building a pydantic model needs: the report of a recorded run reads the plan's JSON (golive.plan.recorded).
PLAN_MODELS = ("pydantic", "pydantic_core", "golive.plan.model", "golive.steps.registry", "golive.steps.base",
               "golive.core.fields", "golive.core.lazyunion", "importlib.metadata")

CHANGE_PLAN = """name: recorded
service: recsvc
environment: prod
version: {from: "1.0", to: "1.1"}
approvers: {ops: [ann]}
change: {ticket: CHG-7, reason: a reason, testing: ["https://ci.example/7"]}
phases:
  - name: Prepare
    timebox: 5m
    steps:
      - name: say hello
        shell: echo hello
        undo: echo goodbye
    gate:
      description: ready
      checks:
        - name: root exists
          shell: test -d /
      approvals: {count: 1, role: ops}
  - name: Finish
    steps:
      - manual: {instruction: look at the dashboard}
success_criteria:
  - it works
"""


def test_a_report_builds_no_plan_model_and_no_yaml_loader(workdir: Path) -> None:
    """The plan recorded in run.created was validated when the run started, and the log's hash chain covers it:
    the report reads it as recorded, without pydantic, the plan and step models, the YAML loader, asyncio or socket.
    Its gate criteria, approvers, version and change record are the plan's, as the plan model gives them."""
    (workdir / "plan.yaml").write_text(CHANGE_PLAN)
    r = cli("run", "plan.yaml", "--no-wait")
    assert r.code == 3, r.out + r.err
    run_id = str(json.loads(cli("runs", "--json").out)[0]["run"])
    names = imported("report", run_id, "--format", "json", cwd=workdir)
    assert step_and_check_modules(names) == {"golive.steps.kinds"}, sorted(step_and_check_modules(names))
    loaded = sorted(n for n in (*PLAN_MODELS, "golive.plan.loader", *SECTIONS) if n in names)
    assert not loaded, loaded
    assert not top_level(names) & {"ruamel", "asyncio", *HEAVY}, sorted(top_level(names) & {"ruamel", "asyncio"})
    # nor what only signing and owning a run ask for (the host name, the OS user: socket, getpass with termios);
    # verifying the signatures and checkpoints, which the report does, needs neither
    assert not names & {"socket", "getpass", "termios"}, sorted(names & {"socket", "getpass", "termios"})
    report = json.loads(cli("report", run_id, "--format", "json").out)
    assert report["run_id"] == run_id and report["version_to"] == "1.1", sorted(report)
    assert report["change"] == {"ticket": "CHG-7", "reason": "a reason",
                                "testing": [{"url": "https://ci.example/7"}]}, report["change"]
    gate = report["gates"][0]
    assert gate["criteria"] == ["ready", "check: root exists", "at most 0 failed step(s)",
                                "within the timebox (300s), overrun: warn", "1 approval(s) from ops"], gate
    assert gate["candidates"] == ["ann"], gate
    assert [c["description"] for c in report["criteria"]] == ["it works"], report["criteria"]


def test_a_step_with_no_name_and_no_start_is_titled_by_the_validated_plan(workdir: Path) -> None:
    """A step's generated title (its kind's `describe`) is not in the recorded JSON: for a step the run has a
    record of but never started (a manual step confirmed ahead), the report asks the validated plan."""
    later = "  - name: Later\n    steps:\n      - manual: {instruction: look again}\n"
    (workdir / "plan.yaml").write_text(PLAN + later)
    assert cli("run", "plan.yaml", "--no-wait").code == 3
    run_id = str(json.loads(cli("runs", "--json").out)[0]["run"])
    assert cli("confirm", run_id, "--phase", "2", "--by", "ann", "--reason", "ahead").code == 0
    names = imported("report", run_id, "--format", "json", cwd=workdir)
    assert "golive.plan.model" in names and "golive.steps.manual" in names, "the title came from elsewhere"
    steps = {s["id"]: s["title"] for s in json.loads(cli("report", run_id, "--format", "json").out)["steps"]}
    assert steps["2.1"] == "confirm: look again", steps


def test_plan_show_reads_no_package_metadata_when_no_pydantic_plugin_is_installed(workdir: Path) -> None:
    """Pydantic asks for its plugins when golive builds the first plan model; with none installed, golive says so
    (golive.core.pydantic_plugins) and importlib.metadata, with email and zipfile, is not imported for it."""
    (workdir / "plan.yaml").write_text(SHELL_PLAN)
    names = imported("plan", "show", "plan.yaml", cwd=workdir)
    assert not names & {"importlib.metadata", "email", "zipfile"}, sorted(names & {"importlib.metadata", "email"})


def test_running_a_shell_plan_loads_no_ssh_library(workdir: Path) -> None:
    """A run whose steps are all local contacts no host over SSH: `golive run` signs its checkpoints with the
    runner's Ed25519 key through cryptography, not asyncssh (~0.1 s of CPU to import), and the run is sealed.
    A plan that names no channel and no contacts, run by someone without an apprise file, builds no notifier."""
    (workdir / "plan.yaml").write_text(SHELL_PLAN)
    names = imported("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert not top_level(names) & set(HEAVY), sorted(top_level(names) & set(HEAVY))
    assert not names & {"golive.notify.notifier", "golive.notify.send"}, sorted(names)
    # every run takes the host-wide service lock (whatever its run log); HTML's entity table is for some
    # reports only (the report escapes without it)
    assert "golive.run.host_lock" in names
    assert "html.entities" not in names, sorted(names)
    run_id = str(json.loads(cli("runs", "--json").out)[0]["run"])
    r = cli("audit", "verify", run_id)
    assert r.code == 0 and "checkpoint" in r.out, r.out + r.err


SSH_PLAN = """name: ssh only
service: sshsvc
environment: prod
hosts:
  web: {hosts: [10.0.0.1, 10.0.0.2], user: deploy}
phases:
  - name: Deploy
    steps:
      - ssh: {on: web, command: uname -a, expect_exit: 0}
"""


def test_plan_show_of_an_ssh_plan_builds_no_shell_step(workdir: Path) -> None:
    """An ssh step shares the command timeout and the `expect_exit: 0`-or-list field with shell steps, from
    golive.steps.base and golive.core.fields: a plan of ssh steps builds no shell step model (~2 models)."""
    (workdir / "plan.yaml").write_text(SSH_PLAN)
    names = imported("plan", "show", "plan.yaml", cwd=workdir)
    assert step_and_check_modules(names) == {"golive.steps.base", "golive.steps.registry", "golive.steps.kinds",
                                             "golive.steps.ssh"}, sorted(step_and_check_modules(names))
    shown = cli("plan", "show", "plan.yaml")
    assert shown.code == 0 and "uname -a" in shown.out, shown.out + shown.err
