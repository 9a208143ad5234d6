"""golive applies one rollback level per failure (the lightest that is enough); a document's levels may
be meant to add up. The import summary says so whenever two imported levels can apply, so nobody finds out at
2 AM that 'Level 2: restore the database' did not also put the previous release back."""

from __future__ import annotations

from golive.plan.importer import import_markdown

TWO_LEVELS = """# Orders release

## Phase 1: Database migration
```bash
./migrate.sh up
```

## Phase 2: Deploy
```bash
./deploy.sh 2.0
```

## Rollback

### Level 1: Redeploy the previous release (undoes Phase 2)
```bash
./deploy.sh 1.9
```

### Level 2: Restore the database (undoes Phase 1)
```bash
./restore-db.sh
```
"""

NOTE = "a failure applies one level, the lightest that covers each phase it touched"


def test_two_levels_that_can_apply_are_called_out_in_the_summary() -> None:
    result = import_markdown(TWO_LEVELS, "orders.md")
    summary = "\n".join(result.summary)
    levels = [line for line in result.summary if line.startswith("rollback level ")]
    assert len(levels) == 2 and all("covers: nothing" not in line for line in levels), levels
    assert NOTE in summary, summary


def test_one_level_gets_no_such_note() -> None:
    one = TWO_LEVELS.split("### Level 2")[0]
    result = import_markdown(one, "orders.md")
    assert any(line.startswith("rollback level 1 ") for line in result.summary), result.summary
    assert NOTE not in "\n".join(result.summary)
