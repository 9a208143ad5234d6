"""A level that reloads a dump (`gunzip -c dump.sql.gz | mysql shop`) covers the phases that changed data, never the
phase that only took the dump (`mysqldump ... | gzip > dump.sql.gz`): covering it, any failure after the dump began
(the dump itself included) reloaded that dump into production."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Orders channel
## Phase 1: Preparation (10 min)
```bash
mysqldump --single-transaction shop orders | gzip > /backups/shop/orders_pre.sql.gz
```
## Phase 2: Deploy (10 min)
```bash
systemctl restart shop-api
```
## Phase 3: Backfill (20 min)
```bash
mysql shop -e "UPDATE orders SET channel = 'web' WHERE channel IS NULL"
```
## Rollback
**R1 — app back** (the app misbehaves):
```bash
systemctl restart shop-api
```
**R2 — reload the dump** (data in `orders` is damaged):
```bash
gunzip -c /backups/shop/orders_pre.sql.gz | mysql shop
```
"""


def test_a_dump_reload_covers_the_data_phases_not_the_dump() -> None:
    plan = parse_plan_text(import_markdown(DOC, "doc.md").yaml_text, "doc.yaml")
    reload = [lv for lv in plan.rollback.levels if "reload" in lv.name.lower()]
    assert reload, [lv.name for lv in plan.rollback.levels]
    assert "Phase 1: Preparation" not in reload[0].covers, reload[0].covers
    assert "Phase 3: Backfill" in reload[0].covers, reload[0].covers
    assert reload[0].restores_data
