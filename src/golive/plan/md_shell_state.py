"""What a shell script leaves behind in the shell that ran it, for a later script of the same document.

A person types a document's blocks into one shell; each imported step is a new bash. What a block left in the
shell reaches a later step in one of two ways:
- said again: `cd /srv/app`, `export KUBECONFIG=/etc/k8s/prod`, `source .venv/bin/activate`, a function, `set -o
  pipefail`, a `trap ... ERR`: the same text gives the same state;
- saved as the block left it, and read back: a value worked out by a command (`PREV=$(readlink current)` said again
  after the switch reads the NEW release, so a rollback to "$PREV" would change nothing; `$(date +%H%M)` names
  another file a minute later; `mktemp` another directory), or state set on one branch only (`cd x || mkdir x`, an
  `if` that exports, a `for` loop's variable).

Never carried: what ends with the script that set it (`trap ... EXIT` fires at the end of its own step), an `exec`
redirection that truncates (said again it would empty the log each step), and anything in a subshell or pipeline
(it never left its child shell). Read with the tree-sitter bash parse (golive.plan.md_shell), never by patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from golive.plan.md_secrets import secret_like
from golive.plan.md_shell import command_name, node_source, parse

#: The first line of the state an imported step carries from earlier blocks (importer/carry.py), and the line after
#: which the step's own commands stand.
CARRIED_MARK = "# shell state set by earlier blocks of the document (they run in one shell)"
OWN_PART = "\n# this step\n"


_CARRY_READ_BACK = re.compile(r"(?m)^\{ .+ && \. \S+\.sh; \} \|\| exit \d+(?:  #.*)?$")
_CARRY_GUARD = re.compile(r"(?m)(?:\s*>/dev/null)?(?:\s*\|\|\s*exit \d+)?$")


def own_part(command: str) -> str:
    """What the step itself runs: after the carried state, when golive put some in front of it (the `cd` and
    values of earlier blocks are where it runs, not a change of its own nor a thing it names)."""
    if command.lstrip().startswith(CARRIED_MARK) and OWN_PART in command:
        carried, own = command.split(OWN_PART, 1)
        # the forms carry.py writes: a saved value read back (`{ [ -O dir ] && . dir/key.sh; } || exit 1`), a
        # statement said again, stopping the step if it fails or keeping quiet what it printed once already
        said = _CARRY_GUARD.sub("", _CARRY_READ_BACK.sub("", carried))
        if state_only(said):  # a writer put before the line is the step's own doing
            return own
    return command


#: Commands whose whole effect is the shell's own state: saying them again gives the same state.
SAID = frozenset({"cd", "pushd", "popd", "source", ".", "eval", "set", "shopt", "umask", "ulimit", "alias",
                  "unalias", "hash"})
#: Version managers' shell functions that change PATH in the running shell (`nvm use 18`): state, said again.
_MANAGERS = {"nvm": {"use"}, "conda": {"activate", "deactivate"}, "pyenv": {"shell"}, "rvm": {"use"},
             "deactivate": None}
#: Commands that change the working directory.
_CD = frozenset({"cd", "pushd", "popd"})
#: Variables whose value differs each time it is read (or in each process).
_DYNAMIC_VARS = frozenset({"RANDOM", "SRANDOM", "SECONDS", "EPOCHSECONDS", "EPOCHREALTIME", "BASHPID", "LINENO",
                           "PPID"})
#: Programs that read a secret from a store: worked out again it gives the same secret, and saving it would put
#: the value on disk, so such a value is said again, never saved.
_SECRET_READERS = frozenset({"vault", "sops", "op", "pass", "gpg", "aws", "gcloud", "az", "kubectl", "doppler",
                             "chamber", "bw", "age"})
#: Programs that only read and answer the same when asked again, so a `$(...)` made of them may be said again in
#: front of a later step (`eval "$(sops -d …)"`). Anything else inside `$(...)` would run again there: `eval
#: "$(aws sts assume-role …)"`, `CHANGE_ID=$(aws route53 change-resource-record-sets …)` re-applied the change.
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
#: Sayings whose effect depends on the directory they run in (`exec 3>>audit.log`, `source .venv/bin/activate`).
_AT_PLACE = re.compile(r"\s*(?:exec|source|\.)\s")
#: A child shell: what it changes stays there.
_CHILD = frozenset({"subshell", "pipeline", "command_substitution", "process_substitution"})


@dataclass(frozen=True)
class Item:
    """One piece of state, in document order: `text` said again, or (text None) the place where the values this
    script saves are read back."""

    text: str | None
    #: Variables it sets (a later `NAME=` of the step itself makes it moot there).
    names: frozenset[str] = frozenset()
    #: It changes the working directory.
    cd: bool = False


@dataclass
class Left:
    """What one script leaves behind."""

    items: list[Item] = field(default_factory=list)
    #: Saved at the script's end and read back: variables, functions, and the working directory.
    saved_vars: set[str] = field(default_factory=set)
    #: Of those, the exported ones: programs read them from the environment (KUBECONFIG), never as `$NAME`.
    exported: set[str] = field(default_factory=set)
    saved_funcs: set[str] = field(default_factory=set)
    saved_cwd: bool = False
    #: What it leaves that is not carried, and why (for the import summary).
    notes: list[str] = field(default_factory=list)

    @property
    def saves(self) -> bool:
        return bool(self.saved_vars or self.saved_funcs or self.saved_cwd)


def _walk(node: Any, into_functions: bool = False) -> Any:
    """Every node under `node` the running shell itself executes (not child shells, not heredoc bodies)."""
    yield node
    for c in node.children:
        if c.type in _CHILD or c.type == "heredoc_body" or (c.type == "function_definition" and not into_functions):
            if c.type == "function_definition":
                yield c
            continue
        yield from _walk(c, into_functions)


def _worked_out(node: Any) -> bool:
    """The text runs a command or reads a value that changes (`$(...)`, `$RANDOM`, `$$`): said again, it would
    give another value."""
    def any_dynamic(n: Any) -> bool:
        if n.type in ("command_substitution", "process_substitution", "special_variable_name"):
            return True
        if n.type == "variable_name" and node_source(n) in _DYNAMIC_VARS and n.parent is not None \
                and n.parent.type in ("simple_expansion", "expansion"):
            return True
        return any(any_dynamic(c) for c in n.children)

    return any_dynamic(node)


#: Names a credential goes by beyond golive.plan.md_secrets' (`REDISCLI_AUTH`, `DB_PASS`, `SSH_KEY`): such a value is
#: worked out again (read again from where it is kept), never saved to disk by the plan.
_CREDENTIAL = re.compile(r"AUTH|PASS|KEY|CRED|SESSION|COOKIE|CERT", re.I)


def _secretish(name: str) -> bool:
    return secret_like(name) or bool(_CREDENTIAL.search(name))


def _only_reads(argv: list[str]) -> bool:
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


def _acts(node: Any) -> bool:
    """Some command inside the `$(...)`/backticks of `node` does more than read: said again, it would act again."""
    from golive.plan.md_shell import simple_commands

    subs: list[Any] = []

    def walk(n: Any) -> None:
        if n.type in ("command_substitution", "process_substitution"):
            subs.append(n)
            return
        for c in n.children:
            walk(c)

    walk(node)
    return not all(_only_reads(argv) for sub in subs for argv in simple_commands(sub))


def _reads_secret_store(node: Any) -> bool:
    from golive.plan.md_shell import simple_commands

    return any(argv and argv[0].rsplit("/", 1)[-1] in _SECRET_READERS for argv in simple_commands(node))


def _assigned(node: Any) -> list[str]:
    """Names a declaration or assignment node sets."""
    if node.type == "variable_assignment":
        return [node_source(node.children[0])]
    return [node_source(c.children[0] if c.type == "variable_assignment" else c) for c in node.children
            if c.type in ("variable_assignment", "variable_name")]


def _said_command(node: Any) -> bool:
    name = command_name(node)
    if name in SAID:
        return True
    if name == "trap":
        return False  # decided by the caller (EXIT)
    if name in _MANAGERS:
        words = [node_source(c) for c in node.children if c.type == "word"]
        subs = _MANAGERS[name]
        return subs is None or bool(words and words[0] in subs)
    return False


def _trap_signals(node: Any) -> list[str]:
    words = [node_source(c).strip("'\"") for c in node.children if c.type in ("word", "string", "raw_string",
                                                                             "number")]
    return [w.upper().removeprefix("SIG") for w in words[1:]]


def _exec_redirects_kept(node: Any) -> bool:
    """`exec 3>>audit.log`, `exec 2>&1`, `exec > >(tee -a log) 2>&1`: opened again the same (appending, or a copy
    of another descriptor). A truncating `exec > log` would empty the file at every step."""
    for r in node.children[1:]:
        if r.type != "file_redirect":
            return False
        ops = [c.type for c in r.children]
        if ">>" in ops or "&>>" in ops or ">&" in ops or "<&" in ops:
            continue
        sub = next((c for c in r.children if c.type == "process_substitution"), None)
        if sub is not None and ">" in ops:
            from golive.plan.md_shell import simple_commands

            argvs = simple_commands(sub)
            if argvs and all(a[0] == "tee" and any(w in ("-a", "--append") for w in a[1:]) for a in argvs):
                continue
        return False
    return True


def script_state(script: str) -> Left:
    """What `script` leaves in the shell that runs it (nothing for a script bash cannot parse)."""
    left = Left()
    root = parse(script)
    if root.has_error:
        return left
    for node in root.children:
        if node.type != "comment":
            _top(node, left)
    # a value saved at the end is the one in force: the step's own sayings of that name are not said again; the
    # directory it ended in is read back where its last change of directory stands (what comes between its `cd`s
    # and after them, an `exec 3>>log`, runs where the document ran it)
    items = [it for it in left.items if it.text is None or not (it.names & left.saved_vars)]
    if left.saved_cwd:
        # the `cd`s before the first one known only at run time are said again; from there on, the directory the
        # script ended in is read back where its last change of directory stands
        first = min(i for i, it in enumerate(items) if it.cd and it.text is None)
        last = max(i for i, it in enumerate(items) if it.cd)
        between = [it.text for it in items[first:last] if it.text is not None and not it.cd
                   and _AT_PLACE.match(it.text)]
        left.notes += [f"`{t[:60]}` stands after a change of directory known only when the block runs: said again"
                       " in later steps, it runs in the directory before that change" for t in between if t]
        items = [Item(None, cd=True) if i == last else it for i, it in enumerate(items)
                 if i < first or not it.cd or i == last]
    left.items = items
    return left


def reads(script: str) -> tuple[set[str], set[str]]:
    """The variables `script` reads (`$NAME`, `${NAME...}`) without setting them itself (a loop's `$host` after its
    own `for host in ...`), and the ones read inside its functions (read where the function is called, later)."""
    everywhere: set[str] = set()
    in_functions: set[str] = set()
    sets: set[str] = set()

    def walk(n: Any, in_function: bool) -> None:
        if n.type == "variable_name" and n.parent is not None and n.parent.type in ("simple_expansion", "expansion"):
            everywhere.add(node_source(n))
            if in_function:
                in_functions.add(node_source(n))
        elif n.type == "variable_name" and not in_function and n.parent is not None and n.parent.type in (
                "variable_assignment", "for_statement", "select_statement"):
            sets.add(node_source(n))
        for c in n.children:
            walk(c, in_function or n.type == "function_definition")

    walk(parse(script), False)
    return everywhere - sets, in_functions


def first_sets(script: str) -> set[str]:
    """The names the script's first statement sets, before it reads anything (`V5=50`, `export REGION=eu`)."""
    root = parse(script)
    first = next((n for n in root.children if n.type != "comment"), None)
    if root.has_error or first is None or first.type not in ("variable_assignment", "declaration_command"):
        return set()
    names = set(_assigned(first))
    used: set[str] = set()

    def walk(n: Any) -> None:  # every name it reads, `$V5`, `$((V5 + 10))`, `$(echo $A)` alike
        if n.type == "variable_name" and not (n.parent is not None and n.parent.type == "variable_assignment"
                                              and n.parent.children[0] == n):
            used.add(node_source(n))
        for c in n.children:
            walk(c)

    walk(first)
    return set() if names & used else names  # `V5=$((V5 + 10))` reads the carried value


