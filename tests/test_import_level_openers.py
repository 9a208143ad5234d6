"""Rollback levels written one after the other under one heading stay separate levels: bold paragraphs in
Chinese ("**一级回滚**——触发条件：…" said in words, "**二级回滚**" with its block) and Japanese, long bullets
with no block of their own ("- **Level 2** (…): the same as level 1, then drop …"), German "Stufe" items (one
with a block, one in words), numbered bold labels with a condition in brackets; and levels written as a
`| Level | When | What |` table with nothing below it. Merged, the DBA-only `DROP COLUMN` became level 1's step
(run on any failure of the upgrade), and a table's levels were dropped (no rollback at all)."""

from __future__ import annotations

from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

HEAD = """# Release orders 5.2

## 1. Database (20 min)

```bash
sudo -u postgres psql -d orders -c 'ALTER TABLE orders ADD COLUMN note text;'
```

## 2. Upgrade the app (10 min)

```bash
sudo systemctl stop orders && sudo ln -sfn /opt/release/5.2 /opt/orders/current && sudo systemctl start orders
```

"""
DROP = "ALTER TABLE orders DROP COLUMN note"

ZH = HEAD + """## 回滚方案

**一级回滚（仅应用）**——触发条件：错误率 > 1% 持续 3 分钟。
把软链接指回 `/opt/release/5.1.8` 并重启：`sudo systemctl restart orders`。

**二级回滚（应用 + 数据库）**——触发条件：数据错误。由 DBA 决定并执行，先做一级回滚，再：

```bash
sudo -u postgres psql -d orders -c 'ALTER TABLE orders DROP COLUMN note;'
```
"""

BULLETS = HEAD + """## Rollback

- **Level 1** (upgrade failed, the column is harmless): point the link back —
  `sudo ln -sfn /opt/release/5.1.8 /opt/orders/current && sudo systemctl restart orders`. The column stays for the
  post-mortem, nobody needs to touch the database at all tonight.
- **Level 2** (orders are written wrong and the DBA agrees): the same as level 1, then drop the column with
  `sudo -u postgres psql -d orders -c 'ALTER TABLE orders DROP COLUMN note;'`. Keep the dump for a week.
"""

GERMAN = HEAD + """## Rückfall

- **Stufe 1 (nur Anwendung)** — wenn der Smoke-Test fehlschlägt: alte Version wieder verlinken.

  ```bash
  sudo ln -sfn /opt/release/5.1.8 /opt/orders/current && sudo systemctl restart orders
  ```

- **Stufe 2 (Anwendung + Schema)** — wenn Bestellungen falsch geschrieben werden: erst Stufe 1, dann die Spalte
  entfernen (`sudo -u postgres psql -d orders -c 'ALTER TABLE orders DROP COLUMN note;'`). Nur der DBA entscheidet
  das, nach Rücksprache mit dem Fachbereich.
"""

NUMBERED = HEAD + """## Rollback

1. **App only** (health not green after step 2): link back —

   ```bash
   sudo ln -sfn /opt/release/5.1.8 /opt/orders/current && sudo systemctl restart orders
   ```

2. **App and schema** (orders wrong after step 1): do 1, then, as postgres, drop the column with
   `psql -d orders -c 'ALTER TABLE orders DROP COLUMN note;'` and tell #orders.
"""

JAPANESE = HEAD + """## ロールバック

**レベル1（アプリのみ）**：条件：エラー率 > 1%。
リンクを戻して再起動：`sudo systemctl restart orders`。

**レベル2（アプリ + DB）**：条件：データ不整合。DBA が判断して実行する：

```bash
sudo -u postgres psql -d orders -c 'ALTER TABLE orders DROP COLUMN note;'
```
"""

#: The lowest level is the DBA's choice: never applied by golive on a failure.
DECIDES = HEAD + """## Rollback

- **Level 1** (orders are wrong): the DBA decides; then drop the column with
  `sudo -u postgres psql -d orders -c 'ALTER TABLE orders DROP COLUMN note;'` and restart the app.
- **Level 2** (the app does not start either): restore the whole VM from last night's snapshot, ask #infra for it.
"""

TABLE = HEAD + f"""## Rollback

There is no undo of the column once orders use it. What we can do:

| Level | When | What |
|---|---|---|
| 1 | 5xx > 1% for 5 min | Tell #orders; point the link back: `sudo ln -sfn /opt/release/5.1.8 /opt/orders/current` |
| 2 | orders written wrong | Level 1, then drop the column: `sudo -u postgres psql -d orders -c '{DROP};'` |
"""

TABLE_DE = HEAD + f"""## Rückfallplan

| Stufe | Wann | Maßnahme |
|---|---|---|
| 1 | Fehlerrate > 1 % | Link zurück: `sudo ln -sfn /opt/release/5.1.8 /opt/orders/current`; Bescheid in #orders |
| 2 | Bestellungen falsch | Stufe 1, dann Spalte löschen: `sudo -u postgres psql -d orders -c '{DROP};'` |
"""

