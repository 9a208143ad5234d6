"""Flatten a markdown-it token stream into the blocks the importer reasons about.

The importer never looks at raw lines: headings, list items, paragraphs, fenced code and tables come
from a real CommonMark parser, each with its 1-based source line and its place in the list nesting. HTML
blocks (wiki exports) give their tables and text through golive.plan.md_html.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from golive.plan.md_going_back import conditional_heading, going_back_heading
from golive.plan.md_html import SUMMARY, read_html
from golive.plan.md_success import success_title

BlockKind = Literal["heading", "para", "item", "fence", "table"]

#: A task's box: open, done, or cancelled (`- [-]`, Obsidian's Tasks plugin: the task will not be done).
_CHECKBOX = re.compile(r"^\[( |x|X|-)\]\s*")


@dataclass
class Block:
    kind: BlockKind
    #: Plain text (emphasis markers removed); raw keeps the Markdown source of the inline content.
    text: str
    raw: str
    line: int
    #: Heading level (1-6) for headings.
    level: int = 0
    #: List nesting depth (0 outside lists).
    depth: int = 0
    ordered: bool = False
    #: Fence info string (language), lower-cased.
    info: str = ""
    #: Index of the enclosing list item block, if any.
    parent: int | None = None
    #: None: not a checkbox item; False: `[ ]`; True: `[x]`.
    checked: bool | None = None
    rows: list[list[str]] = field(default_factory=list)
    #: Table cells as Markdown inline text (code keeps its backticks), and the source line of each row.
    cells: list[list[str]] = field(default_factory=list)
    row_lines: list[int] = field(default_factory=list)
    #: Set by the importer when the block became part of the plan (or was reported).
    placed: bool = False
    children: list[int] = field(default_factory=list)
    #: The box the block stands in: an admonition's title (`!!! success "Done when"`, `:::info Window`) else its
    #: type (`> [!IMPORTANT]`, `:::warning`), or a JSX/MDX component's title or name (`<GoNoGo owner=...>`:
    #: "Go No Go"); "" outside any. A box that is one paragraph reads "Title: body", like a bold key line.
    box: str = ""
    #: The attributes of that component (`owner="Kenji Watanabe"`).
    attrs: dict[str, str] = field(default_factory=dict)
    #: A task the document cancelled (`- [-] …`): never a step, not even a person's.
    cancelled: bool = False
    #: A fence's cell attributes, lowercased names (Runme's ```sh {"name":"x","excludeFromRunAll":"true"}```).
    cell: dict[str, str] = field(default_factory=dict)
    #: How many times any block's kind, text, raw, line or box was rewritten after it was made (the rollback part
    #: rewrites "If X: action" to its action): what is read from the blocks once for a whole document (the shell a
    #: block opened, the alternatives of a section) is kept with this count and read again when it moved.
    edits: ClassVar[int] = 0

    def __setattr__(self, name: str, value: object) -> None:
        if name in _WATCHED and name in self.__dict__:
            Block.edits += 1
        object.__setattr__(self, name, value)


_WATCHED = frozenset({"kind", "text", "raw", "line", "box"})


def _plain(tok: Token) -> str:
    out: list[str] = []
    for child in tok.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(child.content)
    return "".join(out)


def parse_blocks(text: str) -> list[Block]:
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    blocks: list[Block] = []
    items: list[int] = []  # stack of open list-item block indexes
    ordered_stack: list[bool] = []
    item_has_text: dict[int, bool] = {}
    i = 0
    table_rows: list[list[str]] | None = None
    table_cells: list[list[str]] = []
    table_lines: list[int] = []
    table_line = 0
    row: list[str] = []
    cells: list[str] = []

    boxes: list[tuple[str, dict[str, str]]] = []  # open admonitions / components: (title, attributes)
    toggles = [0]  # open <details> toggles
    toggled: set[int] = set()  # headings that are a toggle's <summary>, or stand inside a toggle
    quotes: list[str] = []  # open blockquotes: the GitHub alert type (`> [!NOTE]`) each is, else ""

    def add(block: Block) -> int:
        if boxes and not block.box:
            block.box, block.attrs = boxes[-1][0], dict(boxes[-1][1])
        elif quotes and quotes[-1] and not block.box:
            block.box = quotes[-1]
        block.parent = items[-1] if items else None
        block.depth = len(items)
        blocks.append(block)
        idx = len(blocks) - 1
        if block.kind == "heading" and toggles[0]:
            toggled.add(idx)
        if block.parent is not None:
            blocks[block.parent].children.append(idx)
        return idx

    while i < len(tokens):
        tok = tokens[i]
        line = tok.map[0] + 1 if tok.map else (blocks[-1].line if blocks else 1)
        if tok.type in ("bullet_list_open", "ordered_list_open"):
            ordered_stack.append(tok.type == "ordered_list_open")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            if ordered_stack:
                ordered_stack.pop()
        elif tok.type == "list_item_open":
            idx = add(Block("item", "", "", line, ordered=bool(ordered_stack and ordered_stack[-1])))
            items.append(idx)
            item_has_text[idx] = False
        elif tok.type == "list_item_close":
            if items:
                items.pop()
        elif tok.type == "heading_open":
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            content = inline.content if inline is not None and inline.type == "inline" else ""
            plain = _plain(inline) if inline is not None and inline.type == "inline" else ""
            add(Block("heading", plain.strip(), content.strip(), line, level=int(tok.tag[1:] or 1)))
            i += 2
        elif tok.type == "paragraph_open" and table_rows is None:
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            if inline is not None and inline.type == "inline":
                plain, raw = _plain(inline).strip(), inline.content.strip()
                if items and not item_has_text[items[-1]]:
                    item = blocks[items[-1]]
                    item_has_text[items[-1]] = True
                    m = _CHECKBOX.match(raw)
                    if m:
                        item.checked = m.group(1) not in (" ", "-")
                        item.cancelled = m.group(1) == "-"
                        raw = raw[m.end():]
                        plain = _CHECKBOX.sub("", plain, count=1)
                    item.text, item.raw, item.line = _unleader(plain.strip()), _unleader(raw.strip()), line
                else:
                    opened = _ADMONITION.match(raw)
                    alert = _ALERT.match(raw) if quotes else None
                    mkdocs = _MKDOCS_BOX.match(raw)
                    if re.fullmatch(r":{3,}", raw.strip()):
                        if boxes:
                            boxes.pop()  # the end of a `:::` box: no text of its own
                    elif alert is not None:
                        # GitHub `> [!IMPORTANT]`, Obsidian `> [!danger]- Rollback` (folded): the rest of the quote
                        # stands in a box of that title; a way back's box closing its section is that section
                        title = alert.group(2).strip() or alert.group(1).capitalize()
                        quotes[-1] = title
                        body_plain = _ALERT.sub("", plain, 1).strip()
                        body_raw = raw[alert.end():].strip()
                        if ROLLBACK_TITLE.search(title) and _quote_ends_section(tokens, i):
                            level = next((b.level for b in reversed(blocks) if b.kind == "heading"), 1)
                            add(Block("heading", title, title, line, level=min(level + 1, 6)))
                            if body_raw:
                                add(Block("para", body_plain, body_raw, line + 1))
                        else:
                            # "Go/No-Go: Fatima … decides": the title is said with the body, as a box's is
                            _box_para(add, title, body_plain, body_raw, line, bool(alert.group(2).strip()))
                    elif mkdocs is not None:
                        # MkDocs `!!! success "Done when"` / `??? note`: the body is the paragraph's other lines
                        title = mkdocs.group(3) or mkdocs.group(2).capitalize()
                        body_plain = plain.partition("\n")[2].strip()
                        body_raw = raw.partition("\n")[2].strip()
                        boxes.append((title, {}))
                        _box_para(add, title, body_plain, body_raw, line, bool(mkdocs.group(3)))
                        boxes.pop()
                    elif opened is None:
                        add(Block("para", plain, raw, line))
                    elif opened.group(1) and ROLLBACK_TITLE.search(opened.group(1)):
                        # `:::danger Rollback` (Docusaurus, VuePress): the box is the rollback section, one level
                        # below the heading it sits under; what follows the title line is its first paragraph
                        level = next((b.level for b in reversed(blocks) if b.kind == "heading"), 1)
                        add(Block("heading", opened.group(1).strip(), opened.group(1).strip(), line,
                                  level=min(level + 1, 6)))
                        rest_raw, rest_plain = raw[opened.end():].strip(), plain.partition("\n")[2].strip()
                        if rest_raw:
                            add(Block("para", rest_plain, rest_raw, line + 1))
                        boxes.append(("", {}))  # closed by its `:::`
                    else:
                        # any other box: its title says what it holds ("Window", "Success criteria", "Abort if");
                        # open until a line `:::` (in this paragraph or a later one)
                        title = (opened.group(1) or "").strip()
                        kind = re.match(r"^:{3,}[ \t]*([A-Za-z][\w-]*)?", raw)
                        name = title or (kind.group(1).capitalize() if kind and kind.group(1) else "")
                        lines_plain, lines_raw = plain.split("\n")[1:], raw.split("\n")[1:]
                        closed = bool(lines_raw) and lines_raw[-1].strip().startswith(":::")
                        if closed:
                            lines_plain, lines_raw = lines_plain[:-1], lines_raw[:-1]
                        boxes.append((name, {}))
                        _box_para(add, name, "\n".join(lines_plain).strip(), "\n".join(lines_raw).strip(), line,
                                  bool(title))
                        if closed:
                            boxes.pop()
                i += 1
        elif tok.type in ("fence", "code_block"):
            info = tok.info.strip().split()[0].lower() if tok.info.strip() else ""
            add(Block("fence", tok.content, tok.content, line, info=info, cell=_cell_attrs(tok.info)))
        elif tok.type == "table_open":
            table_rows, table_cells, table_lines, table_line = [], [], [], line
        elif tok.type == "tr_open":
            row, cells = [], []
            table_lines.append(line)
        elif tok.type in ("th_open", "td_open"):
            inline = tokens[i + 1] if i + 1 < len(tokens) else None
            is_inline = inline is not None and inline.type == "inline"
            row.append(_plain(inline).strip() if inline is not None and is_inline else "")
            cells.append(inline.content.strip() if inline is not None and is_inline else "")
        elif tok.type == "tr_close" and table_rows is not None:
            table_rows.append(row)
            table_cells.append(cells)
        elif tok.type == "table_close" and table_rows is not None:
            text = "\n".join(" | ".join(r) for r in table_rows)
            add(Block("table", text, text, table_line, rows=table_rows, cells=table_cells, row_lines=table_lines))
            table_rows = None
        elif tok.type == "blockquote_open":
            quotes.append("")
        elif tok.type == "blockquote_close":
            if quotes:
                quotes.pop()
        elif tok.type == "html_block" and tok.map and _COMPONENT_TAG.match(tok.content):
            # MDX/JSX components (`<GoNoGo owner="Kenji Watanabe">`, `<Callout title="Go/No-Go">`, `</Tabs>`): each
            # is a box named by its title or its name, open until its closing tag; the text inside this block is
            # one paragraph "Title: text (owner Kenji Watanabe)"
            first: tuple[str, dict[str, str]] | None = None
            for m in _COMPONENT_TAG.finditer(tok.content):
                if m.group(1):  # </Name>
                    if boxes:
                        boxes.pop()
                    continue
                attrs = {k: next((v for v in vs if v), "") for k, *vs in _ATTR.findall(m.group(3))}
                attrs = {k: v for k, v in attrs.items() if v}
                name = attrs.get("title") or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", m.group(2).rsplit(".", 1)[-1])
                first = first or (name, attrs)
                if not m.group(4):  # not self-closing
                    boxes.append((name, attrs))
            body = [p for p in read_html(tok.content) if p.text and p.table is None]
            text = " ".join(p.text for p in body).strip()
            if first is not None:
                name, attrs = first
                said = ", ".join(v if _PERSON_ATTR.fullmatch(k) else f"{k} {v}" for k, v in attrs.items()
                                 if k not in ("title", "type", "value", "label", "id", "class", "classname"))
                full = f"{text} ({said})" if said and text else (text or said)
                if full:
                    at = tok.map[0] + 1 + (body[0].line if body else 0)
                    add(Block("para", f"{name}: {full}", f"{name}: {full}", at, box=name, attrs=dict(attrs)))
        elif tok.type == "html_block" and tok.map:
            summaries = iter(m.start() for m in _SUMMARY_TAG.finditer(tok.content))
            for piece in read_html(tok.content):
                at = tok.map[0] + 1 + piece.line
                if piece.table is not None and piece.table.rows:
                    t = piece.table
                    text = "\n".join(" | ".join(r) for r in t.rows)
                    add(Block("table", text, text, at, rows=t.rows, cells=t.raw,
                              row_lines=[tok.map[0] + 1 + n for n in t.lines]))
                elif piece.code:
                    add(Block("fence", piece.text + "\n", piece.text + "\n", at))  # `<pre>`: an untagged fence
                elif piece.text and piece.level == SUMMARY:
                    # `<details><summary>Level 1 …` then `<details><summary>Level 2 …`: each toggle one level below
                    # the heading the toggles stand under, nested ones deeper; never the second inside the first
                    upto = tok.content[:next(summaries, len(tok.content))]
                    depth = toggles[0] + len(_DETAILS_OPEN.findall(upto)) - len(_DETAILS_CLOSE.findall(upto))
                    under = next((b.level for n, b in reversed(list(enumerate(blocks)))
                                  if b.kind == "heading" and n not in toggled), 1)
                    toggled.add(add(Block("heading", piece.text, piece.raw, at, level=min(6, under + max(depth, 1)))))
                elif piece.text and piece.level:
                    add(Block("heading", piece.text, piece.raw, at, level=piece.level))
                elif piece.text:
                    add(Block("para", piece.text, piece.raw, at))
            toggles[0] = max(0, toggles[0] + len(_DETAILS_OPEN.findall(tok.content))
                             - len(_DETAILS_CLOSE.findall(tok.content)))
        i += 1
    _bold_step_headings(blocks)
    return blocks


#: `<details>` toggles (Notion, GitHub) opening and closing, and the `<summary>` giving each its title.
_DETAILS_OPEN = re.compile(r"(?i)<details\b")
_DETAILS_CLOSE = re.compile(r"(?i)</details\s*>")
_SUMMARY_TAG = re.compile(r"(?i)<summary\b")

#: The opening or closing line of an admonition box: `:::danger Rollback`, `:::tip`, `:::`.
_ADMONITION = re.compile(r"^:{3,}[ \t]*(?:[A-Za-z][\w-]*)?(?:[ \t]+([^\n]+))?[ \t]*(?:\n|$)")
#: Dot leaders between a checklist's challenge and its response (`Primary started ........ \`cmd\` (OPS)`).
_LEADER = re.compile(r"[ \t]+(?:\.{4,}|…{2,}|·{3,}|(?:\. ){3,}\.?)[ \t]+(?=\S)")


def _unleader(text: str) -> str:
    """A challenge–response line read as "Challenge: response": the leader is layout, never part of a command,
    and the response after it is the command or result the line states."""
    return _LEADER.sub(": ", text, count=1)


def _cell_attrs(info: str) -> dict[str, str]:
    """The JSON attributes after a fence's language (Runme, Jupyter-like notebooks): `{"background":true}`."""
    m = re.search(r"\{.*\}", info)
    if m is None:
        return {}
    try:
        data = json.loads(m.group(0))
    except ValueError:
        return {}
    return {str(k).lower(): str(v).lower() for k, v in data.items()} if isinstance(data, dict) else {}


