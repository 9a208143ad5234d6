"""A block the document says was already run: its commands, then a ticked item that names their work
("`scontrol create reservation reservationname=maint_dec ...`" over "- [x] reservation created (Tom, Mon 4pm)").

Ticked items are done when the plan was written (the run does not wait for them); the block they report on was
run then too. Kept as a shell step it runs again in the window: a reservation, a user, a bucket that already exists
makes the command fail ("name already in use") and stops the plan, or does the work twice. The block goes with the
ticked item, recorded as done ("(ran: ...)"), never a step that runs.

The item must name the block's work, not only sit after it: two words of the item share a stem with the block's
command words (`create`/"created", `reservation`/"reservation"), one of them five letters or more, and one of them
is the item's "done" word (a participle: "created"). "- [x] Job file payments.nomad.hcl reviewed" under a block
naming `payments` and `nomad` names things, not the block's work, so the block still runs; so does a block that
sets state for later blocks (`export`, `cd`), whatever an item beside it says."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.state import ImportState
from golive.plan.md_blocks import Block

#: Words too common in commands and checklists to tie an item to a block.
_COMMON = frozenset({"sudo", "with", "from", "into", "then", "that", "this", "done", "have", "been", "were", "ready",
                     "checked", "check", "tested", "test", "reviewed", "review", "verified", "verify", "approved",
                     "ok", "okay", "prod", "production", "staging", "server", "host", "the", "and", "for", "all",
                     "new", "file", "files", "yaml", "json", "true", "false", "echo"})


def _stem(word: str) -> str:
    """"created" / "create" / "creates" -> "creat"; "reservations" -> "reservation"."""
    for end in ("ing", "ed", "es", "e", "s", "d"):
        if word.endswith(end) and len(word) - len(end) >= 4:
            return word[: -len(end)]
    return word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _COMMON}


#: The item says the work is done: a participle ("created", "applied", "erstellt", "créée", "creado").
_DONE_FORM = re.compile(r"(?i)^[a-zäöüéèáíóúç]{3,}(?:ed|t|en|ée?s?|ad[oa]s?|id[oa]s?|at[oa])$")
#: A block that sets state later blocks use (`export`, `cd`, `source`): the plan needs it in the window whatever
#: an item says beside it ("Job file payments.nomad.hcl reviewed" under `export NOMAD_ADDR=...`).
_STATE = re.compile(r"(?m)^\s*(?:export\s|cd\s|source\s|\.\s|set\s+-|[A-Za-z_]\w*=)")


#: The item reports the work done somewhere else, or as a rehearsal: "created on staging (dress rehearsal)",
#: "dry run OK", "in QA", "Generalprobe", "ensaio em homologação", "预演", "リハーサル": the window still runs it.
_ELSEWHERE = re.compile(r"(?i)\b(?:on|in|at|auf|em|en|sur)\s+(?:the\s+)?(?:staging|stage|dev|development|"
                        r"test|testing|qa|uat|pre-?prod|sandbox|integration)\b|\bhomologa[çc][ãa]o\b|"
                        r"rehears|dry[- ]?run|trial run|generalprobe|probelauf|ensaio|répétition|ensayo|"
                        r"预演|演练|彩排|リハーサル")


def names_the_work(item: str, command: str) -> bool:
    """The ticked item's words name what the command does: two stems in common, one of them five letters or more,
    and one the item writes as done ("created" for `create`); never a block that sets state for later blocks, nor
    an item that says the work was done elsewhere or as a rehearsal (the window still has to do it)."""
    code = re.sub(r"(?m)(?:^|\s)#.*$", " ", command.replace("\\\n", " "))  # a continuation is no statement
    if _STATE.search(code) or _ELSEWHERE.search(item):
        return False
    shared = _words(item) & _words(code)
    done = {_stem(w) for w in re.findall(r"[a-zäöüéèáíóúç]{4,}", item.lower()) if _DONE_FORM.match(w)}
    return len(shared) >= 2 and any(len(w) >= 5 for w in shared) and bool(shared & done)


class DoneBlockMixin(ImportState):
    def done_already(self, phase: dict[str, Any], b: Block, j: int, end: int) -> bool:
        """Block `b` (at `j`) reported done by a ticked item right after it: the item carries the commands as
        run when the plan was written, and no step runs them (module docstring). False when no such item."""
        if not self.runs(b):
            return False
        k = j + 1
        while k < end and self.blocks[k].kind == "item" and self.blocks[k].depth == b.depth:
            item = self.blocks[k]
            if item.checked and not item.placed and names_the_work(item.text, b.text):
                ran = " ".join(b.text.split())
                item.text = f"{item.text} (ran: {ran[:300]})"
                b.placed = True
                self.conversions.append(f"line {b.line}: the block was run before the plan was written (ticked at"
                                        f" line {item.line}: '{item.text[:60]}') -> recorded with that item as done,"
                                        " never run again")
                return True
            k += 1
        return False
