"""Rollback material wherever it stands and whatever its heading's decorations: never a forward phase, never
dropped. Set 12 lost three ways back: a Turkish "Geri dönüş" read as a forward phase (its restore ran after every
deploy), a PR body's `### Rollback` one level above its `#### Step` phases (listed as "no place in a plan"), and a
Quarto `## Rollback {#sec-rollback}` whose `{bash}`/`{python}` chunks were kept out as "text, not commands"."""

from __future__ import annotations

from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Depo servisi 2.8

## 1. Dağıtım

```bash
./yayinla.sh 2.8.0
```

## {heading}

```bash
./yayinla.sh 2.7.4
pg_restore --clean -d depo /yedek/depo.dump
```
"""


def _plan(doc: str) -> Any:
    return parse_plan_text(import_markdown(doc, "doc.md").yaml_text, "doc.yaml")


def _forward(plan: Any) -> str:
    return " ".join(str(getattr(getattr(s, "shell", None), "command", "")) + str(getattr(s, "manual", ""))
                    for p in plan.phases for s in p.steps)


def _level_text(plan: Any) -> str:
    return " ".join(str(getattr(getattr(s, "shell", None), "command", "")) + str(getattr(s, "manual", ""))
                    for lv in plan.rollback.levels for s in lv.steps)


@pytest.mark.parametrize("heading", ["Geri dönüş", "Geri alma planı", "3. Geri Dönüş 🔙", "Eski sürüme dönüş",
                                     "Rollback {#sec-rollback}", "⏪ 4. Back-out {.unnumbered}", "Terugdraaien",
                                     "롤백 {#rb}"])
def test_a_rollback_heading_with_its_decorations_is_never_a_forward_phase(heading: str) -> None:
    plan = _plan(DOC.format(heading=heading))
    assert "2.7.4" not in _forward(plan) and "pg_restore" not in _forward(plan), _forward(plan)
    assert [p.name for p in plan.phases] == ["1. Dağıtım"]
    assert "pg_restore" in _level_text(plan)


SEVIYE = """# Depo servisi 2.8

## 1. Dağıtım

```bash
./yayinla.sh 2.8.0
```

## Geri dönüş

**Seviye 1 — eski sürüm.** Hata oranı %1 üstündeyse:

```bash
./yayinla.sh 2.7.4
```

**Seviye 2 — yedekten dön.** Sadece veri bozulduysa; kararı Ayşe Hanım verir:

```bash
pg_restore --clean -d depo /yedek/depo.dump
```
"""


def test_turkish_level_labels_are_levels_of_their_own() -> None:
    plan = _plan(SEVIYE)
    levels = {lv.level: str(lv.steps) for lv in plan.rollback.levels}
    assert sorted(levels) == [1, 2], levels
    assert "2.7.4" in levels[1] and "pg_restore" not in levels[1]
    assert "pg_restore" in levels[2]
    assert {lv.level: bool(lv.when) for lv in plan.rollback.levels}[2], "Ayşe decides level 2: never applied by golive"


PR_BODY = """## Move the `billing` queue to the new broker

**Author:** @ana

### Checklist

#### Step 1 — Drain

```bash
./queues drain billing
```

#### Step 2 — Switch

```bash
./queues switch billing --to broker-b
```

### Rollback

**Level 1 — switch back.** If consumers lag, ask @ana to revert the switch in the console.

```bash
./queues switch billing --to broker-a
```

### Done when

- [ ] Lag under 100 messages
"""


def test_a_rollback_heading_above_the_phases_level_is_rollback_not_dropped() -> None:
    plan = _plan(PR_BODY)
    assert "broker-a" not in _forward(plan), _forward(plan)
    assert "broker-a" in _level_text(plan), "the PR's way back is a rollback level"
    shells = [str(s.shell.command) for lv in plan.rollback.levels for s in lv.steps if s.shell is not None]
    assert any("--to broker-a" in c for c in shells), "read as the rollback section it is, not only shown as text"
    assert [p.name for p in plan.phases] == ["Step 1 — Drain", "Step 2 — Switch"]


QUARTO = """---
title: "Ranker v9"
---

## Deploy {#sec-deploy}

```bash
/srv/ranker/deploy.sh v9
```

## Rollback {#sec-rollback}

**Level 1 — traffic back to v8** (errors over 1 %):

```{bash}
#| label: back-weight
/srv/ranker/weight.sh v8 100
```

**Level 2 — v8 back as default** (only if v9 already wrote rankings; Lea decides):

```{python}
#| label: back-alias
from registry import Client
Client().set_alias("ranker", "default", 8)
```
"""


def test_quarto_chunks_in_a_rollback_section_are_persons_steps_of_their_levels() -> None:
    result = import_markdown(QUARTO, "q.md")
    plan = parse_plan_text(result.yaml_text, "q.yaml")
    levels = {lv.level: str(lv.steps) for lv in plan.rollback.levels}
    assert sorted(levels) == [1, 2], levels
    assert "weight.sh v8 100" in levels[1], "level 1's chunk is shown to a person as written"
    assert 'set_alias("ranker", "default", 8)' in levels[2], "level 2 keeps its chunk"
    assert all(s.manual is not None for lv in plan.rollback.levels for s in lv.steps), "never run by golive"
    assert "weight.sh" not in _forward(plan) and "set_alias" not in _forward(plan)
    assert not [u for u in result.unplaced if u.line > 12], "nothing of the way back is left out of the plan"
    when = {lv.level: lv.when for lv in plan.rollback.levels}
    assert when[2], "Lea decides level 2: offered, never applied by golive"
