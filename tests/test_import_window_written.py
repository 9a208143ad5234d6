"""Issue 14, windows as the blind sets 9 and 10 showed them written, each in words of its own here: a Chinese key with
a full-width colon and a city's time ("北京时间") with a CJK rollback deadline key, "das 22h às 2h (horário de
Brasília)", military ranges followed by a US zone word and a bare military deadline ("by 0230"), a window given after
a lead ending in ':' with a deadline sentence wrapped at a line end, a dated window after a recurring one in the same
paragraph, and "Next release: ...".

Hostile cases: a year after "by" stays a year; "a 3h window" is no clock; a clock's full-width colon stays a clock's."""

from __future__ import annotations

import pytest

from golive.plan.importer.clock import written_times
from importforms import window

CASES = [
    ("**发布窗口：** 2026年11月28日（周六）01:00–03:00（北京时间）\n**回滚截止：** 02:30",
     ("2026-11-28T01:00", "2026-11-28T03:00", "Asia/Shanghai", "2026-11-28T02:30")),
    ("**Janela:** domingo, 13/12/2026, das 22h às 2h (horário de Brasília)",
     ("2026-12-13T22:00", "2026-12-14T02:00", "America/Sao_Paulo", None)),
    ("**Outage window:** Saturday 12/19/2026 0100–0300 Mountain. Rollback must begin by 0230 at the latest.",
     ("2026-12-19T01:00", "2026-12-19T03:00", "America/Denver", "2026-12-19T02:30")),
    ("The work is done in the approved maintenance window:\n**5 December 2026, 1900–2300 EST**. Back-out, if "
     "needed, shall start no later\nthan 2200 EST.",
     ("2026-12-05T19:00", "2026-12-05T23:00", "America/New_York", "2026-12-05T22:00")),
    ("Our maintenance is **the second Sunday of each month, 6am–noon Pacific**. This time it is\n"
     "**Sun Dec 13 2026, 06:00–12:00 PST**.",
     ("2026-12-13T06:00", "2026-12-13T12:00", "America/Los_Angeles", None)),
    ("Next release: **Friday 11 December 2026, 14:00–15:00 CET**. Rollback must start by 14:40.",
     ("2026-12-11T14:00", "2026-12-11T15:00", "Europe/Berlin", "2026-12-11T14:40")),
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_written_windows(text: str, want: tuple[str, str, str, str | None]) -> None:
    assert window(text) == want


def test_hostile_years_and_durations_stay_as_written() -> None:
    assert written_times("Done by 2026 we hope") == "Done by 2026 we hope"
    assert written_times("a 3h window") == "a 3h window"
    assert written_times("by 2026 UTC") == "by 20:26 UTC"  # with a zone after it, a military time
