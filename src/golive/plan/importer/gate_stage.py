"""A Go/No-Go asked before a stage of the traffic ramp: "**Go/No-Go before stage 4:** Marcus Lee, on the release
call", "Go/No-Go before the 100% stage", "vor Stufe 4", "antes da etapa 4", "第4阶段之前".

A gate is judged after its phase's last step: left on the ramp's phase, the decision came after stage 4 had sent
all traffic to the new version, which is what the decision was to prevent. The ramp is cut there: its stages
before that one (held at their split, never promoted) end the phase the gate judges, and the stages from that
one on start a phase of their own, after the decision.
"""

from __future__ import annotations

import copy
import re

from ruamel.yaml.comments import CommentedSeq

from golive.plan.importer.state import ImportState

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "last": -1, "final": -1,
             "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
#: "before stage 4", "before the 100% stage", "before the final stage", "vor Stufe 4", "avant l'étape 4",
#: "antes da etapa 4", "antes de la fase 4", "prima della fase 4", "第4阶段之前", "第四阶段前", "ステージ4の前".
_BEFORE_STAGE = re.compile(
    r"(?i)\b(?:before|ahead\s+of|prior\s+to|vor(?:\s+der)?|avant(?:\s+l['’]|\s+la\s+)?|antes\s+d[aoe]\s*(?:la\s+)?|"
    r"prima\s+della\s+)\s*(?:the\s+)?"
    r"(?:(?:stage|stufe|[ée]tape|etapa|fase|tappa|step)\s+(?P<n>\d{1,2})\b|(?P<pct>\d{1,3})\s*%\s*(?:stage|step)?|"
    r"(?P<ord>first|second|third|fourth|fifth|sixth|last|final)\s+(?:stage|step)\b)"
    r"|第\s*(?P<cn>\d{1,2}|[一二三四五六])\s*(?:阶段|階段|级|級)\s*(?:之前|前)|ステージ\s*(?P<jp>\d{1,2})\s*の前")


def stage_before(text: str) -> tuple[str, int] | None:
    """("n", stage number) or ("pct", weight) the decision comes before, as the gate's words say."""
    m = _BEFORE_STAGE.search(text)
    if m is None:
        return None
    if m.group("pct"):
        return "pct", int(m.group("pct"))
    number = m.group("n") or m.group("jp") or m.group("cn") or m.group("ord")
    n = int(number) if number.isdigit() else _ORDINALS[number.lower()]
    return "n", n


class GateStageMixin(ImportState):
    def gates_before_stages(self) -> None:
        """Cut each ramp whose phase's Go/No-Go is asked before one of its stages (see the module)."""
        for at in range(len(self.phases) - 1, -1, -1):
            phase = self.phases[at]
            if not phase["gate"] or not phase["steps"]:
                continue
            where = stage_before(f"{phase.get('gate_where', '')} {phase['gate'][0]}")
            canary = next((i for i, s in enumerate(phase["steps"]) if isinstance(s, dict) and "canary" in s), None)
            if where is None or canary is None:
                continue
            stages = list(phase["steps"][canary]["canary"]["stages"])
            kind, value = where
            cut = (len(stages) - 1 if value == -1 else value - 1) if kind == "n" else next(
                (i for i, st in enumerate(stages) if int(st["weight"]) == value), -1)
            if not 0 < cut < len(stages):
                continue  # before the first stage, or a stage the ramp does not have: the gate stays as written
            self.cut_ramp(at, canary, cut)

    def cut_ramp(self, at: int, canary: int, cut: int) -> None:
        """Stages before `cut` (held, not promoted) stay in phase `at`, under its gate, with the steps the document
        writes after the ramp's table (they come before the decision, as written); the rest of the stages become the
        phase after it."""
        phase = self.phases[at]
        first = phase["steps"][canary]  # the canary the importer knows (its limits are filled in later)
        rest = copy.deepcopy(first)
        stages = list(first["canary"]["stages"])
        step = {"name": first.get("name")} if "name" in first else {}
        first["canary"]["stages"] = CommentedSeq(stages[:cut])
        first["canary"]["promote"] = False
        rest["canary"]["stages"] = CommentedSeq(stages[cut:])
        weights = [int(s["weight"]) for s in stages]
        if "name" in step:
            first["name"] = f"{step['name']} (stages 1-{cut}, held at {weights[cut - 1]}%)"
            rest["name"] = f"{step['name']} (from stage {cut + 1}, after the Go/No-Go)"
        after = self.new_phase(f"{phase['name']}: from stage {cut + 1} ({weights[cut]}%), after the Go/No-Go",
                               phase["gate"][1])
        self.phases.remove(after)
        self.phases.insert(at + 1, after)
        after["deployment"] = phase.get("deployment", True)
        after["steps"] = [rest]  # what the document writes after the ramp's table comes before its decision
        for known in [c for c in self.canaries if c["spec"] is first["canary"]]:
            self.canaries.append({**known, "spec": rest["canary"], "phase": after["name"]})
        if phase["name"] in self.ramp_phases:
            self.ramp_phases.add(after["name"])
        self.conversions.append(f"line {phase['gate'][1]}: the Go/No-Go is asked before stage {cut + 1} of the"
                                f" ramp in '{phase['name']}' -> the ramp stops at {weights[cut - 1]}% (no"
                                f" promotion) under that gate; stage {cut + 1} on is the phase after it")

