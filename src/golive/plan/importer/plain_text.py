"""A runbook that is not Markdown: plain text pasted from a ticketing system (a ServiceNow or Jira change), an
e-mail or a Word export. Its structure is written the way a typewriter would:

    Implementation Plan:                              <- a section ("## Implementation Plan")
    I. STOP APPLICATION (11:45 PM - 12:00 AM)         <- a part of it ("### I. ..."): a phase with its timebox
    (a) Stop the application: wmsctl stop --all       <- an item; the command after the colon as a code span
        CREATE RESTORE POINT x;                       <- an indented block after a blank line: a fenced block
    +--------+--------+                               <- an ASCII grid: a Markdown table
    | Name   | Group  |

Markdown would read all of it as paragraphs, so nothing would be a step. The text is rewritten as the Markdown it
means before it is parsed, line for line (every line keeps its number, so the plan's comments still cite the
document), and everything else is the importer's usual reading: whether a block or a command runs, under a
condition or a warning, as another user or in a client session, is decided there, as for any Markdown runbook.
The rewrite only adds markup: a command after a colon is marked as code only when it is unmistakably one (a
program with options, no prose words, no condition or warning in its line), else the line stays a
person's step that shows it, which is always faithful. A document with any Markdown markup (a fence, a code span,
a table, bold, a link, headings past its title) is Markdown and is left as written.
"""

from __future__ import annotations

import re

from golive.plan.importer.headings import ROLLBACK_WORDS
from golive.plan.importer.text import _GATE

#: Markdown's own markup: a fence, a code span, a pipe table's rule, bold, a link, a list marker `-`/`*`/`+`.
#: (A form's blank to sign, "Maker: __________", is no bold.)
_MARKDOWN = re.compile(r"(?m)^\s*(?:```|~~~)|`[^`\n]+`|^\s*\|?\s*:?-{3,}:?\s*\||\*\*\S|(?<!_)__[^_\s]|\]\([^)\s]+\)|"
                       r"^\s{0,3}[-*+]\s+\[[ xX]\]|^\s{0,3}>\s")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
#: A line that names a section and nothing else: "Implementation Plan:", "Backout Plan:", "Test Plan:",
#: "Approvals:", "Rückfallplan:", "Plan de reversión:". Short, at the margin, ending in a colon.
_LABEL = re.compile(r"^(?P<label>[A-ZÀ-Þ][^:|+=<>`#\n]{1,100}?)\s*:\s*$")
#: Section labels that are plainly parts of a change: one of them makes a text without markup a plain runbook.
_SECTION_WORDS = re.compile(r"(?i)^(?:implementation|deployment|execution|change|rollout|release|test(?:ing)?|"
                            r"validation|verification|back-?out|roll-?back|fall-?back|recovery|remediation|"
                            r"pre-?(?:checks?|implementation|requisites?)|post-?(?:checks?|implementation)|"
                            r"durchf(?:ü|ue)hrung|r(?:ü|ue)ckfall|umsetzung|pruefung|pr(?:ü|ue)fung|"
                            r"plan de (?:reversi(?:ó|o)n|implementaci(?:ó|o)n|pruebas|retour)|"
                            r"mise en (?:œ|oe)uvre|retour arri(?:è|e)re|implanta(?:ç|c)(?:ã|a)o|revers(?:ã|a)o)"
                            r"[\w\s/&-]*$|(?i:^(?:steps|procedure|schritte|ablauf|pasos|(?:é|e)tapes|passos)$)")
