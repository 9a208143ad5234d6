"""Markdown import on small documents: what each construct becomes, and that nothing but PlanError escapes."""

from __future__ import annotations

import functools
import time
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from conftest import golive
from golive.errors import PlanError
from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.md_commands import curl_to_http, shell_commands
from golive.plan.md_sql import sql_statements
from golive.plan.model import Plan
from golive.plan.schema import plan_schema

DOC = """# Payments API v2 - Deployment Plan

Moves payments to the v2 schema.

## Deployment Window
**Date**: March 3, 2026
**Time**: 11:00 PM - 1:00 AM PST
**Rollback Window**: Available until 3:00 AM PST

## Deployment Steps

### Phase 1: Database (20 minutes)
```bash
# Take a backup
pg_dump -h $DB_HOST payments > /tmp/payments.sql

# Migrate
export APP_ENV=production
alembic upgrade head
```
```sql
-- Check the new table
SELECT count(*) FROM payments_v2;
```
**Go/No-Go Decision Point**: migration applied, counts match

### Phase 2: Release (1 hour)
- [x] Release notes published
- [ ] Tell support
```sh
curl -X POST https://deploy.internal/api/release \\
  -H "Authorization: Bearer $DEPLOY_TOKEN" \\
  -d '{"version": "2.0"}'
echo $DB_PASSWORD
```

| Unplaced | table |
|---|---|
| a | b |

## Rollback Procedures
### Level 1: Database Rollback (15 minutes)
```bash
psql payments < /tmp/payments.sql
```

## Success Criteria
- Error rate < 0.5%

## Contacts
- **Release Manager**: Dana, Lee
"""


def load(text: str) -> tuple[Plan, str, list[str]]:
    result = import_markdown(text, "plan.md")
    return parse_plan_text(result.yaml_text, "plan.yaml"), result.yaml_text, [
        f"{u.line}: {u.what}" for u in result.unplaced]


def test_constructs_become_plan_parts() -> None:
    plan, yaml_text, unplaced = load(DOC)
    assert plan.name == "Payments API v2 - Deployment Plan"
    assert plan.service == "payments-api-v2"
    assert plan.description == "Moves payments to the v2 schema."
    assert plan.window is not None
    # 11 PM to 1 AM crosses midnight; PST is America/Los_Angeles
    assert (plan.window.start, plan.window.end, plan.window.rollback_until, plan.window.timezone) == (
        "2026-03-03T23:00", "2026-03-04T01:00", "2026-03-04T03:00", "America/Los_Angeles")
    p1, p2 = plan.phases
    assert (p1.name, p1.timebox, p2.name, p2.timebox) == ("Phase 1: Database", 1200, "Phase 2: Release", 3600)
    # pg_dump -> verified backup; `export APP_ENV` -> a plan var; alembic upgrade -> migrate (undo: downgrade)
    assert [s.kind for s in p1.steps] == ["backup", "migrate", "sql"]
    assert p1.steps[0].name == "Take a backup"
    assert plan.vars["APP_ENV"].value == "production"
    assert p1.steps[1].migrate.down == 'alembic downgrade "$GOLIVE_MIGRATE_TARGET"'  # type: ignore[attr-defined]
    assert p1.steps[2].sql.query == "SELECT count(*) FROM payments_v2;"  # type: ignore[attr-defined]
    assert p1.gate.description == "migration applied, counts match"
    # the sh block has no comment between its two commands: it stays one script, as written
    assert [s.kind for s in p2.steps] == ["manual", "manual", "shell"]
    assert p2.steps[0].manual.done is True and p2.steps[1].manual.done is False  # type: ignore[attr-defined]
    assert p2.steps[2].shell.command.startswith("curl -X POST")  # type: ignore[attr-defined]
    assert {n for n, v in plan.vars.items() if v.secret} == {"DEPLOY_TOKEN", "DB_PASSWORD", "DATABASE_URL"}
    [level] = plan.rollback.levels
    assert (level.level, level.name, level.covers, level.restores_data) == (
        1, "Database Rollback", ["Phase 1: Database"], True)
    # `psql payments < dump` restores the run's backup of `payments` (the same database string)
    assert level.steps[0].restore.database == p1.steps[0].backup.database  # type: ignore[attr-defined]
    assert [c.description for c in plan.success_criteria] == ["Error rate < 0.5%"]
    # "counts match" is a person's reading (the SELECT asserts nothing): the gate asks the Go/No-Go approver, who
    # is to be written in (the document names nobody for it)
    assert plan.approvers == {"Release Manager": ["Dana", "Lee"], "Go/No-Go approver": []}
    assert p1.gate.approvals is not None and p1.gate.approvals.role == "Go/No-Go approver"
    # every step carries its source line
    lines = DOC.splitlines()
    for start in ("pg_dump", "curl -X POST", "psql payments"):
        number = next(i for i, line in enumerate(lines, 1) if line.startswith(start))
        assert f"plan.md:{number}" in yaml_text, start
    assert "# TODO" in next(line for line in yaml_text.splitlines() if line.startswith("service:"))
    # the table was reported, not dropped
    assert any("Phase 2: Release" in u and "table" in u for u in unplaced), unplaced


