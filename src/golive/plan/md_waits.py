"""How long a document's command says it may take: its own `--timeout 15m`, a `timeout 30m …` in front of it, a
`sleep 900`.

golive stops a shell step after 10 minutes unless the step says otherwise (golive.steps.base.COMMAND_TIMEOUT).
`helm upgrade --wait --timeout 15m` or a `sleep 900` the runbook waits on would be killed while doing what the
document asks, and the failure would roll the change back: the imported step gets a timeout that leaves the
command its own time, plus the usual ten minutes for the rest of the script."""

from __future__ import annotations

import re

from golive.plan.md_shell import parse, simple_commands
from golive.steps.base import COMMAND_TIMEOUT
from golive.units import format_duration, parse_duration

#: A duration as these programs write it: a bare number is seconds; `15m`, `1h30m`, `900s`.
_DURATION = re.compile(r"\d+(?:\.\d+)?(?:ms|[smhd])?(?:\d+(?:\.\d+)?(?:ms|[smh]))*")
#: A program's own limit: `--timeout 15m`, `--timeout=900s`, `--wait-timeout 20m`, `--timeout-seconds 1200`.
_LIMIT = frozenset({"--timeout", "--wait-timeout", "--timeout-seconds"})


def _seconds(value: str) -> float:
    return float(value) if re.fullmatch(r"\d+(?:\.\d+)?", value) else parse_duration(value)


def _waits(argv: list[str]) -> float:
    """What one simple command may wait: coreutils' `timeout [-k 5s] [-s KILL] 30m cmd`, `sleep 900 60`, or its
    own `--timeout` option."""
    words = [w.strip("\"'") for w in argv]
    if words[0] == "sleep":
        return sum(_seconds(w) for w in words[1:] if _DURATION.fullmatch(w))
    if words[0] == "timeout":
        rest = iter(words[1:])
        for w in rest:
            if w in ("-k", "-s", "--kill-after", "--signal"):
                next(rest, None)
            elif not w.startswith("-"):
                return _seconds(w) if _DURATION.fullmatch(w) else 0.0
    total = 0.0
    for i, w in enumerate(words):
        name, _, value = w.partition("=")
        if name in _LIMIT:
            value = value or (words[i + 1] if i + 1 < len(words) else "")
            total += _seconds(value) if _DURATION.fullmatch(value) else 0.0
    return total


def own_waits(command: str) -> float:
    """Seconds the command's own limits and sleeps add up to (the script runs them one after the other), read on
    the bash parse: a `--timeout 40m` in a comment or a quoted string waits for nothing."""
    return sum(_waits(argv) for argv in simple_commands(parse(command)) if argv)


def step_timeout(command: str) -> str | None:
    """The timeout an imported shell step needs when the command's own waits eat half or more of golive's default
    (None: the default is enough)."""
    waits = own_waits(command)
    if waits * 2 < COMMAND_TIMEOUT:
        return None
    return format_duration(waits + COMMAND_TIMEOUT)