#: A part numbered in roman numerals, or "Step 3." / "Phase 2 -" lines of a Word export.
_ROMAN = re.compile(r"^(?P<num>(?:X{0,2})(?:IX|IV|V?I{0,3}))\.\s+(?P<rest>\S.*)$")
_STEP_LINE = re.compile(r"(?i)^(?:step|schritt|paso|(?:é|e)tape|passo)\s+(?P<num>\d{1,3})\s*[.:)]\s*(?P<rest>\S.*)$")
#: A lettered item: "(a) text", "a) text", "a. text" (a single letter, as a ticket numbers sub-steps).
_LETTER = re.compile(r"^(?P<indent>\s{0,3})(?P<mark>\([a-z]\)|[a-z]\))\s+(?P<rest>\S.*)$")
#: A bullet a word processor writes: "• text", "▪ text", "◦ text" (Markdown knows only "-", "*", "+").
_BULLET = re.compile(r"^(?P<indent>\s*)[•●▪◦‣∙]\s+(?P<rest>\S.*)$")
_NUMBERED = re.compile(r"^\s*(?:\d{1,3}[.)]|\([a-z0-9]\)|[a-z]\))\s+\S")
#: A numbered part typed in capitals, the way a typewritten plan heads its sections: "1. PREREQUISITES",
#: "6. BACK-OUT PLAN", "4. GO / NO-GO — Mrs. A. Chan, by telephone" (capitals up to a dash or a colon).
_CAPS_PART = re.compile(r"^(?P<num>\d{1,2})\.\s+"
                        r"(?P<rest>[A-Z][A-Z0-9&/,'()\s-]*[A-Z0-9)](?:\s*(?:[—–:]|\s-)\s*\S.*)?)$")
#: A step numbered under such a part: "1.1 Confirm ...", "2.1. Maker submits ...".
_SUB_STEP = re.compile(r"^(?P<num>\d{1,2}\.\d{1,2})\.?\s+(?P<rest>\S.*)$")
#: An ASCII grid table's rule: "+------+-----+" (and "+======+" under a pandoc grid table's header).
_GRID_RULE = re.compile(r"^\s*\+(?:[-=]+\+)+\s*$")
_GRID_ROW = re.compile(r"^\s*\|.*\|\s*$")
#: "label: command" at the end of a line, the way a ticket writes a command with no code markup.
_AFTER_COLON = re.compile(r"^(?P<head>.*?\S)[ \t]?:[ \t]+(?P<cmd>[a-z/~.$][^:]*?|sudo\s.*?)\s*$")
#: Words that make a line a warning or a condition: its command is never marked as one to run.
_CAUTION = re.compile(r"(?i)\b(?:not|never|don'?t|avoid|only\s+if|if|unless|when|whenever|optional(?:ly)?|"
                      r"caution|warning|danger|careful|example|e\.g\.|nicht|nie|niemals|keinesfalls|falls|wenn|"
                      r"ne\s+pas|jamais|seulement\s+si|si|no\s+(?:ejecut|correr|lanzar|usar|execut)\w*|nunca|solo\s+si|"
                      r"s(?:ó|o)\s+se|se|não|nao)\b")
#: Words of prose: a "command" holding one of them is a sentence ("ssh into the box and check it").
_PROSE = re.compile(r"(?i)^(?:the|a|an|and|or|to|into|onto|on|of|for|with|is|are|be|that|this|then|it|its|all|"
                    r"der|die|das|und|oder|mit|le|la|les|et|ou|el|los|las|y|o|con|de|del|und)$")
#: Programs a ticket names without options, followed by what they do: "sudo systemctl stop rfgw", "systemctl
#: restart nginx" (at least three words: "Platform: docker swarm" names a platform, it runs nothing).
_PROGRAMS = frozenset({"sudo", "systemctl", "service", "kubectl", "supervisorctl"})


def is_plain_text(text: str) -> bool:
    """No Markdown markup, and the structure of a plain-text change: a section label from a change's vocabulary
    ("Implementation Plan:", "Backout Plan:"), or an ASCII grid table."""
    if _MARKDOWN.search(text):
        return False
    lines = text.split("\n")
    first = next((n for n, ln in enumerate(lines) if ln.strip()), 0)
    if any(_HEADING.match(ln) for n, ln in enumerate(lines) if n != first):
        return False  # headings past the title: the document is Markdown
    return any((m := _LABEL.match(ln)) is not None and _SECTION_WORDS.match(m.group("label").strip())
               for ln in lines) or any(_GRID_RULE.match(ln) for ln in lines) \
        or sum(1 for ln in lines if _STEP_LINE.match(ln)) >= 2 \
        or (sum(1 for ln in lines if _caps_part(ln)) >= 2 and any(_SUB_STEP.match(ln) for ln in lines))
    # (a Word export's "Step 1." / "Step 2." lines; a typed plan's "1. PREREQUISITES" over "1.1 Confirm ...")


