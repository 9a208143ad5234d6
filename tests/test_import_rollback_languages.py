"""A rollback section headed in the document's own language ("Rückfallplan", "Plan de reversión") is rollback
material: read as a forward phase, its switch-back and restore ran during the deploy."""

from __future__ import annotations

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Kundenportal 7.4

## 1. Deployment

```bash
./deploy.sh 7.4.0
```

## 2. {heading}

```bash
./deploy.sh 7.3.2
pg_restore --clean --if-exists -d kundenportal /var/backups/kp.dump
```
"""


@pytest.mark.parametrize("heading", ["Rückfallplan", "Plan de reversión", "Plano de reversão", "Retour arrière",
                                     "切り戻し手順", "ロールバック手順", "回滚方案", "롤백 절차"])
def test_a_rollback_heading_in_another_language_is_rollback(heading: str) -> None:
    plan = parse_plan_text(import_markdown(DOC.format(heading=heading), "kp.md").yaml_text, "kp.yaml")
    forward = " ".join(getattr(getattr(s, "shell", None), "command", "") for p in plan.phases for s in p.steps)
    assert "7.3.2" not in forward and "pg_restore" not in forward, forward
    assert len(plan.phases) == 1, [p.name for p in plan.phases]
    assert plan.rollback.levels, "the section is a rollback level"
