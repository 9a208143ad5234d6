"""Issue 14, three families of first-import meaning changes that every blind set (8-11) showed, made safe by default
rather than by recognising more words:

- a Go/No-Go golive passed by itself because its words were not ones the importer knew as deciding: every imported
  gate asks a person unless it only restates the phase's success; a gate naming nobody asks the Go/No-Go approver,
  a role listing nobody that `golive run` refuses to start with until someone is written in; words of a Go/No-Go
  ("One NO-GO") are never a person;
- a rollback level the document keeps for a person's decision ("the CAB decides", "decided by QA", "only after
  consulting", "if level 1 is not enough") applied by golive: it is `when:`, offered, never applied by itself;
- a step killed by golive's 10-minute default while doing what the document says takes longer (a phase's timebox,
  "runs 45 minutes", "wait up to 20 min", "about an hour"): its timeout fits.

The runbooks here are written for these tests, in the forms the blind sets showed (never their words)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from conftest import golive
from golive.plan.importer import import_markdown
from golive.plan.level_choice import choose_level
from importforms import load, plan_of

BUILD = "## Phase 1: Build\n\n```bash\n./kiln build 7.3\n```\n\n"
SHIP = "\n## Phase 2: Ship\n\n```bash\n./kiln ship 7.3\n```\n"


# -- 1. gates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("said", [
    "error budget burn under 2x on the SLO board for 15 minutes",  # a number on a dashboard
    "Is the queue draining? If yes, carry on.",  # a question
    "the squad looks at the canary graphs together",  # a meeting, with no word of deciding
    "",  # nothing but the words Go/No-Go
])
def test_a_gate_golive_cannot_check_asks_the_go_no_go_approver(said: str) -> None:
    plan = plan_of("# Kiln\n\n" + BUILD + f"**Go/No-Go:** {said}\n" + SHIP)
    gate = plan["phases"][0]["gate"]
    assert gate["approvals"] == {"role": "Go/No-Go approver"}, gate
    assert plan["approvers"] == {"Go/No-Go approver": []}  # nobody named: to fill in before a run


@pytest.mark.parametrize("said", ["All smoke tests passing", "Schema successfully migrated",
                                  "Service deployed and running"])
def test_a_gate_that_only_restates_the_phases_success_stays_automatic(said: str) -> None:
    plan = plan_of("# Kiln\n\n" + BUILD + f"**Go/No-Go:** {said}\n" + SHIP)
    assert plan["phases"][0]["gate"] == {"description": said}
    assert "approvers" not in plan


def test_a_gate_naming_a_role_of_the_document_asks_that_role() -> None:
    doc = ("# Kiln\n\n**Release manager:** Harriet Osei\n\n" + BUILD
           + "**Go/No-Go:** p95 under 300 ms for the release manager to read.\n" + SHIP)
    plan = plan_of(doc)
    assert plan["phases"][0]["gate"]["approvals"] == {"role": "Release manager"}
    assert plan["approvers"] == {"Release manager": ["Harriet Osei"]}


@pytest.mark.parametrize("said", ["The poll goes round and the chair decides. One NO-GO from anyone is a NO-GO.",
                                  "Go/No-Go Fatima decides after the login test; NO-GO means level 2."])
def test_words_of_a_go_no_go_are_never_a_person(said: str) -> None:
    plan = plan_of("# Kiln\n\n" + BUILD + f"**Go/No-Go:** {said}\n" + SHIP)
    people = [p for ps in (plan.get("approvers") or {}).values() for p in ps]
    assert not any("GO" in p.upper().split("-")[-1] or p.split()[0] in ("One", "No-Go", "Go") for p in people), people
    assert plan["phases"][0]["gate"]["approvals"]["role"] == "Go/No-Go approver"


def test_a_gate_naming_nobody_keeps_the_deadline_the_document_gives_silence() -> None:
    """Before, such a gate was a person's step with no deadline: "no answer within 20 minutes = NO-GO" waited for
    ever. Now it is an approval, which carries the document's limit."""
    plan = plan_of("# Kiln\n\n" + BUILD + "**Go/No-Go:** the bridge decides; no answer within 20 minutes = NO-GO.\n"
                   + SHIP)
    assert plan["phases"][0]["gate"]["approvals"] == {"role": "Go/No-Go approver", "timeout": "20m"}


def _write(tmp_path: Path, doc: str) -> Path:
    plan = tmp_path / "plan.yaml"
    plan.write_text(import_markdown(doc, "doc.md").yaml_text, encoding="utf-8")
    return plan


def test_golive_run_refuses_a_gate_whose_role_lists_nobody_until_it_is_filled(tmp_path: Path) -> None:
    doc = "# Kiln\n\n" + BUILD.replace("./kiln build 7.3", "true") + "**Go/No-Go:** the war room decides.\n" \
        + SHIP.replace("./kiln ship 7.3", "true")
    plan = _write(tmp_path, doc)
    assert golive("plan", "validate", str(plan), cwd=tmp_path).code == 0  # a valid plan, with a role to fill
    refused = golive("run", str(plan), "--no-wait", cwd=tmp_path)
    assert refused.code != 0
    said = refused.err + refused.out
    assert "'Go/No-Go approver' lists nobody" in said and "approvers:" in said, said
    assert "Traceback" not in said
    assert golive("run", str(plan), "--dry-run", cwd=tmp_path).code == 0  # a dry run needs nobody
    yaml = YAML()
    data = yaml.load(plan.read_text(encoding="utf-8"))
    data["approvers"]["Go/No-Go approver"] = ["dana"]
    with plan.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)
    started = golive("run", str(plan), "--no-wait", cwd=tmp_path)
    assert "lists nobody" not in started.err + started.out
    assert "waiting" in (started.out + started.err).lower() or started.code == 0, started