def _caps_part(line: str) -> bool:
    """The line is a numbered part in capitals ("2. PROMOTE LOAD MODULE"): three letters or more, none small."""
    m = _CAPS_PART.match(line)
    if m is None:
        return False
    head = re.split(r"\s*(?:[—–:]|\s-\s)", m.group("rest"), maxsplit=1)[0]
    return sum(1 for c in head if c.isalpha()) >= 3


def read_plain_text(text: str) -> tuple[str, list[str]] | None:
    """`text` as the Markdown it means, line for line, and what was read that way; None when it is Markdown."""
    if not is_plain_text(text):
        return None
    lines = text.split("\n")
    out = list(lines)
    notes: list[str] = []
    tables = _grid_tables(lines, out)
    blocks = indented_blocks(lines, out)
    sections, parts, marked = _structure(lines, out)
    what = [f"{sections} section label{'s' if sections != 1 else ''} ('Label:' lines) as sections"]
    if parts:
        what.append(f"{parts} numbered part{'s' if parts != 1 else ''} (I., II., Step 1., 1. CAPITALS) as parts")
    if tables:
        what.append(f"{tables} ASCII table{'s' if tables != 1 else ''} as tables")
    if blocks:
        what.append(f"{blocks} indented block{'s' if blocks != 1 else ''} as code blocks")
    if marked:
        what.append(f"{len(marked)} command{'s' if len(marked) != 1 else ''} written after a colon as commands"
                    f" (lines {', '.join(str(n) for n in marked)})")
    notes.append("the document is plain text, not Markdown (a ticket, an e-mail or a Word export): read as plain"
                 " text, line for line: " + "; ".join(what))
    return "\n".join(out), notes


def _grid_tables(lines: list[str], out: list[str]) -> int:
    """`+---+` grids become pipe tables: the rule under the header row becomes Markdown's `|---|`, the outer rules
    blank lines, a rule between rows an empty row (a blank line would end the table)."""
    count = 0
    i = 0
    while i < len(lines):
        if not _GRID_RULE.match(lines[i]):
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and (_GRID_RULE.match(lines[j + 1]) or _GRID_ROW.match(lines[j + 1])):
            j += 1
        rows = [k for k in range(i, j + 1) if _GRID_ROW.match(lines[k])]
        if not rows:
            i = j + 1
            continue
        header_rule = rows[0] + 1
        if header_rule > j or not _GRID_RULE.match(lines[header_rule]):
            i = j + 1
            continue  # no rule under the first row: no header to read the columns by; left as written
        cols = lines[rows[0]].strip().count("|") - 1
        out[i] = ""
        if j != i and j != header_rule:
            out[j] = ""
        for k in range(i + 1, j + 1):
            if _GRID_RULE.match(lines[k]) and out[k]:
                out[k] = "|" + " --- |" * cols if k == header_rule else "|" + "  |" * cols
        count += 1
        i = j + 1
    return count


def indented_blocks(lines: list[str], out: list[str], tag: str = "") -> int:
    """Lines indented four spaces or more after a blank line, that are no list items: a fenced block (the blank
    lines around it carry the fences). Markdown would make them a list item's paragraph when an item precedes."""
    count = 0
    i = 1
    while i < len(lines):
        if lines[i - 1].strip() or not re.match(r"^(?: {4}|\t)\s*\S", lines[i]) or _NUMBERED.match(lines[i]):
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and (re.match(r"^(?: {4}|\t)", lines[j + 1]) or (
                not lines[j + 1].strip() and j + 2 < len(lines) and re.match(r"^(?: {4}|\t)\s*\S", lines[j + 2]))):
            j += 1
        if j + 1 < len(lines) and lines[j + 1].strip():
            i = j + 1
            continue  # no blank line after it to close a fence: left as written
        body = lines[i:j + 1]
        cut = min(len(ln) - len(ln.lstrip()) for ln in body if ln.strip())
        out[i - 1] = "```" + tag
        for k, ln in enumerate(body):
            out[i + k] = ln[cut:] if ln.strip() else ""
        if j + 1 < len(lines):
            out[j + 1] = "```"
        count += 1
        i = j + 2
    return count


