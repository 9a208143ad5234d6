"""What a rollback level covers, for set-7 kinds of documents: a level covers only the phases whose changes it
reverts. A phase that only reads (a check, a status, `deploy:check`, `get-…`) is never a reason to pick a level; a
level that re-runs a later phase's command (a slot swap swapped back) does not answer a failure before that phase;
a level that restores data by a restore playbook is a data level, and its labelled trigger makes it a person's
choice. Documents written for these tests, plus the set-7 runbooks that showed each class."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.importer.covers import changes
from golive.plan.loader import parse_plan_text

SET7 = Path(__file__).parent / "import_unseen7"

READ_ONLY_CHECKS = """# Cache failover

## 1. Checks
```bash
redis-cli -h cache-01 -p 26379 SENTINEL get-master-addr-by-name cachemaster
bundle exec cap production deploy:check
```

## 2. Failover
```bash
redis-cli -h cache-02 -p 26379 SENTINEL failover cachemaster
```

## Rollback

### Level 1: master back
```bash
redis-cli -h cache-01 -p 26379 SENTINEL failover cachemaster
```
"""

SLOT_SWAP = """# API release

## 1. API to the staging slot
```bash
az webapp deploy --resource-group rg-api --name api-app --slot staging --src-path api.zip
```

## 2. Swap
```bash
az webapp deployment slot swap --resource-group rg-api --name api-app --slot staging --target-slot production
```

## Rollback

### Level 1: swap back
```bash
az webapp deployment slot swap --resource-group rg-api --name api-app --slot staging --target-slot production
```
"""

RESTORE_PLAYBOOK = """# Ledger 3.0

## Rollout
```bash
ansible-playbook -i inventories/prod/hosts.ini site.yml -l web
```

## Rollback

### Level 1 — previous version
```bash
ansible-playbook -i inventories/prod/hosts.ini site.yml -l web -e app_version=2.9
```

### Level 2 — restore the ledger database

Trigger: wrong balances after 3.0 wrote to the database. The CAB approver must approve on the bridge. This runs
the restore role against the database host:

```bash
ansible-playbook -i inventories/prod/hosts.ini db-restore.yml -l db -e snapshot=nightly
```
"""


def levels_of(text: str, name: str = "release.md") -> tuple[list[str], dict[int, dict[str, Any]]]:
    result = import_markdown(text, name)
    parse_plan_text(result.yaml_text)
    return ([p["name"] for p in result.data["phases"]],
            {lv["level"]: lv for lv in result.data["rollback"]["levels"]})


def test_a_phase_that_only_reads_is_covered_by_no_level() -> None:
    _, got = levels_of(READ_ONLY_CHECKS)
    assert got[1]["covers"] == ["2. Failover"]


@pytest.mark.parametrize("command", ["redis-cli -h r1 SENTINEL get-master-addr-by-name m",
                                     "aws ec2 describe-instances --instance-ids i-1",
                                     "bundle exec cap production deploy:check",
                                     "RAILS_ENV=production bundle exec rails db:migrate:status"])
def test_reading_commands_change_nothing(command: str) -> None:
    assert not changes({"shell": command})


@pytest.mark.parametrize("command", ["redis-cli -h r1 SENTINEL failover m", "bundle exec cap production deploy",
                                     "bundle exec rails db:migrate"])
def test_changing_commands_still_change(command: str) -> None:
    assert changes({"shell": command})


def test_a_swap_back_does_not_answer_a_failure_before_the_swap() -> None:
    _, got = levels_of(SLOT_SWAP)
    assert got[1]["covers"] == ["2. Swap"]


def test_a_restore_playbook_is_a_data_level_and_its_trigger_a_persons_choice() -> None:
    _, got = levels_of(RESTORE_PLAYBOOK)
    assert got[2].get("restores_data") is True
    assert got[2].get("when", "").startswith("wrong balances after 3.0")
    assert got[2]["covers"] == ["Rollout"]
    assert "when" not in got[1]


def test_set7_levels_cover_only_what_they_undo() -> None:
    read = {name: levels_of((SET7 / f"{name}.md").read_text(encoding="utf-8"), f"{name}.md")[1]
            for name in ("04_ansible_rollout", "06_redis_sentinel_haproxy", "07_multicloud_cdn")}
    assert read["06_redis_sentinel_haproxy"][2]["covers"] == ["3. Failover"]  # not "1. Checks"
    assert read["07_multicloud_cdn"][1]["covers"] == ["4. Swap the API"]  # not the staging deploy
    ledger = read["04_ansible_rollout"][2]
    assert ledger["covers"] == ["Rollout", "Checks"] and ledger.get("restores_data") is True
    assert ledger.get("when", "").startswith("wrong balances")
