"""A document with commands but no structure the importer reads as phases (a title and blocks, nothing else):
it still imports what it has, never "no deployment steps found".

A `## Steps` heading is written on the first blank line above the first block that runs (line for line: no line
moves), and the document is read again: its blocks are the steps of that one phase, each decided as in any
runbook (what runs, what is a person's, what is text).
"""

from __future__ import annotations

from golive.plan.md_blocks import parse_blocks

HEADING = "## Steps"


def one_section(text: str) -> str | None:
    """`text` with a `## Steps` heading above its first block that runs; None when no block runs, or no blank line
    outside a block stands above it."""
    from golive.plan.importer.state import ImportState

    blocks = parse_blocks(text)
    first = next((b for b in blocks if b.kind == "fence" and ImportState.runs(b)), None)
    if first is None:
        return None
    lines = text.split("\n")
    inside: set[int] = set()
    for b in blocks:
        if b.kind == "fence":
            inside |= set(range(b.line - 1, b.line + len(b.text.split("\n")) + 1))
    title = next((n for n, ln in enumerate(lines) if ln.strip()), 0)
    blank = next((n for n in range(title + 1, first.line - 1) if not lines[n].strip() and n not in inside), None)
    if blank is None:
        return None
    lines[blank] = HEADING
    return "\n".join(lines)
