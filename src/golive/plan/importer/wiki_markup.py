"""MediaWiki and DokuWiki source saved as `.md` (a wiki page's edit box pasted into a file).

Markdown reads wikitext wrongly in ways that change what runs: a MediaWiki `# step` numbered item is an H1 (a phase
per list item), `<syntaxhighlight lang="bash">` is not a block (its commands become prose), `<pre>` output and
`<!-- -->` comments sit beside the commands; in DokuWiki `<code bash>` is not a block either and `''x''` is not
monospace. The page is rewritten as the Markdown it means, line for line (a table is written from its first line,
padded with blank lines, so later lines keep their numbers), before the importer reads it:

- headings by level (MediaWiki `==` is `##`; DokuWiki counts the other way: `======` is `#`, `==` is `#####`);
- `<syntaxhighlight>`/`<source>`/`<code lang>`/`<file lang>` -> a fence in that language; `<pre>` -> a text
  fence (output the page shows, never run); comments (`<!-- -->`, `/* */`) blank (the page does not show them);
- `#`/`*` (MediaWiki), `  -`/`  *` (DokuWiki) lists -> Markdown lists; `{| |}` and `^ ^`/`| |` tables -> Markdown
  tables; `'''b'''`/`<code>`/`''mono''`/`<s>`/`<del>`/`[[link|text]]` -> their Markdown.

Each markup is recognised only when several of its own markers stand in the document (headings and code tags and
another of its signs), never from one stray line, and never in a document that has Markdown fences.
"""

from __future__ import annotations

import re

