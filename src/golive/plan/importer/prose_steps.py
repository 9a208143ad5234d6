"""Instructions written in prose ("Repeat steps 3–5 for brokers 2–6", "Repeat the install section on
billing-vm-2", "Same for 50 and 100", "do this before Level 1", "Read the diff: only ... may change"): no block
carries them out, and kept only as a phase's description nobody is asked to do them (five brokers of six never
restarted). Each becomes a person's step where it stands, quoting the document, and a repeat of numbered steps or
of a section also quotes what is to be repeated, so the person sees it without the document. Writing the repeated
commands out per host would be faithful only where the document leaves no doubt; a person's step always is.

Which sentences are instructions: golive.plan.md_instructions."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.level_prose import LevelProseMixin
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block
from golive.plan.md_instructions import (
    REPEAT,
    THEN_LEAD,
    imperative,
    section_words,
    sentences,
    step_numbers,
    strong,
)

#: "Step 3.", "**Step 3:**", "Schritt 3", "Paso 3", "Étape 3", "3.", "3)": where the document's step N starts.
_STEP_AT = r"(?i)^\W*(?:step|schritt|paso|(?:é|e)tape|passo|手順|ステップ)\s*{n}(?:[.):：]|\s+[-–—:]|\s*$)"
#: The clause after a repeat that is the block's own work: "Repeat the install section on vm-2, then enable it:".
_THEN_BLOCK = re.compile(r"(?i),?\s+(?:and\s+)?then\s+(?:[a-z]+)\s+(?:it|them|this|that|the\b)[^:]*:?\s*$")
#: A host, node or value a repeat names ("pgw-02", "WEB02", "`billing-vm-2`", "eu-west-1", "50/50").
_TARGET = re.compile(r"`([^`\s]+)`|\b([A-Za-z][\w.]*-[\w.-]*\d[\w.-]*|[A-Za-z]+\d+|\d+/\d+)\b")


def _gist(text: str, limit: int = 90) -> str:
    """The first line of a block that does something (comments skipped), shortened for a person's step."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if not lines:
        return ""
    first = lines[0] if len(lines[0]) <= limit else lines[0][:limit - 1] + "…"
    return first + (" …" if len(lines) > 1 else "")


