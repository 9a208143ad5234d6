"""A runbook written in reStructuredText (a Sphinx page's source saved as `.md`).

Markdown misreads reST where it changes what runs: a `~~~~~` title underline opens a tilde fence (the rest of the
page becomes one block), a `.. code-block:: bash` body indented three spaces is a paragraph (a `for … done` loop
joined into one line), `|image|` substitutions stay in the commands (bash pipes into `image|`), and the body of
`.. only:: staging` (a page part built for staging only) reads as a production step. No well-kept library reads
Sphinx's directives without Sphinx itself (docutils rejects `code-block`, `only` and the other Sphinx directives
unless they are registered, and gives no line-for-line text), so the page is rewritten here as the Markdown it
means, line for line, before the importer reads it:

- section titles (over- and/or underlined with any punctuation) -> headings, levels in order of first appearance;
- `.. code-block:: lang` / `.. code::` / `.. sourcecode::` -> a fence in that language; `.. parsed-literal::`
  and `::` literal blocks -> untagged fences (classified like any untagged block), with `|subst|` replaced;
- `.. only:: tag`: shown (and possibly run) only when the tag is the production build's (`production`, `prod`);
  otherwise blank, never run. `..` comments blank. `.. |x| replace:: v` defines `|x|`;
- admonitions (`.. warning::`, `.. note::` …) -> `> **Warning:** text` lines; field lists -> `Key: value`;
  `.. list-table::` -> a Markdown table; definition-list terms -> bold lines, their bodies dedented.
"""

from __future__ import annotations

import re

from golive.plan.importer.wiki_markup import md_table

_ADORN = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
_DIRECTIVE = re.compile(r"^(?P<ind> *)\.\.\s+(?P<name>[\w:-]+)::\s*(?P<arg>.*)$")
_SUBST_DEF = re.compile(r"^ *\.\.\s+\|(?P<name>[^|]+)\|\s+replace::\s*(?P<value>.*)$")
_FIELD = re.compile(r"^:(?P<key>[^:`]+):\s*(?P<value>.*)$")
_CODE = ("code-block", "code", "sourcecode", "highlight")
_ADMONITIONS = ("note", "warning", "important", "caution", "danger", "attention", "tip", "hint", "error",
                "admonition", "seealso")
_PRODUCTION = {"production", "prod", "live"}


def is_rst(text: str) -> bool:
    """Several reST signs at once: titles adorned with punctuation lines, and `.. directive::` lines or `::`
    literal blocks; never in a document that has Markdown fences or `#` headings."""
    lines = text.split("\n")
    if any(re.match(r"^\s*```", ln) or re.match(r"^#{1,6}\s", ln) for ln in lines):
        return False
    titles = sum(1 for k in range(1, len(lines)) if _ADORN.match(lines[k]) and _is_title(lines, k))
    directives = sum(1 for ln in lines if _DIRECTIVE.match(ln))
    return titles >= 2 and directives >= 2


def _is_title(lines: list[str], k: int) -> bool:
    """Line k is an underline of a title on line k-1 (as long as it, not a list or a blank)."""
    title = lines[k - 1].rstrip()
    return bool(title.strip()) and not title.startswith(" ") and len(lines[k].rstrip()) >= len(title) - 1 \
        and not _ADORN.match(title)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], start: int, ind: int) -> int:
    """The index after the last line of the block indented deeper than `ind` that starts at `start`."""
    end = start
    k = start
    while k < len(lines):
        if lines[k].strip() and _indent(lines[k]) <= ind:
            break
        if lines[k].strip():
            end = k + 1
        k += 1
    return end


def read_rst(text: str) -> tuple[str, list[str]] | None:
    """`text` as the Markdown it means, line for line, and the summary lines; None when it is no reST."""
    if not is_rst(text):
        return None
    lines = text.split("\n")
    subst = {m.group("name"): m.group("value").strip() for m in map(_SUBST_DEF.match, lines) if m}
    out = list(lines)
    styles: list[tuple[str, bool]] = []
    hidden: list[int] = []
    used: list[int] = []
    _convert(lines, 0, len(lines), 0, out, styles, subst, hidden, used)
    notes = ["the document is reStructuredText (Sphinx) source (adorned titles, `..` directives): read as reST,"
             " line for line"]
    if used:
        notes.append(f"substitutions at lines {', '.join(map(str, sorted(set(used))))}: their `replace::` values"
                     f" ({', '.join(f'|{k}| = {v}' for k, v in subst.items())})")
    if hidden:
        notes.append(f"`.. only::` parts for other builds and `..` comments at lines {', '.join(map(str, hidden))}:"
                     " not on the production page, never run")
    return "\n".join(out), notes