def test_cli_import_prints_summary_and_refuses_to_overwrite(workdir: Path) -> None:
    (workdir / "plan.md").write_text(DOC, encoding="utf-8")
    res = golive("import", "plan.md", "-o", "out.yaml", cwd=workdir)
    assert res.code == 0, res.err
    assert "window" in res.out and "America/Los_Angeles" in res.out
    assert "not placed (" in res.out and "table" in res.out
    assert golive("plan", "validate", "out.yaml", cwd=workdir).code == 0
    again = golive("import", "plan.md", "-o", "out.yaml", cwd=workdir)
    assert again.code == 2 and "--force" in again.err
    assert golive("import", "plan.md", "-o", "out.yaml", "--force", cwd=workdir).code == 0


def test_cli_import_bad_input_is_a_clean_error(workdir: Path) -> None:
    (workdir / "empty.md").write_text("# Just a title\n\nNothing to deploy here.\n", encoding="utf-8")
    res = golive("import", "empty.md", "-o", "x.yaml", cwd=workdir)
    assert res.code == 2 and "no deployment steps found" in res.err and "Traceback" not in res.err
    (workdir / "bad.md").write_bytes(b"# T\n\xff\xfe\n")
    res = golive("import", "bad.md", cwd=workdir)
    assert res.code == 2 and "UTF-8" in res.err
    res = golive("import", "missing.md", cwd=workdir)
    assert res.code == 2 and "cannot read" in res.err


def test_shell_block_rules() -> None:
    # a comment starts a part; `export A=$B` then `run` in one part: lifted as a var in a forward phase,
    # kept in the script where exports must stay local (a rollback level)
    text = "# build it\nmake \\\n  all\n\n# second\n\nexport A=$B\nrun --x\n# left for a person\n"
    block = shell_commands(text, 10)
    assert [(c.kind, c.line, c.name) for c in block.commands] == [
        ("shell", 11, "build it"), ("shell", 17, "second"), ("manual", 18, None)]
    assert block.commands[0].spec == {"command": "make \\\n  all"}  # exactly as written
    assert block.exports == [(10, "A", "$B")]
    local = shell_commands(text, 10, lift_exports=False)
    assert local.commands[1].spec == {"command": "export A=$B\nrun --x"} and not local.exports
    # a heredoc and an if/fi are single statements: never cut, whatever the comments inside
    script = ("set -e\ncd /tmp\n# write\ncat > f <<EOF\n# not a comment\nEOF\n"
              "# check\nif [ -f f ]; then\n  echo ok\nfi\n")
    whole = shell_commands(script, 1)
    assert [c.kind for c in whole.commands] == ["shell"] and whole.commands[0].spec["command"] == script.strip()


