"""A runbook that is a Jupyter notebook exported to Markdown (`jupyter nbconvert --to markdown`): every cell is a
```python fence, whatever it holds, and each cell's output follows it as a block indented four spaces.

Read as written, every cell would be Python (text: nothing runs) and the outputs would be code blocks. The text is
rewritten, line for line (every line keeps its number), before the importer reads it as any Markdown runbook:

- a `%%bash` / `%%sh` cell is a bash script: a ```bash fence, the magic line left blank (bash would run `%%bash`);
- a `%%sql` cell is SQL: a ```sql fence, the magic line (and its connection) left blank;
- a cell of `!` lines is shell: a ```bash fence without the `!`s, unless a line uses the kernel's values (IPython
  puts `{done}` and a Python variable's `$VERSION` in before the shell sees it): then the cell is a person's, run in
  the notebook, never bash with the literal braces;
- a Python cell (and any cell mixing Python with `!` lines) is a person's: run in the notebook's kernel, where the
  cells share their variables; never bash, never cut;
- an output (the indented block under a cell) is text: a ```text fence, never run.
"""

from __future__ import annotations

import re

from golive.plan.importer.plain_text import indented_blocks

_PY_FENCE = re.compile(r"^(?P<indent>\s{0,3})```\s*(?:python3?|py|ipython3?)\s*$")
_CELL_MAGIC = re.compile(r"^\s*%%(?P<magic>\w+)(?P<args>.*)$")
_BASH_MAGICS = frozenset({"bash", "sh", "script"})
#: IPython's interpolation in a `!` line: `{expr}`, or `$name` naming a Python variable of the notebook.
#: A `!` line that only changes its own shell's state (`!cd /srv/x`, `!export X=1`, `!X=1`): lost at the line's end.
_SETS_STATE = re.compile(r"(?:cd|pushd|popd|export|source|set|umask|\.)(?:\s|$)|[A-Za-z_]\w*=")
_BRACES = re.compile(r"(?<![$\\{])\{[^{}\s][^{}]*\}(?!\})")


def is_notebook(text: str) -> bool:
    """Python fences, at least one of which is an IPython cell (`%%bash`, `%%sql`, `!cmd`, `%magic`)."""
    cells = _cells(text.split("\n"))
    magic = sum(1 for _s, _e, body in cells
                if any(re.match(r"^\s*(?:%%?\w|!\S)", ln) for ln in body if ln.strip()))
    return len(cells) >= 2 and magic >= 1


def _cells(lines: list[str]) -> list[tuple[int, int, list[str]]]:
    """(opening, closing, body lines) of every ```python fence."""
    out: list[tuple[int, int, list[str]]] = []
    i = 0
    while i < len(lines):
        if _PY_FENCE.match(lines[i]):
            j = next((k for k in range(i + 1, len(lines)) if lines[k].strip().startswith("```")), len(lines))
            out.append((i, j, lines[i + 1:j]))
            i = j + 1
            continue
        i += 1
    return out


def read_notebook(text: str) -> tuple[str, list[str], dict[int, str]] | None:
    """`text` as the Markdown it means, the summary lines, and the cells a person runs (opening line -> why);
    None when it is no notebook."""
    if not is_notebook(text):
        return None
    lines = text.split("\n")
    out = list(lines)
    person: dict[int, str] = {}
    cells = _cells(lines)
    python_vars = {m.group(1) for _s, _e, body in cells for ln in body
                   if (m := re.match(r"^([A-Za-z_]\w*)\s*(?:,\s*\w+\s*)*=(?!=)", ln))}
    kinds: dict[str, list[int]] = {"bash": [], "sql": [], "shell escape": [], "python": [], "kernel values": [],
                               "state per line": []}
    for start, _end, body in cells:
        lead = next((k for k, ln in enumerate(body) if ln.strip()), None)
        if lead is None:
            continue
        indent = _PY_FENCE.match(lines[start]).group("indent")  # type: ignore[union-attr]
        magic = _CELL_MAGIC.match(body[lead])
        if magic and (magic.group("magic") in _BASH_MAGICS and (magic.group("magic") != "script" or re.match(
                r"\s+(?:ba)?sh\b", magic.group("args")))):
            out[start], out[start + 1 + lead] = indent + "```bash", ""
            kinds["bash"].append(start + 1)
            continue
        if magic and magic.group("magic") == "sql":
            out[start], out[start + 1 + lead] = indent + "```sql", ""
            kinds["sql"].append(start + 1)
            continue
        code = [ln for ln in body if ln.strip() and not ln.strip().startswith("#")]
        if code and all(ln.lstrip().startswith("!") for ln in code):
            uses = [ln for ln in code if _BRACES.search(ln) or any(
                v in python_vars for v in re.findall(r"\$\{?([A-Za-z_]\w*)", ln))]
            if uses:
                person[start + 1] = ("Run this cell in the notebook (IPython puts the kernel's values into"
                                     " `{...}` / `$name` before the shell sees them)")
                kinds["kernel values"].append(start + 1)
                continue
            if len(code) > 1 and any(_SETS_STATE.match(ln.lstrip()[1:].lstrip()) for ln in code[:-1]):
                # each `!` line is a shell of its own: `!cd /srv/x` never reaches the next line, one script would
                person[start + 1] = ("Run this cell in the notebook: each `!` line runs in a shell of its own (a"
                                     " `cd` or variable on one line does not reach the next)")
                kinds["state per line"].append(start + 1)
                continue
            out[start] = indent + "```bash"
            for k, ln in enumerate(body):
                if ln.lstrip().startswith("!"):
                    out[start + 1 + k] = re.sub(r"^(\s*)!!?", r"\1", ln)
            kinds["shell escape"].append(start + 1)
            continue
        person[start + 1] = "Run this Python cell in the notebook's kernel (the cells share its variables)"
        kinds["python"].append(start + 1)
    outputs = indented_blocks(lines, out, tag="text")
    what = [f"{name} cell{'s' if len(rows) != 1 else ''} at line{'s' if len(rows) != 1 else ''} "
            f"{', '.join(str(r) for r in rows)}" for name, rows in kinds.items() if rows]
    notes = ["the document is a Jupyter notebook exported to Markdown: `%%bash` cells are bash, `%%sql` cells SQL,"
             " `!` lines shell without the `!`; Python cells and cells using the kernel's values are a person's (run"
             " in the notebook); " + "; ".join(what)
             + (f"; {outputs} output block{'s' if outputs != 1 else ''} (indented) text, never run" if outputs
                else "")]
    return "\n".join(out), notes, person
