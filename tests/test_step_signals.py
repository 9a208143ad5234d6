"""golive told to stop (SIGTERM, SIGHUP, SIGINT) or killed (SIGKILL) in the middle of a step.

- The loans plan (examples/loans, seed 000) is stopped by each signal at seeded random moments and driven to its
  end like an operator would (tests/crash_harness.py): every time, the run ends as the uninterrupted one did, the
  stopped golive exits 128+signal, no step is left `running`, nothing of the stopped step's process tree is left,
  and every side effect happened exactly once (counted in the service's own request log and the database).
- After a SIGKILL during an idempotent and during a non-idempotent step, resume never runs the step while its old
  process still does (a lock the step takes would catch two copies).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, golive, until
from crash_harness import (
    CliResult,
    Effect,
    Outcome,
    Scenario,
    drive,
    fork_cli,
    fork_start,
    parallel_map,
    prewarm,
    problems,
)
from golive.proctree import Tree

LOANS = REPO / "examples" / "loans"
SEED = 1212
DEADLINE = 60.0
DB_URL = "sqlite:///.golive/loans/loans.db"


def read_events(db: Path) -> list[tuple[int, str, dict[str, Any]]]:
    if not db.exists():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
            rows = con.execute("SELECT seq, type, payload FROM events ORDER BY seq").fetchall()
    except sqlite3.OperationalError:  # the schema is still being created
        return []
    return [(int(s), str(t), json.loads(p)) for s, t, p in rows]


# -- the loans world -----------------------------------------------------------------------------------

BY_HAND = r'''
"""What an operator does for a step golive could not finish: look, and do it only if it did not happen."""
import json, subprocess, sys, urllib.error, urllib.request

cfg = json.load(open("ports.json"))
PUB, NEW = cfg["public"], cfg["new"]
ENV = {"DATABASE_URL": cfg["db"], "PATH": "/usr/bin:/bin"}
LOAN = "/api/loans/SMOKE-LOAN-0001"


def call(path, port=PUB, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method="POST" if body is not None else "GET",
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except OSError:
        return 0, None


def ctl(*args):
    subprocess.run([cfg["python"], cfg["loans"] + "/loansctl.py", *args], env=ENV, check=True, timeout=60)


sid = sys.argv[1]
if sid == "1.2":
    flask = [cfg["python"], "-m", "flask", "--app", cfg["loans"] + "/app.py", "db"]
    cur = subprocess.run([*flask, "current"], env=ENV, capture_output=True, text=True, check=True).stdout.split()
    if cur[:1] != ["0002"]:
        subprocess.run([*flask, "upgrade"], env=ENV, check=True)
elif sid == "2.1":
    if (call("/health", NEW)[1] or {}).get("version") != "1.1.0":
        ctl("start", "--state", ".golive/loans", "--version", "1.1.0", "--port", str(NEW))
elif sid == "2.3":
    if (call("/health")[1] or {}).get("version") != "1.1.0":
        ctl("switch", "--state", ".golive/loans", "--port", str(NEW))
elif sid == "3.2":
    if call("/api/accounts/SMOKE-0001")[0] != 200:
        assert call("/api/accounts", body={"number": "SMOKE-0001", "owner": "Smoke Test", "deposit": 1000})[0] == 201
elif sid == "3.3":
    if call(LOAN)[0] != 200:
        assert call("/api/loans", body={"reference": "SMOKE-LOAN-0001", "account": "SMOKE-0001", "principal": 12000,
                                        "annualInterestRate": 12, "tenureMonths": 12})[0] == 201
elif sid in ("3.4", "3.5", "3.6"):
    action, events_after = {"3.4": ("approve", 2), "3.5": ("disburse", 3), "3.6": ("pay", 4)}[sid]
    if call(LOAN + "/history")[1]["count"] < events_after:
        assert call(f"{LOAN}/{action}", body={})[0] == 200
elif sid == "6.2":
    if call("/api/accounts/SMOKE-0001")[0] == 200:
        ctl("purge-smoke", "--account", "SMOKE-0001")
# anything else only reads (checks, queries, EMI sums): nothing to do by hand
'''


def loans_plan(public: int, old: int, new: int) -> str:
    """examples/loans/plan.yaml with this test's ports, interpreter and approver."""
    text = (LOANS / "plan.yaml").read_text(encoding="utf-8")
    for name, value in {"LOANS": str(LOANS), "PYTHON": sys.executable, "PUBLIC_PORT": str(public),
                        "OLD_PORT": str(old), "NEW_PORT": str(new)}.items():
        text, n = re.subn(rf'^(  {name}: \{{value: )("[^"]*"|[^,}}]*)', rf'\g<1>"{value}"', text, flags=re.MULTILINE)
        assert n == 1, name
    text, n = re.subn(r"^  sign-off: \[.*\]$", "  sign-off: [alice]", text, flags=re.MULTILINE)
    assert n == 1
    return text