def test_curl_translation() -> None:
    assert curl_to_http("curl -sf -m 5 https://x.test/health") == {"url": "https://x.test/health",
                                                                   "request_timeout": 5.0}
    assert curl_to_http("curl -X DELETE https://x.test/a/1") == {"url": "https://x.test/a/1", "method": "DELETE"}
    assert curl_to_http("curl https://x.test | jq .") is None  # a pipeline stays a shell command
    assert curl_to_http("curl --unknown-flag https://x.test") is None


def test_sql_statements_split_and_named() -> None:
    # `first_line` is the line of the fence's first content line ("-- one" is line 5, "SELECT 1;" line 6)
    block = sql_statements("-- one\nSELECT 1;\nSELECT\n  2;\n\n-- three\nSELECT 3\n", 5)
    assert [(c.line, c.name, c.spec["query"]) for c in block.commands] == [
        (6, "one", "SELECT 1;"), (7, None, "SELECT\n  2;"), (11, "three", "SELECT 3")]


def test_sql_step_lines_point_at_the_statement_in_the_document() -> None:
    doc = "# T\n## Phase 1: X\n```sql\n-- one\nSELECT 1;\nSELECT\n  2;\n\n-- three\nSELECT 3\n```\n"
    lines = doc.splitlines()
    text = import_markdown(doc, "p.md").yaml_text
    for statement in ("SELECT 1;", "SELECT", "SELECT 3"):
        number = lines.index(statement) + 1  # 1-based line of the statement in the .md file
        assert f"p.md:{number}" in text, (statement, text)
    assert "p.md:4" not in text  # the comment line names the step, it is not the step's line


def test_unknown_timezone_and_post_deployment_follow_ups_are_reported() -> None:
    doc = ("# X\n## Deployment Window\n**Date**: 2026-01-05\n**Time**: 02:00 - 04:00 XYZT\n"
           "## Phase 1: Go\n- [ ] do it\n## Post-Deployment\n### Within 1 week\n- [ ] review\n")
    plan, _, unplaced = load(doc)
    assert plan.window is not None and plan.window.timezone == "UTC"
    assert any("XYZT" in u for u in unplaced)
    assert any("Within 1 week" in u for u in unplaced)


def test_control_characters_are_removed_and_reported() -> None:
    result = import_markdown("# T\n## Phase 1: Go\n```bash\necho a\x98b\x07\n```\n", "p.md")
    plan = parse_plan_text(result.yaml_text, "p.yaml")
    assert plan.phases[0].steps[0].shell.command == "echo ab"  # type: ignore[attr-defined]
    assert "note: line 4: removed control characters U+0007, U+0098 (a YAML plan cannot hold it)" in result.summary


def test_duplicate_phase_names_are_made_unique() -> None:
    plan, _, _ = load("# T\n## Phase 1: Go\n- a\n## Phase 1: Go\n- b\n")
    assert [p.name for p in plan.phases] == ["Phase 1: Go", "Phase 1: Go (2)"]


# -- traffic percentages -> canary, Rollback Criteria -> its analysis ----------------------------------

ROLLOUT = """# Shop 3.0 Deployment Plan

## Phase 1: Deploy (20 minutes)
```bash
# Start the new release
systemctl start shop-3.0
```

## Phase 2: Traffic Migration (50 minutes)
- [ ] Announce the rollout
- [ ] Route 10% of traffic to the new version
- [ ] Monitor for 10 minutes
  - [ ] Error rate < 0.1%
- [ ] Route 50% of traffic to the new version
- [ ] Monitor for 15-20 minutes
- [ ] Route 100% of traffic to the new version
- [ ] Tell support

## Rollback Criteria
- Error rate exceeds 2%
- Error rate above 1% for 5 minutes
- p99 latency > 800 ms
- p50 latency > 100 ms
- Checkout broken
"""


