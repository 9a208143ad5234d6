"""Turn the text of a fenced code block into step specs: one per command, comments as names.

A shell block stays one script unless its comments split it where no shell state crosses (md_shell);
SQL is split into statements by sqlparse; a group of `export NAME=value` lines becomes plan vars.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from golive.db.statements import Statement, control, has_sql, split
from golive.db.statements import outside_transaction as _outside_transaction
from golive.plan.md_intent import backup_of, migrate_of, restore_of
from golive.plan.md_meaning import interactive
from golive.plan.md_shell import (
    PLACEHOLDER,
    Part,
    is_sql,
    looks_like_commands,
    never_ends,
    parse,
    split_block,
    syntax_errors,
)

SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL"
                         r"|DSN\b)")
_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_WORD = re.compile(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b")
_EXPORT = re.compile(r"^export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE)\s")
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
    #: The command as the document wrote it, where the step is golive's own kind and may have to go back to it.
    source: str | None = None


@dataclass
class CommandBlock:
    commands: list[Command] = field(default_factory=list)
    #: Env var names the commands mention (for `vars`), and those they reference with `$`.
    words: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    #: `export NAME=value` lines lifted out of the block: (source line, name, value as written).
    exports: list[tuple[int, str, str]] = field(default_factory=list)
    #: Never-ending commands left out: (source line, first line of the command).
    dropped: list[tuple[int, str]] = field(default_factory=list)
    #: `<placeholder>` words that became plan vars to fill in.
    placeholders: list[str] = field(default_factory=list)


def secret_like(name: str) -> bool:
    return bool(SECRET_NAME.search(name.upper())) and name.upper() == name


def _env_value(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return _REF.sub(lambda m: "${" + m.group(1) + "}", value)


def curl_to_http(command: str, output_only: bool = False) -> dict[str, Any] | None:
    """An `http` spec for a plain `curl` call, or None when it is more than one request (pipes, $(...)).
    `output_only`: the caller checks the stated result itself, so options that only shape what curl prints
    (`-o /dev/null`, `-w "%{http_code}"`) say nothing the http step has to keep."""
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
            if data is not None:
                return None  # curl sends every -d (joined with &): one body kept would drop form fields
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
        elif output_only and arg in ("-o", "--output", "-w", "--write-out"):
            shown = next(args, "")
            if arg in ("-o", "--output") and shown != "/dev/null":
                return None  # the body goes to a file the document may use later
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


def _step_for(part: Part, block: CommandBlock, line: int) -> Command | None:
    """The one step a part of a shell block becomes: golive's own kind where the intent is plain, else shell."""
    argvs = [a for st in part.statements for a in st.own]
    name = part.name
    single = len(part.statements) == 1 and len(argvs) == 1
    st0 = part.statements[0] if part.statements else None
    if single and st0 is not None:
        argv = argvs[0]
        # a file on stdin (`psql DB < dump.sql`); a heredoc or here-string (`<<'SQL'`, `<<<`) is a script, no dump
        stdin = re.search(r"(?<![<0-9])<(?![<(&])\s*(\S+)", st0.text)
        stdout = re.search(r"(?<![0-9&])>\s*(\S+)", st0.text)
        if st0.node_type in ("command", "redirected_statement") and "|" not in st0.text:
            spec = backup_of(argv, stdout.group(1) if stdout else None)
            if spec is not None:
                return Command("backup", spec, line, name, note=f"`{argv[0]}` -> a verified `backup` step"
                               " (golive's own dump, checked by restoring it into a scratch database)")
            spec = restore_of(argv, stdin.group(1) if stdin else None)
            if spec is not None:
                return Command("restore", spec, line, name, note=f"`{argv[0]}` restore -> a `restore` step of"
                               " this run's backup of that database", source=part.text)
    # `cd DIR` lines then one migration command: a migrate step run in DIR
    cds = [st for st in part.statements[:-1] if st.own and st.own[0][:1] == ["cd"] and len(st.own[0]) == 2]
    if part.statements and len(cds) == len(part.statements) - 1 and len(part.statements[-1].own) == 1:
        last = part.statements[-1]
        spec, why = migrate_of(last.own[0], last.text)
        if spec is not None:
            if cds:
                spec["cwd"] = "/".join(c.argvs[0][1] for c in cds).replace("//", "/")
            return Command("migrate", spec, line, name, note="a migration command -> `migrate`, its downgrade the"
                           " undo")
        if why:
            block.notes.append(f"line {line}: {why}")
    if single and st0 is not None and st0.node_type == "command" and argvs[0][0] == "curl":
        http = curl_to_http(st0.text.replace("\\\n", " "))
        if http is not None:
            return Command("http", http, line, name)
    return Command("shell", {"command": part.text}, line, name)


