"""Blocks that are alternatives of one another: tabs (Hugo/Jekyll `{{< tab "Ubuntu" >}}`, MkDocs `=== "RHEL"`,
Docusaurus `<TabItem value="rhel">`) or leads naming a platform ("On Ubuntu:" / "On RHEL:"). A person picks one by
the machine in front of them; run in turn, one of them always fails (or both change the machine), so each stays
a person's step that names its alternative and the others."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.md_blocks import Block

#: `{{< tab "Ubuntu" >}}`, `{{% tab name="RHEL" %}}`, `{% tab install Ubuntu %}`, `=== "Ubuntu"` (MkDocs).
_TAB_OPEN = re.compile(r"""\{\{[<%]\s*tab\s+(?:name=|title=)?["']?([^"'>%}]+?)["']?\s*[>%]\}\}|"""
                       r"""\{%\s*tab\s+(?:\w+\s+)?["']?([^"'%}]+?)["']?\s*%\}|^\s*===\+?\s+"([^"]+)\"""", re.M | re.I)
_OS = (r"ubuntu|debian|rhel|red\s*hat|centos|rocky|alma\w*|fedora|suse|sles|amazon\s+linux|alpine|arch|macos|"
       r"mac|windows|linux")
_MKDOCS = re.compile(r"^\s*===")
#: What alternatives are chosen by: the OS, the package manager, the cloud, the runtime, the architecture.
_PLATFORM = re.compile(rf"(?i)\b(?:{_OS}|apt|dnf|yum|zypper|brew|homebrew|winget|choco\w*|aws|azure|gcp|google\s+cloud|"
                       r"docker|podman|kubernetes|k8s|openshift|helm|systemd|npm|yarn|pnpm|pip|conda|x86|x64|amd64|"
                       r"arm64|aarch64|bash|zsh|powershell|cmd|debian-based|rpm-based)\b")
#: `{{< /tab >}}`, `{{< /tabs >}}`, `{% endtab %}`, `{% endtabs %}`.
_TAB_CLOSE = re.compile(r"\{\{[<%]\s*/tabs?\s*[>%]\}\}|\{%\s*endtabs?\s*%\}", re.I)
#: A lead naming a platform: "On Ubuntu:", "For RHEL 9 hosts:", "Debian/Ubuntu:".
_OS_LEAD = re.compile(rf"(?i)^\W*(?:(?:on|for|under|with)\s+)?(?:the\s+)?({_OS})\b[^:.]{{0,40}}:$")


def _markers(b: Block) -> list[tuple[int, str | None]]:
    """Tab openings (their names) and closings (None) in a paragraph, in order."""
    found = [(m.start(), next(g for g in m.groups() if g).strip()) for m in _TAB_OPEN.finditer(b.raw)]
    found += [(m.start(), None) for m in _TAB_CLOSE.finditer(b.raw)]
    return [(at, name) for at, name in sorted(found, key=lambda x: x[0])]


def _tab_box(b: Block) -> str | None:
    if b.box and re.fullmatch(r"(?i)tab(?:\s*item)?|tab\s*panel", b.box):
        return b.attrs.get("label") or b.attrs.get("value") or b.box
    return None


def _section(blocks: list[Block], idx: int) -> range:
    start = next((k for k in range(idx - 1, -1, -1) if blocks[k].kind == "heading"), -1) + 1
    end = next((k for k in range(idx + 1, len(blocks)) if blocks[k].kind == "heading"), len(blocks))
    return range(start, end)


def _os_lead(b: Block) -> str | None:
    if b.kind not in ("para", "item"):
        return None
    m = _OS_LEAD.match(b.text.strip().replace("**", ""))
    return m.group(0).strip().rstrip(":") if m else None


#: What alternative_of read from a document, kept with the count of block rewrites it was read at (Block.edits):
#: the section of each block, and the alternatives each section names.
Memo = dict[str, Any]


def _names_in(b: Block, before_fence: bool) -> list[str]:
    """The alternatives block `b` names: its tab, its tab markers, its "On Ubuntu:" lead over a fence."""
    names: list[str] = []
    box = _tab_box(b)
    if box is not None and b.kind == "fence":
        names.append(box)
    if b.kind in ("para", "item"):
        names += [n for _at, n in _markers(b) if n]
        lead = _os_lead(b)
        if lead is not None and before_fence:
            names.append(lead)
    return names


def _section_names(blocks: list[Block], section: range) -> list[str]:
    names: list[str] = []
    for k in section:
        names += _names_in(blocks[k], k + 1 < len(blocks) and blocks[k + 1].kind == "fence")
    return list(dict.fromkeys(names))


def _sections(blocks: list[Block]) -> list[range]:
    """_section of every block, in two passes (the heading before each, the heading after each)."""
    before, after = [-1] * len(blocks), [len(blocks)] * len(blocks)
    last = -1
    for k, b in enumerate(blocks):
        before[k] = last
        if b.kind == "heading":
            last = k
    last = len(blocks)
    for k in range(len(blocks) - 1, -1, -1):
        after[k] = last
        if blocks[k].kind == "heading":
            last = k
    return [range(before[k] + 1, after[k]) for k in range(len(blocks))]


def alternative_of(blocks: list[Block], idx: int, memo: Memo | None = None) -> tuple[str, list[str]] | None:
    """(the alternative the block at `idx` stands in, every alternative of its section) when it is one of
    several; None otherwise. With `memo` (one per document), each block's section and each section's
    alternatives are read once until a block is rewritten: asked for every block of a long section, reading the
    whole section again each time made import quadratic."""
    if memo is None:
        section = _section(blocks, idx)
        names = _section_names(blocks, section)
    else:
        key = (Block.edits, id(blocks), len(blocks))
        if memo.get("key") != key:
            memo.clear()
            memo.update(key=key, sections=_sections(blocks), names={})
        section = memo["sections"][idx]
        names = memo["names"].get(section.start)
        if names is None:
            names = memo["names"][section.start] = _section_names(blocks, section)
    if len([n for n in names if _PLATFORM.search(n)]) < 2:
        return None  # one tab, or one "On RHEL:"; or tabs that are steps in turn ("Migrate", "Check")
    own = _tab_box(blocks[idx])
    if own is not None:
        return own, names
    for k in range(idx - 1, section.start - 1, -1):
        b = blocks[k]
        marks = _markers(b) if b.kind in ("para", "item") else []
        if marks:
            last = marks[-1][1]
            if last and _MKDOCS.match(b.raw) and k != idx - 1:
                return None  # an MkDocs tab holds the indented block right under it; later blocks are outside
            return (last, names) if last else None
        if k == idx - 1 and _os_lead(b) is not None:
            return _os_lead(b) or "", names
    return None
