"""The database the document's own commands name: `psql "$FACTURACION_DB"`, `pg_dump ... "$FACTURACION_DB"`,
`pg_restore --dbname="$FACTURACION_DB"`. An ```sql block of that document runs there, never on a `${DATABASE_URL}`
the document does not name (the run would need a variable nobody sets, or reach another database)."""

from __future__ import annotations

import re

from golive.plan.md_blocks import Block

_CLIENT = re.compile(r"(?:^|[\s;&|(])(?:sudo\s+(?:-u\s+\S+\s+)?)?(psql|pg_dump|pg_restore)\s+([^\n;&|]*)")
_VAR_WORD = re.compile(r"""^["']?\$\{?([A-Za-z_]\w*)\}?["']?$""")
#: psql / pg_dump / pg_restore options that take the next word as their value (not the database).
_VALUED = {"-h", "--host", "-U", "--username", "-p", "--port", "-f", "--file", "-F", "--format", "-v", "--set",
           "--variable", "-o", "--output", "-t", "--table", "-n", "--schema", "-T", "-N", "-j", "--jobs", "-L",
           "-c", "--command", "-P", "--pset", "-W", "-S", "--superuser", "-I", "--index", "-E", "--encoding",
           "--role", "-Z", "--compress", "-e", "--extension"}


def _database_words(args: list[str]) -> list[str]:
    """The words naming the database: `--dbname=X`, `-d X`, or a positional word (not an option's value)."""
    out: list[str] = []
    skip = False
    for n, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a.startswith("--dbname="):
            out.append(a.split("=", 1)[1])
        elif a in ("-d", "--dbname") and n + 1 < len(args):
            out.append(args[n + 1])
            skip = True
        elif a in _VALUED:
            skip = True
        elif not a.startswith("-") and not a.startswith("<"):
            out.append(a)
    return out


def document_database_var(blocks: list[Block]) -> str | None:
    """The one variable the document's psql/pg_dump/pg_restore commands name as their database; None when they name
    none, several, or DATABASE_URL itself."""
    text = "\n".join(b.text.replace("\\\n", " ") for b in blocks if b.kind == "fence")
    names: set[str] = set()
    for m in _CLIENT.finditer(text):
        for w in _database_words(m.group(2).split()):
            v = _VAR_WORD.match(w)
            if v is not None:
                names.add(v.group(1))
    if len(names) != 1:
        return None
    name = names.pop()
    return None if name == "DATABASE_URL" else name
