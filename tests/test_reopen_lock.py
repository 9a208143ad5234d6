"""A run reopened by `golive rollback RUN --level N` after it ended holds its service again, from the request until
the level's round ends: no other run of the service starts in between (its level, a database restore, would undo
that run's work), in the same run log or, through its lock files, in another. Real stores, real `golive`
processes for the second operator."""

from __future__ import annotations

import getpass
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import another_machine, golive
from enginekit import HEAD, T0, Harness
from golive.errors import DecisionRefused, GoliveError, RunLocked
from golive.run.decisions import request_rollback
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock
from test_rollback_conditions import LADDER
from test_ssh import SshHosts, sshd  # noqa: F401 - four real sshd "hosts"

OTHER = HEAD + "phases:\n  - name: One\n    steps: [\"echo other >> trail.log\"]\n"


def _ended(tmp_path: Path, text: str = LADDER) -> tuple[SQLiteStore, Harness, str]:
    """A run of `text` in ./.golive/golive.db (where `golive` finds it from tmp_path) that ended rolled back."""
    store = SQLiteStore(tmp_path / ".golive" / "golive.db")
    h = Harness(tmp_path, store, FakeClock(T0))
    rid = h.start(text)
    assert h.drive(rid) == 1 and h.state(rid).outcome == "rolled-back"
    return store, h, rid


def test_a_second_run_is_refused_until_the_reopened_level_ran(tmp_path: Path) -> None:
    store, h, rid = _ended(tmp_path)
    try:
        (tmp_path / "other.yaml").write_text(OTHER, encoding="utf-8")
        request_rollback(store, rid, "dba", "orders table lost rows", 3)
        refused = golive("run", "other.yaml", cwd=tmp_path)  # another process, the same run log
        assert refused.code != 0 and f"held by run {rid}" in refused.err, refused
        assert store.get_run(rid).active
        assert h.drive(rid) == 1 and h.state(rid).outcome == "rolled-back"  # the level's round ends
        assert not store.get_run(rid).active
        assert golive("run", "other.yaml", cwd=tmp_path).code == 0
        assert h.trail()[-3:] == ["restore", "schema-back", "other"]
    finally:
        store.close()


def _racing(store: SQLiteStore, during: Callable[[], None]) -> None:
    """Run `during` (another process acting) inside the reopen, right before it holds the service again."""
    hold = store.reopen

    def reopen(run_id: str) -> None:
        during()
        hold(run_id)

    store.reopen = reopen  # type: ignore[method-assign]


def test_a_second_operator_racing_the_reopen_is_refused_then_finds_it_asked(tmp_path: Path) -> None:
    store, _h, rid = _ended(tmp_path)
    seen: list[str] = []

    def second_operator() -> None:
        res = golive("rollback", rid, "--level", "2", "--reason", "schema looks wrong", cwd=tmp_path)
        assert res.code != 0 and "being acted on by another process" in res.err, res
        seen.append(res.err)

    try:
        _racing(store, second_operator)
        request_rollback(store, rid, "dba", "orders table lost rows", 3)
        assert seen
        again = golive("rollback", rid, "--level", "2", "--reason", "schema looks wrong", cwd=tmp_path)
        assert again.code != 0 and "level 3 of run" in again.err and "already requested by dba" in again.err
        assert [e.type for e in store.events(rid)].count("rollback.requested") == 1
    finally:
        store.close()


@pytest.mark.parametrize("ends", [False, True])
def test_a_run_started_by_another_process_during_the_reopen_wins(tmp_path: Path, ends: bool) -> None:
    """It started before the reopen held the service: the reopen is refused and records nothing, whether that run
    still holds the service (waiting at its gate) or already ended."""
    store, _h, rid = _ended(tmp_path)
    other = OTHER if ends else OTHER + "    gate:\n      approvals: {count: 1}\n"
    (tmp_path / "other.yaml").write_text(other, encoding="utf-8")
    before = len(store.events(rid))
    try:
        _racing(store, lambda: golive("run", "other.yaml", "--no-wait", cwd=tmp_path))
        # still held: the run log refuses the hold; ended: the reopen finds it once it holds the service
        with pytest.raises(DecisionRefused if ends else RunLocked, match="started after run" if ends else "held by"):
            request_rollback(store, rid, "dba", "orders table lost rows", 3)
        assert len(store.events(rid)) == before and not store.get_run(rid).active
        assert store.get_run(rid).status == "rolled-back"
    finally:
        store.close()


LOCKED = LADDER.replace("phases:", "locks:\n  - local: {dir}\nphases:", 1)


