"""Alternatives a person chooses between: "### 方案A：原地滚动升级" / "### 方案B：蓝绿切换" under a Go/No-Go where the
approver picks one ("只执行其中一个方案！"), "### Plan A" / "### Plan B", "**Option 1** …:" / "**Option 2** …:" each
with its block, "Variante A/B", "Opción A/B", when the document says someone chooses or only one runs.

Run in turn, both alternatives ran: the rolling upgrade and then the blue-green switch. They become ONE person's
step that shows each alternative with its condition and its exact commands, so the person runs the one they chose;
never both, and never one picked by the importer. The section's words before them are the Go/No-Go of the phase
before (with its decider) when the section is one, else the choice's description."""

from __future__ import annotations

import re

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _GATE, _clean
from golive.plan.md_blocks import Block

#: An alternative's label: "方案A", "Plan B", "Option 2", "Variante A", "Opción B", "Alternative 1", "案A", "选项1".
#: A section number may stand before it ("## 3. Plano A — pg_upgrade de verdade").
_ALT = re.compile(r"(?i)^\W*(?:\d+(?:\.\d+)*[.)]?\s+)?(plan[oa]?|piano|option|variante?|opci[óo]n|op[çc][ãa]o|"
                  r"opzione|alternative|alternativa|choice|方案|选项|選択肢|案)\s*([A-Z]|\d{1,2}|[一二三])(?![\w-])")
#: The alternative that runs unless someone chooses another: "(padrão)", "(default)", "Standard", "默认".
_DEFAULT = re.compile(r"(?i)\b(?:default|standard|padr[ãa]o|por\s+defecto|predeterminad[oa]|par\s+d[ée]faut|"
                      r"predefinit[oa]|regelfall|normalfall|usual)\b|默认|默認|既定|デフォルト|標準|기본")
#: The document says a person chooses, or that only one runs.
_CHOOSE = re.compile(r"(?i)\b(?:choose[sn]?|chosen|picks?|selects?|decides?|either|only\s+one|one\s+of|"
                     r"entscheid\w*|w[äa]hl\w*|nur\s+eine[nr]?|elig\w*|elegi\w*|s[oó]lo\s+una?|choisi\w*|"
                     r"une\s+seule|un\s+seul|escolh\w*|s[óo]\s+uma?|apenas\s+uma?|scegli\w*)\b|选择|选定|只执行|其中一个|二选一|决定|決定|どちらか|一方のみ|選ぶ")
#: A heading that is a decision point: "Go/No-Go", "决策点", "Entscheidung", "Decision", "Decisión".
_DECISION = re.compile(r"(?i)\bdecision\b|\bdecisi[óo]n\b|\bd[ée]cision\b|\bentscheidung\w*|决策|決定|判断ポイント")