_MW_HEAD = re.compile(r"^(?P<l>={2,6})\s*(?P<t>[^=].*?)\s*(?P=l)\s*$")
_DW_HEAD = re.compile(r"^(?P<l>={2,6})\s*(?P<t>[^=].*?)\s*(?P=l)\s*$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_MW_CODE = re.compile(r"^\s*<(?P<tag>syntaxhighlight|source)\b(?P<attrs>[^>]*)>\s*$", re.I)
_MW_CODE_END = re.compile(r"^\s*</(?:syntaxhighlight|source)>\s*$", re.I)
_DW_CODE = re.compile(r"^\s*<(?P<tag>code|file)(?:\s+(?P<lang>[\w+-]+))?(?:\s+[^>]*)?>\s*$")
_DW_CODE_END = re.compile(r"^\s*</(?:code|file)>\s*$")
_LANG = re.compile(r"""lang\s*=\s*["']?(?P<lang>[\w+-]+)""", re.I)


def _common(lines: list[str]) -> bool:
    return not any(_MD_FENCE.match(ln) for ln in lines)


def is_mediawiki(text: str) -> bool:
    """`== Title ==` headings, `<syntaxhighlight>`/`<source>`/`<pre>` blocks, and another wikitext sign
    (`{|` table, `'''bold'''`, `[[link]]`, `{{template}}`, `__NOTOC__`)."""
    lines = text.split("\n")
    if not _common(lines):
        return False
    heads = sum(1 for ln in lines if _MW_HEAD.match(ln) and not ln.startswith("======"))
    codes = sum(1 for ln in lines if _MW_CODE.match(ln) or ln.strip().lower() == "<pre>")
    signs = sum(1 for pat in (r"^\{\|", r"'''[^']+'''", r"\[\[[^\]]+\]\]", r"\{\{[^}]+\}\}", r"__[A-Z]+__")
                if re.search(pat, text, re.M))
    return heads >= 2 and codes >= 1 and signs >= 2


def is_dokuwiki(text: str) -> bool:
    """`====== Title ======` headings, `<code lang>`/`<file>` blocks, and another DokuWiki sign (`^ header ^`
    table, `''mono''`, `~~NOTOC~~`, `<WRAP>`, `{{tag>}}`, `  * ` lists)."""
    lines = text.split("\n")
    if not _common(lines) or any(_MW_CODE.match(ln) for ln in lines):
        return False
    heads = sum(1 for ln in lines if _DW_HEAD.match(ln))
    codes = sum(1 for ln in lines if _DW_CODE.match(ln))
    signs = sum(1 for pat in (r"^\^.*\^\s*$", r"''[^'\s][^']*''", r"~~[A-Z]+~~", r"</?WRAP", r"\{\{tag>",
                              r"^  +[*-] \S")
                if re.search(pat, text, re.M))
    return heads >= 2 and codes >= 1 and signs >= 2


def read_mediawiki(text: str) -> tuple[str, list[str]] | None:
    """`text` as the Markdown it means, line for line, and the summary lines; None when it is no wikitext."""
    if not is_mediawiki(text):
        return None
    lines = text.split("\n")
    out: list[str] = []
    hidden: list[int] = []
    shown: list[int] = []
    fence: str | None = None
    comment = False
    n = 0
    while n < len(lines):
        line = lines[n]
        if fence is not None:
            if (fence == "pre" and line.strip().lower() == "</pre>") or (fence != "pre" and _MW_CODE_END.match(line)):
                out.append("```")
                fence = None
            else:
                out.append(line)
            n += 1
            continue
        if comment or "<!--" in line:
            kept, comment = _strip_comment(line, comment, "<!--", "-->")
            if kept.strip() == "" and line.strip():
                hidden.append(n + 1)
                out.append("")
                n += 1
                continue
            line = kept
        m = _MW_CODE.match(line)
        if m:
            lang = _LANG.search(m.group("attrs"))
            out.append("```" + (lang.group("lang").lower() if lang else ""))
            fence = "code"
            n += 1
            continue
        if line.strip().lower() == "<pre>":
            out.append("```output")  # `text` fences that read like commands may run; output never does
            shown.append(n + 1)
            fence = "pre"
            n += 1
            continue
        if line.startswith("{|"):
            end = next((k for k in range(n, len(lines)) if lines[k].startswith("|}")), len(lines) - 1)
            out += _pad(_mw_table(lines[n:end + 1]), end - n + 1)
            n = end + 1
            continue
        out.append(_mw_line(line))
        n += 1
    notes = ["the document is MediaWiki source (`==` headings, `<syntaxhighlight>` blocks): read as wikitext, line"
             " for line (`#` items a numbered list, not headings)"]
    if shown:
        notes.append(f"`<pre>` blocks at lines {', '.join(map(str, shown))}: output the page shows, never run")
    if hidden:
        notes.append(f"`<!-- -->` comments at lines {_span(hidden)}: the page does not show them, never run")
    return "\n".join(out), notes


def read_dokuwiki(text: str) -> tuple[str, list[str]] | None:
    """`text` as the Markdown it means, line for line, and the summary lines; None when it is no DokuWiki."""
    if not is_dokuwiki(text):
        return None
    lines = text.split("\n")
    out: list[str] = []
    hidden: list[int] = []
    fence = False
    comment = False
    n = 0
    while n < len(lines):
        line = lines[n]
        if fence:
            out.append("```" if _DW_CODE_END.match(line) else line)
            fence = not _DW_CODE_END.match(line)
            n += 1
            continue
        if comment or re.match(r"^\s*/\*", line):
            kept, comment = _strip_comment(line, comment, "/*", "*/")
            if kept.strip() == "":
                hidden.append(n + 1)
                out.append("")
                n += 1
                continue
            line = kept
        m = _DW_CODE.match(line)
        if m:
            out.append("```" + (m.group("lang") or "").lower())
            fence = True
            n += 1
            continue
        if re.match(r"^[\^|].*[\^|]\s*$", line):
            end = n
            while end + 1 < len(lines) and re.match(r"^[\^|].*[\^|]\s*$", lines[end + 1]):
                end += 1
            rows = [[_dw_inline(c.strip()) for c in re.split(r"[\^|]", ln.strip())[1:-1]] for ln in lines[n:end + 1]]
            table = md_table(rows)
            span = end - n + 1
            if len(table) > span and end + 1 < len(lines) and not lines[end + 1].strip():
                span += 1  # the separator row takes the blank line after the table
            out += _pad(table, span)
            n += span
            continue
        out.append(_dw_line(line))
        n += 1
    notes = ["the document is DokuWiki source (`======` headings, `<code>` blocks): read as DokuWiki, line for"
             " line (more `=` is a higher heading; `''x''` monospace)"]
    if hidden:
        notes.append(f"`/* */` comments at lines {_span(hidden)}: the page does not show them, never run")
    return "\n".join(out), notes


def _strip_comment(line: str, inside: bool, start: str, end: str) -> tuple[str, bool]:
    """`line` without its comment parts, and whether a comment is still open at its end."""
    kept = ""
    rest = line
    while rest:
        if inside:
            k = rest.find(end)
            if k < 0:
                return kept, True
            rest, inside = rest[k + len(end):], False
        else:
            k = rest.find(start)
            if k < 0:
                return kept + rest, False
            kept, rest, inside = kept + rest[:k], rest[k + len(start):], True
    return kept, inside


def _span(rows: list[int]) -> str:
    return f"{rows[0]}-{rows[-1]}" if len(rows) > 1 else str(rows[0])


def _pad(rows: list[str], span: int) -> list[str]:
    return (rows + [""] * span)[:max(span, len(rows))]


def md_table(rows: list[list[str]]) -> list[str]:
    """Rows of cells as a Markdown table, the first row its header (shared with importer/rst.py)."""
    rows = [r for r in rows if any(c for c in r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    body = ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return [body[0], "|" + "---|" * width, *body[1:]]


def _mw_table(lines: list[str]) -> list[str]:
    """`{| … |}`: rows between `|-`, cells after `|`/`!` split at `||`/`!!` (a cell's `attr |` prefix dropped)."""
    rows: list[list[str]] = []
    cur: list[str] = []
    for ln in lines[1:]:
        s = ln.strip()
        if s.startswith("|-") or s.startswith("|}"):
            if cur:
                rows.append(cur)
            cur = []
        elif s.startswith("|+"):
            continue
        elif s[:1] in ("|", "!"):
            for cell in re.split(r"\|\||!!", s[1:]):
                if re.match(r"^\s*[\w-]+=\"[^\"]*\"\s*\|", cell):
                    cell = cell.split("|", 1)[1]
                cur.append(_mw_inline(cell.strip()))
        elif cur:
            cur[-1] += " " + _mw_inline(s)
    if cur:
        rows.append(cur)
    return md_table(rows)


def _mw_line(line: str) -> str:
    head = _MW_HEAD.match(line)
    if head:
        return "#" * (len(head.group("l"))) + " " + _mw_inline(head.group("t"))
    if re.fullmatch(r"\s*(__[A-Z]+__|\[\[Category:[^\]]*\]\]|\{\{[^|}]+(\|[^}]*)?\}\})\s*", line) and \
            not re.match(r"\s*\{\{(Note|Warning|Important|Caution|Tip)\|", line, re.I):
        return ""
    note = re.fullmatch(r"\s*\{\{(?P<k>Note|Warning|Important|Caution|Tip)\|(?P<t>.*)\}\}\s*", line, re.I)
    if note:
        body = _mw_inline(note.group("t"))  # a box that opens with its own bold label keeps it ("**Go/No-Go** at …")
        return "> " + body if body.startswith("**") else f"> **{note.group('k').capitalize()}:** {body}"
    item = re.match(r"^(?P<m>[#*:;]+)\s*(?P<t>.*)$", line)
    if item:
        marks = item.group("m")
        indent = "   " * (len(marks) - 1)
        lead = {"#": "1. ", "*": "- "}.get(marks[-1], "")
        return indent + lead + _mw_inline(item.group("t"))
    return _mw_inline(line)


def _mw_inline(s: str) -> str:
    s = re.sub(r"<code>(.*?)</code>", lambda m: "`" + m.group(1).replace("`", "'") + "`", s)
    s = re.sub(r"<(s|del|strike)>(.*?)</\1>", r"~~\2~~", s)
    s = re.sub(r"'''(.+?)'''", r"**\1**", s)
    s = re.sub(r"''(.+?)''", r"*\1*", s)
    s = re.sub(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]", r"\1", s)
    s = re.sub(r"\[(https?://\S+)\s+([^\]]+)\]", r"[\2](\1)", s)
    return re.sub(r"</?(?:nowiki|tt|kbd|br\s*/?)>", "", s)


def _dw_line(line: str) -> str:
    head = _DW_HEAD.match(line)
    if head:
        return "#" * (7 - len(head.group("l"))) + " " + _dw_inline(head.group("t"))
    if re.fullmatch(r"\s*(~~[A-Z]+~~|</?WRAP[^>]*>|\{\{tag>[^}]*\}\})\s*", line):
        return ""
    item = re.match(r"^(?P<sp> {2,})(?P<m>[*-])\s+(?P<t>.*)$", line)
    if item:
        depth = len(item.group("sp")) // 2 - 1
        return "   " * depth + ("- " if item.group("m") == "*" else "1. ") + _dw_inline(item.group("t"))
    return _dw_inline(line)


def _dw_inline(s: str) -> str:
    s = re.sub(r"<code>(.*?)</code>", r"`\1`", s)
    s = re.sub(r"''(.+?)''", lambda m: "`" + m.group(1).replace("`", "'") + "`", s)
    s = re.sub(r"<del>(.*?)</del>", r"~~\1~~", s)
    s = re.sub(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]", r"\1", s)
    return re.sub(r"\s*\\\\\s*$", "", s)