def _drop_never_ending(part: Part, first_line: int, block: CommandBlock) -> Part | None:
    keep = []
    for st in part.statements:
        if any(never_ends(a) for a in st.argvs):
            block.dropped.append((first_line + st.start, st.text.strip().split("\n")[0]))
        else:
            keep.append(st)
    if len(keep) == len(part.statements):
        return part
    if not keep:
        return None
    lines = part.text.split("\n")
    drop_rows = {r for st in part.statements if st not in keep for r in range(st.start, st.end + 1)}
    text = "\n".join(ln for r, ln in enumerate(lines, part.row) if r not in drop_rows).strip("\n")
    return Part(keep[0].start, text, part.name, keep, part.kept_whole, part.exports)


def shell_commands(text: str, first_line: int, lift_exports: bool = True,
                   before: frozenset[str] = frozenset(), secrets: dict[str, str] | None = None) -> CommandBlock:
    """Steps of a shell block. `first_line` is the source line of the block's first line."""
    block = CommandBlock()
    for ph in sorted(set(PLACEHOLDER.findall(text))):
        var = re.sub(r"\W", "_", ph).upper()
        text = text.replace(f"<{ph}>", "${" + var + "}")
        block.placeholders.append(var)
        block.notes.append(f"`<{ph}>` in the block at line {first_line} is a placeholder: it became ${{{var}}},"
                           " a plan var to fill in")
    for ph in sorted(set(MUSTACHE.findall(text)) - {"end", "else"}):
        var = re.sub(r"\W", "_", ph).upper()
        text = re.sub(r"\{\{\s*" + re.escape(ph) + r"\s*\}\}", "${" + var + "}", text)
        block.placeholders.append(var)
        block.notes.append(f"`{{{{{ph}}}}}` in the block at line {first_line} is a placeholder: it became ${{{var}}},"
                           " a plan var to fill in")
    for ph in sorted(set(BARE_PLACEHOLDER.findall(text))):
        text = re.sub(r"(?<![\w${])" + re.escape(ph) + r"(?![\w}])", "${" + ph + "}", text)
        block.placeholders.append(ph)
        block.notes.append(f"`{ph}` in the block at line {first_line} is a placeholder: it became ${{{ph}}}, a plan"
                           " var to fill in")
    if _VERSION_LETTERS.search(text):
        text = _VERSION_LETTERS.sub("${VERSION}", text)
        block.placeholders.append("VERSION")
        block.notes.append(f"`X.Y.Z` in the block at line {first_line} is a placeholder: it became ${{VERSION}}, a"
                           " plan var to fill in")
    text, hidden = hide_secrets(text, secrets)
    for var in hidden:
        block.words.add(var)
        block.notes.append(f"a secret value in the block at line {first_line} is not copied: it became ${{{var}}},"
                           " read from the environment")
    text = re.sub(r"(?m)^(\s*)\$ (?=\S)", r"\1", text)  # `$ cmd` prompts
    if re.search(r"(?m)(?<!\\)\\[ \t]+$", text):
        # `--set tag=2.4.0 \ ` (a blank after the backslash, pasted from a page): to bash an escaped blank, and the
        # command ends there; the document means a continuation, so the blank goes
        text = re.sub(r"(?m)(?<!\\)\\[ \t]+$", r"\\", text)
        block.notes.append(f"the block at line {first_line} has blanks after a line-end `\\`: removed, so the"
                           " command continues on the next line as the document means")
    text, carved = _carve_sql(text)
    block.refs.update(m.group(1) for m in _REF.finditer(text))
    block.words.update(_WORD.findall(text))
    parts, notes = split_block(text, lift_exports, before)
    opener = _session_opener(parts)
    if opener is not None:
        # the lines after `sudo -i`, `psql`, `kubectl exec -it ... bash`, `vi x` are typed into that session (or the
        # editor is a person's): run as a script, the session waits on stdin or eats the script; a person runs it
        why, row = opener
        block.notes.append(f"line {first_line + row}: {why}: the block is a person's step, shown whole")
        block.commands = [Command("manual", {"instruction": f"By hand ({why}):\n{text.strip()}"}, first_line,
                                  parts[0].name if parts else None, note="an interactive session in a block")]
        return block
    block.notes += [f"block at line {first_line}: {n}" for n in notes]
    for part in parts:
        for name, value in part.exports:
            block.exports.append((first_line, name, value))
        for comment in part.trailing:
            if commented_out(comment):
                # `# kubectl delete pod ... --force` after the last command: the document took it out of the script
                block.notes.append(f"line {first_line + part.row}: `{comment}` is commented out in the block: not"
                                   " run, not a step")
                continue
            block.commands.append(Command("manual", {"instruction": comment}, first_line + part.row,
                                          note="a comment with no command after it"))
        if not part.statements:
            continue
        kept = _drop_never_ending(part, first_line, block)
        if kept is None:
            continue
        line = first_line + kept.row
        body = kept.text.strip()
        if _URL_ONLY.match(body):
            block.commands.append(Command("manual", {"instruction": f"Open {body}"}, line, kept.name,
                                          note="a bare URL: a person opens it"))
            continue
        if is_sql(body) and not looks_like_commands(body):
            sql = sql_statements(body, line)
            for c in sql.commands:
                c.name = c.name or kept.name
                c.note = _in_shell_block(c)
            block.commands += sql.commands
            continue
        sql_rows = [r for r in range(kept.row, kept.row + len(kept.text.split("\n"))) if r in carved]
        if sql_rows and all(st.own and st.own[0][0] == ":" and st.own[0][1:2] == ["golive-sql"]
                            for st in kept.statements):
            sql = sql_statements("\n".join(carved[r] for r in sql_rows), first_line + sql_rows[0])
            for c in sql.commands:
                c.name = c.name or kept.name
                c.note = _in_shell_block(c)
            block.commands += sql.commands
            continue
        curls = [curl_to_http(st.text.replace("\\\n", " ")) if st.node_type == "command" and st.own and
                 st.own[0][0] == "curl" else None for st in kept.statements]
        if len(curls) > 1 and all(c is not None for c in curls) and not kept.kept_whole:
            for st, http in zip(kept.statements, curls, strict=True):
                assert http is not None
                block.commands.append(Command("http", http, first_line + st.start, kept.name))
            continue
        if block.commands and block.commands[-1].kind == "backup" and _inspects_dump(kept):
            block.notes.append(f"line {line}: `{body.splitlines()[0]}` looks at the dump file: the backup step"
                               " verifies its own dump (checksum and a test restore), so it is not kept")
            continue
        cmd = _step_for(kept, block, line)
        if cmd is not None:
            block.commands.append(cmd)
    return block


