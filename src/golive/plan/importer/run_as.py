"""A command the document runs as another user becomes a person's step that says who runs it (golive.plan.md_run_as
reads who; this decides where that holds): the sentence that introduces the command ("as postgres, run ...",
"执行 DDL（以 postgres 用户）："), or an earlier line that opened that user's shell (`sudo su - wmsadm`, `sudo -i`,
"switch to the deploy user") and was not left (`exit`) before the command, under the same heading."""

from __future__ import annotations

import re

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block
from golive.plan.md_run_as import LEFT_SHELL, opened_shell, said_user, switches_itself
from golive.plan.md_step import Command

#: A sentence that is itself the switch ("Switch to the deploy user.", "Log in as postgres", "Become wmsadm").
_SWITCH_SENTENCE = re.compile(r"(?i)^\W*(?:\(?\w\)\s*|\d+[.)]\s*)?(?:then\s+)?(?:switch|change|log\s+(?:in|on)|"
                              r"become|wechsel|passez|passer|cambia|切换)\b")


def changes_as_user(commands: list[Command]) -> bool:
    """Some command of the block runs as a login and changes something: golive's own sql/http/backup/restore
    steps use the plan's connection (not a login's), and a read-only command run as the wrong user reads or fails
    loudly (permission denied), it changes nothing; these stay steps."""
    from golive.plan.reads_only import shell_reads_only

    return any(c.kind not in ("manual", "sql", "http", "backup", "restore")
               and not (c.kind == "shell" and shell_reads_only(str(c.spec.get("command", "")) if isinstance(
                   c.spec, dict) else str(c.spec))) for c in commands)


#: What one block does to the shell a person types in: opens a user's ("open", user, line), leaves it ("exit"),
#: starts a new section ("heading") or nothing (None).
_Effect = tuple[str, str, int] | tuple[str] | None


def _effect(x: Block) -> _Effect:
    if x.kind == "heading":
        return ("heading",)
    opened = opened_shell(x.raw, prose=True) if x.kind in ("para", "item") else \
        opened_shell(x.text) if x.kind == "fence" else None
    if opened is not None:
        return ("open", opened, x.line)
    if x.kind in ("para", "item") and _SWITCH_SENTENCE.match(_clean(x.text)) and \
            said_user(_clean(x.text)) is not None and not x.raw.count("`") >= 2:
        return ("open", said_user(_clean(x.text)) or "", x.line)
    if re.search(r"(?m)^\s*(?:\$\s+)?(?:exit|logout)\s*$|`(?:exit|logout)`", x.raw if x.kind != "fence" else x.text) \
            or (x.kind in ("para", "item") and LEFT_SHELL.search(_clean(x.text))):
        return ("exit",)
    return None


class RunAsMixin(ImportState):
    def shell_user_before(self, b: Block) -> tuple[str, int] | None:
        """The user whose shell an earlier block under the same heading opened and did not leave, with its line.

        Read for the whole document in one pass and kept until a block is rewritten (Block.edits): asked for
        every command of a long document, reading every earlier block again each time made import quadratic
        (39 s for 2000 blocks)."""
        idx = self._index_of(b)
        return None if idx is None else self._users_before()[idx]

    def _users_before(self) -> list[tuple[str, int] | None]:
        key = (Block.edits, id(self.blocks), len(self.blocks))
        kept: tuple[tuple[int, int, int], list[tuple[str, int] | None]] | None = self.__dict__.get("_run_as_users")
        if kept is not None and kept[0] == key:
            return kept[1]
        users: list[tuple[str, int] | None] = []
        user: tuple[str, int] | None = None
        for x in self.blocks:
            users.append(user)
            effect = _effect(x)
            if effect is not None:
                user = (effect[1], effect[2]) if len(effect) == 3 else None
        self.__dict__["_run_as_users"] = (key, users)
        return users

    def _index_of(self, b: Block) -> int | None:
        """Where `b` stands in the blocks (by identity), without a walk from the start each time."""
        at: dict[int, int] = self.__dict__.setdefault("_run_as_index", {})
        i = at.get(id(b))
        if i is not None and i < len(self.blocks) and self.blocks[i] is b:
            return i
        at.clear()
        at.update((id(x), k) for k, x in enumerate(self.blocks))
        i = at.get(id(b))
        return i if i is not None and self.blocks[i] is b else None

    def runs_as(self, b: Block, command: str, said: str) -> tuple[str, str] | None:
        """Why `command` (of block `b`, introduced by `said`) runs as another user than golive's, or None when it
        does not, or switches to that user itself (the document's own `sudo -u X ...` kept whole)."""
        user = said_user(said)
        if user == "root":
            # "All commands run on apps-01 as root": how to run the whole plan (as root, the plan fails loudly
            # otherwise: permission denied), not a switch a step could lose silently; said once, in the summary
            note = "the document runs its commands as root: run the plan as root"
            if note not in self.notes:
                self.notes.append(note)
            user = None
        why = f"the document runs it as {user} ('{said.strip()[:80]}')" if user else None
        if user is None:
            opened = self.shell_user_before(b)
            if opened is None:
                return None
            user = opened[0]
            why = f"typed in {user}'s shell, opened at line {opened[1]}"
        if switches_itself(command, user):
            return None
        return user, f"{why}; golive runs every step as its own user"

    def other_user(self, b: Block, cmd: str) -> list[CommentedMap] | None:
        """A person's step for a list item whose command runs as another user ("as postgres, run `psql ...`",
        after `sudo su - app`), showing the item whole and who runs it; None when golive's user is the one."""
        said = self.runs_as(b, cmd, _clean(b.raw.replace(f"`{cmd}`", " ", 1)))
        if said is None:
            return None
        user, why = said
        self.inferred.append(f"line {b.line}: `{cmd[:60]}` {why}: a person's step that says who runs it")
        return [self.step("manual", {"instruction": f"As {user} ({why}): {_clean(b.text)}"}, b.line, None)]
