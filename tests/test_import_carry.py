"""Shell state across blocks, where a document needs it (golive.plan.importer.carry, golive.plan.md_shell_state).

Before: carried state reached later forward steps and every rollback level (with ALL the forward state), never an
`undo`; a value worked out by a command (`PREV=$(readlink current)`) was worked out again in each later step, so a
rollback to "$PREV" after the switch pointed at the new release and changed nothing; an `exec 3>>log` and an ERR
trap were lost; an EXIT trap's place was not said; bash state was put in front of PowerShell scripts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from test_import_differential import run_as_steps


def _plan(doc: str) -> tuple[dict[str, Any], str, str]:
    res = import_markdown(doc, "doc.md")
    parse_plan_text(res.yaml_text, "doc.yaml")
    return yaml.safe_load(res.yaml_text), res.yaml_text, "\n".join(res.summary)


def _cmd(step: dict[str, Any]) -> str:
    shell = step["shell"]
    return str(shell if isinstance(shell, str) else shell["command"])


SWITCH = """# Switch the release
## Phase 1: Look (5 min)
```bash
cd {box}
PREV=$(readlink current)
export KUBECONFIG=/etc/k8s/prod.yaml
```
## Phase 2: Switch (5 min)
```bash
ln -sfn releases/v2 current
```
To undo it, run:
```bash
ln -sfn "$PREV" current
```
## Rollback
### Level 1: Point back
```bash
ln -sfn "$PREV" current
echo "back to $PREV"
```
"""


def _switch_box(tmp_path: Path) -> Path:
    box = tmp_path / "srv"
    (box / "releases" / "v1").mkdir(parents=True)
    (box / "releases" / "v2").mkdir()
    (box / "current").symlink_to("releases/v1")
    return box


def _env(tmp_path: Path) -> dict[str, str]:
    state = tmp_path / "tmp"
    state.mkdir(exist_ok=True)
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "TMPDIR": str(state)}


def test_a_value_worked_out_before_the_switch_is_the_one_the_way_back_uses(tmp_path: Path) -> None:
    box = _switch_box(tmp_path)
    plan, _text, summary = _plan(SWITCH.format(box=box))
    forward = [s for ph in plan["phases"] for s in ph["steps"]]
    level = plan["rollback"]["levels"][0]["steps"]
    # never worked out again after the switch: read back from what the first step saved
    for step in [forward[1], forward[1]["undo"], *level]:
        assert "PREV=$(readlink current)" not in _cmd(step), _cmd(step)
    assert "PREV worked out by a command" in summary
    # run: the forward steps, then the level (as a failure after the switch would)
    out = run_as_steps([{"command": _cmd(s)} for s in [*forward, *level]], {}, tmp_path, _env(tmp_path))
    assert os.readlink(box / "current") == "releases/v1", out
    assert "back to releases/v1" in out
    # and the undo alone, after the same forward steps
    (box / "current").unlink()
    (box / "current").symlink_to("releases/v1")
    run_as_steps([{"command": _cmd(s)} for s in [*forward, forward[1]["undo"]]], {}, tmp_path, _env(tmp_path))
    assert os.readlink(box / "current") == "releases/v1"


def test_an_undo_and_a_level_see_the_state_written_above_them(tmp_path: Path) -> None:
    plan, _text, _summary = _plan(SWITCH.format(box="/srv/app"))
    undo = _cmd(plan["phases"][1]["steps"][0]["undo"])
    level = _cmd(plan["rollback"]["levels"][0]["steps"][0])
    for script in (undo, level):
        assert "cd /srv/app" in script and "export KUBECONFIG=/etc/k8s/prod.yaml" in script, script
        assert script.index("cd /srv/app") < script.index('ln -sfn "$PREV" current')


MIDDLE = """# Release
## Phase 1: One (5 min)
```bash
mkdir -p d1 && cd d1
export REGION=eu
```
## Rollback
### Level 1: Back
```bash
echo "back in $REGION"
```
## Phase 2: Two (5 min)
```bash
cd /srv/other
export REGION=us
```
"""


def test_a_rollback_section_between_phases_sees_the_state_above_it_only() -> None:
    plan, _text, _summary = _plan(MIDDLE)
    level = _cmd(plan["rollback"]["levels"][0]["steps"][0])
    assert "cd d1" in level and "export REGION=eu" in level
    assert "/srv/other" not in level and "REGION=us" not in level, level


def test_a_carried_cd_that_fails_stops_the_step(tmp_path: Path) -> None:
    """The document's shell was in that directory; where it does not exist the step must not run elsewhere."""
    doc = "# X\n## Phase 1: A\n```bash\ncd gone-dir\n```\n## Phase 2: B\n```bash\ntouch made-here\n```\n"
    plan, _text, _summary = _plan(doc)
    second = _cmd(plan["phases"][1]["steps"][0])
    assert "cd gone-dir" in second
    out = run_as_steps([{"command": second}], {}, tmp_path, _env(tmp_path))
    assert not (tmp_path / "made-here").exists(), out


