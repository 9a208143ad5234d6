"""`golive import`: a Markdown deployment plan (as teams already write them) -> a golive plan.

The document is parsed by markdown-it (a CommonMark parser); regexes only read the text of one heading,
paragraph or list item. Every block of the document either lands in the plan or is listed in the summary
as not placed, so nothing is dropped silently. The result is validated with the same loader as any plan.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from golive.errors import PlanError
from golive.plan.importer.asciidoc import read_asciidoc
from golive.plan.importer.build import BuildMixin
from golive.plan.importer.chat_export import read_chat_export
from golive.plan.importer.doubt import DoubtMixin
from golive.plan.importer.envvars import EnvVarsMixin
from golive.plan.importer.fence_guard import recover_fences
from golive.plan.importer.fences import FencesMixin
from golive.plan.importer.front_cwd import apply_cwd, from_document, front_cwd
from golive.plan.importer.gates import GatesMixin
from golive.plan.importer.items import ItemsMixin
from golive.plan.importer.no_structure import HEADING, one_section
from golive.plan.importer.notebook import is_notebook, read_notebook
from golive.plan.importer.own_traffic import OwnTrafficMixin
from golive.plan.importer.people import PeopleMixin
from golive.plan.importer.phases import PhasesMixin
from golive.plan.importer.plain_text import read_plain_text
from golive.plan.importer.procedure import ProcedureMixin
from golive.plan.importer.rollback import RollbackMixin
from golive.plan.importer.rst import read_rst
from golive.plan.importer.sections import SectionsMixin
from golive.plan.importer.tables import TablesMixin
from golive.plan.importer.text import (
    ImportResult,
    Unplaced,
    _definition_lists,
    _repair_mojibake,
    _strip_front_matter,
    _wiki_code_blocks,
)
from golive.plan.importer.thread import read_thread
from golive.plan.importer.tracked_changes import accept_changes, hidden_comments
from golive.plan.importer.traffic import TrafficMixin
from golive.plan.importer.when import WhenMixin
from golive.plan.importer.wiki_markup import read_dokuwiki, read_mediawiki

__all__ = ["ImportResult", "Unplaced", "import_file", "import_markdown", "render_summary"]


class _Importer(SectionsMixin, PhasesMixin, FencesMixin, EnvVarsMixin, TablesMixin, ItemsMixin, TrafficMixin,
                OwnTrafficMixin, RollbackMixin, WhenMixin, PeopleMixin, GatesMixin, ProcedureMixin, DoubtMixin,
                BuildMixin):
    """The whole importer: each mixin places one kind of section; ImportState holds what they share."""


#: Characters YAML cannot carry in a plan file (outside its printable set): control characters, U+FFFE/FFFF.
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _drop_unprintable(text: str) -> tuple[str, list[str]]:
    """Remove what a YAML plan cannot hold, saying where: the written plan must load back."""
    notes: list[str] = []
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        found = sorted({f"U+{ord(ch):04X}" for ch in _NOT_YAML.findall(line)})
        if found:
            lines[n - 1] = _NOT_YAML.sub("", line)
            notes.append(f"line {n}: removed control character{'s' if len(found) > 1 else ''} {', '.join(found)}"
                         " (a YAML plan cannot hold it)")
    return "\n".join(lines), notes


def import_markdown(text: str, source: str = "<markdown>", overrides: str | Path | None = None) -> ImportResult:
    """Parse Markdown `text` into a validated plan; raises PlanError (only) when no plan can be made.
    `overrides`: a file of host specifics applied to the result (golive.plan.importer.overrides)."""
    text, repaired = _repair_mojibake(text)
    text, dropped = _drop_unprintable(text)
    text, changes = accept_changes(text)
    text, hidden = hidden_comments(text)
    original = text
    text, front = _strip_front_matter(text)
    text, wiki = _wiki_code_blocks(text)
    text, terms = _definition_lists(text)
    plain = (read_plain_text(text) or read_asciidoc(text) or read_rst(text) or read_mediawiki(text)
             or read_dokuwiki(text))  # wiki sources: importer/rst.py, importer/wiki_markup.py
    if plain is not None:
        text = plain[0]  # a ticket, an e-mail or a Word export: its structure as Markdown, line for line
    notebook = read_notebook(text) or read_chat_export(text)
    if notebook is not None:
        text = notebook[0]  # a Jupyter export's cells, a chat thread's messages: line for line (notebook, chat_export)
    thread = read_thread(text)
    if thread is not None:
        text = thread.text  # an email thread: its plan message, line for line (golive.plan.importer.thread)

    swallowing: list[str] = []
    if plain is None and notebook is None:  # (what those readers wrote is Markdown of their own making)
        text, swallowing = recover_fences(text)  # a fence that would swallow the page is text (importer/fence_guard)

    def build(md: str) -> tuple[_Importer, CommentedMap]:
        imp = _Importer(md, source)
        if notebook is not None:
            imp.person_fences.update(notebook[2])
            imp.own_processes = is_notebook(original)
            imp.inferred += notebook[1]
        if thread is not None:
            for line, role, person in thread.people:
                imp.add_person(role, imp.person(person), line, f"{person} ({role}) in a message of the thread")
            imp.unplaced += thread.unplaced
            imp.inferred += thread.notes
        if front:
            imp.front_matter_people("\n".join(original.split("\n")[1:front - 1]))
            imp.front_matter_window(original.split("\n")[1:front - 1])
        return imp, imp.run()

    try:
        imp, data = build(text)
    except PlanError as exc:
        flat = one_section(text) if "no deployment steps found" in str(exc) else None
        if flat is None:
            raise
        imp, data = build(flat)  # commands and no phases: still imported, as one phase
        imp.inferred.insert(0, "no section of the document reads as a phase, but it has commands: one phase"
                               f" '{HEADING[3:]}' holds its steps, in the document's order")
    cwd = front_cwd(original.split("\n")[1:front - 1]) if front else None
    if cwd is not None:
        placed = from_document(cwd, source)
        if placed is not None and (moved := apply_cwd(data, placed)):
            imp.conversions.append(f"front matter `cwd: {cwd}` (the directory every cell runs in, from the"
                                   f" notebook's directory as Runme reads it) -> cwd `{placed}` of the {moved} shell"
                                   " steps; an absolute path: check it on the machine golive runs on")
        elif placed is None and (moved := apply_cwd(data, cwd)):
            imp.conversions.append(f"front matter `cwd: {cwd}` (the directory every cell runs in) -> cwd of the"
                                   f" {moved} shell steps; Runme reads it from the notebook's directory, which golive"
                                   " did not have (no file): golive resolves it from where it runs, check it")
    overridden: list[str] = []
    if overrides is not None:
        from golive.plan.importer import overrides as host

        overridden = host.apply(data, host.load(overrides), str(overrides))
    imp.notes[:0] = dropped
    if front:
        imp.inferred.insert(0, f"lines 1-{front}: YAML front matter (page metadata) -> left out of the plan")
    if terms:
        imp.inferred.insert(0, f"{terms} definition-list term{'s' if terms > 1 else ''} ('Term' then ':   text')"
                               " -> 'Term: text' lines")
    if plain is not None:
        imp.inferred[:0] = plain[1]
    if wiki:
        imp.inferred.insert(0, f"{wiki} Jira/Confluence {{code}} block{'s' if wiki > 1 else ''} -> fenced blocks")
    if hidden:
        imp.inferred.insert(0, f"{hidden} hidden comment{'s' if hidden > 1 else ''} (`%% … %%`, Obsidian) -> left"
                               " out: the reader never sees them, nothing in them runs")
    if changes:
        imp.inferred.insert(0, f"{changes} tracked change{'s' if changes > 1 else ''} or comment"
                               f"{'s' if changes > 1 else ''} (Word via pandoc, CriticMarkup) -> accepted: deleted"
                               " text left out (never run), inserted text kept, comments removed")
    if repaired:
        imp.inferred.insert(0, "the text was double-encoded (mojibake such as 'âœ…' for '✅'): repaired"
                                      " with ftfy before parsing")
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)

    buf = StringIO()
    header = (f"# Imported from {Path(source).name} by `golive import`. Comments name the source line of each"
              " step.\n# Review every TODO before the night of the deployment; `golive lint` lists weak spots.\n")
    if overrides is not None:
        header += f"# Overrides applied from {Path(overrides).name} (see the import summary).\n"
    yaml.dump(data, buf)
    yaml_text = header + buf.getvalue()
    from golive.plan.loader import parse_plan_text

    parse_plan_text(yaml_text, f"{source} (imported)")
    summary = imp.summary + overridden + [f"converted: {c}" for c in imp.conversions] \
        + [f"inferred: {n}" for n in imp.inferred] \
        + [f"note: {n}" for n in imp.notes] + [f"warning: {w}" for w in swallowing] \
        + [imp.accounting().summary()]
    return ImportResult(yaml_text, summary, imp.unplaced, data)


def import_file(path: str | Path, overrides: str | Path | None = None) -> ImportResult:
    from golive.plan.loader import read_source

    return import_markdown(read_source(path, "document", "utf-8-sig"), str(path), overrides)


def render_summary(result: ImportResult, out: str) -> str:
    lines = [f"wrote {out}"]
    lines += [f"  {s}" for s in result.summary]
    if result.unplaced:
        lines.append(f"not placed ({len(result.unplaced)}):")
        lines += [f"  line {u.line}: {u.what} - {u.reason}" for u in result.unplaced]
    else:
        lines.append("every part of the document was placed")
    return "\n".join(lines) + "\n"