#: A GitHub alert: `> [!IMPORTANT]` as the first line of a blockquote.
#: An Obsidian callout: any type, `+`/`-` for folded, then its title (`> [!danger]- Rollback`).
_ALERT = re.compile(r"^\[!([A-Za-z][\w-]*)\][+-]?[ \t]*([^\n]*)(?:\n|$)")


def _quote_ends_section(tokens: list[Token], at: int) -> bool:
    """The blockquote holding token `at` is the last thing of its section (a heading or the end comes next): a
    rollback callout there is that section's rollback part; one in the middle stays a box (the forward steps after
    it are no rollback)."""
    depth = tokens[at].level - 1
    for j in range(at, len(tokens)):
        if tokens[j].type == "blockquote_close" and tokens[j].level == depth:
            return j + 1 >= len(tokens) or tokens[j + 1].type == "heading_open"
    return True
#: An MkDocs Material admonition: `!!! danger "Roll back if"`, `??? note`, `???+ tip "Title"`.
_MKDOCS_BOX = re.compile(r"^(!!!|\?\?\?\+?)[ \t]*([A-Za-z][\w-]*)(?:[ \t]+[\w-]+)*(?:[ \t]+\"([^\"\n]*)\")?"
                         r"[ \t]*(?:\n|$)")
#: An MDX/JSX component opening an HTML block (`<GoNoGo owner="X" at="10:50">`, `<Callout type="info" />`).
_COMPONENT_TAG = re.compile(r"<(/?)([A-Z][\w.]*)((?:\s+[\w-]+(?:=(?:\"[^\"]*\"|'[^']*'|\{[^}]*\}))?)*)\s*(/?)>")
#: Attributes naming who decides or owns (`owner="Kenji Watanabe"`): the name alone, never the word "owner" (a
#: role of the same name would be taken for the decider).
_PERSON_ATTR = re.compile(r"(?i)owner|by|decider|decided-?by|approver|who|lead|assignee|person")
_ATTR = re.compile(r"([\w-]+)=(?:\"([^\"]*)\"|'([^']*)'|\{[\"']?([^}\"']*)[\"']?\})")


