"""An ```sql block runs on the database the document's own commands name (`psql "$FACTURACION_DB"`), never on an
invented `${DATABASE_URL}` the document does not mention (a variable nobody sets, or another database)."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.importer.db_target import document_database_var
from golive.plan.md_blocks import parse_blocks

DOC = """# F
## Phase 1: Backup (10 min)
```bash
pg_dump --format=custom --table=facturas --file=/r/f.dump "$FACTURACION_DB"
```
## Phase 2: Schema (10 min)
```bash
psql "$FACTURACION_DB" --set ON_ERROR_STOP=1 -c 'ALTER TABLE facturas ADD COLUMN r varchar(3)'
```
```sql
INSERT INTO cat_regimen (clave) VALUES ('601') ON CONFLICT DO NOTHING;
```
"""


def test_sql_runs_on_the_documents_own_database() -> None:
    text = import_markdown(DOC, "doc.md").yaml_text
    assert "DATABASE_URL" not in text, text
    assert "database: ${FACTURACION_DB}" in text, text
    assert "FACTURACION_DB:" in text  # declared, read from the environment


def test_the_database_word_is_never_an_options_value() -> None:
    def var(cmd: str) -> str | None:
        return document_database_var(parse_blocks(f"```bash\n{cmd}\n```\n"))

    assert var("psql -h $PGHOST -U $PGUSER mydb") is None
    assert var("psql -h $PGHOST -d $APP_DB") == "APP_DB"
    assert var('pg_restore --dbname="${APP_DB}" x.dump') == "APP_DB"
    assert var('psql "$A" -c "select 1"\npsql "$B" -c "select 1"') is None  # two databases: unclear
    assert var('psql "$DATABASE_URL" -c "select 1"') is None
