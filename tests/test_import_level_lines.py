"""Issue 14, rollback levels as the blind set 10 showed them written, in words of its own here: levels as lines of
one paragraph ("Fallback 1 (...): ...", one per line), levels opened after a section number ("6.2 Level 1 (...):")
below a trigger line of the same paragraph, and a forward step that prepares the way back ("Save rollback config on
the router"), which is no rollback level.

Hostile case: a paragraph that only starts with a label is left as it was."""

from __future__ import annotations

from typing import Any

from golive.plan.importer.level_lines import split_level_lines
from golive.plan.md_blocks import parse_blocks
from importforms import plan_of

HEAD = "# Router move\n\n## Step 1 — Change the route (00:10)\n\n```bash\n./route --apply\n```\n\n"


def levels(plan: dict[str, Any]) -> list[tuple[int, str]]:
    return [(lv["level"], f"{lv.get('name', '')} {lv.get('description', '')}")
            for lv in (plan.get("rollback") or {}).get("levels") or []]


def test_levels_written_as_lines_of_one_paragraph_are_a_level_each() -> None:
    plan = plan_of(HEAD + "## Fallback\n\n"
                   "Fallback 1 (before the timer ends): do nothing; the router reverts by itself.\n"
                   "Fallback 2 (after the final commit): on `edge-2`, `route --undo` then `commit`.\n"
                   "Fallback 3 (router config unusable): `route --load-saved` then `commit`.\n"
                   "Trigger for any fallback: failed test calls or the NOC says so.\n")
    got = levels(plan)
    assert [n for n, _ in got] == [1, 2, 3]
    assert "before the timer ends" in got[0][1] and "after the final commit" in got[1][1]
    assert "router config unusable" in got[2][1]


def test_levels_after_section_numbers_below_a_trigger_line() -> None:
    plan = plan_of(HEAD + "## 6. ROLLBACK\n\n6.1 Trigger: a failed check in section 5.\n"
                   "6.2 Level 1 (application only):\n\n```bash\n./route --undo\n```\n\n"
                   "6.3 Level 2 (data damaged, approver decides): restore the dump with `./restore --latest`, "
                   "then level 1.\n")
    got = levels(plan)
    assert [n for n, _ in got] == [1, 2]
    assert "application only" in got[0][1] and "data damaged" in got[1][1]


def test_a_step_that_saves_the_rollback_config_is_a_forward_phase() -> None:
    plan = plan_of("# Router move\n\n## Step 1 — Save rollback config on the router (00:05)\n\n```bash\n"
                   "./route --save-config /tmp/pre.conf\n```\n\n## Step 2 — Change the route (00:10)\n\n```bash\n"
                   "./route --apply\n```\n\n## Rollback\n\n```bash\n./route --load /tmp/pre.conf\n```\n")
    assert plan["phases"][0]["name"].startswith("Step 1 — Save rollback config")
    assert len(levels(plan)) == 1


def test_hostile_a_paragraph_that_only_starts_with_a_label_stays_whole() -> None:
    blocks = parse_blocks("Level 1 (first line support): call the desk\nthey open a ticket.\n")
    assert split_level_lines(blocks) is blocks