def effects() -> dict[str, Effect]:
    """Every non-idempotent step of the plan: the operator checks it by hand (BY_HAND) and resolves it as done."""
    from golive.plan.loader import load_plan

    plan = load_plan(LOANS / "plan.yaml")
    return {sid: Effect(counter=f"byhand-{sid}", by_hand=f"'{sys.executable}' byhand.py {sid}")
            for sid, step in plan.steps_by_id().items()
            if not step.is_idempotent and not sid.startswith("L") and not sid.endswith(".undo")}


#: A POST in the loans app's request log (werkzeug's format, ANSI colour codes allowed around the request).
REQUEST_LINE = re.compile(r'"(?:\x1b\[[0-9;]*m)*POST (?P<path>\S+) HTTP/[0-9.]+(?:\x1b\[[0-9;]*m)*" (?P<status>\d{3}) ')


def world(base: Path) -> dict[str, Any]:
    """What the deployment changed, as the service and its database say: each POST that changed something is
    counted in the services' request logs (by golive and by hand alike), so a duplicate shows."""
    with contextlib.closing(sqlite3.connect(base / ".golive" / "loans" / "loans.db")) as db:
        accounts = [r[0] for r in db.execute("SELECT number FROM accounts ORDER BY number")]
        counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("transactions", "loans", "loan_events")}
    posts: Counter[str] = Counter()
    for log in sorted((base / ".golive" / "loans").glob("loans-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            # werkzeug's request line, written before the answer's body (so complete once the client has it):
            # 127.0.0.1 - - [30/Nov/2026 18:45:28] "POST /api/loans HTTP/1.1" 201 -  (the method may be coloured)
            m = REQUEST_LINE.search(line)
            if m and m["path"] != "/api/loans/emi" and m["status"].startswith("2"):
                posts[f"POST {m['path']} -> {m['status']}"] += 1
    cfg = json.loads((base / "ports.json").read_text())
    with urllib.request.urlopen(f"http://127.0.0.1:{cfg['public']}/health", timeout=10) as resp:
        version = json.loads(resp.read())["version"]
    return {"accounts": accounts, "counts": counts, "posts": dict(sorted(posts.items())), "version": version}


def _loansctl(base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": DB_URL}
    return subprocess.run([sys.executable, str(LOANS / "loansctl.py"), *args], cwd=base, capture_output=True,
                          text=True, timeout=120, env=env)


# -- a golive that gets a signal at a chosen moment --------------------------------------------------------

def _exited(pid: int) -> bool:
    """Whether the child has ended, without reaping it (Forked.finish does that)."""
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def signalling(sig: int, moment: Callable[[list[tuple[int, str, dict[str, Any]]]], bool],
               report: dict[str, Any]) -> Callable[[Sequence[str], Path, dict[str, str]], CliResult]:
    """A crash_harness Cli that sends SIG to the first `run`/`resume` whose log reaches MOMENT, then checks what
    the stopped golive left: its exit code, no step `running`, and nothing of any interrupted step's tree."""

    def cli(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> CliResult:
        if report.get("fired") or argv[0] not in ("run", "resume"):
            return fork_cli(argv, cwd, env)
        db = cwd / ".golive" / "golive.db"
        child = fork_start(argv, cwd, env)
        end = time.monotonic() + DEADLINE
        while not _exited(child.pid):
            evs = read_events(db)
            if evs and moment(evs):
                os.kill(child.pid, sig)
                report["fired"] = {"after_seq": evs[-1][0], "after": evs[-1][1]}
                break
            assert time.monotonic() < end, "the moment never came"
            time.sleep(0.002)
        res = child.finish()
        if report.get("fired"):
            report["code"] = res.code
            evs = read_events(db)
            report["left_running"] = _left_running(evs)
            report["left_processes"] = _left_processes(evs)
            report["interrupted"] = [p["step"] for _, t, p in evs if t == "step.interrupted"]
        return res

    return cli


def _left_running(evs: list[tuple[int, str, dict[str, Any]]]) -> list[str]:
    from golive.engine.state import fold
    from golive.store.base import Event

    st = fold(Event("r", s, "", t, json.dumps(p), "", "") for s, t, p in evs)
    return [sid for sid, rec in st.steps.items() if rec.status == "running"]


def _left_processes(evs: list[tuple[int, str, dict[str, Any]]]) -> list[str]:
    """Live processes of every tree whose step attempt golive stopped (it must have stopped all of them)."""
    stopped: set[str] = {p["step"] for _, t, p in evs if t == "step.interrupted"}
    left = []
    for _, t, p in evs:
        if t == "step.process" and p["step"] in stopped:
            tree = Tree.from_dict({k: v for k, v in p.items() if k != "step"})
            left += [f"{p['step']}: pid {pid}" for pid in tree.members()]
    return left


# -- scenarios -----------------------------------------------------------------------------------------

def _moments(rng: random.Random, last: int) -> list[tuple[str, Any]]:
    """Seeded random points of the run (after event k, before the first process pauses at the sign-off gate,
    where nothing is left to stop), plus the middle of the shell step that starts 1.1.0."""
    return [("after event", rng.randint(3, last - 1)), ("after event", rng.randint(3, last - 1)),
            ("in step", "2.1")]


def _predicate(kind: str, arg: Any) -> Callable[[list[tuple[int, str, dict[str, Any]]]], bool]:
    if kind == "after event":
        return lambda evs: evs[-1][0] >= int(arg)
    # a shell step whose process is running: its tree is in the log
    return lambda evs: any(t == "step.process" and p["step"] == arg for _, t, p in evs)


def _scenario(job: dict[str, Any]) -> dict[str, Any]:
    from golive.traffic.local import free_ports

    base = Path(job["dir"])
    base.mkdir(parents=True)
    public, old, new = free_ports(3)
    (base / "plan.yaml").write_text(loans_plan(public, old, new), encoding="utf-8")
    (base / "byhand.py").write_text(BY_HAND, encoding="utf-8")
    (base / "ports.json").write_text(json.dumps({"public": public, "new": new, "db": DB_URL, "python": sys.executable,
                                                 "loans": str(LOANS)}))
    setup = _loansctl(base, "setup", "--state", ".golive/loans", "--old-port", str(old), "--public-port", str(public))
    assert setup.returncode == 0, setup.stdout + setup.stderr
    report: dict[str, Any] = {}
    try:
        cli = fork_cli if job["signal"] is None else signalling(
            int(job["signal"]), _predicate(job["kind"], job["arg"]), report)
        out = drive(base, "plan.yaml", effects(), Scenario(job["name"]), cli=cli, inspect=world)
    finally:
        _loansctl(base, "teardown", "--state", ".golive/loans")
    return {"outcome": asdict(out), "report": report}


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    prewarm()
    import golive.steps.registry
    import golive.traffic.local  # noqa: F401


def test_stop_signals_at_random_moments_of_the_loans_plan(tmp_path: Path) -> None:
    """Protections: step.interrupted with the tree stopped (else steps stay `running` and processes survive),
    the rule that only re-runs what may run again (else a non-idempotent step starts twice), the signal
    handlers (else the exit code is -15/-1, or a traceback)."""
    ref = _scenario({"dir": str(tmp_path / "ref"), "name": "reference", "signal": None})
    reference = Outcome(**ref["outcome"])
    assert reference.outcome == "succeeded", reference.log
    assert reference.state["version"] == "1.1.0" and "SMOKE-0001" not in reference.state["accounts"]
    # the request-log count must see the smoke test's changes, or comparing it proves nothing
    assert reference.state["posts"] == {f"POST {path} -> {code}": 1 for path, code in (
        ("/api/accounts", 201), ("/api/loans", 201), ("/api/loans/SMOKE-LOAN-0001/approve", 200),
        ("/api/loans/SMOKE-LOAN-0001/disburse", 200), ("/api/loans/SMOKE-LOAN-0001/pay", 200))}, reference.state
    rng = random.Random(SEED)
    paused = next(e["seq"] for e in reference.events if e["type"] == "gate.waiting")
    jobs = [{"dir": str(tmp_path / f"{sig.name}-{i}"), "name": f"{sig.name} {kind} {arg}", "signal": int(sig),
             "kind": kind, "arg": arg}
            for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
            for i, (kind, arg) in enumerate(_moments(rng, paused))]
    results = parallel_map(_scenario, jobs, workers=2, timeout=900)
    bad: list[str] = []
    for job, res in zip(jobs, results, strict=True):
        got, rep = Outcome(**res["outcome"]), res["report"]
        name = job["name"]
        if not rep.get("fired"):
            bad.append(f"{name}: the signal was never sent")
            continue
        if rep["code"] != 128 + job["signal"]:
            bad.append(f"{name}: golive exited {rep['code']}, expected {128 + job['signal']} ({rep['fired']})")
        if rep["left_running"]:
            bad.append(f"{name}: steps left running after the signal: {rep['left_running']}")
        if rep["left_processes"]:
            bad.append(f"{name}: processes of stopped steps survived: {rep['left_processes']}")
        bad += [f"{name}: {p} ({got.log})" for p in problems(got, reference, effects(), set())]
    assert not bad, "\n".join(bad)
    interrupted = sum(1 for r in results if r["report"].get("interrupted"))
    assert interrupted >= 3, f"only {interrupted} signals landed inside a step: the moments prove too little"


# -- SIGKILL: never two copies -------------------------------------------------------------------------

#: Takes a lock for its whole life: a second copy running at the same time finds it taken and says so.
EXCLUSIVE = ("exec 9>>step.lock; flock -n 9 || {{ echo OVERLAP >> overlap; exit 1; }}; echo $$ > step.pid;"
             " echo start >> trail; {work}; echo end >> trail")
#: The first copy works until the test says it may end (no timing luck either way).
UNTIL_RELEASED = "while [ ! -e release ]; do sleep 0.02; done"


def _plan(idempotent: bool, work: str, timeout: str) -> str:
    return f"""name: never twice
service: nevertwice
environment: test
phases:
  - name: One
    steps:
      - name: takes a while
        shell: "{EXCLUSIVE.format(work=work)}"
        idempotent: {'true' if idempotent else 'false'}
        timeout: {timeout}
        grace: 500ms
      - echo after >> trail
"""


def _kill_during_step(workdir: Path) -> tuple[str, int]:
    proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                            env={**os.environ, "GOLIVE_USER": "tester"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        until("the step to start its work", lambda: (workdir / "trail").exists() and (workdir / "step.pid").exists()
              and (workdir / "step.pid").read_text().strip() != "", DEADLINE)
    finally:
        proc.kill()
        proc.wait(30)
    return _run_id(workdir), int((workdir / "step.pid").read_text())


def _run_id(workdir: Path) -> str:
    with contextlib.closing(sqlite3.connect(workdir / ".golive" / "golive.db")) as con:
        return str(con.execute("SELECT id FROM runs").fetchone()[0])


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_sigkill_during_an_idempotent_step_resume_waits_for_the_old_copy(workdir: Path) -> None:
    """Protection: resume waits for the recorded tree before re-running (else: OVERLAP, two copies at once)."""
    (workdir / "plan.yaml").write_text(_plan(idempotent=True, work=UNTIL_RELEASED, timeout="60s"))
    resume: subprocess.Popen[bytes] | None = None
    try:
        run_id, old = _kill_during_step(workdir)
        assert _alive(old), "the step must outlive the killed golive for this test to mean anything"
        with (workdir / "resume.out").open("w") as out:
            resume = subprocess.Popen([sys.executable, "-m", "golive", "resume", run_id, "--no-wait"], cwd=workdir,
                                      env={**os.environ, "GOLIVE_USER": "tester"}, stdout=out,
                                      stderr=subprocess.STDOUT)
        db = workdir / ".golive" / "golive.db"
        until("resume to find the old copy, or to start a second one",
              lambda: (workdir / "overlap").exists() or any(t == "step.awaited" for _, t, _ in read_events(db)),
              DEADLINE)
        (workdir / "release").touch()
        assert resume.wait(DEADLINE) == 0, (workdir / "resume.out").read_text()
    finally:
        if resume is not None and resume.poll() is None:
            resume.kill()
        (workdir / "release").touch()  # the killed golive's step loop outlives it: a failed test must end it too
    out = (workdir / "resume.out").read_text()
    assert not (workdir / "overlap").exists(), "resume ran a second copy while the first still ran"
    assert (workdir / "trail").read_text().split() == ["start", "end", "start", "end", "after"]
    assert "the previous golive's processes still run" in out and "they ended" in out, out


def test_sigkill_during_a_non_idempotent_step_is_stopped_at_its_deadline_then_asks(workdir: Path) -> None:
    """Protections: resolve refuses while the old tree runs (else the change lands after the person said
    'failed'); resume waits up to the step's deadline, stops the tree, and only then asks a person."""
    (workdir / "plan.yaml").write_text(_plan(idempotent=False, work="sleep 300", timeout="4s"))
    run_id, old = _kill_during_step(workdir)
    assert _alive(old)
    refused = golive("resolve", run_id, "1.1", "--as", "failed", "--by", "ops", "--reason", "x", cwd=workdir)
    assert refused.code != 0 and "still run" in refused.err, refused.out + refused.err
    r = golive("resume", run_id, "--no-wait", cwd=workdir)
    assert r.code == 3, r.out + r.err
    assert "stopped them at the step's deadline" in r.out, r.out
    assert not _alive(old)
    assert not (workdir / "overlap").exists()
    assert (workdir / "trail").read_text().split() == ["start"], "the old copy was stopped, none was started"
    ok = golive("resolve", run_id, "1.1", "--as", "failed", "--by", "ops", "--reason", "checked", cwd=workdir)
    assert ok.code == 0, ok.out + ok.err
