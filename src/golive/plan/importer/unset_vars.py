"""Variables the steps read that the document sets nowhere (`git tag -a "v$VERSION"` with no VERSION anywhere).

bash expands an unset variable to nothing, so such a step runs, and tags `v`. A name the document never sets, that
is no variable every shell has (HOME, PATH, USER, ...) and that is not read with a default (`${NAME:-x}`), is the
operator's to give: it becomes a plan var read from the environment with no default, so the run refuses to start
until it is given, and the summary lists it. When a step sources a file (`source env.sh`), that file may set it:
the name is listed in the summary only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from golive.plan.md_shell_state import reads, sets

if TYPE_CHECKING:
    from golive.plan.importer.state import ImportState

#: Variables every shell, login or CI job has, or that bash sets itself: reading them is no mistake.
WELL_KNOWN = frozenset({
    "HOME", "PATH", "USER", "LOGNAME", "PWD", "OLDPWD", "HOSTNAME", "HOSTTYPE", "OSTYPE", "MACHTYPE", "SHELL",
    "SHLVL", "TERM", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "UID", "EUID", "GROUPS", "PPID",
    "RANDOM", "SRANDOM", "SECONDS", "EPOCHSECONDS", "EPOCHREALTIME", "LINENO", "BASHPID", "BASH", "BASH_VERSION",
    "BASH_SOURCE", "BASH_REMATCH", "BASH_LINENO", "BASH_ARGV", "BASH_ARGC", "BASH_COMMAND", "FUNCNAME", "PIPESTATUS",
    "IFS", "OPTARG", "OPTIND", "REPLY", "COLUMNS", "LINES", "PS1", "PS2", "PS4", "MAIL", "EDITOR", "VISUAL", "PAGER",
    "DISPLAY", "SSH_AUTH_SOCK", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "SUDO_USER", "SUDO_UID", "SUDO_GID",
    "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "KUBECONFIG", "DOCKER_HOST",
    "CI", "GOPATH", "JAVA_HOME", "VIRTUAL_ENV", "HISTFILE", "MAILPATH", "HOSTFILE", "PROMPT_COMMAND",
})
#: Read with a default or an alternative (`${NAME:-x}`, `${NAME-x}`, `${NAME:=x}`, `${NAME:+x}`): never empty
#: by accident.
_DEFAULTED = re.compile(r"\$\{([A-Za-z_]\w*):?[-=+]")
#: Names other commands set: `read -r NAME`, `mapfile NAME`, `getopts ... NAME`, `printf -v NAME`, `local NAME`.
_OTHER_SETTERS = re.compile(r"\b(?:read|mapfile|readarray|getopts\s+\S+|printf\s+-v|local|declare|typeset)"
                            r"(?:\s+-\w+)*\s+([A-Za-z_]\w*)")
_SOURCES = re.compile(r"(?m)(?:^|[;&|]\s*|\bthen\s+|\bdo\s+)(?:source|\.)\s+\S")


def unset_names(scripts: Iterable[str], declared: Iterable[str]) -> tuple[list[str], bool]:
    """The names the scripts read that none of them sets, in order, and whether a script sources a file (which
    may set them). `declared`: the plan's vars already (and names the document set in other ways)."""
    texts = list(scripts)
    set_somewhere = set(declared) | WELL_KNOWN
    read_in_order: list[str] = []
    for text in texts:
        set_somewhere |= sets(text)
        set_somewhere |= set(_OTHER_SETTERS.findall(text))
        set_somewhere |= set(_DEFAULTED.findall(text))
        set_somewhere |= set(re.findall(r"(?:^|[\s;&|(])([A-Za-z_]\w*)=", text))
        set_somewhere |= set(re.findall(r"\bfor\s+([A-Za-z_]\w*)\s+in\b", text))
        read_in_order += sorted(reads(text)[0])
    sourced = any(_SOURCES.search(t) for t in texts)
    out: list[str] = []
    for name in read_in_order:
        if name not in set_somewhere and name not in out and re.fullmatch(r"[A-Za-z_]\w*", name) \
                and not name.startswith(("GOLIVE_", "BASH_")):
            out.append(name)
    return out, sourced


def shell_scripts(holders: Iterable[dict[str, object]]) -> list[str]:
    """The bash scripts of the shell steps (and shell undos) of phases or levels."""
    out: list[str] = []
    for holder in holders:
        for st in holder.get("steps") or []:  # type: ignore[attr-defined]
            for spec in (st.get("shell"), (st.get("undo") or {}).get("shell") if isinstance(st.get("undo"), dict)
                         else None):
                cmd = spec.get("command") if isinstance(spec, dict) else spec
                if isinstance(cmd, str) and not (isinstance(spec, dict) and spec.get("shell") not in (None, "bash")):
                    # (another interpreter's script, PowerShell's `$node`, is not bash's to expand)
                    out.append(cmd)
    return out



def forget_unheld(imp: ImportState, held: str) -> None:
    """A placeholder no step holds any more (`< backup_YYYYMMDD.sql` became golive's own restore): nothing to fill
    in, no var the summary says the commands read, and no note "it became ${DATE}, a plan var" (`held`: the text
    of every step of the plan)."""
    for gone in sorted(v for v in imp.placeholders if not re.search(rf"\$\{{?{v}\b", held)):
        imp.placeholders.discard(gone)
        imp.refs.discard(gone)
        imp.notes[:] = [re.sub(rf"it became \$\{{{gone}\}}, a plan var[^.;]*", "no step of the plan holds it any"
                               " more (see the conversions)", n) for n in imp.notes]
        imp.conversions.append(f"${{{gone}}}: no step of the plan reads it any more -> not a var to fill in")
