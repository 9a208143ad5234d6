"""Would this shell step even start? The bash parse of its script and `command -v` of every program it runs,
checked before the night (`golive run --dry-run`, `golive lint`) instead of failing with 127 at 2 AM."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping

from golive.plan.md_shell import parse, simple_commands, syntax_errors

_DEFINES = re.compile(r"(?m)^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\s*\)")


def parse_problems(command: str) -> list[str]:
    """The bash grammar's verdict (tree-sitter-bash) confirmed by `bash -n` (bash's own parser)."""
    if not syntax_errors(command):
        return []
    res = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True, timeout=10, check=False)
    if res.returncode == 0:
        return []
    first = (res.stderr.strip().splitlines() or ["syntax error"])[0]
    return [f"does not parse as bash: {first.removeprefix('bash: -c: ')}"]


def programs(command: str) -> list[str]:
    """Each program a script runs (wrappers like sudo removed), in order, without repeats."""
    seen: list[str] = []
    for argv in simple_commands(parse(command)):
        prog = argv[0]
        if "$" in prog or "`" in prog or prog in seen or re.fullmatch(r"[A-Za-z_]\w*=.*", prog):
            continue
        seen.append(prog)
    return seen


def missing_programs(command: str, env: Mapping[str, str]) -> list[str]:
    """Programs neither bash nor PATH knows (`command -v`), minus the functions the script defines itself."""
    defined = set(_DEFINES.findall(command))
    progs = [p for p in programs(command) if p not in defined]
    if not progs:
        return []
    script = "for p in \"$@\"; do command -v -- \"$p\" >/dev/null 2>&1 || printf '%s\\n' \"$p\"; done"
    res = subprocess.run(["bash", "-c", script, "check", *progs], capture_output=True, text=True,
                         env=dict(env), timeout=10, check=False)
    return [ln for ln in res.stdout.splitlines() if ln]


#: Interpreters whose scripts bash's grammar reads (a `shell: pwsh` script is PowerShell's, not bash's).
BASH_LIKE = frozenset({"bash", "sh", "dash", "ksh", "zsh"})


def bash_like(shell: str) -> bool:
    return shell.rsplit("/", 1)[-1] in BASH_LIKE


def shell_problems(command: str, env: Mapping[str, str], shell: str = "/bin/bash") -> list[str]:
    if not bash_like(shell):
        # not bash's to parse: only whether the interpreter itself is there
        return [] if shutil.which(shell, path=env.get("PATH")) else [
            f"`{shell}` is not a command here (the interpreter this step runs under)"]
    problems = parse_problems(command)
    if problems:
        return problems
    return [f"`{p}` is not a command here (command -v finds nothing)" for p in missing_programs(command, env)]


#: Statements of PostgreSQL and SQLite that sqlparse types UNKNOWN (it names only DML, DDL and a few more).
_UNTYPED_STATEMENTS = frozenset({
    "ANALYZE", "VACUUM", "REINDEX", "CLUSTER", "COMMENT", "REFRESH", "SET", "RESET", "LOCK", "NOTIFY", "LISTEN",
    "UNLISTEN", "DO", "CALL", "EXPLAIN", "SAVEPOINT", "RELEASE", "GRANT", "REVOKE", "COPY", "PRAGMA", "DISCARD",
    "CHECKPOINT", "SECURITY", "REASSIGN", "PREPARE", "EXECUTE", "DEALLOCATE", "SHOW", "VALUES", "TABLE", "IMPORT",
})


def sql_problems(query: str) -> list[str]:
    """sqlparse's reading of one step's query: each statement complete and of a known kind. Several statements
    are one transaction (the sql step runs them so), each named by its number."""
    from golive.db.statements import split

    found = split(query)
    if not found:
        return ["no SQL statement"]
    problems: list[str] = []
    for i, st in enumerate(found, 1):
        said = _statement_problems(st.text)
        problems += [f"statement {i} of {len(found)}: {p}" for p in said] if len(found) > 1 else said
    return problems


def _statement_problems(text: str) -> list[str]:
    import sqlparse
    from sqlparse import tokens as T

    statements = [s for s in sqlparse.parse(text) if str(s).strip() and str(s).strip() != ";"]
    if len(statements) != 1:
        return [f"{len(statements)} statements where one was read (sqlparse disagrees with itself)"]
    st = statements[0]
    flat = list(st.flatten())  # type: ignore[no-untyped-call]
    if any(tok.ttype in T.Error for tok in flat):
        return ["does not parse as SQL (an unterminated string or a stray character)"]
    depth = 0
    for tok in flat:
        if tok.match(T.Punctuation, "("):
            depth += 1
        elif tok.match(T.Punctuation, ")"):
            depth -= 1
    if depth:
        return ["does not parse as SQL (unbalanced parentheses)"]
    if st.get_type() == "UNKNOWN":  # type: ignore[no-untyped-call]
        first = st.token_first(skip_cm=True)  # type: ignore[no-untyped-call]
        word = (str(first).split() or [""])[0]
        if word.upper() not in _UNTYPED_STATEMENTS:
            return [f"does not parse as SQL (`{word}` does not start a statement)"]
    return []
