"""`rolling` behind golive's built-in proxy: per-server drain (no new request, those in flight finish, then out)
and return, and the bake judged from the proxy's per-server counters. Four namespaced fleet hosts
(golive.testing.fleet, no HAProxy), the proxy as its own process in front of them, load through it."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import events_of, golive
from golive.testing.fleet import Fleet
from golive.traffic.loadgen import BackgroundLoad
from golive.traffic.local import LocalProxy
from golive.traffic.proxy.router import BuiltinRouter

HEALTH = "health: {http: 'http://{host}:8080/health', interval: 0.1s, deadline: 20s}"


@pytest.fixture(scope="module")
def fleet() -> Iterator[tuple[Fleet, LocalProxy]]:
    with Fleet(4, version="1.0.0", haproxy=False) as f:
        print(f"fleet mode: {f.mode}")
        with LocalProxy(f.dir, {"all": [f"{h.address}:{h.http_port}" for h in f.hosts]}) as proxy:
            yield f, proxy


@pytest.fixture
def fresh(fleet: tuple[Fleet, LocalProxy]) -> tuple[Fleet, LocalProxy]:
    f, proxy = fleet
    f.deploy("1.0.0")
    router = BuiltinRouter(proxy.admin)
    for name in router.server_addresses():
        router.set_server_state(name, "ready")
    router.close()
    return f, proxy


def _states(proxy: LocalProxy) -> dict[str, str]:
    router = BuiltinRouter(proxy.admin)
    try:
        return {name: s["state"] for name, s in router._call("GET", "/servers").items()}
    finally:
        router.close()


def _plan(f: Fleet, proxy: LocalProxy, workdir: Path, command: str, extra: str = "") -> None:
    (workdir / "plan.yaml").write_text(
        "name: rolling behind the built-in proxy\nservice: web\nenvironment: test\n"
        + f.hosts_yaml("web", router="lb") + f"routers:\n  lb: {{type: builtin, admin: '{proxy.admin}'}}\n"
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


def _load(proxy: LocalProxy) -> BackgroundLoad:
    return BackgroundLoad(proxy.url, rate=150, concurrency=16, max_requests=200_000, max_seconds=300)


def test_drain_sends_no_new_request_and_waits_for_those_in_flight(fresh: tuple[Fleet, LocalProxy]) -> None:
    f, proxy = fresh
    router = BuiltinRouter(proxy.admin)
    answer: list[str] = []

    def slow() -> None:
        # held long enough for the checks below (twelve requests, then its session counted) on a busy machine:
        # were it answered before them, the drained server would hold nothing and the test would fail
        with urllib.request.urlopen(proxy.url + "slow?s=8", timeout=30) as resp:
            answer.append(f"{resp.status} {resp.headers['X-Backend']}")

    held = threading.Thread(target=slow)
    held.start()
    deadline = time.monotonic() + 10
    while not (busy := [n for n in router.server_addresses() if router.server_sessions(n) == 1]):
        assert time.monotonic() < deadline, "the slow request never reached a server"
        time.sleep(0.02)
    [server] = busy
    host = next(h for h in f.hosts if f"{h.address}:{h.http_port}" == server)
    router.set_server_state(server, "drain")
    seen = set()
    for _ in range(12):  # while it drains, no new request reaches it
        with urllib.request.urlopen(proxy.url, timeout=10) as resp:
            seen.add(resp.headers["X-Backend"].split("@")[0])
    assert host.name not in seen and len(seen) == 3, seen
    assert router.server_sessions(server) == 1  # the request it holds is still running there
    held.join(30)
    assert answer == [f"200 {host.name}@1.0.0"]  # and it finished normally
    assert router.server_sessions(server) == 0
    router.set_server_state(server, "ready")
    router.close()


def test_rolling_deploy_behind_the_builtin_proxy_has_no_failed_request(fresh: tuple[Fleet, LocalProxy],
                                                                        workdir: Path) -> None:
    f, proxy = fresh
    _plan(f, proxy, workdir, '"$FLEET_HOST_DIR/deploy" 1.1.0')
    with _load(proxy) as load:
        load.wait_for(f"{f.hosts[0].name}@1.0.0", 5)
        res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, timeout=300)
        report = load.stop()
    assert res.code == 0, res.out + res.err
    assert report.failures == [], report.summary()
    assert report.total > 100, report.summary()
    assert set(f.versions().values()) == {"1.1.0"}
    assert set(_states(proxy).values()) == {"ready"}
    events = events_of(workdir, "rolling.host")
    for h in f.hosts:
        assert [e["action"] for e in events if e["host"] == h.address] == \
            ["drain", "drained", "deploy", "health", "ready"], h
    assert {f"{h.name}@1.1.0" for h in f.hosts} <= {r.backend for r in report.records}


def test_bake_behind_the_builtin_proxy_stops_a_batch_that_fails_its_users(fresh: tuple[Fleet, LocalProxy],
                                                                          workdir: Path) -> None:
    """Healthy on its own, 500 to users: the judge (batch vs the rest, from the proxy's per-server counters)
    fails batch 1; the step stops there, the rest is never touched, and the undo puts 1.0.0 back."""
    f, proxy = fresh
    _plan(f, proxy, workdir, '"$FLEET_HOST_DIR/deploy" 1.1.0-errors',
          extra="          bake: {time: 20s, interval: 1s, max_error_rate: 5%, min_requests: 10}\n")
    logins = {h.name: f.logins(h) for h in f.hosts[2:]}
    with _load(proxy) as load:
        load.wait_for(f"{f.hosts[0].name}@1.0.0", 5)
        res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, timeout=300)
        load.stop()
    assert res.code == 1, res.out + res.err
    finished = next(e for e in events_of(workdir, "step.finished") if e["step"] == "1.1")
    assert "bake of batch 1 failed" in finished["message"], finished["message"]
    verdicts = events_of(workdir, "analysis.verdict")
    assert verdicts and verdicts[-1]["outcome"] == "fail", verdicts
    # judged on the batch's errors, not failed for lack of counted requests ("N inconclusive intervals")
    assert "inconclusive" not in verdicts[-1]["reason"] and "error" in verdicts[-1]["reason"], verdicts[-1]
    assert {e["host"] for e in events_of(workdir, "rolling.host")} == {h.address for h in f.hosts[:2]}
    assert {h.name: f.logins(h) for h in f.hosts[2:]} == logins  # later batches never contacted
    assert set(f.versions().values()) == {"1.0.0"}
    assert set(_states(proxy).values()) == {"ready"}
