"""A dump of some tables (`pg_dump --table=a --table=b`, `-t a`, `-n schema`, `--data-only`) is never golive's
whole-database `backup`, and a restore of some tables never its whole-database `restore`: the restore of that
backup replaced every table (all invoices since the dump lost in every other table). Both stay the document's
commands."""

from __future__ import annotations

import shlex

import pytest

from golive.plan.importer import import_markdown
from golive.plan.md_intent import backup_of, restore_of


@pytest.mark.parametrize("cmd", [
    'pg_dump --format=custom --table=facturas --table=conceptos --file=/r/f.dump "$DB"',
    "pg_dump -Fc -tfacturas -f /r/f.dump app", "pg_dump -Fc -n billing -f /r/f.dump app",
    "pg_dump --schema=billing -f /r/f.dump app", "pg_dump -Fc --data-only -f /r/f.dump app",
    "pg_dump -s app", "pg_dump --exclude-table=audit -Fc -f /r/f.dump app",
])
def test_a_partial_dump_is_no_backup(cmd: str) -> None:
    assert backup_of(shlex.split(cmd), None) is None


def test_a_whole_dump_is_still_a_backup() -> None:
    assert backup_of(shlex.split("pg_dump -Fc -f /r/app.dump app"), None) is not None


@pytest.mark.parametrize("cmd", ["pg_restore -t facturas -d app /r/f.dump",
                                 "pg_restore --table=facturas --dbname=app /r/f.dump",
                                 "pg_restore -L keep.list -d app /r/f.dump", "pg_restore -a -d app /r/f.dump"])
def test_a_partial_restore_is_no_restore(cmd: str) -> None:
    assert restore_of(shlex.split(cmd), None) is None


def test_the_restore_of_a_table_dump_stays_the_documents_command() -> None:
    doc = ("# F\n## Phase 1: Backup (10 min)\n```bash\npg_dump --format=custom --table=facturas --table=conceptos "
           "--file=/r/f.dump \"$FACTURACION_DB\"\n```\n## Phase 2: Schema (10 min)\n```bash\n./migrate.sh\n```\n"
           "## Rollback\n```bash\npg_restore --clean --if-exists --single-transaction --dbname=\"$FACTURACION_DB\" "
           "/r/f.dump\n```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    assert "backup:" not in text and "restore:" not in text, text
    assert "--table=facturas" in text and "pg_restore --clean" in text, text