def _box_para(add: Callable[[Block], int], title: str, plain: str, raw: str, line: int, titled: bool) -> None:
    """The paragraph of a box: "Title: body" when the box has a title (so a bold-key reader reads it), the body
    alone otherwise; a title with no body of its own stands as "Title:" before the blocks of the box."""
    if titled:
        add(Block("para", f"{title}: {plain}".strip(), f"{title}: {raw}".strip(), line))
    elif raw:
        add(Block("para", plain, raw, line + 1))


#: A box titled as the way back ("Rollback", "Back-out", "Undo"). Narrower on purpose than the importer's heading
#: words (importer.headings.ROLLBACK_WORDS): a box titled "Abort if" or "If it fails" holds the triggers of the
#: levels around it, and made a section of its own it would shift every level after it.
ROLLBACK_TITLE = re.compile(r"(?i)roll(?:ing|ed)?\s*-?\s*back|back[\s-]*out|\brevert|\bundo\b|fall\s*-?back")
_BOLD_STEP = re.compile(r"^(\*\*|__)([^*_]+)\1:?$")
_QUESTION = re.compile(r"(?i)^\W*(?:q(?:uestion)?\s*\d*\s*[:.)\-–—]\s*)?[^?]{3,}\?\W*$")
_STEP_WORD = re.compile(r"(?i)^\W*(phase|step|stage)\s*\d+\b")