def sets(script: str) -> set[str]:
    """The variables `script` sets in its own shell (assignments, `export`, `declare`, loop variables)."""
    left = script_state(script)
    return set().union(*(it.names for it in left.items)) | left.saved_vars


def state_only(script: str) -> bool:
    """Every statement of `script` only sets the shell's state (`cd /srv/app`, `export KUBECONFIG=...`, a function):
    nothing else runs, so saying it again in front of a later script repeats no work."""
    root = parse(script)
    if root.has_error:
        return False

    def only(node: Any) -> bool:
        if node.type in ("comment", "function_definition", "unset_command"):
            return True
        if node.type in ("variable_assignment", "declaration_command"):
            return not _worked_out(node) or _reads_secret_store(node)
        if node.type == "list":
            return all(c.type in ("&&", ";") or only(c) for c in node.children)
        cmd = node.children[0] if node.type == "redirected_statement" and node.children else node
        if cmd.type != "command":
            return False
        if command_name(cmd) == "exec" and cmd.child_count == 1:  # `exec 3>>audit.log`: opens, runs nothing
            return node is not cmd and _exec_redirects_kept(node)
        if command_name(cmd) == "trap":
            sigs = _trap_signals(cmd)
            return bool(sigs) and "EXIT" not in sigs and "0" not in sigs
        return _said_command(cmd) and not (command_name(cmd) in _CD and _worked_out(cmd))

    body = [n for n in root.children if n.type != "comment"]
    return bool(body) and all(only(n) for n in body)