FUNCS = """# Ops
## Phase 1: Tools
```bash
exec 3>>audit.log
trap 'echo "failed: $BASH_COMMAND" >&3' ERR
note() { echo "note: $*" >&3; }
```
## Phase 2: Work
```bash
note starting
false
```
## Phase 3: More
```bash
note done
```
"""


def test_functions_fds_and_err_traps_reach_later_blocks(tmp_path: Path) -> None:
    plan, _text, _summary = _plan(FUNCS)
    steps = [{"command": _cmd(s)} for ph in plan["phases"] for s in ph["steps"]]
    run_as_steps(steps[:2], {}, tmp_path, _env(tmp_path))
    run_as_steps(steps[2:], {}, tmp_path, _env(tmp_path))
    assert (tmp_path / "audit.log").read_text() == "note: starting\nfailed: false\nnote: done\n"


def test_what_ends_with_its_step_is_not_carried_and_is_said() -> None:
    doc = ("# X\n## Phase 1: A\n```bash\ntmp=/var/tmp/x\ntrap 'rm -rf \"$tmp\"' EXIT\nexec > deploy.log\n"
           "kubectl config use-context prod\n```\n## Phase 2: B\n```bash\n./deploy.sh\n```\n")
    plan, _text, summary = _plan(doc)
    second = _cmd(plan["phases"][1]["steps"][0])
    assert "trap" not in second and "exec" not in second, second
    assert "use-context" not in second  # kept on disk by kubectl itself: nothing to carry
    assert "tmp=/var/tmp/x" in second
    assert "runs when its own step ends" in summary and "truncates what it opens" in summary


def test_a_carried_secret_is_never_written_into_the_plan() -> None:
    doc = ("# X\n## Phase 1: A\n```bash\ncd /srv/app\nexport API_TOKEN=ghp_s3cr3tvalue1234\n"
           "DB_PASSWORD=$(vault kv get -field=pw secret/db)\n```\n## Phase 2: B\n```bash\n./deploy.sh\n```\n")
    plan, text, _summary = _plan(doc)
    assert "s3cr3tvalue" not in text
    second = _cmd(plan["phases"][1]["steps"][0])
    assert "API_TOKEN" in second
    # a secret read from a store is read again, never saved to disk by the plan
    assert "DB_PASSWORD=$(vault kv get -field=pw secret/db)" in second and "declare -p" not in text


def test_powershell_steps_get_no_bash_state() -> None:
    doc = ("# X\n## Phase 1: A\n```bash\ncd /srv/app\n```\n## Phase 2: B\n```powershell\n"
           "Restart-Service -Name app\n```\n")
    plan, _text, _summary = _plan(doc)
    step = plan["phases"][1]["steps"][0]
    assert "cd /srv/app" not in _cmd(step), step


