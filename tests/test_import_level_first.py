"""A rollback level that says another level runs before it ("Run level 1 first", "Do level 1 before this", "Zuerst
Ebene 1", "Primero el nivel 1", "D'abord le niveau 1") is imported with `first:`, so choosing it (golive or a person)
runs that level and then its own steps; the statement is then no person's step. Documents written for these tests."""

from __future__ import annotations

from typing import Any

import pytest

from golive.engine.rollback import chain, preview
from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from importforms import SHOP_RELEASE

HEAD = SHOP_RELEASE


def doc(word: str, heading: str, said: str, where: str = "para") -> str:
    body = f"{said}\n\n```bash\n./manage migrate down 41\n```\n" if where == "para" else \
        f"1. {said}\n2. Schema back:\n\n   ```bash\n   ./manage migrate down 41\n   ```\n" if where == "item" else \
        f"```bash\n./manage migrate down 41\n```\n\n{said}\n"
    return HEAD + f"""
## {heading}

### {word} 1: previous release
```bash
./deploy.sh 4.1
```

### {word} 2: schema back

{body}"""


def levels(text: str) -> dict[int, dict[str, Any]]:
    result = import_markdown(text, "release.md")
    parse_plan_text(result.yaml_text)  # the plan validates: `first` names levels, no loop
    return {lv["level"]: lv for lv in result.data["rollback"]["levels"]}


def texts(level: dict[str, Any]) -> str:
    steps = [str((s.get("manual") or {}).get("instruction", "")) for s in level["steps"] if "manual" in s]
    return " ".join([*steps, str(level.get("description", "")), str(level["name"])])


@pytest.mark.parametrize(("word", "heading", "said"), [
    ("Level", "Rollback", "Run level 1 first."),
    ("Level", "Rollback", "Do level 1 before this."),
    ("Level", "Rollback", "Before this, run level 1."),
    ("Level", "Rollback", "Level 1 must run first."),
    ("Ebene", "Rückfallplan", "Zuerst Ebene 1."),
    ("Stufe", "Rückfallplan", "Vorher Stufe 1 ausführen."),
    ("Nivel", "Plan de reversión", "Primero el nivel 1."),
    ("Niveau", "Retour arrière", "D'abord le niveau 1."),
    ("Livello", "Rientro", "Prima il livello 1."),
])
def test_a_level_run_before_is_first(word: str, heading: str, said: str) -> None:
    for where in ("para", "item", "after"):
        got = levels(doc(word, heading, said, where))
        assert got[2].get("first") == [1], (where, got[2])
        assert "then" not in got[2] and "first" not in got[1]
        assert said.rstrip(".") not in texts(got[2])  # `first` says it now, no person's step
        assert any("migrate down 41" in str(s.get("shell", "")) for s in got[2]["steps"])


def test_the_statement_among_other_sentences_and_in_the_name() -> None:
    got = levels(doc("Level", "Rollback", "Use when the migration broke the schema. Run level 1 first."))
    assert got[2]["first"] == [1] and got[2]["when"] == "when the migration broke the schema"
    assert got[2]["description"] == "Use when the migration broke the schema."
    named = levels(doc("Level", "Rollback", "The DBA runs it.").replace("schema back", "schema back (run level 1"
                                                                         " first)"))
    assert named[2]["first"] == [1] and named[2]["name"] == "schema back"


def test_the_imported_plan_runs_level_1_then_level_2() -> None:
    plan = parse_plan_text(import_markdown(doc("Level", "Rollback", "Run level 1 first."), "release.md").yaml_text)
    two = next(lv for lv in plan.rollback.levels if lv.level == 2)
    assert [lv.level for lv in chain(plan, two)] == [1, 2]
    first_phase = preview(plan)[0]
    assert first_phase.level == 2 and first_phase.first_levels == [1]


@pytest.mark.parametrize("said", [
    "Try level 1 first.",  # an escalation: the lower level may have been enough
    "Run level 7 first.",  # no such level: stays as written
    "Run stage 1 first.",  # the levels are not called stages: a forward stage, maybe
    "First stop the app.",
])
def test_what_is_no_first_statement_stays_as_written(said: str) -> None:
    got = levels(doc("Level", "Rollback", said))
    assert "first" not in got[2] and said.rstrip(".") in texts(got[2])


def test_a_loop_stays_as_written() -> None:
    text = doc("Level", "Rollback", "Run level 1 first.").replace(
        "### Level 1: previous release\n", "### Level 1: previous release\n\nRun level 2 first.\n\n")
    got = levels(text)
    assert "first" not in got[1] and "first" not in got[2]
    assert "Run level 1 first" in texts(got[2]) and "Run level 2 first" in texts(got[1])


def test_a_level_that_only_says_it_keeps_its_persons_step() -> None:
    text = HEAD + "\n## Rollback\n\n### Level 1: previous release\n```bash\n./deploy.sh 4.1\n```\n\n" \
        "### Level 2: everything\n\n1. Run level 1 first.\n"
    got = levels(text)
    assert "first" not in got[2] and "Run level 1 first" in texts(got[2])
