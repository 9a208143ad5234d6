"""An explicit SQL transaction in a runbook stays one transaction in the plan.

`BEGIN; ALTER ...; UPDATE ...; COMMIT;` used to become four sql steps, each committed on its own (a failing UPDATE
left the ALTER in place). Now the statements between the BEGIN and the COMMIT are one sql step (the step runs a
query of several statements as one transaction); a transaction that would not commit as written (ROLLBACK, left
open, or holding a statement PostgreSQL refuses in a transaction) is a person's step showing the whole text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown
from golive.plan.loader import load_plan


def plan_of(block: str, tmp_path: Path, lang: str = "sql") -> tuple[list[dict[str, Any]], str]:
    doc = f"# Orders region\n\n## Phase 1: Schema (10 min)\n\n```{lang}\n{block}```\n"
    result = import_markdown(doc, "tx.md")
    (tmp_path / "plan.yaml").write_text(result.yaml_text, encoding="utf-8")
    load_plan(tmp_path / "plan.yaml")  # what the importer wrote loads (no BEGIN/COMMIT in a query)
    plan: dict[str, Any] = YAML(typ="safe").load(result.yaml_text)
    return plan["phases"][0]["steps"], "\n".join(result.summary)


def kinds(steps: list[dict[str, Any]]) -> list[str]:
    return [next(k for k in s if k not in ("name",)) for s in steps]


TX = """-- Add and fill the region column
BEGIN;
ALTER TABLE orders ADD COLUMN region text;
UPDATE orders SET region = 'eu' WHERE region IS NULL;
COMMIT;
"""


def test_a_transaction_is_one_sql_step_without_begin_and_commit(tmp_path: Path) -> None:
    steps, summary = plan_of(TX, tmp_path)
    assert "line 7: BEGIN ... COMMIT (2 statements) stays one transaction" in summary, summary
    assert kinds(steps) == ["sql"]
    assert steps[0]["name"] == "Add and fill the region column"
    assert steps[0]["sql"]["query"] == ("ALTER TABLE orders ADD COLUMN region text;\n"
                                        "UPDATE orders SET region = 'eu' WHERE region IS NULL;\n")


@pytest.mark.parametrize("opener,closer", [
    ("BEGIN TRANSACTION;", "COMMIT;"), ("START TRANSACTION;", "COMMIT;"), ("begin;", "end;"),
    ("BEGIN ISOLATION LEVEL SERIALIZABLE;", "COMMIT WORK;"), ("BEGIN WORK;", "END TRANSACTION;"),
])
def test_every_way_of_writing_a_transaction(tmp_path: Path, opener: str, closer: str) -> None:
    steps, _ = plan_of(f"{opener}\nDELETE FROM holds WHERE expired;\nINSERT INTO log VALUES (1);\n{closer}\n",
                       tmp_path)
    assert kinds(steps) == ["sql"]
    assert steps[0]["sql"]["query"].split("\n")[:2] == ["DELETE FROM holds WHERE expired;",
                                                        "INSERT INTO log VALUES (1);"]


def test_statements_outside_the_transaction_stay_their_own_steps(tmp_path: Path) -> None:
    block = "SELECT count(*) FROM orders;\n" + TX + "-- Check\nSELECT count(*) FROM orders WHERE region IS NULL;\n"
    steps, _ = plan_of(block, tmp_path)
    assert kinds(steps) == ["sql", "sql", "sql"]
    assert steps[0]["sql"]["query"] == "SELECT count(*) FROM orders;"
    assert "ALTER TABLE" in steps[1]["sql"]["query"] and "UPDATE orders" in steps[1]["sql"]["query"]
    assert steps[2]["name"] == "Check"


def test_a_rehearsal_ending_in_rollback_is_never_a_committing_step(tmp_path: Path) -> None:
    """`BEGIN; DELETE ...; SELECT ...; ROLLBACK;` changes nothing: as sql steps the DELETE would be committed."""
    block = "-- Rehearse the purge\nBEGIN;\nDELETE FROM orders WHERE region IS NULL;\nSELECT count(*) FROM orders;\n" \
            "ROLLBACK;\n"
    steps, summary = plan_of(block, tmp_path)
    assert "ends in ROLLBACK" in summary, summary
    assert kinds(steps) == ["manual"]
    assert steps[0]["name"] == "Rehearse the purge"
    text = steps[0]["manual"]["instruction"]
    assert "BEGIN;\nDELETE FROM orders WHERE region IS NULL;\nSELECT count(*) FROM orders;\nROLLBACK;" in text


@pytest.mark.parametrize("block", [
    "BEGIN;\nUPDATE orders SET region = 'us';\n-- check the count, then COMMIT or ROLLBACK\n",
    "BEGIN;\nCREATE INDEX CONCURRENTLY orders_region ON orders (region);\nCOMMIT;\n",
    "BEGIN;\nUPDATE orders SET region = 'us';\nBEGIN;\nUPDATE orders SET region = 'eu';\nCOMMIT;\n",
])
def test_a_transaction_that_would_not_commit_as_written_is_a_persons(tmp_path: Path, block: str) -> None:
    """Left open (psql rolls it back at the end), or holding CONCURRENTLY (PostgreSQL refuses it in a
    transaction: through psql it would run outside the transaction the document wrote)."""
    steps, _ = plan_of(block, tmp_path)
    assert kinds(steps) == ["manual"]
    assert block.strip() in steps[0]["manual"]["instruction"]


def test_a_stray_commit_is_not_an_sql_step(tmp_path: Path) -> None:
    steps, _ = plan_of("UPDATE orders SET region = 'eu';\nCOMMIT;\n", tmp_path)
    assert kinds(steps) == ["sql", "manual"]
    assert "COMMIT" not in steps[0]["sql"]["query"]


def test_sql_lines_in_a_shell_block_keep_their_transaction(tmp_path: Path) -> None:
    steps, _ = plan_of("BEGIN;\nUPDATE orders SET region = 'eu';\nDELETE FROM holds;\nCOMMIT;\n", tmp_path, "bash")
    assert kinds(steps) == ["sql"]
    assert steps[0]["sql"]["query"] == "UPDATE orders SET region = 'eu';\nDELETE FROM holds;\n"


@pytest.mark.parametrize("block", [
    'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -c "BEGIN; UPDATE orders SET region = \'x\'; COMMIT;"\n',
    "psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 <<'SQL'\nBEGIN;\nUPDATE orders SET region = 'eu';\nCOMMIT;\nSQL\n",
    "psql -1 -v ON_ERROR_STOP=1 -f migrate.sql \"$DATABASE_URL\"\n",
])
def test_transactions_given_to_psql_stay_one_shell_step(tmp_path: Path, block: str) -> None:
    steps, _ = plan_of(block, tmp_path, "bash")
    assert kinds(steps) == ["shell"]
    command = steps[0]["shell"]["command"] if isinstance(steps[0]["shell"], dict) else steps[0]["shell"]
    assert command.strip() == block.strip()


def test_the_untagged_form_starting_start_transaction_is_sql(tmp_path: Path) -> None:
    steps, _ = plan_of("START TRANSACTION;\nUPDATE orders SET region = 'eu';\nCOMMIT;\n", tmp_path, "")
    assert kinds(steps) == ["sql"]
    assert steps[0]["sql"]["query"].strip() == "UPDATE orders SET region = 'eu';"
