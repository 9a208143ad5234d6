"""A runbook written in AsciiDoc (an Antora or Asciidoctor page saved as `.md`): `=`/`==` headings, `[source,bash]`
blocks between `----` lines, `:attr: value` header attributes used as `{attr}`, `# <1>` callouts, `Term:: text`.

Markdown would read it as paragraphs, so nothing would be a step. The text is rewritten as the Markdown it means,
line for line (every line keeps its number, so the plan's comments still cite the document, and a block is cited
by its opening `----`), before the importer reads it as any Markdown runbook:

- `== Upgrade` -> `## Upgrade`; `[source,bash]` + `----` -> a ```bash fence (the attribute line left blank);
  `....` literal blocks -> text fences; `****`/`====`/`____` delimiters, `[horizontal]`, `:toc:` and `//` comments
  blank; `.Title` a paragraph; `Term:: text` a `- **Term:** text` item; `* `/`** `/`. ` lists Markdown lists;
- `{attr}` in a block: the header's value when the document defines it (as the site substitutes it); an `{attr}`
  it does not define becomes a `<attr>` placeholder (a var to fill in), never run with its braces;
- a callout (`# <1>`, `// <2>`, `<3>`) at a line's end is the site's marker, not the command's: removed, so a
  continuation `\\ # <1>` continues again (bash would end the command at the escaped blank); `<1> text` under the
  block is the callout's text (`(1) text`).
"""

from __future__ import annotations

import re

_TITLE = re.compile(r"^=\s+\S")
_HEADING = re.compile(r"^(?P<marks>={1,6})\s+(?P<text>\S.*)$")
_ATTR = re.compile(r"^:(?P<name>!?[A-Za-z0-9_][\w-]*!?):\s*(?P<value>.*?)\s*$")
_BLOCK_ATTRS = re.compile(r"^\[(?P<body>[^\]]*)\]\s*$")
_DELIM = re.compile(r"^(?P<d>-{4,}|\.{4,}|\*{4,}|={4,}|_{4,}|\+{4,})\s*$")
_CALLOUT = re.compile(r"[ \t]*(?:(?:#|//|--|;)[ \t]*)?(?:<\d{1,2}>[ \t]*)+$")
_CALLOUT_TEXT = re.compile(r"^<(?P<n>\d{1,2})>\s+(?P<text>\S.*)$")
_LABELLED = re.compile(r"^(?P<term>[^\s:][^:]{0,80}?)::\s*(?P<text>.*)$")
_REF = re.compile(r"(?<![$\\{])\{(?P<name>[A-Za-z0-9_][\w-]*)\}(?!\})")
_CONDITION = re.compile(r"^(?P<kind>ifdef|ifndef|ifeval)::(?P<names>[\w,+-]*)\[(?P<inline>.*)\]\s*$")
_END_CONDITION = re.compile(r"^endif::[\w,+-]*\[\]\s*$")
_LIST = re.compile(r"^(?P<marks>\*{1,5}|\.{1,5})\s+(?P<text>\S.*)$")


def is_asciidoc(text: str) -> bool:
    """A document title `= Title` on its first line, and AsciiDoc's own structure under it: a `==` section, a
    `----` block after a `[source...]` line, or `:attr:` header lines."""
    lines = text.split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    if not _TITLE.match(first):
        return False
    sections = sum(1 for ln in lines if re.match(r"^==\s+\S", ln))
    sources = sum(1 for n, ln in enumerate(lines[:-1]) if ln.startswith("[source") and _DELIM.match(lines[n + 1]))
    attrs = sum(1 for ln in lines[:20] if _ATTR.match(ln))
    return (sections >= 1 and (sources >= 1 or attrs >= 1)) or sources >= 2


