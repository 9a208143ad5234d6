"""The values an imported plan's shell steps save for later steps (`$TMPDIR/golive-state-RUN`) go once no step can
read them, and not before: a run killed with -9 keeps them for `golive resume`, a run that rolled back keeps them
while a rollback level may still be asked for, and the level reads them. Real `golive` processes, an imported plan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Result, golive
from golive.plan.importer import import_markdown
from golive.plan.importer.carry import STATE_DIR
from golive.run.carried_state import PREFIX, remove
from golive.store.sqlite import SQLiteStore

DOC = """# Switch the release
## Phase 1: Look (5 min)
```bash
cd {box}
PREV=$(readlink current)
```
## Phase 2: Switch (5 min)
```bash
ln -sfn releases/v2 current
```
## Phase 3: Check (5 min)
```bash
echo "checked from $PREV" >> {box}/trail
test -e {box}/healthy
```
## Rollback
### Level 1: Point back
```bash
ln -sfn "$PREV" current
```
### Level 2: Tell the team
```bash
echo "told: back from $PREV" >> {box}/trail
```
"""

#: Dies with golive the first time (golive is killed while it runs), passes at once when run again.
CRASH = {"name": "hold", "idempotent": True,
         "shell": "sh -c 'echo $$ > step.pid; [ -e resumed ] || exec sleep 60'"}


def _plan(workdir: Path, crash: bool = False, extra: list[dict[str, Any]] | None = None) -> Path:
    """The document imported, as a person would then edit it: level 2 is a person's choice."""
    box = workdir / "srv"
    if not box.exists():
        (box / "releases" / "v1").mkdir(parents=True)
        (box / "releases" / "v2").mkdir()
        (box / "current").symlink_to("releases/v1")
    plan = yaml.safe_load(import_markdown(DOC.format(box=box), "doc.md").yaml_text)
    plan["service"] = "switch"
    plan["rollback"]["levels"][1]["when"] = "only if the team was not told"
    if crash:
        plan["phases"][2]["steps"].insert(0, CRASH)
    if extra:
        plan["phases"][1]["steps"] += extra
    path = workdir / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    return path


def _env(workdir: Path) -> dict[str, str]:
    tmp = workdir / "tmp"
    tmp.mkdir(exist_ok=True)
    return {"TMPDIR": str(tmp)}


def _run(workdir: Path, *args: str) -> Result:
    return golive(*args, cwd=workdir, env=_env(workdir))


def _runs(workdir: Path) -> list[str]:
    store = SQLiteStore(workdir / ".golive" / "golive.db")
    try:
        return [r.id for r in sorted(store.list_runs(), key=lambda r: r.created_at)]
    finally:
        store.close()


def _saved(workdir: Path, run_id: str) -> Path:
    return workdir / "tmp" / (PREFIX + run_id)


def _trail(workdir: Path) -> list[str]:
    path = workdir / "srv" / "trail"
    return path.read_text().splitlines() if path.exists() else []


def _wait_for(path: Path, proc: subprocess.Popen[bytes]) -> None:
    """Until the step wrote its pid (polled: the step blocks until golive is killed)."""
    end = time.monotonic() + 60
    while not (path.exists() and path.read_text().strip()):
        assert proc.poll() is None, "golive exited before the step started"
        assert time.monotonic() < end, "the step never started"
        time.sleep(0.05)


def test_values_outlive_a_kill_and_a_rollback_with_a_level_left_and_go_after_the_level(workdir: Path) -> None:
    _plan(workdir, crash=True)
    env = {**os.environ, "GOLIVE_USER": "tester", **_env(workdir)}
    with (workdir / "golive.out").open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            _wait_for(workdir / "step.pid", proc)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            os.killpg(os.getpgid(int((workdir / "step.pid").read_text())), signal.SIGKILL)
    [rid] = _runs(workdir)
    assert (_saved(workdir, rid) / "line4.sh").is_file()  # killed mid-run: kept
    assert os.readlink(workdir / "srv" / "current") == "releases/v2"

    (workdir / "resumed").touch()
    res = _run(workdir, "resume", rid, "--no-wait")
    assert res.code == 1, res.out + res.err  # the check fails: rolled back at level 1
    assert _trail(workdir) == ["checked from releases/v1"]  # the resumed process read the value saved before
    assert os.readlink(workdir / "srv" / "current") == "releases/v1"
    assert (_saved(workdir, rid) / "line4.sh").is_file()  # level 2 may still be asked for: kept
    assert _run(workdir, "runs", "--prune").out == ""
    assert (_saved(workdir, rid) / "line4.sh").is_file()

    assert _run(workdir, "rollback", rid, "--level", "2", "--reason", "nobody was told").code == 0
    res = _run(workdir, "resume", rid, "--no-wait")
    assert res.code == 1, res.out + res.err
    assert _trail(workdir)[-1] == "told: back from releases/v1"  # the level read it, after the run had ended
    assert not _saved(workdir, rid).exists()  # every level ran: nothing can read them any more


