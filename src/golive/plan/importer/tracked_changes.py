"""Tracked changes a document still shows: a Word file exported by pandoc with `--track-changes=all`
(`[old]{.deletion author=…}[new]{.insertion author=…}`, `[note]{.comment-start …}[]{.comment-end …}`) and
CriticMarkup (`{--old--}{++new++}`, `{~~old~>new~~}`, `{>>note<<}`).

The document's meaning is the accepted text: a deleted command must never run (read with its markup, the step ran
the struck `sqlplus … @upgrade.sql` and the new `./dbupdate.sh` together), the inserted one runs, and a reviewer's
comment is nobody's step. Applied before parsing, keeping the line count so every step cites its source line.

Obsidian's `%% … %%` comments are hidden the same way: the reader never sees them (a note quoting "last year
`kc.sh import --override true` wiped every user"), so nothing in them is the document's instruction.
"""

from __future__ import annotations

import re

#: A pandoc span of a tracked change or a comment; its text may hold one level of brackets (`[a [b] c]{…}`).
_SPAN = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\{\.(deletion|insertion|comment-start|comment-end|"
                   r"paragraph-insertion|paragraph-deletion)\b[^}]*\}")
_CRITIC = re.compile(r"(?s)\{--(.*?)--\}|\{\+\+(.*?)\+\+\}|\{~~(.*?)~>(.*?)~~\}|\{>>(.*?)<<\}")


def _lines_of(text: str) -> str:
    """What is left of a removed span: its line breaks (the lines after it keep their numbers)."""
    return "\n" * text.count("\n")


def accept_changes(text: str) -> tuple[str, int]:
    """The text with its tracked changes accepted and its comments removed, and how many changes there were."""
    count = 0

    def span(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return m.group(1) if m.group(2) == "insertion" else _lines_of(m.group(1))

    def critic(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        if m.group(2) is not None:
            return m.group(2)
        if m.group(4) is not None:
            return _lines_of(m.group(3)) + m.group(4)
        return _lines_of(m.group(1) or m.group(5) or "")

    text = _SPAN.sub(span, text)
    if "{--" in text or "{++" in text or "{~~" in text or "{>>" in text:
        text = _CRITIC.sub(critic, text)
    return text, count


#: An Obsidian comment: `%%` opening a line and `%%` closing one (over one or more lines), outside code fences.
_HIDDEN = re.compile(r"(?ms)^[ \t]*%%(?!%).*?%%[ \t]*$")


def hidden_comments(text: str) -> tuple[str, int]:
    """The text without its `%% … %%` comments (blank lines in their place), and how many there were. A fence's
    lines are left as written (`printf '%%'` is a command's)."""
    out: list[str] = []
    count = 0
    for n, piece in enumerate(re.split(r"(?ms)(^[ \t]*(?:```|~~~).*?^[ \t]*(?:```|~~~)[ \t]*$)", text)):
        if n % 2:
            out.append(piece)
            continue
        piece, k = _HIDDEN.subn(lambda m: _lines_of(m.group(0)), piece)
        count += k
        out.append(piece)
    return "".join(out), count
