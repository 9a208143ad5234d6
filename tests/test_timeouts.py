"""Every wait has a deadline: shell steps, checks, migrations, HTTP calls, SQL queries, router calls and the
wait for an approval. A hung command (`sleep 1000000`, also as a background child of a shell, and one that
ignores SIGTERM) is killed with its whole process group at its timeout: afterwards no process of it is left
anywhere in /proc."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from conftest import golive

#: A sleep length no other process on the machine uses: how the test finds the step's processes in /proc.
HUNG = "1000017"


def _hung_processes() -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if HUNG in cmdline and state != "Z" and "pytest" not in cmdline:
            found.append(f"{pid} [{state}] {cmdline.strip()}")
    return found


def _no_hung_processes_within(seconds: float) -> list[str]:
    """Processes that died are reaped by init a moment later: wait for that, with a deadline."""
    deadline = time.monotonic() + seconds
    left = _hung_processes()
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _hung_processes()
    return left


@pytest.fixture(autouse=True)
def _reap_leftovers() -> Iterator[None]:
    """If a protection is broken and the test fails, do not leave its hung processes behind."""
    yield
    for line in _hung_processes():
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(int(line.split()[0])), signal.SIGKILL)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections and never says a word (a hung API, admin endpoint or load balancer)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)
            except (TimeoutError, OSError):
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield int(srv.getsockname()[1])
    finally:
        stop.set()
        t.join(5)
        for c in held:
            c.close()
        srv.close()


PLAN = f"""\
name: deadlines
service: timeoutsvc
environment: test
routers:
  hung: {{{{type: builtin, admin: "127.0.0.1:{{port}}", timeout: 1s}}}}
phases:
  - name: Everything hangs
    steps:
      - name: shell with hung children
        shell: "sleep {HUNG} & bash -c 'sleep {HUNG}' & sleep {HUNG}; wait"
        timeout: 1s
        continue_on_error: true
      - name: shell that ignores SIGTERM
        shell: "trap '' TERM; sleep {HUNG} & sleep {HUNG}; wait"
        timeout: 1s
        continue_on_error: true
      - name: command check
        check: {{{{type: command, command: "sleep {HUNG}"}}}}
        timeout: 1s
        continue_on_error: true
      - name: migration that hangs
        migrate: {{{{up: "sleep {HUNG}", down: "true", revision: "echo 1"}}}}
        timeout: 1s
        continue_on_error: true
      - name: HTTP call to a server that never answers
        http: {{{{url: "http://127.0.0.1:{{port}}/health", request_timeout: 1s}}}}
        timeout: 2s
        continue_on_error: true
      - name: HTTP check to a server that never answers
        check: {{{{type: http, url: "http://127.0.0.1:{{port}}/health"}}}}
        timeout: 1s
        continue_on_error: true
      - name: SQL query that never ends
        sql: {{{{database: "postgresql://postgres@127.0.0.1:5432/postgres", query: "SELECT pg_sleep({HUNG})"}}}}
        timeout: 1s
        continue_on_error: true
      - name: router that never answers
        switch: {{{{router: hung, to: green, from: blue}}}}
        continue_on_error: true
    gate:
      max_failures: 100
"""

#: step -> (seconds it may take at most: its timeout plus the SIGTERM grace and some slack on a loaded machine)
LIMITS = {"1.1": 4.0, "1.2": 10.0, "1.3": 4.0, "1.4": 5.0, "1.5": 5.0, "1.6": 4.0, "1.7": 5.0, "1.8": 5.0}


def test_every_hung_thing_is_cut_off_at_its_deadline(workdir: Path, silent_server: int) -> None:
    (workdir / "plan.yaml").write_text(PLAN.format(port=silent_server))
    started = time.monotonic()
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, timeout=180)
    took = time.monotonic() - started
    assert res.code == 0, res.out + res.err
    events = [json.loads(line) for line in golive("log", "--json", json.loads(golive(
        "runs", "--json", cwd=workdir).out)[0]["run"], cwd=workdir).out.splitlines()]
    finished = {e["payload"]["step"]: e["payload"] for e in events if e["type"] == "step.finished"}
    starts = {e["payload"]["step"]: e["ts"] for e in events if e["type"] == "step.started"}
    ends = {e["payload"]["step"]: e["ts"] for e in events if e["type"] == "step.finished"}
    for sid, limit in LIMITS.items():
        assert finished[sid]["status"] == "failed", (sid, finished[sid])
        spent = (datetime.fromisoformat(ends[sid]) - datetime.fromisoformat(starts[sid])).total_seconds()
        assert 0.9 <= spent <= limit, (sid, spent, finished[sid]["message"])
    for sid in ("1.1", "1.2", "1.3"):
        assert "timed out" in finished[sid]["message"] and "process tree killed" in finished[sid]["message"], \
            finished[sid]
    assert "timed out" in finished["1.4"]["message"], finished["1.4"]
    assert took < sum(LIMITS.values()) + 30, took
    assert not _no_hung_processes_within(5.0), _hung_processes()


def test_waiting_for_an_approval_has_a_deadline(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text("""\
name: gate
service: gatesvc
environment: test
phases:
  - name: One
    steps: ["true"]
    gate: {approvals: {count: 1}}
""")
    started = time.monotonic()
    res = golive("run", "plan.yaml", "--wait", "--wait-timeout", "1", cwd=workdir, timeout=60)
    took = time.monotonic() - started
    assert res.code == 3, res.out + res.err  # still waiting for a person; the run is kept and resumable
    assert took < 30, took
    run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    assert "approve" in golive("status", run_id, cwd=workdir).out
