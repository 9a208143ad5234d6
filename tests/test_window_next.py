"""A time-of-day window that closed today means the next one to open, at every instant: checked against a simple
reference (every window of three weeks, as instants, the one containing `now` else the next to start), over zones
with clock changes, windows across midnight, weekday limits, and instants exactly at opening and closing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golive.errors import WindowClosed
from golive.plan.loader import parse_plan_text
from golive.plan.window import WEEKDAYS, resolve
from golive.report.planview import render_plan
from golive.run.start import StartRequest, start_run
from golive.store.memory import MemoryStore
from golive.testing import FakeClock

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Pacific/Auckland", "Asia/Kathmandu"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The reference's reading of a wall-clock time: of the offsets in force around it, the first that gives that
    wall time back (its first occurrence); none does in a skipped hour: the offset before the change (the time is
    moved on by the skipped length)."""
    naive = datetime.combine(day, at)
    offsets = sorted({zone.utcoffset(naive + timedelta(hours=h)) for h in (-26, -13, 0, 13, 26)},
                     key=lambda o: -o.total_seconds())  # type: ignore[union-attr]
    for off in offsets:  # a larger offset gives an earlier instant
        cand = (naive - off).replace(tzinfo=UTC)  # type: ignore[operator]
        if cand.astimezone(zone).replace(tzinfo=None) == naive:
            return cand
    before = zone.utcoffset(naive - timedelta(hours=26))
    assert before is not None
    return (naive - before).replace(tzinfo=UTC)


def reference(start: time, end: time, zone: str, now: datetime, days: list[str] | None) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    allowed = {WEEKDAYS.index(d) for d in days} if days else set(range(7))
    windows = []
    for n in range(-3, 22):
        day = today + timedelta(days=n)
        if day.weekday() not in allowed:
            continue
        s = _instant(day, start, tz)
        e = _instant(day if end > start else day + timedelta(days=1), end, tz)
        if e > s:
            windows.append((s, e))
    inside = [w for w in windows if w[0] <= now < w[1]]
    return min(inside) if inside else min(w for w in windows if w[0] > now)


def _check(start: time, end: time, zone: str, now: datetime, days: list[str] | None) -> None:
    iv = resolve(start.isoformat("minutes"), end.isoformat("minutes"), zone, None, now, days)
    got = (iv.start.astimezone(UTC), iv.end.astimezone(UTC))
    assert got == reference(start, end, zone, now, days), (start, end, zone, now, days)
    assert iv.start.astimezone(ZoneInfo(zone)).weekday() in ({WEEKDAYS.index(d) for d in days} if days
                                                            else set(range(7)))
    assert iv.seconds() == (got[1] - got[0]).total_seconds() > 0


_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
_days = st.none() | st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True)
# instants across 2026, on the minute grid the windows use (so opening and closing instants come up), and near
# the clock changes of the zones above
_changes = [utc(2026, 3, 29, 1), utc(2026, 3, 8, 7), utc(2026, 11, 1, 6), utc(2026, 10, 25, 1),
            utc(2026, 4, 4, 15), utc(2026, 10, 3, 16), utc(2026, 4, 4, 14), utc(2026, 9, 26, 14)]
_nows = (st.integers(0, 365 * 24 * 4).map(lambda q: utc(2026, 1, 1) + timedelta(minutes=15 * q))
         | st.builds(lambda c, m: c + timedelta(minutes=m), st.sampled_from(_changes), st.integers(-48 * 60, 48 * 60)))


@settings(max_examples=600, deadline=None)
@given(_times, _times, st.sampled_from(ZONES), _nows, _days)
def test_the_window_is_the_one_containing_now_else_the_next_to_open(start: time, end: time, zone: str,
                                                                    now: datetime, days: list[str] | None) -> None:
    if start == end:
        return
    _check(start, end, zone, now, days)


