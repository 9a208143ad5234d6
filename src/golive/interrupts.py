"""SIGTERM, SIGHUP and SIGINT while a run executes: stop cleanly, record it, leave the run resumable.

CI cancel, systemd and `kubectl delete` send SIGTERM; a closed terminal SIGHUP; Ctrl-C SIGINT. The handler only
raises where the engine can take it (inside a step or a wait: `interruptible()`); anywhere else it remembers the
signal and the engine raises it at its next safe point (`check()`), so an event is never half-recorded.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Interrupted(BaseException):  # like KeyboardInterrupt, it must pass `except Exception`
    """golive received a stop signal. A BaseException so that no step's `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        #: What became of each process tree the signal stopped (filled in by golive.targets.local on the way out).
        self.stopped: list[dict[str, object]] = []
        #: Whether the engine already wrote it down (as `step.interrupted`).
        self.recorded = False
        super().__init__(signal.Signals(signum).name)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as shells report it (143, 129, 130)."""
        return 128 + self.signum


_pending: int | None = None
_raised = False
_depth = 0


def _handler(signum: int, _frame: FrameType | None) -> None:
    global _pending, _raised
    if _pending is None:
        _pending = signum
    if _depth > 0 and not _raised:
        _raised = True
        raise Interrupted(_pending)


def pending() -> int | None:
    return _pending


def check() -> None:
    """A safe point: raise the signal that arrived meanwhile, once."""
    exc = take()
    if exc is not None:
        raise exc


def take() -> Interrupted | None:
    """The signal that arrived meanwhile, as an exception to raise (once), or None."""
    global _raised
    if _pending is not None and not _raised:
        _raised = True
        return Interrupted(_pending)
    return None


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Inside: a signal waits (appending an event, starting a process), even within `interruptible()`; the
    caller raises it afterwards at a point it chose (`check()`/`take()`)."""
    global _depth
    saved, _depth = _depth, 0
    try:
        yield
    finally:
        _depth = saved


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Inside: a stop signal raises Interrupted at once (the step's process tree is then stopped)."""
    global _depth
    check()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1


@contextlib.contextmanager
def handling() -> Iterator[None]:
    """Install the handlers for the duration of a run (main thread only; elsewhere nothing changes)."""
    global _pending, _raised
    try:
        previous = {sig: signal.signal(sig, _handler) for sig in SIGNALS}
    except ValueError:  # not the main thread
        yield
        return
    _pending, _raised = None, False
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        _pending, _raised = None, False