def _convert(lines: list[str], start: int, stop: int, base: int, out: list[str], styles: list[tuple[str, bool]],
             subst: dict[str, str], hidden: list[int], used: list[int]) -> None:
    """Rewrite lines[start:stop] (indented by `base`, removed) into `out`, in place."""
    k = start
    while k < stop:
        line = lines[k]
        body = line[base:] if line[:base].strip() == "" else line.lstrip()
        if k + 1 < stop and _ADORN.match(lines[k + 1]) and _is_title(lines, k + 1) and not body.startswith(" "):
            over = k > start and _ADORN.match(lines[k - 1]) is not None and lines[k - 1][0] == lines[k + 1][0]
            style = (lines[k + 1][0], over)
            if style not in styles:
                styles.append(style)
            if over:
                out[k - 1] = ""
            out[k] = "#" * min(styles.index(style) + 1, 6) + " " + _inline(body.strip(), subst, k, used)
            out[k + 1] = ""
            k += 2
            continue
        if _ADORN.match(line) and k + 2 < stop and _ADORN.match(lines[k + 2]):
            k += 1  # an overline: its title is handled on the next line
            continue
        d = _DIRECTIVE.match(line)
        if d or re.match(r"^ *\.\.(\s|$)", line):
            ind = _indent(line)
            end = max(_block_end(lines, k + 1, ind), k + 1)
            name = d.group("name").lower() if d else ""
            arg = d.group("arg").strip() if d else ""
            opts = k + 1
            while opts < end and re.match(r"^\s+:[\w-]+:", lines[opts]):
                opts += 1
            for j in range(k, end):
                out[j] = ""
            if name in _CODE or name == "parsed-literal":
                _fence(lines, k, opts, end, arg.split()[0].lower() if name in _CODE and arg else "", out, subst, used,
                       name == "parsed-literal")
            elif name == "only":
                tags = set(re.findall(r"[\w-]+", arg.lower())) - {"and", "or", "not"}
                if tags & _PRODUCTION and "not" not in arg.lower():
                    _convert(lines, opts, end, _body_indent(lines, opts, end), out, styles, subst, hidden, used)
                else:
                    hidden.append(k + 1)
            elif name in _ADMONITIONS:
                _convert(lines, opts, end, _body_indent(lines, opts, end), out, styles, subst, hidden, used)
                label = f"> **{name.capitalize()}:**" + (f" {_inline(arg, subst, k, used)}" if arg else "")
                out[k] = label
                for j in range(opts, end):
                    if out[j].strip() and not out[j].startswith("```"):
                        out[j] = "> " + out[j]
            elif name == "list-table":
                table = _list_table(lines[opts:end], subst, k, used)
                for j, row in enumerate(table[:end - k] if len(table) <= end - k else table):
                    if k + j < end:
                        out[k + j] = row
                    else:
                        out[end - 1] += "\n" + row
            elif not d:
                if line.strip() != ".." and not _SUBST_DEF.match(line) and not re.match(r"^ *\.\. _", line):
                    hidden.append(k + 1)  # a comment (or a target `.. _x:`): not on the page
            elif name not in ("contents", "toctree", "index", "image", "figure", "highlight", "meta",
                              "include", "sectnum", "rubric", "replace") and "|" not in name:
                _convert(lines, opts, end, _body_indent(lines, opts, end), out, styles, subst, hidden, used)
            k = end
            continue
        field = _FIELD.match(line) if base == 0 else None
        if field:
            out[k] = f"{field.group('key').strip()}: {_inline(field.group('value'), subst, k, used)}"
            k += 1
            continue
        if line.rstrip().endswith("::") and not d:
            ind = _indent(line)
            end = _block_end(lines, k + 1, ind)
            text = line.rstrip()[:-2]
            out[k] = _inline(text[base:] if text[:base].strip() == "" else text.strip(), subst, k, used).rstrip()
            if out[k].strip() and not text.endswith(" "):
                out[k] += ":"  # `text::` shows `text:`; `text. ::` shows `text.`
            if end > k + 1:
                _literal(lines, k + 1, end, out, subst, used)
                k = end
                continue
            k += 1
            continue
        nxt = lines[k + 1] if k + 1 < stop else ""
        if line.strip() and nxt.strip() and _indent(nxt) > _indent(line) and not re.match(r"^\s*([*+-]|#\.|\d+\.)\s",
                                                                                          line):
            out[k] = "**" + _inline(body.strip(), subst, k, used) + "**"  # a definition-list term
            end = _block_end(lines, k + 1, _indent(line))
            _convert(lines, k + 1, end, _body_indent(lines, k + 1, end), out, styles, subst, hidden, used)
            k = end
            continue
        if line.strip():  # a blank line may hold the fence a block before it closed
            out[k] = _inline(re.sub(r"^(\s*)#\.\s", r"\g<1>1. ", body), subst, k, used)
        k += 1


