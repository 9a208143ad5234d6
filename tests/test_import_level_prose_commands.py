"""A rollback level's prose that tells what to run in code spans ("Stop the app first (`cap production
puma:stop` …), then:") is the level's step where it stands, before its block: never only its description, so the
restore does not run under a running app. Its other sentences (the condition) stay the description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

SET7 = Path(__file__).parent / "import_unseen7"

DOC = """# Orders 7.1

## 1. Deploy
```bash
./deploy.sh 7.1
```

## Rollback

### Level 1 — previous release
```bash
./deploy.sh 7.0
```

### Level 2 — restore the database

Only if orders are corrupted. Stop the workers first (`systemctl stop orders-worker` and `systemctl stop
orders-api`), then:

```bash
pg_restore --clean -d orders /backups/orders-pre-7.1.dump
```
"""


def level(text: str, number: int, name: str = "release.md") -> dict[str, Any]:
    result = import_markdown(text, name)
    parse_plan_text(result.yaml_text)
    return next(lv for lv in result.data["rollback"]["levels"] if lv["level"] == number)


def test_commands_told_in_a_levels_prose_are_its_first_step() -> None:
    lv = level(DOC, 2)
    first = lv["steps"][0]
    assert "manual" in first
    assert "systemctl stop orders-worker" in first["manual"]["instruction"]
    assert "systemctl stop orders-api" in first["manual"]["instruction"]
    assert any("pg_restore" in str(s) for s in lv["steps"][1:])  # the restore comes after, as written
    assert lv["when"] == "Only if orders are corrupted"  # the condition stays the level's
    assert "systemctl" not in str(lv.get("description", ""))


def test_set7_rails_restore_stops_the_app_first() -> None:
    path = SET7 / "02_rails_capistrano.md"
    lv = level(path.read_text(encoding="utf-8"), 3, path.name)
    first = lv["steps"][0]
    assert "manual" in first and "cap production puma:stop" in first["manual"]["instruction"]
    assert "cap production sidekiq:stop" in first["manual"]["instruction"]
    assert "restore" in lv["steps"][1]