def _structure(lines: list[str], out: list[str]) -> tuple[int, int, list[int]]:
    """Section labels, numbered parts, lettered items and commands after colons (not inside a block made a fence
    or a table); returns how many sections and parts, and the lines whose command was marked."""
    sections = parts = 0
    marked: list[int] = []
    in_fence = False
    section = back = False
    for n, line in enumerate(lines):
        if out[n].startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence or out[n] != line or _GRID_ROW.match(line) or not line.strip():
            continue
        label = _LABEL.match(line)
        if label and not _NUMBERED.match(line) and not _STEP_LINE.match(line):
            text = label.group("label").strip()
            top = len(text.split()) <= 5 and "(" not in text and " - " not in text
            out[n] = ("## " if top or not section else "### ") + text
            section = section or top
            sections += top
            continue
        if _caps_part(line) and _GATE.search(line):
            # "4. GO / NO-GO — Mrs. A. Chan, by telephone": the decision closing the part above, as a bold lead
            # line of it (the gate of that phase), never a part of its own with nothing in it
            said = [*re.split(r"\s*(?:[—–:]|\s-\s)\s*", line.strip(), maxsplit=1), ""]
            title = re.sub(r"^\d+\.\s*", "", said[0])
            out[n] = f"**{title}:** {said[1]}".rstrip()
            continue
        if _caps_part(line):
            out[n] = ("### " if section else "## ") + line.strip()  # "1. PREREQUISITES": a part, a phase
            parts += 1
            back = bool(ROLLBACK_WORDS.search(line.lower()))
            continue
        sub = _SUB_STEP.match(line)
        if sub and back:
            # "6.1 Level 1 (before step 5): restore ...": a back-out part's numbered ways back are its levels
            out[n] = ("#### " if section else "### ") + line.strip()
            continue
        if sub:
            line = f"- {sub.group('num')} {sub.group('rest')}"  # "1.1 Confirm ...": an item of its part
        roman = _ROMAN.match(line) if line[:1].isupper() else None
        step = _STEP_LINE.match(line)
        if roman and roman.group("num"):
            out[n] = ("### " if section else "## ") + line.strip()
            parts += 1
            continue
        if step:
            line = f"{step.group('num')}. {step.group('rest')}"
            if not section and n > 0 and not out[n - 1].strip():
                out[n - 1] = "## Steps"  # "Step 1." lines under no section: the procedure gets one, as a list
                section = True
        bullet = _BULLET.match(line)
        if bullet:
            line = f"{bullet.group('indent')}- {bullet.group('rest')}"  # Word's "•" bullets: Markdown's "-"
        letter = _LETTER.match(line)
        if letter:
            line = f"{letter.group('indent')}- {letter.group('mark')} {letter.group('rest')}"
        out[n] = _mark_command(line)
        if out[n] != line:
            marked.append(n + 1)
        elif step or letter or bullet or sub:
            out[n] = line
    return sections, parts, marked


def _mark_command(line: str) -> str:
    """"Stop the application: wmsctl stop --all" with its command as a code span, when it is unmistakably one."""
    m = _AFTER_COLON.match(line)
    if m is None or _CAUTION.search(line) or "`" in line:
        return line
    cmd = m.group("cmd")
    if not is_command(cmd):
        return line
    return f"{m.group('head')}: `{cmd}`"


def is_command(cmd: str) -> bool:
    """A plain-text command with no markup around it: bash reads it as commands, and it is no sentence (no prose
    word among its words), with options, or a program a ticket names bare with what it does."""
    from golive.plan.md_shell import looks_like_commands, parse, simple_commands

    if cmd.endswith((".", ",", ";", "!", "?")) or not looks_like_commands(cmd):
        return False
    argvs = simple_commands(parse(cmd))
    if not argvs or not argvs[0]:
        return False
    words = [w for argv in argvs for w in argv]
    if any(_PROSE.match(w) for w in words):
        return False
    # (paths alone are no sign: "Backup location: /backup/wms /backup/db" is a fact, run it is exit 126)
    prog = argvs[0][0]
    return len(argvs[0]) >= 2 and ((prog in _PROGRAMS and len(argvs[0]) >= 3) or any(
        w.startswith("-") and w != "-" for w in argvs[0][1:]))
