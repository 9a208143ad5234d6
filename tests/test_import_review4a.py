"""review4's H1, M7 and M5, on documents written for these tests: a block right after an undo block is a forward
step, the undo of a block run on named hosts is a person's step on those hosts, and a Runme notebook's `cwd:` is
read from the notebook's directory (and only a notebook's front matter says it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golive.plan.importer import import_file, import_markdown
from importforms import load, plan_of


def _shells(steps: list[dict[str, Any]]) -> list[str]:
    return [str(s["shell"]["command"] if isinstance(s["shell"], dict) else s["shell"]) for s in steps if "shell" in s]


def _level_steps(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for lv in (plan.get("rollback") or {}).get("levels") or [] for s in lv["steps"]]


TWO_BLOCKS = """# Shop

## Phase 1: Deploy
```bash
systemctl restart shop
```
Undo, if needed:
```bash
systemctl stop shop
```
```bash
./migrate.sh
```

## Phase 2: Check
```bash
curl -fsS https://shop.example.com/health
```
"""


def test_a_block_right_after_an_undo_block_is_a_forward_step() -> None:
    """It was rollback level 1's only step: the migration never ran, and a failure ran it as the rollback."""
    plan = plan_of(TWO_BLOCKS)
    first = plan["phases"][0]["steps"]
    assert [c.strip() for c in _shells(first)] == ["systemctl restart shop", "./migrate.sh"], first
    assert str(first[0]["undo"]["shell"]).strip() == "systemctl stop shop"
    assert not any("migrate" in c for c in _shells(_level_steps(plan))), plan.get("rollback")
    result = import_markdown(TWO_BLOCKS, "two.md")
    assert not result.unplaced
    load(TWO_BLOCKS)


ON_HOSTS = """# Shop

## Phase 1: Deploy
On web-1 and web-2:
```bash
systemctl restart shop
```
Undo, if needed:
```bash
systemctl stop shop
```
Then run the migration:
```bash
./migrate.sh
```
"""


def test_the_undo_of_a_block_run_on_named_hosts_is_a_persons_step_on_them() -> None:
    """It was a shell step in an automatic level: a failure of the migration stopped `shop` where golive runs."""
    plan = plan_of(ON_HOSTS)
    undo = _level_steps(plan)
    assert undo and not _shells(undo), undo
    texts = [str(s["manual"]["instruction"]) for s in undo if "manual" in s]
    assert len(texts) == 1 and "web-1 and web-2" in texts[0] and "systemctl stop shop" in texts[0], texts
    assert not any("shell" in s for s in plan["phases"][0]["steps"] if "restart" in str(s)), plan["phases"][0]
    load(ON_HOSTS)


RUNME = """---
runme:
  version: v3
shell: bash
cwd: ../deploy/temporal
---

# Temporal

## 1. Backup

```sh {"name":"backup"}
./upgrade.sh -f values/prod.yaml
```
"""

HUGO = """---
title: Temporal upgrade
workdir: ../deploy/temporal
---

# Temporal

## 1. Backup

```sh
./upgrade.sh -f values/prod.yaml
```
"""


def _cwds(plan: dict[str, Any]) -> list[Any]:
    return [s["shell"].get("cwd") if isinstance(s["shell"], dict) else None
            for p in plan["phases"] for s in p["steps"] if "shell" in s]


def test_a_notebooks_relative_cwd_is_read_from_the_notebooks_directory(tmp_path: Path) -> None:
    """golive resolved it from where golive was started: the dump went to another tree."""
    doc = tmp_path / "books" / "temporal.md"
    doc.parent.mkdir()
    doc.write_text(RUNME)
    result = import_file(doc)
    assert _cwds(result.data) == [str(tmp_path / "deploy" / "temporal")], _cwds(result.data)
    assert any("notebook's directory" in s for s in result.summary), result.summary


def test_only_a_notebooks_front_matter_sets_the_steps_directory(tmp_path: Path) -> None:
    """A Hugo/mkdocs page's `workdir:` is the page's metadata, not a directory its commands run in."""
    doc = tmp_path / "page.md"
    doc.write_text(HUGO)
    assert _cwds(import_file(doc).data) == [None]
