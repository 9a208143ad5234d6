"""The host-wide service lock's variables (golive.run.host_lock), with real golive processes on this machine's real
lock directories (a unique service name each):

- GOLIVE_TESTING_HOST_LOCK_DIR alone (one stray export) is ignored and said so: the user still meets everyone else;
- with its marker (golive's tests) it replaces the machine's directories, and every run and resume says so on
  stderr;
- a run whose added directory (GOLIVE_HOST_LOCK_DIR) became unusable still frees its record in the machine's."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import Result, golive
from golive.run import host_lock

GATED = "    gate:\n      approvals: {count: 1}\n"


def _service(workdir: Path, stem: str) -> str:
    return f"{stem}{os.getpid()}x{workdir.name[-6:].replace('_', '')}"


def _plan(service: str, step: str = "'true'", gate: str = GATED) -> str:
    return (f"name: var\nservice: {service}\nenvironment: prod\nphases:\n  - name: One\n    steps:\n"
            f"      - shell: {step}\n{gate}")


def _machine_files(service: str) -> list[Path]:
    return [host_lock.lock_file(d, service, "prod") for d in host_lock.DEFAULT_DIRS]


def _run(user: Path, env: dict[str, str]) -> tuple[Result, str]:
    r = golive("--store", str(user / "runs.db"), "run", "plan.yaml", "--no-wait", cwd=user, env=env)
    listed = json.loads(golive("--store", str(user / "runs.db"), "runs", "--json", cwd=user).out or "[]")
    return r, str(listed[0]["run"]) if listed else ""


def test_the_testing_variable_alone_never_splits_a_user_from_the_machine(workdir: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Alice has GOLIVE_TESTING_HOST_LOCK_DIR exported (a CI job, a wrapper's tests) but not its marker; bob has
    neither. Alice is told the variable is ignored, and bob is refused while alice's run waits at its gate."""
    monkeypatch.delenv(host_lock.TESTING_ENV)
    monkeypatch.delenv(host_lock.TESTING_MARK)
    service = _service(workdir, "testvar")
    alice, bob = workdir / "alice", workdir / "bob"
    for user in (alice, bob):
        user.mkdir()
        (user / "plan.yaml").write_text(_plan(service))
    try:
        first, run_a = _run(alice, {host_lock.TESTING_ENV: str(alice / "own-locks")})
        assert first.code == 3, first.out + first.err
        second, _ = _run(bob, {})
        assert second.code == 2, second.out + second.err
        assert f"is held by run {run_a}" in second.err
        assert f"{host_lock.TESTING_ENV} is set but ignored" in first.err, first.err
        assert not list((alice / "own-locks").glob("*.lock"))
    finally:
        for path in _machine_files(service):
            path.unlink(missing_ok=True)


def test_a_run_with_machine_locks_replaced_says_so_loudly(workdir: Path) -> None:
    """The test suite's own setting (variable and marker): honoured, and never silent, on a resume too."""
    (workdir / "plan.yaml").write_text(_plan(_service(workdir, "loud")))
    r, run = _run(workdir, {})
    assert r.code == 3, r.out + r.err
    replaced = os.environ[host_lock.TESTING_ENV]
    assert f"golive: WARNING: {host_lock.TESTING_ENV}={replaced}" in r.err, r.err
    assert "not in this machine's /var/lock/golive and /tmp/golive-locks" in r.err
    assert r.err.count("golive: WARNING") == 1, r.err  # once, though `run` takes its locks twice
    resumed = golive("--store", str(workdir / "runs.db"), "resume", run, "--no-wait", cwd=workdir)
    assert resumed.code == 3 and f"golive: WARNING: {host_lock.TESTING_ENV}={replaced}" in resumed.err, resumed.err


def test_a_run_whose_added_lock_directory_went_away_still_frees_the_machines(workdir: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """GOLIVE_HOST_LOCK_DIR (a share) stops being a directory during the run (its step replaces it by a file, as an
    unmounted share would fail): at the run's end its record is still emptied in the machine's directories."""
    monkeypatch.delenv(host_lock.TESTING_ENV)
    service = _service(workdir, "dropvar")
    share = workdir / "share"
    (workdir / "plan.yaml").write_text(_plan(service, f"'mv {share} {share}.gone && touch {share}'", gate=""))
    try:
        r, run = _run(workdir, {host_lock.ENV: str(share)})
        assert r.code == 0, r.out + r.err
        assert run and share.is_file()
        assert json.loads((share.with_name("share.gone") / host_lock.lock_file(share, service, "prod").name)
                          .read_text())["run"] == run  # it did hold the share
        held = {str(p): p.read_text() for p in _machine_files(service) if p.exists() and p.read_text().strip()}
        assert held == {}, held
    finally:
        for path in _machine_files(service):
            path.unlink(missing_ok=True)
