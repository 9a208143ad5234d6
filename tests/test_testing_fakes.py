"""golive.testing's public fakes satisfy the protocols golive's real parts do, so a user's plan test can use them."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.analysis.model import Sample
from golive.engine.executor import EngineOptions
from golive.errors import RouterError
from golive.plan.loader import parse_plan_text
from golive.run.runner import DriveOptions, drive_run, load_state
from golive.run.start import StartRequest, start_run
from golive.store.memory import MemoryStore
from golive.testing import FakeClock, FakeMetricSource, FakeRouter, FakeSender, FakeStepRunner
from golive.traffic.router import Router

PLAN = """name: fakes
service: fakesvc
environment: prod
phases:
  - name: One
    steps:
      - shell: ./prepare.sh
        undo: ./unprepare.sh
      - shell: ./deploy.sh
"""


def test_fake_step_runner_walks_a_plan_and_its_rollback(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    store, clock, runner = MemoryStore(), FakeClock(), FakeStepRunner(fail={"1.2"})
    req = StartRequest(plan=parse_plan_text(PLAN, str(path)), plan_path=path, plan_text=PLAN, initiator="t",
                       environ={})
    run_id = start_run(req, store, clock)
    code = drive_run(store, run_id, clock, DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path),
                                                        executor=runner))
    assert code == 1
    assert runner.ran == ["1.1", "1.2", "1.1.undo"]
    assert load_state(store, run_id).outcome == "rolled-back"


def test_fake_router_is_a_router_that_checks_splits_and_counts() -> None:
    router = FakeRouter(["stable", "canary"])
    assert isinstance(router, Router)
    router.set_weights({"stable": 90, "canary": 10})
    with pytest.raises(RouterError):
        router.set_weights({"stable": 90, "canary": 20})
    router.fail_next = "refused"
    with pytest.raises(RouterError, match="refused"):
        router.set_weights({"canary": 100})
    assert router.history == [{"stable": 90, "canary": 10}] and router.weights() == {"stable": 90, "canary": 10}
    router.serve("canary", 100, errors=3, latency_ms=40.0)
    c = router.counters()["canary"]
    assert (c.requests, c.errors, c.latency_sum_ms) == (100, 3, 4000.0)


def test_fake_metric_source_and_sender_record_what_they_were_asked() -> None:
    bad = Sample(100, 20, [])
    source = FakeMetricSource({"canary": [FakeMetricSource.healthy(), bad]})
    assert source.sample("canary", 0, 30).errors == 0
    assert source.sample("canary", 30, 60) is bad and source.sample("canary", 60, 90) is bad
    assert [a[0] for a in source.asked] == ["canary"] * 3
    sender = FakeSender(fail=True)
    assert not sender.send(["json://hooks.local/x"], "title", "body").ok
    assert [(m.title, m.body) for m in sender.sent] == [("title", "body")]
