"""Windows as teams write them in other languages and forms, read by python-dateutil after the importer writes them
as it reads them (full-width digits, CJK dates, an ISO interval whose end is a time): each across midnight where it
runs past it. A window with times and no date is never a daily one unless the document says daily (a daily window
is open any day), and "CST" is China's or US Central time only when the document says which."""

from __future__ import annotations

import pytest

from golive.plan.importer.weekdays import weekdays_in
from importforms import GO, load


def _window(text: str) -> tuple[tuple[str, str, str] | None, list[str]]:
    plan, said = load(f"# T\n\n{text}\n\n{GO}")
    w = plan.window
    return (None if w is None else (str(w.start), str(w.end), w.timezone)), said


@pytest.mark.parametrize(("text", "want"), [
    ("**Wartungsfenster:** Sa., 12.12.2026, 22:00–02:00 Uhr MEZ",
     ("2026-12-12T22:00", "2026-12-13T02:00", "Europe/Berlin")),
    ("**作業時間:** 2026年12月12日 ０２：００〜０５：００ JST", ("2026-12-12T02:00", "2026-12-12T05:00", "Asia/Tokyo")),
    ("**Window:** 2026-12-12 ２２：００～０２：００ JST", ("2026-12-12T22:00", "2026-12-13T02:00", "Asia/Tokyo")),
    ("**Window:** 2026-12-12T22:00/02:00Z", ("2026-12-12T22:00", "2026-12-13T02:00", "UTC")),
    ("**When:** 2026년 12월 13일 (일) 09:00–12:00 KST", ("2026-12-13T09:00", "2026-12-13T12:00", "Asia/Seoul")),
    ("**Window:** Dec 12, 2026 11:30 PM – 1:30 AM CST (Central time, Dallas office)",
     ("2026-12-12T23:30", "2026-12-13T01:30", "America/Chicago")),
    ("**窗口:** 2026年12月12日 23:30 – 01:30 CST\n\n发布说明。",
     ("2026-12-12T23:30", "2026-12-13T01:30", "Asia/Shanghai")),
    ("Every night 02:00-06:00 UTC (daily maintenance window).", ("02:00", "06:00", "UTC")),
])
def test_written_forms(text: str, want: tuple[str, str, str]) -> None:
    assert _window(text)[0] == want


@pytest.mark.parametrize("text", [
    "**Window:** 11:30 PM – 1:30 AM Eastern",
    "**Window:** ０２：００〜０５：００ JST",
])
def test_times_without_a_date_are_no_window(text: str) -> None:
    window, said = _window(text)
    assert window is None
    assert any("times with no date" in s for s in said), said
    assert any("window: not set" in s for s in said), said


def test_cst_with_nothing_saying_which_is_no_window() -> None:
    window, said = _window("**Window:** Dec 12, 2026 11:30 PM – 1:30 AM CST")
    assert window is None
    assert any("CST is China Standard Time (UTC+8) or US Central (UTC-6)" in s for s in said), said


def test_an_undated_window_stays_in_the_plan_description() -> None:
    plan, _said = load(f"# T\n\nWe will run this change 02:00-06:00 UTC.\n\n{GO}")
    assert plan.window is None
    assert "02:00-06:00 UTC" in (plan.description or "")


@pytest.mark.parametrize(("text", "want"), [
    ("**Window:** Tuesday 02:00–04:00 UTC", ("02:00", "04:00", "UTC", ["tue"])),
    ("**Window:** Sat 22:00-02:00 UTC", ("22:00", "02:00", "UTC", ["sat"])),
    ("**Window:** Saturday night 23:00 to Sunday 01:00 ET", ("23:00", "01:00", "America/New_York", ["sat"])),
    ("We will run this change on Saturday 02:00-06:00 UTC.", ("02:00", "06:00", "UTC", ["sat"])),
    ("**Window:** every Tuesday 02:00-04:00 UTC", ("02:00", "04:00", "UTC", ["tue"])),
    ("**Wartungsfenster:** Sa., 22:00–02:00 Uhr MEZ", ("22:00", "02:00", "Europe/Berlin", ["sat"])),
    ("**Ventana:** sábado 23:00–01:00 CET", ("23:00", "01:00", "Europe/Berlin", ["sat"])),
    ("**作業時間:** 土曜 02:00〜05:00 JST", ("02:00", "05:00", "Asia/Tokyo", ["sat"])),
    ("- **Day:** Tuesday\n- **Time:** 10:00 AM EST\n- **Duration:** 2 hours",
     ("10:00", "12:00", "America/New_York", ["tue"])),
    ("Every night 02:00-06:00 UTC (daily maintenance window).", ("02:00", "06:00", "UTC", None)),
    ("**Window:** daily 02:00-04:00 UTC (the first one on Monday)", ("02:00", "04:00", "UTC", None)),
])
def test_a_weekday_without_a_date_is_a_weekly_window(text: str, want: tuple[str, str, str, list[str] | None]) -> None:
    """The weekday the document names limits the window to the windows opening that day (`days`), instead of no
    window at all (any hour) or a daily one (any day); "every night" stays daily."""
    plan, said = load(f"# T\n\n{text}\n\n{GO}")
    w = plan.window
    assert w is not None, said
    assert (str(w.start), str(w.end), w.timezone, w.days) == want


def test_weekday_names_are_whole_words() -> None:
    """"Monitor", "Saturn", "sunny", "what we do." name no day; "Sa.", "So." (with their dot) and "Sun" do."""
    assert weekdays_in("Monitor the Saturnalia freeze on a sunny morning, as we do. So 02:00") == []
    assert [d for _p, d in weekdays_in("Sa., So. und Sun 02:00")] == ["sat", "sun", "sun"]