class GateChoiceMixin(ImportState):
    def choice_section(self, idx: int, end: int) -> bool:
        """A section whose parts are alternatives a person chooses between: the words before them (a Go/No-Go of
        the phase before, or the choice's description), then one phase with one person's step showing each."""
        alts = self.alternatives_in(idx, end)
        if len(alts) < 2:
            return False
        h = self.blocks[idx]
        first = alts[0][0]
        pre = [b for b in self.blocks[idx + 1:first] if b.kind in ("para", "item") and not b.placed]
        said = " ".join(_clean(b.text) for b in pre) + " " + " ".join(_clean(self.blocks[j].text) for j, _s, _l in alts)
        gate_heading = bool(_GATE.search(h.text) or _DECISION.search(_clean(h.text)))
        if not (_CHOOSE.search(said) or gate_heading):
            return False  # "Option A" then "Option B" with nothing saying one is chosen: left as written
        if self.runs_commands(idx + 1, first):
            return False  # the section's own commands first: not a choice alone (left as written)
        before = self.phases[-1] if self.phases else None
        h.placed = True
        name = _clean(h.text)
        description: list[str] = []
        if gate_heading and before is not None and not before["gate"] and pre:
            before["gate"] = ("; ".join(_clean(b.text) for b in pre), pre[0].line)
            self.inferred.append(f"line {h.line}: '{name}' is a Go/No-Go where a person chooses -> the gate of"
                                 f" '{before['name']}', then the choice as one person's step")
        else:
            description = [_clean(b.text) for b in pre]
        for b in pre:
            b.placed = True
        labels = [label for _j, _s, label in alts]
        phase = self.new_phase(f"{name}: {' / '.join(labels)}" if gate_heading else name, h.line)
        phase["deployment"] = True
        phase["description"] += description
        lines = ["Run ONE of these, as chosen" + (f" ({'; '.join(_clean(b.text) for b in pre)[:300]})" if pre
                                                  else "") + "; never more than one:"]
        for j, stop, _label in alts:
            lines.append(_clean(self.blocks[j].text).rstrip(":：") + (":" if stop > j + 1 else ""))
            for b in self.blocks[j + 1:stop]:
                if b.kind == "fence":
                    lines += [f"    {ln}" for ln in b.text.rstrip("\n").split("\n")]
                elif b.kind in ("para", "item") and b.text.strip():
                    lines.append(f"  {_clean(b.text)}")
                b.placed = True
            self.blocks[j].placed = True
        phase["steps"].append(self.step("manual", {"instruction": "\n".join(lines)}, self.blocks[alts[0][0]].line,
                                        f"choose one: {' or '.join(labels)}"))
        self.conversions.append(f"line {h.line}: alternatives {', '.join(labels)} chosen by a person -> one person's"
                                " step showing each with its commands (never all run, none picked by the import)")
        return True

    def alternatives_in(self, idx: int, end: int) -> list[tuple[int, int, str]]:
        """(start, stop, label) of each alternative in [idx, end): sub-headings of one level, or paragraphs and
        top-level items followed by their block, labelled "Plan A", "方案B", "Option 2"; each must run something."""
        heads = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"]
        found: list[tuple[int, int, str]] = []
        if heads:
            level = min(self.blocks[j].level for j in heads)
            top = [j for j in heads if self.blocks[j].level == level]
            if all(_ALT.match(_clean(self.blocks[j].text)) for j in top):
                found = [(j, self.section_end(j), self._label(self.blocks[j])) for j in top]
        else:
            from golive.plan.importer.items import code_command

            # "**Plan A** (…):" and its block, or "- **Plan A** (lag under 5 s): `./bin/rolling-restart`" (its
            # command in its own text)
            leads = [j for j in range(idx + 1, end) if self.blocks[j].kind in ("para", "item")
                     and self.blocks[j].depth == 0 and _ALT.match(_clean(self.blocks[j].text))
                     and ((j + 1 < end and self.blocks[j + 1].kind == "fence")
                          or (self.blocks[j].kind == "item" and code_command(self.blocks[j].raw) is not None))]
            found = [(j, leads[n + 1] if n + 1 < len(leads) else end, self._label(self.blocks[j]))
                     for n, j in enumerate(leads)]
            inline = {j for j in leads if self.blocks[j].kind == "item" and code_command(self.blocks[j].raw)}
            if inline:
                found = [(j, j + 1 + self.item_span(j) if j in inline else stop, label) for j, stop, label in found]
                return found if len(inline) == len(found) and self.distinct(found) else []
        if not self.distinct(found) or not all(self.runs_commands(j + 1, stop) for j, stop, _l in found):
            return []
        return found

    @staticmethod
    def distinct(found: list[tuple[int, int, str]]) -> bool:
        return len({label.lower() for _j, _s, label in found}) == len(found)

    @staticmethod
    def _label(b: Block) -> str:
        m = _ALT.match(_clean(b.text))
        return _clean(b.text)[m.start(1): m.end()].strip() if m else _clean(b.text)

    def sibling_choice(self, idx: int, end: int) -> bool:
        """A section that is one of several sibling sections a person chooses between ("## 3. Plano A — …
        (padrão)" / "## 4. Plano B — … (só se o Marcelo escolher)"): run in turn, Plano B's SQL ran after Plano A.
        The alternative marked as the default stays the plan's steps (False); every other one becomes a phase of
        one person's step showing its lines, never run by golive; with no default marked, each of them does."""
        group = self.sibling_alternatives(idx)
        if idx not in group or len(group) < 2:
            return False
        heads = [_clean(self.blocks[j].text) for j in group]
        near = [_clean(b.text) for b in self.blocks[max(0, group[0] - 12):group[0]] if b.kind in ("para", "item")]
        leads = [_clean(self.blocks[j + 1].text) for j in group if j + 1 < len(self.blocks)
                 and self.blocks[j + 1].kind in ("para", "item")]
        if not _CHOOSE.search(" ".join(heads + near + leads)) and not any(_GATE.search(t) for t in near):
            return False  # "Option A" and "Option B" with nothing saying one is chosen: left as written
        defaults = [j for j in group if _DEFAULT.search(_clean(self.blocks[j].text))]
        if idx in defaults and len(defaults) == 1:
            return False  # the default alternative: the plan's own steps
        h = self.blocks[idx]
        others = [self._label(self.blocks[j]) for j in group if j != idx]
        default = self._label(self.blocks[defaults[0]]) if len(defaults) == 1 else None
        lines = [f"Only if this alternative is chosen instead of {' / '.join(others)}"
                 + (" (the default, which the plan runs: never run both)" if default else " (never more than one)")
                 + f"; golive does not run it. {_clean(h.text)}:"]
        for b in self.blocks[idx + 1:end]:
            if b.kind == "fence":
                lines += [f"    {ln}" for ln in b.text.rstrip("\n").split("\n")]
            elif b.kind in ("para", "item", "heading", "table") and b.raw.strip():
                lines.append(f"  {b.raw.strip()}")
            b.placed = True
        h.placed = True
        phase = self.new_phase(_clean(h.text), h.line)
        phase["deployment"] = True
        phase["steps"].append(self.step("manual", {"instruction": "\n".join(lines)}, h.line,
                                        f"only if chosen: {self._label(h)}"))
        self.conversions.append(f"line {h.line}: '{_clean(h.text)[:60]}' is an alternative a person chooses"
                                f" (instead of {' / '.join(others)}) -> one person's step showing it, never run by"
                                " golive" + (f"; {default} (the default) stays the plan's steps" if default else ""))
        return True

    def sibling_alternatives(self, idx: int) -> list[int]:
        """The run of sibling headings around `idx` labelled as alternatives of one kind with distinct labels
        ("Plano A", "Plano B"), each running something."""
        h = self.blocks[idx]
        m = _ALT.match(_clean(h.text))
        if h.kind != "heading" or m is None:
            return []
        kind = m.group(1).lower()
        same = [j for j, b in enumerate(self.blocks) if b.kind == "heading" and b.level == h.level]
        at = same.index(idx)

        def alike(j: int) -> bool:
            n = _ALT.match(_clean(self.blocks[j].text))
            return n is not None and n.group(1).lower() == kind

        lo, hi = at, at
        while lo > 0 and alike(same[lo - 1]) and not self.between_heading(same[lo - 1], same[lo]):
            lo -= 1
        while hi + 1 < len(same) and alike(same[hi + 1]) and not self.between_heading(same[hi], same[hi + 1]):
            hi += 1
        group = same[lo:hi + 1]
        found = [(j, self.section_end(j), self._label(self.blocks[j])) for j in group]
        if not self.distinct(found) or not all(self.runs_commands(j + 1, stop) for j, stop, _l in found):
            return []
        return group

    def between_heading(self, a: int, b: int) -> bool:
        """A heading of a higher level stands between two sibling headings: they are in different sections."""
        level = self.blocks[a].level
        return any(x.kind == "heading" and x.level < level for x in self.blocks[a + 1:b])
