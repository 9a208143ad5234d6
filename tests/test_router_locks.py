"""A lock in the router the run deploys through (`locks: - router: NAME`): two golives with two run logs
deploying the same service through the same router (the built-in proxy's admin API, HAProxy's runtime API
with a map) exclude each other. A run waiting for a person keeps the lock (parked, no expiry); a killed
golive's lock is taken over by another run once its lease ran out, and the taker's log says from whom."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import another_machine, golive, two_teams, until
from golive.traffic.local import LocalBackend, LocalHAProxy, LocalProxy

LEASE = "2s"
PLAN = """\
name: routed
service: routesvc
environment: prod
routers:
  edge: {router}
locks:
  - router: edge
{lock_extra}phases:
  - name: One
    steps:
      - name: change
        idempotent: true
        shell: "touch started; while [ ! -f go ]; do sleep 0.05; done; echo changed >> changes.txt"
    gate:
      approvals: {{count: 1}}
"""


@pytest.fixture(params=["builtin", "haproxy"])
def routed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The plan text for a router of each kind, running for the test."""
    tmp = tmp_path_factory.mktemp("router")
    with LocalBackend(tmp, "stable") as backend:
        if request.param == "builtin":
            with LocalProxy(tmp, {"stable": [backend.address]}) as proxy:
                yield PLAN.format(router=f"{{type: builtin, admin: '{proxy.admin}'}}", lock_extra="")
        else:
            lock_map = tmp / "golive-locks.map"
            with LocalHAProxy(tmp, {"stable": backend.address}, {"stable": 100}, lock_map=lock_map) as ha:
                yield PLAN.format(router=f"{{type: haproxy, socket: '{ha.socket}', backend: app,"
                                         " pools: {stable: [stable]}}", lock_extra=f"    map: {lock_map}\n")


def _run_id(d: Path, store: str) -> str:
    return str(json.loads(golive("--store", str(d / store), "runs", "--json", cwd=d).out)[0]["run"])


def test_a_run_waiting_at_a_gate_keeps_its_router_lock(workdir: Path, routed: str) -> None:
    a, b = two_teams(workdir, routed)
    for d in (a, b):
        (d / "go").touch()
    env = {"GOLIVE_LEASE": LEASE}
    first = golive("--store", str(a / "a.db"), "run", "plan.yaml", "--no-wait", cwd=a, env=env)
    assert first.code == 3, first.out + first.err
    run_a = _run_id(a, "a.db")
    time.sleep(2 * 2.0)  # twice the lease: a parked lock has no expiry, unlike a dead owner's
    second = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b,
                    env={**env, **another_machine(b)})
    assert second.code == 2, second.out + second.err
    assert f"held by run {run_a}" in second.err and "router 'edge'" in second.err, second.err
    assert not (b / "changes.txt").exists()
    assert golive("--store", str(a / "a.db"), "approve", run_a, "--by", "bob", "--reason", "ok", cwd=a).code == 0
    assert golive("--store", str(a / "a.db"), "resume", run_a, "--no-wait", cwd=a, env=env).code == 0
    again = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b,
                   env={**env, **another_machine(b)})
    assert again.code == 3, again.out + again.err


def test_a_killed_owners_router_lock_is_taken_over_after_its_lease(workdir: Path, routed: str) -> None:
    a, b = two_teams(workdir, routed)
    (b / "go").touch()
    env = {**os.environ, "GOLIVE_USER": "ann", "GOLIVE_STORE": str(a / "a.db"), "GOLIVE_LEASE": LEASE}
    child = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--no-wait"], cwd=a, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        until("the first run's step", lambda: (a / "started").exists() or child.poll() is not None)
        assert child.poll() is None, child.stdout.read() if child.stdout else ""
        killed_at = time.monotonic()
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        run_a = _run_id(a, "a.db")
        attempts = []
        while True:
            second = golive("--store", str(b / "b.db"), "run", "plan.yaml", "--no-wait", cwd=b,
                            env={"GOLIVE_LEASE": LEASE, **another_machine(b)})
            attempts.append(time.monotonic() - killed_at)
            if second.code != 2:
                break
            assert f"held by run {run_a}" in second.err and "lease" in second.err, second.err
            assert attempts[-1] < 60, "the dead owner's lease never ran out"
            time.sleep(0.2)
        assert second.code == 3, second.out + second.err  # took the lock, ran its step, waits at the gate
        # refused while the lease was current: it runs from the owner's last renewal (every third of the lease),
        # which can precede the kill by up to a third of it, so a taker may get the lock 2/3 of a lease after it
        assert len(attempts) > 1 or attempts[0] > 2.0 * 2 / 3, attempts
        run_b = _run_id(b, "b.db")
        log = golive("--store", str(b / "b.db"), "log", run_b, cwd=b).out
        assert f"took over the lock in router 'edge' from run {run_a}" in log, log
        # The killed run, resumed, is refused now: the lock is the other run's (parked at its gate).
        (a / "go").touch()
        resumed = golive("--store", str(a / "a.db"), "resume", run_a, "--no-wait", cwd=a,
                         env={"GOLIVE_LEASE": LEASE})
        assert resumed.code == 2 and f"held by run {run_b}" in resumed.err, resumed.out + resumed.err
    finally:
        if child.poll() is None:  # a test failed before the kill
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        (a / "go").touch()  # the killed golive's step outlives it (its own cgroup): a failed test must end it too


@pytest.mark.parametrize(("router", "lock", "says"), [
    ("{type: builtin, admin: '127.0.0.1:9'}", "  - router: nope\n", "no router 'nope'"),
    ("{type: haproxy, socket: /tmp/x.sock, backend: app, pools: {stable: [s1]}}", "  - router: edge\n",
     "name the map"),
    ("{type: nginx, upstream: app, upstream_file: up.conf, pools: {stable: ['127.0.0.1:1']}}",
     "  - router: edge\n", "nginx"),
])
def test_a_router_lock_names_a_router_that_can_hold_it(workdir: Path, router: str, lock: str, says: str) -> None:
    text = PLAN.format(router=router, lock_extra="").replace("  - router: edge\n", lock)
    (workdir / "plan.yaml").write_text(text, encoding="utf-8")
    out = golive("plan", "validate", "plan.yaml", cwd=workdir)
    assert out.code == 2 and "plan.yaml:" in out.err + out.out and says in out.err + out.out, out.out + out.err
