"""A runbook that is a chat thread export (Slack, Teams, Mattermost): "**Name** 9:02 PM" message lines, the plan
spread over the messages ("Step 1 — pre-checks:" over a block, a reply with the way back, a GO, the later commands).

Its only heading is the export's title, so nothing would be a phase. The thread is rewritten, line for line (every
line keeps its number), before the importer reads it as any Markdown runbook:

- "Step N — name:" lines are sections (`## Step N — name`);
- a message holding a block is a section of its own (`## Name 9:58 PM`), and one that gives the way back ("the way
  back", "roll back", "if it goes bad") a rollback section, so its block is never a forward step; a message with
  no block is text of the section before it (a rollback trigger stays with the way back);
- a later message that changes a step ("edit: actually use v2.3.1 for step 2") or holds it back ("do NOT run step 2
  yet") wins over the step as first written: the step's block is a person's, shown with the message, never run as
  first written;
- reactions (`:eyes: 1`), "(edited)" marks and `---` separators are blank.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\*\*(?P<name>[^*\n]{2,60})\*\*\s+(?P<time>\d{1,2}:\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?)\s*$")
_STEP = re.compile(r"(?i)^\s*(?:\*\*)?step\s+(?P<num>\d{1,2})(?:\*\*)?\s*[—–:.)-]+\s*(?P<name>\S.*?)\s*:?\s*$")
#: A line of emoji reactions under a message: `:white_check_mark: 3  :eyes: 1`.
_REACTIONS = re.compile(r"^\s*(?::[\w+-]+:\s*\d*\s*)+$")
_EDITED = re.compile(r"(?i)^\s*[_*]?\(edited\)[_*]?\s*$")
#: What a message giving the way back says: its block is a rollback, never a forward step.
_WAY_BACK = re.compile(r"(?i)\bway\s+back\b|\broll(?:ing)?\s*back\b|\bif\s+it\s+goes\s+(?:bad|wrong|sideways)\b|"
                       r"\brevert\b|\bundo\b")
#: A message that changes a step: "edit: actually use v2.3.1 for step 2", "correction for step 3: ...".
_EDIT = re.compile(r"(?i)\b(?:edit|correction|update|change|actually)\b.{0,120}?\bstep\s+(?P<num>\d{1,2})\b")
#: A later message that holds a step back: "do NOT run step 2 yet", "skip step 3", "hold off on step 2", "step 2
#: is on hold", "Schritt 2 nicht ausführen", "no ejecutes el paso 2", "ne lancez pas l'étape 2", "não rode o passo 2".
_HOLD = re.compile(
    r"(?i)\b(?:do\s*n[o']t|don't|never|skip|hold(?:\s+off)?(?:\s+on)?|wait\s+(?:with|on)|cancel|"
    r"no\s+(?:ejecut\w*|corr\w*|lanc\w*)|ne\s+(?:lancez|ex(?:é|e)cutez|faites)|n(?:ã|a)o\s+(?:rode|rodar|execute|executar)|"
    r"non\s+(?:eseguire|lanciare)|nicht)\b[^.!?\n]{0,60}?\b(?:step|schritt|paso|(?:é|e)tape|passo)\s+(?P<num>\d{1,2})\b|"
    r"\b(?:step|schritt|paso|(?:é|e)tape|passo)\s+(?P<num2>\d{1,2})\b[^.!?\n]{0,40}?\b(?:on\s+hold|cancel+ed|skipped|"
    r"not\s+yet|must\s+not|nicht|pas|no\s+(?:ejecutar|correr)|n(?:ã|a)o)\b")
_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")


def is_chat_export(text: str) -> bool:
    """Two or more "**Name** 9:02 PM" message lines, and no section heading of its own."""
    lines = text.split("\n")
    return sum(1 for ln in lines if _HEADER.match(ln)) >= 2 and not any(re.match(r"^#{2,6}\s", ln) for ln in lines)


def read_chat_export(text: str) -> tuple[str, list[str], dict[int, str]] | None:
    """`text` as the Markdown it means, the summary lines, and the blocks a person runs (opening line -> why);
    None when it is no chat export."""
    if not is_chat_export(text):
        return None
    lines = text.split("\n")
    out = list(lines)
    in_fence = False
    fences: list[int] = []  # opening lines (0-based)
    for n, ln in enumerate(lines):
        if _FENCE.match(ln):
            if not in_fence:
                fences.append(n)
            in_fence = not in_fence
    inside = _inside(lines)
    heads = [n for n, ln in enumerate(lines) if _HEADER.match(ln) and n not in inside]
    steps: dict[str, int] = {}
    sections: list[str] = []
    for k, start in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(lines)
        m = _HEADER.match(lines[start])
        assert m is not None
        who = f"{m.group('name').strip()} {m.group('time')}"
        body = [n for n in range(start + 1, end) if n not in inside]
        step_lines = [n for n in body if _STEP.match(lines[n])]
        for n in step_lines:
            s = _STEP.match(lines[n])
            assert s is not None
            out[n] = f"## Step {s.group('num')} — {s.group('name').rstrip(':')}"
            steps[s.group("num")] = n
        has_block = any(start < f < end for f in fences)
        said = " ".join(lines[n] for n in body)
        if step_lines or not has_block:
            out[start] = ""
        elif _WAY_BACK.search(said):
            out[start] = f"## Rollback ({who})"
            sections.append(out[start][3:])
        else:
            out[start] = f"## {who}"
            sections.append(who)
    for n, ln in enumerate(lines):
        if n in inside:
            continue
        if _REACTIONS.match(ln) or _EDITED.match(ln) or re.match(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", ln):
            out[n] = ""
    person: dict[int, str] = {}
    notes = [f"the document is a chat thread export ({len(heads)} messages): 'Step N' lines and messages with"
             f" blocks are its sections ({', '.join(sections) or 'none'}); a message giving the way back a rollback"
             " section; reactions and separators blank"]
    for n, ln in enumerate(lines):
        if n in inside:
            continue
        # a hold ("do NOT run step 2") stops the step as surely as an edit changes it: neither runs as written
        edit = _EDIT.search(ln)
        hold = _HOLD.search(ln) if edit is None else None
        num = edit.group("num") if edit is not None else (hold.group("num") or hold.group("num2")) if hold else None
        if num is None or num not in steps or steps[num] > n:
            continue
        first = steps[num]
        nxt = min([s for s in steps.values() if s > first] + [h for h in heads if h > first] + [len(lines)])
        what = "holds this step back" if hold is not None else "changes this step"
        for f in fences:
            if first < f < nxt:
                person[f + 1] = (f"A later message (line {n + 1}) {what}: \"{ln.strip()}\". Run it only as that"
                                 " message says")
        notes.append(f"line {n + 1}: a later message {'holds back' if hold is not None else 'changes'} step {num}:"
                     " its block is a person's, shown with the message, never run as first written")
    return "\n".join(out), notes, person


def _inside(lines: list[str]) -> set[int]:
    """Lines inside fences (0-based), fences included."""
    rows: set[int] = set()
    open_at: int | None = None
    for n, ln in enumerate(lines):
        if _FENCE.match(ln):
            if open_at is None:
                open_at = n
            else:
                rows |= set(range(open_at, n + 1))
                open_at = None
    return rows
