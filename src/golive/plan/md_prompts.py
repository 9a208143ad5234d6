"""Console prompts and transcripts: the one reader the importer uses wherever a block shows a prompt.

Teams paste terminals into runbooks. Read as a script, a transcript runs its output (`inactive`, `Query OK`) and
its prompts (`web1# systemctl ...`); read as text, its commands are dropped. Three readers had grown apart (the
fence classifier, the text-fence fallback and the transcript-section finder) and each knew other prompts, so the
same block meant different things in different places. This module reads a block once: which lines were typed, at
which prompt (a shell, root's shell, or another program's), and whether output is shown.

A line typed at another program's prompt (`mysql>`, `postgres=#`, `>>>`, `redis 127.0.0.1:6379>`, `irb(main)>`,
`PS C:\\>`, `C:\\>`) is typed into that program by a person: never bash, output or not. Continuation prompts (`> `,
`...`, `->`, `db-#`) and a heredoc's body go on the command above them.

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

#: `(venv) `, `(base) `: the Python environment a prompt shows first.
_ENV = r"(?:\([\w.-]+\)\s*)?"
#: A shell prompt written in full before a command (ending in `#`, it is root's): `$ cmd`, `% cmd` (zsh),
#: `user@host:~/app$`, `(venv) user@host:~$`, `[root@web1 ~]#`, `root@web1:/#`, the PS1-like `web1#` /
#: `web1:/srv$` / `sh-5.1$` / `bash-5.2#`, oh-my-zsh's `➜  app git:(main) ✗`, starship's `❯`.
_SHELL = re.compile(
    r"^\s*" + _ENV + r"(?:\$|%|[\w.-]+@[\w.-]+(?::\S*)?\s?[$#]|\[[\w.-]+@[\w.-]+[^\]]*\][$#]|"
    r"[a-z][\w.-]+(?::[~/]\S*)?[$#](?=\s+[A-Za-z./~$\"'])|"
    r"➜\s+\S+(?:\s+git:\([^)\s]*\))?(?:\s+✗)?|❯)\s+(?=\S)")
#: Prompts of other programs, first match wins, each with what the line is typed into: never bash.
_CLIENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*>>>(?:\s+|$)"), "the Python prompt"),
    (re.compile(r"^\s*(?:mysql|MariaDB\s*\[[^\]\n]*\])>\s+"), "the mysql client"),
    (re.compile(r"^\s*[\w-]+=[#>]\s+"), "psql"),
    (re.compile(r"^\s*(?:redis\s+)?[\w.-]+:\d{2,5}(?:\[\d+\])?>\s+"), "redis-cli"),
    (re.compile(r"^\s*(?:irb\([^)\n]*\):\d+(?::\d+)?>|\[\d+\]\s+pry\([^)\n]*\)>)\s+"), "irb"),
    (re.compile(r"^\s*sqlite>\s+"), "sqlite3"),
    (re.compile(r"^\s*SQL>\s+"), "SQL*Plus"),
    (re.compile(r"^\s*(?:PS\s+[A-Za-z]:\\[^>\n]*>|PS\s+/[^>\n]*>|PS>)\s*(?=\S)"), "PowerShell"),
    (re.compile(r"^\s*[A-Za-z]:\\[^>\n]*>\s*(?=\S)"), "cmd.exe"),
)
#: The continuation prompt of each: the line goes on the command above it.
_CONTINUED = {"shell": re.compile(r"^\s*>(?:\s|$)"), "the Python prompt": re.compile(r"^\s*\.\.\.(?:\s|$)"),
              "the mysql client": re.compile(r"^\s*->\s"), "psql": re.compile(r"^\s*[\w-]+[-('\"][#>]\s"),
              "irb": re.compile(r"^\s*irb\([^)\n]*\):\d+(?::\d+)?[*\"']\s"), "sqlite3": re.compile(r"^\s*\.\.\.>\s"),
              "PowerShell": re.compile(r"^\s*>>\s")}
#: `# cmd`: root's prompt written short, or a comment (the rule above decides). X must read as a command: a program
#: word and at least one argument.
_HASH = re.compile(r"^\s*#\s+(?=[a-z][\w.+-]*(?<!:)\s+-{0,2}[\w/.$=-])")
#: PowerShell's prompt and cmd.exe's (the last two of _CLIENTS), for a block PowerShell runs once they are gone.
_WIN = re.compile("|".join(rx.pattern for rx, _w in _CLIENTS[-2:]))
#: A command that opens root's shell: the `# ` lines after it are typed there.
_ROOT_SHELL = re.compile(r"^\s*(?:sudo\s+(?:-\w*[is]\w*|--login|--shell)\s*$|sudo\s+su\b(?!.*\s-c\b)|"
                         r"su(?:\s+-|\s+-l|\s+--login|\s+root)?\s*$)")
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
    #: "shell" (bash, zsh, sh: root's when `root`), or the program it is typed into ("psql", "the Python prompt")
    where: str = "shell"

    @property
    def shown(self) -> str:
        """The command as a person reads it: at a shell bare, at another program's prompt with that prompt."""
        return self.command if self.where == "shell" else f"{self.prompt} {self.command}"