def test_cd_or_exit_is_a_cd_done_and_said_in_its_place() -> None:
    """`cd /srv/app || exit 1`: past that line the cd was done. Read as state set on a branch (saved, read back where
    the block's last cd stands), the `source` after it ran in the directory before the block."""
    doc = ("# X\n## Phase 1: A\n```bash\ncd /srv/app || exit 1\nsource .venv/bin/activate\n"
           "mkdir -p web && pushd web >/dev/null\n```\n## Phase 2: B\n```bash\n./deploy.sh\n```\n")
    plan, text, _summary = _plan(doc)
    second = _cmd(plan["phases"][1]["steps"][0])
    assert "golive-state" not in text, text
    assert second.index("cd /srv/app") < second.index("source .venv/bin/activate") < second.index("pushd web")


ABOVE_LEVELS = """# X
## Phase 1: Deploy
```bash
./deploy.sh
```
## Rollback
Everything below runs from the release directory:
```bash
cd /srv/releases
export KUBECONFIG=/etc/k8s/prod.yaml
```
### Level 1: Undo the deploy
```bash
./undo.sh
```
"""


def test_a_rollback_sections_own_state_reaches_its_levels_never_the_forward_run() -> None:
    plan, _text, summary = _plan(ABOVE_LEVELS)
    level = _cmd(plan["rollback"]["levels"][0]["steps"][0])
    assert "cd /srv/releases" in level and "export KUBECONFIG=/etc/k8s/prod.yaml" in level, level
    assert "KUBECONFIG" not in (plan.get("vars") or {})  # not a var every forward step would see
    assert "KUBECONFIG" not in _cmd(plan["phases"][0]["steps"][0])
    assert "not placed" not in summary or "'Rollback'" not in summary.split("not placed", 1)[1]


def test_a_temporary_directory_is_made_once_and_every_later_step_goes_there(tmp_path: Path) -> None:
    """`WORKDIR=$(mktemp -d)` then `cd "$WORKDIR"`: said again, each later step made and entered a new empty
    directory; an exported value a program reads (`KUBECONFIG`) is saved even when no later script writes `$NAME`."""
    doc = ("# X\n## Phase 1: Build\n```bash\nWORKDIR=$(mktemp -d)\ncd \"$WORKDIR\"\n"
           "export KUBECONFIG=$(mktemp)\necho built > out.txt\n```\n"
           "## Phase 2: Check\n```bash\ncat out.txt\nenv | grep -c '^KUBECONFIG=/'\n```\n")
    plan, _text, _summary = _plan(doc)
    second = _cmd(plan["phases"][1]["steps"][0])
    assert "mktemp" not in second, second
    steps = [{"command": _cmd(s)} for ph in plan["phases"] for s in ph["steps"]]
    out = run_as_steps(steps, {}, tmp_path, _env(tmp_path))
    assert out.split() == ["built", "1"], out


def test_a_directory_entered_on_a_branch_is_where_later_steps_run(tmp_path: Path) -> None:
    """`if [ -d releases/v2 ]; then cd releases/v2; fi`: where the block ended is known only when it ran; it is saved
    then and read back (said again, the test would be made again later, against another state)."""
    (tmp_path / "releases" / "v2").mkdir(parents=True)
    doc = ("# X\n## Phase 1: A\n```bash\nif [ -d releases/v2 ]; then\n  cd releases/v2\nfi\n```\n"
           "## Phase 2: B\n```bash\nbasename \"$PWD\"\n```\n")
    plan, _text, _summary = _plan(doc)
    steps = [{"command": _cmd(s)} for ph in plan["phases"] for s in ph["steps"]]
    assert run_as_steps(steps, {}, tmp_path, _env(tmp_path)).split() == ["v2"]