#: A `{{name}}` (Mustache/Jinja) placeholder; Go templates (`{{.Status}}`) start with a dot and stay.
MUSTACHE = re.compile(r"\{\{\s*([A-Za-z_][\w-]*)\s*\}\}")
#: A bare word that asks to be replaced: `YOUR_BUCKET`, `MY_TOKEN`, `REPLACE_ME`, `CHANGE_ME`.
BARE_PLACEHOLDER = re.compile(r"(?<![\w${])((?:YOUR|MY)_[A-Z0-9_]*[A-Z0-9]|REPLACE_?ME|CHANGE_?ME|FILL_?ME_?IN)"
                              r"(?![\w}])")
#: A version written as the letters of one: `--version X.Y.Z`, `app:x.y.z`.
_VERSION_LETTERS = re.compile(r"(?<![\w.])[Xx]\.[Yy]\.[Zz](?![\w.])")
#: A secret's value written into a command: `PGPASSWORD=hunter2`, `export API_TOKEN=ghp_...`, mysql's
#: `-pS3cret`, `--password=x`, `Authorization: Bearer sk_live_...`, a URL's `user:password@`.
_SECRET_ASSIGN = re.compile(r"(?<![\w$])([A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|"
                            r"PRIVATE_KEY|CREDENTIALS?))=(?![\"']?\$)(\"[^\"\n]*\"|'[^'\n]*'|[^\s;&|)\"']+)")
_MYSQL_P = re.compile(r"(?<![\w-])((?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump|mysqlimport|mysqlcheck)\b"
                      r"[^\n|;&]*?\s)-p(?![\s\"'$])(\S+)")
_PASSWORD_OPT = re.compile(r"(?<![\w-])(--(?:db-|admin-)?password(?:=|\s+))(?![\"']?\$|-)(\"[^\"\n]*\"|'[^'\n]*'|"
                           r"[^\s;&|)]+)")
_BEARER = re.compile(r"(?i)(\bAuthorization:\s*(?:Bearer|Token)\s+)(?![\"']?\$|<)([A-Za-z0-9._~+/=-]{8,})")
_URL_SECRET = re.compile(r"\b([a-z][a-z0-9+.-]*)://([^/\s:@$]+):(?!\$)([^/\s@$]+)@")


