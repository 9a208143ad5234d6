"""`rolling` steps against a throwaway fleet (golive.testing.fleet): ten hosts in network namespaces, each a
real sshd and an app reporting its version, behind a real HAProxy, with load through HAProxy all along."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import events_of, golive
from golive.testing.fleet import Fleet
from golive.traffic.loadgen import BackgroundLoad

HEALTH = "health: {http: 'http://{host}:8080/health', interval: 0.1s, deadline: 20s}"


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(10, version="1.0.0") as f:
        print(f"fleet mode: {f.mode}")
        yield f


@pytest.fixture
def fresh(fleet: Fleet) -> Fleet:
    """Every host on 1.0.0 and in rotation before each test."""
    fleet.deploy("1.0.0")
    for h in fleet.hosts:
        fleet.haproxy(f"set server app/{h.name} state ready")
    deadline = time.monotonic() + 20
    while any(s != "UP" for s in fleet.server_status().values()):
        assert time.monotonic() < deadline, fleet.server_status()
        time.sleep(0.05)
    return fleet


def _in_pool(fleet: Fleet) -> bool:
    """Every server UP in HAProxy: "UP 1/2" (up, one health check failed since, e.g. while its app restarted)
    is still up and serving; DRAIN, MAINT and DOWN are out of the pool."""
    return {s.split()[0] for s in fleet.server_status().values()} == {"UP"}


def _plan(fleet: Fleet, workdir: Path, command: str, extra: str = "") -> None:
    (workdir / "plan.yaml").write_text(
        "name: rolling demo\nservice: web\nenvironment: test\n"
        + fleet.hosts_yaml("web", router="lb") + fleet.router_yaml("lb")
        + f"""phases:
  - name: Deploy
    steps:
      - name: Roll out
        rolling:
          on: web
          batch: 2
          command: {json.dumps(command)}
          {HEALTH}
          drain: {{timeout: 15s}}
{extra}        undo: '"$FLEET_HOST_DIR/deploy" 1.0.0'
""")


def _load(fleet: Fleet) -> BackgroundLoad:
    return BackgroundLoad(fleet.url, rate=150, concurrency=16, max_requests=200_000, max_seconds=300)


def test_rolling_deploy_under_load_has_no_failed_request(fresh: Fleet, workdir: Path) -> None:
    fleet = fresh
    _plan(fleet, workdir, '"$FLEET_HOST_DIR/deploy" 1.1.0')
    with _load(fleet) as load:
        load.wait_for(f"{fleet.hosts[0].name}@1.0.0", 5)
        res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, timeout=300)
        report = load.stop()
    assert res.code == 0, res.out + res.err
    assert report.failures == [], report.summary()
    assert report.total > 200, report.summary()
    assert set(fleet.versions().values()) == {"1.1.0"}
    assert _in_pool(fleet), fleet.server_status()
    events = events_of(workdir, "rolling.host")
    for h in fleet.hosts:
        assert [e["action"] for e in events if e["host"] == h.address] == \
            ["drain", "drained", "deploy", "health", "ready"], h
    # batch k+1 is drained only after every host of batch k is back
    for k in range(1, 5):
        last_ready = max(e["seq"] for e in events if e["batch"] == k and e["action"] == "ready")
        first_drain = min(e["seq"] for e in events if e["batch"] == k + 1 and e["action"] == "drain")
        assert last_ready < first_drain
    served = {r.backend for r in report.records}
    assert {f"{h.name}@1.1.0" for h in fleet.hosts} <= served  # the new version took traffic


def test_failing_health_on_third_batch_stops_and_puts_back_only_touched_hosts(fresh: Fleet, workdir: Path) -> None:
    fleet = fresh
    third = {h.address for h in fleet.hosts[4:6]}
    cmd = ('case "$GOLIVE_HOST" in ' + "|".join(sorted(third)) + ') v=1.1.0-broken;; *) v=1.1.0;; esac; '
           '"$FLEET_HOST_DIR/deploy" "$v"')
    _plan(fleet, workdir, cmd)
    logins = {h.name: fleet.logins(h) for h in fleet.hosts}
    with _load(fleet) as load:
        load.wait_for(f"{fleet.hosts[0].name}@1.0.0", 5)
        res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, timeout=300)
        report = load.stop()
    assert res.code == 1, res.out + res.err
    assert report.failures == [], report.summary()
    assert set(fleet.versions().values()) == {"1.0.0"}
    assert _in_pool(fleet), fleet.server_status()
    finished = next(e for e in events_of(workdir, "step.finished") if e["step"] == "1.1")
    assert "stopped after batch 3/5" in finished["message"] and "4 host(s) in later batches untouched" \
        in finished["message"], finished["message"]
    touched = {e["host"] for e in events_of(workdir, "rolling.host")}
    assert touched == {h.address for h in fleet.hosts[:6]}
    for h in fleet.hosts[6:]:
        assert fleet.logins(h) == logins[h.name], f"{h.name} was contacted"
    undo = [e for e in events_of(workdir, "rolling.host") if e["step"] == "1.1.undo" and e["action"] == "ready"]
    # undo newest batch first: batch 3's hosts, then 2's, then 1's
    order = [e["host"] for e in undo]
    addrs = [h.address for h in fleet.hosts]
    assert set(order[:2]) == set(addrs[4:6]) and set(order[2:4]) == set(addrs[2:4]) \
        and set(order[4:]) == set(addrs[:2]), order


def test_sigkill_during_a_drain_then_resume_leaves_no_host_out_of_the_pool(fresh: Fleet, workdir: Path) -> None:
    """Killed while draining batch 2 (a long request holds one of its hosts): the resumed run leaves batch 1
    alone (deployed once), finishes batch 2 and the rest, and every host ends back in rotation."""
    fleet = fresh
    first = fleet.hosts[2]
    _plan(fleet, workdir, '"$FLEET_HOST_DIR/deploy" 1.1.0')
    # a long request held on a host of batch 2, so its drain waits
    def hold() -> None:
        with contextlib.suppress(OSError):  # the host's deploy ends it
            urllib.request.urlopen(urllib.request.Request(fleet.url + "slow?s=60",
                                                          headers={"X-Fleet-Server": first.name}), timeout=90).read()

    slow = threading.Thread(target=hold, daemon=True)
    slow.start()
    deadline = time.monotonic() + 10
    while int(_stat(fleet, first.name, "scur")) < 1:
        assert time.monotonic() < deadline, "the slow request never reached the first host"
        time.sleep(0.02)
    env = {**os.environ, "GOLIVE_USER": "tester"}
    with _load(fleet) as load:
        proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=workdir,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 55  # the held request lasts 60s: the drain waits on it until then
        while fleet.server_status().get(first.name) != "DRAIN":
            assert time.monotonic() < deadline and proc.poll() is None, "the run never drained the first host"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert fleet.server_status()[first.name] == "DRAIN"  # the dead run left it out of rotation
        run_id = _run_id(workdir)
        res = golive("resume", run_id, "--no-wait", cwd=workdir, timeout=300)
        report = load.stop()
    slow.join(5)
    assert res.code == 0, res.out + res.err
    assert _in_pool(fleet), fleet.server_status()
    assert set(fleet.versions().values()) == {"1.1.0"}
    assert report.failures == [], report.summary()
    deploys = [e["host"] for e in events_of(workdir, "rolling.host") if e["action"] == "deploy"]
    assert [deploys.count(h.address) for h in fleet.hosts[:2]] == [1, 1]  # batch 1 was not redone
    assert {deploys.count(h.address) for h in fleet.hosts[2:]} == {1}  # the dead run never reached a deploy


def _stat(fleet: Fleet, server: str, field: str) -> str:
    rows = fleet.haproxy("show stat").splitlines()
    head = rows[0].lstrip("# ").split(",")
    for row in rows[1:]:
        rec = dict(zip(head, row.split(","), strict=False))
        if rec.get("pxname") == "app" and rec.get("svname") == server:
            return rec[field] or "0"
    raise AssertionError(f"no server {server}")


def _run_id(workdir: Path) -> str:
    with sqlite3.connect(workdir / ".golive" / "golive.db") as db:
        return str(db.execute("SELECT id FROM runs ORDER BY created_at DESC LIMIT 1").fetchone()[0])


def test_bake_analysis_stops_a_batch_that_fails_its_users(fresh: Fleet, workdir: Path) -> None:
    """Healthy on its own, 500 to users: the bake's judge (batch vs the rest, from HAProxy's per-server
    counters) fails batch 1, the step stops there and the undo puts 1.0.0 back."""
    fleet = fresh
    _plan(fleet, workdir, '"$FLEET_HOST_DIR/deploy" 1.1.0-errors',
          extra="          bake: {time: 20s, interval: 1s, max_error_rate: 5%, min_requests: 10}\n")
    with _load(fleet) as load:
        load.wait_for(f"{fleet.hosts[0].name}@1.0.0", 5)
        res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, timeout=300)
        load.stop()
    assert res.code == 1, res.out + res.err
    finished = next(e for e in events_of(workdir, "step.finished") if e["step"] == "1.1")
    assert "bake of batch 1 failed" in finished["message"], finished["message"]
    verdicts = events_of(workdir, "analysis.verdict")
    assert verdicts and verdicts[-1]["outcome"] == "fail", verdicts
    # judged on the batch's errors, not failed for lack of counted requests ("N inconclusive intervals")
    assert "inconclusive" not in verdicts[-1]["reason"] and "error" in verdicts[-1]["reason"], verdicts[-1]
    assert {e["host"] for e in events_of(workdir, "rolling.host")} == {h.address for h in fleet.hosts[:2]}
    assert set(fleet.versions().values()) == {"1.0.0"}
    assert _in_pool(fleet), fleet.server_status()