def _bold_step_headings(blocks: list[Block]) -> None:
    """`**Step 2 — Roll out**` alone on a line is a heading the writer made bold: one level below the last.
    So is a question alone in bold (`**Q: How do we back out?**`, a page written as questions and answers): a
    section one level below the last real heading, which ends at the next question, with its steps under it."""
    level = 1
    question: int | None = None
    back = False  # under a heading of the way back, whose bold conditions are its levels ("**If the canary fails**")
    for b in blocks:
        if b.kind == "heading":
            level, question = b.level, None
            back = bool(ROLLBACK_TITLE.search(b.text) or going_back_heading(b.text))
        elif b.kind == "para" and b.depth == 0 and _BOLD_STEP.match(b.raw.strip()) and _QUESTION.match(b.text):
            b.kind = "heading"
            b.level = question = min(level + 1, 6)
        elif b.kind == "para" and b.depth == 0 and _BOLD_STEP.match(b.raw.strip()) and _STEP_WORD.match(b.text):
            b.kind = "heading"
            b.level = min((question or level) + 1, 6)
            back = False
        elif b.kind == "para" and b.depth == 0 and _BOLD_STEP.match(b.raw.strip()) and success_title(b.text):
            # `**Looks good when**` alone on a line, even after the way back: the success criteria's title. Left a
            # paragraph, the level or phase before it took the criteria as its own items.
            b.kind = "heading"
            b.level = min((question or level) + 1, 6)
            back = False
        elif b.kind == "para" and b.depth == 0 and not back and _BOLD_STEP.match(b.raw.strip()) and (
                going_back_heading(b.text) or conditional_heading(b.text)):
            # `**If it goes wrong**` alone on a line: the title of the way back. Left a paragraph, the phase before
            # it swallowed its blocks and ran every downgrade and restore forward.
            b.kind = "heading"
            b.level = min((question or level) + 1, 6)
            back = True