#: Two levels in one paragraph, the second's block after it (a notebook's markdown cell, a wiki's prose).
ONE_PARAGRAPH = HEAD + """## Rollback

Level 1 (before the column is used): point the link back with `sudo ln -sfn /opt/release/5.1.8 /opt/orders/current`
and restart. Level 2 (after orders were written with it): level 1 is not enough; drop the column. The DBA decides:

```bash
sudo -u postgres psql -d orders -c 'ALTER TABLE orders DROP COLUMN note;'
```
"""

ONE_PARAGRAPH_DE = HEAD + """## Rückfall

Stufe 1 (vor der ersten Bestellung): Link zurücksetzen und neu starten. Stufe 2 (Bestellungen sind falsch): erst
Stufe 1, dann die Spalte löschen, das entscheidet der DBA:

```bash
sudo -u postgres psql -d orders -c 'ALTER TABLE orders DROP COLUMN note;'
```
"""


def _levels(md: str) -> list[dict[str, Any]]:
    plan = parse_plan_text(import_markdown(md, "r.md").yaml_text, "r.yaml")
    return [lv.model_dump() for lv in plan.rollback.levels]


def _text(level: dict[str, Any]) -> str:
    return str(level["steps"])


@pytest.mark.parametrize("md", [ZH, BULLETS, GERMAN, NUMBERED, JAPANESE, TABLE, TABLE_DE, ONE_PARAGRAPH,
                                ONE_PARAGRAPH_DE],
                         ids=["zh-bold", "bullets", "stufe", "numbered", "ja", "table", "table-de", "one-para",
                              "one-para-de"])
def test_each_written_level_is_its_own_with_its_own_condition(md: str) -> None:
    levels = _levels(md)
    assert [lv["level"] for lv in levels] == [1, 2], levels
    one, two = levels
    assert DROP not in _text(one)  # level 1 is the app only: never the DBA's DROP COLUMN
    assert DROP in _text(two)
    assert not one["restores_data"]
    assert two["when"]  # the higher level is a person's choice: golive never applies it on a failure
    if md in (ONE_PARAGRAPH, ONE_PARAGRAPH_DE):
        # "Level 1 (before the column is used)": a state of the deployment golive does not track, written in the
        # level's name, and no heavier level golive applies takes over after it: a person's choice too
        assert one["when"] in ("before the column is used", "vor der ersten Bestellung")
    else:
        assert not one["when"]


def test_a_level_said_in_words_is_a_persons_step_without_its_condition() -> None:
    one = _levels(ZH)[0]
    assert one["steps"] and all(st.get("manual") for st in one["steps"]), one["steps"]
    steps = _text(one)
    assert "/opt/release/5.1.8" in steps
    assert "错误率" not in steps  # the trigger is the level's description, never its step
    assert "错误率 > 1%" in str(one["description"])


def test_a_level_a_person_decides_is_their_choice_even_the_lowest() -> None:
    one, two = _levels(DECIDES)
    assert one["when"] and DROP in _text(one)
    assert two["when"]


def test_a_table_level_keeps_its_trigger_and_shows_each_part() -> None:
    one, two = _levels(TABLE)
    assert "5xx > 1%" in str(one["description"])
    assert "Tell #orders" in _text(one)
    assert "orders written wrong" in str(two["when"])
    # "Level 1, then drop …" names another level first: a person's step, never a command run out of order
    assert all("shell" not in st for st in two["steps"] if DROP in str(st))


def test_summary_says_levels_came_from_labels_and_rows() -> None:
    for md, said in ((BULLETS, "labels"), (TABLE, "a level per row")):
        summary = "\n".join(import_markdown(md, "r.md").summary)
        assert said in summary, summary


HELD = HEAD + """## Rollback

| Level | When | What |
|---|---|---|
| 1 | 5xx > 1% | `sudo ln -sfn /opt/release/5.1.8 /opt/orders/now`; never purge the queue: `./tools/purge-queue q` |
| 2 | orders wrong | only with DBA approval: `./tools/restore-db orders pre-5.2`; `sudo systemctl restart orders` |
| 3 | app down | Nicht ohne Freigabe: `./tools/restore-vm orders` |
"""


def test_a_cell_part_held_back_by_its_words_is_never_a_command() -> None:
    """"never purge the queue: `…`" had become a shell step of level 1, which golive applies by itself; "only with
    DBA approval: `…`" a plain step with nobody asked."""
    one, two, three = _levels(HELD)
    for level, held in ((one, "purge-queue"), (two, "restore-db"), (three, "restore-vm")):
        assert all("shell" not in st for st in level["steps"] if held in str(st)), level
        assert held in _text(level)
    assert any("shell" in st and "ln -sfn" in str(st) for st in one["steps"])  # the plain command still runs
