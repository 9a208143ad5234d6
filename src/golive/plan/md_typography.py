"""Word's typography in a shell block: the author typed straight quotes, plain spaces and `--`; Word (or a wiki
pasted from it) turned them into curly quotes, non-breaking spaces and dashes. Bash would see other words
(`--resource-group\u00a0rg` is one unknown option, `“Mode=live”` a value with quotes in it), so the block is
given back what the author typed, and the import summary says so for the block."""

from __future__ import annotations

import re

#: No-break space, narrow no-break space, figure space, thin/hair spaces: a plain space to the author.
_SPACES = re.compile("[\u00a0\u202f\u2007\u2009\u200a]")
#: “…” and ‘…’ around a word or argument (never an apostrophe inside a word: `don’t` stays).
_DOUBLE = re.compile("(?<![\\w])\u201c([^\u201c\u201d\n]*)\u201d(?![\\w])")
_SINGLE = re.compile("(?<![\\w])\u2018([^\u2018\u2019\n]*)\u2019(?![\\w])")
#: An en or em dash where an option starts: `–-name`, `—name`, `–n` after a blank.
_DASH = re.compile("(?<=[\\s])[\u2013\u2014](?=-?[A-Za-z])")


def _option_dash(m: re.Match[str]) -> str:
    """`–-name` -> `--name`; `—name`, `–name` -> `--name` (a long option); `–n` -> `-n`."""
    rest = m.string[m.end():m.end() + 2]
    return "-" if rest.startswith("-") or not re.fullmatch(r"[A-Za-z]{2}", rest) else "--"


def plain_typed(text: str) -> tuple[str, list[str]]:
    """The block as the author typed it, and what was given back (for the summary); unchanged when none."""
    fixed: list[str] = []
    out = _SPACES.sub(" ", text)
    if out != text:
        fixed.append("non-breaking spaces -> spaces")
    quoted = _SINGLE.sub(r"'\1'", _DOUBLE.sub(r'"\1"', out))
    if quoted != out:
        fixed.append("curly quotes -> straight quotes")
    dashed = _DASH.sub(_option_dash, quoted)
    if dashed != quoted:
        fixed.append("dashes before options -> '-'")
    return dashed, fixed
