"""A block the document runs several times with another value each time: "run it three times: `V5=10`, then
`V5=50`, then `V5=100`, waiting 15 minutes between steps" before a block that starts `V5=10`. One step ran only the
first value (the traffic stayed at 10% and the next phase removed the old version); the block is run once per value,
in order, with the sentence as a person's step between the runs (the wait, and when to stop)."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.fences import block_text
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block

_TIMES = re.compile(r"(?i)\b(?:run|apply|execute|repeat|do)\s+(?:it|this|that|the\s+\w+)\s+(?:(two|three|four|five|"
                    r"\d)\s+times|twice|thrice)\b")
_COUNT = {"two": 2, "twice": 2, "three": 3, "thrice": 3, "four": 4, "five": 5}
_VALUE = re.compile(r"`([A-Za-z_]\w*)=([^`\s]+)`")


def runs_of(lead: str, script: str) -> list[str] | None:
    """The block's text once per value the sentence names, or None when the sentence says no such thing, the
    values disagree with the count, or the block has no single `NAME=value` line to set."""
    m = _TIMES.search(lead)
    if m is None:
        return None
    word = (m.group(1) or m.group(0).split()[-1]).lower()
    count = int(word) if word.isdigit() else _COUNT.get(word, 0)
    values = _VALUE.findall(lead)
    names = {n for n, _v in values}
    if len(names) != 1 or len(values) != count or count < 2:
        return None
    name = names.pop()
    line = re.compile(rf"(?m)^{re.escape(name)}=\S+[ \t]*$")
    if len(line.findall(script)) != 1:
        return None
    return [line.sub(f"{name}={v}".replace("\\", "\\\\"), script, count=1) for _n, v in values]


class RepeatMixin(ImportState):
    def repeat_runs(self, phase: dict[str, Any], count: int, b: Block, said: Block | None) -> None:
        """Replace the one shell step made from `b` (at `count`) by one step per value the sentence names."""
        if said is None or said.kind != "para" or len(phase["steps"]) != count + 1:
            return
        step = phase["steps"][count]
        spec = step.get("shell")
        script = spec if isinstance(spec, str) else spec.get("command") if isinstance(spec, dict) else None
        if script is None:
            return
        runs = runs_of(said.raw, str(script).rstrip("\n"))
        if runs is None:
            return
        sentence = _clean(said.text)
        out: list[CommentedMap] = []
        for n, text in enumerate(runs):
            if n:
                out.append(self.step("manual", {"instruction": f"Before run {n + 1} of {len(runs)}: {sentence}"},
                                     said.line, None))
            new = CommentedMap({"command": block_text(text), "options": []}) if "\n" in text else text
            out.append(self.step("shell", new, b.line + 1, step.get("name")))
        phase["steps"][count:] = out
        if sentence in phase["description"]:
            phase["description"].remove(sentence)
        said.placed = True
        self.conversions.append(f"line {b.line}: the block runs {len(runs)} times, once per value the sentence"
                                f" names (line {said.line}), a person's step between the runs")
