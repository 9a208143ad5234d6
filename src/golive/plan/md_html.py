"""HTML inside Markdown (a Confluence or wiki export): its tables and its text, read by the stdlib HTML parser.

markdown-it hands an HTML block over whole; a `<table>` in it is the same table a pipe table would be, and a
`<div>`/`<p>` of text (an information macro) is a paragraph. `<code>` keeps its backticks, so a command in a
cell stays a command; entities (`&ge;`, `&lt;`) are decoded by the parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: `<details><summary>Rollback steps</summary>`: the title of what follows, one level below the heading before it.
SUMMARY = 9
_BREAKS = frozenset({"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
                     "summary", "details", "aside"})


@dataclass
class HtmlTable:
    #: Cells as plain text; `raw` as Markdown inline text (code in backticks).
    rows: list[list[str]] = field(default_factory=list)
    raw: list[list[str]] = field(default_factory=list)
    #: 0-based line of each row inside the HTML block.
    lines: list[int] = field(default_factory=list)
    #: 0-based line where the table starts.
    start: int = 0


@dataclass
class HtmlPiece:
    """A table, or a run of text (plain, raw) outside tables, at its 0-based line in the block."""

    line: int
    table: HtmlTable | None = None
    text: str = ""
    raw: str = ""
    #: 1-6 for the text of an <h1>..<h6>; SUMMARY for a <summary>.
    level: int = 0
    #: The text of a `<pre>` (with or without `<code>` inside): a code block, its lines as written.
    code: bool = False


#: Tags that strike text through (a wiki's "struck" item: taken back by the writer).
_STRUCK_TAGS = frozenset({"del", "s", "strike"})


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[HtmlPiece] = []
        self.tables: list[HtmlTable] = []  # open tables (nested ones are read as their own)
        self.cell: list[tuple[str, str]] | None = None  # (plain, raw) fragments of the open cell
        self.text: list[tuple[str, str]] = []
        self.text_line = 0
        self.heading = 0
        self.code = 0
        self.pre = 0  # inside <pre>: a code block (an old wiki's `<pre><code>cmd &amp;&amp; cmd</code></pre>`)
        self.skip = 0  # inside <script>/<style>

    def _flush_text(self) -> None:
        plain = "".join(p for p, _r in self.text).strip()
        if plain and self.pre:
            # a code block: its lines as written (entities decoded), never joined into one paragraph
            code = "".join(p for p, _r in self.text).strip("\n")
            first = len("".join(p for p, _r in self.text)) - len("".join(p for p, _r in self.text).lstrip("\n"))
            self.pieces.append(HtmlPiece(self.text_line + first, text=code, raw=code, code=True))
        elif plain:
            raw = "".join(r for _p, r in self.text).strip()
            self.pieces.append(HtmlPiece(self.text_line, text=" ".join(plain.split()) if self.heading else plain,
                                         raw=raw, level=self.heading))
        self.text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0] - 1
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "table":
            self._flush_text()
            self.tables.append(HtmlTable(start=line))
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
            self.tables[-1].raw.append([])
            self.tables[-1].lines.append(line)
        elif tag in ("td", "th") and self.tables:
            self.cell = []
        elif tag == "pre" and self.cell is None and not self.tables:
            self._flush_text()
            self.pre += 1
        elif tag == "code" and self.pre:
            pass  # the code of a <pre>: the block itself is the code
        elif tag == "code":
            self.code += 1
            self._add("", "`")
        elif tag in _STRUCK_TAGS:
            self._add("~~", "~~")  # struck through, as Markdown writes it: the importer never runs it
        elif tag in _BREAKS and self.cell is None and not self.tables:
            self._flush_text()
            if tag in _HEADINGS:
                self.heading = int(tag[1])
            elif tag == "summary":
                self.heading = SUMMARY

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "pre" and self.pre:
            self._flush_text()
            self.pre -= 1
        elif tag == "code" and self.pre:
            pass
        elif tag == "code" and self.code:
            self.code -= 1
            self._add("", "`")
        elif tag in _STRUCK_TAGS:
            self._add("~~", "~~")
        elif tag in ("td", "th") and self.tables and self.cell is not None:
            t = self.tables[-1]
            if not t.rows:
                t.rows.append([])
                t.raw.append([])
                t.lines.append(self.getpos()[0] - 1)
            t.rows[-1].append(" ".join("".join(p for p, _r in self.cell).split()))
            t.raw[-1].append(" ".join("".join(r for _p, r in self.cell).split()))
            self.cell = None
        elif tag == "table" and self.tables:
            table = self.tables.pop()
            table.rows = [r for r in table.rows if r]
            table.raw = [r for r in table.raw if r]
            self.pieces.append(HtmlPiece(table.start, table=table))
        elif tag in _BREAKS and self.cell is None and not self.tables:
            self._flush_text()
            self.heading = 0

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self._add(data, data)

    def _add(self, plain: str, raw: str) -> None:
        if self.cell is not None:
            self.cell.append((plain, raw))
        elif not self.tables:
            if not "".join(p for p, _r in self.text).strip():
                self.text_line = self.getpos()[0] - 1
            self.text.append((plain, raw))


def read_html(html: str) -> list[HtmlPiece]:
    """The tables and text paragraphs of one HTML block, in document order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader._flush_text()
    return sorted(reader.pieces, key=lambda p: p.line)
