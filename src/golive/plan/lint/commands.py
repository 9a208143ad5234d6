"""Rules about what a step's commands do: secrets printed or passed on a command line, curl without a timeout,
commands that never end, `export` alone, placeholders, and migrations with no backup before them."""

from __future__ import annotations

import json
import re
import shlex

from golive.plan.lint.base import LinterBase
from golive.plan.lint.rules import Path_
from golive.plan.md_shell_state import own_part
from golive.steps.base import StepBase

_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_MIGRATION_CMD = re.compile(r"\bmigrat|\bdb\s+upgrade\b|database\s+update|alembic\s+upgrade|flyway\s+migrate|"
                            r"liquibase\s+update|db:migrate", re.I)
_MIGRATION_MANUAL = re.compile(r"^(run|apply|execute|perform|start)\b.*\bmigrat", re.I)
_ROLLBACK_WORDS = re.compile(r"roll\s*back|revert|undo|downgrade|migrations\s+remove", re.I)
_BACKUP_CMD = re.compile(r"pg_dump|pg_basebackup|mysqldump|mongodump|xtrabackup|\bbackup\b", re.I)
_BACKUP_MANUAL = re.compile(r"(creat|tak|mak|run|perform)\w*\b.*\bbackup|backup\w*\b.*\b(creat|taken|verif|done|"
                            r"complet)", re.I)
_PLACEHOLDER = re.compile(r"<[A-Za-z_][A-Za-z0-9_ -]*>|YYYY|\byour[-_][\w.-]*|\byourdomain\.\w+|"
                          r"\bexample\.(com|org|net)\b|\bchangeme\b|\bTODO\b|xxx+", re.I)
_FOLLOW = re.compile(r"(^|\s)(tail|kubectl\s+logs|docker\s+logs|journalctl)\b[^|;&]*\s(-f|--follow|-F)\b|"
                     r"\s(-w|--watch)\b|^\s*watch\s|\btop\s*$", re.I)
_CRED_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@$]+@", re.I)
_PRINTERS = ("echo", "printf", "print")
_ENV_DUMPERS = ("env", "printenv", "set", "export", "declare")


def _step_text(step: StepBase) -> str:
    spec = getattr(step, step.kind, None)
    if step.kind == "shell":
        return own_part(str(getattr(spec, "command", "")))
    if step.kind == "manual":
        return str(getattr(spec, "instruction", ""))
    if step.kind == "sql":
        return str(getattr(spec, "query", "") or "")
    if step.kind == "http":
        return str(getattr(spec, "url", ""))
    return json.dumps(step.model_dump(mode="json", exclude_none=True), default=str)


def _pipeline(command: str) -> list[tuple[list[str], str]]:
    """Simple commands of a shell text, each as words with the operator that ends it (`|`, `;`, `&&`...).

    Split at |, ;, & and newlines outside quotes; redirections (`>`, `>>`, `2>&1`) stay words of their command.
    """
    out: list[tuple[list[str], str]] = []
    for line in command.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        try:
            tokens = list(lexer)
        except ValueError:
            tokens = line.split()
        for tok in [*tokens, ";"]:
            if tok and set(tok) <= set(";&|"):
                while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                    words = words[1:]  # NAME=value prefix: environment, not arguments
                if words and words[0] == "sudo":
                    words = words[1:]
                if words:
                    out.append((words, tok))
                words = []
            else:
                words.append(tok)
    return out


def _segments(command: str) -> list[list[str]]:
    return [words for words, _sep in _pipeline(command)]


_TERMINAL = ("/dev/stdout", "/dev/stderr", "/dev/tty")


def _to_terminal(words: list[str], sep: str) -> bool:
    """Whether a command's standard output reaches the terminal (and so the run log): not piped, not to a file."""
    if sep == "|":
        return False
    for i, w in enumerate(words):
        if w in (">", ">>", ">|", "&>", "&>>"):
            if w.startswith(">") and i > 0 and words[i - 1] == "2":
                continue  # only stderr goes to the file
            if (words[i + 1] if i + 1 < len(words) else "") not in _TERMINAL:
                return False
    return True


def _strip_sql_comments(query: str) -> str:
    from golive.db.statements import strip_comments

    return strip_comments(query)


def command_reads(step: StepBase) -> bool | None:
    """What the one read-only classifier (golive.plan.reads_only, also behind the importer's `read_only: true`
    and its rollback covers) says of a shell, ssh, sql or http step's own command; None for other kinds."""
    from golive.plan.reads_only import http_reads_only, shell_reads_only, sql_reads_only

    spec = getattr(step, step.kind, None)
    if step.kind in ("shell", "ssh"):
        if str(getattr(spec, "shell", "/bin/bash")) not in ("/bin/bash", "bash", "/bin/sh", "sh"):
            return False  # PowerShell and others: not read by the bash parse
        return shell_reads_only(own_part(str(getattr(spec, "command", ""))))
    if step.kind == "sql":
        query = getattr(spec, "query", None)
        return bool(query) and sql_reads_only(str(query))
    if step.kind == "http":
        return http_reads_only(str(getattr(spec, "method", "GET")),
                               getattr(spec, "body", None) is not None or getattr(spec, "json_body", None) is not None)
    return None