def test_the_reopen_takes_the_runs_lock_files_and_is_refused_when_another_log_holds_them(tmp_path: Path) -> None:
    """Two run logs on one machine share the plan's lock file: the reopened run holds it against a run kept in the
    other log; while a run of that log holds it, the reopen is refused and leaves nothing."""
    text = LOCKED.format(dir=tmp_path / "locks")
    store, h, rid = _ended(tmp_path, text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = SQLiteStore(elsewhere / "runs.db")
    o = Harness(elsewhere, other, FakeClock(T0))
    gated = text.replace('shell: "exit 3"', "shell: echo fine\n    gate:\n      approvals: {count: 1}")
    try:
        holder = o.start(gated)
        assert o.drive(holder) == 3  # waits at its gate, holding the lock file
        with pytest.raises(GoliveError, match=f"held by run {holder}|run {holder}"):
            request_rollback(store, rid, "dba", "orders table lost rows", 3)
        assert not store.get_run(rid).active and h.state(rid).outcome == "rolled-back"
        request_rollback(other, holder, "ops", "not today", None)
        assert o.drive(holder) == 1  # ended: the lock file is free
        request_rollback(store, rid, "dba", "orders table lost rows", 3)
        with pytest.raises(RunLocked, match=f"run {rid}"):
            o.start(gated)
        assert h.drive(rid) == 1
        assert o.drive(o.start(gated)) == 3  # the level ran: free again
    finally:
        store.close()
        other.close()


def test_a_refused_request_holds_nothing(tmp_path: Path) -> None:
    store, _h, rid = _ended(tmp_path)
    try:
        with pytest.raises(DecisionRefused, match="already ended: rolled-back"):
            request_rollback(store, rid, "dba", "no level", None)
        assert not store.get_run(rid).active  # a refused request holds nothing
    finally:
        store.close()


ON_HOSTS = """\
name: locked
service: locksvc
environment: prod
{group}locks:
  - hosts: web
    path: {path}
phases:
  - name: One
    steps:
      - name: change
        shell: "echo changed >> changes.txt"
      - shell: "exit 3"
rollback:
  levels:
    - level: 1
      name: Back
      covers: [One]
      steps: ["echo back >> changes.txt"]
    - level: 2
      name: Restore
      when: only if data is wrong
      covers: [One]
      steps: ["echo restored >> changes.txt"]
"""


def test_the_reopen_takes_the_lock_file_on_each_host(workdir: Path, sshd: SshHosts) -> None:  # noqa: F811
    """Real sshd hosts: between the request for a level and the end of its round, a run of the service kept in
    another run log is refused by the run's lock file on the hosts."""
    group = (f"hosts:\n  web:\n    hosts: [{', '.join(sshd.hosts)}]\n    user: {getpass.getuser()}\n"
             f"    identity: keys/id_ed25519\n    known_hosts: {sshd.known_hosts}\n    connect_timeout: 5s\n"
             f"    lock_dir: {workdir / '.remote-locks'}\n")
    path = f"/tmp/golive-test-{os.getpid()}-{workdir.name}-reopen.lock"
    a, b = workdir / "team-a", workdir / "team-b"
    for d in (a, b):
        (d / "keys").mkdir(parents=True)
        shutil.copy(sshd.key, d / "keys" / "id_ed25519")
        (d / "plan.yaml").write_text(ON_HOSTS.format(group=group, path=path), encoding="utf-8")
    store_a, store_b = ("--store", str(a / "a.db")), ("--store", str(b / "b.db"))
    try:
        first = golive(*store_a, "run", "plan.yaml", "--no-wait", cwd=a)
        assert first.code == 1, first.out + first.err
        rid = first.out.split("run ", 1)[1].split()[0]
        assert not Path(path).exists()  # ended: its lock file went
        asked = golive(*store_a, "rollback", rid, "--level", "2", "--reason", "data is wrong", cwd=a)
        assert asked.code == 0, asked.err
        # b stands for another machine (its own host-wide service lock): the lock file on each host refuses it
        second = golive(*store_b, "run", "plan.yaml", "--no-wait", cwd=b, env=another_machine(b))
        assert second.code == 2 and f"held by run {rid}" in second.err and "on 127.0.0.1" in second.err, second.err
        assert not (b / "changes.txt").exists()
        assert golive(*store_a, "resume", rid, "--no-wait", cwd=a).code == 1
        assert (a / "changes.txt").read_text().split()[-1] == "restored"
        assert golive(*store_b, "run", "plan.yaml", "--no-wait", cwd=b).code == 1  # the level ran: free
    finally:
        Path(path).unlink(missing_ok=True)
