"""Every line of the document is accounted for: placed in the plan, not an instruction, or a person's step.

The importer's parts each place the blocks they understand (a block they place is marked `placed`). What no part
understood used to be only listed in the summary ("not placed"), and a listed instruction is still an instruction
nobody is asked to do: a phase lost the restart written as a list item under a sub-heading golive did not read.
This pass runs after every part has placed what it could:

- a leftover block that reads as an instruction (a command block, a list item, a table row holding a command, a
  sentence in the imperative or holding a command) and stands in a phase or a rollback level, or in a section
  between two phases, becomes a person's step there, at its place among the steps, showing the document's exact
  lines: golive did not understand them, a person does them as written or confirms they do not apply;
- a leftover that reads as narrative (explanation, facts, expectations, a prohibition) is not an instruction;
- what stands outside the procedure (before the first phase, after the last one: an overview, a handbook, an
  appendix) stays listed as not placed.

Then every line is counted for the summary: placed, not an instruction (blank, heading, markup, narrative), shown
in a person's step, or listed as not placed. Nothing falls between: the counts add up to the document's lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block

#: What a person's step made of lines golive did not understand says first.
NOT_UNDERSTOOD = "golive did not understand these lines; do them as written or confirm they do not apply"
#: "Owner: Ana", "**Response**: 15 minutes", "变更负责人：王磊": a fact of the page, never work to do.
_FACT = re.compile(r"^\W{0,4}[^\W\d][^:：\n]{0,38}?\W{0,4}[:：]\s*\S")
#: The step's source line, from the comment every step carries (`file.md:42`).
_AT = re.compile(r":(\d+)\s*$")
#: Leaf tokens of markdown-it: each covers the source lines of one block (or of markup only: a rule, a comment).
_LEAVES = ("paragraph_open", "heading_open", "fence", "code_block", "table_open", "html_block", "hr")


@dataclass
class Accounting:
    """How the document's lines were accounted for (they add up to `total`)."""

    total: int
    placed: int
    not_instructions: int
    person: int
    listed: int

    def summary(self) -> str:
        return (f"lines: {self.total} in the document: {self.placed} placed in the plan, {self.not_instructions} not"
                f" instructions (blank, headings, markup, narrative), {self.person} shown in person's steps (golive"
                f" did not understand them), {self.listed} listed as not placed")


def instruction(b: Block) -> bool:
    """A leftover block that asks for work (or may): shown to a person, never dropped."""
    from golive.plan.importer.items import code_command
    from golive.plan.md_instructions import imperative, sentences

    text = _clean(b.text)
    if b.cancelled or not text:
        return False  # `- [-] …`: the document cancelled it
    if b.kind == "fence":
        return True
    if b.kind == "table":
        return any(code_command(cell) is not None for row in b.cells[1:] for cell in row)
    if b.kind not in ("para", "item"):
        return False
    if code_command(b.raw) is not None or any(imperative(s) for s in sentences(text)):
        return True
    return b.kind == "item" and not _FACT.match(text) and not text.endswith(":")


def _step_line(step: Any) -> int:
    """The source line a step's comment names (0 when none)."""
    if not isinstance(step, CommentedMap):
        return 0
    for item in step.ca.items.values():
        for part in item:
            value = getattr(part, "value", None)
            if isinstance(value, str):
                m = _AT.search(value.strip())
                if m:
                    return int(m.group(1))
    return 0


