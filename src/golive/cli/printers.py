"""A run's events on the terminal while it drives: one line per event, and a live panel on a terminal."""

from __future__ import annotations

import os
import sys
import threading
from datetime import datetime
from typing import IO, Any

from golive.core.events import AnalysisVerdict, PhaseStarted, RunCreated, StepFinished, StepStarted, TrafficWeight
from golive.engine.state import RunState
from golive.masking import safe
from golive.report.describe import describe, event_json, log_line, verdict_stage, weight_split
from golive.store.base import Event
from golive.units import format_duration


def rollback_plan(ev: Event) -> list[str]:
    """Under a new run's first line: the rollback plan recorded with it, shown before its first step changes
    anything (as `plan show` shows it), so whoever starts a run with `golive run` sees what a failure would undo."""
    from golive.report.planview import rollback_lines

    e = ev.data
    if not isinstance(e, RunCreated) or not e.rollback_plan:
        return []
    until = bool(e.window and e.window.rollback_until)
    return [safe(line) for line in ("  rollback plan, recorded before anything runs (executed in reverse of what"
                                    " completed):", *("  " + x for x in rollback_lines(e.rollback_plan, until)))]


def detach_stdout() -> None:
    """Standard output is gone (`golive run plan.yaml | head -3`, a closed terminal): send the rest of it to
    /dev/null so that no later write, nor the flush at exit, can stop or fail the run."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class PlainPrinter:
    """One line per event; for pipes, CI logs and `--json`."""

    def __init__(self, stream: IO[str] | None = None, as_json: bool = False, skip_until: int = 0) -> None:
        self.stream = stream or sys.stdout
        self.as_json = as_json
        self.skip_until = skip_until
        self.gone = False

    def __call__(self, ev: Event, state: RunState) -> None:
        if ev.seq <= self.skip_until or self.gone:
            return
        try:
            self.stream.write((event_json(ev) if self.as_json else "\n".join([log_line(ev), *rollback_plan(ev)]))
                              + "\n")
            self.stream.flush()
        except OSError:  # BrokenPipe / EIO: the reader went away; the run goes on, the log has every event
            self.gone = True
            if self.stream is sys.stdout:
                detach_stdout()


class LivePrinter:
    """On a terminal: event lines scroll, and a panel shows phase, step, timebox and window time left."""

    def __init__(self, window_end: datetime | None, skip_until: int = 0) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console(highlight=False)
        self.window_end = window_end
        self.skip_until = skip_until
        self.state: RunState | None = None
        self.current = ""
        self.phase_started: datetime | None = None
        self.timebox: float | None = None
        self.weight = ""  # "current weight: canary 10% / stable 90% (stage 1/3) via edge"
        self.verdict = ""  # the last analysis verdict with its reason
        self._lock = threading.Lock()
        self.live = Live(self, console=self.console, refresh_per_second=4, transient=True)

    def __enter__(self) -> LivePrinter:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(None, None, None)

    def __call__(self, ev: Event, state: RunState) -> None:
        with self._lock:
            self.state = state
            match ev.data:
                case PhaseStarted() as e:
                    self.phase_started = datetime.fromisoformat(ev.ts)
                    self.timebox = e.timebox
                case StepStarted() as e:
                    self.current = f"[{e.step}] {e.title}"
                case StepFinished():
                    self.current = ""
                case TrafficWeight() as e:
                    split, stage = weight_split(e)
                    self.weight = f"current weight: {split}{stage} via {e.router}"
                case AnalysisVerdict() as e:
                    self.verdict = f"last verdict {e.outcome.upper()}{verdict_stage(e)}: {e.reason}"
        if ev.seq > self.skip_until:
            style = "red" if ("FAILED" in describe(ev) or "NO-GO" in describe(ev) or "ROLLBACK" in describe(ev)) \
                else None
            try:
                self.console.print("\n".join([log_line(ev), *rollback_plan(ev)]), style=style, markup=False)
            except OSError:  # the terminal went away (SIGHUP follows): never a reason to stop the step
                detach_stdout()

    def __rich__(self) -> Any:
        from datetime import UTC

        from rich.text import Text

        with self._lock:
            st = self.state
            now = datetime.now(UTC)
            parts: list[str] = []
            if st is not None:
                cur = st.current_phase()
                if cur is not None:
                    parts.append(f"phase {cur.index}/{len(st.phases)} {cur.name}")
                    if self.phase_started:
                        el = (now - self.phase_started).total_seconds()
                        box = f" / {format_duration(self.timebox)}" if self.timebox else ""
                        parts.append(f"{format_duration(el)}{box}")
                if self.current:
                    parts.append(self.current)
                parts.append(st.status)
            if self.window_end:
                left = (self.window_end - now).total_seconds()
                parts.append(f"window: {format_duration(left)} left" if left > 0 else "window: CLOSED")
            lines = [safe(" | ".join(parts))]
            lines += [safe(x) for x in (self.weight, self.verdict) if x]
            return Text("\n".join(lines), style="bold")
