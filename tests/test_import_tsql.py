"""SQL Server's T-SQL is never run as golive `sql` steps (PostgreSQL, SQLite), nor cut at its statements."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.model import Plan
from golive.steps.manual import ManualStep


def load(text: str) -> Plan:
    return parse_plan_text(import_markdown(text, "doc.md").yaml_text, "p.yaml")


def kinds(plan: Plan) -> list[str]:
    out = [s.kind for p in plan.phases for s in p.steps]
    if plan.rollback:
        out += [s.kind for lv in plan.rollback.levels for s in lv.steps]
    return out


RESTORE = ("USE master;\nALTER DATABASE [Pay] SET SINGLE_USER WITH ROLLBACK IMMEDIATE;\n"
           "RESTORE DATABASE [Pay] FROM DISK = N'E:\\b\\pay.bak' WITH REPLACE;\nALTER DATABASE [Pay] SET MULTI_USER;\n")


def test_a_tsql_block_is_one_manual_step_showing_it_whole() -> None:
    # the document says nothing of SQL Server: the block's own T-SQL (brackets, N'', USE) says it
    plan = load(f"# Pay\n## Phase 1: Apply\n```sql\nSELECT 1 FROM dbo.Runs;\n```\n## Rollback\n### Level 1: restore\n"
                f"```sql\n{RESTORE}```\n")
    assert "sql" not in kinds(plan)
    assert plan.rollback is not None
    (step,) = plan.rollback.levels[0].steps
    assert isinstance(step, ManualStep)
    assert step.kind == "manual"
    # one step, in one session: `USE master` still holds for the restore
    assert all(line.strip() in step.manual.instruction for line in RESTORE.splitlines())
    (fwd,) = plan.phases[0].steps
    assert isinstance(fwd, ManualStep)
    assert fwd.kind == "manual" and "dbo.Runs" in fwd.manual.instruction


def test_go_batches_and_a_sql_server_document_make_manual_steps() -> None:
    plan = load("# Pay\nRun with sqlcmd on SQL Server.\n## Phase 1: Apply\n```sql\nUPDATE Runs SET done = 1;\nGO\n"
                "SELECT count(*) FROM Runs;\n```\n```sql\nDELETE FROM Runs WHERE done = 0;\n```\n")
    assert kinds(plan) == ["manual", "manual"]
    first = plan.phases[0].steps[0]
    assert isinstance(first, ManualStep) and "GO" in first.manual.instruction


def test_postgresql_sql_is_still_sql_steps() -> None:
    plan = load("# Pay\n## Phase 1: Apply\n```sql\nUPDATE runs SET done = true;\nSELECT arr[1] FROM runs;\n```\n")
    assert kinds(plan) == ["sql", "sql"]


def test_a_section_of_powershell_blocks_is_a_phase() -> None:
    # no "Phase N", no timebox, no checklist: its PowerShell is what makes it a step of the run (dropped, the plan
    # went from the database change straight to verification without deploying the site)
    plan = load("# Pay\n## 1. Database\n- [ ] DBA ready\n## 2. Deploy to WEB01\nOn the server:\n\n```powershell\n"
                "Stop-WebAppPool -Name Pay\nStart-WebAppPool -Name Pay\n```\n## 3. Verify\n- [ ] Pay a test bill\n")
    assert [p.name for p in plan.phases] == ["1. Database", "2. Deploy to WEB01", "3. Verify"]