def extents(text: str, blocks: list[Block]) -> dict[int, tuple[int, int]]:
    """Block index -> (first, last) source line (1-based) it stands on; a block sharing its leaf with others (a
    paragraph split into levels) runs up to the next one."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    leaves = sorted({(t.map[0] + 1, t.map[1]) for t in tokens if t.type in _LEAVES and t.map})
    out: dict[int, tuple[int, int]] = {}
    by_leaf: dict[tuple[int, int], list[int]] = {}
    for i, b in enumerate(blocks):
        leaf = next(((a, z) for a, z in leaves if a <= b.line <= z), None)
        if leaf is not None:
            by_leaf.setdefault(leaf, []).append(i)
    for (a, z), members in by_leaf.items():
        members.sort(key=lambda i: blocks[i].line)
        for k, i in enumerate(members):
            nxt = blocks[members[k + 1]].line - 1 if k + 1 < len(members) else z
            out[i] = (max(a, blocks[i].line) if k else a, max(nxt, blocks[i].line))
    return out


class CoverageMixin(ImportState):
    def homes(self) -> list[tuple[int, int, dict[str, Any]]]:
        """(first line, last line, phase or level) of each phase and rollback level, by the sections they stand
        for; a section between two phases belongs to the one before it (the document's order)."""
        owners = sorted([*self.phases, *self.levels], key=lambda x: x["line"])
        out: list[tuple[int, int, dict[str, Any]]] = []
        for n, home in enumerate(owners):
            # the heading it is, or for a level or phase written as a list item or a bold line, its section's
            idx = next((j for j in range(len(self.blocks) - 1, -1, -1) if self.blocks[j].kind == "heading"
                        and self.blocks[j].line <= home["line"]), None)
            end = len(self.lines)
            if idx is not None:
                stop = self.section_end(idx)
                end = self.blocks[stop].line - 1 if stop < len(self.blocks) else len(self.lines)
            if n + 1 < len(owners):
                end = min(end, owners[n + 1]["line"] - 1)
            out.append((home["line"], end, home))
        phases = sorted(self.phases, key=lambda x: x["line"])
        for k in range(len(phases) - 1):  # an unread section between two phases: the one before it holds it
            home, after = phases[k], phases[k + 1]["line"]
            last = max((z for a, z, h in out if h is home), default=home["line"])
            if last + 1 < after and not any(a <= last + 1 <= z for a, z, _ in out):
                out.append((last + 1, after - 1, home))
        return out

    def leftover_steps(self) -> None:
        """Every leftover instruction in a phase or level becomes a person's step there, showing its lines."""
        spans = extents("\n".join(self.lines), self.blocks)
        homes = self.homes()
        groups: list[tuple[dict[str, Any], list[int]]] = []
        last: tuple[dict[str, Any], int] | None = None
        for i, b in enumerate(self.blocks):
            if b.kind == "heading" or b.placed:
                if b.placed or b.level <= 3:
                    last = None  # a placed block, or a new section, ends a run of leftovers
                continue
            if not instruction(b) or i not in spans:
                continue
            home = next((h for a, z, h in reversed(homes) if a <= b.line <= z), None)
            if home is None:
                continue  # outside the procedure: listed as not placed (report_leftovers)
            if last is not None and last[0] is home and last[1] == i - 1:
                groups[-1][1].append(i)
            else:
                groups.append((home, [i]))
            last = (home, i)
        for home, members in groups:
            first, end = spans[members[0]][0], max(spans[i][1] for i in members)
            shown = "\n".join(self.lines[first - 1:end]).strip("\n")
            for i in members:
                self.blocks[i].placed = True
            self.person_lines.update(range(first, end + 1))
            where = f"line {first}" if first == end else f"lines {first}-{end}"
            from golive.plan.importer.fences import block_text

            step = self.step("manual", {"instruction": block_text(f"{NOT_UNDERSTOOD} ({where} of the document):\n"
                                                                  f"{shown}")}, first,
                             f"Document {where}, as written")
            steps = home["steps"]
            at = next((k for k, s in enumerate(steps) if _step_line(s) > first), len(steps))
            steps.insert(at, step)
            what = "rollback level" if "level" in home and home in self.levels else "phase"
            self.conversions.append(f"{where}: not understood by golive ({len(members)} block"
                                    f"{'s' if len(members) > 1 else ''}) -> a person's step in {what}"
                                    f" '{home['name']}' showing the lines as written")

    def accounting(self) -> Accounting:
        """Count each source line once: placed, shown to a person, listed, or not an instruction."""
        spans = extents("\n".join(self.lines), self.blocks)
        state: dict[int, str] = {}
        for i, b in enumerate(self.blocks):
            if i not in spans:
                continue
            if b.placed:
                kind = "placed"
            elif b.kind == "heading" or not _clean(b.text) or not instruction(b):
                kind = "narrative"
            else:
                kind = "listed"
            a, z = spans[i]
            for n in range(a, z + 1):
                state.setdefault(n, kind)
        person = self.person_lines
        counts = {"placed": 0, "narrative": 0, "person": 0, "listed": 0}
        lines = self.lines[:-1] if self.lines and not self.lines[-1] else self.lines  # the text's final newline
        for n, line in enumerate(lines, 1):
            if n in person:
                counts["person"] += 1
            elif not line.strip():
                counts["narrative"] += 1
            else:
                counts[state.get(n, "narrative")] += 1
        return Accounting(len(lines), counts["placed"], counts["narrative"], counts["person"],
                          counts["listed"])
