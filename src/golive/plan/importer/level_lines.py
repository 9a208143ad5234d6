"""Rollback levels written as lines of one paragraph, each line opened by its label:

    Fallback 1 (within the confirm timer): do nothing; the router reverts by itself.
    Fallback 2 (after the permanent commit): `rollback 1` then `commit`.

    6.1 Trigger: failed verification in section 5.
    6.2 Level 1 (application and schema):

Markdown makes one paragraph of such lines, and one paragraph was read as one level (or none): level 2's `rollback 1`
became part of level 1. Cut at each line that opens with a level's label (after a section number such as "6.2"),
the paragraph becomes one paragraph per level, which the level readers (level_openers.py) then take apart."""

from __future__ import annotations

import re
from dataclasses import replace

from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block

#: A line opening with a level's label: "Fallback 2 (...):", "6.2 Level 1 (...):", "RB2 —", "**Stufe 2** –".
LINE_LABEL = re.compile(r"(?i)^\s*(?:\d+(?:\.\d+)+\.?\s+)?(?:\*\*|__)?(?:level|stufe|ebene|nivel|n[ií]vel|niveau|"
                        r"seviye|kademe|livello|fallback|back[\s-]*out|roll[\s-]*back|rb)\s*\d{1,2}(?:\*\*|__)?\s*(?:[(:：—–]|-\s)")


def split_level_lines(blocks: list[Block]) -> list[Block]:
    """Top-level paragraphs holding level lines, cut into one paragraph per level (lines before the first label
    stay a paragraph of their own); every other block as it was, list links renumbered."""
    out: list[Block] = []
    moved: dict[int, int] = {}
    for i, b in enumerate(blocks):
        moved[i] = len(out)
        raw_lines = b.raw.split("\n")
        starts = [n for n, line in enumerate(raw_lines) if LINE_LABEL.match(line)]
        if b.kind != "para" or b.parent is not None or b.depth or not starts or starts == [0] \
                or len(raw_lines) != len(b.text.split("\n")):
            out.append(b)
            continue
        cuts = sorted({0, *starts})
        for a, z in zip(cuts, [*cuts[1:], len(raw_lines)], strict=True):
            raw = "\n".join(raw_lines[a:z])
            out.append(replace(b, raw=raw, text=_clean(re.sub(r"\*\*|__", "", "\n".join(b.text.split("\n")[a:z]))),
                               line=b.line + a, children=[]))
    if len(out) == len(blocks):
        return blocks
    for b in out:
        b.parent = moved[b.parent] if b.parent is not None else None
        b.children = [moved[c] for c in b.children]
    return out
