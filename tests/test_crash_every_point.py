"""Kill golive (SIGKILL) after every single event of a run, resume like an operator, and demand the same end.

Property: for every kill point the run ends exactly as the uninterrupted run did (outcome, every step's and
phase's final status), each non-idempotent side effect happened exactly once (the step appends a line to a
counter file; if golive was killed before the step did anything, the operator does it by hand and says so
with `golive resolve`, which is the designed behaviour: golive never runs such a step twice and asks
instead), `golive audit verify` passes, and the log has no hole, no duplicate and no end without a start.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crash_harness import (
    KILL_HOOK,
    Effect,
    Outcome,
    ProxyProc,
    Scenario,
    drive,
    fork_cli,
    parallel_map,
    prewarm,
    problems,
    start_proxy,
    subprocess_cli,
)

WORKERS = max(2, min(4, (os.cpu_count() or 2) * 2))


def _once(counter: str, fail: bool = False) -> str:
    tail = "; exit 3" if fail else ""
    return f"'echo once >> out/{counter}.count; {KILL_HOOK}{tail}'"


#: The migration (schema revision = SQLite's user_version) and its way back, each counted in out/*.count.
MIGRATE_UP = ("echo once >> out/migrate.count; sqlite3 data/app.db 'BEGIN; CREATE TABLE loans (id INTEGER PRIMARY KEY,"
              " amount INTEGER); INSERT INTO loans (amount) VALUES (100), (250); PRAGMA user_version = 2; COMMIT;'")
MIGRATE_DOWN = ("echo once >> out/migrate_down.count; sqlite3 data/app.db \"BEGIN; DROP TABLE loans;"
                " PRAGMA user_version = $GOLIVE_MIGRATE_TARGET; COMMIT;\"")


def _yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _plan(fail: bool, admin: str) -> str:
    return textwrap.dedent(f"""\
    name: crash every point
    service: crashsvc
    environment: test
    routers:
      edge: {{type: builtin, admin: "{admin}"}}
    phases:
      - name: Database
        steps:
          - name: make dirs (idempotent)
            shell: mkdir -p out && echo x >> out/idem.count
            idempotent: true
          - name: back up the database
            backup: {{database: "sqlite:///data/app.db", file: "backups/app.sqlite3", verify: true}}
            idempotent: true
          - name: migrate the schema
            migrate:
              up: {_yaml_str(MIGRATE_UP + "; " + KILL_HOOK)}
              down: {_yaml_str(MIGRATE_DOWN + "; " + KILL_HOOK)}
              revision: sqlite3 data/app.db 'PRAGMA user_version'
              database: "sqlite:///data/app.db"
          - name: side effect A
            shell: {_once("a")}
            undo:
              shell: {_once("a_undo")}
        gate:
          checks:
            - name: A happened
              check: {{type: file, path: out/a.count}}
          approvals: {{count: 1}}
      - name: Deploy
        steps:
          - name: switch traffic to green
            switch: {{router: edge, to: green, from: blue}}
          - name: side effect B
            shell: {_once("b")}
            undo:
              shell: {_once("b_undo")}
          - name: final step
            shell: {_once("final", fail=fail)}
    rollback:
      levels:
        - level: 1
          name: put everything back
          covers: [Deploy]
          steps:
            - shell: {_once("l1")}
    """)


EFFECTS = {
    "1.3": Effect("migrate", by_hand=MIGRATE_UP), "1.3.undo": Effect("migrate_down", by_hand=MIGRATE_DOWN.replace(
        "$GOLIVE_MIGRATE_TARGET", "1")),
    "1.4": Effect("a"), "1.4.undo": Effect("a_undo"), "2.2": Effect("b"), "2.2.undo": Effect("b_undo"),
    "L1.1": Effect("l1"),
}
IDEMPOTENT = {"idem"}
FINAL = "2.3"


def _effects(fail: bool) -> dict[str, Effect]:
    return {**EFFECTS, FINAL: Effect("final", ok=not fail)}


def _seed_database(base: Path) -> None:
    (base / "data").mkdir()
    with contextlib.closing(sqlite3.connect(base / "data" / "app.db")) as con:
        con.executescript("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT);"
                          "INSERT INTO accounts (owner) VALUES ('ann'), ('bob'), ('cy'); PRAGMA user_version = 1;")


def _world(proxy: ProxyProc) -> Any:
    def inspect(base: Path) -> dict[str, Any]:
        """What the run changed: schema revision, tables and rows, the backup, where traffic goes."""
        with contextlib.closing(sqlite3.connect(f"file:{base / 'data' / 'app.db'}?mode=ro", uri=True)) as con:
            revision = con.execute("PRAGMA user_version").fetchone()[0]
            tables = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")}
        backup = base / "backups" / "app.sqlite3"
        manifest = json.loads((base / "backups" / "app.sqlite3.manifest.json").read_text(encoding="utf-8"))
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as con:
            backed_up = con.execute("SELECT user_version, (SELECT count(*) FROM accounts) FROM pragma_user_version"
                                    ).fetchone()
        return {"revision": revision, "tables": tables, "weights": proxy.weights(),
                "backup": {"matches_manifest": hashlib.sha256(backup.read_bytes()).hexdigest() == manifest["sha256"],
                           "revision_and_accounts": list(backed_up), "tables": manifest["tables"]},
                "backups": sorted(p.name for p in (base / "backups").iterdir())}
    return inspect


def _run_one(job: dict[str, Any]) -> dict[str, Any]:
    base = Path(job["base"]) / job["name"]
    base.mkdir(parents=True)
    _seed_database(base)
    proxy = start_proxy(base)
    try:
        (base / "plan.yaml").write_text(_plan(job["fail"], proxy.admin), encoding="utf-8")
        effects = {k: Effect(**v) for k, v in job["effects"].items()}
        scenario = Scenario(job["name"], job["crash_after"], job["crash_in_step"], before=job.get("before", False))
        cli = subprocess_cli if job.get("real") else fork_cli
        try:
            out = drive(base, "plan.yaml", effects, scenario, cli=cli, inspect=_world(proxy))
        except AssertionError as exc:
            return {"scenario": job["name"], "error": str(exc)}
    finally:
        proxy.stop()
    return out.__dict__


def _job(base: Path, name: str, fail: bool, crash_after: list[int], crash_in_step: str | None = None,
         real: bool = False) -> dict[str, Any]:
    return {"base": str(base), "name": name, "fail": fail,
            "effects": {k: v.__dict__ for k, v in _effects(fail).items()},
            "crash_after": crash_after, "crash_in_step": crash_in_step, "real": real}


def _check_all(results: list[dict[str, Any]], ref: Outcome, fail: bool) -> tuple[int, list[str]]:
    identical = 0
    report: list[str] = []
    for res in results:
        if res.get("error"):
            report.append(f"{res['scenario']}: {res['error']}")
            continue
        got = Outcome(**res)
        bad = problems(got, ref, _effects(fail), IDEMPOTENT)
        if bad:
            report.append(f"{got.scenario}: " + "; ".join(bad) + f" (operator: {got.log})")
        else:
            identical += 1
    return identical, report


def _reference(tmp_path: Path, fail: bool) -> Outcome:
    res = _run_one(_job(tmp_path, "reference", fail, []))
    assert not res.get("error"), res
    ref = Outcome(**res)
    assert ref.kills == 0 and not ref.resolutions
    assert ref.audit_code == 0, ref.audit_out
    return ref


def _kill_points(tmp_path: Path, fail: bool, ref: Outcome, first_k: int) -> list[dict[str, Any]]:
    n = len(ref.events)
    jobs = []
    for k in range(first_k, n + 1):
        jobs.append(_job(tmp_path, f"k{k}", fail, [k]))
        if k % 3 == 0 and k + 2 <= n:  # killed again while resuming
            jobs.append(_job(tmp_path, f"k{k}+k{k + 2}", fail, [k, k + 2]))
    # ... and inside every non-idempotent step that runs, after its side effect, before its end is recorded
    started = [e["payload"]["step"] for e in ref.events if e["type"] == "step.started"]
    for sid in started:
        if sid in _effects(fail):
            jobs.append(_job(tmp_path, f"in-{sid}", fail, [], crash_in_step=sid))
    return jobs


#: (kill points, resumed identical) per test, for the total line at the end of the module.
TOTALS: list[tuple[int, int]] = []


@pytest.fixture(scope="module", autouse=True)
def _warm(request: pytest.FixtureRequest) -> Iterator[None]:
    prewarm()
    yield
    if TOTALS:  # shown whatever the capture mode, like capsys.disabled() does
        points, identical = sum(t[0] for t in TOTALS), sum(t[1] for t in TOTALS)
        line = f"{points} kill points, {identical} resumed identical (crash harness, all runs)"
        capman = request.config.pluginmanager.getplugin("capturemanager")
        with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
            print(f"\n{line}")


def _say(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n{line}")


def _all_identical(capsys: pytest.CaptureFixture[str], jobs: list[dict[str, Any]], ref: Outcome, fail: bool,
                   what: str) -> list[dict[str, Any]]:
    """Runs every kill point, prints the tally (`what` says which run), and fails on any resume that ended
    differently from the uninterrupted run."""
    results = parallel_map(_run_one, jobs, WORKERS)
    identical, report = _check_all(results, ref, fail=fail)
    TOTALS.append((len(jobs), identical))
    _say(capsys, f"{len(jobs)} kill points{what}, {identical} resumed identical")
    assert not report, "\n".join(report)
    assert identical == len(jobs)
    return results


def test_kill_after_every_event_of_a_successful_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = _reference(tmp_path, fail=False)
    assert ref.outcome == "succeeded", ref
    assert ref.counters == {"idem": 1, "migrate": 1, "a": 1, "b": 1, "final": 1}
    assert ref.state["revision"] == 2 and ref.state["weights"] == {"blue": 0, "green": 100}, ref.state
    assert ref.state["tables"] == {"accounts": 3, "loans": 2}, ref.state
    assert ref.state["backup"]["matches_manifest"] and ref.state["backup"]["revision_and_accounts"] == [1, 3]
    jobs = _kill_points(tmp_path, False, ref, 1)
    results = _all_identical(capsys, jobs, ref, False,
                             f" (successful run, {len(ref.events)} events)")
    # every scenario was really killed (mid-step kills included)
    assert all(r["kills"] >= 1 for r in results), [r["scenario"] for r in results if r["kills"] < 1]


def test_kill_at_every_point_of_a_rollback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = _reference(tmp_path, fail=True)
    assert ref.outcome == "rolled-back", ref
    assert ref.counters == {"idem": 1, "migrate": 1, "a": 1, "b": 1, "final": 1, "b_undo": 1, "a_undo": 1,
                            "migrate_down": 1, "l1": 1}
    # the rollback put the schema, the data and the traffic back as they were
    assert ref.state["revision"] == 1 and ref.state["weights"] == {"blue": 100, "green": 0}, ref.state
    assert ref.state["tables"] == {"accounts": 3}, ref.state
    # from the failing step onwards: the failure, the rollback decision, every undo and the level step
    first = next(e["seq"] for e in ref.events if e["type"] == "step.started" and e["payload"]["step"] == FINAL)
    jobs = _kill_points(tmp_path, True, ref, first)
    jobs = [j for j in jobs if not j["crash_in_step"] or j["crash_in_step"] in (FINAL, "2.2.undo", "1.4.undo",
                                                                                   "1.3.undo", "L1.1")]
    _all_identical(capsys, jobs, ref, True, f" (rollback, events {first}-{len(ref.events)})")


def test_kill_before_every_event_commits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The other side of each record: SIGKILL inside each event's write transaction, before it commits. What the
    event would record has happened (the router's weights changed by the in-process switch and its undo, a
    command finished, a gate decided) and the log does not say so; resume must still end exactly as the
    uninterrupted run, forward and through the rollback, each side effect once."""
    ref = _reference(tmp_path, fail=True)
    assert ref.outcome == "rolled-back", ref
    jobs = [{**_job(tmp_path, f"before-k{k}", True, [k]), "before": True} for k in range(2, len(ref.events) + 1)]
    results = _all_identical(capsys, jobs, ref, True,
                             f" before the commit (events 2-{len(ref.events)})")
    assert all(r["kills"] >= 1 for r in results), [r["scenario"] for r in results if r["kills"] < 1]


