"""The plan is validated once and its vars resolved once per run a process starts: the run state holds the typed
plan from `run.created`, and `golive run` hands what it resolved on to the drive instead of doing it again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from golive.engine.executor import EngineOptions
from golive.plan.loader import parse_plan_text
from golive.plan.model import Plan
from golive.run import runner, start
from golive.run.decisions import approve
from golive.run.runner import DriveOptions, drive_run, load_state
from golive.run.start import StartRequest, create_run
from golive.store.memory import MemoryStore
from golive.testing import FakeClock

PLAN = """\
name: once
service: svc
environment: prod
vars:
  GREETING: hello
phases:
  - name: one
    steps:
      - shell: echo "$GREETING" > out.txt
    gate:
      approvals: {count: 1}
"""


class Counter:
    def __init__(self) -> None:
        self.validations = 0
        self.resolutions = 0


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter:
    count = Counter()
    validate = Plan.model_validate.__func__  # type: ignore[attr-defined]
    resolve = runner.resolve_vars

    def counting_validate(cls: type[Plan], *args: Any, **kwargs: Any) -> Plan:
        count.validations += 1
        return validate(cls, *args, **kwargs)  # type: ignore[no-any-return]

    def counting_resolve(*args: Any, **kwargs: Any) -> Any:
        count.resolutions += 1
        return resolve(*args, **kwargs)

    monkeypatch.setattr(Plan, "model_validate", classmethod(counting_validate))
    monkeypatch.setattr(start, "resolve_vars", counting_resolve)  # creating a run
    monkeypatch.setattr(runner, "resolve_vars", counting_resolve)  # driving one
    return count


def test_a_run_started_here_validates_its_plan_and_resolves_its_vars_once(tmp_path: Path, counted: Counter) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    plan = parse_plan_text(PLAN, str(path))
    counted.validations = 0  # the file itself: validated once by the loader
    store, clock = MemoryStore(), FakeClock(datetime(2026, 3, 10, 2, 30, tzinfo=UTC))
    started = create_run(StartRequest(plan=plan, plan_path=path, plan_text=PLAN, initiator="ann", environ={}),
                         store, clock)
    code = drive_run(store, started.run_id, clock,
                     DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path), resolved=started))
    assert code == 3 and (tmp_path / "out.txt").read_text() == "hello\n"  # ran, now waits at the gate
    assert counted.validations == 0, "the recorded plan was validated again although this process had it"
    assert counted.resolutions == 1, "the vars were resolved again for the drive"

    # Another process (a person approving, then `golive resume`) validates the recorded plan once per fold.
    approve(store, started.run_id, "bob", "looks good")
    assert counted.validations == 1
    st = load_state(store, started.run_id)
    assert st.plan is st.plan and counted.validations == 2
    resumed = DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path))
    assert drive_run(store, started.run_id, clock, resumed) == 0
    assert counted.validations == 3 and counted.resolutions == 2
