"""What a runbook says in Dutch, Korean, Turkish or Japanese about a step's success, a decision before a point of no
return, or a rollback level a person decides, read as the same words in English are (issue 14, set 12).

- `… | grep -c disabled` followed by "Die laatste moet `0` geven.": grep exits 1 when it counts 0, so the step failed
  exactly on the outcome the document wants (set 12 03). Read into the phase's description, nobody else compares
  the count: `expect_exit: [1]` is the comparison (a count above 0 still fails).
- A diff whose "differences give exit code 1, which is normal" is said in Korean in the phase's words (set 12 04,
  `argocd app diff`): the status of a comparing command's differences is its success.
- "Alleen uitvoeren als Fleur "flags aan" zegt" before a point of no return: a hold point, the gate of the phase
  before (set 12 03: no gate, the feature flags followed by themselves).
- "박지훈 본부장 판단 하에 진행합니다" (at the director's judgement), "Ayşe'nin onayıyla": a level a person decides
  gets `when:` and golive only offers it (set 12 04: applied by itself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown
from importforms import doc_steps, run_imported


def _plan(doc: str) -> dict[str, Any]:
    plan: dict[str, Any] = YAML(typ="safe").load(import_markdown(doc, "doc.md").yaml_text)
    return plan


COUNT = """# Upgrade

## Feature flags

```bash
cd {dir}
cat flags.txt | grep -c disabled
```

Die laatste moet `0` geven.
"""


@pytest.mark.parametrize(("flags", "status"), [
    ("a enabled\nb enabled\n", "succeeded"),  # count 0: what the document wants
    ("a enabled\nb disabled\n", "failed"),  # count 1: the comparison still fails it
])
def test_a_count_said_zero_after_a_pipeline_passes_only_at_zero(flags: str, status: str, tmp_path: Path) -> None:
    (tmp_path / "flags.txt").write_text(flags)
    assert run_imported(COUNT.format(dir=tmp_path), tmp_path) == status


DIFF = """# Config change

## Change

```bash
cd {dir}
touch review.started
```

변경 내용 확인 (차이가 있으면 종료 코드가 1이며 정상입니다):

```bash
cd {dir}
diff live.yaml new.yaml
```

이미지 태그 한 줄만 바뀌어야 합니다.
"""


@pytest.mark.parametrize(("new", "status"), [
    ("tag: v2\n", "succeeded"),  # differences: exit 1, normal here
    (None, "failed"),  # diff's own trouble (no such file): exit 2
])
def test_a_diff_said_normal_in_korean_succeeds_on_differences(new: str | None, status: str,
                                                               tmp_path: Path) -> None:
    (tmp_path / "live.yaml").write_text("tag: v1\n")
    if new is not None:
        (tmp_path / "new.yaml").write_text(new)
    doc = DIFF.format(dir=tmp_path)
    diff = next(s for s in doc_steps(doc) if "diff live.yaml" in str(s))
    assert 1 in diff["shell"]["expect_exit"]
    assert run_imported(doc, tmp_path, "1.2") == status


HOLD = """# Rolling upgrade

## Approvers

| Role | Name |
|---|---|
| Go/No-Go | Fleur Janssen |

## Other nodes

```bash
echo upgrade rmq-2 rmq-3
```

## Feature flags

> **Let op:** na deze stap kan het cluster NIET meer terug. {hold}

```bash
echo enable all feature flags
```
"""


@pytest.mark.parametrize("hold", [
    'Alleen uitvoeren als Fleur expliciet "flags aan" zegt.',
    "Nur ausführen, wenn Fleur es freigibt.",
    'Only run this when Fleur says "flags on".',
])
def test_a_hold_point_before_a_point_of_no_return_is_a_gate_before_it(hold: str) -> None:
    phases = _plan(HOLD.format(hold=hold))["phases"]
    before = next(p for p in phases if p["name"] == "Other nodes")
    assert before.get("gate", {}).get("approvals"), before


LEVELS = """# Release

## Deploy

```bash
echo deploy
```

## Rollback

**Level 1.** If the canary fails:

```bash
echo undo canary
```

**Level 2.** {said}

```bash
echo revert config
```
"""


@pytest.mark.parametrize("said", [
    "전체 전환 이후 문제가 생기면, 박지훈 본부장 판단 하에 진행합니다.",
    "Tam geçişten sonra sorun çıkarsa, Ayşe Kaya'nın onayıyla uygulanır.",
    "全面切り替え後に問題があれば、佐藤部長の判断で実施します。",
    "Na volledige omschakeling alleen na akkoord van Fleur.",
])
def test_a_level_a_person_decides_is_only_offered(said: str) -> None:
    levels = _plan(LEVELS.format(said=said))["rollback"]["levels"]
    second = next(lv for lv in levels if lv["level"] == 2)
    assert second.get("when"), second
