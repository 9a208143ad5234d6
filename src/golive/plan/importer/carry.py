"""Shell state that crosses blocks. A person types a document's blocks into one shell, so a `cd`, a `source`, an
`eval` or an `export` of an early block is still in force when a later block runs; each imported shell step runs in
a new bash, where it would be silently lost. The top-level statements of a step that change the shell's own state
(read with the tree-sitter bash parse) are carried, in document order, in front of every later shell step (forward
phases, then the rollback levels with all the forward state); the block's other work is never repeated."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.fences import block_text
from golive.plan.md_shell import command_name, node_source, parse, simple_commands

#: Commands whose whole effect is the shell's own state, and which are safe to say again before a later step.
_CARRIED = frozenset({"cd", "pushd", "source", ".", "eval", "export", "set", "shopt", "umask", "alias", "unset",
                      "declare", "typeset", "readonly"})
#: A comment line marking the carried state in front of a step's own commands.
MARK = "# shell state set by earlier blocks of the document (they run in one shell)"
#: Programs that only read and answer the same when asked again, so a `$(...)` made of them may be said again in
#: front of a later step. Anything else inside `$(...)` would run again there: `CHANGE_ID=$(aws route53
#: change-resource-record-sets …)` carried into a rollback level re-applies the DNS change it records, and
#: `$(date …)` or `$(mktemp …)` would give each step another value than the document's one shell had.
_READERS = frozenset({"cat", "jq", "yq", "grep", "egrep", "fgrep", "awk", "head", "tail", "cut", "tr", "sort",
                      "uniq", "wc", "basename", "dirname", "realpath", "readlink", "pwd", "hostname", "whoami", "id",
                      "printf", "echo", "uname", "base64", "xargs", "column", "getent", "test", "["})
#: Programs that only read when their words say so (`aws ec2 describe-…`, `kubectl get`, `vault kv get`).
_READING_WORDS = {"aws": re.compile(r"\S+ (describe|get|list)-"), "kubectl": re.compile(r"(get|version|config view)\b"),
                  "vault": re.compile(r"(kv get|kv list|read|print)\b"), "terraform": re.compile(r"(output|show)\b"),
                  "git": re.compile(r"(rev-parse|describe|log|show)\b"),
                  "sops": re.compile(r"(-d|--decrypt|decrypt)\b"),
                  "gcloud": re.compile(r".*\b(describe|list)\b"), "az": re.compile(r".*\b(show|list)\b")}
#: curl options that send or change something (a GET answers again; a POST, PUT, DELETE or upload acts again).
_CURL_SENDS = re.compile(r"^(-X|--request|-d|--data\S*|-F|--form|-T|--upload-file|--json)$|^-X\S|^-[a-zA-Z]*[dFT]$")


def _reads(argv: list[str]) -> bool:
    """Whether the simple command `argv` only reads (see _READERS): saying it again changes nothing."""
    prog = argv[0].rsplit("/", 1)[-1]
    args = [a.strip("'\"") for a in argv[1:]]
    if prog == "sed":
        return not any(a.startswith("-i") or a == "--in-place" for a in args)
    if prog == "curl":
        return not any(_CURL_SENDS.match(a) for a in args)
    if prog in _READING_WORDS:
        words = " ".join(a for a in args if not a.startswith("-") or prog == "sops")
        return bool(_READING_WORDS[prog].match(words))
    return prog in _READERS


def _replayable(node: Any) -> bool:
    """Whether every command inside the `$(...)` and backticks of `node` only reads (nothing acts twice)."""
    subs: list[Any] = []

    def walk(n: Any) -> None:
        if n.type in ("command_substitution", "process_substitution"):
            subs.append(n)
            return
        for c in n.children:
            walk(c)

    walk(node)
    return all(_reads(argv) for sub in subs for argv in simple_commands(sub))


def _carried(node: Any) -> list[str]:
    """The state-setting parts of one top-level statement, as text (none that would act again when said again)."""
    kind = node.type
    if kind != "list" and not _replayable(node):
        return []
    if kind == "command":
        return [node_source(node)] if command_name(node) in _CARRIED else []
    if kind in ("declaration_command", "variable_assignment", "unset_command", "function_definition"):
        return [node_source(node)]
    if kind == "list":  # `cd dir && git checkout v1`: the cd is kept, the checkout is this block's own work
        out: list[str] = []
        for c in node.children:
            if c.type in ("&&", "||", ";"):
                if c.type == "||":
                    break  # what follows runs only on failure
                continue
            part = _carried(c)
            if not part and c.type != "list":
                if c.type != "command":
                    break
                continue
            out.extend(part)
        return out
    return []


def state_of(script: str) -> list[str]:
    """The statements of `script` that leave state behind in the shell that runs it."""
    root = parse(script)
    if root.has_error:
        return []
    out: list[str] = []
    for node in root.children:
        if node.type != "comment":
            out.extend(_carried(node))
    return out


def _assigned(line: str) -> str | None:
    """The variable `NAME=…` or `export NAME=…` sets (one name only), else None."""
    m = re.fullmatch(r"(?:export\s+|declare\s+(?:-\w+\s+)*)?([A-Za-z_]\w*)=\S*", line.strip())
    return m.group(1) if m else None


def _shell_text(step: Any) -> str | None:
    shell: Any = step.get("shell") if isinstance(step, dict) else None
    if isinstance(shell, str):
        return shell
    if isinstance(shell, dict) and isinstance(shell.get("command"), str):
        return str(shell["command"])
    return None


def _set_shell_text(step: Any, text: Any) -> None:
    if isinstance(step["shell"], str):
        step["shell"] = text
    else:
        step["shell"]["command"] = text


def _prefixed(text: str, state: list[str]) -> str | None:
    """`text` with the carried `state` in front (without what `text` sets again itself), or None when none is."""
    mine = {n for line in state_of(text) if (n := _assigned(line))}
    before = [line for line in state if _assigned(line) not in mine]  # the step sets it again itself
    return block_text("\n".join([MARK, *before, "# this step", text.rstrip("\n")])) if before else None


def _carry(steps: list[Any], state: list[str]) -> list[str]:
    """Prefix each shell step of `steps` (and its shell undo) with `state`; returns the state after them."""
    state = list(state)
    for step in steps:
        text = _shell_text(step)
        if text is None:
            continue
        own = state_of(text)
        if (done := _prefixed(text, state)) is not None:
            _set_shell_text(step, done)
        for line in own:
            if line not in state or line.split()[0] in ("cd", "pushd"):  # a relative cd counts each time
                state.append(line)
        # the undo runs in a new bash too, after this step: `python manage.py migrate payments 0041` needs the
        # folder and the virtualenv the forward step had, or it fails when the migration is to be taken back
        undo = step.get("undo") if isinstance(step, dict) else None
        undo_text = undo if isinstance(undo, str) else _shell_text(undo)
        if undo_text is not None and (done := _prefixed(undo_text, state)) is not None:
            if isinstance(undo, str):
                step["undo"] = done
            else:
                _set_shell_text(undo, done)
    return state


def carry_state(phases: list[dict[str, Any]], levels: list[dict[str, Any]]) -> list[str]:
    """Carry state through the forward phases, then into each rollback level. Returns the carried lines."""
    state: list[str] = []
    for p in phases:
        state = _carry(p["steps"], state)
    for lv in levels:
        _carry(lv["steps"], state)
    return state
