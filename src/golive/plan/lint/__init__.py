"""`golive lint`: the weak spots of a valid plan, found before the night of the deployment.

A plan that does not validate is bad input (PlanError, exit 2); lint looks at valid plans for what will
hurt at 2 AM: a secret printed to the terminal, a migration with no backup before it, a command that
never ends, timeboxes that do not fit the window. Positions come from re-reading the YAML with ruamel.

The rules live by family: `rules` (the catalogue: id, name, severity), `commands` (what a step's commands do:
secrets printed or passed on command lines, curl without a timeout, commands that never end, migrations before
any backup), `structure` (phases and gates, the window, roles and signers, traffic and host groups, rolling steps,
imported shapes, the change record); `linter` runs them all, `output` writes text, JSON or SARIF.
"""

from golive.plan.lint.linter import lint_file, lint_plan
from golive.plan.lint.output import render, to_sarif
from golive.plan.lint.rules import RULES, Finding, Rule, Severity

__all__ = ["RULES", "Finding", "Rule", "Severity", "lint_file", "lint_plan", "render", "to_sarif"]
