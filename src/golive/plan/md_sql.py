"""SQL read from a runbook, cut only where a SQL tokenizer (sqlparse, through golive.db.statements) ends a
statement, never at a line end: `DELETE FROM sessions` / `WHERE ...;` is one statement, and an explicit
transaction stays one step, so nothing the document wrote runs with less (or more) than it meant."""

from __future__ import annotations

import re
from typing import Any

from golive.db.statements import Statement, control, has_sql, split
from golive.db.statements import outside_transaction as _outside_transaction
from golive.plan.md_shell import parse, syntax_errors
from golive.plan.md_step import Command, CommandBlock

SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE)\s")


def carve_sql(text: str) -> tuple[str, dict[int, str]]:
    """SQL lines written straight into a shell block (`SELECT COUNT(*) FROM t`) do not parse as bash: each
    statement is replaced by a `: golive-sql` placeholder line (same line count) and kept for an sql step.
    Only where the bash parse fails, and never inside a heredoc or a quoted string."""
    if not syntax_errors(text):
        return text, {}
    protected: set[int] = set()

    def walk(n: Any) -> None:
        if n.type in ("heredoc_body", "string", "raw_string") and n.end_point[0] > n.start_point[0]:
            protected.update(range(n.start_point[0], n.end_point[0] + 1))
        for c in n.children:
            walk(c)

    walk(parse(text))
    lines = text.split("\n")
    carved: dict[int, str] = {}
    row = 0
    while row < len(lines):
        if row not in protected and SQL_START.match(lines[row]) and (row == 0 or not lines[row - 1].rstrip()
                                                                     .endswith("\\")):
            start = row
            while True:
                carved[row] = lines[row]
                lines[row] = ": golive-sql" if row == start else ""
                if (lines[row - 0] is not None and carved[row].rstrip().endswith(";")) or row + 1 >= len(lines) \
                        or not lines[row + 1].strip() or lines[row + 1].lstrip().startswith("#"):
                    break
                row += 1
        row += 1
    return "\n".join(lines), carved


def _names(statement: Statement) -> list[str]:
    """The `--` comment lines before a statement: its name."""
    names: list[str] = []
    for ln in statement.text.split("\n"):
        if ln.strip() and not ln.strip().startswith("--"):
            break
        c = ln.strip().lstrip("-").strip()
        if c:
            names.append(c)
    return names


def sql_statements(text: str, first_line: int) -> CommandBlock:
    """One step per statement as sqlparse splits them (never at a line end); `--` comments name them. An
    explicit transaction (BEGIN ... COMMIT) is ONE step holding the statements between: the sql step runs a
    query of several statements as one transaction, committed only when all succeed, as the document meant.
    A transaction ending in ROLLBACK (a rehearsal), or left open, commits nothing: a person runs it (manual)."""
    block = CommandBlock()
    found = split(text, comments=True)
    i = 0
    while i < len(found):
        st = found[i]
        names = _names(st)
        line = first_line + st.body_line
        if not st.body or not has_sql(st.body):
            for c in names:
                block.commands.append(Command("manual", {"instruction": c}, line,
                                              note="a comment with no statement after it"))
            i += 1
            continue
        kind = control(st.text)
        if kind == "begin":
            end = next((j for j in range(i + 1, len(found)) if control(found[j].text) is not None), None)
            closing: str | None = control(found[end].text) if end is not None else None
            if end is None or closing == "begin":  # left open (or opened again): everything to the block's end
                end, closing = len(found) - 1, (None if closing is None else "reopened")
            inner = [s for s in found[i + 1: end + (closing in (None, "reopened"))] if s.body and has_sql(s.body)]
            stop = found[end]
            whole = text[st.offset + st.text.find(st.body): stop.offset + len(stop.text)]
            block.commands.append(_transaction(text, whole, inner, closing, line, "; ".join(names) or None))
            i = end + 1
            continue
        if kind is not None:
            block.commands.append(Command("manual", {"instruction": f"Run on the database: {st.body}"}, line,
                                          "; ".join(names) or None,
                                          note=f"`{st.body}` with no BEGIN before it in this block ends a"
                                               " transaction opened elsewhere: a person runs it"))
            i += 1
            continue
        block.commands.append(Command("sql", {"query": st.body}, line, "; ".join(names) or None))
        i += 1
    return block


def _transaction(text: str, whole: str, inner: list[Statement], closing: str | None, line: int,
                 name: str | None) -> Command:
    """BEGIN ... COMMIT: one sql step of the statements between (the step is the transaction). Anything that
    would not commit as written, or could not run in a transaction, is a person's (manual, the whole text)."""
    if closing == "commit" and inner and not any(_outside_transaction(s.text) for s in inner):
        query = text[inner[0].offset + inner[0].text.find(inner[0].body): inner[-1].offset + len(inner[-1].text)]
        count = f"{len(inner)} statement" + ("s" if len(inner) > 1 else "")
        return Command("sql", {"query": query}, line, name,
                       note=f"BEGIN ... COMMIT ({count}) stays one transaction: the sql step commits them only"
                            " when every one succeeds")
    if closing == "commit" and inner:
        bad = next(s for s in inner if _outside_transaction(s.text))
        why = (f"the transaction holds `{' '.join(bad.body.split())[:60]}`, which PostgreSQL refuses inside a"
               " transaction block: as written the block fails there and commits nothing, so a person decides")
    elif closing == "commit":
        why = "an empty transaction (nothing between BEGIN and COMMIT): nothing to run"
    elif closing == "reopened":
        why = "the block opens a transaction inside a transaction: a person runs it and checks what it commits"
    elif closing == "rollback":
        why = ("the transaction ends in ROLLBACK (a rehearsal: it changes nothing): a person runs it and reads"
               " the result")
    else:
        why = ("the transaction is not committed in this block (psql would roll it back at the end): a person"
               " runs it and decides whether to COMMIT")
    ask = ("Decide how to run this on the database (as written, PostgreSQL refuses it):" if closing == "commit"
           and inner else "Run on the database, as one transaction, and check the result:")
    return Command("manual", {"instruction": f"{ask}\n{whole.strip()}"}, line, name, note=why)


def outside_transaction(query: str) -> bool:
    """PostgreSQL refuses these inside a transaction block (the `sql` step runs one): psql runs them as written."""
    return any(_outside_transaction(s.text) for s in split(query))


def psql_command(query: str, database_var: str = "DATABASE_URL") -> str:
    """The statement through psql, exactly as `psql -f` would run it (autocommit), stopping on an error."""
    return f"psql \"${database_var}\" -v ON_ERROR_STOP=1 -q <<'SQL'\n{query.strip()}\nSQL"
