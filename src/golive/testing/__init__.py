"""Test doubles golive ships for its own tests and for anyone testing plugins or plans against golive: the one
place fakes live. Everything else in tests runs for real (PostgreSQL, HAProxy, nginx, Prometheus, Chromium)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """The engine's Clock that advances only when slept on or told to: timeboxes, waits, escalations and canary
    holds are tested in microseconds and without luck."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def sleep(self, seconds: float) -> None:
        self.advance(max(seconds, 0.0))

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds


from golive.testing.fakes import FakeMetricSource, FakeRouter, FakeSender, FakeStepRunner, SentMessage  # noqa: E402

__all__ = ["FakeClock", "FakeMetricSource", "FakeRouter", "FakeSender", "FakeStepRunner", "SentMessage"]
