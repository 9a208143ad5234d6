"""Exit statuses a block gives when it did what the document means.

golive fails a shell step on any status but 0 unless told otherwise; a terminal does not. `grep -c PATTERN FILE`
prints how many lines match and exits 1 when that number is 0, so a runbook that ends a block with it ("the last
command must print 0") reads a count, never a status: kept as written, the step failed exactly when the change had
gone well, and a rollback followed a good schema change. The count is what the person reads (or what a stated
result checks); 2 (grep's own error: no such file) still fails the step.
"""

from __future__ import annotations

from typing import Any

from golive.plan.md_shell import node_source, parse, simple_commands

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


def success_statuses(command: str) -> list[int] | None:
    """The statuses that mean the block did its work, when they are not just [0]; None otherwise."""
    last = _last_statement(command)
    if last is None or last.type != _PLAIN:
        return None
    argv = simple_commands(parse(node_source(last)), nested=False)
    return [0, 1] if argv and _counts(argv[0]) else None


def accept_counts(steps: list[dict[str, Any]]) -> list[int]:
    """`expect_exit: [0, 1]` on each shell step that ends by counting with grep (its command as written, before
    carried state is put in front of it); the source lines of those steps' blocks are not known here, so the
    positions in `steps` are returned for the summary."""
    out: list[int] = []
    for i, step in enumerate(steps):
        spec = step.get("shell")
        command = spec.get("command") if isinstance(spec, dict) else spec
        if not isinstance(command, str) or (isinstance(spec, dict) and "expect_exit" in spec):
            continue
        statuses = success_statuses(command)
        if statuses is None:
            continue
        if not isinstance(spec, dict):
            from ruamel.yaml.comments import CommentedMap

            spec = step["shell"] = CommentedMap({"command": command})
        spec["expect_exit"] = statuses
        out.append(i)
    return out
