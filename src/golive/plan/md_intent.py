"""golive's own steps for commands whose intent is plain: a database dump is a verified `backup`, its
restore a `restore` of the run's backup, a migration tool's upgrade a `migrate` with its downgrade as undo.

Each function gets the argv of ONE simple command (as written, wrappers like `sudo` removed) and returns
the step spec, or None when the command is anything else (then it stays a shell step, as written).
"""

from __future__ import annotations

import re
from typing import Any

_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def _braced(word: str) -> str:
    """`$DB_HOST` -> `${DB_HOST}` (plan interpolation syntax); quotes around a word removed."""
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        word = word[1:-1]
    return _VAR.sub(lambda m: "${" + m.group(1) + "}", word)


def _literal_path(word: str) -> str | None:
    word = _braced(word)
    return word if re.fullmatch(r"[\w./~-]+", word) else None


def _pg_options(args: list[str]) -> tuple[dict[str, str], list[str]]:
    opts: dict[str, str] = {}
    rest: list[str] = []
    names = {"-h": "host", "--host": "host", "-U": "user", "--username": "user", "-p": "port", "--port": "port",
             "-d": "dbname", "--dbname": "dbname", "-f": "file", "--file": "file", "-F": "format",
             "--format": "format", "-t": "table", "-n": "schema", "-j": "jobs", "--table": "table",
             "--schema": "schema", "-T": "table", "--exclude-table": "table", "-N": "schema",
             "--exclude-schema": "schema", "--table-and-children": "table", "--exclude-table-data": "table",
             "-L": "list", "--use-list": "list", "-I": "index", "--index": "index", "-P": "function",
             "--function": "function", "-e": "extension", "--extension": "extension"}
    it = iter(range(len(args)))
    i = 0
    while i < len(args):
        a = args[i]
        if a in names and i + 1 < len(args):
            opts[names[a]] = args[i + 1]
            i += 2
            continue
        m = re.fullmatch(r"(--[a-z][a-z-]*)=(.*)", a)
        if m and m.group(1) in names:
            opts[names[m.group(1)]] = m.group(2)
        elif re.fullmatch(r"-([hUpdfFtnTN])(.+)", a):
            opts[names["-" + a[1]]] = a[2:]
        elif a.startswith("-"):
            opts.setdefault("flags", "")
            opts["flags"] += a
        else:
            rest.append(a)
        i += 1
    del it
    return opts, rest


#: Options of pg_dump / pg_restore that make it touch part of a database (some tables, a schema, data only): never
#: golive's whole-database backup or restore. `pg_dump --table=a --table=b` made a backup step of the whole database,
#: and its restore then replaced every table.
_PARTIAL = ("table", "schema", "list", "index", "function", "extension")
_PARTIAL_FLAGS = re.compile(r"^(?:-a|-s|--data-only|--schema-only|--section=.*|--section)$")


def partial(opts: dict[str, str], args: list[str]) -> bool:
    """The pg_dump / pg_restore command touches only part of the database."""
    return any(k in opts for k in _PARTIAL) or any(_PARTIAL_FLAGS.match(a) for a in args)


def pg_url(opts: dict[str, str], positional: list[str]) -> str | None:
    db = opts.get("dbname") or (positional[0] if positional else None)
    if db is None:
        return None
    db = _braced(db)
    if db.startswith(("postgres://", "postgresql://")) or re.fullmatch(r"\$\{\w+\}", db):
        return db
    user = _braced(opts["user"]) + "@" if "user" in opts else ""
    host = _braced(opts.get("host", ""))
    port = ":" + _braced(opts["port"]) if "port" in opts else ""
    return f"postgresql://{user}{host}{port}/{db}"