@dataclass(frozen=True)
class Console:
    """What a block with prompts shows: the commands typed, and whether output is shown under them."""

    typed: tuple[Typed, ...]
    output: bool
    #: the block's lines with the prompts taken off (continuation prompts too); output lines as they are
    plain: tuple[str, ...] = ()

    @property
    def root(self) -> bool:
        return any(t.root for t in self.typed)

    @property
    def commands(self) -> list[str]:
        return [t.command for t in self.typed]

    @property
    def elsewhere(self) -> bool:
        """A command is typed into another program (a database client, a REPL, PowerShell): a person's step."""
        return any(t.where != "shell" for t in self.typed)


def _shell_prompt(line: str) -> re.Match[str] | None:
    return _SHELL.match(line)


def _prompt(line: str) -> tuple[re.Match[str], str] | None:
    """The prompt a line starts with, and where what follows it is typed."""
    for rx, where in _CLIENTS:
        m = rx.match(line)
        if m:
            return m, where
    m = _SHELL.match(line)
    return (m, "shell") if m else None


def _unfinished(command: str) -> bool:
    """A shell command that goes on at the next line: a `\\`, a pipe or `&&`/`||` at its end."""
    return command.rstrip().endswith(("\\", "|", "&&", "||"))


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
    A command's continuation lines (after a `\\`, or under it with a continuation prompt: `> `, `...`, `->`) and
    a heredoc's body are part of it: neither output nor commands of their own."""
    lines = text.split("\n")
    root_console = _root_console(lines, script)
    typed: list[Typed] = []
    plain = list(lines)
    output = False
    heredoc: str | None = None
    cont = False  # the row above was typed or went on a command, which may go on here
    for row, ln in enumerate(lines):
        s = ln.strip()
        last = typed[-1] if typed else None
        more = _CONTINUED.get(last.where) if last is not None else None
        m = more.match(ln) if more is not None and (cont or heredoc is not None) else None
        if last is not None and (heredoc is not None or m or (cont and last.where == "shell"
                                                              and _unfinished(last.command))):
            line = ln[m.end():] if m else ln
            plain[row] = line
            typed[-1] = Typed(last.row, last.prompt, last.command + "\n" + line, last.root, last.where)
            if heredoc is not None and line.strip() == heredoc:  # the terminal shows `> EOF`
                heredoc = None
            continue
        found = _prompt(ln)
        hashed = _HASH.match(ln) if found is None and root_console else None
        if found is not None or hashed is not None:
            pm, where = found if found is not None else (hashed, "shell")
            assert pm is not None
            cmd = ln[pm.end():]
            prompt = pm.group(0).strip()
            plain[row] = ln[:len(ln) - len(ln.lstrip())] + cmd
            typed.append(Typed(row, prompt, cmd, where == "shell" and prompt.endswith("#"), where))
            h = _HEREDOC.search(cmd) if where == "shell" else None
            heredoc = h.group(1) if h else None
            cont = True
            continue
        cont = False
        if s and not s.startswith("#"):
            output = True
    if not typed:
        return None
    return Console(tuple(typed), output, tuple(plain))


def transcript(text: str, script: bool = False) -> list[str] | None:
    """The commands of a console transcript: prompted lines with what they printed under them, or typed at root's
    prompt. None when the block is not one: no prompt, or nothing but commands typed at the user's prompt (a
    script written with prompts)."""
    console = read_console(text, script)
    if console is None or not (console.output or console.root or console.elsewhere):
        return None
    return [t.shown for t in console.typed]


def unprompted(text: str) -> str:
    """A script written with shell prompts (`$ cd /opt/app`, `deploy@web1:~$ ./run.sh`, a heredoc's `> ` lines):
    the script without them. Anything else as it is."""
    console = read_console(text, script=True)
    if console is None:
        return text
    if console.output or console.root or console.elsewhere:  # a transcript: only `$ ` goes, as it always did
        return re.sub(r"(?m)^(\s*)\$ (?=\S)", r"\1", text)
    return "\n".join(console.plain)


#: sqlcmd's numbered prompt (`1>`): only where the block is SQL (at a shell, `1> file` is a redirection).
_SQLCMD = re.compile(r"^\s*\d+>\s")
_SQL_CLIENTS = frozenset({"psql", "the mysql client", "sqlite3", "SQL*Plus"})


def sql_prompted(text: str) -> bool:
    """An SQL block typed at a database client's prompt (`postgres=#`, `shop-#`, `mysql>`, `sqlite>`, `SQL>`,
    sqlcmd's `1>`)."""
    for ln in text.split("\n"):
        found = _prompt(ln)
        if (found is not None and found[1] in _SQL_CLIENTS) or _CONTINUED["psql"].match(ln) or _SQLCMD.match(ln):
            return True
    return False


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