def test_rising_traffic_percentages_become_one_canary_with_holds_and_limits() -> None:
    result = import_markdown(ROLLOUT, "p.md")
    plan = parse_plan_text(result.yaml_text, "p.yaml")
    steps = plan.phases[1].steps
    # the canary stands where the first move was; steps before and after it keep their order
    assert [s.kind for s in steps] == ["manual", "canary", "manual", "manual"]
    assert steps[0].manual.instruction == "Announce the rollout"  # type: ignore[attr-defined]
    assert [s.manual.instruction for s in steps[2:]] == ["Error rate < 0.1%", "Tell support"]  # type: ignore
    lines = ROLLOUT.splitlines()
    hold = lines.index("- [ ] Monitor for 10 minutes") + 1
    assert steps[2].name == f"After the canary (asked at each hold, line {hold})"
    canary = steps[1].canary  # type: ignore[attr-defined]
    # "Monitor for 15-20 minutes": the upper bound, like a timebox
    assert [(s.weight, s.hold) for s in canary.stages] == [(10, 600), (50, 1200), (100, 0)]
    # the strictest error rate of the two; p99 has a field, p50 has none and is reported
    assert (canary.analysis.max_error_rate, canary.analysis.max_p95, canary.analysis.max_p99) == (0.01, None, 0.8)
    assert canary.router.type == "builtin" and "${" in canary.router.admin  # a placeholder, never a real target
    route = lines.index("- [ ] Route 10% of traffic to the new version") + 1
    assert f"name: 'Canary: traffic to the new version 10% -> 50% -> 100%'  # p.md:{route}" in result.yaml_text
    assert f"max_p99: 800ms # p.md:{lines.index('- p99 latency > 800 ms') + 1}" in result.yaml_text
    unplaced = {u.what: u.reason for u in result.unplaced}
    assert "stricter limit" in unplaced["threshold error_rate > 2%"]
    assert "no field" in unplaced["threshold p50 > 100ms"]
    assert not any(w.startswith("traffic") for w in unplaced)
    assert any(s.startswith("placeholders to fill in: ROUTER_ADMIN") for s in result.summary)
    # the placeholders are declared vars (read from the environment), so the step is well-formed for lint
    from golive.plan.lint import lint_plan

    assert set(plan.vars) >= {"ROUTER_ADMIN", "STABLE_POOL", "CANARY_POOL"}
    assert not [f for f in lint_plan(plan, result.yaml_text, "p.yaml") if f.rule == "GL116"]


def test_a_progression_in_one_sentence_and_holds_from_each_timebox_or_default() -> None:
    doc = ("# T\n## Phase 1: Rollout (1 hour)\nShift traffic 5% -> 25% -> 100%, each held 7 minutes.\n"
           "- [ ] Check dashboards\n")
    plan, _, _ = load(doc)
    [canary, check] = plan.phases[0].steps
    assert check.kind == "manual"
    assert [(s.weight, s.hold) for s in canary.canary.stages] == [(5, 420), (25, 420), (100, 0)]  # type: ignore
    assert canary.canary.analysis.max_error_rate is None  # type: ignore[attr-defined]  # no Rollback Criteria
    # no hold anywhere: the phase timebox (50m) shared out over the stages below 100%, whole minutes
    moves = "- [ ] Route 10% of traffic\n- [ ] Route 40% of traffic\n- [ ] Route 100% of traffic\n"
    result = import_markdown(f"# T\n## Phase 1: Rollout (50 minutes)\n{moves}", "p.md")
    stages = parse_plan_text(result.yaml_text, "p.yaml").phases[0].steps[0].canary.stages  # type: ignore
    assert [(s.weight, s.hold) for s in stages] == [(10, 1500), (40, 1500), (100, 0)]
    assert any("timebox (50m) shared out" in s for s in result.summary)
    # no hold and no timebox: one analysis interval per stage, said so (never promoted without a verdict)
    result = import_markdown(f"# T\n## Phase 1: Rollout\n{moves}", "p.md")
    stages = parse_plan_text(result.yaml_text, "p.yaml").phases[0].steps[0].canary.stages  # type: ignore
    assert [(s.weight, s.hold) for s in stages] == [(10, 60), (40, 60), (100, 0)]
    assert any("held 1m (one analysis interval)" in s for s in result.summary)


