"""A section that is the way back ("If we have to go back", "Plan de regreso", a bold `**If it goes wrong**` line
standing as a heading) or that only holds under a condition ("If the lag is over 10 s") never becomes forward steps:
run forward, every successful deploy restored a snapshot, dropped the new column or downgraded the database."""

from __future__ import annotations

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.md_going_back import conditional_heading, going_back_heading

DOC = """# Search 8.15

## Upgrade (02:00)

```bash
./upgrade.sh 8.15.2
```

## {heading}

```bash
./restore-snapshot.sh nightly-0200
psql -c 'ALTER TABLE facturas DROP COLUMN regimen'
```

## Done means

- cluster green
"""

BOLD = """**Upgrade 7.0**

**Step 1: Binaries (09:00)**

```bash
./upgrade.sh 7.0.15
```

**Step 2: FCV (10:45)**

```bash
./set-fcv.sh 7.0
```

{line}

Level 1, binaries back:

```bash
./downgrade.sh 6.0.19
```

Level 2, data lost: restore the archive.

```bash
mongorestore --drop --archive=/backups/pre-7.0.archive.gz
```
"""


def _forward(md: str) -> tuple[str, int, int]:
    plan = parse_plan_text(import_markdown(md, "doc.md").yaml_text, "doc.yaml")
    forward = " ".join(str(getattr(getattr(s, "shell", None), "command", "")) for p in plan.phases for s in p.steps)
    return forward, len(plan.phases), len(plan.rollback.levels)


@pytest.mark.parametrize("heading", ["If we have to go back", "Plan de regreso", "Going back", "Vuelta atrás",
                                     "Si algo sale mal", "Wenn es schiefgeht", "Rückabwicklung",
                                     "Should the upgrade fail", "Se algo der errado"])
def test_a_going_back_section_is_rollback_in_any_language(heading: str) -> None:
    forward, phases, levels = _forward(DOC.format(heading=heading))
    assert "restore-snapshot" not in forward and "DROP COLUMN" not in forward, forward
    assert phases == 1 and levels >= 1, (phases, levels)


def test_a_conditional_section_that_is_not_a_way_back_runs_nothing() -> None:
    """"If the lag is over 10 s": unclear what it undoes, so its commands stay text for a person (not placed)."""
    result = import_markdown(DOC.format(heading="If the replica lag is over 10 s"), "doc.md")
    plan = parse_plan_text(result.yaml_text, "doc.yaml")
    forward = " ".join(str(getattr(getattr(s, "shell", None), "command", "")) for p in plan.phases for s in p.steps)
    assert "restore-snapshot" not in forward and "DROP COLUMN" not in forward, forward
    assert any("If the replica lag" in u.what for u in result.unplaced), result.unplaced


@pytest.mark.parametrize("line", ["**If it goes wrong**", "**Si algo falla**", "**Going back**"])
def test_a_bold_line_standing_as_a_heading_ends_the_phase_before_it(line: str) -> None:
    forward, phases, levels = _forward(BOLD.format(line=line))
    assert "./set-fcv.sh 7.0" in forward
    assert "downgrade" not in forward and "mongorestore" not in forward, forward
    assert phases == 2 and levels >= 1, (phases, levels)


def test_the_words() -> None:
    assert going_back_heading("If we have to go back") and going_back_heading("Plan de regreso")
    assert going_back_heading("If it goes wrong") and going_back_heading("Retour arrière")
    assert not going_back_heading("Deploy v5 beside v4") and not going_back_heading("Step 2: Backup")
    assert not going_back_heading("Se despliega la versión 3.2")  # Spanish "it is deployed", not Portuguese "if"
    assert conditional_heading("If the lag is over 10 s") and not conditional_heading("Backfill procedure")
