"""What every rule family shares: the plan, its YAML tree (for positions), the findings, the plan's steps."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from golive.plan.lint.rules import RULES, Finding, Path_
from golive.plan.md_secrets import secret_like
from golive.plan.model import Plan
from golive.steps.base import StepBase


def _position(tree: Any, path: Path_) -> tuple[int, int]:
    """1-based line/col of the deepest node of `path` present in the ruamel tree."""
    node, line, col = tree, 1, 1
    for seg in path:
        lc: Any = None
        try:
            if isinstance(node, CommentedMap) and seg in node:
                lc = node.lc.key(seg)
                node = node[seg]
            elif isinstance(node, CommentedSeq) and isinstance(seg, int) and 0 <= seg < len(node):
                lc = node.lc.item(seg)
                node = node[seg]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
        if lc is not None:
            line, col = lc[0] + 1, lc[1] + 1
    return line, col


class LinterBase:
    def __init__(self, plan: Plan, tree: Any, file: str) -> None:
        self.plan, self.tree, self.file = plan, tree, file
        self.findings: list[Finding] = []
        self.secrets = set(plan.secret_names())

    def add(self, rule: str, path: Path_, message: str) -> None:
        line, col = _position(self.tree, path)
        self.findings.append(Finding(self.file, line, col, rule, RULES[rule].severity, message))

    def is_secret(self, name: str) -> bool:
        return name in self.secrets or secret_like(name)  # the importer's reading of a secret-looking name

    def all_steps(self) -> list[tuple[Path_, StepBase, int | None]]:
        """Every step with its YAML path and phase index (None for rollback levels and criteria)."""
        out: list[tuple[Path_, StepBase, int | None]] = []
        for pi, phase in enumerate(self.plan.phases):
            for si, step in enumerate(phase.steps):
                out.append((("phases", pi, "steps", si), step, pi))
                if step.undo is not None:
                    out.append((("phases", pi, "steps", si, "undo"), step.undo, pi))
            for ci, check in enumerate(phase.gate.checks):
                out.append((("phases", pi, "gate", "checks", ci), check, pi))
        for li, level in enumerate(self.plan.rollback.levels):
            for si, step in enumerate(level.steps):
                out.append((("rollback", "levels", li, "steps", si), step, None))
        return out
