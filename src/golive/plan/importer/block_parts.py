"""An untagged block that holds two things: a JCL deck shown above the command that submits it, or a command
with its "Expected:" line under it (a plain-text plan's indented code, where nothing else marks them apart).

Read whole, the block is neither commands nor text, and was dropped with the command in it; run whole, bash would
take `//IACPROM0 JOB ...` ("is a directory"), `/*` (a glob of the root directory) and "Expected: ..." as commands.
The block is cut in two before anything reads it: the deck becomes a `jcl` block (a person's, shown, never run:
golive.plan.importer.foreign) and the command a block of its own; an "Expected:" paragraph after a blank line
becomes the paragraph after the command, read as what it must print (golive.plan.importer.stated).
"""

from __future__ import annotations

import re
from dataclasses import replace

from golive.plan.md_blocks import Block

#: JCL cards: `//NAME JOB ...`, `//STEP01 EXEC PGM=...`, `//IN DD DSN=...`, `//*` comments, `/*` (end of data),
#: and a card continued on the next `//` line.
_CARD = re.compile(r"^//(?:\*|[A-Z$#@][A-Z0-9$#@]{0,7}(?:\.[A-Z$#@][A-Z0-9$#@]{0,7})?\s+(?:JOB|EXEC|DD|PROC|PEND|"
                   r"SET|JCLLIB|INCLUDE|OUTPUT|IF|ENDIF|ELSE|CNTL|ENDCNTL)\b|\s+\S)")
_DATA_START = re.compile(r"\bDD\s+(?:\*|DATA)(?:\s|,|$)")
#: A stated result after a command: "Expected: ...", "Expected result: ...", "Result: ...", "Erwartet: ...".
_EXPECTED = re.compile(r"(?i)^(?:expected(?:\s+(?:result|output|outcome))?|result|erwartet|attendu|esperado)\s*:")
_UNTAGGED = ("", "text", "plain", "plaintext", "txt", "none")


def _deck_rows(lines: list[str]) -> int:
    """How many rows at the block's head are a JCL deck (its cards and in-stream data to `/*`), 0 when none."""
    if not lines or not _CARD.match(lines[0]):
        return 0
    row, data = 0, False
    while row < len(lines):
        ln = lines[row]
        if data:
            data = ln.strip() not in ("/*", "//")
        elif _CARD.match(ln) or ln.strip() in ("/*", "//"):
            data = bool(_DATA_START.search(ln))
        else:
            break
        row += 1
    return row


def _insert(blocks: list[Block], at: int, new: Block) -> None:
    """Insert a block, keeping every parent/children index (they count blocks) pointing where it did."""
    for x in blocks:
        if x.parent is not None and x.parent >= at:
            x.parent += 1
        x.children = [c + 1 if c >= at else c for c in x.children]
    if new.parent is not None and new.parent >= at:
        new.parent += 1
    blocks.insert(at, new)
    if new.parent is not None:
        blocks[new.parent].children.append(at)
        blocks[new.parent].children.sort()


def split_mixed(blocks: list[Block]) -> list[str]:
    """Cut each untagged block that holds a JCL deck and commands, or a command and its "Expected:" line (in
    place); the summary lines say what was cut."""
    notes: list[str] = []
    i = 0
    while i < len(blocks):
        b = blocks[i]
        i += 1
        if b.kind != "fence" or b.info not in _UNTAGGED:
            continue
        lines = b.text.rstrip("\n").split("\n")
        deck = _deck_rows(lines)
        if deck:
            rest = lines[deck:]
            start = deck + next((k for k, ln in enumerate(rest) if ln.strip()), len(rest))
            b.info = "jcl"
            b.text = "\n".join(lines[:deck]) + "\n"
            notes.append(f"line {b.line}: the block opens with a JCL deck ({deck} lines): a person's text, never"
                         " run by bash" + (f"; the lines after it (line {b.line + start + 1}) are a block of their"
                                           " own" if start < len(lines) else ""))
            if start < len(lines):
                _insert(blocks, i, replace(b, info="", text="\n".join(lines[start:]) + "\n", line=b.line + start,
                                           placed=False, children=[]))
            continue
        for k in range(1, len(lines)):
            if not lines[k - 1].strip() and _EXPECTED.match(lines[k].strip()) and any(ln.strip() for ln in lines[:k]):
                said = " ".join(ln.strip() for ln in lines[k:] if ln.strip())
                b.text = "\n".join(lines[:k]).rstrip("\n") + "\n"
                _insert(blocks, i, Block("para", said, said, b.line + k + 1, depth=b.depth, parent=b.parent))
                notes.append(f"line {b.line + k + 1}: '{said[:60]}' stands in the block under its command: what the"
                             " command must print, not a command")
                break
    return notes
