"""A rollback level the runbook keeps for a condition only a person can see is never applied by golive by itself:
not chosen on a failure or a NO-GO, not by `golive rollback RUN` without `--level`, not run through another level's
`first`/`then` that golive applies (lint GL165; the importer gives such a level the condition too), and the importer
keeps even the lowest level for its condition when the condition is a person's decision. Hostile cases, real runs."""

from __future__ import annotations

from typing import Any

import pytest

from enginekit import HEAD, Harness, mark
from golive.core.events import RollbackStarted
from golive.plan.importer import import_markdown
from golive.plan.lint import lint_plan
from golive.plan.loader import parse_plan_text
from golive.run.decisions import request_rollback
from importforms import SHOP_RELEASE

#: The one level covering the deploy is the database restore, "only if data is wrong" (and the highest level).
ONLY_CONDITIONAL = HEAD + f"""
phases:
  - name: Deploy
    steps:
      - shell: {mark('deploy')}
        undo: {mark('undeploy')}
    gate: {{approvals: {{count: 1}}}}
  - name: Break
    steps: ["exit 3"]
rollback:
  levels:
    - level: 1
      name: Cache flush
      covers: [Break]
      steps: ["{mark('flush')}"]
    - level: 9
      name: Restore the database
      when: only if data is wrong
      covers: [Deploy, Break]
      restores_data: true
      steps: ["{mark('restore')}"]
"""


def started(h: Harness, rid: str) -> list[RollbackStarted]:
    return [e.data for e in h.store.events(rid) if isinstance(e.data, RollbackStarted)]


def test_a_rollback_asked_for_without_a_level_never_takes_the_conditional_one(h: Harness) -> None:
    rid = h.start(ONLY_CONDITIONAL)
    assert h.drive(rid) == 3  # at the gate
    request_rollback(h.store, rid, "ops", "looks wrong", None)
    assert h.drive(rid) == 1
    assert h.trail() == ["deploy", "undeploy"]  # the undo only: level 9 waits for a person
    rb = started(h, rid)[0]
    assert rb.level is None and [o.level for o in rb.offered] == [9]


def test_a_failure_never_takes_the_conditional_one_even_as_the_highest(h: Harness) -> None:
    rid = h.start(ONLY_CONDITIONAL.replace("    gate: {approvals: {count: 1}}\n", ""))
    assert h.drive(rid) == 1
    assert h.trail() == ["deploy", "undeploy", "flush"]
    assert started(h, rid)[0].level == 1


def test_a_level_golive_applies_never_runs_a_conditional_one_through_its_chain(h: Harness) -> None:
    for field in ("then", "first"):
        text = ONLY_CONDITIONAL.replace("    gate: {approvals: {count: 1}}\n", "").replace(
            "      covers: [Break]\n", f"      covers: [Break]\n      {field}: [9]\n")
        found = [f for f in lint_plan(parse_plan_text(text), text, "plan.yaml") if f.rule == "GL165"]
        assert len(found) == 1 and "level 9 'Restore the database'" in found[0].message, field
        fixed = text.replace("      name: Cache flush\n", "      name: Cache flush\n      when: data is wrong\n")
        assert not [f for f in lint_plan(parse_plan_text(fixed), fixed, "plan.yaml") if f.rule == "GL165"]


DOC = SHOP_RELEASE + """
## Rollback

### Level 1: previous release{one}
```bash
./deploy.sh 4.1
```

### Level 2: restore the database

Only if data is wrong.

```bash
pg_restore --clean --dbname=shop /backups/pre-42.dump
```
"""


def levels(one: str = "", two_said: str = "") -> dict[int, dict[str, Any]]:
    text = DOC.format(one=one)
    if two_said:
        text = text.replace("```bash\n./deploy.sh 4.1\n```\n", f"```bash\n./deploy.sh 4.1\n```\n\n{two_said}\n")
    result = import_markdown(text, "release.md")
    parse_plan_text(result.yaml_text)
    return {lv["level"]: lv for lv in result.data["rollback"]["levels"]}


@pytest.mark.parametrize("said", ["Then level 2.", "Run level 2 first."])
def test_an_imported_level_that_runs_a_conditional_one_is_a_persons_choice_too(said: str) -> None:
    got = levels(two_said=said)
    assert got[2]["when"] == "Only if data is wrong"
    assert got[1].get("then") == [2] or got[1].get("first") == [2]
    assert got[1]["when"].startswith("Only if data is wrong")  # golive never applies level 1, so never level 2


@pytest.mark.parametrize("one", [" (the DBA decides)", " (on the incident commander's call)",
                                 " (nach Entscheidung des DBA)", " (si le DBA décide)"])
def test_the_lowest_level_kept_for_a_persons_decision_is_a_persons_choice(one: str) -> None:
    assert levels(one)[1].get("when")


@pytest.mark.parametrize("one", ["", " (app broken, data fine)", " (the call to /health fails)"])
def test_the_lowest_level_with_a_plain_condition_stays_what_golive_applies(one: str) -> None:
    assert "when" not in levels(one)[1]
