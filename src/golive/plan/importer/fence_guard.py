"""A code fence must not swallow the page.

CommonMark runs a fence that never closes to the end of the document, and any line of three or more backticks or
tildes opens one, even right under a line of text. A page written in another markup (a reST or AsciiDoc `~~~~~`
title underline) or one closing fence forgotten turns everything after it into one block of text: the upgrade,
the Go/No-Go and both rollback levels were text nobody was asked to do. What such a fence holds says so: other
fences, headings standing between blank lines, list items, table rows, sentences. A fence that (a) never closes and
holds more than a few lines with that structure, or (b) has no language, stands right under a line of text (an
underline) and holds mostly prose or structure, is read as text, not a fence: its opening line is blanked when it
is only the fence's characters (an underline, nothing to lose) and escaped otherwise (shown as written). The
document is read again until no fence swallows; each recovery is a warning in the summary.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_MARKER = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_NEWLINE = re.compile(r"\r\n?|\n")
_CLOSER = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*$")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+\S")
_SETEXT = re.compile(r"^ {0,3}(?:={3,}|-{3,})\s*$")
_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,2}[.)])\s+(?:\[[ xX-]\]\s+)?[^\W\d_]")
_ROW = re.compile(r"^\s*\|.*\|\s*$")
#: A sentence: words and spaces, ending as sentences end, with nothing a shell line has (`=`, `|`, `$`, `;`, `&&`).
_PROSE = re.compile(r"^\s*[^\W\d_][^=|$;&<>{}]*\s[^=|$;&<>{}]*[.:!?)]\s*$")
#: How many lines with content a fence that never closes may hold before its structure is weighed.
FEW = 3


def _structure(body: list[str]) -> tuple[int, int]:
    """(Markdown structure lines, prose lines) among the lines a fence holds."""
    structure = prose = 0
    for k, line in enumerate(body):
        before = body[k - 1] if k else ""
        after = body[k + 1] if k + 1 < len(body) else ""
        if _MARKER.match(line) or _ROW.match(line) or _ITEM.match(line):
            structure += 1
        elif _HEADING.match(line) and not before.strip() and not after.strip():
            structure += 1  # a heading between blank lines (a shell comment sits on its command)
        elif _SETEXT.match(line) and before.strip():
            structure += 1
        elif _PROSE.match(line) and len(line.split()) >= 4:
            prose += 1
    return structure, prose


def _swallows(lines: list[str], a: int, z: int, closed: bool, info: str) -> bool:
    body = lines[a + 1:z - 1] if closed else lines[a + 1:z]
    filled = [ln for ln in body if ln.strip()]
    structure, prose = _structure(body)
    if not closed:
        return len(filled) > FEW and (structure > 0 or 2 * prose >= len(filled))
    underline = not info and a > 0 and bool(lines[a - 1].strip()) and not _MARKER.match(lines[a - 1])
    return underline and len(filled) >= 2 and 2 * (structure + prose) >= len(filled)


def recover_fences(text: str) -> tuple[str, list[str]]:
    """`text` with every fence that swallows the page read as text (same lines), and a warning for each."""
    warnings: list[str] = []
    md = MarkdownIt("commonmark").enable("table")
    for _ in range(200):
        lines = _NEWLINE.split(text)  # as markdown-it counts lines (a lone \r ends one), so its maps index them
        found = None
        for tok in md.parse(text):
            if tok.type != "fence" or not tok.map or tok.level != 0:
                continue  # in a list item or a quote a fence ends with its container
            a, z = tok.map
            closed = z - 1 > a and bool(_CLOSER.match(lines[z - 1])) and \
                lines[z - 1].strip()[0] == tok.markup[0] and len(lines[z - 1].strip()) >= len(tok.markup)
            if _swallows(lines, a, z, closed, tok.info.strip()):
                found = (a, z, closed)
                break
        if found is None:
            break
        a, z, closed = found
        opener = lines[a]
        lines[a] = "" if _CLOSER.match(opener) else re.sub(r"^( {0,3})", r"\1\\", opener, count=1)
        end = z if not closed else z - 1
        how = "never closes" if not closed else "stands right under a line of text (an underline)"
        warnings.append(f"line {a + 1}: `{opener.strip()[:40]}` opens a code block that {how} and holds text and"
                        f" headings (lines {a + 2}-{end}) -> read as text, not a code block: nothing of the page"
                        " after it is swallowed")
        text = "\n".join(lines)
    return text, warnings