def _changes_state(step: StepBase) -> bool:
    if step.is_read_only:
        return False  # a read-only kind, or a step its author says only reads (GL131 checks the claim)
    reads = command_reads(step)
    return True if reads is None else not reads


class CommandRules(LinterBase):
    def commands(self) -> None:
        for path, step, _pi in self.all_steps():
            text = _step_text(step)
            if step.kind == "shell":
                self.shell(path, text)
                env = getattr(step.shell, "env", {})  # type: ignore[attr-defined]
                for value in env.values():
                    if _CRED_URL.search(value):
                        self.add("GL107", path, "a password is written into the plan (user:password@ in a URL);"
                                 " use a secret var")
            if step.kind in ("shell", "http", "sql") and _PLACEHOLDER.search(text):
                found = _PLACEHOLDER.search(text)
                assert found is not None
                self.add("GL110", path, f"'{found.group(0)}' looks like a placeholder left from a template:"
                         f" {text.strip().splitlines()[0][:100]}")
            if step.kind == "http" and _CRED_URL.search(text):
                self.add("GL107", path, "credentials in the URL; put them in a secret var and a header")
            if step.read_only and not step.kind_read_only and not command_reads(step):
                said = text.strip().splitlines()[0][:100] if text.strip() else step.kind
                self.add("GL131", (*path, "read_only"), f"`read_only: true` on a {step.kind} step that can change"
                         f" things (a writer, a redirection to a file, a pipe into a writer, a method that sends):"
                         f" {said}; it would get no undo and no rollback level would cover its phase")

    def shell(self, path: Path_, command: str) -> None:
        pipeline = _pipeline(command)
        segs = [words for words, _sep in pipeline]
        first = command.strip().splitlines()[0][:100] if command.strip() else ""
        for i, (words, sep) in enumerate(pipeline):
            prog = words[0]
            refs = [m.group(1) for w in words[1:] for m in _REF.finditer(w)]
            secret_refs = [r for r in refs if self.is_secret(r)]
            nxt = segs[i + 1] if i + 1 < len(segs) and sep == "|" else None
            if prog in _PRINTERS and secret_refs:
                # Piped (`echo "$PASS" | docker login --password-stdin`) or written to a file, the value stays
                # off the terminal; a builtin's arguments are not visible in ps either.
                if _to_terminal(words, sep) or (nxt is not None and nxt[0] == "tee"):
                    self.add("GL106", path, f"`{prog}` prints secret {', '.join(sorted(set(secret_refs)))}:"
                             f" {first}")
            elif prog in _ENV_DUMPERS and (len(words) == 1 or prog == "printenv"):
                named = [w for w in words[1:] if self.is_secret(w)]
                grep_names = [n for w in (nxt or [])[1:] for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", w)
                              if self.is_secret(n)] if nxt and nxt[0] in ("grep", "egrep", "rg") else []
                if nxt is not None and grep_names and not _to_terminal(nxt, pipeline[i + 1][1]):
                    grep_names = []  # filtered into a file or another command, not onto the terminal
                if named or grep_names:
                    names = ", ".join(sorted(set(named + grep_names)))
                    self.add("GL106", path, f"prints secret {names} to the terminal and the run log: {first}")
                elif nxt is None and len(words) == 1:
                    self.add("GL106", path, f"`{prog}` prints the whole environment, secrets included: {first}")
            elif secret_refs and prog not in ("export",):
                self.add("GL107", path, f"secret {', '.join(sorted(set(secret_refs)))} passed on the command line"
                         f" of `{prog}` (visible in ps and logs); pass it through the environment or a file:"
                         f" {first}")
            if prog == "curl" and not any(w in ("-m", "--max-time") or w.startswith("--max-time=")
                                          or re.fullmatch(r"-[a-zA-Z]*m\d*", w) for w in words[1:]):
                self.add("GL108", path, f"curl without --max-time: {first}")
        if _CRED_URL.search(command):
            self.add("GL107", path, "a password is written into the command (user:password@ in a URL)")
        if _FOLLOW.search(command):
            self.add("GL111", path, f"never ends by itself; only the step timeout stops it: {first}")
        if segs and all(w[0] == "export" for w in segs):
            self.add("GL112", path, "`export` alone does nothing for later steps (each step is its own shell);"
                     " use the step's `env:` or a plan var")

    def migrations(self) -> None:
        backed_up = False
        for pi, phase in enumerate(self.plan.phases):
            for si, step in enumerate(phase.steps):
                text = _step_text(step)
                if step.kind == "backup" or (step.kind == "shell" and _BACKUP_CMD.search(text)) or (
                        step.kind == "manual" and _BACKUP_MANUAL.search(text)):
                    backed_up = True
                    continue
                is_migration = step.kind == "migrate" or (
                    step.kind == "shell" and _MIGRATION_CMD.search(text) and not _ROLLBACK_WORDS.search(text)) or (
                    step.kind == "manual" and _MIGRATION_MANUAL.match(text.strip()))
                if is_migration and not backed_up:
                    self.add("GL102", ("phases", pi, "steps", si),
                             f"migration '{step.title()}' with no backup step before it")