def backup_of(argv: list[str], redirect: str | None) -> dict[str, Any] | None:
    """pg_dump / sqlite3 .backup -> a verified `backup` spec (mysqldump: golive's backup has no MySQL)."""
    prog = argv[0].rsplit("/", 1)[-1] if argv else ""
    if prog == "pg_dump":
        opts, rest = _pg_options(argv[1:])
        if partial(opts, argv[1:]):
            return None  # a partial dump is not the run's backup
        url = pg_url(opts, rest)
        if url is None:
            return None
        spec: dict[str, Any] = {"database": url, "verify": True}
        out = opts.get("file") or redirect
        if out and opts.get("format", "p") in ("c", "custom"):
            # the document's own restore reads this file later: golive's dump (also -Fc) goes where it said,
            # or, where the path is the shell's to work out ($VARS, ~), the document's command stays
            where = out.strip("'\"")
            if re.search(r"[$`~*?]", where):
                return None
            spec["file"] = where
        return spec
    if prog == "sqlite3" and len(argv) == 3:
        m = re.fullmatch(r"""["']?\.backup\s+(?:main\s+)?(\S+?)["']?""", argv[2])
        path = _literal_path(argv[1])
        if m and path:
            spec = {"database": f"sqlite:///{path.lstrip('/')}" if path.startswith("/") else f"sqlite:///{path}",
                    "verify": True}
            if path.startswith("/"):
                spec["database"] = f"sqlite:////{path.lstrip('/')}"
            return spec
    return None


def restore_of(argv: list[str], stdin: str | None) -> dict[str, Any] | None:
    """`psql DB < dump.sql`, `pg_restore -d DB dump` -> a `restore` of this run's backup of DB."""
    prog = argv[0].rsplit("/", 1)[-1] if argv else ""
    if prog == "psql" and stdin is not None and not any(a in ("-c", "--command") for a in argv):
        opts, rest = _pg_options(argv[1:])
        url = pg_url(opts, rest)
        return {"database": url} if url else None
    if prog == "pg_restore":
        opts, rest = _pg_options(argv[1:])
        if "dbname" not in opts or partial(opts, argv[1:]):
            return None
        url = pg_url(opts, [])
        return {"database": url} if url else None
    if prog == "sqlite3" and len(argv) == 3 and re.match(r"""["']?\.restore\s""", argv[2]):
        path = _literal_path(argv[1])
        if path:
            return {"database": f"sqlite:///{path}" if not path.startswith("/") else f"sqlite:////{path[1:]}"}
    return None


def migrate_of(argv: list[str], statement: str) -> tuple[dict[str, Any] | None, str | None]:
    """(migrate spec, why not) for a migration tool's upgrade command; `statement` is its text as written."""
    words = argv
    m = re.match(r"^((?:[A-Za-z_]\w*=\S+\s+)+)", statement)
    env_prefix = m.group(1) if m else ""
    up = statement.strip()
    target = '"$GOLIVE_MIGRATE_TARGET"'
    for i, w in enumerate(words[:7]):
        # the tool may be run through another: `docker compose exec app alembic upgrade head`, `poetry run ...`
        runner = env_prefix + "".join(f"{x} " for x in words[:i])
        if w == "flask" and words[i + 1:i + 3] == ["db", "upgrade"]:
            return {"up": up, "down": f"{runner}flask db downgrade {target}",
                    "revision": f"{runner}flask db current"}, None
        if w == "alembic" and "upgrade" in words[i + 1:]:
            pre = " ".join(words[i + 1:words.index("upgrade", i + 1)])
            head = f"{runner}alembic {pre + ' ' if pre else ''}"
            return {"up": up, "down": f"{head}downgrade {target}", "revision": f"{head}current"}, None
    for i, w in enumerate(words):
        if w in ("rails", "rake", "bin/rails", "./bin/rails") and words[i + 1:i + 2] == ["db:migrate"]:
            runner = env_prefix + " ".join(words[:i + 1])
            return {"up": up, "down": f"{runner} db:migrate VERSION={target}", "revision": f"{runner} db:version",
                    "revision_pattern": r"version:\s*(\d+)"}, None
    if words[:4] == ["dotnet", "ef", "database", "update"]:
        opts = [w for w in words[4:] if w.startswith("-") or (words[words.index(w) - 1].startswith("--"))]
        if len(opts) != len(words[4:]):
            return None, "`dotnet ef database update` to a named migration: kept as written"
        o = " ".join(opts)
        return {"up": up, "down": f"{env_prefix}dotnet ef database update {target} {o}".rstrip(),
                "revision": f"{env_prefix}dotnet ef migrations list {o} --no-build | grep -v Pending | tail -1"
                .replace("  ", " ")}, None
    if "prisma" in words and "migrate" in words and "deploy" in words:
        return None, "Prisma has no down migration: kept as a shell step; the rollback levels must undo it"
    return None, None