@settings(max_examples=300, deadline=None)
@given(_times, _times, st.sampled_from(ZONES), _nows, _days, st.sampled_from(["open", "close", "just-before"]))
def test_exactly_at_opening_and_closing(start: time, end: time, zone: str, now: datetime, days: list[str] | None,
                                       edge: str) -> None:
    """Open from its opening instant on, closed from its closing instant on (the next one is then the answer)."""
    if start == end:
        return
    s, e = reference(start, end, zone, now, days)
    at = {"open": s, "close": e, "just-before": e - timedelta(microseconds=1)}[edge]
    _check(start, end, zone, at, days)
    iv = resolve(start.isoformat("minutes"), end.isoformat("minutes"), zone, None, at, days)
    assert (iv.start.astimezone(UTC) <= at < iv.end.astimezone(UTC)) is (edge != "close")


@pytest.mark.parametrize(("now", "start", "end"), [
    (utc(2026, 12, 1, 23, 30), utc(2026, 12, 2, 22), utc(2026, 12, 2, 23)),  # after today's: tomorrow's
    (utc(2026, 12, 1, 23, 0), utc(2026, 12, 2, 22), utc(2026, 12, 2, 23)),   # exactly at closing: tomorrow's
    (utc(2026, 12, 1, 22, 0), utc(2026, 12, 1, 22), utc(2026, 12, 1, 23)),   # exactly at opening: today's
    (utc(2026, 12, 1, 21, 59), utc(2026, 12, 1, 22), utc(2026, 12, 1, 23)),  # before: today's
])
def test_a_daily_window_after_it_closed_is_tomorrows(now: datetime, start: datetime, end: datetime) -> None:
    iv = resolve("22:00", "23:00", "UTC", None, now)
    assert (iv.start, iv.end) == (start, end)


@pytest.mark.parametrize(("now", "start", "days"), [
    (utc(2026, 12, 2, 2, 0), utc(2026, 12, 2, 22), None),             # 22:00-02:00 closing: tonight's
    (utc(2026, 12, 2, 1, 59), utc(2026, 12, 1, 22), None),            # still last night's
    (utc(2026, 12, 6, 2, 0), utc(2026, 12, 12, 22), ["sat"]),         # Saturday's closing on Sunday: next Saturday
    (utc(2026, 12, 5, 22, 0), utc(2026, 12, 5, 22), ["sat"]),         # Saturday at opening
    (utc(2026, 12, 6, 12, 0), utc(2026, 12, 12, 22), ["sat"]),        # Sunday noon
])
def test_across_midnight_at_the_edges(now: datetime, start: datetime, days: list[str] | None) -> None:
    assert resolve("22:00", "02:00", "UTC", None, now, days).start == start


def test_the_repeated_hour_is_compared_as_instants() -> None:
    """New York's clocks go back at 02:00 EDT on 2026-11-01: 01:30 comes twice. A 01:00-01:45 window opened at the
    first 01:00 (05:00 UTC) and closed at the first 01:45; at the second 01:30 (06:30 UTC) it is closed, though
    the wall clocks compare as inside."""
    iv = resolve("01:00", "01:45", "America/New_York", None, utc(2026, 11, 1, 6, 30))
    assert iv.start.astimezone(UTC) == utc(2026, 11, 2, 6)
    assert not iv.start <= utc(2026, 11, 1, 6, 30) < iv.end


def test_a_window_length_is_real_time_across_a_change() -> None:
    iv = resolve("00:00", "04:00", "America/New_York", None, utc(2026, 11, 1, 5))
    assert iv.seconds() == 5 * 3600  # the repeated hour is lived twice


PLAN = """name: nightly
service: svc
environment: prod
window: {start: "22:00", end: "23:00", timezone: UTC}
phases:
  - name: One
    steps: ["echo hi"]
"""


def test_a_run_after_the_window_closed_is_told_when_it_opens_next(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN, encoding="utf-8")
    plan = parse_plan_text(PLAN, str(path))
    req = StartRequest(plan=plan, plan_path=path, plan_text=PLAN, initiator="alice", environ={})
    with pytest.raises(WindowClosed, match=r"the window opens Wednesday 2026-12-02T22:00:00\+00:00"):
        start_run(req, MemoryStore(), FakeClock(utc(2026, 12, 1, 23, 30)))
    text = render_plan(plan, utc(2026, 12, 1, 23, 30))
    assert "window: 2026-12-02T22:00:00+00:00 – 2026-12-02T23:00:00+00:00 (UTC, 1h" in text
