"""Turn the text of a fenced code block into step specs: one per command, comments as names.

Shell steps run in separate processes, so a standalone `export NAME=value` becomes `env` of the
commands after it in the same block instead of a step that would change nothing.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL"
                         r"|DSN\b)")
_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_WORD = re.compile(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b")
_EXPORT = re.compile(r"^export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_SQL_START = re.compile(r"^(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE)\s", re.I)
_URL_ONLY = re.compile(r"^https?://\S+$")
SHELL_LANGS = frozenset({"", "bash", "sh", "shell", "console", "zsh", "shell-session", "powershell", "ps1"})
SQL_LANGS = frozenset({"sql", "postgresql", "postgres", "psql", "mysql", "plpgsql", "pgsql", "tsql"})


@dataclass
class Command:
    """One step-to-be: kind is shell, sql, http or manual; spec is the YAML value of that kind."""

    kind: str
    spec: Any
    line: int
    name: str | None = None
    note: str | None = None


@dataclass
class CommandBlock:
    commands: list[Command] = field(default_factory=list)
    #: Env var names the commands mention (for `vars`), and those they reference with `$`.
    words: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


def secret_like(name: str) -> bool:
    return bool(SECRET_NAME.search(name.upper())) and name.upper() == name


def _env_value(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return _REF.sub(lambda m: "${" + m.group(1) + "}", value)


def curl_to_http(command: str) -> dict[str, Any] | None:
    """An `http` spec for a plain `curl` call, or None when it is more than one request (pipes, $(...))."""
    if re.search(r"[|;&<>`]|\$\(", command):
        return None
    try:
        argv = shlex.split(command)
    except ValueError:
        return None
    if not argv or argv[0] != "curl":
        return None
    method: str | None = None
    headers: dict[str, str] = {}
    data: str | None = None
    url: str | None = None
    timeout: float | None = None
    verify = True
    args = iter(argv[1:])
    for arg in args:
        if arg in ("-X", "--request"):
            method = next(args, "GET").upper()
        elif arg in ("-H", "--header"):
            header = next(args, "")
            if ":" not in header:
                return None
            k, v = header.split(":", 1)
            headers[k.strip()] = v.strip()
        elif arg in ("-d", "--data", "--data-raw", "--data-binary", "--json"):
            data = next(args, "")
            if arg == "--json":
                headers.setdefault("Content-Type", "application/json")
        elif arg in ("-m", "--max-time"):
            try:
                timeout = float(next(args, "10"))
            except ValueError:
                return None
        elif arg in ("-k", "--insecure"):
            verify = False
        elif arg in ("-s", "-S", "-f", "-L", "-i", "-v", "--silent", "--fail", "--location", "--show-error",
                     "-sS", "-fsS", "-sf", "-fs", "-sL", "-fsSL", "-sSL"):
            continue
        elif arg.startswith("-"):
            return None  # an option we do not translate: keep the command as it is
        elif url is None and re.match(r"^https?://", arg):
            url = arg
        else:
            return None
    if url is None:
        return None
    spec: dict[str, Any] = {"url": _env_value(url)}
    if method is None:
        method = "POST" if data is not None else "GET"
    if method not in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        return None
    if method != "GET":
        spec["method"] = method
    if headers:
        spec["headers"] = {k: _env_value(v) for k, v in headers.items()}
    if data is not None:
        try:
            spec["json"] = json.loads(data)
            spec.get("headers", {}).pop("Content-Type", None)
            if not spec.get("headers"):
                spec.pop("headers", None)
        except ValueError:
            spec["body"] = _env_value(data)
    if timeout is not None:
        spec["request_timeout"] = timeout
    if not verify:
        spec["verify_tls"] = False
    return spec


def _logical_lines(text: str, first_line: int) -> list[tuple[int, str]]:
    """Lines with backslash continuations joined, each with the source line where it starts."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = first_line
    for n, raw in enumerate(text.splitlines()):
        line = raw.rstrip()
        if not buf:
            start = first_line + n
        if line.endswith("\\") and not line.lstrip().startswith("#"):
            buf.append(line[:-1].strip())
            continue
        buf.append(line.strip() if buf else line)
        out.append((start, " ".join(p for p in buf if p) if len(buf) > 1 else buf[0]))
        buf = []
    if buf:
        out.append((start, " ".join(p for p in buf if p)))
    return out


def shell_commands(text: str, first_line: int) -> CommandBlock:
    """`first_line` is the source line of the first line of the fence's content."""
    block = CommandBlock()
    pending: list[tuple[int, str]] = []
    env: dict[str, str] = {}

    def flush_comments() -> None:
        for line, comment in pending:
            block.commands.append(Command("manual", {"instruction": comment}, line,
                                          note="a comment with no command after it"))
        pending.clear()

    for line, cmd in _logical_lines(text, first_line):
        stripped = cmd.strip()
        if not stripped:
            flush_comments()
            continue
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if comment:
                pending.append((line, comment))
            continue
        if stripped.startswith("$ "):
            stripped = stripped[2:].strip()
        block.refs.update(m.group(1) for m in _REF.finditer(stripped))
        block.words.update(_WORD.findall(stripped))
        name = "; ".join(c for _, c in pending) or None
        pending.clear()
        m = _EXPORT.match(stripped)
        if m and not re.search(r"[;&|]", m.group(2)):
            env[m.group(1)] = _env_value(m.group(2))
            block.notes.append(f"line {line}: `export {m.group(1)}=...` became env of the later commands"
                               " in its block")
            continue
        if _SQL_START.match(stripped):
            block.commands.append(Command("sql", {"query": stripped}, line, name,
                                          note="SQL written in a shell block"))
            continue
        if _URL_ONLY.match(stripped):
            block.commands.append(Command("manual", {"instruction": f"Open {stripped}"}, line, name,
                                          note="a bare URL: a person opens it"))
            continue
        http = curl_to_http(stripped) if stripped.startswith("curl ") else None
        if http is not None:
            block.commands.append(Command("http", http, line, name))
            continue
        spec: dict[str, Any] = {"command": stripped}
        if env:
            spec["env"] = dict(env)
        block.commands.append(Command("shell", spec, line, name))
    flush_comments()
    return block


def sql_statements(text: str, first_line: int) -> CommandBlock:
    """One step per statement (ending in `;` or the end of the block); `--` comments name them."""
    block = CommandBlock()
    pending: list[str] = []
    current: list[str] = []
    start = first_line
    name: str | None = None

    def finish() -> None:
        nonlocal name
        query = "\n".join(current).strip()
        if query:
            block.commands.append(Command("sql", {"query": query}, start, name))
        current.clear()

    for n, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not current:
            if not line:
                pending.clear()
                name = None
                continue
            if line.startswith("--"):
                comment = line.lstrip("-").strip()
                if comment:
                    pending.append(comment)
                continue
            start = first_line + n
            name = "; ".join(pending) or name
            pending.clear()
        if line.startswith("--"):
            continue
        current.append(raw.rstrip())
        if line.endswith(";"):
            finish()
    finish()
    for comment in pending:
        block.commands.append(Command("manual", {"instruction": comment}, first_line,
                                      note="a comment with no statement after it"))
    return block
