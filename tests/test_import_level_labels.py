"""Ways back written as bold-labelled paragraphs stay separate levels: "**Level A — app back**" / "**Level B — infra
back**", a "**Level 1 — stop mid-way.**" label before a long sentence (in a blockquote), and numbered labels where
level 1 is said in words only ("**1. Weights back.** Patch with `V5=0`"). Merged, the level that only moves the
weights back also uninstalled the new release, and the app-only level re-applied the infrastructure."""

from __future__ import annotations

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

HEAD = "# R\n## Phase 1: Infra (10 min)\n```sh\nmake tf-apply\n```\n## Phase 2: App (10 min)\n```sh\nmake deploy\n```\n"

LETTERS = HEAD + """## Back-out

**Level A — app back to 1.9.4** (any failure in steps 3–4):

```sh
make deploy VERSION=1.9.4
```

**Level B — infra back** (the listener rule is the problem, or Level A did not help):

```sh
git checkout v1.9.4 && make tf-apply
```
"""

LONG = HEAD + """## If we have to go back

> **Level 1 — stop mid-way.** Before 03:15 UTC and with at least one node still on 8.11: stop the script (Ctrl-C),
> leave upgraded nodes as they are (they cannot be downgraded) and re-enable allocation so the cluster is green on
> mixed versions. Reopen the suggest indexer tomorrow, once the cluster has been green for an hour or more.

```bash
./allocation.sh enable
```

> **Level 2 — restore the snapshot** if an index is red or data is missing after the upgrade. Restores
> `products-*` from the snapshot taken at 02:00 (closes those indices first; search is down about 20 minutes).

```bash
./restore-snapshot.sh nightly-0200
```
"""

WORDS = HEAD + """## Rollback

**1. Weights back.** Patch with `V5=0` (same command as in step 3). Any time before v4 is removed.

**2. Remove v5 and undo the migration.** If v5 is bad *and* the migration is suspected:

```bash
helm uninstall payments-api-v5 --wait
```
"""


def _levels(md: str) -> list[str]:
    plan = parse_plan_text(import_markdown(md, "doc.md").yaml_text, "doc.yaml")
    out = []
    for lv in plan.rollback.levels:
        out.append(" | ".join(str(getattr(getattr(s, "shell", None), "command", "") or
                                  getattr(getattr(s, "manual", None), "instruction", "")) for s in lv.steps))
    return out


@pytest.mark.parametrize(("md", "first", "second"), [
    (LETTERS, "VERSION=1.9.4", "git checkout"),
    (LONG, "allocation.sh", "restore-snapshot"),
    (WORDS, "V5=0", "helm uninstall"),
])
def test_each_labelled_way_back_is_its_own_level(md: str, first: str, second: str) -> None:
    levels = _levels(md)
    assert len(levels) == 2, levels
    assert first in levels[0] and second not in levels[0], levels
    assert second in levels[1] and first not in levels[1], levels


def test_a_level_said_in_words_is_a_persons_step_never_its_code_span() -> None:
    plan = parse_plan_text(import_markdown(WORDS, "doc.md").yaml_text, "doc.yaml")
    step = plan.rollback.levels[0].steps[0]
    assert getattr(step, "manual", None) is not None and getattr(step, "shell", None) is None