def test_saving_what_a_block_left_never_runs_its_err_trap_into_the_saved_file(tmp_path: Path) -> None:
    """The save at the end of a step with an ERR trap: `declare -p A` of a name left unset fails, the trap printed
    into the saved file, and the later step ran that text as commands (`trapped: command not found`)."""
    doc = ("# X\n## Phase 1: A\n```bash\ntrap 'echo trapped' ERR\nif [ -e nothing-here ]; then\n  A=$(date)\nfi\n```\n"
           "## Phase 2: B\n```bash\necho \"a=${A:-none}\"\n```\n")
    plan, _text, _summary = _plan(doc)
    steps = [{"command": _cmd(s)} for ph in plan["phases"] for s in ph["steps"]]
    out = run_as_steps(steps, {}, tmp_path, _env(tmp_path))
    assert out.split() == ["a=none"], out


def test_what_a_carried_saying_prints_is_printed_once(tmp_path: Path) -> None:
    """`pushd releases` prints the directory stack; said again in front of each later step, every step printed it."""
    (tmp_path / "releases").mkdir()
    doc = "# X\n## Phase 1: A\n```bash\npushd releases\n```\n## Phase 2: B\n```bash\necho done\n```\n"
    plan, _text, _summary = _plan(doc)
    second = {"command": _cmd(plan["phases"][1]["steps"][0])}
    assert run_as_steps([second], {}, tmp_path, _env(tmp_path)).split() == ["done"]


def test_a_name_exported_twice_is_the_later_value_after_it(tmp_path: Path) -> None:
    """Two blocks of `export`s only set the same name: both were lifted into plan vars and the first value won."""
    doc = ("# X\n## Phase 1: A\n```bash\necho start\n```\n## Phase 2: B\n```bash\nexport CHANNEL=beta\n```\n"
           "## Phase 3: C\n```bash\nexport CHANNEL=stable\n```\n## Phase 4: D\n```bash\necho \"$CHANNEL\"\n```\n")
    plan, _text, _summary = _plan(doc)
    plan_vars = {k: str(v.get("value", "")) for k, v in (plan.get("vars") or {}).items()}
    last = {"command": _cmd(plan["phases"][-1]["steps"][0])}
    assert run_as_steps([last], plan_vars, tmp_path, _env(tmp_path)).split() == ["stable"]


def _planted(state: Path, names: list[str], mark: Path, foreign: bool) -> None:
    """What another user of a shared /tmp could leave where the run saves its values."""
    for name in names:
        (state / name).write_text(f"touch {mark}\nPREV=releases/v2\n")
        if foreign:
            os.chown(state / name, 65534, 65534)


def test_saved_values_are_never_read_from_a_folder_another_user_made_or_linked(tmp_path: Path) -> None:
    box = _switch_box(tmp_path)
    plan, _text, _summary = _plan(SWITCH.format(box=box))
    steps = [s for ph in plan["phases"] for s in ph["steps"]] + plan["rollback"]["levels"][0]["steps"]
    commands = [{"command": _cmd(s)} for s in steps]
    env = _env(tmp_path)
    run_as_steps(commands, {}, tmp_path, env)  # a clean run: the names the run saves under
    saved = Path(env["TMPDIR"]) / "golive-state-diff"
    names = sorted(p.name for p in saved.iterdir())
    assert names, "the first step saved nothing"

    for hostile in ("made", "linked"):
        (box / "current").unlink()
        (box / "current").symlink_to("releases/v1")
        mark = tmp_path / f"ran-{hostile}"
        tmp = tmp_path / f"tmp-{hostile}"
        tmp.mkdir()
        state = tmp / "golive-state-diff"
        target = state
        if hostile == "linked":
            target = tmp_path / "elsewhere"
            target.mkdir()
            state.symlink_to(target)  # the link's target is the run user's own: only the link is foreign
        else:
            state.mkdir()
            os.chown(state, 65534, 65534)
        hostile_env = {**env, "TMPDIR": str(tmp)}
        run_as_steps(commands[:1], {}, tmp_path, hostile_env)
        _planted(target, names, mark, foreign=hostile == "made")  # the folder's owner rewrites what is in it
        run_as_steps(commands[1:], {}, tmp_path, hostile_env)
        assert not mark.exists(), f"a planted file ran ({hostile})"  # the run stops at the first read instead
