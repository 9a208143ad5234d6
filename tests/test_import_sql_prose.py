"""Issue 14, an SQL block's expected result stated in the prose next to it, as set 4 of the blind runbooks showed
it missed, here in other words: the last sentence of the paragraph before the block ("... It should come back with
0 rows."), an Italian lead ("Controllo (dovrebbe dare **0**):"). And the other way round: "expect one row per
region" is no count of the whole result, so it is no check (a `rows: 1` check would fail a correct run)."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from golive.plan.importer import import_markdown

QUERY = "```sql\nSELECT invoice_no FROM billing.invoices GROUP BY invoice_no HAVING count(*) > 1;\n```\n"


def sql_steps(text: str) -> list[dict[str, Any]]:
    data = YAML(typ="safe").load(import_markdown(text, "doc.md").yaml_text)
    return [s["sql"] for p in data["phases"] for s in p.get("steps", []) if "sql" in s]


def test_the_last_sentence_before_the_block_states_its_result() -> None:
    [sql] = sql_steps("# Billing\n\n## Phase 1: Dedupe check\n\nAny invoice number listed twice is a duplicate "
                      "left by the old exporter. It should come back with 0 rows.\n\n" + QUERY)
    assert sql["expect"] == {"rows": 0}


def test_a_bare_returns_in_the_lead_is_no_expectation() -> None:
    """"The old exporter's query returns 3 rows" tells what another query did, not what this one must give."""
    [sql] = sql_steps("# Billing\n\n## Phase 1: Dedupe check\n\nLast month the old exporter's query returns 3 "
                      "rows.\n\n" + QUERY)
    assert "expect" not in sql


def test_an_italian_lead_states_the_value() -> None:
    [sql] = sql_steps("# Fatturazione\n\n## Fase 1: Controllo\n\nControllo (dovrebbe dare **0**):\n\n```sql\n"
                      "SELECT count(*) FROM billing.invoices WHERE total < 0;\n```\n")
    assert sql["expect"] == {"value": 0}


def test_rows_for_each_group_are_no_count_of_the_result() -> None:
    [sql] = sql_steps("# Sales\n\n## Phase 1: Check the rollup\n\n```sql\nSELECT region, sum(total) FROM "
                      "sales.daily GROUP BY region;\n```\n\nExpect one row per region.\n")
    assert "expect" not in sql


def test_a_japanese_or_chinese_lead_states_the_result() -> None:
    """"確認用SQL（結果が `0` であること）：" says the count must be 0: without the check the step passed whatever the
    count was, and the Go/No-Go read a check that checks nothing."""
    count = "```sql\nSELECT count(*) FROM invoices WHERE tax_rate IS NULL;\n```\n"
    [sql] = sql_steps("# 請求\n\n## 手順3：確認\n\n確認用SQL（結果が `0` であること）：\n\n" + count)
    assert sql["expect"] == {"value": 0}
    [sql] = sql_steps("# 账单\n\n## 步骤3：检查\n\n检查（结果为 ０ 行）：\n\n" + QUERY)
    assert sql["expect"] == {"rows": 0}
