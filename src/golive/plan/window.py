"""Deployment and rollback windows: absolute (`2025-11-07T02:00`), daily (`02:00`) or weekly (`02:00` on the
`days` named), in a named zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import Struct


def parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{name}' (use an IANA name like 'America/New_York')") from None


def parse_moment(text: str) -> datetime | time:
    """A full date-time (absolute window) or a time of day (daily window)."""
    text = text.strip()
    for parse in (datetime.fromisoformat, time.fromisoformat):
        try:
            return parse(text.replace(" ", "T", 1) if parse is datetime.fromisoformat else text)
        except ValueError:
            continue
    raise ValueError(f"'{text}' is neither a date-time ('2025-11-07T02:00') nor a time of day ('02:00')")


#: The weekdays a time-of-day window may be limited to, in `date.weekday()` order.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_day(text: str) -> str:
    """`tue`, `Tue`, `tuesday`: the three-letter name; anything else is refused with the names that work."""
    word = text.strip().lower()
    for name, full in zip(WEEKDAYS, ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
                          strict=True):
        if word in (name, full):
            return name
    raise ValueError(f"'{text}' is not a weekday (use {', '.join(WEEKDAYS)})")


class Interval(Struct, frozen=True):
    start: datetime
    end: datetime
    rollback_until: datetime | None

    def seconds(self) -> float:
        """How long it is open, in real seconds (across a clock change too: wall-clock subtraction is not)."""
        return (self.end.astimezone(UTC) - self.start.astimezone(UTC)).total_seconds()


def resolve(start: str, end: str, zone: str, rollback_until: str | None, now: datetime,
            days: Sequence[str] | None = None) -> Interval:
    """The concrete window relevant at `now`: the one containing it, else the next to open. A daily window that
    closed today is over: at 23:30 a 22:00-23:00 window means tomorrow's (speaking of today's would tell a person
    the window "closed" when it opens again in 22 hours, and `plan show` would print a past window). With `days`,
    only the windows that OPEN on one of those days count: a Saturday 22:00-02:00 window runs into Sunday, and on
    Wednesday the next one is next Saturday's.

    Times of day are wall-clock times in the window's zone; instants are compared as instants (two aware
    datetimes with the same zone compare by their wall clocks, which is wrong in the repeated hour). A time that
    occurs twice (the autumn change) means its first occurrence; one that does not occur (the spring change) is
    moved on by the skipped hour; a window wholly inside the skipped hour does not open that day."""
    tz = parse_zone(zone)
    s, e = parse_moment(start), parse_moment(end)
    r = parse_moment(rollback_until) if rollback_until else None
    if isinstance(s, datetime) and isinstance(e, datetime):
        if days:
            raise ValueError("`days` limits a time-of-day window; a window with dates opens once")
        sd, ed = _aware(s, tz), _aware(e, tz)
        return Interval(sd, ed, _rollback_until(r, sd, tz))
    if isinstance(s, time) and isinstance(e, time):
        instant = now.astimezone(UTC)
        allowed = {WEEKDAYS.index(parse_day(d)) for d in days} if days else set(range(7))
        # yesterday's window may still run; then, in order, the first one not closed yet is the one containing
        # `now` or the next to open (two weeks: a weekly window whose next day falls in a skipped hour)
        for day in (instant.astimezone(tz).date() + timedelta(days=n) for n in range(-1, 15)):
            if day.weekday() not in allowed:
                continue
            sd = _on(day, s, tz)
            ed = _on(day, e, tz, after=sd)
            if ed.astimezone(UTC) <= sd.astimezone(UTC):
                continue
            if instant < ed.astimezone(UTC):
                return Interval(sd, ed, _rollback_until(r, sd, tz))
        raise ValueError(f"the window {start}-{end} never opens in {zone} on the days given")
    raise ValueError("window start and end must both be date-times or both times of day")


def _rollback_until(moment: datetime | time | None, start: datetime, tz: ZoneInfo) -> datetime | None:
    """A time of day means its first occurrence after the window opens: `03:00` in a 02:00-06:00 window is
    that night's 03:00, inside the window (data restores past it need a person's confirmation)."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return _aware(moment, tz)
    return _on(start.date(), moment, tz, after=start)


def _aware(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _on(day: date, moment: time | datetime, tz: ZoneInfo, after: datetime | None = None) -> datetime:
    if isinstance(moment, datetime):
        return _aware(moment, tz)
    result = datetime.combine(day, moment, tzinfo=tz)
    if after is not None and result <= after:
        result += timedelta(days=1)
    return result


class _WindowLike(Protocol):
    start: str
    end: str
    timezone: str
    days: list[str] | None


def decision_deadline(until: str | None, asked: datetime, window: _WindowLike | None) -> datetime | None:
    """The instant a gate's `approvals.until` names ("No answer by 10:15 = NO-GO"), for a gate asked at `asked`:
    a time of day is read in the window's zone as its first occurrence after that window opens (as
    `rollback_until`); a date-time without an offset is in the window's zone (UTC without a window)."""
    if until is None:
        return None
    if window is None:
        moment = parse_moment(until)
        if isinstance(moment, time):
            return None  # the loader refuses a time of day without a window
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return resolve(window.start, window.end, window.timezone, until, asked, window.days).rollback_until