def read_asciidoc(text: str) -> tuple[str, list[str]] | None:
    """`text` as the Markdown it means, line for line, and the summary lines; None when it is no AsciiDoc."""
    if not is_asciidoc(text):
        return None
    lines = text.split("\n")
    attrs: dict[str, str] = {}
    out: list[str] = []
    notes: list[str] = []
    substituted: list[int] = []
    unknown: list[str] = []
    callouts: list[int] = []
    hidden: list[int] = []
    fences: list[str] = []  # the delimiters of the open blocks, innermost last (a listing inside an example block)
    pending_lang: str | None = None
    held: list[bool | None] = []  # ifdef/ifndef/ifeval: kept, left out, or not known here
    commented = False
    for n, line in enumerate(lines, 1):
        code = fences[-1] if fences and fences[-1][0] in "-." else None
        if code is not None:
            if line.strip() == code:
                out.append("```")
                fences.pop()
                continue
            body = line
            if code[0] == "-" and _CALLOUT.search(body) and re.search(r"<\d{1,2}>\s*$", body):
                body = _CALLOUT.sub("", body)
                callouts.append(n)
            if code[0] == "-":
                body = _substitute(body, attrs, n, substituted, unknown)
            out.append(body if False not in held else "")
            continue
        if re.fullmatch(r"/{4,}\s*", line):  # a comment block: the page never shows it, nobody runs it
            commented = not commented
            out.append("")
            continue
        cond = _CONDITION.match(line)
        if commented or cond or _END_CONDITION.match(line):
            out.append(_conditional(cond, attrs, held) if cond and not commented else "")
            if not commented and not cond:
                held and held.pop()
            continue
        if False in held:
            out.append("")
            continue
        m = _DELIM.match(line)
        if m:
            d = m.group("d")
            if fences and d == fences[-1]:
                fences.pop()
                out.append("")
                continue
            fences.append(d)
            if d[0] == "-":
                runs = None not in held  # a block under a condition golive cannot weigh is shown, never run
                out.append("```" + ((pending_lang or "") if runs else "output"))
                if not runs:
                    hidden.append(n)
            elif d[0] == ".":
                out.append("```text")
            else:
                out.append("")
            pending_lang = None
            continue
        attr = _ATTR.match(line)
        if attr and not attr.group("name").startswith("!"):
            attrs[attr.group("name").strip("!")] = attr.group("value")
            out.append("")
            continue
        block = _BLOCK_ATTRS.match(line)
        if block:
            parts = [p.strip() for p in block.group("body").split(",")]
            if parts[0] in ("source", "listing", ""):
                pending_lang = parts[1].lower() if len(parts) > 1 and "=" not in parts[1] else ""
            out.append("")
            continue
        pending_lang = None
        out.append(_line(line))
    notes.append("the document is AsciiDoc (`=` headings, `----` blocks): read as AsciiDoc, line for line")
    if substituted:
        notes.append(f"AsciiDoc attributes in the blocks at lines {_lines(substituted)}: the header's values"
                     f" ({', '.join(f'{{{k}}} = {v}' for k, v in attrs.items() if v)})")
    if unknown:
        notes.append(f"AsciiDoc attributes the document does not define ({', '.join(sorted(set(unknown)))}): "
                     "placeholders to fill in, never run with their braces")
    if hidden:
        notes.append(f"blocks at lines {_lines(hidden)} stand under an `ifdef`/`ifndef`/`ifeval` golive cannot"
                     " weigh: kept out of the steps, never run")
    if callouts:
        notes.append(f"callout markers (`# <1>`) at the ends of lines {_lines(callouts)}: removed (the site's"
                     " markers, not the command's; after a `\\` they would end the command there)")
    return "\n".join(out), notes


def _conditional(cond: re.Match[str], attrs: dict[str, str], held: list[bool | None]) -> str:
    """`ifdef::prod[]` opens a part shown only when the page sets `prod` (`ifndef` when it does not; `a,b` any of
    them, `a+b` all): kept or left out as the header's attributes say, as the site builds it. `ifeval` is not
    weighed here: what it holds is shown, never run. `ifdef::prod[text]` on one line is that text or nothing."""
    kind, names, inline = cond.group("kind"), cond.group("names") or "", cond.group("inline")
    if kind == "ifeval":
        held.append(None)  # `ifeval::[{env} == "prod"]`: its brackets hold the test, not text
        return ""
    parts = [p for p in re.split(r"[,+]", names) if p]
    have = all(p in attrs for p in parts) if "+" in names else any(p in attrs for p in parts)
    shown = have if kind == "ifdef" else not have
    if inline:
        return _line(inline) if shown else ""
    held.append(shown)
    return ""


def _lines(rows: list[int]) -> str:
    return ", ".join(str(r) for r in sorted(set(rows)))


def _substitute(body: str, attrs: dict[str, str], n: int, substituted: list[int], unknown: list[str]) -> str:
    """`{attr}` -> its value; an undefined one -> `<attr>` (a placeholder), unless it stands in single quotes (a jq
    or awk program's own braces: `'{print $1}'`, `'{name}'`)."""

    def repl(m: re.Match[str]) -> str:
        if body[:m.start()].count("'") % 2:
            return m.group(0)
        name = m.group("name")
        if name in attrs:
            substituted.append(n)
            return attrs[name]
        unknown.append("{" + name + "}")
        return f"<{name}>"

    return _REF.sub(repl, body)


def _line(line: str) -> str:
    """One line outside the blocks as Markdown."""
    head = _HEADING.match(line)
    if head:
        return "#" * len(head.group("marks")) + " " + head.group("text")
    if re.match(r"^//(?!/)", line) or line.strip() == "+" or re.match(r"^include::\S+\[.*\]\s*$", line):
        return "" if not line.startswith("include::") else f"(included from another page: {line[9:].strip()})"
    if re.match(r"^\.[A-Za-z0-9]", line):
        return line[1:]  # a block title: a line of text before its block
    callout = _CALLOUT_TEXT.match(line)
    if callout:
        return f"({callout.group('n')}) {callout.group('text')}"
    item = _LIST.match(line)
    if item:
        marks = item.group("marks")
        return "  " * (len(marks) - 1) + ("- " if marks[0] == "*" else "1. ") + item.group("text")
    labelled = _LABELLED.match(line)
    if labelled and not re.match(r"^[A-Z]+:", line) and "://" not in line.split("::")[0]:
        return f"- **{labelled.group('term').strip()}:** {labelled.group('text')}"
    return line
