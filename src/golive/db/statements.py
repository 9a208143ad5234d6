"""The statements of an SQL text, as the `sql` step runs them and the importer reads them.

`split` is sqlparse's split (never a line end) with one repair: sqlparse takes `BEGIN ISOLATION LEVEL ...;` /
`BEGIN READ WRITE;` for the start of a procedural BEGIN ... END block and swallows the rest of the text into it,
so a transaction opener with options is cut off first. Comment-only pieces are not statements.
"""

from __future__ import annotations

import re
from typing import Literal

from msgspec import Struct

#: `BEGIN`/`START TRANSACTION` with only transaction modes after it (PostgreSQL, SQLite, MySQL), then `;`.
_OPENER_TEXT = (r"(?is)\A(?:\s|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*(?:BEGIN|START\s+TRANSACTION)"
                r"(?:\s+(?:WORK|TRANSACTION|ISOLATION|LEVEL|SERIALIZABLE|REPEATABLE|READ|COMMITTED|UNCOMMITTED"
                r"|WRITE|ONLY|NOT|DEFERRABLE|DEFERRED|IMMEDIATE|EXCLUSIVE)\b|\s*,)*\s*")
_OPENER = re.compile(_OPENER_TEXT + ";")
_IS_OPENER = re.compile(_OPENER_TEXT + r"(?:;\s*)?\Z")
_COMMENT_LINE = re.compile(r"^\s*--")
_WORDS = re.compile(r"[A-Za-z_]+")

#: PostgreSQL refuses these inside a transaction block (and so inside a query of several statements, which the
#: sql step runs as one transaction); SQLite refuses VACUUM in one.
_NO_TRANSACTION = re.compile(r"(?is)\bCONCURRENTLY\b|^VACUUM\b|^(CREATE|DROP)\s+DATABASE\b|^ALTER\s+SYSTEM\b"
                             r"|^(CREATE|DROP)\s+TABLESPACE\b")

Control = Literal["begin", "commit", "rollback"]


class Statement(Struct, frozen=True):
    #: The statement as written, with the comments sqlparse attaches before it, stripped.
    text: str
    #: Offset of `text` in the whole text, and its 0-based line there.
    offset: int
    line: int

    @property
    def body(self) -> str:
        """The statement without its leading comment lines."""
        return strip_comments(self.text)

    @property
    def body_line(self) -> int:
        """The 0-based line of the statement's own SQL (after its leading comments) in the whole text."""
        body = self.body
        return self.line + self.text[: self.text.find(body)].count("\n") if body else self.line


def strip_comments(text: str) -> str:
    """Leading `--` comment lines and blank lines removed (a statement's own SQL)."""
    lines = text.split("\n")
    while lines and (not lines[0].strip() or _COMMENT_LINE.match(lines[0])):
        lines.pop(0)
    return "\n".join(lines).strip()


def _pieces(text: str) -> list[str]:
    import sqlparse

    out: list[str] = []
    for raw in sqlparse.split(text, strip_semicolon=False):
        m = _OPENER.match(raw)
        if m is not None and raw[m.end():].strip():
            out.append(raw[: m.end()])
            out += _pieces(raw[m.end():])
        else:
            out.append(raw)
    return out


def has_sql(piece: str) -> bool:
    """Anything but comments, blanks and `;`."""
    import sqlparse
    from sqlparse import tokens as T

    return any(tok.ttype not in T.Comment and tok.ttype not in T.Whitespace and not tok.match(T.Punctuation, ";")
               for st in sqlparse.parse(piece) for tok in st.flatten())  # type: ignore[no-untyped-call]


def split(text: str, comments: bool = False) -> list[Statement]:
    """Every statement of `text`, in order, as written; comment-only pieces left out, or kept with `comments`
    (their `body` is empty)."""
    out: list[Statement] = []
    pos = 0
    for raw in _pieces(text):
        piece = raw.strip()
        if not piece:
            continue
        at = text.find(piece, pos)
        if at < 0:
            at = pos
        pos = at + len(piece)
        if comments or has_sql(piece):
            out.append(Statement(piece, at, text.count("\n", 0, at)))
    return out


def several(text: str) -> bool:
    """More than one statement (cheap when the text has no `;` before its end)."""
    return ";" in text.strip().rstrip(";") and len(split(text)) > 1


def control(statement: str) -> Control | None:
    """`begin`, `commit` or `rollback` for a statement that opens or ends a transaction (BEGIN, START TRANSACTION,
    COMMIT, END, ROLLBACK, ABORT); None for anything else, SAVEPOINT and ROLLBACK TO SAVEPOINT included."""
    words = [w.upper() for w in _WORDS.findall(strip_comments(statement).split(";", 1)[0])[:3]]
    if not words:
        return None
    if _IS_OPENER.match(strip_comments(statement)):
        return "begin"
    if words[0] in ("COMMIT", "END") and "PREPARED" not in words:
        return "commit"
    if words[0] in ("ROLLBACK", "ABORT") and "TO" not in words and "PREPARED" not in words:
        return "rollback"
    return None


def outside_transaction(statement: str) -> bool:
    """A statement PostgreSQL refuses inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, CREATE
    DATABASE, ALTER SYSTEM, CREATE TABLESPACE)."""
    body = "\n".join(ln for ln in statement.splitlines() if not _COMMENT_LINE.match(ln)).strip()
    return bool(_NO_TRANSACTION.search(body))
