"""A block the document runs only on a condition ("If the migration fails, run:", "only then:"): a person's step
showing it, never a step run every time."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.sentences import last_sentence
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block

#: Words that tie the block to a condition stated just before: "only then:", "in that case:", "if so:", "if any
#: host failed:".
_ONLY_THEN = re.compile(r"(?i)\bonly\s+then\b|\bin\s+that\s+case\b|\bif\s+(?:so|not)\b|\bonly\s+if\b|"
                        r"\bif\s+(?:any|some|one\s+or\s+more)\b|\botherwise\b|\bnur\s+dann\b|\bin\s+diesem\s+fall\b")

#: "Only then:" and nothing else: the block comes after what the sentences before it state.
_ONLY_THEN_ALONE = re.compile(r"(?i)^\W*(?:only\s+then|nur\s+dann|seulement\s+(?:alors|ensuite)|s(?:ó|o)lo\s+entonces|"
                              r"s(?:ó|o)\s+ent(?:ã|a)o|solo\s+allora)\W*(?:,?\s*(?:run|execute)(?:\s+(?:this|it))?)?\s*:\s*$")
#: A block only one person may run: "Henrik decides, only he can do it:", "only she may run it:". Also in a
#: rollback level: it is that person's step there too, never run with the level.
PERSON_ONLY = re.compile(r"(?i)\bonly\s+(?:he|she|they|him|her|them)\s+(?:can|may)\b|\b(?:he|she|they)\s+alone\b|"
                         r"\bdecides\b[^.:;]*$")


#: "Skip this step if the nightly backup finished", in the languages runbooks are written in: the block runs only
#: when a person finds the condition false, so it is that person's step (set 8: a skip-if `pg_dump` ran every time).
SKIP = re.compile(r"(?i)\bskip\s+(?:this|the|that)\s+(?:step|block|command|part|section|backup)\b|"
                  r"\bskip\s+(?:it|this)\s+(?:if|when|unless)\b|\b(?:step|block)\s+(?:can|may)\s+be\s+skipped\b|"
                  r"\bdiesen\s+schritt\s+(?:kann\s+man\s+)?(?:(?:ü|ue)berspringen|auslassen)\b|\b(?:ü|ue)berspringen,?\s+wenn\b|"
                  r"\b(?:ignorer|sauter|passer)\s+cette\s+(?:é|e)tape\b|\b(?:omitir|saltar|saltarse)\s+este\s+paso\b|"
                  r"\b(?:pular|omitir)\s+est[ae]\s+(?:etapa|passo)\b|\bsaltare\s+questo\s+passo\b|"
                  r"跳过(?:此|这一?|本)步骤?|跳過(?:此|這一?|本)步驟?|このステップ(?:は|を)?(?:スキップ|省略)|この手順(?:は|を)?(?:スキップ|省略)")

#: "Do not skip this step": the block is the more certain for it.
NEVER_SKIP = re.compile(r"(?i)\b(?:don'?t|do\s+not|never|must\s+not|cannot|can'?t)\s+(?:be\s+)?skip|"
                        r"\bnicht\s+(?:(?:ü|ue)berspringen|auslassen)|\bne\s+(?:sautez|passez|ignorez)\s+pas|"
                        r"\bno\s+(?:omitir|saltar|omita|salte)|\bn(?:ã|a)o\s+(?:pule|pular|omita)|"
                        r"(?:不要|不得|不能|切勿|請勿|请勿)跳[过過]|スキップしない|省略しない")


class ConditionalBlockMixin(ImportState):
    def conditional_fence(self, phase: dict[str, Any], b: Block, lead: Block | None) -> bool:
        """A block the document runs only on a condition: its lead says so ("If the migration fails, run:",
        "Optionally, warm the cache:", "Falls der Cache hängt:") or the list item it stands in does ("1. If pods
        crash-loop:"). One person's step showing the block: a person decides, it never runs every time."""
        from golive.plan.md_meaning import CONDITION, WATCHED
        from golive.plan.md_shell import never_ends, parse, simple_commands

        said = lead if lead is not None and lead.text.strip() else None
        if said is None and b.parent is not None and self.blocks[b.parent].kind == "item":
            said = self.blocks[b.parent]
        if said is not None and self.runs(b) and SKIP.search(_clean(said.text)) \
                and not NEVER_SKIP.search(_clean(said.text)) and self.introduces(said, b):
            return self.person_decides(phase, b, said, _clean(said.text).strip(), "a person decides whether to skip")
        if said is None or not self.runs(b) or not _clean(said.text).rstrip().endswith(":"):
            return False  # the condition introduces the block ("...:"); "If it has to go back: `x`." is x's
        # the sentence that ends in ":" is the one that introduces the block: "Expect failed=0. If some hosts failed,
        # fix the cause and rerun only those, **only then**:"; "In another terminal (Ctrl-C to stop):" says a
        # person starts and stops it
        text = _clean(said.text)
        last = last_sentence(text)
        if self.checked_before(phase, text, last):
            return False  # the step before checks it; a failed check stops the phase: the block runs only then
        if not (CONDITION.match(text) or CONDITION.match(last) or _ONLY_THEN.search(last) or PERSON_ONLY.search(last)):
            if not WATCHED.search(last) or any(never_ends(a) for a in simple_commands(parse(b.text))):
                return False  # "follow the log (Ctrl-C then):" over `tail -f`: left out as never-ending already
        cond = text.rstrip(":").strip()
        if cond in phase["description"]:
            phase["description"].remove(cond)
        cond = re.sub(r"(?i)[,;\s]*(?:then\s+)?(?:run|execute)(?:\s+(?:this|these|the\s+following))?$", "", cond)
        return self.person_decides(phase, b, said, cond, "a person decides")

    @staticmethod
    def checked_before(phase: dict[str, Any], text: str, last: str) -> bool:
        """"It must print `Configuration file is valid`. Only then:" after `haproxy -c`: the condition is the
        previous step's stated result, which that step now checks (a failed check stops the phase and the run
        goes no further). Run in order, the block runs only then, as written; a person's step would only ask
        someone to do by hand what the check already decides (and `reload` is not run at all if they skip it)."""
        from golive.plan.md_instructions import expectation, sentences

        if not _ONLY_THEN_ALONE.match(last) or not phase["steps"]:
            return False
        before = sentences(text)[:-1]
        step = phase["steps"][-1]
        kind = next((k for k in ("shell", "http", "sql", "check") if k in step), None)
        spec = step.get(kind) if kind else None
        checks = (isinstance(spec, dict) and any(str(k).startswith("expect") for k in spec)) or "expect" in step
        return bool(before) and all(expectation(s) for s in before) and bool(checks)

    def introduces(self, said: Block, b: Block) -> bool:
        """`said` stands right before `b`, or is the list item whose first block `b` is: a "skip this step" there
        is about `b`, not about a block further down."""
        at = next(i for i, x in enumerate(self.blocks) if x is b)
        before = self.blocks[at - 1] if at else None
        return before is said or (b.parent is not None and self.blocks[b.parent] is said
                                  and not any(x.kind == "fence" for x in self.blocks[b.parent + 1:at]))

    def person_decides(self, phase: dict[str, Any], b: Block, said: Block, cond: str, who: str) -> bool:
        """The block as a person's step under the words that make it conditional."""
        from golive.plan.importer.fences import block_text

        if _clean(said.text) in phase["description"]:
            phase["description"].remove(_clean(said.text))
        said.placed = b.placed = True
        phase["steps"].append(self.step("manual", {"instruction": block_text(
            f"{cond} ({who}), run:\n{b.text.strip()}")}, b.line, None))
        self.inferred.append(f"line {b.line}: the block runs only on a condition ('{cond[:120]}'): a person's step"
                             " showing it, never run every time")
        return True

    def person_only(self, lead: Block | None) -> bool:
        """The sentence introducing the block says one person runs it ("Henrik decides, only he can do it:")."""
        return lead is not None and bool(PERSON_ONLY.search(last_sentence(_clean(lead.text))))
