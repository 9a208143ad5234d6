"""A time-of-day window limited to weekdays (`days: [tue]`): a runbook's "Tuesday 02:00-04:00" with no date. The
window is open only when it OPENS on one of its days (Saturday 22:00-02:00 runs into Sunday); outside, the
interval golive speaks of is the next one to open, so "the window opens ..." names the right day."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from golive.errors import WindowClosed
from golive.plan.loader import parse_plan_text
from golive.plan.window import resolve
from golive.report.planview import render_plan
from golive.run.start import StartRequest, start_run
from golive.store.memory import MemoryStore
from golive.testing import FakeClock


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# 2026-12-01 is a Tuesday; 2026-12-05 a Saturday.
@pytest.mark.parametrize(("now", "start", "end"), [
    (utc(2026, 12, 1, 3, 0), utc(2026, 12, 1, 2), utc(2026, 12, 1, 4)),    # Tuesday, inside
    (utc(2026, 12, 1, 1, 0), utc(2026, 12, 1, 2), utc(2026, 12, 1, 4)),    # Tuesday, before: today's opens next
    (utc(2026, 12, 1, 5, 0), utc(2026, 12, 8, 2), utc(2026, 12, 8, 4)),    # Tuesday, after: next Tuesday's
    (utc(2026, 12, 2, 3, 0), utc(2026, 12, 8, 2), utc(2026, 12, 8, 4)),    # Wednesday at 03:00: closed
    (utc(2026, 11, 30, 3, 0), utc(2026, 12, 1, 2), utc(2026, 12, 1, 4)),   # Monday: tomorrow's
])
def test_a_tuesday_window(now: datetime, start: datetime, end: datetime) -> None:
    iv = resolve("02:00", "04:00", "UTC", None, now, ["tue"])
    assert (iv.start, iv.end) == (start, end)


@pytest.mark.parametrize(("now", "start", "inside"), [
    (utc(2026, 12, 5, 23, 0), utc(2026, 12, 5, 22), True),    # Saturday night
    (utc(2026, 12, 6, 1, 30), utc(2026, 12, 5, 22), True),    # Sunday 01:30: still Saturday's window
    (utc(2026, 12, 6, 23, 0), utc(2026, 12, 12, 22), False),  # Sunday 23:00: no window opens on Sunday
    (utc(2026, 12, 5, 1, 30), utc(2026, 12, 5, 22), False),   # Saturday 01:30: Friday's would be, none opened
])
def test_a_saturday_night_window_runs_into_sunday(now: datetime, start: datetime, inside: bool) -> None:
    iv = resolve("22:00", "02:00", "UTC", None, now, ["sat"])
    assert iv.start == start
    assert (iv.end - iv.start).total_seconds() == 4 * 3600
    assert (iv.start <= now < iv.end) is inside


def test_several_days() -> None:
    # Saturday and Sunday: on Sunday 23:00 the Sunday window is open
    iv = resolve("22:00", "02:00", "UTC", None, utc(2026, 12, 6, 23, 0), ["sat", "sun"])
    assert iv.start == utc(2026, 12, 6, 22)


def test_the_dst_week_keeps_local_times() -> None:
    # New York moves to summer time at 02:00 on Sunday 2026-03-08: Saturday 23:00-03:00 lasts three real hours,
    # and the Tuesday after opens at 02:00 EDT (06:00 UTC), the Tuesday before at 02:00 EST (07:00 UTC).
    sat = resolve("23:00", "03:00", "America/New_York", None, utc(2026, 3, 8, 6, 30), ["sat"])
    assert (sat.start.astimezone(UTC), sat.end.astimezone(UTC)) == (utc(2026, 3, 8, 4), utc(2026, 3, 8, 7))
    before = resolve("02:00", "04:00", "America/New_York", None, utc(2026, 3, 2, 12), ["tue"])
    assert before.start.astimezone(UTC) == utc(2026, 3, 3, 7)
    after = resolve("02:00", "04:00", "America/New_York", None, utc(2026, 3, 4, 12), ["tue"])
    assert after.start.astimezone(UTC) == utc(2026, 3, 10, 6)


def test_rollback_until_follows_the_window_of_that_day() -> None:
    iv = resolve("22:00", "02:00", "UTC", "01:00", utc(2026, 12, 6, 0, 30), ["sat"])
    assert iv.rollback_until == utc(2026, 12, 6, 1)


def test_days_on_a_dated_window_are_refused() -> None:
    with pytest.raises(ValueError, match="`days` limits a time-of-day window"):
        resolve("2026-12-01T02:00", "2026-12-01T04:00", "UTC", None, utc(2026, 12, 1, 3), ["tue"])


PLAN = """name: demo
service: svc
environment: prod
window: {start: "22:00", end: "02:00", timezone: UTC, days: [Saturday]}
phases:
  - name: One
    steps: ["echo hi"]
"""


def _start(tmp_path: Path, now: datetime) -> tuple[MemoryStore, str]:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    plan = parse_plan_text(PLAN, str(path))
    assert plan.window is not None and plan.window.days == ["sat"]
    store = MemoryStore()
    req = StartRequest(plan=plan, plan_path=path, plan_text=PLAN, initiator="alice", environ={})
    return store, start_run(req, store, FakeClock(now))


def test_the_engine_refuses_to_start_on_a_day_the_window_does_not_open(tmp_path: Path) -> None:
    # Wednesday 23:00: a daily 22:00-02:00 window would be open; the Saturday one is not
    with pytest.raises(WindowClosed, match=r"the window opens Saturday 2026-12-05T22:00:00\+00:00") as err:
        _start(tmp_path, utc(2026, 12, 2, 23, 0))
    assert "outside the deployment window" in str(err.value)


@pytest.mark.parametrize("now", [utc(2026, 12, 5, 23, 0), utc(2026, 12, 6, 1, 30)])
def test_the_engine_starts_inside_the_saturday_window(tmp_path: Path, now: datetime) -> None:
    store, rid = _start(tmp_path, now)
    assert store.events(rid)[0].payload["forced"] is None


def test_plan_show_names_the_days_and_the_next_window() -> None:
    plan = parse_plan_text(PLAN, "plan.yaml")
    text = render_plan(plan, utc(2026, 12, 2, 23, 0))  # a Wednesday
    assert "window: 2026-12-05T22:00:00+00:00 – 2026-12-06T02:00:00+00:00 (UTC, opening only on sat," in text