class ProseStepsMixin(LevelProseMixin):
    def prose_step(self, phase: dict[str, Any], b: Block, j: int) -> bool:
        """Place paragraph `b` (at `j`) of a phase or level as a person's step when it asks for work that nothing
        else of the plan does; True when it did (the caller leaves the paragraph alone then)."""
        nested = b.depth != phase.get("depth", 0)  # a paragraph inside a list item ("Do the same on wk-2.")
        if self.in_rollback and not nested and self.level_prose_commands(phase, b):
            return True
        text = _clean(b.text)
        if not text or len(text) >= 1000:
            return False
        nxt = self.blocks[j + 1] if j + 1 < len(self.blocks) else None
        lead = nxt is not None and nxt.kind == "fence" and not nxt.placed  # it introduces that block
        said = sentences(text)
        # before a block, the block is the work of its lead's imperative ("Stop, switch the install, start.") or
        # shows it to a person ("Edit /etc/x:" over the file): only a repeat or an order between the document's
        # parts is left for a person
        hits = [s for s in said if strong(s)] if lead else [s for s in said if imperative(s)]
        if not hits and lead and len(said) >= 2 and THEN_LEAD.match(said[-1]):
            # "Edite postgresql.conf e troque port = 5433 por port = 5432. Depois:" over the start: the edit comes
            # first and no block does it; only "Depois:" introduces the block
            first = [s for s in said[:-1] if imperative(s)]
            if first:
                phase["description"].append(text)
                step = self.step("manual", {"instruction": " ".join(first)[:2000]}, b.line, None)
                phase["steps"].append(step)
                self.prose_said[id(step)] = (b.line, text)
                self.inferred.append(f"line {b.line}: '{' '.join(first)[:80]}' comes before the block its paragraph"
                                     " introduces ('then: ...') and no block does it -> a person's step, where it"
                                     " stands")
                return True
        if not hits:
            return False
        after: Block | None = None
        if lead and nxt is not None:
            words = " ".join(hits)
            cut = _THEN_BLOCK.sub("", words)
            if cut == words and REPEAT.search(words) and not step_numbers(words) and not section_words(words):
                # "Repeat for each node pgw-01, pgw-02, pgw-03:", "Same on `pay-app-2`:": the block is what to repeat
                code = re.sub(r"(?m)(?:^|\s)#.*$", " ", nxt.text)
                targets = [t for m in _TARGET.finditer(words) if (t := m.group(1) or m.group(2))]
                if targets and all(t in code for t in targets):
                    return False  # the block already runs it there ("Same on pay-app-2:" over `ssh pay-app-2 …`)
                after = nxt
            instruction = cut.rstrip(" :").strip()
            phase["description"].append(text)  # it still introduces its block
        else:
            instruction = text.rstrip(" :").strip()
            if self.in_rollback:
                phase["description"].append(text)  # a level's words also say when it runs (its condition)
        quoted = self.quoted_parts(" ".join(hits), b.line)
        if quoted:
            instruction += "\n" + quoted
        if after is not None:
            instruction += f"\n(The document's block at line {after.line} is the one to repeat; its step runs it" \
                           " once, as written.)"
        step = self.step("manual", {"instruction": instruction[:2000]}, b.line, None)
        phase["steps"].append(step)
        self.prose_said[id(step)] = (b.line, text)
        if after is not None:
            self.prose_after.append((phase, step, after))
        self.phase_triggers(b)
        where = "a rollback level" if self.in_rollback else f"phase '{phase['name']}'"
        self.inferred.append(f"line {b.line}: '{' '.join(hits)[:80]}' asks a person for work no block does -> a"
                             f" person's step in {where}, where it stands"
                             + (" (quoting what it repeats)" if quoted else ""))
        return True

    def quoted_parts(self, said: str, line: int) -> str:
        """What a repeat points at, from the document: "steps 3–5" -> each step's words and command; "the
        install section" -> that section's steps. "" when it points at nothing the document numbers or names."""
        out: list[str] = []
        for n in step_numbers(said):
            at = self.step_block(n, line)
            if at is None:
                continue
            head = _clean(self.blocks[at].text)
            cmd = next((_gist(b.text) for b in self.blocks[at + 1:at + 4] if b.kind == "fence"), "")
            out.append(f"- line {self.blocks[at].line}: {head[:160]}" + (f" `{cmd}`" if cmd else ""))
        for word in section_words(said):
            phase = next((p for p in self.phases if word[:5] in p["name"].lower() and p["line"] < line), None)
            if phase is None:
                continue
            gists = [self.step_gist(st) for st in phase["steps"]]
            out.append(f"- section '{phase['name']}' (line {phase['line']}): " + "; ".join(g for g in gists if g))
        return ("What the document points at:\n" + "\n".join(out))[:1500] if out else ""

    def step_block(self, n: int, line: int) -> int | None:
        """The block where the document's step `n` starts ("**Step 3.** ...", "### Step 3: Drain"), the nearest
        before `line` (else after it)."""
        pattern = re.compile(_STEP_AT.format(n=n))
        found = [k for k, b in enumerate(self.blocks) if b.kind in ("para", "heading", "item")
                 and pattern.match(_clean(b.text)) and b.line != line]
        if not found:
            # only a step the document calls so: a bare "3." may be a list item, a section or another list's item
            # ("Option A: 1. 2. 3." and "Option B: 1. 2. 3."), and quoting the wrong one shows other work
            return None
        before = [k for k in found if self.blocks[k].line < line]
        return before[-1] if before else found[0]

    @staticmethod
    def step_gist(st: Any) -> str:
        """One short line for a plan step: its command, URL or instruction."""
        for kind in ("shell", "sql", "manual", "http", "migrate", "backup", "restore", "wait"):
            spec = st.get(kind)
            if spec is None:
                continue
            if isinstance(spec, dict):
                spec = spec.get("command") or spec.get("instruction") or spec.get("url") or spec.get("query") \
                    or spec.get("duration") or ""
            alt = re.match(r"(Only where '[^']+' applies)[^\n]*:\n", str(spec))  # an alternative's person's step
            if alt:
                return f"{alt.group(1)}: {_gist(str(spec)[alt.end():], 70)}"
            return _gist(str(spec), 70)
        return ""

    def prose_after_blocks(self) -> None:
        """A repeat of the block it introduces ("Repeat for each node pgw-01, pgw-02, pgw-03:") stands after the
        block's steps: the block runs once as written, then the person repeats it for the others. A list item
        that repeats numbered steps or a section ("- [ ] Repeat steps 1–2 on web-2") quotes them too."""
        from golive.plan.importer.procedure import line_of

        for holder in [*self.phases, *self.levels]:
            for st in holder["steps"]:
                spec = st.get("manual") if isinstance(st, dict) else None
                said = str(spec.get("instruction", "")) if isinstance(spec, dict) else ""
                line = line_of(st, self.src_name)
                if id(st) in self.prose_said or not said or "\n" in said or line is None or not strong(said):
                    continue
                quoted = self.quoted_parts(said, line)
                if quoted and isinstance(spec, dict):
                    spec["instruction"] = f"{said}\n{quoted}"[:2000]

        for phase, step, block in self.prose_after:
            steps = phase["steps"]
            if not any(st is step for st in steps):
                continue
            end = block.line + block.text.count("\n") + 2
            rest = [st for st in steps if st is not step]
            if not any(block.line <= (line_of(st, self.src_name) or 0) <= end for st in rest):
                # the block became golive's own step (a canary walking every stage "da ripetere con 50/50 e poi
                # 100/0"): that step does the repeat; a person repeating it by hand would move the traffic back
                phase["steps"] = rest
                self.inferred.append(f"line {self.prose_said[id(step)][0]}: the repeat of the block at line"
                                     f" {block.line} is done by the step that took the block's place: no person's step")
                continue
            at = steps.index(step)
            while at < len(rest) and (n := line_of(rest[at], self.src_name)) is not None and n <= end:
                at += 1
            phase["steps"] = [*rest[:at], step, *rest[at:]]

    def ramp_said(self, steps: list[Any], weight: int) -> tuple[int, str] | None:
        """The document's own sentence for a later traffic stage ("Same for 50 (all four at 50) and 100"), among a
        ramp phase's person's steps: the stage's step quotes it (and takes its place) rather than guessing the
        numbers from the first stage's command."""
        for st in steps:
            said = self.prose_said.get(id(st))
            if said is not None and re.search(rf"(?<![\d.]){weight}(?![\d.])", said[1]):
                return said
        return None

    def prose_section(self, idx: int, end: int) -> bool:
        """"## Brokers 2–6" holding only "Repeat steps 3–5 for brokers 2–6, one at a time": a section of the
        procedure whose work is a repeat written in prose. Left out as "no place in a plan", five brokers of six
        were never restarted; it is a phase of its own, its repeat a person's step. Only after a phase (the
        procedure has started) and only for a repeat or an order between parts, never for explanation."""
        if not self.phases or any(b.kind == "heading" for b in self.blocks[idx + 1:end]):
            return False
        paras = [b for b in self.blocks[idx + 1:end] if b.kind == "para" and b.depth == 0 and not b.placed]
        if not any(any(strong(s) for s in sentences(_clean(b.text))) for b in paras) and not any(
                _inline_commands(b.raw) for b in paras):
            return False
        count = len(self.phases)
        self.phase_from(idx, end)
        if len(self.phases) > count and self.phases[-1]["steps"]:
            self.inferred.append(f"line {self.blocks[idx].line}: section '{_clean(self.blocks[idx].text)}' holds a"
                                 " repeat written in prose -> a phase of person's steps (nothing in it is dropped)")
        return True

    def said_commands(self, idx: int, end: int) -> None:
        """A phase of the procedure whose only work is commands written in a sentence ("## Second node" / "On kc-2:
        `sudo systemctl start keycloak`, then the same health check against `kc-2.internal:9000`."): left with no
        step, the phase was dropped and kc-2 never started. Each such sentence is a person's step showing it (never
        run as a guess at what the sentence means)."""
        phase = self.phases[-1] if self.phases else None
        if phase is None or phase["line"] != self.blocks[idx].line or phase["steps"]:
            return
        for b in self.blocks[idx + 1:end]:
            if b.kind != "para" or b.depth != 0 or not _inline_commands(b.raw):
                continue
            text = _clean(b.text)
            if text in phase["description"]:
                phase["description"].remove(text)
            phase["steps"].append(self.step("manual", {"instruction": text[:2000]}, b.line, None))
            b.placed = True
            self.inferred.append(f"line {b.line}: '{text[:80]}' gives commands in a sentence, the only work of"
                                 f" section '{phase['name']}' -> a person's step showing it")


def _inline_commands(raw: str) -> list[str]:
    """The code spans of a sentence that are commands a shell would run (a program and its arguments), never a
    name, a host or a value (`kc-2.internal:9000`, `v4.2`)."""
    from golive.plan.md_shell import looks_like_commands, parse, simple_commands

    out = []
    for m in re.finditer(r"`([^`\n]+)`", raw):
        cmd = m.group(1).strip()
        if looks_like_commands(cmd) and (argvs := simple_commands(parse(cmd))) and len(argvs[0]) >= 2:
            out.append(cmd)
    return out
