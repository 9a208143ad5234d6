"""Runs every rule family over a plan and sorts the findings by position."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from golive.plan.lint.commands import CommandRules
from golive.plan.lint.rules import Finding
from golive.plan.lint.structure import StructureRules
from golive.plan.loader import load_plan
from golive.plan.model import Plan


class _Linter(CommandRules, StructureRules):
    def run(self) -> list[Finding]:
        self.phases()
        self.commands()
        self.migrations()
        self.window()
        self.roles()
        self.signers()
        self.traffic()
        self.host_groups()
        self.rolling()
        self.held_canaries()
        self.imported_shapes()
        self.compliance()
        self.findings.sort(key=lambda f: (f.line, f.col, f.rule))
        return self.findings


def lint_plan(plan: Plan, text: str, file: str) -> list[Finding]:
    try:
        tree = YAML(typ="rt").load(text)
    except (YAMLError, RecursionError):
        tree = None
    return _Linter(plan, tree, file).run()


def lint_file(path: str | Path) -> list[Finding]:
    plan = load_plan(path)  # PlanError for anything invalid: bad input, exit 2
    text = Path(path).read_text(encoding="utf-8")
    return lint_plan(plan, text, str(path))
