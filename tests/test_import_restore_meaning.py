"""A command the importer turns into golive's own `restore` must restore what the document restores. Two ways it
did not, both found on runbooks the importer had never seen (tests/import_unseen 01, 03, 05):
- a `psql DB <<'SQL'` heredoc (a backfill: UPDATE, DELETE) was read as "psql DB < dump" and became a restore;
- `pg_restore` of the document's own dump file became a restore of "this run's backup" in a plan with no backup
  step of that database, so the run would restore nothing the document restores.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from golive.plan.importer import import_markdown

HEREDOC = """# Ledger release
## Phase 1: Backfill
```bash
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
UPDATE postings SET currency = 'EUR' WHERE currency IS NULL;
DELETE FROM holds WHERE expires_at < now();
COMMIT;
SQL
```
"""

OWN_DUMP = """# HR portal release
## Phase 1: Deploy
```bash
./deploy.sh v2
```
## Rollback
```bash
pg_restore --clean -d hrportal /var/backups/hrportal-pre-v2.dump
```
"""

WITH_BACKUP = """# HR portal release
## Phase 1: Backup
```bash
pg_dump -Fc -d hrportal -f /var/backups/hrportal.dump
```
## Phase 2: Deploy
```bash
./deploy.sh v2
```
## Rollback
```bash
pg_restore --clean -d hrportal /var/backups/hrportal.dump
```
"""


def _plan(doc: str) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(import_markdown(doc, "p.md").yaml_text)
    return data


def _all_steps(plan: dict[str, Any]) -> list[dict[str, Any]]:
    steps = [s for p in plan.get("phases", []) for s in p["steps"]]
    return steps + [s for lv in plan.get("rollback", {}).get("levels", []) for s in lv["steps"]]


def _shell_text(step: dict[str, Any]) -> str:
    shell = step.get("shell")
    return str(shell["command"] if isinstance(shell, dict) else shell or "")


def test_a_psql_heredoc_is_a_script_not_a_restore() -> None:
    steps = _all_steps(_plan(HEREDOC))
    assert not any("restore" in s for s in steps), steps
    (script,) = [s for s in steps if "UPDATE postings" in _shell_text(s)]
    assert "DELETE FROM holds" in _shell_text(script) and "<<'SQL'" in _shell_text(script)


def test_a_restore_of_the_documents_own_dump_stays_its_command_without_a_backup_step() -> None:
    steps = _all_steps(_plan(OWN_DUMP))
    assert not any("restore" in s for s in steps), steps
    assert any("pg_restore --clean -d hrportal /var/backups/hrportal-pre-v2.dump" in _shell_text(s) for s in steps)


def test_a_restore_of_a_database_the_plan_backs_up_is_golives_restore_of_that_backup() -> None:
    plan = _plan(WITH_BACKUP)
    steps = _all_steps(plan)
    (backup,) = [s["backup"] for s in steps if "backup" in s]
    (restore,) = [s["restore"] for s in steps if "restore" in s]
    assert restore["database"] == backup["database"]
