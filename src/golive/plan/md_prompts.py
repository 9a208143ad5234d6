"""Console prompts and transcripts: the one reader the importer uses wherever a block shows a prompt.

Teams paste terminals into runbooks. Read as a script, a transcript runs its output (`inactive`, `Query OK`) and
its prompts (`web1# systemctl ...`); read as text, its commands are dropped. Three readers had grown apart (the
fence classifier, the text-fence fallback and the transcript-section finder) and each knew other prompts, so the
same block meant different things in different places. This module reads a block once: which lines were typed, at
which prompt (a shell, root's shell, or another program's), and whether output is shown.

**When `#` at a line start is root's prompt, and when it is a comment** (decided for the whole block):
- `#!` on the first line is a shebang, `#word` (no blank after `#`) a comment: never a prompt.
- `# X` is a comment unless X reads as a command (a program word and an argument: `# systemctl stop app`, never
  `# Stop the app`, `# expect: 12`) and the block is root's console, which it is when
  1. an earlier prompted line opened a root shell (`$ sudo -i`, `$ sudo su -`, `$ su -`, `$ sudo -s`);
  2. the block writes root's prompt in full elsewhere (`[root@web1 ~]#`, `root@web1:/#`): `# ` is its short form;
  3. a `# X` line whose X surely is a command (a known program, a path, an option or shell syntax: what
     `commented_out` says) has output right under it: a line that is no prompt, no comment and no command;
  4. the block is not tagged as a script and every line of it is such a sure `# X` (a console fence holding only
     commented-out commands has no reason to exist; root's typed lines do).
- In root's console every `# X` whose X reads as a command is typed at root's prompt; in any other block it is a
  comment (in a script, `commented_out` tells a command taken out from words for a person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: A shell prompt written in full before a command: `$ cmd`, `% cmd` (zsh), `user@host:~/app$ cmd`,
#: `(venv) user@host:~$ cmd`, `[root@web1 ~]# cmd`. Ending in `#`, it is root's.
_SHELL = re.compile(r"^\s*(?:\$|%|(?:\([\w.-]+\)\s*)?[\w.-]+@[\w.-]+(?::\S*)?\s?[$#]|\[[\w.-]+@[\w.-]+[^\]]*\][$#])"
                    r"\s+(?=\S)")
#: `# cmd`: root's prompt written short, or a comment (the rule above decides). X must read as a command: a program
#: word and at least one argument.
_HASH = re.compile(r"^\s*#\s+(?=[a-z][\w.+-]*(?<!:)\s+-{0,2}[\w/.$=-])")
#: PowerShell's prompt (`PS C:\\>`, `PS /home/app>`, `PS>`) and cmd.exe's (`C:\\>`, `C:\\inetpub\\shop>`).
_WIN = re.compile(r"^\s*(?:PS\s+[A-Za-z]:\\[^>\n]*>|PS\s+/[^>\n]*>|PS>|[A-Za-z]:\\[^>\n]*>)\s*(?=\S)")
#: A command that opens root's shell: the `# ` lines after it are typed there.
_ROOT_SHELL = re.compile(r"^\s*(?:sudo\s+(?:-\w*[is]\w*|--login|--shell)\s*$|sudo\s+su\b(?!.*\s-c\b)|"
                         r"su(?:\s+-|\s+-l|\s+--login|\s+root)?\s*$)")
#: The shell's continuation prompt (PS2) before a line of an unfinished command or a heredoc's body.
_CONT = re.compile(r"^\s*>\s?")
_HEREDOC = re.compile(r"<<-?\s*['\"]?([A-Za-z_]\w*)['\"]?")

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
    """A comment's words are a command (taken out of a script, or typed at root's `# ` prompt), not words for a
    person: a known program, a path, or options and shell syntax after a lower-case word."""
    from golive.plan.md_shell import looks_like_commands

    words = comment.split()
    if not words or not looks_like_commands(comment):
        return False
    prog = words[0]
    return prog in _PROGRAMS or prog.startswith(("./", "/", "~/")) or (
        len(words) > 1 and bool(re.search(r"(?:^|\s)--?[A-Za-z]|[|;&$=<>]", " ".join(words[1:]))))


@dataclass(frozen=True)
class Typed:
    """One command typed at a prompt: its row in the block, the prompt as written, and where it is typed."""

    row: int
    prompt: str
    command: str
    root: bool = False


@dataclass(frozen=True)
class Console:
    """What a block with prompts shows: the commands typed, and whether output is shown under them."""

    typed: tuple[Typed, ...]
    output: bool

    @property
    def root(self) -> bool:
        return any(t.root for t in self.typed)

    @property
    def commands(self) -> list[str]:
        return [t.command for t in self.typed]


def _shell_prompt(line: str) -> re.Match[str] | None:
    return _SHELL.match(line)


def _root_console(lines: list[str], script: bool) -> bool:
    """The block is root's console (the rule in the module's docstring, points 1-4)."""
    sure: list[int] = []
    for i, ln in enumerate(lines):
        m = _shell_prompt(ln)
        if m is not None:
            if m.group(0).rstrip().endswith("#"):
                return True  # 2. root's prompt written in full
            if _ROOT_SHELL.match(ln[m.end():]):
                return True  # 1. a root shell opened (`$ sudo -i`)
            continue
        if _HASH.match(ln) and commented_out(ln.strip()[1:].strip()):
            sure.append(i)
    for i in sure:
        nxt = next((ln for ln in lines[i + 1:] if ln.strip()), None)
        if nxt is not None and not nxt.strip().startswith("#") and _shell_prompt(nxt) is None \
                and not commented_out(nxt.strip()):
            return True  # 3. output right under a sure command
    body = [ln for ln in lines if ln.strip()]
    return not script and bool(body) and len(sure) == len(body)  # 4. nothing but root's typed lines


def read_console(text: str, script: bool = False) -> Console | None:
    """The prompted commands of a block and whether output is shown; None when no line carries a prompt.

    `script`: the block is tagged as a script (bash, sh): its `# ` lines need more to be root's prompt (point 4).
    A command's `\\` continuations are part of it; a heredoc's body is skipped (neither output nor a command)."""
    lines = text.split("\n")
    root_console = _root_console(lines, script)
    typed: list[Typed] = []
    output = False
    heredoc: str | None = None
    cont = False
    for row, ln in enumerate(lines):
        s = ln.strip()
        if heredoc is not None:
            if _CONT.sub("", ln).strip() == heredoc:  # the terminal shows `> EOF`
                heredoc = None
            continue
        if cont:
            last = typed[-1]
            typed[-1] = Typed(last.row, last.prompt, last.command + "\n" + ln, last.root)
            cont = ln.rstrip().endswith("\\")
            continue
        m = _shell_prompt(ln) or (_HASH.match(ln) if root_console else None)
        if m:
            cmd = ln[m.end():]
            prompt = m.group(0).strip()
            typed.append(Typed(row, prompt, cmd, prompt.endswith("#")))
            cont = cmd.rstrip().endswith("\\")
            h = _HEREDOC.search(cmd)
            heredoc = h.group(1) if h else None
        elif s and not s.startswith("#"):
            output = True
    if not typed:
        return None
    return Console(tuple(typed), output)


def transcript(text: str, script: bool = False) -> list[str] | None:
    """The commands of a console transcript: prompted lines with what they printed under them, or typed at root's
    prompt. None when the block is not one: no prompt, or nothing but commands typed at the user's prompt (a
    script written with prompts)."""
    console = read_console(text, script)
    if console is None or not (console.output or console.root):
        return None
    return console.commands


def strip_win_prompts(text: str) -> tuple[str, bool]:
    """A PowerShell or cmd.exe block with its prompts (`PS C:\\> Stop-Service x`): the commands alone, and whether
    the block is a transcript instead (lines with no prompt under prompted ones: output)."""
    lines = text.split("\n")
    prompted = [bool(_WIN.match(ln)) for ln in lines]
    if not any(prompted):
        return text, False
    body = [(p, ln) for p, ln in zip(prompted, lines, strict=True) if ln.strip() and not ln.strip().startswith("#")]
    if any(not p for p, _ln in body):
        return text, True
    return "\n".join(_WIN.sub("", ln) for ln in lines), False
