"""Rollback levels written as bold lines ("**Level 2 — restore the database** (undoes step 2):", "**R1 — …**",
"**Stufe 1 – …:**") are levels of their own: merged into level 1, the level-2 restore ran on every rollback."""

from __future__ import annotations

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Billing 4.12

## 1. Migrate

```bash
./migrate.sh up
```

## 2. Deploy

```bash
./deploy.sh 4.12.0
```

## Rollback

**{one} previous image** (undoes step 2):

```bash
./deploy.sh 4.11.3
```

**{two} restore the database** (undoes steps 1 and 2):

```bash
pg_restore --clean -d billing /srv/backups/billing.dump
```
"""


@pytest.mark.parametrize(("one", "two"), [("Level 1 —", "Level 2 —"), ("R1 —", "R2 —"), ("Stufe 1 –", "Stufe 2 –"),
                                          ("Nivel 1:", "Nivel 2:")])
def test_bold_level_lines_make_separate_levels(one: str, two: str) -> None:
    plan = parse_plan_text(import_markdown(DOC.format(one=one, two=two), "b.md").yaml_text, "b.yaml")
    levels = {lv.level: " ".join(s.shell.command for s in lv.steps) for lv in plan.rollback.levels}  # type: ignore[attr-defined]
    assert sorted(levels) == [1, 2], levels
    assert "pg_restore" not in levels[1] and "4.11.3" in levels[1], levels
    assert "pg_restore" in levels[2], levels


def test_a_level_line_with_its_command_inline_is_a_level_of_its_own() -> None:
    doc = DOC.format(one="Level 1 —", two="Level 2 —") + "\nLevel 3: `./schema.sh downgrade 0041`\n"
    plan = parse_plan_text(import_markdown(doc, "b.md").yaml_text, "b.yaml")
    levels = {lv.level: " ".join(s.shell.command for s in lv.steps) for lv in plan.rollback.levels}  # type: ignore[attr-defined]
    assert sorted(levels) == [1, 2, 3], levels
    assert "downgrade 0041" in levels[3] and "downgrade 0041" not in levels[2], levels


def test_levels_written_as_list_items_with_their_blocks_stay_apart() -> None:
    doc = DOC.split("## Rollback")[0] + """## Rollback

- Level 1 — app only (undoes step 2)

    ```bash
    ./deploy.sh 4.11.3
    ```

- Level 2 — schema and data (undoes steps 1 and 2)

    ```bash
    pg_restore --clean -d billing /srv/backups/billing.dump
    ```
"""
    plan = parse_plan_text(import_markdown(doc, "b.md").yaml_text, "b.yaml")
    levels = {lv.level: " ".join(s.shell.command for s in lv.steps) for lv in plan.rollback.levels}  # type: ignore[attr-defined]
    assert sorted(levels) == [1, 2] and "pg_restore" not in levels[1] and "pg_restore" in levels[2], levels
