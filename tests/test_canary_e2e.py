"""End to end through the real `golive run`: a canary 10% -> 50% -> 100% behind the real HAProxy, two
loopback backends, the bounded load generator running meanwhile. A healthy canary is promoted; one that
fails 5% of requests is aborted and HAProxy is back at 100% stable, checked through `show stat`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import golive
from golive.loadgen import BackgroundLoad
from golive.traffic.haproxy import HAProxyRouter
from golive.traffic.local import LocalBackend, LocalHAProxy

PLAN = """\
name: web canary
service: web
environment: e2e
routers:
  edge:
    type: haproxy
    socket: {socket}
    backend: app
    pools: {{stable: stable, canary: canary}}
phases:
  - name: Canary
    steps:
      - name: canary 2.0
        canary:
          router: edge
          stable: stable
          canary: canary
          interval: 2s
          stages: [{{weight: 10, hold: 4s}}, {{weight: 50, hold: 4s}}, {{weight: 100}}]
          analysis: {{max_error_rate: 1%, min_requests: 20, max_inconclusive: 3}}
"""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[LocalHAProxy, LocalBackend, LocalBackend]]:
    with LocalBackend(tmp_path, "stable") as stable, LocalBackend(tmp_path, "canary") as canary, \
            LocalHAProxy(tmp_path, {"stable": stable.address, "canary": canary.address}, {"stable": 100}) as ha:
        yield ha, stable, canary


def _show_stat_weights(ha: LocalHAProxy) -> dict[str, str]:
    text = HAProxyRouter(ha.socket, "app", {"stable": ["stable"]}).command("show stat")
    lines = text.splitlines()
    header = lines[0][2:].split(",")
    return {row.split(",")[1]: row.split(",")[header.index("weight")] for row in lines[1:]
            if row.startswith("app,") and row.split(",")[1] in ("stable", "canary")}


def _run(workdir: Path, ha: LocalHAProxy) -> tuple[int, str, list[dict[str, object]]]:
    (workdir / "plan.yaml").write_text(PLAN.format(socket=ha.socket))
    with BackgroundLoad(ha.url, rate=300.0, concurrency=16, max_requests=20000, max_seconds=60) as load:
        load.wait_for("stable", 30)
        res = golive("run", "plan.yaml", "--json", "--no-wait", cwd=workdir, timeout=90)
        report = load.stop()
    events = [json.loads(line) for line in res.out.splitlines() if line.startswith("{")]
    log = golive("log", events[0]["run"], cwd=workdir).out
    (workdir / "run.log").write_text(log)
    assert report.total > 100
    return res.code, log, events


def test_healthy_canary_is_promoted(workdir: Path, stack: tuple[LocalHAProxy, LocalBackend, LocalBackend]) -> None:
    ha, _, _ = stack
    code, log, events = _run(workdir, ha)
    assert code == 0, log
    weights = [e["payload"]["weights"] for e in events if e["type"] == "traffic.weight"]
    assert weights == [{"canary": 10, "stable": 90}, {"canary": 50, "stable": 50}, {"canary": 100, "stable": 0}]
    verdicts = [e["payload"] for e in events if e["type"] == "analysis.verdict"]
    assert len(verdicts) >= 2 and all(v["outcome"] == "pass" for v in verdicts), log
    assert _show_stat_weights(ha) == {"stable": "0", "canary": "200"}
    assert "verdict PASS at stage 1 (10%)" in log and "traffic via edge: canary 100% / stable 0%" in log


def test_canary_failing_5_percent_is_aborted_and_haproxy_back_on_stable(
        workdir: Path, stack: tuple[LocalHAProxy, LocalBackend, LocalBackend]) -> None:
    ha, _, canary = stack
    canary.control(fail=0.05)
    code, log, events = _run(workdir, ha)
    assert code == 1, log
    assert _show_stat_weights(ha) == {"stable": "200", "canary": "0"}
    types = [e["type"] for e in events]
    fail = next(i for i, e in enumerate(events) if e["type"] == "analysis.verdict"
                and e["payload"]["outcome"] == "fail")
    # traffic back to stable first, then the step fails, then the rest of the rollback
    abort = types.index("traffic.weight", fail)
    assert events[abort]["payload"]["weights"] == {"stable": 100, "canary": 0}
    assert events[abort]["payload"]["reason"].startswith("abort")
    finished = next(i for i, e in enumerate(events) if e["type"] == "step.finished" and e["payload"]["step"] == "1.1")
    assert abort < finished < types.index("rollback.started")
    assert events[finished]["payload"]["status"] == "failed"
    assert "100% of traffic back on stable" in events[finished]["payload"]["message"]
    assert "verdict FAIL" in log and "canary errors" in log
    assert "traffic via edge: canary 0% / stable 100% -- abort: stage" in log
