"""Japanese and Chinese documents write a heading's numbers, colon and brackets in full-width forms:
"### 手順１：事前確認（１０分）" under "## 作業手順". Not read as numbered, timeboxed
steps, the sub-sections were one phase named after their container, and (with 切り戻し手順, the
rollback section, then read as forward) the way back ran after the deploy. The forms are read as
ASCII for a heading's number and timebox; commands are never changed."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# 請求バッチ リリース手順書

## 作業手順

### 手順１：事前確認（１０分）

```bash
ls -l /opt/billing/releases/billing-5.3.0.tar.gz
```

### 手順２：デプロイ（２０分）

```bash
sudo ln -sfn /opt/billing/versions/5.3.0 /opt/billing/current
```

## 切り戻し手順

### レベル１：アプリのみ戻す

```bash
sudo ln -sfn /opt/billing/versions/5.2.4 /opt/billing/current
```
"""


def test_full_width_numbered_sub_sections_are_timeboxed_phases_and_rollback_stays_rollback() -> None:
    plan = parse_plan_text(import_markdown(DOC, "doc.md").yaml_text, "doc.yaml")
    assert [(p.name, p.timebox) for p in plan.phases] == [("手順1:事前確認", 600), ("手順2:デプロイ", 1200)]
    forward = " ".join(getattr(getattr(s, "shell", None), "command", "") for p in plan.phases for s in p.steps)
    assert "5.2.4" not in forward, forward
    assert [lv.level for lv in plan.rollback.levels] == [1]
