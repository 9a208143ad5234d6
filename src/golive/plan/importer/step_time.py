"""How long the document says a step's work takes, when it says so in words rather than in the command's own
options (golive.plan.md_waits reads `--timeout 15m`, `sleep 900`): the phase's timebox ("## C. MOCK SESSION (10:50,
60 min)"), or a duration stated next to the step ("the mock session runs 45 minutes", "wait up to 20 min for the
rebalance", "this takes about an hour").

golive stops a step after 10 minutes unless it says otherwise (golive.steps.base.COMMAND_TIMEOUT): the 45-minute
mock session was killed at minute 10 and the failure rolled the change back, a failure on the document's own
success. An imported step that runs something gets a timeout that fits: its phase's timebox when the document gives
one longer than the default, else a duration stated in the paragraph or item that introduces it plus the usual ten
minutes. A longer limit never fails a step the document means to succeed; it only waits longer on a hung one.

Two limits are the document's own and kept as written: a duration given as an upper bound ("takes at most 20
minutes", "up to 20 min") is the timeout itself, never padded nor widened to the phase's timebox (a hung step would
hold the night longer than the document allows), and a timeout golive.plan.md_waits derived from the command's own
`--timeout`/sleeps is never raised or cut (the command stops itself at its own limit).
"""

from __future__ import annotations

import re
from typing import Any

from golive.plan.md_blocks import Block
from golive.steps.base import COMMAND_TIMEOUT

#: Step kinds that run a program golive's timeout stops (a person's step, a wait or a check have their own).
TIMED = frozenset({"shell", "pwsh", "ssh", "sql", "migrate", "backup", "restore", "rolling"})
_NUMBER = r"(\d+(?:[.,]\d+)?|an?|one|two|three|four|half\s+an)"
#: A duration said of the work: "runs 45 minutes", "takes about an hour", "wait up to 20 min", "can take 30-40
#: minutes", "dauert 30 Minuten", "prend environ 1 heure", "tarda unos 40 minutos", "leva cerca de 1 hora".
_STATED = re.compile(
    r"(?i)\b(?:takes?|taking|took|runs?(?:\s+for)?|running\s+for|lasts?|lasting|wait(?:s|ing)?(?:\s+for)?|"
    r"allow|expect|dauert|braucht|prend|dure|tarda|dura|leva|demora|richiede)\s+"
    r"((?:(?:about|around|roughly|approximately|approx\.?|up\s+to|at\s+most|no\s+(?:longer|more)\s+than|"
    r"not\s+(?:longer|more)\s+than|max(?:imum|\.)?|as\s+long\s+as|some|~|etwa|bis\s+zu|h[öo]chstens|maximal|"
    r"ca\.?|environ|jusqu['’]?[àa]|au\s+plus|unos|unas|cerca\s+de|at[ée]|como\s+m[áa]ximo|circa|fino\s+a|"
    r"al\s+massimo)\s+)*)~?\s*"
    rf"(?:\d+(?:[.,]\d+)?\s*(?:-|–|to|bis|[àa]|a)\s*)?{_NUMBER}\s*"
    r"(hours?|hrs?|h|minutes?|mins?|min|m|stunden?|minuten|heures?|horas?|minutos?|ore|minuti)\b")
#: An upper bound: "at most 20 minutes", "no longer than 20 minutes", "up to 20 min", "bis zu", "jusqu'à".
_AT_MOST = re.compile(r"(?i)up\s+to|at\s+most|no[t]?\s+(?:longer|more)\s+than|max|bis\s+zu|h[öo]chstens|jusqu|"
                      r"au\s+plus|m[áa]ximo|at[ée]|fino\s+a|al\s+massimo")
