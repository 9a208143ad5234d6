"""How long a document's command says it may take: its own `--timeout 15m`, a `timeout 30m …` in front of it, a
`sleep 900`.

golive stops a shell step after 10 minutes unless the step says otherwise (golive.steps.base.COMMAND_TIMEOUT).
`helm upgrade --wait --timeout 15m` or a `sleep 900` the runbook waits on would be killed while doing what the
document asks, and the failure would roll the change back: the imported step gets a timeout that leaves the
command its own time, plus the usual ten minutes for the rest of the script."""

from __future__ import annotations

import re

from golive.steps.base import COMMAND_TIMEOUT
from golive.units import format_duration, parse_duration

#: A program's own limit: `--timeout 15m`, `--timeout=900s`, `--wait-timeout 20m`, `--timeout-seconds 1200`.
_OPTION = re.compile(r"(?<![\w-])--(?:wait-)?timeout(?P<secs>-seconds)?(?:=|\s+)(?P<v>\d+(?:\.\d+)?(?:ms|[smhd])?"
                     r"(?:\d+(?:\.\d+)?(?:ms|[smh]))*)(?![\w.])")
#: coreutils' `timeout [-k 5s] [-s KILL] 30m cmd` and a `sleep 900` / `sleep 15m` the script waits on.
_COMMAND = re.compile(r"(?:^|[;&|(]|\bthen\b|\bdo\b)\s*(?P<prog>timeout|sleep)\s+(?:-\w+(?:\s+\S+)?\s+)*"
                      r"(?P<v>\d+(?:\.\d+)?[smhd]?)(?![\w.])", re.M)


def _seconds(value: str) -> float:
    """A duration as these programs write it: a bare number is seconds."""
    return float(value) if re.fullmatch(r"\d+(?:\.\d+)?", value) else parse_duration(value)


def own_waits(command: str) -> float:
    """Seconds the command's own limits and sleeps add up to (the script runs them one after the other)."""
    code = re.sub(r"(?m)(?:^|\s)#.*$", "", command)
    total = sum(_seconds(m.group("v")) for m in _OPTION.finditer(code))
    return total + sum(_seconds(m.group("v")) for m in _COMMAND.finditer(code))


def step_timeout(command: str) -> str | None:
    """The timeout an imported shell step needs when the command's own waits eat half or more of golive's default
    (None: the default is enough)."""
    waits = own_waits(command)
    if waits * 2 < COMMAND_TIMEOUT:
        return None
    return format_duration(waits + COMMAND_TIMEOUT)
