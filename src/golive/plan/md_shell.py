"""A fenced shell block as the document means it: ONE script run by bash, split into several steps only
where the block's own comments separate commands and the bash parse shows that no shell state crosses
the split (each step is a new bash process: `cd`, `set`, assignments, functions, traps would be lost).

The parse is tree-sitter-bash, a real grammar: heredocs, `if`/`fi`, `|| { ... }`, multi-line strings and
`\\` continuations are single statements to it, so nothing is ever cut inside one.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from golive.plan.md_streams import commands_of, foreground, streams

#: Commands that change the shell itself (not the system): their effect would not reach a later step.
STATEFUL = frozenset({
    "cd", "pushd", "popd", "set", "shopt", "trap", "umask", "ulimit", "alias", "unalias", "source", ".",
    "export", "declare", "local", "readonly", "typeset", "read", "mapfile", "readarray", "hash", "enable",
    "unset", "exec", "eval", "getopts", "shift", "builtin",
})
#: Node types that change shell state wherever they stand outside a subshell.
_STATEFUL_NODES = frozenset({"variable_assignment", "declaration_command", "function_definition",
                             "unset_command", "for_statement", "c_style_for_statement"})
#: A subshell or a pipeline element runs in a child shell: what it changes stays there.
_CHILD_SHELL = frozenset({"subshell", "command_substitution", "process_substitution", "pipeline"})
#: Words that put another program in front: `sudo -u app systemctl ...` runs systemctl.
_WRAPPERS = frozenset({"sudo", "doas", "env", "nohup", "time", "nice", "ionice", "timeout", "stdbuf", "command",
                       "exec", "xargs"})
_SQL_WORD = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|VACUUM"
                       r"|ANALYZE|BEGIN|COMMIT|START\s+TRANSACTION|SET\s+\w+\s*=)\b", re.I)
#: `<name>`, `pre_<ДАТА>`, `‹DATE›`: a value the reader fills in (any alphabet; `<<EOF`, `<&3`, `List<T>` are not).
PLACEHOLDER = re.compile(r"(?<!<)(?<![^\W_])[<‹]([^\W\d_][\w-]{1,40})[>›](?![>\w])")


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


#: A character past U+00FF: tree-sitter-bash's scanner must never see one (see parse).
_WIDE = re.compile(r"[^\x00-\xff]")


def parse(text: str) -> Any:
    """The tree-sitter root node of `text` (bytes offsets; rows are 0-based lines).

    tree-sitter-bash's external scanner hands the character ahead to the C library's narrow ctype functions
    (isdigit, isalpha), which index a table of 384 entries: a character past U+00FF is read from outside it,
    and where that memory is not mapped the whole process dies (SIGSEGV; e.g. `{` followed by a character of
    plane 15, found by the Markdown fuzz test, every tree-sitter-bash from 0.23 to 0.25.1). So the parser reads
    a copy in which each such character is ASCII letters of the same UTF-8 length (a word character, to the
    grammar as to bash; every byte offset unchanged), and the tree's source (which py-tree-sitter keeps by
    reference and slices when asked for a node's text) is then given the document's own bytes back."""
    data = text.encode("utf-8")
    if not _WIDE.search(text):
        return _parser().parse(data).root_node
    source = bytearray(_WIDE.sub(lambda m: "x" * len(m.group().encode("utf-8")), text).encode("utf-8"))
    root = _parser().parse(source).root_node
    source[:] = data  # the same length: node text is what the document wrote
    return root


def node_source(node: Any) -> str:
    """What the document wrote for `node` (see parse: never the parser's ASCII copy)."""
    return bytes(node.text).decode("utf-8", "replace")


def syntax_errors(text: str) -> list[int]:
    """1-based lines (within `text`) where the bash grammar found an error or a missing token."""
    out: list[int] = []

    def walk(node: Any) -> None:
        if node.is_error or node.is_missing:
            out.append(node.start_point[0] + 1)
            return
        if node.has_error:
            for c in node.children:
                walk(c)

    walk(parse(text))
    return sorted(set(out))


def simple_commands(node: Any, nested: bool = True) -> list[list[str]]:
    """argv (as written) of every simple command under `node`, the wrapper words (sudo, env, ...) removed;
    with nested=False not those inside `$(...)` (what the statement itself runs)."""
    out: list[list[str]] = []

    def walk(n: Any) -> None:
        if n.type == "command":
            words: list[str] = []
            for c in n.children:
                if c.type == "command_name" or (words and c.type in ("word", "string", "raw_string", "number",
                                                                     "concatenation", "simple_expansion",
                                                                     "expansion")):
                    words.append(node_source(c))
            out.append(_unwrap(words))
        for c in n.children:
            if c.type != "heredoc_body" and (nested or c.type not in ("command_substitution",
                                                                        "process_substitution")):
                walk(c)

    walk(node)
    return [w for w in out if w]


def _unwrap(words: list[str]) -> list[str]:
    i = 0
    while i < len(words) and words[i] in _WRAPPERS:
        i += 1
        while i < len(words) and (words[i].startswith("-") or re.fullmatch(r"[A-Za-z_]\w*=.*", words[i])
                                  or (words[i - 1] in ("-u", "-g", "timeout") and i < len(words) - 1)
                                  or re.fullmatch(r"\d+[smhd]?", words[i])):
            i += 1
    return words[i:]


def command_name(node: Any) -> str | None:
    """The program word of a `command` node as written (`cd`, `./deploy.sh`), or None."""
    name = next((c for c in node.children if c.type == "command_name"), None)
    return node_source(name) if name is not None else None


def _stateful(node: Any) -> str | None:
    """What in `node` changes the shell's own state (a `cd`, an assignment, a function), or None."""
    if node.type in _CHILD_SHELL:
        return None
    if node.type in _STATEFUL_NODES:
        return str(node.type).replace("_", " ")
    if node.type == "command":
        name = command_name(node)
        if name in STATEFUL:
            return f"`{name}`"
        if any(c.type == "variable_assignment" for c in node.children):
            return None  # `FOO=1 cmd` sets FOO for cmd only
        return None
    for c in node.children:
        if c.type == "heredoc_body":
            continue
        found = _stateful(c)
        if found:
            return found
    return None


#: Programs that run the command after them: `sudo`, `nice`, `nohup` (not `timeout`, which ends it).
_WRAPPERS = frozenset({"sudo", "doas", "nice", "nohup", "stdbuf", "ionice", "env"})
#: ssh's options that take a value (`-i key`, `-p 22`, `-o Opt=x`): the host is the first word after them.
_SSH_VALUE_OPTS = frozenset("BbcDEeFIiJLlmOoPpQRSWw")


def _wrapped(prog: str, args: list[str]) -> list[str]:
    """The command a wrapper runs: its words after the wrapper's own options (`sudo -u app tail -f x` -> tail ...)."""
    i = 0
    while i < len(args):
        a = args[i]
        if prog == "env" and "=" in a and not a.startswith("-"):
            i += 1
        elif a.startswith("-"):
            i += 2 if prog == "sudo" and a in ("-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U") else 1
        elif prog == "nice" and i and args[i - 1] == "-n":
            i += 1
        else:
            break
    return args[i:]


def _remote_words(args: list[str]) -> list[str]:
    """The words of ssh's remote command: everything after the host."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if len(args[i]) == 2 and args[i][1] in _SSH_VALUE_OPTS else 1
    return args[i + 1:]


#: Programs that never end on their own: a run would wait forever.
def never_ends(argv: list[str]) -> bool:
    if not argv:
        return False
    prog, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    flags = {a for a in args if a.startswith("-")}
    short = "".join(a[1:] for a in flags if not a.startswith("--"))
    if prog in ("watch", "top", "htop", "less", "more", "btop", "iotop", "tmux", "screen"):
        return True
    if prog in ("tail", "journalctl") and ("f" in short or "F" in short
                                          or any(a.startswith("--follow") for a in flags)):  # `--follow=name`
        return True
    if prog in ("kubectl", "oc") and any(a in ("port-forward", "proxy") for a in args[:3]):
        return True  # serves until stopped: a run would wait on it forever
    if prog == "ssh" and any(re.fullmatch(r"-[A-Za-z]*N[A-Za-z]*", a) for a in args):
        return True  # `ssh -N -L 5432:db:5432 bastion`: a tunnel, no command, open until stopped
    if prog in ("kubectl", "docker", "podman", "oc", "stern") and (
            ("f" in short and any(a in ("logs", "log", "events") for a in args)) or "--follow" in flags
            or "-w" in flags or "--watch" in flags or prog == "stern"):
        return True
    if prog == "ping" and not any(a.startswith("-c") for a in args):
        return True
    if streams(prog, args, flags) or foreground(prog, args, flags):
        return True
    if prog in _WRAPPERS:
        # `sudo tail -f app.log`, `nice journalctl -f`: the wrapped command is what never ends
        rest = _wrapped(prog, args)
        return bool(rest) and never_ends(rest)
    if prog == "ssh" and args and not args[-1].startswith("-"):
        # `ssh host 'tail -f app.log'`, `ssh host sudo tail -f app.log`: the remote command is what never ends (the
        # words after the host, as written)
        try:
            remote = _remote_words(args)
            if len(remote) == 1:  # the parser's word kept its quotes: one more split gives the command's words
                remote = shlex.split(remote[0])
            if len(remote) == 1:
                remote = shlex.split(remote[0])
        except ValueError:
            return False
        return bool(remote) and remote != argv and any(never_ends(c) for c in commands_of(remote))
    return prog == "dmesg" and ("w" in short or "--follow" in flags)


@dataclass
class Statement:
    text: str
    #: 0-based rows within the block.
    start: int
    end: int
    node_type: str
    argvs: list[list[str]]
    state: str | None
    #: The commands the statement runs itself (not those inside `$(...)`).
    own: list[list[str]] = field(default_factory=list)
    #: `export NAME=value` with a literal value or one `$VAR`: (name, value) pairs it sets.
    exports: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Part:
    """One step-to-be: a piece of the block that runs alone with the same meaning."""

    #: 0-based first row within the block (of the first statement), and the script text as written.
    row: int
    text: str
    name: str | None
    statements: list[Statement]
    #: Why this part could not be split further (state that crosses), for the summary.
    kept_whole: str | None = None
    exports: list[tuple[str, str]] = field(default_factory=list)
    #: Comments after the last command: things for a person to do.
    trailing: list[str] = field(default_factory=list)


def _exports(node: Any) -> list[tuple[str, str]]:
    if node.type != "declaration_command" or not node.children or node.children[0].type != "export":
        return []
    out: list[tuple[str, str]] = []
    for c in node.children[1:]:
        if c.type != "variable_assignment":
            return []
        name = node_source(c.children[0])
        value = "".join(node_source(x) for x in c.children[2:])
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if not re.fullmatch(r"[^$`\\\"' ;&|<>(){}]*|\$\{?[A-Za-z_]\w*\}?", value):
            return []
        out.append((name, value))
    return out


def statements(text: str) -> tuple[list[tuple[list[str], Statement]], bool]:
    """Top-level statements with the own-line comments just before each; and whether the parse is clean."""
    root = parse(text)
    lines = text.split("\n")
    out: list[tuple[list[str], Statement]] = []
    comments: list[str] = []
    comment_row = 0
    for node in root.children:
        if node.type == "comment":
            line = lines[node.start_point[0]]
            own_line = line.strip().startswith("#")
            body = node_source(node)
            if own_line and not body.startswith("#!"):
                if not comments:
                    comment_row = node.start_point[0]
                comments.append(body.lstrip("#").strip())
            continue
        start, end = node.start_point[0], node.end_point[0]
        if node.end_point[1] == 0 and end > start:
            end -= 1
        stext = "\n".join(lines[start:end + 1])
        out.append((comments, Statement(stext, start, end, node.type, simple_commands(node), _stateful(node),
                                        own=simple_commands(node, nested=False), exports=_exports(node))))
        comments = []
    if comments:
        out.append((comments, Statement("", comment_row, comment_row, "trailing_comments", [], None)))
    return out, not root.has_error


def split_block(text: str, lift_exports: bool, avoid: frozenset[str] = frozenset()
                ) -> tuple[list[Part], list[str]]:
    """Parts of a shell block and notes on why it was (not) split. `lift_exports`: a comment-separated group
    made only of `export NAME=value` lines becomes plan vars (the later steps see them) instead of state.
    `avoid`: names the steps before this block read (such a name must not become a plan var)."""
    stmts, clean = statements(text)
    lines = text.split("\n")
    notes: list[str] = []
    trailing: list[str] = []
    trailing_row = 0
    if stmts and stmts[-1][1].node_type == "trailing_comments":
        trailing_row = stmts[-1][1].start
        trailing = stmts.pop()[0]
    if not stmts:
        return [Part(trailing_row, "", None, [], trailing=trailing)] if trailing else [], notes
    groups: list[tuple[list[str], list[Statement]]] = []
    for comments, st in stmts:
        if (comments and groups and groups[-1][1]) or not groups:
            groups.append((comments, [st]))
        else:
            groups[-1][1].append(st)
    if not clean:
        first = stmts[0][1]
        whole = "\n".join(lines[first.start:stmts[-1][1].end + 1])
        notes.append("the bash parse found a syntax error: kept as one script, exactly as written")
        tail = [Part(trailing_row, "", None, [], trailing=trailing)] if trailing else []
        return [Part(first.start, whole, "; ".join(groups[0][0]) or None, [s for _c, s in stmts],
                     kept_whole="syntax error"), *tail], notes
    parts: list[Part] = []
    lifted: list[tuple[str, str]] = []
    pending: list[tuple[list[str], list[Statement]]] = []
    for gi, (comments, sts) in enumerate(groups):
        if lift_exports and sts[0].exports:
            # leading `export NAME=value` lines of a group: plan vars every later step sees; not when something
            # before it reads that name (a plan var is there from the start) or its `$SOURCE` is set in the block
            # (an `export` whose value the shell works out stays in the step; the literal ones around it lift)
            lead = next((i for i, s in enumerate(sts) if not s.exports and not re.match(r"\s*export\s", s.text)),
                        len(sts))
            assigned = set(re.findall(r"(?:^|[\s;&|(])([A-Za-z_]\w*)=", text))
            assigned |= set(re.findall(r"\b(?:for|read|select)\s+(?:-\w+\s+)*([A-Za-z_]\w*)", text))
            safe = all(n not in avoid and not re.search(rf"\${{?{re.escape(n)}\b|\b{re.escape(n)}=",
                                                        "\n".join(lines[:s.start]))
                       and not (v.startswith("$") and v.strip("${}") in assigned - {n})
                       for s in sts[:lead] for n, v in s.exports)
            if safe:
                lifted += [e for s in sts[:lead] for e in s.exports]
                sts = [s for s in sts[:lead] if not s.exports] + sts[lead:]
                if not sts:
                    continue
        pending.append((comments, sts))
        later = groups[gi + 1:]
        uses_status = bool(later) and re.search(r"\$\?|PIPESTATUS|\$!", "\n".join(s.text for s in later[0][1]))
        # state set anywhere in the pending groups reaches every later group: they all stay one step
        carry = any(s.state for _c, g in pending for s in g)
        if (carry or uses_status) and later:
            continue
        parts.append(_flush(pending, lines, notes))
        pending = []
    if pending:
        parts.append(_flush(pending, lines, notes))
    if lifted:
        if parts:
            parts[0].exports = lifted
        else:
            parts.append(Part(0, "", None, [], exports=lifted))
    if trailing:
        parts.append(Part(trailing_row, "", None, [], trailing=trailing))
    return parts, notes


def _flush(pending: list[tuple[list[str], list[Statement]]], lines: list[str], notes: list[str]) -> Part:
    first, last = pending[0][1][0], pending[-1][1][-1]
    body = "\n".join(lines[first.start:last.end + 1])
    whole_why = None
    if len(pending) > 1:
        why = next((s.state for _c, g in pending for s in g if s.state), None) or "`$?` of the command before"
        whole_why = why
        notes.append(f"lines {first.start + 1}-{last.end + 1} of the block stay one step: {why} would not"
                     " reach the commands after it in a separate step")
    return Part(first.start, body, "; ".join(pending[0][0]) or None, [s for _c, g in pending for s in g],
                kept_whole=whole_why)


def looks_like_commands(text: str) -> bool:
    """An untagged block is shell only when it parses as bash AND reads like commands, not prose or a diagram."""
    body = [ln for ln in text.split("\n") if ln.strip() and not ln.strip().startswith("#")]
    if not body:
        return False
    if re.search(r"[├└│┌┐┘┬┴┼─→←↓↑►▶]", text):
        return False
    if is_query_output(text):
        return False  # " count / ------- / 0 / (1 row)": what a query printed, never commands to run
    stmts, clean = statements(text)
    stmts = [x for x in stmts if x[1].node_type != "trailing_comments"]
    if not clean or not stmts:
        return False
    for _c, st in stmts:
        for argv in st.argvs or [[]]:
            if not argv:
                if st.node_type not in ("variable_assignment", "declaration_command"):
                    return False
                continue
            prog = argv[0]
            if re.fullmatch(r"[\d*/,-]+", prog):
                return False  # "0 5 * * * /opt/job.sh": a crontab entry (its schedule first), no program is a number
            if not re.fullmatch(r"[a-z0-9_./~$][A-Za-z0-9_./{}$-]*", prog) or prog.endswith((".", ",", ":", "?")):
                return False
            if any(w.endswith(("?", ",")) for w in argv[1:]) and len(argv) > 4:
                return False
            if len(argv) >= 2 and argv[1] in ("=", ":"):
                return False  # "work_mem = 256MB", "port : 8080": a setting of a config file, not a command
    return True


#: The rule under a result table's header (psql `-------+------`, MySQL `+-------+`) and the count under it.
_RESULT_RULE = re.compile(r"^\s*\+?-{3,}[-+]*\+?\s*$")
_EMPTY_SET = re.compile(r"(?i)^\s*empty set\b[^\n]*\s*$")  # mysql's answer when no row matches
_RESULT_FOOT = re.compile(r"(?i)^\s*\((\d+) rows?\)\s*$|^\s*(\d+|empty) rows? in set\b")


def is_query_output(text: str) -> bool:
    """A block that is what psql or mysql printed: a rule of dashes under a header, or the "(N rows)" /
    "N rows in set" footer. Such a block is never commands."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if _EMPTY_SET.match(text):
        return True
    return any(_RESULT_FOOT.match(ln) for ln in lines) or (
        len(lines) >= 2 and any(_RESULT_RULE.match(ln) for ln in lines[1:3]))


def query_output_expectation(text: str) -> dict[str, int | bool] | None:
    """The check a printed result table states: `{"value": N}` for one numeric or boolean cell (a count), else
    `{"rows": N}` from the footer; None when it says neither plainly."""
    if _EMPTY_SET.match(text):
        return {"rows": 0}
    lines = [ln for ln in text.split("\n") if ln.strip()]
    foot = next((m for ln in lines if (m := _RESULT_FOOT.match(ln))), None)
    if foot is None or not any(_RESULT_RULE.match(ln) for ln in lines[:3]):
        return None
    rows = int(foot.group(1) or (foot.group(2) if (foot.group(2) or "").isdigit() else 0))
    table = [ln for ln in lines if not _RESULT_RULE.match(ln) and not _RESULT_FOOT.match(ln)]
    header, body = (table[0], table[1:]) if table else ("", [])

    def cells(line: str) -> list[str]:
        return [c.strip() for c in line.strip().strip("|").split("|")]

    one = cells(body[0])[0] if rows == 1 and len(body) == 1 and len(cells(header)) == 1 else None
    if one is not None and re.fullmatch(r"-?\d+", one):
        return {"value": int(one)}
    if one is not None and one in ("t", "f"):  # psql prints a boolean as t / f
        return {"value": one == "t"}
    return {"rows": rows} if len(body) == rows else None


def is_sql(text: str) -> bool:
    body = "\n".join(ln for ln in text.split("\n") if ln.strip() and not ln.strip().startswith(("#", "--")))
    return bool(_SQL_WORD.match(body)) and bool(re.match(r"^\s*[A-Z]", body))


#: What only SQL Server's T-SQL says: `GO` batch separators, `[bracketed]` names, `N'...'` strings, the `dbo`
#: schema, `BACKUP`/`RESTORE DATABASE`, `USE db` (which holds for the rest of the session), `TOP n`, `@@ROWCOUNT`,
#: `sp_` procedures, `SINGLE_USER`, `(NOLOCK)`, `GETDATE()`.
_TSQL = re.compile(r"(?im)^\s*GO(?:\s+\d+)?\s*;?\s*$|(?:\b(?:DATABASE|TABLE|FROM|JOIN|INTO|UPDATE|VIEW|INDEX|ON|USE)"
                   r"\s+|\.)\[[A-Za-z_][\w ]*\]|\[[A-Za-z_]\w*\]\.|(?-i:\bN')|\bdbo\.|^\s*(?:BACKUP|RESTORE)\s+"
                   r"(?:DATABASE|LOG|VERIFYONLY|FILELISTONLY|HEADERONLY)\b|^\s*USE\s+\[?\w+\]?\s*;?\s*$|"
                   r"\bSELECT\s+TOP\s*\(?\d|@@(?:ROWCOUNT|ERROR|IDENTITY|VERSION|SERVERNAME|TRANCOUNT|SPID)\b|\bEXEC(?:UTE)?\s+(?:sp_|xp_|dbo\.)|\b(?:SINGLE|MULTI)_USER\b|"
                   r"\(\s*NOLOCK\s*\)|\bGETDATE\s*\(\s*\)|\bNVARCHAR\b")


def is_tsql(text: str) -> bool:
    """SQL written for SQL Server (T-SQL), which golive's sql step (PostgreSQL, SQLite) cannot run as meant."""
    body = "\n".join(ln for ln in text.split("\n") if not ln.strip().startswith("--"))
    return bool(_TSQL.search(body))


def is_env_file(text: str) -> bool:
    body = [ln.strip() for ln in text.split("\n") if ln.strip() and not ln.strip().startswith("#")]
    return bool(body) and all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", ln) and not re.search(r"\s(&&|\|\||;)\s", ln)
                              for ln in body) and any(re.match(r"[A-Z_]+=", ln) for ln in body)


def env_pairs(text: str) -> list[tuple[int, str, str]]:
    """(0-based row, NAME, value) of an env file; quotes around values removed."""
    out: list[tuple[int, str, str]] = []
    for row, ln in enumerate(text.split("\n")):
        m = re.fullmatch(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)", ln)
        if m and not ln.strip().startswith("#"):
            value = m.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            out.append((row, m.group(1), value))
    return out


def needs_shell(command: str) -> bool:
    """More than one simple command, or anything only a shell interprets (pipes, `&&`, `$VAR`, redirects):
    then `bash -e` and plain bash can differ, and an imported script must run as plain bash."""
    return bool(set(command) & set("|&;<>()$`\\\"'*?[#~=%\n{}")) or len(simple_commands(parse(command))) > 1