_WORDS = {"a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0}


def stated(text: str) -> tuple[float, bool]:
    """The longest duration the text says the work takes (0 when it says none), and whether the text gives it as
    an upper bound ("at most 20 minutes", "up to 20 min"): a limit to keep, never to pad."""
    longest, bound = 0.0, False
    for m in _STATED.finditer(" ".join(text.split())):
        number, unit = m.group(2).lower(), m.group(3).lower()
        value = 0.5 if number.startswith("half") else _WORDS.get(number) or float(number.replace(",", "."))
        hours = unit.startswith(("h", "stund", "heur", "hora", "ore"))
        seconds = value * (3600 if hours else 60)
        if seconds > longest:
            longest, bound = seconds, bool(_AT_MOST.search(m.group(1)))
    return longest, bound


def stated_seconds(text: str) -> float:
    """The longest duration the text says the work takes (0 when it says none)."""
    return stated(text)[0]


def _text(seconds: float) -> str:
    """`1h`, `55m`, `1h10m`: as a person writes a timeout."""
    minutes = int(-(-seconds // 60))
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest or not hours else "")


def kind_of(step: Any) -> str:
    return next((k for k in step if k in TIMED), "") if isinstance(step, dict) else ""


def said_near(blocks: list[Block], line: int) -> tuple[float, bool]:
    """The duration stated in the words that introduce the block at `line` (the item holding it, or the paragraph
    right before it, never across a heading or another block), and whether it is an upper bound."""
    at = max((i for i, b in enumerate(blocks) if b.line <= line), default=None)  # the block the line is in
    if at is None:
        return 0.0, False
    b = blocks[at]
    texts = [b.text] if b.kind in ("item", "para") else []
    if b.parent is not None and 0 <= b.parent < len(blocks):
        texts.append(blocks[b.parent].text)
    if at > 0 and blocks[at - 1].kind == "para":
        texts.append(blocks[at - 1].text)
    return max((stated(t) for t in texts), default=(0.0, False))


def line_of(step: Any) -> int | None:
    """The document's line the importer wrote beside the step's first key (`# runbook.md:42`)."""
    items = getattr(getattr(step, "ca", None), "items", {}) or {}
    for entry in items.values():
        token = entry[2] if len(entry) > 2 else None
        m = re.search(r":(\d+)\s*$", str(getattr(token, "value", "") or ""))
        if m:
            return int(m.group(1))
    return None


def fit_timeouts(phases: list[dict[str, Any]], blocks: list[Block]) -> list[str]:
    """Give each running step of the phases (or levels) the time the document gives it (see the module). Returns
    what was done, for the summary."""
    said: list[str] = []
    for p in phases:
        box = float(p["timebox"]) * 60 if p.get("timebox") else 0.0
        for step in p["steps"]:
            if not kind_of(step):
                continue
            if step.get("timeout"):
                continue  # md_waits' from the command's own `--timeout`/sleeps: the command's limit, kept as is
            line = line_of(step)
            near, bound = said_near(blocks, line) if line is not None else (0.0, False)
            if bound:  # "takes at most 20 minutes": that is the limit, neither padded nor widened to a timebox
                need, why = near, "the most the document says it takes"
            else:
                padded = near + COMMAND_TIMEOUT if near * 2 >= COMMAND_TIMEOUT else 0.0
                need, why = max((box, f"the timebox of '{p.get('name')}'"), (padded, "the duration stated next to it"))
            if (need <= COMMAND_TIMEOUT and not bound) or need == COMMAND_TIMEOUT:
                continue
            step["timeout"] = _text(need)  # after the step's kind, as md_waits writes it
            said.append(f"line {line or p.get('line')}: {why} -> the step's timeout {step['timeout']}" + (
                " (the document's own limit)" if bound else
                " (golive's default of 10 minutes would stop it while it does what the document says)"))
    return said


def step_title(step: dict[str, Any]) -> str:
    """A step as the summary names it: its name, else the first line of its command."""
    spec = step.get("shell", step.get("ssh"))
    command = spec.get("command") if isinstance(spec, dict) else spec
    return str(step.get("name") or str(command or "").strip().split("\n")[0])[:60]
