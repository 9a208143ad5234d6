"""Deployment and rollback windows: which concrete interval a plan's window means at a given moment."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from golive.engine.executor import EngineOptions
from golive.plan.loader import parse_plan_text
from golive.plan.window import parse_moment, parse_zone, resolve
from golive.run.decisions import confirm
from golive.run.runner import DriveOptions, drive_run, load_state
from golive.run.start import StartRequest, start_run
from golive.store.memory import MemoryStore
from golive.testing import FakeClock

UTC_ = "UTC"
PARIS = ZoneInfo("Europe/Paris")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_absolute_window_in_its_zone() -> None:
    iv = resolve("2026-03-10T02:00", "2026-03-10T04:00", "Europe/Paris", None, utc(2026, 3, 10, 1, 30))
    assert iv.start == datetime(2026, 3, 10, 2, 0, tzinfo=PARIS)
    assert iv.start.astimezone(UTC) == utc(2026, 3, 10, 1, 0)
    assert iv.end.astimezone(UTC) == utc(2026, 3, 10, 3, 0)
    assert iv.rollback_until is None


def test_explicit_offset_wins_over_the_zone() -> None:
    iv = resolve("2026-03-10T02:00+00:00", "2026-03-10T04:00+00:00", "Asia/Tokyo", None, utc(2026, 3, 10))
    assert iv.start == utc(2026, 3, 10, 2, 0)


@pytest.mark.parametrize(("now", "start", "end"), [
    (utc(2026, 3, 10, 23, 30), utc(2026, 3, 10, 23), utc(2026, 3, 11, 1)),  # inside, before midnight
    (utc(2026, 3, 11, 0, 30), utc(2026, 3, 10, 23), utc(2026, 3, 11, 1)),   # inside, after midnight
    (utc(2026, 3, 11, 12, 0), utc(2026, 3, 11, 23), utc(2026, 3, 12, 1)),   # outside: tonight's window
])
def test_daily_window_across_midnight(now: datetime, start: datetime, end: datetime) -> None:
    iv = resolve("23:00", "01:00", UTC_, None, now)
    assert (iv.start, iv.end) == (start, end)


@pytest.mark.parametrize(("rollback_until", "expected"), [
    ("03:00", utc(2026, 3, 10, 3)),        # inside the window, the same night
    ("08:00", utc(2026, 3, 10, 8)),        # after the window, the same morning
    ("2026-03-10T02:45", utc(2026, 3, 10, 2, 45)),
])
def test_rollback_until_is_its_first_occurrence_after_the_window_opens(rollback_until: str, expected: datetime) -> None:
    daily = resolve("02:00", "06:00", UTC_, rollback_until, utc(2026, 3, 10, 2, 30))
    assert daily.rollback_until == expected
    absolute = resolve("2026-03-10T02:00", "2026-03-10T06:00", UTC_, rollback_until, utc(2026, 3, 10, 2, 30))
    assert absolute.rollback_until == expected


def test_rollback_until_across_midnight() -> None:
    iv = resolve("23:00", "03:00", UTC_, "01:00", utc(2026, 3, 10, 23, 30))
    assert iv.rollback_until == utc(2026, 3, 11, 1)


def test_daily_window_over_a_dst_change_keeps_local_times() -> None:
    # Europe/Paris moves to summer time at 02:00 on 2026-03-29: a 01:00-04:00 window lasts two real hours.
    iv = resolve("01:00", "04:00", "Europe/Paris", None, utc(2026, 3, 29, 0, 30))
    assert iv.start.astimezone(UTC) == utc(2026, 3, 29, 0, 0)
    assert iv.end.astimezone(UTC) == utc(2026, 3, 29, 2, 0)


def test_bad_moments_and_zones() -> None:
    with pytest.raises(ValueError, match="neither a date-time"):
        parse_moment("tomorrow")
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_zone("Europe/Atlantis")
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_zone("../../etc/passwd")


DAILY_DATA_ROLLBACK = """name: nightly
service: nightly
environment: prod
window: {start: "02:00", end: "06:00", rollback_until: "03:00"}
phases:
  - name: Migrate
    steps:
      - wait: 1h
      - shell: exit 1
rollback:
  levels:
    - level: 2
      name: Restore the database
      covers: [Migrate]
      restores_data: true
      steps: ["echo restored >> trail.log"]
"""


def test_daily_rollback_until_inside_the_window_is_enforced(tmp_path: Path) -> None:
    """A restore at 03:30, past a daily rollback_until of 03:00, waits for a person."""
    clock = FakeClock(utc(2026, 3, 10, 2, 30))
    store = MemoryStore()
    plan = parse_plan_text(DAILY_DATA_ROLLBACK, "plan.yaml")
    rid = start_run(StartRequest(plan=plan, plan_path=tmp_path / "plan.yaml", plan_text=DAILY_DATA_ROLLBACK,
                                 initiator="alice", environ={}), store, clock)
    opts = DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path))
    assert drive_run(store, rid, clock, opts) == 3
    st = load_state(store, rid)
    assert st.rollback is not None and st.rollback.waiting_for_level == 2
    assert not (tmp_path / "trail.log").exists()
    confirm(store, rid, "rollback", "dba", "restore, we lose 30 minutes of writes")
    assert drive_run(store, rid, clock, opts) == 1
    assert (tmp_path / "trail.log").read_text() == "restored\n"


FAILS_AT_ONCE = DAILY_DATA_ROLLBACK.replace("      - wait: 1h\n", "")


def _start_and_drive(tmp_path: Path, at: datetime, force: str | None) -> tuple[MemoryStore, str, DriveOptions, int]:
    clock = FakeClock(at)
    store = MemoryStore()
    plan = parse_plan_text(FAILS_AT_ONCE, "plan.yaml")
    rid = start_run(StartRequest(plan=plan, plan_path=tmp_path / "plan.yaml", plan_text=FAILS_AT_ONCE,
                                 initiator="alice", environ={}, force_reason=force), store, clock)
    opts = DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path))
    return store, rid, opts, drive_run(store, rid, clock, opts)


def test_a_restore_inside_the_rollback_window_needs_nobody(tmp_path: Path) -> None:
    _, _, _, code = _start_and_drive(tmp_path, utc(2026, 3, 10, 2, 30), None)
    assert code == 1
    assert (tmp_path / "trail.log").read_text() == "restored\n"


def test_a_run_forced_after_its_window_restores_only_with_a_persons_word(tmp_path: Path) -> None:
    """At 07:00 the next window's rollback_until (tomorrow 03:00) is ahead, but the run wrote outside any window:
    restoring its data is a person's decision, as it is past the rollback window of the window it missed."""
    store, rid, opts, code = _start_and_drive(tmp_path, utc(2026, 3, 10, 7, 0), "hotfix, approved in #ops")
    assert code == 3
    st = load_state(store, rid)
    assert st.forced is not None
    assert st.rollback is not None and st.rollback.waiting_for_level == 2
    assert not (tmp_path / "trail.log").exists()
    needed = [e for e in store.events(rid) if e.type == "rollback.confirmation_needed"]
    assert needed and "forced outside its window" in needed[0].payload["reason"]
    confirm(store, rid, "rollback", "dba", "restore; the hotfix wrote nothing we keep")
    assert drive_run(store, rid, FakeClock(utc(2026, 3, 10, 7, 5)), opts) == 1
    assert (tmp_path / "trail.log").read_text() == "restored\n"