def test_a_succeeded_run_removes_them_without_following_links(workdir: Path) -> None:
    precious = workdir / "precious"
    (precious / "inside").mkdir(parents=True)
    (precious / "inside" / "keep").write_text("keep")
    (precious / "file").write_text("keep")
    links = {"name": "links", "shell": 'd="$TMPDIR/golive-state-$GOLIVE_RUN_ID"; ln -s "$1" "$d/to-dir";'
             ' ln -s "$1/file" "$d/to-file"; mkdir "$d/sub"; ln -s "$1/inside" "$d/sub/to-inside"'}
    links["shell"] = links["shell"].replace("$1", str(precious))
    _plan(workdir, extra=[links])
    (workdir / "srv" / "healthy").touch()
    res = _run(workdir, "run", "plan.yaml", "--no-wait")
    assert res.code == 0, res.out + res.err
    [rid] = _runs(workdir)
    assert not _saved(workdir, rid).exists()
    assert (precious / "file").read_text() == "keep" and (precious / "inside" / "keep").read_text() == "keep"


def test_a_later_run_of_the_service_removes_those_no_level_can_reopen(workdir: Path) -> None:
    _plan(workdir)
    assert _run(workdir, "run", "plan.yaml", "--no-wait").code == 1
    [first] = _runs(workdir)
    assert (_saved(workdir, first) / "line4.sh").is_file()  # level 2 is left
    (workdir / "srv" / "healthy").touch()
    assert _run(workdir, "run", "plan.yaml", "--no-wait").code == 0
    second = _runs(workdir)[-1]
    assert not _saved(workdir, first).exists() and not _saved(workdir, second).exists()
    refused = _run(workdir, "rollback", first, "--level", "2", "--reason", "late")
    assert refused.code != 0 and "started after run" in refused.err


def test_prune_removes_a_done_runs_folder_and_never_a_link(workdir: Path) -> None:
    _plan(workdir)
    (workdir / "srv" / "healthy").touch()
    assert _run(workdir, "run", "plan.yaml", "--no-wait").code == 0
    [rid] = _runs(workdir)
    left = _saved(workdir, rid)  # left by a golive before this one, or a step that failed to remove it
    (left / "sub").mkdir(parents=True)
    (left / "sub" / "line4.sh").write_text("PREV=x\n")
    res = _run(workdir, "runs", "--prune")
    assert res.out.strip() == f"removed {left}" and not left.exists()
    target = workdir / "target"
    target.mkdir()
    (target / "line4.sh").write_text("keep")
    left.symlink_to(target)
    assert _run(workdir, "runs", "--prune").out == ""
    assert left.is_symlink() and (target / "line4.sh").read_text() == "keep"


def test_remove_leaves_another_users_folder(tmp_path: Path) -> None:
    theirs = tmp_path / (PREFIX + "20261201-000000-abcd")
    theirs.mkdir()
    (theirs / "line4.sh").write_text("PREV=x\n")
    os.chown(theirs, 65534, 65534)
    assert not remove(tmp_path, "20261201-000000-abcd") and (theirs / "line4.sh").exists()
    assert not remove(tmp_path, "../" + tmp_path.name)  # a run id is a name, never a path


@pytest.mark.parametrize("tmpdir", ["", "/var/tmp/x"])
def test_the_folder_name_is_the_one_the_importer_writes(tmpdir: str) -> None:
    env = {"GOLIVE_RUN_ID": "R1", **({"TMPDIR": tmpdir} if tmpdir else {})}
    shown = subprocess.run(["bash", "-c", f"printf %s {STATE_DIR}"], env=env, capture_output=True, text=True,
                           check=True).stdout
    assert shown == f"{tmpdir or '/tmp'}/{PREFIX}R1"
