"""Rollback levels written as a numbered list of "**Level N: ...**" items: one level per item, never merged."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Billing
## Phase 1: Migrate
```bash
alembic upgrade head
```
## Rollback
1. **Level 1: code back.** When the API answers 5xx.

   ```bash
   sudo systemctl restart billing-old
   ```

2. **Level 2: schema back.** Only when the column is the cause.

   ```bash
   alembic downgrade -1
   ```

3. **Level 3: restore.** Only when data was lost.

   ```bash
   pg_restore --clean -d billing /var/backups/billing.dump
   ```
"""


def test_each_numbered_level_item_is_its_own_level() -> None:
    plan = parse_plan_text(import_markdown(DOC, "doc.md").yaml_text, "p.yaml")
    assert plan.rollback is not None
    levels = plan.rollback.levels
    assert [lv.name for lv in levels] == ["code back", "schema back", "restore"]
    # level 1 runs only its own command: not the downgrade, not the restore
    assert [len(lv.steps) for lv in levels] == [1, 1, 1]
    assert "billing-old" in str(levels[0].steps[0].model_dump())
    assert "downgrade" in str(levels[1].steps[0].model_dump())
    assert "pg_restore" in str(levels[2].steps[0].model_dump())


def levels_of(doc: str) -> list[tuple[str, list[str]]]:
    plan = parse_plan_text(import_markdown(doc, "doc.md").yaml_text, "p.yaml")
    assert plan.rollback is not None
    return [(lv.name, [str(s.model_dump()) for s in lv.steps]) for lv in plan.rollback.levels]


def test_bullets_that_name_their_level_inside_the_sentence_are_levels() -> None:
    doc = ("# Idx\n## Phase 1: Flip\n```bash\n./flip v23\n```\n## How do we undo it?\n"
           "- *Results wrong:* flip back (this is **back-out 1**):\n\n  ```bash\n  ./flip v22\n  ```\n\n"
           "- *Index corrupt:* **back-out 2**, after back-out 1:\n\n  ```bash\n  ./drop v23\n  ```\n")
    levels = levels_of(doc)
    assert len(levels) == 2
    assert len(levels[0][1]) == 1 and "./flip v22" in levels[0][1][0]
    assert len(levels[1][1]) == 1 and "./drop v23" in levels[1][1][0]


def test_backout_n_paragraphs_are_levels() -> None:
    doc = ("# W\n## Phase 1: Deploy\n```bash\nsystemctl restart w@3\n```\n## Back-out plan\n"
           "**Back-out 1 — code only** (jobs fail). On each host:\n\n```bash\nsystemctl restart w@2\n```\n\n"
           "**Back-out 2 — purge** (bad jobs). After back-out 1:\n\n```bash\n./purge\n```\n")
    levels = levels_of(doc)
    assert [len(steps) for _n, steps in levels] == [1, 1]
    assert "./purge" not in levels[0][1][0]


def test_paragraphs_led_by_a_bold_condition_are_levels_bold_actions_are_steps() -> None:
    fwd = "# W\n## Phase 1: Deploy\n```bash\nkubectl set image deploy/w w=img:2\n```\n## Rollback\n"
    cond = fwd + ("**Canary bad** (errors on the canary): undo the canary only.\n\n```bash\nundo-canary\n```\n\n"
                  "**Promoted and failing:** undo both.\n\n```bash\nundo-main\nundo-canary\n```\n")
    levels = levels_of(cond)
    assert [len(steps) for _n, steps in levels] == [1, 1]
    assert "undo-main" not in levels[0][1][0]
    actions = fwd + ("**Revert the code:**\n\n```bash\nrelink-old\n```\n\n"
                     "**Restart the service:**\n\n```bash\nrestart\n```\n")
    (one,) = levels_of(actions)
    assert len(one[1]) == 2  # one level, both steps in order


def test_numbered_siblings_of_a_timeboxed_phase_are_phases_and_the_way_back_next_to_them_is_kept() -> None:
    doc = ("# Handbook\n## Alerts\n### QueueDeep\n```bash\nkubectl rollout restart deploy/w\n```\n## Shipping\n"
           "### 1. Build\n```bash\nmake image\n```\n### 2. Canary (15 minutes)\n```bash\nset-canary\n```\n"
           "### 3. Promote\n```bash\nset-main\n```\n### If it goes wrong\n```bash\nundo-main\n```\n")
    plan = parse_plan_text(import_markdown(doc, "doc.md").yaml_text, "p.yaml")
    assert [p.name for p in plan.phases] == ["1. Build", "2. Canary", "3. Promote"]
    assert plan.rollback is not None and len(plan.rollback.levels) == 1
    assert "undo-main" in str(plan.rollback.levels[0].steps[0].model_dump())
