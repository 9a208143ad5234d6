"""Turn the text of a fenced code block into step specs: one per command, comments as names.

A shell block stays one script unless its comments split it where no shell state crosses (md_shell);
SQL written among its lines goes to md_sql, secret values to md_secrets; a group of `export NAME=value` lines
becomes plan vars.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from http import HTTPStatus
from typing import Any

from golive.plan.md_intent import backup_of, migrate_of, restore_of
from golive.plan.md_meaning import interactive
from golive.plan.md_prompts import commented_out, unprompted
from golive.plan.md_secrets import hide_secrets
from golive.plan.md_shell import (
    PLACEHOLDER,
    Part,
    Statement,
    is_sql,
    looks_like_commands,
    never_ends,
    split_block,
)
from golive.plan.md_sql import carve_sql, sql_statements
from golive.plan.md_step import Command, CommandBlock
from golive.plan.md_typography import plain_typed

_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_WORD = re.compile(r"\b[A-Z][A-Z0-9_]*[A-Z0-9]\b")
_EXPORT = re.compile(r"^export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_URL_ONLY = re.compile(r"^https?://\S+$")
BASH_LANGS = frozenset({"bash", "sh", "shell", "zsh", "ksh"})
SHELL_LANGS = frozenset({"", "bash", "sh", "shell", "console", "zsh", "shell-session", "powershell", "ps1"})
SQL_LANGS = frozenset({"sql", "postgresql", "postgres", "psql", "mysql", "plpgsql", "pgsql", "tsql"})


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
    follow = False
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
            follow = follow or arg == "--location" or (not arg.startswith("--") and "L" in arg)
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
    if follow:
        spec["follow_redirects"] = True  # curl -L checks the answer at the end of the redirects
    return spec


#: The statuses a curl call succeeds on when the document states none: every answer below 400 (`curl -f` fails
#: on 400 and above only; 3xx is the answer when curl does not follow, the end of the redirects when it does).
#: An `http` step left at its default of 200 failed on the 201 Created / 204 No Content an API answers a POST or
#: PUT with, so the step failed exactly when the document's command had worked. Without `-f` curl exits 0 on any
#: answer and the person reads it: golive, with no person reading, still fails on 4xx/5xx.
CURL_OK = [s.value for s in HTTPStatus if 200 <= s.value < 400]


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


#: How a person's step for a command that never ends starts: watched, or kept open (a tunnel the next steps use).
WATCH_LEADS = ("Watch by hand (it never ends on its own", "Start by hand and keep it open for the whole run")


def watching(step: Any) -> bool:
    """A person's step that only watches a never-ending command (or keeps a tunnel open): it does no work of its own,
    so "Undo, if needed:" after it is still the undo of the step before it."""
    spec = step.get("manual") if isinstance(step, dict) else None
    text = spec.get("instruction", "") if isinstance(spec, dict) else spec
    return isinstance(text, str) and text.startswith(WATCH_LEADS)


def _serves(argv: list[str]) -> bool:
    """A port-forward, proxy or tunnel (`kubectl port-forward`, `kubectl proxy`, `ssh -N -L ...`): it never ends
    because it serves the commands after it, which reach through it."""
    prog, args = (argv[0].rsplit("/", 1)[-1], argv[1:]) if argv else ("", [])
    return (prog in ("kubectl", "oc") and any(a in ("port-forward", "proxy") for a in args[:3])) or (
        prog == "ssh" and any(re.fullmatch(r"-[A-Za-z]*N[A-Za-z]*", a) for a in args))


def _drop_never_ending(part: Part, first_line: int, block: CommandBlock,
                       later: list[Command] | None = None) -> Part | None:
    """`part` without its statements that never end. One that does other work too (`ssh db1 'dnf upgrade … &&
    slurmdbd -D'`: the upgrade, then the daemon in the foreground until Ctrl-C) is a person's step showing it, in
    its place (`later`: those after the part's first kept statement); left out, the upgrade was lost."""
    keep: list[Statement] = []
    for st in part.statements:
        if any(never_ends(a) for a in st.argvs):
            if re.search(r"&&|\|\||;|\|", st.text):
                step = Command("manual", {"instruction": "By hand (it never ends on its own: stop it (Ctrl-C) once it"
                                          f" has done its work):\n{st.text.strip()}"},
                               first_line + st.start, part.name, note="a command that never ends among others")
                (later if keep and later is not None else block.commands).append(step)
                block.notes.append(f"line {first_line + st.start}: `{st.text.strip().splitlines()[0][:80]}` never"
                                   " ends on its own and does other work too: a person's step showing it")
                continue
            # `watch kubectl get pods`, `tail -f app.log`: a person looks at it while the run goes on and stops it;
            # left out, the document's watching was lost, and as a step that runs the run would wait forever
            how = (f"{WATCH_LEADS[1]} (it serves until stopped, and later steps reach through it; stop it with"
                   " Ctrl-C at the end):" if any(_serves(a) for a in st.argvs) else
                   f"{WATCH_LEADS[0]}, so the run does not wait on it: look at it, then stop it with Ctrl-C):")
            step = Command("manual", {"instruction": f"{how}\n{st.text.strip()}"},
                           first_line + st.start, part.name, note="a command that never ends: a person watches it")
            (later if keep and later is not None else block.commands).append(step)
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
        var = _var_name(ph, block.placeholders)
        text = _fill(text, r"(?<!<)(?<![^\W_])[<‹]" + re.escape(ph) + r"[>›](?![>\w])", var)
        block.placeholders.append(var)
        block.notes.append(f"`<{ph}>` in the block at line {first_line} is a placeholder: it became ${{{var}}},"
                           " a plan var to fill in")
    for ph in sorted(set(DATE_PLACEHOLDER.findall(text))):
        var = _var_name("DATE" if re.search("(?i)d", ph) else "TIME", block.placeholders)
        text = _fill(text, r"(?<![^\W_]|[%+$])" + re.escape(ph) + r"(?![^\W_])", var)
        block.placeholders.append(var)
        block.notes.append(f"`{ph}` in the block at line {first_line} is a date to fill in: it became ${{{var}}},"
                           " a plan var, never run as written")
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
    text, typed = plain_typed(text)
    if typed:
        block.notes.append(f"the block at line {first_line} has Word typography ({', '.join(typed)}): given back"
                           " as the author typed it, so bash sees the words the document means")
    text = unprompted(text)  # `$ cmd`, `deploy@web1:~$ cmd` prompts, a heredoc's `> ` lines
    if re.search(r"(?m)(?<!\\)\\[ \t]+$", text):
        # `--set tag=2.4.0 \ ` (a blank after the backslash, pasted from a page): to bash an escaped blank, and the
        # command ends there; the document means a continuation, so the blank goes
        text = re.sub(r"(?m)(?<!\\)\\[ \t]+$", r"\\", text)
        block.notes.append(f"the block at line {first_line} has blanks after a line-end `\\`: removed, so the"
                           " command continues on the next line as the document means")
    text, carved = carve_sql(text)
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
    later: list[Command] = []
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
        block.commands += later  # the person's steps that stood after the previous part's step
        later = []
        kept = _drop_never_ending(part, first_line, block, later)
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
        if sql_rows:
            # `./deploy.sh` then a bare `SELECT ...;` in one part: bash cannot run the SQL and no cut keeps the
            # order, so the part is a person's, shown as written (never a script with the SQL left out)
            shown = "\n".join(carved.get(kept.row + k, ln) for k, ln in enumerate(kept.text.split("\n")))
            block.commands.append(Command("manual", {"instruction": "By hand (shell commands and SQL lines in one"
                                                                   " part: the SQL runs in a database client):\n"
                                                                   + shown.strip()}, line, kept.name,
                                          note="SQL lines among shell commands"))
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
    block.commands += later
    return block


#: A `{{name}}` (Mustache/Jinja) placeholder; Go templates (`{{.Status}}`) start with a dot and stay.
MUSTACHE = re.compile(r"\{\{\s*([A-Za-z_][\w-]*)\s*\}\}")
#: A bare word that asks to be replaced: `YOUR_BUCKET`, `MY_TOKEN`, `REPLACE_ME`, `CHANGE_ME`.
BARE_PLACEHOLDER = re.compile(r"(?<![\w${])((?:YOUR|MY)_[A-Z0-9_]*[A-Z0-9]|REPLACE_?ME|CHANGE_?ME|FILL_?ME_?IN)"
                              r"(?![\w}])")
#: A date or time written as its format, to be replaced: `backup-YYYY-MM-DD.dump`, `DD.MM.YYYY`, `YYYYMMDD_HHMM`.
DATE_PLACEHOLDER = re.compile(r"(?<![^\W_]|[%+$])((?:YYYY[-_./]?MM[-_./]?DD|DD[-./]MM[-./]YYYY)"
                              r"(?:[T_ -]?HH[:-]?MM(?:[:-]?SS)?)?|HH:MM(?::SS)?)(?![^\W_])")


def _fill(text: str, pattern: str, var: str) -> str:
    """`text` with each match of `pattern` made `${var}`; inside single quotes (`ssh h 'restore pre_<DATE>'`) the
    quote is closed around it (`'restore pre_'"${var}"''`), so bash puts the value in, not an empty remote var."""
    def put(m: re.Match[str]) -> str:
        return "'\"${" + var + "}\"'" if _single_quoted(text, m.start()) else "${" + var + "}"
    return re.sub(pattern, put, text)


def _single_quoted(text: str, pos: int) -> bool:
    """Whether bash reads `pos` of `text` inside single quotes (quotes, backslashes and comments followed)."""
    single = double = False
    i = 0
    while i < pos:
        c = text[i]
        if single:
            single = c != "'"
        elif c == "\\":
            i += 1
        elif c == '"':
            double = not double
        elif c == "'" and not double:
            single = True
        elif c == "#" and not double and (i == 0 or text[i - 1] in " \t\n;"):
            end = text.find("\n", i)
            if end < 0 or end >= pos:
                return False
            i = end
        i += 1
    return single


def _var_name(ph: str, taken: list[str]) -> str:
    """A bash name for a placeholder: its own letters when they are ASCII (`<host>` -> HOST), else FILL_IN (`<ДАТА>`;
    bash names are ASCII), numbered when taken."""
    base = re.sub(r"\W", "_", ph).upper() if ph.isascii() else "FILL_IN"
    name, n = base, 2
    while name in taken and base == "FILL_IN":
        name, n = f"{base}_{n}", n + 1
    return name


#: A version written as the letters of one: `--version X.Y.Z`, `app:x.y.z`.
_VERSION_LETTERS = re.compile(r"(?<![\w.])[Xx]\.[Yy]\.[Zz](?![\w.])")


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


