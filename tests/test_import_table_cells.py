"""A steps table's Command cell: a dash or "n/a" means the row has no command (a person's step), and `<br>`
separates lines of one script; run as written, the dash was executed as a program and `<br>` reached bash."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Orders 3.0

## Cut-over (30 min)

| # | Step | Command | Owner | Expected |
|---|---|---|---|---|
| 1 | Announce the start in #ops | – | RM | message posted |
| 2 | Migrate the schema | `cd /srv/orders/releases/3.0.0`<br>`./bin/orders migrate --to 0042` | DBA | exit 0 |
| 3 | Tell support | n/a | RM | |
"""


def test_dash_cells_are_a_persons_step_and_br_separates_lines() -> None:
    plan = parse_plan_text(import_markdown(DOC, "orders.md").yaml_text, "orders.yaml")
    steps = plan.phases[0].steps
    kinds = [s.kind for s in steps]
    assert kinds[0] == "manual" and kinds[-1] == "manual", kinds
    shells = [s.shell.command for s in steps if s.kind == "shell"]  # type: ignore[attr-defined]
    assert shells and all("<br>" not in c and c.strip() not in ("–", "n/a") for c in shells), shells
    assert any("cd /srv/orders/releases/3.0.0\n./bin/orders migrate" in c for c in shells), shells
