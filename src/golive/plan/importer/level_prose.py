"""Commands a rollback level's prose tells a person to run ("Stop the app first (`cap production puma:stop` and
`cap production sidekiq:stop`), then:"): the level's step where they stand, never only its description, so a
restore does not run under a running app."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.sentences import sentences
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block
from golive.plan.md_instructions import level_work, prohibition

#: A sentence that tells what to do and when: "Stop the app first (`…`)", "then run `…`", "Before that, `…`".
_TOLD = re.compile(r"(?i)\b(?:first|then|before|after|afterwards|next|zuerst|danach|vorher|primero|luego|d'abord|"
                   r"puis|prima|poi)\b|:\s*$")
#: A code span that is a command: a program and at least one argument (`cap production puma:stop`), not a name.
_COMMAND_SPAN = re.compile(r"^(?:sudo\s+)?[a-z][\w.-]*(?:\s+\S+)+$")


class LevelProseMixin(ImportState):
    def level_prose_commands(self, phase: dict[str, Any], b: Block) -> bool:
        """"Only if data is damaged. Stop the app first (`cap production puma:stop` and `cap production
        sidekiq:stop`), then:": a sentence of a level's prose that tells what to run, in code spans, before or after
        its block, is the level's step there (a person's step quoting the commands: the prose does not say how they
        combine); the other sentences stay its description (its condition among them)."""
        if len(b.text) >= 400:
            return False
        said = sentences(" ".join(b.raw.split()))
        # "Never again: `restart haproxy` ... never before `haproxy -c`": the command to avoid, never a step
        told = [i for i, sn in enumerate(said) if _TOLD.search(sn) and not prohibition(sn) and any(
            _COMMAND_SPAN.match(span) for span in re.findall(r"`([^`\n]+)`", sn))]
        if not told:
            return False
        rest = " ".join(sn for i, sn in enumerate(said) if i not in told)
        if rest.strip():
            phase["description"].append(_clean(rest))
        for i in told:
            told_text = re.sub(r"(?i),?\s*then\s*:?\s*$", "", _clean(said[i])).rstrip(":").strip()
            split = level_work(told_text)
            if split is not None:  # "traffic back to blue (trigger: ...): set green to 0 ...": the trigger is no step
                phase["description"].append(split[0])
                told_text = split[1]
            phase["steps"].append(self.step("manual", {"instruction": told_text}, b.line, None))
        self.phase_triggers(b)
        return True