def _ends_the_script(node: Any) -> bool:
    """`exit 1`, `{ echo "no app dir" >&2; exit 1; }`, `return`: the script goes no further on this branch."""
    if node.type == "command":
        return command_name(node) in ("exit", "return")
    if node.type in ("compound_statement", "list", "redirected_statement"):
        body = [c for c in node.children if c.type not in ("{", "}", ";", "&&", "comment", "file_redirect")]
        return bool(body) and _ends_the_script(body[-1])
    return False


def _save_mark(left: Left, names: set[str] | None = None, cd: bool = False) -> None:
    """Values read back where they were set; the directory is placed by script_state."""
    names = names or set()
    left.saved_vars |= names
    left.saved_cwd = left.saved_cwd or cd
    if names or not cd:
        left.items.append(Item(None, frozenset(names)))
    if cd:
        left.items.append(Item(None, cd=True))


def _top(node: Any, left: Left) -> None:
    kind = node.type
    if kind == "function_definition":
        name = node.child_by_field_name("name")
        left.items.append(Item(node_source(node), frozenset({node_source(name) + "()"} if name else ())))
        return
    if kind in ("variable_assignment", "declaration_command"):
        names = _assigned(node)
        # a credential read again is read again (never saved to disk); anything that acts is never run again
        secret = any(_secretish(n) for n in names) or _reads_secret_store(node)
        if _worked_out(node) and (_acts(node) or not secret):
            _save_mark(left, set(names))
            if kind == "declaration_command" and (node_source(node.children[0]) == "export" or any(
                    c.type == "word" and node_source(c).startswith("-") and "x" in node_source(c)
                    for c in node.children)):
                left.exported |= set(names)
        else:
            left.items.append(Item(node_source(node), frozenset(names)))
        return
    if kind == "unset_command":
        left.items.append(Item(node_source(node), frozenset(_assigned(node))))
        return
    if kind == "redirected_statement" and node.children and node.children[0].type == "list" \
            and all(c.type != "||" for c in node.children[0].children):
        # `mkdir -p d && pushd d >/dev/null`: the parse puts the redirection on the list, bash on its last command
        kids = [c for c in node.children[0].children if c.type not in ("&&", ";")]
        for c in kids[:-1]:
            _top(c, left)
        last = kids[-1]
        if last.type == "command" and _said_command(last):
            _command(last, left, " ".join([node_source(last), *(node_source(c) for c in node.children[1:])]))
        elif last.type != "command":
            _top(last, left)
        return
    if kind == "redirected_statement" and node.children and node.children[0].type == "command":
        cmd = node.children[0]
        if command_name(cmd) == "exec" and not [c for c in cmd.children if c.type != "command_name"]:
            if _exec_redirects_kept(node):
                left.items.append(Item(node_source(node)))
            else:
                left.notes.append(f"`{node_source(node)[:60]}` truncates what it opens: said again in each later"
                                  " step it would empty it, so later steps' output does not go there")
            return
        if _said_command(cmd):
            _command(cmd, left, node_source(node))
        return
    if kind == "command":
        if command_name(node) == "trap":
            sigs = _trap_signals(node)
            if "EXIT" in sigs or "0" in sigs:
                left.notes.append(f"`{node_source(node)[:60]}` runs when its own step ends (each step is its own"
                                  " bash), not at the end of the document")
            elif sigs:
                left.items.append(Item(node_source(node)))
            return
        if _said_command(node):
            _command(node, left, node_source(node))
        return
    if kind == "list" and all(c.type != "||" for c in node.children):
        for c in node.children:  # `cd dir && git checkout v1`: the cd is state, the checkout this block's own work
            if c.type not in ("&&", ";"):
                _top(c, left)
        return
    if kind == "list" and [c.type for c in node.children][1:2] == ["||"] and len(node.children) == 3 \
            and _ends_the_script(node.children[2]):
        _top(node.children[0], left)  # `cd /srv/app || exit 1`: past this line, the cd was done
        return
    # state set on a branch or in a loop (`cd x || mkdir x`, `if ...; then export A=1; fi`, `for i in ...`): what
    # the script left is known only when it has run, so it is saved at its end
    branch: set[str] = set()
    cd = False
    for n in _walk(node):
        if n.type in ("variable_assignment", "declaration_command"):
            branch |= set(_assigned(n))
        elif n.type in ("for_statement", "select_statement"):
            branch |= {node_source(c) for c in n.children if c.type == "variable_name"}
        elif n.type == "function_definition":
            left.saved_funcs.add(node_source(n.child_by_field_name("name") or n.children[0]))
        elif n.type == "command" and command_name(n) in _CD:
            cd = True
        elif n.type == "command" and command_name(n) in ("read", "mapfile", "readarray"):
            branch |= {node_source(c) for c in n.children if c.type == "word" and not node_source(c).startswith("-")}
    if branch or cd:
        _save_mark(left, branch, cd)
    elif left.saved_funcs:
        _save_mark(left)


def _command(cmd: Any, left: Left, text: str) -> None:
    name = command_name(cmd)
    if name in ("eval", "source", ".") and _acts(cmd):
        left.notes.append(f"`{text[:60]}` runs a command that acts (`$(...)`): said again in front of later steps"
                          " it would act again, so it is not carried; what it set is not in later steps")
        return
    if name in _CD:
        if _worked_out(cmd):  # `cd "$(mktemp -d)"`: another directory each time
            _save_mark(left, cd=True)
            return
        left.items.append(Item(text, cd=True))
        return
    left.items.append(Item(text))