def test_real_command_sample_of_kill_points(tmp_path: Path) -> None:
    """The forked CLI is the real `main`; this proves it on a few points with `python -m golive` itself."""
    ref = _reference(tmp_path, fail=False)
    # after the phase started, after the migration's end, after the traffic switch but before its step's end
    points = [3, 9, 20]
    jobs = [_job(tmp_path, f"real-k{k}", False, [k], real=True) for k in points]
    jobs.append(_job(tmp_path, "real-in-1.3", False, [], crash_in_step="1.3", real=True))
    results = parallel_map(_run_one, jobs, 2)
    identical, report = _check_all(results, ref, fail=False)
    assert not report, "\n".join(report)
    assert identical == len(jobs)
    assert all(r["kills"] == 1 for r in results)


# -- a full disk ---------------------------------------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path: Path) -> Any:
    """A 300 KiB tmpfs: the store fills it within a few noisy steps."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mnt)], capture_output=True,
                          text=True, timeout=30)
    if proc.returncode != 0:
        pytest.fail(f"the disk-full test mounts a tiny tmpfs and needs root (CAP_SYS_ADMIN): {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True, timeout=30)


def _noisy_plan(steps: int) -> str:
    lines = ["name: disk full", "service: dfsvc", "environment: test", "phases:", "  - name: Noisy", "    steps:"]
    for _ in range(steps):
        lines += ["      - shell: head -c 6000 /dev/urandom | base64", "        idempotent: true"]
    return "\n".join(lines) + "\n"


def _clean_disk_full(err: str) -> None:
    """One `golive: ...` line per problem (the run report may also fail to be written), one saying why."""
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("golive: ") for line in lines), err
    assert any("disk is full" in line for line in lines), err


def test_full_disk_stops_cleanly_and_the_written_log_still_verifies(tmp_path: Path, tiny_disk: Path) -> None:
    (tmp_path / "plan.yaml").write_text(_noisy_plan(60), encoding="utf-8")
    env = {"GOLIVE_STORE": str(tiny_disk / "golive.db")}
    res = subprocess_cli(["run", "plan.yaml", "--no-wait"], tmp_path, env)
    assert res.code == 70, (res.code, res.out, res.err)
    _clean_disk_full(res.err)
    assert "Traceback" not in res.out + res.err
    assert shutil.disk_usage(tiny_disk).free < 16 * 1024  # it really was the disk that ran out
    runs = subprocess_cli(["runs", "--json"], tmp_path, env)
    run_id = re.search(r'"run": "([^"]+)"', runs.out)
    assert run_id, runs
    audit = subprocess_cli(["audit", "verify", run_id.group(1)], tmp_path, env)
    assert audit.code == 0 and "intact" in audit.out, audit
    assert int(re.search(r"intact, (\d+) events", audit.out).group(1)) > 5  # type: ignore[union-attr]
    # resuming on the still-full disk says the same thing, once, without a traceback
    again = subprocess_cli(["resume", run_id.group(1), "--no-wait"], tmp_path, env)
    assert again.code == 70 and "disk is full" in again.err and "Traceback" not in again.out + again.err, again


def test_store_on_a_disk_with_no_room_at_all(tmp_path: Path, tiny_disk: Path) -> None:
    with (tiny_disk / "filler").open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    (tmp_path / "plan.yaml").write_text(_noisy_plan(1), encoding="utf-8")
    res = subprocess_cli(["--store", str(tiny_disk / "golive.db"), "run", "plan.yaml", "--no-wait"], tmp_path, {})
    assert res.code == 70, res
    _clean_disk_full(res.err)
    assert "Traceback" not in res.out + res.err
