"""The import's second line of defence: each runnable step's intent checked against where it was placed.

The importer places blocks by the words around them. Five blind sets found meaning changes each time in wordings it
did not know: a way back under a heading nobody foresaw ("If we have to go back", "Plan de regreso") ran snapshot
restores and DROP COLUMN forward. Adding words fixes the last set, not the next. This pass reads only what is about
to be emitted, and the command's own intent (golive.plan.md_guard): a forward step that is a way back, a destructive
command next to words saying not to run it, a redacted value, printed output. When intent and place disagree the step
becomes a person's step that quotes the command exactly, with the reason, and the summary says so. A person's step
never changes what the document means; a wrong runnable step does.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.fences import block_text
from golive.plan.importer.headings import ROLLBACK_WORDS
from golive.plan.importer.procedure import line_of
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import ROLLBACK_TITLE, Block
from golive.plan.md_going_back import CONDITIONAL_FAILURE, conditional_heading, going_back_heading
from golive.plan.md_guard import (
    destructive,
    dump_files,
    elided,
    http_back,
    made_by,
    masked,
    printed_first,
    restore_intent,
    unmade_by,
    way_back,
)
from golive.plan.md_meaning import CONDITION, NOT_HERE
from golive.plan.md_step import Command

#: Words near a destructive command saying not to run it, or to take care: "Skip it today", "Leave it alone unless
#: the DBA says so", "Danger zone", "Nicht ausführen", "Ne pas lancer", "No lo ejecutes", "Non eseguire".
_CAUTION = re.compile(
    r"(?i)\bskip\s+(?:it|this|that|them)\b|\bleave\s+(?:it|this|that|them)\s+(?:alone|out)\b|\bdo\s*n[o']t\b|"
    r"\bnever\b|\bmust\s+not\b|\bunless\b|\bonly\s+(?:if|when)\b|\bdanger(?:ous)?\b|\bdestructive\b|"
    r"\birreversible\b|\bcaution\b|\bwarning\b|\bnicht\b|\bniemals\b|\bvorsicht\b|\bachtung\b|\bgefahr\b|"
    r"\bne\s+(?:pas|jamais)\b|\bjamais\b|\bnunca\b|\bpeligro\b|\bno\s+(?:lo\s+)?(?:ejecut|corr|lanz)\w*|"
    r"\bnon\s+(?:eseguire|lanciare)\b|\bpericolo\b|\bn(?:ã|a)o\s+execut\w*|\bniet\s+uitvoeren\b|\bnigdy\b|\bnie\s+"
    r"uruchamia\w*|[⚠☠🚫⛔]")
#: A section that shows, explains or remembers, and is no procedure: "Example", "Appendix", "Background", "History".
_PROSE_HEADING = re.compile(r"(?i)\bexamples?\b|\bappendix\b|\banhang\b|\bannexe?\b|\banexo\b|\breference\b|"
                            r"\bbackground\b|\bhistory\b|\bhistorical\b|\blegacy\b|\bglossary\b|\bbeispiel\w*|"
                            r"\bexemple\w*|\bejemplo\w*|\besempi\w*|\bfor\s+the\s+record\b")
#: A database the forward path creates (`createdb shop_v2`, `CREATE DATABASE shop_v2`): a restore into it is a move.
_CREATEDB = re.compile(r"(?i)\b(?:createdb(?:\s+-\S+(?:\s+\S+)?)*\s+|CREATE\s+DATABASE\s+(?:IF\s+NOT\s+EXISTS\s+)?)"
                       r"[\"`]?(\w+)")
#: A heading that names the way back only as a property of forward work: "Deploy with automatic rollback", "Rollback
#: window", "Test the restore", "Rollback readiness".
_FORWARD_TITLE = re.compile(r"(?i)\b(?:with|auto(?:matic)?|window|point|readiness|ready|test(?:ing)?|rehears\w*|drill|"
                            r"verif\w*|criteria|triggers?|decision|prepar\w*|pre-?check|plan\s+review|no)\b")
#: A sentence that is a failure, standing as the condition of what follows: "*Pushes failing or 5xx after the switch:*",
#: "**Errors above 1% for 5 minutes:**" (no "if", so no conditional wording catches it).
_FAILING = re.compile(r"(?i)^\W*(?:[\w%-]+\s+){0,4}(?:fail(?:s|ing|ed)\b|broken\b|(?:errors?|5xx|latency|error\s+rate|"
                      r"p9\d)\s+(?:above|over|>|exceed\w*|ris\w+|spik\w*|climb\w*)\b)[^:]{0,80}:")
#: The steps whose own text runs: their kind and where the text is.
_TEXT_OF = {"shell": "command", "ssh": "command", "sql": "query"}
_BASE = ("name", "undo", "timeout", "grace", "idempotent", "read_only", "continue_on_error")


def _kind(step: Any) -> str:
    return next((k for k in step if k not in _BASE), "")


def runnable_text(step: Any) -> str | None:
    """The text a shell, ssh or sql step runs, as the document wrote it; None for any other step."""
    kind = _kind(step)
    spec = step.get(kind)
    if kind not in _TEXT_OF:
        return None
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and isinstance(spec.get(_TEXT_OF[kind]), str):
        return str(spec[_TEXT_OF[kind]])
    return None


class GuardMixin(ImportState):
    def guard(self, phases: list[dict[str, Any]], levels: list[dict[str, Any]]) -> None:
        """Check every runnable step about to be emitted; forward phases also for intent against placement."""
        for holder in [*phases, *levels]:
            self.restores_said(holder)
        made: set[str] = set()
        databases: set[str] = set()
        migrated = False
        for p in phases:
            flagged: dict[int, str] = {}
            runnable = 0
            for i, st in enumerate(p["steps"]):
                kind, text = _kind(st), runnable_text(st)
                why: str | None = None
                if kind == "restore":
                    runnable += 1
                    made_from = self.restores_from.get(id(st))
                    if made_from is not None:  # the document's own command says what it restores, and where
                        why = way_back(made_from[0].source, migrated, frozenset(databases))
                    elif st["restore"].get("database", "").rsplit("/", 1)[-1] not in databases:
                        why = "a `restore` (data put back from the backup)"
                    if why is not None:
                        flagged[i] = why
                    continue
                if kind == "migrate":
                    migrated = True
                if kind == "http" and isinstance(st["http"], dict):
                    runnable += 1
                    why = http_back(str(st["http"].get("url", "")), str(st["http"].get("method", "GET")))
                    if why is not None:
                        flagged[i] = why
                    continue
                if text is None:
                    continue
                runnable += 1
                databases |= {m.group(1).lower() for m in _CREATEDB.finditer(text)}  # `createdb x && pg_restore -d x`
                why = way_back(text, migrated, frozenset(databases), self.version[0] if self.version else None) \
                    if kind != "sql" else None
                unmade = unmade_by(text, made)
                if why is None and unmade is not None:
                    why = f"`{unmade}`: it takes away what an earlier forward step made"
                if why is not None:
                    flagged[i] = why
                made |= made_by(text)
                migrated = migrated or bool(re.search(r"(?i)\b(?:upgrade\s+head|db\s+upgrade|db:migrate\b(?!\S*\s+"
                                                      r"VERSION)|manage\.py\s+migrate\s*$)|efbundle(?:\.exe)?\s+--"
                                                      r"|dotnet\s+ef\s+database\s+update\s*(?:--|$)", text))
            for i, st in enumerate(p["steps"]):
                if i not in flagged and (_kind(st) in ("restore", "http") or runnable_text(st) is not None):
                    said = self.said_way_back(st)
                    if said is not None:
                        flagged[i] = said
            whole = len(flagged) * 2 > runnable and runnable > 1
            for i, st in enumerate(p["steps"]):
                why = flagged.get(i)
                if why is None and whole and (_kind(st) in ("restore", "http") or runnable_text(st) is not None):
                    why = "the other commands of this section are a way back, so the section reads as one"
                if why is not None:
                    p["steps"][i] = self.to_person(st, p, f"a way back ({why}) in the forward path",
                                                   "way back in the forward path")
            for i, st in enumerate(p["steps"]):
                text = runnable_text(st)
                if text is None:
                    continue
                why = self.said_not_to_run(st, text)
                if why is not None:
                    p["steps"][i] = self.to_person(st, p, why, "destructive, said not to run")
        for holder in [*phases, *levels]:
            self.literal_values(holder)

    def restores_said(self, holder: dict[str, Any]) -> None:
        """A `restore` step (this run's backup put back) made from a command that restores nothing: `psql shop <
        migrations/042.sql` applies a migration file. The document's command stays, as written."""
        for i, st in enumerate(holder["steps"]):
            made = self.restores_from.get(id(st)) if _kind(st) == "restore" else None
            if made is None:
                continue  # (the document's dumps are read only for a restore: for every step, import was quadratic)
            dumps = dump_files("\n".join(b.text for b in self.blocks if b.kind in ("fence", "item", "para")))
            if restore_intent(made[0].source, dumps) is not None:
                continue
            cmd, name = made
            holder["steps"][i] = self.command_step(Command("shell", {"command": cmd.source}, cmd.line), name)
            self.guarded.append(f"line {cmd.line}: `{cmd.source.strip().splitlines()[0][:80]}` feeds a file that is no"
                                " dump or backup: it runs as written, not as a restore of this run's backup")

    def to_person(self, step: Any, where: dict[str, Any], why: str, short: str, lead: str | None = None,
                  log: list[str] | None = None) -> CommentedMap:
        """A person's step quoting what `step` ran, exactly, with why (a step that does nothing has nothing to undo:
        the undo the step had is quoted too); the summary says so."""
        kind = _kind(step)
        line = line_of(step, self.src_name) or where.get("line") or 0
        text = runnable_text(step)
        if text is None and kind == "restore":
            made = self.restores_from.get(id(step))
            text = made[0].source if made else f"restore {step['restore'].get('database')} from this run's backup"
        elif text is None and kind == "http":
            spec = step["http"]
            text = f"{spec.get('method', 'GET')} {spec.get('url')}" + "".join(
                f"\n{k}: {v}" for k, v in (spec.get("headers") or {}).items()) + (
                f"\n\n{spec['json'] if 'json' in spec else spec['body']}" if "json" in spec or "body" in spec else "")
        what = "SQL" if kind == "sql" else "command"
        lead = lead or (f"By hand, and only if the document means it here (the import guard read this {what} as"
                        f" {why}):")
        undo = step.get("undo")
        said = f"\n(its way back, as the document gives it: {undo})" if undo else ""
        out = self.step("manual", {"instruction": block_text(f"{lead}\n{str(text).strip(chr(10))}{said}")}, line,
                        step.get("name"))
        out.yaml_add_eol_comment(f"{self.src_name}:{line} guard: {short}", next(iter(out)))
        first = str(text).strip().split("\n")[0][:80]
        (self.guarded if log is None else log).append(
            f"line {line}: `{first}` in '{where.get('name', '')}' is {why}: a person's step, quoting it exactly")
        return out

    def block_at(self, line: int) -> int | None:
        """The index of the block the source line stands in (the last block starting at or before it)."""
        found = None
        for i, b in enumerate(self.blocks):
            if b.line > line:
                break
            found = i
        return found

    def said_not_to_run(self, step: Any, text: str) -> str | None:
        """Why a destructive command is not the document's to run: words right around it say not to, or to take
        care, or its section only shows or remembers."""
        harm = destructive(text)
        if harm is None:
            return None
        line = line_of(step, self.src_name)
        idx = self.block_at(line) if line is not None else None
        if idx is None:
            return None
        near: list[Block] = []
        if idx > 0 and self.blocks[idx - 1].kind in ("para", "item"):
            near.append(self.blocks[idx - 1])
            if idx > 1 and self.blocks[idx - 2].kind == "para" and self.blocks[idx - 2].box:
                near.append(self.blocks[idx - 2])
        if idx + 1 < len(self.blocks) and self.blocks[idx + 1].kind == "para":
            near.append(self.blocks[idx + 1])
        for b in near:
            said = _clean(b.text)
            m = _CAUTION.search(said) or NOT_HERE.search(said) or CONDITION.search(said)
            if m is not None or (b.box and _CAUTION.search(b.box)):
                words = m.group(0) if m else b.box
                return (f"destructive ({harm}) and the document says around it '{words}' (line {b.line}: "
                        f"'{said[:80]}')")
        for h in self.headings_over(idx):
            if _PROSE_HEADING.search(h.text) or going_back_heading(_clean(h.text)):
                return f"destructive ({harm}) in a section that shows or remembers it ('{_clean(h.text)[:60]}')"
        return None

    def said_way_back(self, step: Any) -> str | None:
        """The frame of the step's block says it is the way back, whatever the placing code made of it: the box it
        stands in is titled so (`:::danger Rollback`), the nearest heading is a way back or a condition, or the
        sentence that introduces it is a condition on a failure ("*Pushes failing after step 4:*")."""
        line = line_of(step, self.src_name)
        idx = self.block_at(line) if line is not None else None
        if idx is None:
            return None
        b = self.blocks[idx]
        if b.box and (ROLLBACK_TITLE.search(b.box) or going_back_heading(b.box)):
            return f"it stands in a box titled '{b.box[:60]}'"
        for h in self.headings_over(idx)[:2]:
            title = _clean(h.text)
            if _FORWARD_TITLE.search(title):
                break
            if ROLLBACK_WORDS.search(title) or conditional_heading(title):
                return f"it stands under the heading '{title[:60]}' (line {h.line})"
        leads = [self.blocks[idx - 1]] if idx and self.blocks[idx - 1].kind in ("para", "item") else []
        if b.parent is not None:
            leads.append(self.blocks[b.parent])
        for lead in leads:
            said = _clean(lead.text)
            if lead.kind == "para" and re.fullmatch(r"(\*\*|__)[^*_\n]{2,60}\1:?", lead.raw.strip()) and len(
                    said.split()) <= 5 and (ROLLBACK_TITLE.search(said) or going_back_heading(said)):
                return f"it stands under the title '{said}' (line {lead.line})"  # `**Fallback**` in a box, bold
            if re.search(CONDITIONAL_FAILURE, said, re.I) or _FAILING.match(said):
                return f"the sentence before it is a condition on a failure ('{said[:60]}', line {lead.line})"
        return None

    def headings_over(self, idx: int) -> list[Block]:
        """The headings a block stands under, nearest first."""
        out: list[Block] = []
        level = 7
        for b in reversed(self.blocks[:idx]):
            if b.kind == "heading" and b.level < level:
                out.append(b)
                level = b.level
        return out

    def literal_values(self, holder: dict[str, Any]) -> None:
        """Values the writer hid (`xxx.xxx.xxx.xxx`, `********`, `[REDACTED]`) become plan vars to fill in, each its
        own (two hidden values may differ); a part left out (`web1,web2,...`) makes the step a person's."""
        for i, st in enumerate(holder["steps"]):
            text = runnable_text(st)
            if text is None:
                if _kind(st) == "http" and isinstance(st["http"], dict):
                    st["http"] = self.unmasked(st["http"], line_of(st, self.src_name))
                continue
            shown = printed_first(text) if _kind(st) == "shell" and not (
                isinstance(st["shell"], dict) and st["shell"].get("shell")) else None
            if shown is not None:
                holder["steps"][i] = self.to_person(
                    st, holder, f"what a command prints (`{shown[:60]}`), not a command",
                    "printed output, not a command",
                    "What a command prints, shown by the document to compare with (nothing here is a command):")
                continue
            cut = elided(text, sql=_kind(st) == "sql")
            if cut is not None:
                holder["steps"][i] = self.to_person(st, holder, f"a command with a part left out (`{cut}`): no value"
                                                    " makes it whole", "part of the command left out")
                continue
            unmasked = self.unmasked(text, line_of(st, self.src_name))
            if unmasked == text:
                continue
            text = unmasked
            kind = _kind(st)
            if isinstance(st[kind], str):
                st[kind] = block_text(text)
            else:
                st[kind][_TEXT_OF[kind]] = block_text(text)

    def unmasked(self, value: Any, line: int | None) -> Any:
        """`value` (a string, or the strings of a mapping or list) with each hidden value replaced by a var of its
        own, to fill in before the run; a hidden secret (`********`) becomes a secret var, read from the
        environment."""
        if isinstance(value, dict):
            return type(value)((k, self.unmasked(v, line)) for k, v in value.items())
        if isinstance(value, list):
            return [self.unmasked(v, line) for v in value]
        if not isinstance(value, str):
            return value
        for hidden, base in masked(value):
            n, name = 1, base
            while name in self.placeholders or name in self.needed:
                n += 1
                name = f"{base}_{n}"
            value = value.replace(hidden, "${" + name + "}", 1)
            (self.needed if base.endswith("SECRET") else self.placeholders).add(name)
            self.guarded.append(f"line {line}: `{hidden}` is a value the document hid: it became ${{{name}}}, a plan"
                                " var to fill in (from the environment)")
        return value