def _body_indent(lines: list[str], start: int, end: int) -> int:
    ind = [_indent(ln) for ln in lines[start:end] if ln.strip()]
    return min(ind) if ind else 0


def _fence(lines: list[str], k: int, opts: int, end: int, lang: str, out: list[str], subst: dict[str, str],
           used: list[int], parsed: bool) -> None:
    """A directive's body as a fence: the directive line opens it, the body dedented, the closing on the line
    after the body (or with the body's last line when none is free)."""
    ind = _body_indent(lines, opts, end)
    out[k] = "```" + lang
    for j in range(opts, end):
        row = lines[j][ind:]
        out[j] = _substitute(row, subst, j, used) if parsed else row
    _close(out, k, end, lines)


def _literal(lines: list[str], start: int, end: int, out: list[str], subst: dict[str, str], used: list[int]) -> None:
    """A `::` literal block: the blank line before it opens an untagged fence."""
    ind = _body_indent(lines, start, end)
    first = next(j for j in range(start, end) if lines[j].strip())
    opener = first - 1 if first > start else start
    for j in range(start, end):
        out[j] = lines[j][ind:]
    if opener < first:
        out[opener] = "```"
    else:
        out[first] = "```\n" + out[first]
    _close(out, first, end, lines)


def _close(out: list[str], k: int, end: int, lines: list[str]) -> None:
    if end < len(lines) and not lines[end].strip():
        out[end] = "```"
    else:
        out[end - 1] += "\n```"


def _substitute(s: str, subst: dict[str, str], k: int, used: list[int]) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(1) in subst:
            used.append(k + 1)
            return subst[m.group(1)]
        return m.group(0)

    return re.sub(r"\|([\w][\w .-]*)\|(?!\w)", repl, s)


def _inline(s: str, subst: dict[str, str], k: int, used: list[int]) -> str:
    s = _substitute(s, subst, k, used)
    s = re.sub(r"``(.+?)``", r"`\1`", s)
    s = re.sub(r"(?<=\d)--(?=\d)", "\u2013", s)  # reST's en dash in a range (09:00--13:00)
    s = re.sub(r":[\w:-]+:`([^`]+)`", r"`\1`", s)
    s = re.sub(r"`([^`<]+?)\s*<([^>]+)>`__?", r"[\1](\2)", s)
    return s


def _list_table(rows: list[str], subst: dict[str, str], k: int, used: list[int]) -> list[str]:
    """`* - a` / `  - b` rows as a Markdown table (the first row its header)."""
    table: list[list[str]] = []
    for ln in rows:
        s = ln.strip()
        if s.startswith("* -"):
            table.append([_inline(s[3:].strip(), subst, k, used)])
        elif s.startswith("- ") and table:
            table[-1].append(_inline(s[2:].strip(), subst, k, used))
        elif s and table:
            table[-1][-1] += " " + _inline(s, subst, k, used)
    return md_table(table)