# -- 2. rollback levels a person decides -----------------------------------------------------------------------

RELEASE = """# Ledger 5

## 1. Migrate
```bash
./ledger migrate up
```

## 2. Deploy
```bash
./ledger deploy 5.0
```

## Rollback
"""


@pytest.mark.parametrize("said", [
    "The CAB decides whether this is needed.",
    "Decided by QA after their retest.",
    "Run it only after consulting the DBA on duty.",
    "Needs Sandra's OK before anything is restored.",
])
def test_a_level_a_person_decides_is_offered_never_applied(said: str) -> None:
    doc = RELEASE + f"""
### Level 1: restore the ledger

{said}

```bash
./ledger restore --from /backups/pre-5.0
```
"""
    plan, _ = load(doc)
    level = plan.rollback.levels[0]
    assert level.when is not None and said.split()[0] in level.when, level
    assert choose_level(plan, ["1. Migrate", "2. Deploy"]) is None  # golive applies no level by itself


def test_a_level_for_when_a_lighter_one_was_not_enough_is_offered() -> None:
    doc = RELEASE + """
### Level 1: app back

```bash
./ledger deploy 4.9
```

### Level 2: schema back

This one is for when level 1 is not enough: it touches the ledger's tables.

```bash
./ledger migrate down
```
"""
    plan, _ = load(doc)
    by = {lv.level: lv for lv in plan.rollback.levels}
    assert by[1].when is None  # the ladder's first rung stays golive's own
    assert by[2].when is not None and "level 1 is not enough" in by[2].when


def test_a_level_with_no_one_deciding_stays_golives() -> None:
    doc = RELEASE + "\n### Level 1: app back\n\nPut 4.9 back.\n\n```bash\n./ledger deploy 4.9\n```\n"
    plan, _ = load(doc)
    assert plan.rollback.levels[0].when is None
    chosen = choose_level(plan, ["2. Deploy"])
    assert chosen is not None and chosen.level == 1


def test_a_decision_written_before_every_level_is_every_levels() -> None:
    """A trigger written before all the levels, which every level carries ("Back-out is decided by QA when ...",
    set 11's GxP change), keeps every level for that decision: golive applies none of them by itself."""
    doc = RELEASE + """
Back-out is decided by the release manager when the error rate stays high.

**Level 1 — app back:**

```bash
./ledger deploy 4.9
```

**Level 2 — schema back:**

```bash
./ledger migrate down
```
"""
    plan, _ = load(doc)
    assert all(lv.when is not None and "release manager" in lv.when for lv in plan.rollback.levels)
    assert choose_level(plan, ["1. Migrate", "2. Deploy"]) is None


def test_a_decision_about_another_level_or_beside_a_failure_leaves_the_level_golives() -> None:
    """"Kim decides on level 2", carried by both levels, is level 2's; "an unexpected exit code, or the
    authoriser's decision" lets the failure alone trigger the level, which golive sees."""
    doc = RELEASE + """
Trigger: an unexpected exit code in step 2, or the authoriser's decision. Kim decides on level 2.

**Level 1 — app back:**

```bash
./ledger deploy 4.9
```

**Level 2 — schema back:**

```bash
./ledger migrate down
```
"""
    plan, _ = load(doc)
    by = {lv.level: lv for lv in plan.rollback.levels}
    assert by[1].when is None
    assert by[2].when is not None and "Kim decides on level 2" in by[2].when


@pytest.mark.parametrize("said", ["Only with QA approval, recorded as a deviation.",
                                  "Только по решению дежурного DBA, если данные повреждены."])
def test_approval_and_decision_nouns_keep_a_level_for_a_person(said: str) -> None:
    doc = RELEASE + f"\n### Level 1: data back\n\n{said}\n\n```bash\n./ledger import --replace\n```\n"
    plan, _ = load(doc)
    assert plan.rollback.levels[0].when is not None


# -- 3. time the document gives a step -------------------------------------------------------------------------


def _steps(doc: str) -> list[dict[str, object]]:
    return [s for p in plan_of(doc)["phases"] for s in p["steps"]]


def test_a_phases_timebox_is_its_steps_timeout() -> None:
    doc = "# Exchange\n\n## C. Mock session (10:50, 60 min)\n\n```bash\n./mock-runner --profile weekend\n```\n"
    step = _steps(doc)[0]
    assert step["timeout"] == "1h" and "shell" in step


@pytest.mark.parametrize(("said", "timeout"), [
    ("The mock session runs 45 minutes.", "55m"),
    ("Wait up to 20 min for the rebalance to finish:", "20m"),  # an upper bound: the limit itself (review4 L1)
    ("This takes about an hour.", "1h10m"),
    ("Can take 30-40 minutes on the big shard.", "50m"),
])
def test_a_duration_stated_next_to_a_step_is_its_timeout(said: str, timeout: str) -> None:
    doc = f"# Exchange\n\n## Phase 1: Run\n\n{said}\n\n```bash\n./long-job --go\n```\n"
    step = _steps(doc)[0]
    assert step["timeout"] == timeout, step
    plan, _ = load(doc)  # and golive reads it so
    assert plan.phases[0].steps[0].timeout is not None


def test_a_short_stated_duration_keeps_the_default() -> None:
    doc = "# Exchange\n\n## Phase 1: Run\n\nThis takes about 2 minutes.\n\n```bash\n./short-job\n```\n"
    assert "timeout" not in _steps(doc)[0]
