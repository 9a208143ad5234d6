"""Rollback levels imported as the document chooses them: a level the document keeps for a condition ("only if
data is wrong", "When: the migration failed", a toggle "If data is wrong") becomes `when:` (a person's choice,
never applied by golive on a failure), "then level 1" becomes `then:`, and `<details>` toggles stay separate
levels. Documents of several styles and languages, written for these tests."""

from __future__ import annotations

from typing import Any

import pytest

from golive.engine.rollback import preview
from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from importforms import SHOP_RELEASE

HEAD = SHOP_RELEASE

ENGLISH = HEAD + """
## Rollback

### Level 1: code only (app broken, data fine)
```bash
./deploy.sh 4.1
```

### Level 2: schema (the migration is wrong), then level 1
```bash
./manage migrate down 41
```

### Level 3: restore the database

Only if data is wrong. Ravi runs it.

```bash
pg_restore --clean --dbname=shop /backups/pre-42.dump
```
"""

GERMAN = HEAD + """
## Rückfallplan

**Stufe 1: Code zurück.** Wenn: Fehler nach dem Deploy.

```bash
./deploy.sh 4.1
```

**Stufe 2: Schema zurück.** Wenn: die Migration ist fehlgeschlagen.

```bash
./manage migrate down 41
```

Danach Stufe 1 ausführen.

**Stufe 3: Datenbank wiederherstellen.** Nur wenn die Daten falsch sind.

```bash
pg_restore --clean --dbname=shop /backups/pre-42.dump
```
"""

SPANISH = HEAD + """
## Plan de reversión

### Nivel 1 — código

```bash
./deploy.sh 4.1
```

### Nivel 2 — esquema

Cuando: la migración falla.

```bash
./manage migrate down 41
```

Luego el nivel 1.

### Nivel 3 — restaurar la base de datos

Solo si los datos están mal.

```bash
pg_restore --clean --dbname=shop /backups/pre-42.dump
```
"""

TOGGLES = HEAD + """
## Rollback

<details>
<summary>Level 1 — put the previous release back</summary>

```bash
./deploy.sh 4.1
```

</details>

<details>
<summary>Level 2 — if data is wrong: restore the dump</summary>

```bash
pg_restore --clean --dbname=shop /backups/pre-42.dump
```

and then Level 1.

</details>
"""

LETTERS = HEAD + """
## Back-out

### Option A: previous release
```bash
./deploy.sh 4.1
```

### Option B: schema back

Trigger: the migration left the schema wrong.

```bash
./manage migrate down 41
```

followed by option A.
"""


def levels(text: str) -> dict[int, dict[str, Any]]:
    result = import_markdown(text, "release.md")
    plan = parse_plan_text(result.yaml_text)  # the plan validates: `then` names levels, no loop
    assert plan.rollback.levels
    return {lv["level"]: lv for lv in result.data["rollback"]["levels"]}


def manual_texts(level: dict[str, Any]) -> list[str]:
    return [str((s.get("manual") or {}).get("instruction", "")) for s in level["steps"] if "manual" in s]


@pytest.mark.parametrize("doc", [ENGLISH, GERMAN, SPANISH], ids=["english", "german", "spanish"])
def test_conditions_become_when_and_chains_then(doc: str) -> None:
    got = levels(doc)
    assert set(got) == {1, 2, 3}
    assert "when" not in got[1]  # the lowest level stays what golive applies by itself
    assert got[2].get("when") and got[3].get("when")
    assert got[2].get("then") == [1] and "then" not in got[3]
    assert not any("level 1" in t.lower() or "stufe 1" in t.lower() or "nivel 1" in t.lower()
                   for t in manual_texts(got[2]))  # the chain is no person's step
    assert got[3].get("restores_data") is True


def test_the_conditions_read_as_the_document_wrote_them() -> None:
    got = levels(ENGLISH)
    assert got[2]["when"] == "the migration is wrong"
    assert got[3]["when"] == "Only if data is wrong"
    assert got[2]["name"] == "schema (the migration is wrong)"  # ", then level 1" is the chain, not the name
    assert levels(GERMAN)[3]["when"] == "Nur wenn die Daten falsch sind"
    assert levels(SPANISH)[2]["when"] == "la migración falla"


def test_a_failure_applies_the_lowest_level_and_names_the_others() -> None:
    plan = parse_plan_text(import_markdown(ENGLISH, "release.md").yaml_text)
    last = preview(plan)[-1]
    assert last.level == 1
    assert [(o.level, o.when) for o in last.offered] == [(2, "the migration is wrong"), (3, "Only if data is wrong")]


def test_details_toggles_are_separate_levels_and_a_toggle_saying_if_is_a_condition() -> None:
    got = levels(TOGGLES)
    assert set(got) == {1, 2}
    assert [s["shell"] for s in got[1]["steps"]] == ["./deploy.sh 4.1"]  # level 2's restore is not in level 1
    assert got[2]["when"] == "if data is wrong" and got[2]["then"] == [1]
    assert "when" not in got[1]


def test_a_chain_names_a_level_by_its_letter() -> None:
    got = levels(LETTERS)
    assert got[2]["when"] == "the migration left the schema wrong" and got[2]["then"] == [1]


def test_a_single_restoring_level_with_a_condition_is_a_persons_choice() -> None:
    doc = HEAD + """
## Rollback

Restore the database when data is damaged:

```bash
pg_restore --clean --dbname=shop /backups/pre-42.dump
```
"""
    one = HEAD + "\n## Rollback\n\n### Level 1: restore (if data is damaged)\n\n```bash\n" \
        "pg_restore --clean --dbname=shop /backups/pre-42.dump\n```\n"
    assert levels(one)[1]["when"] == "if data is damaged"
    assert levels(doc)  # imports and validates whatever it makes of the prose


def test_a_level_without_condition_or_chain_is_as_before() -> None:
    plain = ENGLISH.replace(" (app broken, data fine)", "").replace(" (the migration is wrong), then level 1", "") \
        .replace("Only if data is wrong. Ravi runs it.", "Ravi runs it.")
    got = levels(plain)
    assert all("when" not in lv and "then" not in lv for lv in got.values())


def test_a_chain_to_a_level_the_plan_does_not_have_stays_a_persons_step() -> None:
    got = levels(ENGLISH.replace("then level 1", "then level 7"))
    assert "then" not in got[2] and got[2]["name"].endswith("then level 7")  # as written, for a person to read
    spanish = levels(SPANISH.replace("Luego el nivel 1.", "Luego el nivel 9."))
    assert "then" not in spanish[2] and "Luego el nivel 9." in manual_texts(spanish[2]) + spanish[2].get(
        "description", "").split("\n")


def test_a_table_of_levels_gives_each_its_condition() -> None:
    doc = HEAD + """
## Rollback

| Level | When | What |
|---|---|---|
| 1 | errors after the deploy | previous release |
| 2 | data is damaged | restore the dump |

### Level 1
```bash
./deploy.sh 4.1
```

### Level 2
```bash
pg_restore --clean --dbname=shop /backups/pre-42.dump
```
"""
    got = levels(doc)
    assert "when" not in got[1] and got[2]["when"] == "data is damaged"


def test_a_bracket_is_a_condition_by_its_words_not_a_time_bound() -> None:
    bounded = ENGLISH.replace(" (the migration is wrong), then level 1", " (before 22:30 only)")
    assert "when" not in levels(bounded)[2]
    decided = ENGLISH.replace(" (the migration is wrong), then level 1", " (the DBA decides)")
    assert levels(decided)[2]["when"] == "the DBA decides"
