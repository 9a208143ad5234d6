"""Traffic progressions in a phase become one `canary` step; rollback criteria become its analysis."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from golive.plan.importer.headings import ROLLBACK_WORDS
from golive.plan.importer.own_traffic import OWN_WEIGHTS
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _DURATION, _LEVEL, _clean, _duration_text, _hold_text
from golive.plan.md_blocks import Block
from golive.plan.md_traffic import (
    TRAFFIC_WORD,
    Threshold,
    hold_minutes,
    is_hold_item,
    minutes,
    next_percent,
    percent_signs,
    route_percent,
    stage_holds,
    stage_item,
    stages_in,
    thresholds_in,
)
from golive.units import parse_duration

#: The column of a traffic table that says when to stop: "Abort if", "Rollback when", "Stop if", "Abbruch bei".
_ABORT_HEADER = re.compile(r"abort|roll\s*-?\s*back|stop|halt|fail|trigger|abbruch|r(ü|ue)ckfall|revert")
_TRIGGER = re.compile(r"(?i)\b(roll\s*-?\s*back|abort|revert|back\s*-?\s*out|fall\s*back|abbruch|abbrechen|"
                      r"r(ü|ue)ckfall|zur(ü|ue)ck|abortar|revertir|reverter|annuler|interrompre|"
                      # "Stop and go back if ...", "On arrête si ...", "Wir stoppen, wenn ...", "Se detiene si ..."
                      r"stop|halt|go(?:es)?\s+back|arr[êe]t\w*|stopp\w*|deten\w*|parar|"
                      # "Si torna indietro se ...", "rientro se ..." (Italian: going back)
                      r"torn\w*\s+indietro|rientr\w*|"
                      # "se regresa al nivel 1", "vuelta atrás", "voltar" (Spanish, Portuguese: going back)
                      r"regres\w*|vuelta\s+atr[áa]s|marcha\s+atr[áa]s|volver|voltar)")
#: The word that makes it a condition: "roll back IF ...", "Abbruch BEI ...", "revertir SI ...".
_CONDITION = re.compile(r"(?i)\b(if|when|once|should|bei|wenn|falls|sobald|si|cuando|quand|caso|se)\b")


#: A phase heading about moving traffic: "Canary", "Shift traffic", "Ramp", "Move traffic", "Spostamento del traffico".
_TRAFFIC_PHASE = re.compile(r"(?i)\b(?:canary|traffic|ramp(?:-?up)?|shift|weights?|roll\s*-?out|cut\s*-?over|"
                            r"trafic|traffico|verkehr|tr[aá]fego|tr[aá]fico|bascule|umschalt\w*)\b")


def traffic_rows(b: Block) -> list[tuple[int, float | None]]:
    """(weight, hold minutes) of each row of a | Stage | Traffic % | Hold | table; [] for any other table."""
    if len(b.rows) < 3:
        return []
    header = [_clean(c).lower() for c in b.rows[0]]
    # in English and the languages runbooks come in: "| Palier | Poids | Durée |", "| Stufe | Anteil | Dauer |"
    pct = next((i for i, c in enumerate(header) if re.search(
        r"traffic|weight|percent|share|split|%|poids|trafic|part\b|anteil|gewicht|verkehr|peso|tr[aá]f(?:ic|eg)o|"
        r"porcentaje|porcentagem|pourcentage", c)), None)
    hold = next((i for i, c in enumerate(header) if i != pct and re.search(
        r"hold|duration|wait|soak|bake|observe|for how long|dwell|dur[ée]e|observation|attente|dauer|haltezeit|"
        r"beobacht|warte|duraci[oó]n|dura[cç][aã]o|espera|observaci[oó]n", c)), None)
    if pct is None:
        return []
    out: list[tuple[int, float | None]] = []
    for row in b.rows[1:]:
        m = re.fullmatch(r"\s*(\d{1,3})\s*%\s*(?:of\s+\w+)?\s*", percent_signs(_clean(row[pct]))) if pct < len(row) \
            else None
        if m is None:
            return []
        d = _DURATION.search(_clean(row[hold])) if hold is not None and hold < len(row) else None
        out.append((int(m.group(1)), minutes(d.group(2) or d.group(1), d.group(3)) if d else None))
    return out if len(out) >= 2 else []


class TrafficMixin(ImportState):
    def canary_from(self, phase: dict[str, Any]) -> None:
        """Traffic percentages of a deployment phase that rise (10% -> 25% -> 50% -> 100%) become one `canary`
        step where the first of them stood; "Monitor for 10 minutes" after a move is that stage's hold.

        The router and pools are plan vars to fill in (the document never names them); the analysis limits
        come from the Rollback Criteria, added in build() once the whole document has been read."""
        for j in self.loose_for.pop(phase["line"], []):  # the progression written away from it (loose_traffic)
            phase.setdefault("items", []).append((j, None, len(phase["steps"])))
            self.phase_triggers(self.blocks[j])
            self.inferred.append(f"line {self.blocks[j].line}: the traffic progression there is how"
                                 f" '{phase['name']}' moves traffic -> its canary")
        entries: list[tuple[int, CommentedMap | None, int]] = phase.pop("items", [])
        stages: list[dict[str, Any]] = []
        used: list[int] = []  # indexes into entries
        each: tuple[float, int] | None = None
        open_stage: int | None = None
        open_depth = 0
        for n, (j, _step, _pos) in enumerate(entries):
            b = self.blocks[j]
            text = _clean(b.text)
            if b.kind == "table":  # | Stage | Traffic | Hold |: a stage per row, with its hold
                stages += [{"weight": w, "hold": h, "line": b.line} for w, h in traffic_rows(b)]
                used.append(n)
                open_stage = None
                continue
            # "On lb-search, 10% then 50% then 100%" in a phase named "Ramp search-api": the phase says what they are
            found = stages_in(text, phase["name"])
            if found:
                hold = hold_minutes(text)
                if hold is not None:
                    each = (hold, b.line)
                stages += [{"weight": w, "hold": None, "line": b.line} for w, _at in found]
                own = stage_holds(text)  # "1% (5 min) → 10% (10 min) → 100%": each stage's own hold
                if len(own) == len(found):
                    for st, h in zip(stages[-len(found):], own, strict=True):
                        st["hold"] = h
                times = [at for _w, at in found]
                if all(at is not None for at in times):  # "10% at T+5, then 50% at T+15": held until the next
                    for st, a, nxt in zip(stages[-len(found):], times, times[1:], strict=False):
                        assert a is not None and nxt is not None
                        st["hold"] = nxt - a if nxt > a else None
                used.append(n)
                open_stage = None
                continue
            pct = route_percent(text)
            if pct is None and stages and b.kind == "item" and b.depth == self.blocks[entries[used[-1]][0]].depth:
                pct = next_percent(text)  # "1. Shift 10% of traffic ..." then "2. Shift 50% and watch ..."
            one = self.ramp_item(phase, b, text) if pct is None else None
            if one is not None:  # "Stage 2: 50% for 10 min" in a list about traffic
                stages.append({"weight": one[0], "hold": one[1], "line": b.line})
                used.append(n)
                open_stage = None
                continue
            if pct is not None:
                hold = hold_minutes(text)
                stages.append({"weight": pct, "hold": hold, "line": b.line})
                used.append(n)
                open_stage, open_depth = (len(stages) - 1 if hold is None else None), b.depth
                continue
            if open_stage is not None and b.depth >= open_depth:
                if is_hold_item(text):
                    stages[open_stage]["hold"] = hold_minutes(text)
                    stages[open_stage]["hold_line"] = b.line
                    used.append(n)
                    open_stage = None
                elif b.depth == open_depth:
                    open_stage = None  # another step came between the move and a hold
        if not stages:
            return
        weights = [s["weight"] for s in stages]
        why = ""
        if len(stages) < 2:
            why = f"one traffic percentage ({weights[0]}%) is not a progression"
        elif weights != sorted(set(weights)) or not all(1 <= w <= 100 for w in weights):
            why = "the percentages do not rise from 1% to at most 100%"
        if why:
            self.traffic.append((stages[0]["line"], weights, why))
            for n in used:
                j, step, _pos = entries[n]
                if step is None:  # a paragraph with the percentages: keep its text with the phase
                    phase["description"].append(_clean(self.blocks[j].text))
            return
        self.fill_holds(phase, stages, each)
        spec = CommentedMap()
        spec["router"] = CommentedMap({"type": "builtin", "admin": "${ROUTER_ADMIN}"})
        spec["router"].fa.set_flow_style()
        spec.yaml_add_eol_comment("TODO: placeholder, the document names no router (see vars)", "router")
        spec["stable"] = "${STABLE_POOL}"
        spec["canary"] = "${CANARY_POOL}"
        seq = CommentedSeq()
        for i, st in enumerate(stages):
            sm = CommentedMap({"weight": st["weight"]})
            if st["hold"]:
                sm["hold"] = st["hold"]
            sm.fa.set_flow_style()
            seq.append(sm)
            lines = sorted({st["line"], st.get("hold_line", st["line"])})
            seq.yaml_add_eol_comment(f"{self.src_name}:" + ",".join(str(n) for n in lines), i)
        spec["stages"] = seq
        line = stages[0]["line"]
        name = "Canary: traffic to the new version " + " -> ".join(f"{w}%" for w in weights)
        step = self.step("canary" if "canary" in self.kinds else "manual",
                         spec if "canary" in self.kinds else {"instruction": name}, line, name)
        at = entries[used[0]][2]
        gone = {id(entries[n][1]) for n in used if entries[n][1] is not None}
        steps = phase["steps"]
        # Checks under a hold ("Monitor for 10 minutes" > "Error rate < 0.1%") stay manual steps, after the canary.
        merged = {entries[n][0] for n in used}
        for j, old, _pos in entries:
            parent = self.blocks[j].parent
            if old is not None and id(old) not in gone and parent in merged and "manual" in old:
                assert parent is not None
                named = self.step("manual", old["manual"], self.blocks[j].line,
                                  f"After the canary (asked at each hold, line {self.blocks[parent].line})")
                steps[next(i for i, s in enumerate(steps) if s is old)] = named
                self.inferred.append(f"line {self.blocks[j].line}: '{_clean(self.blocks[j].text)}' under line"
                                     f" {self.blocks[parent].line} stays a manual step after the canary")
        phase["steps"] = [s for s in steps[:at] if id(s) not in gone] + [step] + [
            s for s in steps[at:] if id(s) not in gone]
        router = self.own_router(phase, step, spec, weights) if "canary" in self.kinds else None
        if router is None and self.own_ramp(phase, step, stages):
            return  # the document's own commands move traffic on a router golive cannot drive: they are the ramp
        if router is None:
            self.own_weights_after(phase, step)
        if "canary" not in self.kinds:
            self.traffic.append((line, weights, "no `canary` step kind is installed"))
            return
        self.canaries.append({"spec": spec, "phase": phase["name"], "line": line, "stages": stages,
                              "merged": len(used), "own": router})

    def own_weights_after(self, phase: dict[str, Any], canary: CommentedMap) -> None:
        """The document's own command that sets traffic weights (a weight patch, a sed of `weight=`) is its ramp's
        first stage: run after the canary it would put the first weight back (the run ends at 10%). It runs
        before the canary, as the document orders it, and the canary's stages carry the ramp on."""
        steps = phase["steps"]
        at = next(i for i, s in enumerate(steps) if s is canary)
        moved = []
        for st in steps[at + 1:]:
            shell = st.get("shell")
            cmd = shell.get("command") if isinstance(shell, dict) else shell
            if isinstance(cmd, str) and OWN_WEIGHTS.search(cmd):
                moved.append(st)
        if not moved:
            return
        rest = [s for s in steps if not any(s is m for m in moved)]
        at = next(i for i, s in enumerate(rest) if s is canary)
        phase["steps"] = rest[:at] + moved + rest[at:]
        self.conversions.append(f"'{phase['name']}': the document's own weight command (its first stage) -> before"
                                " the canary, which carries the ramp on (after it, it would put the first weight back)")

    def ramp_item(self, phase: dict[str, Any], b: Block, text: str) -> tuple[int, float | None] | None:
        """A list item that is only a stage ("10% for 10 min"), when its list is about traffic: the item above it,
        the paragraph before the list or the phase name says traffic, canary, ramp, weight or roll-out."""
        if b.kind != "item":
            return None
        found = stage_item(text)
        if found is None:
            return None
        parent = self.blocks[b.parent] if b.parent is not None else None
        context = " ".join([phase["name"], *phase["description"][-1:], parent.text if parent else ""])
        return found if TRAFFIC_WORD.search(context) else None

    def traffic_table(self, phase: dict[str, Any], b: Block) -> bool:
        """A table of traffic stages in a phase: kept for canary_from, in its place among the steps."""
        if self.in_rollback or not traffic_rows(b):
            return False
        phase.setdefault("items", []).append((self.blocks.index(b), None, len(phase["steps"])))
        b.placed = True
        self.abort_column(b)
        return True

    def abort_column(self, b: Block) -> None:
        """| Stage | Traffic | Hold | Abort if |: the limits in the abort column are the canary's analysis limits
        ("5xx above 0.5% or p95 above 600 ms"); a cell saying "same" repeats the one above, nothing new."""
        header = [_clean(c).lower() for c in b.rows[0]]
        col = next((i for i, c in enumerate(header) if _ABORT_HEADER.search(c)), None)
        if col is None:
            return
        for n, row in enumerate(b.rows[1:], 1):
            line = b.row_lines[n] if n < len(b.row_lines) else b.line + 1 + n
            found = thresholds_in(_clean(row[col]), line) if col < len(row) else []
            self.thresholds += found
            if found:
                self.inferred.append(f"line {line}: abort limits of a traffic stage: "
                                     + ", ".join(t.label for t in found))

    def loose_traffic(self) -> None:
        """A traffic progression written away from the phase that moves traffic: in the overview ("Users move by
        nginx weights: 10 -> 50 -> 100, 20 minutes per step"), or in a list of decisions ("D3. Traffic in three
        steps, 5% → 25% → 100%"). When exactly one phase heading is about traffic (a canary, a shift, a ramp) and
        says no percentage of its own, the progression and its limits are that phase's canary (phase_from)."""
        from golive.plan.md_traffic import progression

        heads = [i for i, b in enumerate(self.blocks) if b.kind == "heading"]

        def section_of(j: int) -> int | None:
            return max((i for i in heads if i < j), default=None)

        def own_percent(i: int) -> bool:  # stages the phase itself gives, in a form canary_from reads
            end = self.section_end(i)
            return any((b.kind == "table" and traffic_rows(b)) or (b.kind in ("para", "item") and (
                progression(_clean(b.text)) or route_percent(_clean(b.text)) is not None
                or stage_item(_clean(b.text)) is not None)) for b in self.blocks[i + 1:end])

        def way_back(i: int) -> bool:  # "## Level 1 - weights back" under "# Rollback": no phase that moves traffic
            level, out = self.blocks[i].level + 1, False
            for k in reversed([k for k in heads if k <= i]):
                if self.blocks[k].level < level:
                    level = self.blocks[k].level
                    out = out or bool(ROLLBACK_WORDS.search(_clean(self.blocks[k].text).lower())
                                      or _LEVEL.match(_clean(self.blocks[k].text)))
            return out

        targets = [i for i in heads if _TRAFFIC_PHASE.search(_clean(self.blocks[i].text)) and not way_back(i)]
        for j, b in enumerate(self.blocks):
            if b.kind not in ("para", "item") or b.placed or b.children:
                continue
            weights = progression(_clean(b.text))
            if len(weights) < 2 or weights != sorted(set(weights)) or weights[-1] > 100:
                continue
            home = section_of(j)
            if home is not None and (home in targets or way_back(home)):
                continue  # in its own phase already, or how traffic goes back
            others = [i for i in targets if i != home]
            if len(others) != 1 or own_percent(others[0]):
                continue
            b.placed = home is not None  # an overview paragraph stays in the plan's description too
            self.loose_for.setdefault(self.blocks[others[0]].line, []).append(j)

    def phase_triggers(self, b: Block) -> None:
        """"Abort and roll back if the 5xx rate goes above 0.5% or p95 above 300 ms" in a phase's text: rollback
        triggers, the limits of a canary's analysis (the sentence stays in the phase description)."""
        text = _clean(b.text)
        if not self.in_rollback and _TRIGGER.search(text) and _CONDITION.search(text):
            found = thresholds_in(text, b.line)
            self.thresholds += found
            if found:
                self.inferred.append(f"line {b.line}: rollback trigger in a phase: "
                                     + ", ".join(t.label for t in found))

    def fill_holds(self, phase: dict[str, Any], stages: list[dict[str, Any]], each: tuple[float, int] | None) -> None:
        """Hold times the document does not give per stage: "each held N minutes", else the phase timebox shared
        out, else one analysis interval (a stage with no hold would be promoted without a single verdict)."""
        missing = [st for st in stages if st["hold"] is None and st["weight"] < 100]
        for st in stages:
            if st["hold"] is not None:
                st["hold"] = _hold_text(st["hold"])
        if not missing:
            return
        where = f"line {stages[0]['line']}: canary in '{phase['name']}'"
        if each is not None:
            hold, line = _hold_text(each[0]), each[1]
            self.inferred.append(f"{where}: every stage below 100% held {hold} (line {line})")
        elif phase["timebox"]:
            known = sum(float(parse_duration(st["hold"])) / 60 for st in stages if st["hold"])
            share = max(1.0, float(int((phase["timebox"] - known) / len(missing))))
            hold = _hold_text(share)
            self.inferred.append(f"{where}: no hold time given for {len(missing)} stage(s): {hold} each, the"
                                 f" phase timebox ({_duration_text(phase['timebox'])}) shared out")
        else:
            hold = "1m"
            self.inferred.append(f"{where}: no hold time and no timebox: {len(missing)} stage(s) held 1m (one"
                                 " analysis interval); set `hold` on each stage")
        for st in missing:
            st["hold"] = hold

    def canary_analysis(self) -> list[Threshold]:
        """The Rollback Criteria limits an `analysis` can hold (the strictest of each kind) on every canary."""
        best: dict[str, Threshold] = {}
        for t in self.thresholds:
            if t.key and (t.key not in best or t.amount < best[t.key].amount):
                best[t.key] = t
        chosen = sorted(best.values(), key=lambda t: t.line)
        for c in self.canaries:
            if not chosen:
                continue
            analysis = CommentedMap()
            for t in chosen:
                analysis[t.key] = t.value
                analysis.yaml_add_eol_comment(f"{self.src_name}:{t.line}", t.key)
            c["spec"]["analysis"] = analysis
        return chosen
