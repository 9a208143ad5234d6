"""Exit statuses a block gives when it did what the document means.

golive fails a shell step on any status but 0 unless told otherwise; a terminal does not. `grep -c PATTERN FILE`
prints how many lines match and exits 1 when that number is 0. Where the document says the count must be 0 ("the
last command must print 0", the step's own check of "0"), that 1 is the success: kept as written, set 7 05's step
failed exactly when the schema script had gone well, and the backout followed. Where it says nothing, or wants a
match ("stop here if the line is missing"), grep's status keeps deciding: a count of 0 must not pass silently.
2 (grep's own error: no such file) always fails the step.
"""

from __future__ import annotations

import re
from typing import Any

from golive.plan.md_shell import parse, simple_commands

#: grep's short options that take the next word as their value (`-e PATTERN`, `-m NUM`, `-A NUM`).
_TAKES_VALUE = frozenset("efmABCdD")
#: A statement whose status is a simple command's (not a pipeline, list or compound).
_PLAIN = "command"


def _last_statement(text: str) -> Any | None:
    root = parse(text)
    if root.has_error:
        return None
    named = [c for c in root.named_children if c.type not in ("comment", "heredoc_body")]
    return named[-1] if named else None


def _counts(argv: list[str]) -> bool:
    """`grep`/`egrep`/`fgrep`/`zgrep` told to count (`-c`, `--count`, a cluster such as `-ic`)."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in ("grep", "egrep", "fgrep", "zgrep"):
        return False
    words = iter(argv[1:])
    for word in words:  # GNU grep reads options anywhere before `--`
        if word == "--":
            break
        if word == "--count":
            return True
        if not word.startswith("-") or word.startswith("--") or not word[1:].isalpha():
            continue
        letters = word[1:]
        cut = next((i for i, ch in enumerate(letters) if ch in _TAKES_VALUE), len(letters))
        if "c" in letters[:cut]:
            return True
        if cut == len(letters) - 1:
            next(words, None)  # `-e -c`: "-c" is the pattern
    return False


#: Programs that run the command after their own options (`sudo -u app oscap ...`): the status is that command's.
_WRAPPERS = frozenset({"sudo", "doas", "nice", "ionice", "nohup", "stdbuf", "time", "command", "exec"})


def last_argv(command: str) -> list[str] | None:
    """The words of the block's last statement when it is one simple command (its status is the block's), the
    wrapper in front taken off (`sudo oscap ...` -> oscap ...); None for a pipeline, list or compound."""
    last = _last_statement(command)
    if last is None or last.type != _PLAIN:
        return None
    argvs = simple_commands(last, nested=False)
    argv = list(argvs[0]) if argvs else []
    while argv and argv[0].rsplit("/", 1)[-1] in _WRAPPERS:
        argv = argv[1:]
        while argv and argv[0].startswith("-"):
            takes = argv[0] in ("-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-n", "-c")
            argv = argv[2:] if takes else argv[1:]
    return argv or None


def success_statuses(command: str) -> list[int] | None:
    """The statuses that mean the block did its work, when they are not just [0]; None otherwise."""
    last = _last_statement(command)
    if last is not None and last.type == "pipeline":
        # `ssh host 'list' | grep -c disabled`: the pipeline's status is its last command's (with pipefail, an
        # earlier failure's, which still fails the step)
        parts = [c for c in last.named_children if c.type != "comment"]
        last = parts[-1] if parts else None
    if last is None or last.type != _PLAIN:
        return None
    argv = simple_commands(last, nested=False)
    return [0, 1] if argv and _counts(argv[0]) else None


#: A person's check right after the command saying its count must be 0: "(b) The last command must print 0.",
#: "It should return 0", "Erwartet: 0", "应为 0", "Die laatste moet 0 geven", "0 olmalı", "0 이 나와야 합니다",
#: "0 になること".
_ZERO_SAID = re.compile(r"(?i)\b(?:must|should|has\s+to|needs?\s+to|muss|sollte?|doit|debe|deve|moet(?:en)?|"
                        r"hoort|dient)\b[^.\n]{0,40}?"
                        r"(?<![\w.])[`'\"]?0[`'\"]?(?!\w|\.\d)|\b(?:expected|erwartet|attendu|esperado)\s*:?\s*[`'\"]?0[`'\"]?"
                        r"(?!\w|\.\d)|(?:应|應)(?:为|為|输出|輸出|返回)\s*[`「]?0(?!\w|\.\d)|"
                        r"(?<![\w.])[`'\"「]?0[`'\"」]?\s*(?:olmal|vermeli|dönmeli|göstermeli|çıkmalı|(?:이|가)?\s*"
                        r"(?:나와야|되어야|돼야|이어야|여야)|(?:이|가)\s*정상|に(?:なる|なって|なれ)|であ(?:る|れ)|が(?:出|返|表示))")


def _wants_zero(step: dict[str, Any], after: dict[str, Any] | None) -> bool:
    """The document says the count must be 0: the step's own check takes "0" and refuses "1", or the person's
    check right after it says so."""
    spec = step.get("shell")
    check = spec.get("expect_output") if isinstance(spec, dict) else None
    if isinstance(check, str):
        try:
            return re.search(check, "0\n") is not None and re.search(check, "1\n") is None
        except re.error:
            return False
    said = after.get("manual") if after is not None else None
    text = said.get("instruction") if isinstance(said, dict) else said
    return isinstance(text, str) and _ZERO_SAID.search(text) is not None


def accept_counts(steps: list[dict[str, Any]], description: list[str] | None = None) -> list[int]:
    """`expect_exit: [0, 1]` on each shell step of `steps` (one phase's or one level's, in order) that ends by
    counting with grep where the document wants the count to be 0 (its command as written, before carried state is
    put in front of it); the positions in `steps` are returned for the summary. Where only the phase's description
    says so ("Die laatste moet `0` geven." after the block, read into the description) and the phase has one such
    step, nobody else compares the count: `expect_exit: [1]`, grep's own "counted 0", is the comparison."""
    out: list[int] = []
    counting = [i for i, st in enumerate(steps) if _count_command(st) is not None]
    described = len(counting) == 1 and any(_ZERO_SAID.search(d) for d in description or [])
    for i in counting:
        step = steps[i]
        spec = step.get("shell")
        command = _count_command(step)
        if command is None or (isinstance(spec, dict) and "expect_exit" in spec):
            continue
        statuses = success_statuses(command)
        if statuses is None:
            continue
        if not _wants_zero(step, steps[i + 1] if i + 1 < len(steps) else None):
            if not described:
                continue
            statuses = [1]
        if not isinstance(spec, dict):
            from ruamel.yaml.comments import CommentedMap

            spec = step["shell"] = CommentedMap({"command": command})
        spec["expect_exit"] = statuses
        out.append(i)
    return out


def _count_command(step: dict[str, Any]) -> str | None:
    """The shell step's command when it ends by counting with grep."""
    spec = step.get("shell")
    command = spec.get("command") if isinstance(spec, dict) else spec
    return command if isinstance(command, str) and success_statuses(command) is not None else None
