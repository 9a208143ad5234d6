"""The doubt check (golive.plan.importer.doubt): a step whose frame or parse says it may mean something else than
"run this here, now" becomes a person's step quoting its exact lines, and the summary says why.

Each document below was written for these tests (none comes from a blind set). The importer before the doubt check
ran every one of the doubted blocks as a shell or sql step."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from importforms import doc_runs, doc_steps

DEPLOY = "\n## Phase 2: Deploy (10 minutes)\n\n```bash\n./deploy.sh 4.2\n```\n"
HEAD = "# Release billing 4.2\n\n## Phase 1: Prepare (15 minutes)\n\n```bash\ndf -h /srv\n```\n\n"


def _doubted(doc: str, command: str, signal_words: str) -> None:
    """`command` runs in no step, a person's step quotes it exactly, the summary says why; the rest still runs."""
    runs = doc_runs(doc)
    assert command not in runs
    assert "./deploy.sh 4.2" in runs and "df -h /srv" in runs
    manual = [s["manual"]["instruction"] for s in doc_steps(doc) if "manual" in s]
    assert any(command in m for m in manual), manual
    summary = [s for s in import_markdown(doc, "doc.md").summary if s.startswith("doubt:")]
    assert any(command.split()[0] in s and signal_words in s for s in summary), summary


def test_sql_that_postgresql_cannot_parse_is_a_persons_step() -> None:
    # MySQL's `DELETE ... LIMIT`, introduced as plain SQL: PostgreSQL would refuse it, mid-phase, on the real day
    doc = HEAD + "Trim the outbox in batches:\n\n```sql\n" \
        "DELETE FROM outbox WHERE sent = true LIMIT 5000;\n```\n" + DEPLOY
    _doubted(doc, "DELETE FROM outbox WHERE sent = true LIMIT 5000;", "another database's SQL")


def test_postgresql_sql_with_variables_still_runs() -> None:
    # plan vars, shell vars and psql vars are names to the parser: the statement is PostgreSQL's and runs
    doc = HEAD + ("Count the recent rows:\n\n```sql\nSELECT count(*) FROM outbox WHERE created_at > now() - interval"
                  " '1 day' AND tenant = :'tenant' AND id > ${LAST_ID};\n```\n" + DEPLOY)
    steps = doc_steps(doc)
    assert any("sql" in s and "interval '1 day'" in s["sql"]["query"] for s in steps), steps


def test_a_struck_through_lead_makes_its_block_a_persons_step() -> None:
    doc = HEAD + "<del>Purge the old sessions first.</del>\n\n```bash\n" \
        "./purge-sessions.sh --older-than 0d\n```\n" + DEPLOY
    _doubted(doc, "./purge-sessions.sh --older-than 0d", "struck through")
    doc = HEAD + "~~Rebuild the search index before the switch.~~\n\n```bash\n./reindex.sh --drop\n```\n" + DEPLOY
    _doubted(doc, "./reindex.sh --drop", "struck through")


def test_a_block_in_a_box_for_another_environment_is_a_persons_step() -> None:
    for title in ("note Staging", "tip UAT"):
        doc = HEAD + f":::{title}\n```bash\n./reset-fixtures.sh --drop-all\n```\n:::\n" + DEPLOY
        _doubted(doc, "./reset-fixtures.sh --drop-all", "another environment")


def test_a_block_introduced_in_a_script_golive_cannot_read_is_a_persons_step() -> None:
    # Greek: "Only in the test environment, never in production:" — no vocabulary of golive reads Greek
    doc = HEAD + ("Μόνο στο περιβάλλον δοκιμών, ποτέ στην παραγωγή:\n\n```bash\n./reset-fixtures.sh --drop-all\n```\n"
                  + DEPLOY)
    _doubted(doc, "./reset-fixtures.sh --drop-all", "GREEK")


def test_a_script_golive_reads_is_no_doubt() -> None:
    # Chinese and Cyrillic have vocabularies: the words are read, not doubted
    for lead in ("Запустите обновление на всех узлах:", "在 所有 节点 上 执行 升级："):
        doc = HEAD + f"{lead}\n\n```bash\n./upgrade.sh 4.2\n```\n" + DEPLOY
        assert "./upgrade.sh 4.2" in doc_runs(doc)


def test_a_condition_before_a_block_without_a_colon_is_a_persons_step() -> None:
    doc = HEAD + "If the cache is cold after the restart, warm it first.\n\n```bash\n" \
        "./warm-cache.sh --all\n```\n" + DEPLOY
    _doubted(doc, "./warm-cache.sh --all", "introduced by 'If'")


def test_not_here_words_in_the_list_item_around_a_block_make_it_a_persons_step() -> None:
    # the item says "staging only"; a paragraph in between introduces the block, so the item is not its lead
    doc = HEAD + ("1. Reseed the demo tenants (staging only).\n\n   From the admin box:\n\n   ```bash\n"
                  "   ./seed-demo.sh --reset\n   ```\n" + DEPLOY)
    _doubted(doc, "./seed-demo.sh --reset", "staging only")


def test_a_levels_own_condition_is_its_trigger_not_a_doubt() -> None:
    # in a rollback level, "If ..." before the block is the level's condition (`when:`), read by the rollback part
    doc = HEAD + DEPLOY + ("\n## Rollback\n\nIf the error rate stays above 2%, put the old release back:\n\n"
                           "```bash\n./deploy.sh 4.1\n```\n")
    summary = import_markdown(doc, "doc.md").summary
    assert not [s for s in summary if s.startswith("doubt:")], summary


def test_a_lead_that_puts_the_block_on_another_environment_is_a_persons_step() -> None:
    doc = HEAD + "On the sandbox cluster, reset the fixtures with:\n\n```bash\n" \
        "./reset-fixtures.sh --drop-all\n```\n" + DEPLOY
    _doubted(doc, "./reset-fixtures.sh --drop-all", "On the sandbox cluster")
    # a device or a source named after an environment is no place: the step runs
    doc = HEAD + "Promote the image from staging, then check the push arrives on the QA Pixel:\n\n```bash\n" \
        "./promote.sh 4.2\n```\n" + DEPLOY
    assert "./promote.sh 4.2" in doc_runs(doc)
