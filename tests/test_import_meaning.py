"""What the importer keeps: each rule of issue 14 on a small document, so a regression names its rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import golive
from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.md_commands import shell_commands
from golive.plan.md_shell import looks_like_commands, never_ends, split_block
from golive.plan.model import Plan
from golive.plan.shellcheck import sql_problems


def load(text: str) -> tuple[Plan, str, list[str]]:
    result = import_markdown(text, "doc.md")
    return parse_plan_text(result.yaml_text, "p.yaml"), result.yaml_text, result.summary


def test_a_57_line_style_script_stays_one_step() -> None:
    script = ("#!/bin/bash\nset -e\ncd /srv/app\nVERSION=2.1\n\n# fetch\ngit fetch --tags\n\n# switch\n"
              "git checkout \"v$VERSION\" || {\n  echo failed >&2\n  exit 1\n}\n")
    block = shell_commands(script, 1)
    assert [c.kind for c in block.commands] == ["shell"]
    assert "set -e" in block.commands[0].spec["command"] and "}" in block.commands[0].spec["command"]
    assert any("stay one step" in n for n in block.notes)  # the summary says why


def test_comments_split_only_where_no_state_crosses() -> None:
    parts, _ = split_block("# one\nmkdir -p a\n# two\ntouch a/b\n# three\ncd a\n# four\nls\n", lift_exports=False)
    assert [p.name for p in parts] == ["one", "two", "three"]  # `cd` keeps three and four together
    assert parts[2].text == "cd a\n# four\nls"


def test_sql_is_split_by_statements_never_at_line_ends_and_psql_c_stays_whole() -> None:
    plan, _, _ = load("# T\n## Phase 1: Clean\n```sql\nDELETE FROM sessions\nWHERE expires_at < now();\n"
                      "SELECT 'a;b';\n```\n```bash\npsql -c \"\n  VACUUM\n    sessions;\n\"\n```\n")
    steps = plan.phases[0].steps
    assert [s.kind for s in steps] == ["sql", "sql", "shell"]
    assert steps[0].sql.query.strip() == "DELETE FROM sessions\nWHERE expires_at < now();"  # type: ignore
    assert steps[1].sql.query == "SELECT 'a;b';"  # type: ignore[attr-defined]
    assert sql_problems(steps[0].sql.query) == []  # type: ignore[attr-defined]


def test_untagged_fences_are_classified_and_other_languages_never_run() -> None:
    assert not looks_like_commands("Is it healthy?\n├─ YES → go on\n└─ NO  → roll back\n")
    assert not looks_like_commands("Run the migration first, then check it.\n")
    assert looks_like_commands("kubectl -n a get pods\n./deploy.sh 1.2\n")
    plan, text, _ = load("# T\n## Phase 1: Go\n```\nIs it healthy?\n├─ YES → go\n```\n```python\n"
                         "await pool.close()\n```\n```\n./deploy.sh 1.2\n```\n")
    assert [s.kind for s in plan.phases[0].steps] == ["shell"]
    assert "await pool.close()" not in text and "├─" not in text


def test_env_file_becomes_vars_with_secrets_from_the_environment_and_no_values() -> None:
    plan, text, _ = load("# T\n## Config\n```\nAPI_TOKEN=tok_live_secret\nLOG_LEVEL=info\n```\n"
                         "## Phase 1: Go\n- [ ] go\n")
    assert plan.vars["API_TOKEN"].secret and plan.vars["API_TOKEN"].from_env == "API_TOKEN"
    assert plan.vars["LOG_LEVEL"].value == "info"
    assert "tok_live_secret" not in text


def test_rollback_wherever_it_stands_and_triggers_are_not_steps() -> None:
    plan, _, summary = load(
        "# T\n## Phase 1: Deploy\n```bash\n./deploy 2\n```\n## Phase 2: Rollback Procedures\n"
        "### Back out\n```bash\n./deploy 1\n```\n### Rollback triggers\n- Error rate > 5% for 60 s\n"
        "- Document the incident\n")
    assert [p.name for p in plan.phases] == ["Phase 1: Deploy"]
    [level] = plan.rollback.levels
    assert [s.kind for s in level.steps] == ["shell"] and level.covers == ["Phase 1: Deploy"]
    # the summary says exactly what the YAML says
    assert any("covers: Phase 1: Deploy" in line for line in summary)


def test_covers_falls_back_to_every_changing_phase_explicitly() -> None:
    plan, _, summary = load("# T\n## Phase 1: A\n```bash\n./a on\n```\n## Phase 2: B\n```bash\n./b on\n```\n"
                            "## Rollback\n- [ ] call the vendor\n")
    assert plan.rollback.levels[0].covers == ["Phase 1: A", "Phase 2: B"]
    assert any("every forward phase" in line for line in summary)


def test_people_from_tables_with_handles_normalised_and_gate_roles() -> None:
    plan, _, _ = load("# T\n## Approvals\n| Role | Name | Signature | Date |\n|---|---|---|---|\n"
                      "| Change Manager | @alice.m | | |\n## SLA\n- Resolution: < 4 hours (fix, redeploy)\n"
                      "## Phase 1: Go\n```bash\n./go\n```\n\nGo/No-Go: healthy? The Change Manager decides.\n")
    assert plan.approvers == {"Change Manager": ["alice.m"]}  # `@alice.m` -> `alice.m`; SLA lines are not roles
    assert plan.phases[0].gate.approvals is not None
    assert plan.phases[0].gate.approvals.role == "Change Manager"


@pytest.mark.parametrize(("line", "start", "end", "zone"), [
    ("**Window**: Dec 31, 2025 08:00–12:00 EST", "2025-12-31T08:00", "2025-12-31T12:00", "America/New_York"),
    ("We run this change every night 02:00-06:00 UTC.", "02:00", "06:00", "UTC"),  # daily only when said daily
    ("The window is 14 March 2026, 1:00 AM to 3:00 AM PST.", "2026-03-14T01:00", "2026-03-14T03:00",
     "America/Los_Angeles"),
])
def test_windows_in_common_written_forms(line: str, start: str, end: str, zone: str) -> None:
    plan, _, _ = load(f"# T\n\n{line}\n\n## Phase 1: Go\n- [ ] go\n")
    assert plan.window is not None
    assert (plan.window.start, plan.window.end, plan.window.timezone) == (start, end, zone)


@pytest.mark.parametrize("text", ["Shift traffic 10% → 50% → 100%, 5 minutes each",
                                  "Move traffic 10% -> 50% -> 100%, holding 300 seconds each",
                                  "Route 10% of traffic, then 50% then 100%, waiting 5 minutes each time",
                                  "Ramp traffic from 10% to 50% to 100%, hold 5 minutes per stage"])
def test_traffic_progressions_and_holds(text: str) -> None:
    plan, _, _ = load(f"# T\n## Phase 1: Canary (30 minutes)\n{text}\n")
    [canary] = plan.phases[0].steps
    assert [(s.weight, s.hold) for s in canary.canary.stages] == [  # type: ignore[attr-defined]
        (10, 300), (50, 300), (100, None)] or [s.weight for s in canary.canary.stages] == [10, 50, 100]


def test_never_ending_commands_are_not_steps() -> None:
    assert never_ends(["watch", "-n", "5", "x"]) and never_ends(["tail", "-f", "log"])
    assert never_ends(["kubectl", "logs", "-f", "x"]) and not never_ends(["tail", "-n", "5", "log"])
    plan, _text, _ = load("# T\n## Phase 1: Go\n```bash\n# do\n./go\n# watch\nwatch -n 1 ./status\n```\n")
    # never a step that runs (the run would wait forever): a person's step to watch it, after the shell step
    assert [s.kind for s in plan.phases[0].steps] == ["shell", "manual"]
    assert "watch" not in str(plan.phases[0].steps[0]) and "watch -n 1 ./status" in str(plan.phases[0].steps[1])


def test_mojibake_is_repaired_and_the_summary_says_so() -> None:
    doc = "# 🚀 Release\n## ✅ Phase 1: Go\n- [ ] José checks\n".encode().decode("cp1252", errors="replace")
    plan, _, summary = load(doc)
    assert plan.phases[0].steps[0].manual.instruction == "José checks"  # type: ignore[attr-defined]
    assert any("ftfy" in line for line in summary)


def test_intent_steps_backup_restore_migrate_and_exports_are_listed() -> None:
    plan, _, summary = load(
        "# T\n## Phase 1: DB\n```bash\n# dump\npg_dump -h db -U app shop > /tmp/shop.sql\n\n# env\n"
        "export APP_ENV=prod\n\n# migrate\nflask db upgrade\n```\n## Rollback\n```bash\n"
        "psql -h db -U app shop < /tmp/shop.sql\n```\n")
    kinds = [s.kind for s in plan.phases[0].steps]
    assert kinds == ["backup", "migrate"]
    assert plan.rollback.levels[0].steps[0].kind == "restore"
    assert plan.vars["APP_ENV"].value == "prod"
    converted = [line for line in summary if line.startswith("converted:")]
    assert len(converted) >= 4, summary  # backup, export, migrate, restore tied to the backup


def test_ticked_items_do_not_wait(workdir: Path) -> None:
    (workdir / "doc.md").write_text("# T\n## Phase 1: Go\n- [x] notes written\n- [X] ticket approved\n",
                                    encoding="utf-8")
    assert golive("import", "doc.md", "-o", "plan.yaml", cwd=workdir).code == 0
    res = golive("run", "plan.yaml", "--json", cwd=workdir)
    assert res.code == 0, res.out[-1500:] + res.err
    assert res.out.count("already ticked in the document when the plan was written (doc.md:") == 2


def test_dry_run_names_the_step_that_would_fail(workdir: Path) -> None:
    (workdir / "doc.md").write_text("# T\n## Phase 1: Go\n```bash\n# one\necho ok\n# two\nno-such-tool-x --go\n```\n",
                                    encoding="utf-8")
    assert golive("import", "doc.md", "-o", "plan.yaml", cwd=workdir).code == 0
    res = golive("run", "--dry-run", "plan.yaml", cwd=workdir)
    assert res.code != 0
    assert "would fail: `no-such-tool-x` is not a command" in res.out + res.err


def test_lint_flags_sql_that_does_not_parse_and_levels_covering_nothing(workdir: Path) -> None:
    (workdir / "p.yaml").write_text(
        "name: t\nservice: t\nenvironment: prod\nphases:\n  - name: A\n    steps:\n"
        "      - sql: {database: 'postgresql:///x', query: 'WHERE expires_at < now();'}\n"
        "rollback:\n  levels:\n    - level: 1\n      name: L\n      steps:\n        - shell: echo back\n",
        encoding="utf-8")
    res = golive("lint", "p.yaml", "--format", "json", cwd=workdir)
    assert '"GL118"' in res.out and '"GL119"' in res.out, res.out


def test_confirm_a_whole_phase_at_once(workdir: Path) -> None:
    """An imported checklist gone through on paper: `golive confirm RUN --phase 1` confirms every open item,
    the waiting one and those the run has not reached yet; the ticked one was never asked."""
    (workdir / "doc.md").write_text("# T\n## Phase 1: Checks\n- [x] ticket approved\n- [ ] support told\n"
                                    "- [ ] dashboards open\n- [ ] on-call paged\n", encoding="utf-8")
    assert golive("import", "doc.md", "-o", "plan.yaml", cwd=workdir).code == 0
    first = golive("run", "plan.yaml", "--json", cwd=workdir)
    run_id = next(json.loads(line)["run"] for line in first.out.splitlines() if line.startswith("{"))
    assert first.code != 0 and "step.waiting" in first.out  # waits at 1.2
    res = golive("confirm", run_id, "--phase", "1", "--by", "maria", cwd=workdir)
    assert res.code == 0 and "3 item(s) confirmed by maria: 1.2, 1.3, 1.4" in res.out, res.out + res.err
    done = golive("resume", run_id, "--json", cwd=workdir)
    assert done.code == 0, done.out[-1500:] + done.err
    assert done.out.count('"type": "step.waiting"') == 0  # nothing asked again
    again = golive("confirm", run_id, "--phase", "1", "--by", "maria", cwd=workdir)
    assert again.code != 0 and "already ended" in again.err


def test_an_unseen_style_bold_steps_prose_window_and_if_it_breaks() -> None:
    plan, _, _ = load(
        "# Hotfix\n\nScheduled for 2025-09-03 between 06:00 and 06:30 UTC.\n\n### Steps\n\n**Step 1 — Freeze**\n"
        "```bash\nkubectl -n pay scale deploy/worker --replicas=0\n```\n\n**Step 2 — Roll out**\n```bash\n"
        "kubectl -n pay set image deploy/gateway gateway=r/gateway:7.2.1\n```\n\n### If something breaks\n"
        "```bash\nkubectl -n pay rollout undo deploy/gateway\n```\nRoll back when 5xx > 2% or p99 > 1500 ms.\n")
    assert [p.name for p in plan.phases] == ["Step 1 — Freeze", "Step 2 — Roll out"]  # bold lines as headings
    assert plan.window is not None and (plan.window.start, plan.window.end) == ("2025-09-03T06:00",
                                                                                "2025-09-03T06:30")
    [level] = plan.rollback.levels  # "If something breaks" is rollback, not a forward phase
    assert level.covers == ["Step 2 — Roll out"]  # both name deploy/gateway
    assert "error_rate > 2%" in (plan.description or "") and "p99 > 1500ms" in (plan.description or "")


def test_prelude_roles_decider_and_checks_stated_in_items() -> None:
    plan, _, _ = load(
        "# R\n\n**Release captain:** @maria.k  \n**Approver (Go/No-Go):** Head of Engineering — Tom Becker\n\n"
        "## 1. Deploy\n```bash\ndocker compose exec app alembic upgrade head\n```\n## 2. Verify\n"
        "- [ ] `curl -fsS https://app.internal/healthz` returns 200\n\n**Go / No-Go?** Tom decides.\n")
    assert plan.approvers == {"Release captain": ["maria.k"], "Approver": ["Tom Becker"]}
    [migrate] = plan.phases[0].steps
    assert migrate.migrate.down == 'docker compose exec app alembic downgrade "$GOLIVE_MIGRATE_TARGET"'  # type: ignore
    [check] = plan.phases[1].steps
    assert check.kind == "http" and check.http.expect.status == [200]  # type: ignore[attr-defined]
    assert plan.phases[1].gate.approvals is not None and plan.phases[1].gate.approvals.role == "Approver"
