"""Rollback levels of set-7 kinds: a follow-on level said in the document's own word for its levels ("Danach
Rückfallebene 1.", "Then Path B.") or as the last sentence of the level's prose ("Use when … . Then Option
1.") becomes `then:`. Documents written for these tests, plus the set-7 runbooks that showed each class."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

SET7 = Path(__file__).parent / "import_unseen7"

HEAD = """# Rechnungsdienst 5.0

## 1. Migration
```bash
./manage migrate up
```

## 2. Ausrollen
```bash
./deploy.sh 5.0
```

## Rückfall
"""

OWN_WORD = HEAD + """
### Rückfallebene 1 – nur Anwendung

```bash
./deploy.sh 4.9
```

### Rückfallebene 2 – Schema zurück

Auslöser: Migration bricht ab.

```bash
./manage migrate down 48
```

Danach Rückfallebene 1.
"""

ODD_WORD = HEAD.replace("## Rückfall", "## Fallbacks") + """
### Path A: code

```bash
./deploy.sh 4.9
```

### Path B: schema

```bash
./manage migrate down 48
```

Then Path A.
"""

LAST_SENTENCE = HEAD.replace("## Rückfall", "## Rollback") + """
### Option 1: code back

Use when 5.0 fails its health check.

```bash
./deploy.sh 4.9
```

### Option 2: schema back

Use when the migration ran and invoices fail to render. Then Option 1.

```bash
./manage migrate down 48
```
"""


def levels_of(text: str, name: str = "release.md") -> dict[int, dict[str, Any]]:
    result = import_markdown(text, name)
    parse_plan_text(result.yaml_text)  # `then` names a level of the plan, no loop
    return {lv["level"]: lv for lv in result.data["rollback"]["levels"]}


@pytest.mark.parametrize("doc", [OWN_WORD, ODD_WORD, LAST_SENTENCE], ids=["own-word", "odd-word", "last-sentence"])
def test_a_follow_on_level_in_the_documents_words_is_then(doc: str) -> None:
    got = levels_of(doc)
    assert got[2].get("then") == [1]
    assert "then" not in got[1]
    said = " ".join([*map(str, got[2].get("description") or [])] + [str(s) for s in got[2]["steps"]])
    assert "1." not in said.replace("4.9", "")  # the chain is `then`, no longer only words
    assert [s for s in got[2]["steps"] if "manual" in s] == []


def test_the_sentence_before_the_chain_stays_the_levels_description() -> None:
    got = levels_of(LAST_SENTENCE)
    assert "Use when the migration ran and invoices fail to render." in got[2]["description"]


def test_a_heading_word_is_no_level_word_unless_the_levels_share_it() -> None:
    doc = HEAD + """
### Rückfallebene 1 – nur Anwendung

```bash
./deploy.sh 4.9
```

Danach Schritt 2.
"""
    got = levels_of(doc)
    assert "then" not in got[1]


@pytest.mark.parametrize(("runbook", "level"), [("03_zahlungsverkehr_de", 2), ("04_ansible_rollout", 2),
                                                ("08_hugo_docs_page", 2)])
def test_set7_follow_on_levels(runbook: str, level: int) -> None:
    path = SET7 / f"{runbook}.md"
    got = levels_of(path.read_text(encoding="utf-8"), path.name)
    assert got[level].get("then") == [1]