def _url_var(scheme: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", scheme.upper()) + "_PASSWORD"


def hide_secrets(text: str, taken: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """`text` with every secret value it writes replaced by a `${VAR}` reference, and those VAR names: the plan
    reads them from the environment, and the value in the document is never copied into it."""
    names: dict[str, str] = {} if taken is None else taken  # var -> the value it stands for (never two values)
    used: list[str] = []

    def keep(name: str, value: str) -> str:
        value = value.strip("\"'")
        base, n = name, 1
        while names.get(name, value) != value:
            n += 1
            name = f"{base}_{n}"
        names[name] = value
        if name not in used:
            used.append(name)
        return "${" + name + "}"

    text = _SECRET_ASSIGN.sub(lambda m: f"{m.group(1)}=\"{keep(m.group(1), m.group(2))}\"", text)
    text = _MYSQL_P.sub(lambda m: f"{m.group(1)}-p\"{keep('MYSQL_PASSWORD', m.group(2))}\"", text)
    text = _PASSWORD_OPT.sub(lambda m: f"{m.group(1)}\"{keep('PASSWORD', m.group(2))}\"", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{keep('API_TOKEN', m.group(2))}", text)
    text = _URL_SECRET.sub(lambda m: f"{m.group(1)}://{m.group(2)}:{keep(_url_var(m.group(1)), m.group(3))}@", text)
    return text, used


#: Programs a commented-out line of a runbook's script runs (`# kubectl delete pod ...`); a comment starting with
#: one of them, or holding shell syntax after a lower-case word, is a command taken out, not an instruction.
_PROGRAMS = frozenset({
    "kubectl", "helm", "docker", "podman", "systemctl", "service", "rm", "mv", "cp", "psql", "mysql", "redis-cli",
    "curl", "wget", "git", "aws", "gcloud", "az", "terraform", "ansible", "ansible-playbook", "ssh", "scp", "rsync",
    "sudo", "make", "npm", "yarn", "pip", "python", "python3", "java", "./deploy.sh", "sed", "chmod", "chown",
    "ln", "mkdir", "tar", "dropdb", "createdb", "pg_dump", "pg_restore", "mysqldump", "flask", "alembic", "rails",
    "bundle", "php", "composer", "oc", "nginx", "apachectl", "crontab", "kill", "pkill", "killall", "iptables",
    "ufw", "mongosh", "mongo", "cat", "echo", "export", "unset", "cd", "truncate", "dd", "shutdown", "reboot",
})


def commented_out(comment: str) -> bool:
    """A comment of a shell block that is a command taken out of the script, not words for a person."""
    words = comment.split()
    if not words or not looks_like_commands(comment):
        return False
    prog = words[0]
    return prog in _PROGRAMS or prog.startswith(("./", "/", "~/")) or (
        len(words) > 1 and bool(re.search(r"(?:^|\s)--?[A-Za-z]|[|;&$=<>]", " ".join(words[1:]))))


def _session_opener(parts: list[Part]) -> tuple[str, int] | None:
    """The first command of the block that opens an interactive session or an editor, with why, and its row."""
    for part in parts:
        for st in part.statements:
            fed = bool(re.search(r"<<|<\s*\S|\|", st.text))  # its input comes from a heredoc, a file or a pipe
            argvs = list(st.own)
            if st.node_type == "command" and re.match(r"\s*(?:sudo|doas)\b", st.text):
                with contextlib.suppress(ValueError):
                    argvs.insert(0, shlex.split(st.text))  # the wrapper's own words: `sudo -i`, `sudo su -`
            for argv in argvs:
                why = interactive(argv, stdin=fed)
                if why is not None:
                    return why, st.start
    return None


def _in_shell_block(c: Command) -> str:
    """The note of a step made of SQL lines written in a shell block (keeping what a transaction said)."""
    said = c.note if c.note and not c.note.startswith("a comment") else None
    return "SQL written in a shell block" + (f"; {said}" if said else "")


def _inspects_dump(part: Part) -> bool:
    """`ls -lh backup_*.sql` after a dump: only looks at the file the backup step now writes and verifies."""
    argvs = [a for st in part.statements for a in st.own]
    return bool(argvs) and all(a[0] in ("ls", "du", "wc", "head", "file", "stat", "test", "[", "md5sum", "sha256sum")
                               and any(re.search(r"(?i)backup|dump", w) for w in a[1:]) for a in argvs)


def _carve_sql(text: str) -> tuple[str, dict[int, str]]:
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