@pytest.mark.parametrize(("moves", "why"), [
    ("- [ ] Route 100% of traffic to green\n", "one traffic percentage (100%) is not a progression"),
    ("- [ ] Route 50% of traffic\n- [ ] Route 10% of traffic\n", "do not rise"),
])
def test_traffic_that_is_not_a_progression_stays_manual_and_is_reported(moves: str, why: str) -> None:
    plan, yaml_text, _ = load(f"# T\n## Phase 1: Go\n{moves}")
    assert {s.kind for s in plan.phases[0].steps} == {"manual"}
    assert "ROUTER_ADMIN" not in yaml_text
    result = import_markdown(f"# T\n## Phase 1: Go\n{moves}", "p.md")
    assert any(u.what.startswith("traffic ") and why in u.reason for u in result.unplaced), result.unplaced


def test_moving_traffic_back_or_only_mentioning_it_is_not_a_stage() -> None:
    doc = ("# T\n## Phase 1: Go\n- [ ] Route 10% of traffic\n- [ ] Check that 50% of users see the banner\n"
           "- [ ] Route 100% of traffic\n- [ ] If errors: route 100% traffic to old version\n")
    plan, _, _ = load(doc)
    assert [s.kind for s in plan.phases[0].steps] == ["canary", "manual", "manual"]
    assert [s.weight for s in plan.phases[0].steps[0].canary.stages] == [10, 100]  # type: ignore[attr-defined]


def test_thresholds_without_a_progression_are_kept_in_the_description_and_reported() -> None:
    doc = ("# T\n## Phase 1: Go\n- [ ] deploy\n## Rollback\n### Rollback Triggers\n- Error rate > 1%\n"
           "- API response time exceeds 2 s (p95)\n### Level 1: App\n```bash\ngit checkout v1\n```\n")
    result = import_markdown(doc, "p.md")
    plan = parse_plan_text(result.yaml_text, "p.yaml")
    assert plan.description == ("Rollback criteria (roll back when exceeded): error_rate > 1% (line 6),"
                                " p95 > 2s (line 7)")
    assert [lv.name for lv in plan.rollback.levels] == ["App"]  # the triggers subsection is not a level
    reasons = {u.what: u.reason for u in result.unplaced}
    assert reasons["threshold error_rate > 1%"].startswith("not enforced: no traffic progression")
    assert "threshold p95 > 2s" in reasons
    assert "ROUTER_ADMIN" not in result.yaml_text


# -- Hypothesis: arbitrary Markdown never breaks the importer -------------------------------------

