"""`pg_dump -Fc ... -f FILE` made a `backup` step wrote golive's dump elsewhere while the document's rollback
still ran `pg_restore FILE`: the restore read a file no step wrote. The backup now goes where the document said;
a path the shell works out ($VAR) keeps the document's own command."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Billing

## 1. Backup

```bash
pg_dump -Fc -d billing -f {path}
```

## 2. Deploy

```bash
./deploy.sh 4.12.0
```

## Rollback

```bash
pg_restore --clean -d billing {path}
```
"""


def test_a_custom_format_dump_to_a_file_writes_that_file() -> None:
    plan = parse_plan_text(import_markdown(DOC.format(path="/srv/backups/b.dump"), "b.md").yaml_text, "b.yaml")
    step = plan.phases[0].steps[0]
    assert step.kind == "backup" and step.backup.file == "/srv/backups/b.dump"  # type: ignore[attr-defined]


def test_a_dump_path_the_shell_works_out_stays_the_documents_command() -> None:
    plan = parse_plan_text(import_markdown(DOC.format(path='"$BACKUPS/b.dump"'), "b.md").yaml_text, "b.yaml")
    step = plan.phases[0].steps[0]
    assert step.kind == "shell" and "pg_dump -Fc" in step.shell.command  # type: ignore[attr-defined]
