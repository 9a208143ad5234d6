"""Line numbers a code viewer printed into a copied block (` 1  export ES=...`, `10  JSON`).

A block copied from a repository viewer or a PDF carries the viewer's line numbers. bash would run `1` as a
command, and inside a heredoc or a single-quoted JSON body the numbers would be sent as data. When every line of
a runnable block starts with a number, the numbers count up one line at a time, and the text starts after them in
one column, the numbers are the viewer's and are removed (the summary says so); the text keeps its own indentation.
Numbers glued to the text (`1cd /srv/app`, `2sudo ...`, a page that lost the gutter's blank) are removed the same
way when they count up one line at a time.
A block that looks numbered but is not consistently so (a number missing, out of order, the text in another column)
cannot be told apart from its text: it goes to a person, whole, and never runs.
"""

from __future__ import annotations

import re

from golive.plan.md_blocks import Block
from golive.plan.md_commands import BASH_LANGS, SQL_LANGS

#: Blocks that would run: the numbers matter there. Output, JSON or YAML shown as text keeps whatever it shows.
_RUNNABLE = BASH_LANGS | SQL_LANGS | frozenset({"", "powershell", "ps1", "pwsh", "console", "shell-session"})
#: A line as a viewer numbers it: the number, then two blanks or a tab (or a `|` / `:` gutter), then the text (or
#: nothing). One blank is not enough: `0 3 * * * job` is a crontab line, not line 0.
_NUMBERED = re.compile(r"^(?P<pad>[ \t]*)(?P<num>\d{1,5})(?P<gap>[ \t]*[|│:][ \t]?|[ \t]*(?:\t| {2})[ \t]*|[ \t]*$)")


def _strip(lines: list[str]) -> list[str] | None:
    """The lines without their numbers, or None when they are not consistently numbered."""
    numbered = [(n, _NUMBERED.match(ln)) for n, ln in enumerate(lines) if ln.strip()]
    if not numbered or any(m is None for _n, m in numbered):
        return None
    nums = [int(m.group("num")) for _n, m in numbered if m is not None]
    rows = [n for n, _m in numbered]
    # one number per line, counting up; a blank line may have lost its number in the copy
    for i in range(1, len(nums)):
        if not nums[i - 1] < nums[i] <= nums[i - 1] + (rows[i] - rows[i - 1]):
            return None
    # the text starts in one column: the narrowest gutter, and every line's gutter is only its number and blanks
    texts = [m.end("gap") for _n, m in numbered if m is not None and m.end() < len(lines[_n])]
    if not texts:
        return None
    col = min(texts)
    out: list[str] = []
    for ln in lines:
        if not ln.strip():
            out.append("")
            continue
        head = ln[:col]
        if not re.fullmatch(r"[ \t]*\d{1,5}(?:[ \t]*[|│:])?[ \t]*", head):
            return None
        out.append(ln[col:].rstrip() if len(ln) > col else "")
    return out


#: A line whose number the copy glued to its text (`1cd /srv/app`, `12sudo -u deploy ...`): no blank between.
_GLUED = re.compile(r"^(?P<num>\d{1,5})(?=[A-Za-z_./$~\"'(\[{@-])")


def _strip_glued(lines: list[str]) -> list[str] | None:
    """The lines without the numbers glued to their first character, or None when the numbers do not count up one
    line at a time from the block's first line (then they may be the text's own: `10.0.0.1 host`)."""
    rows = [(n, _GLUED.match(ln)) for n, ln in enumerate(lines) if ln.strip()]
    if not rows or any(m is None for _n, m in rows):
        return None
    nums = [int(m.group("num")) for _n, m in rows if m is not None]
    if any(nums[i] - nums[i - 1] != rows[i][0] - rows[i - 1][0] for i in range(1, len(nums))):
        return None
    if len(nums) == 1 and not (nums[0] == 1 and re.match(r"1[a-z]", lines[rows[0][0]])):
        return None  # one line: only a `1` glued to a command's name (`1curl`) is plainly the viewer's
    return [ln[m.end():] if m is not None else "" for ln in lines for m in [_GLUED.match(ln)]]


def _looks_numbered(lines: list[str]) -> bool:
    """The block's first line starts with `1` and a gap, and at least another line starts with a number: what a
    viewer's copy looks like (no command is named `1`)."""
    body = [ln for ln in lines if ln.strip()]
    if len(body) >= 2 and re.match(r"1[a-z]", body[0]) and \
            sum(1 for ln in body[1:] if re.match(r"\d{1,5}[a-z]", ln)) * 2 >= len(body) - 1:
        return True  # numbers glued to the text (`1cd`, `2sudo`), not counting up one line at a time
    if len(body) < 2 or not re.match(r"^[ \t]*1(?:[ \t]*[|│:]|[ \t]{2,}|\t)\S?", body[0]):
        return False
    return sum(1 for ln in body[1:] if re.match(r"^[ \t]*\d{1,5}(?:[ \t]*[|│:]|[ \t]+|$)", ln)) >= 1


def read_viewer_numbers(blocks: list[Block]) -> tuple[list[str], set[int]]:
    """Remove the viewer's numbers from the runnable fences that carry them consistently (in place). Returns the
    summary lines and the ids of the blocks that look numbered but are not consistently so (a person's, whole)."""
    notes: list[str] = []
    mixed: set[int] = set()
    for b in blocks:
        if b.kind != "fence" or b.info not in _RUNNABLE:
            continue
        lines = b.text.rstrip("\n").split("\n")
        body = [ln for ln in lines if ln.strip()]
        glued = _strip_glued(lines)
        if glued is not None:
            # `1cd /srv/app`, `2sudo ...`: bash would run `1cd`, and in a heredoc the numbers would be data
            b.text = "\n".join(glued) + "\n"
            notes.append(f"line {b.line}: the block's lines carry a code viewer's line numbers glued to the text"
                         f" (`{body[0][:12]}`...): removed, the commands are the text after them")
            continue
        if len(body) < 2:
            continue
        stripped = _strip(lines)
        if stripped is not None and (len(body) >= 3 or _looks_numbered(lines)):
            first = next(int(m.group("num")) for ln in body if (m := _NUMBERED.match(ln)) is not None)
            if first != 1 and len(body) < 3:
                continue
            b.text = "\n".join(stripped) + "\n"
            notes.append(f"line {b.line}: the block's lines carry a code viewer's line numbers ({first} to"
                         f" {first + len(lines) - 1}, one column): removed, the commands are the text after them")
        elif _looks_numbered(lines):
            mixed.add(id(b))
            notes.append(f"line {b.line}: the block's lines start with numbers that are not a viewer's consistent"
                         " line numbers: a person types it without them (a manual step shows it); never run")
    return notes, mixed