_words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=30)
_phrases = st.one_of(
    _words,
    st.sampled_from(["Phase 1: Deploy (30 minutes)", "Step 2: Verify", "Rollback Procedures", "Level 1: App",
                     "Success Criteria", "Deployment Window", "Pre-Deployment Checklist", "Contacts",
                     "Post-Deployment (First week)", "Rollback Criteria", "Sign-Off", "02:00 - 03:00 EST",
                     "Route 10% of traffic", "Route 100% of traffic", "Monitor for 10 minutes",
                     "traffic 10% -> 50% -> 100%, each held 0.001 minutes", "traffic 0% -> 200%",
                     "Error rate exceeds 150%", "p95 latency > 2 s", "Rollback Triggers",
                     "Phase 1: Deploy (30 minutes)", "ünïcødé 🚀 ✅", "Deployment Steps"]),
)
_lines = st.one_of(
    _words,
    st.sampled_from(["curl -X POST https://h.test/x -d '{\"a\":1}'", "export SECRET_KEY=$X", "# comment",
                     "SELECT 1;", "https://h.test", "echo $PASSWORD \\", "ls", "curl 'unterminated",
                     "psql -c 'x' \\", "-- sql comment"]),
)
_blocks = st.one_of(
    st.builds(lambda lvl, t: "#" * lvl + " " + t, st.integers(1, 6), _phrases),
    st.builds(lambda t: f"- [ ] {t}", _phrases),
    st.builds(lambda t: f"- [x] {t}", _phrases),
    st.builds(lambda t, u: f"1. **{t}**\n   - {u}", _phrases, _phrases),
    st.builds(lambda t: f"  - nested {t}", _words),
    st.builds(lambda k, v: f"**{k}**: {v}", st.sampled_from(["Date", "Time", "Duration", "Rollback Window",
                                                             "Go/No-Go Decision Point", "Time Estimate", "Role"]),
              st.one_of(_words, st.sampled_from(["November 7, 2025", "2:00 AM - 6:00 AM EST", "2 hours",
                                                  "10-15 minutes", "until 8:00 AM EST", "25:99 PM"]))),
    st.builds(lambda lang, body: f"```{lang}\n" + "\n".join(body) + "\n```",
              st.sampled_from(["bash", "sh", "sql", "", "yaml", "python"]), st.lists(_lines, max_size=5)),
    st.builds(lambda a, b: f"| {a} | {b} |\n|---|---|\n| {b} | {a} |", _words, _words),
    _words,
    st.just("---"),
)
_documents = st.lists(_blocks, max_size=14).map(lambda bs: "\n\n".join(bs))
#: Documents shaped like a plan (numbered phase headings with random content under them), so that most of them
#: reach the plan-building path rather than stopping at "no deployment steps found".
_phase = st.builds(lambda n, title, body: f"## {n} {title}\n\n" + "\n\n".join(body),
                   st.sampled_from(["Phase 1:", "Phase 2 -", "Step 3:", "Stage 4", "Phase 1:"]), _phrases,
                   st.lists(st.one_of(_blocks, st.builds(lambda t: f"- [ ] {t}", _words)), min_size=1, max_size=6))
_plan_documents = st.builds(lambda title, phases, tail: "\n\n".join([f"# {title}", *phases, *tail]),
                            _words, st.lists(_phase, min_size=1, max_size=4), st.lists(_blocks, max_size=6))


@functools.cache
def _schema_validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(plan_schema())  # the dialect `golive schema` declares


def _plan_or_clear_error(text: str) -> None:
    try:
        result = import_markdown(text, "fuzz.md")
    except PlanError as exc:
        # about the document itself, never about the YAML the importer wrote
        assert exc.issues and all(i.file == "fuzz.md" and i.message for i in exc.issues), exc.issues
        return
    parse_plan_text(result.yaml_text, "fuzz.yaml")  # what was written loads back
    data = YAML(typ="safe", pure=True).load(result.yaml_text)
    assert [e.message for e in _schema_validator().iter_errors(data)] == []  # and is what editors accept
    assert all(u.line >= 0 and u.what for u in result.unplaced)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_random_markdown_gives_a_plan_or_a_plan_error(text: str) -> None:
    _plan_or_clear_error(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_plan_documents)
def test_random_plan_shaped_markdown_gives_a_plan_or_a_plan_error(text: str) -> None:
    _plan_or_clear_error(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_arbitrary_text_gives_a_plan_or_a_plan_error(text: str) -> None:
    """Not even Markdown-shaped: control characters, lone backticks, CRLF, right-to-left text."""
    _plan_or_clear_error(text)


def test_fuzz_budget() -> None:
    """The fuzz test above must stay cheap; one import of a seed-sized document is well under a second. Counted in
    CPU time: the wall clock of a busy CI machine also counts the time other processes had the cores."""
    started = time.process_time()
    load(DOC * 3)
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize("text", ["", "   \n", "```bash\nls\n```\n", "- [ ] only a checklist\n"])
def test_degenerate_documents(text: str) -> None:
    try:
        plan, _, _ = load(text)
    except PlanError as exc:
        assert "no deployment steps" in str(exc)
    else:
        assert plan.phases
