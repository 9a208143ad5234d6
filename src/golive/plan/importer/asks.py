"""Whether a sentence of the document asks a person for something: the words that may not end up only in a
phase's or a level's description.

A description is shown by `golive plan show` and never asked for by the run: "Write the backup id in #release;
level 2 needs it", "the dry run must list X and nothing else", "Jamf Pro → Policies → … → Flush & run" left there
are instructions nobody is asked to do. Background (why, what a command does) stays in the description.
"""

from __future__ import annotations

import re

from golive.plan.importer.stated import states
from golive.plan.md_instructions import expectation, imperative, not_work

#: A must/should about what comes out, in languages the stated-output words (stated.py) do not read yet:
#: Dutch "moeten 3.13.7 tonen", Turkish "geçmemeli" / "dönmeli" (the -meli/-malı necessity suffix), Korean
#: "나와야 합니다" / "바뀌어야 합니다" (-아야/-어야 하다, contracted or not).
_MUST_MORE = re.compile(
    r"(?i)\b(?:moet|moeten|hoort|horen)\b(?:[^.:;\n]|\.(?=\w)){0,60}?\b(?:tonen|geven|zijn|bevatten|laten\s+zien|staan|"
    r"teruggeven|melden)\b|"
    r"\w{2,}(?:meli|malı)(?:dir|dır|sin|sınız|siniz)?\b|"
    r"[가-힣]+야\s*(?:합니다|한다|해요|됩니다|하며)")
#: An action for a person: English verbs of keeping a value for later ("Write the backup id in #release"),
#: Dutch imperatives that open a sentence ("Controleer daarna …"), Korean requests ("남겨 주십시오", "확인하세요").
_ACTION_MORE = re.compile(
    r"(?i)^\W*(?:write|paste|save|keep|share|attach|fill\s+in|controleer|wacht|noteer|schrijf|zet|open|start|stop|"
    r"herhaal|voer|meld|vraag|kijk|bevestig)\b|(?:주십시오|하십시오|십시오|하세요|주세요)(?=[\s.。(]|$)")
#: A path through a user interface, "Jamf Pro → Policies → "Munki – run now" → Flush & run": clicks for a person.
_UI_PATH = re.compile(r"\S[^→]{0,60}→[^→]{1,60}→")


def asks(sentence: str) -> bool:
    """An instruction (an imperative, a must/should about output, a path of clicks), never a prohibition, an
    option or a trigger; a lead ending in a colon names the block after it and is not counted."""
    s = sentence.strip()
    if not s or s.rstrip().endswith((":", "：")):
        return False
    if imperative(s):
        return True
    if not_work(s) and not expectation(s):
        return False  # a prohibition, an option, a trigger: words about work; what must come out is asked for
    return bool(states(s) or _MUST_MORE.search(s) or _ACTION_MORE.search(s) or _UI_PATH.search(s))
