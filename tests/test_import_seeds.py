"""The real plans teams wrote (tests/seeds, copied from ../shared/seeds) import, show, dry-run and lint.

Every expected number below was counted by reading the seed document; the comment next to it says where.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, golive
from golive.plan.importer import ImportResult, import_file
from golive.plan.loader import parse_plan_text
from golive.plan.model import Plan

SEEDS = Path(os.environ.get("GOLIVE_SEEDS", REPO / "tests" / "seeds"))


def seed(prefix: str) -> Path:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    assert found, f"seed {prefix}_*.txt not found in {SEEDS} (set GOLIVE_SEEDS to the seeds folder)"
    return found[0]


def kinds(steps: list[Any]) -> Counter[str]:
    return Counter(s.kind for s in steps)


def imported(prefix: str) -> tuple[ImportResult, Plan]:
    result = import_file(seed(prefix))
    return result, parse_plan_text(result.yaml_text, "imported.yaml")


# -- seed 000: Banking Application Loans Feature -------------------------------------------------

def test_seed_000_phases_steps_gates() -> None:
    result, plan = imported("000")
    assert [p.name for p in plan.phases] == [
        "Pre-Deployment Checklist",          # line 12, checkbox items under ### 1.-4.
        "Phase 1: Database Migration",       # line 42 "(30 minutes)"
        "Phase 2: Application Deployment",   # line 78 "(45 minutes)"
        "Phase 3: Smoke Testing",            # line 115 "(30 minutes)"
        "Phase 4: Feature Validation",       # line 140 "(45 minutes)"
        "Phase 5: Monitoring Setup",         # line 161 "(30 minutes)"
        "Phase 6: Final Validation",         # line 180 "(60 minutes)"
    ]
    assert [p.timebox for p in plan.phases] == [None, 1800, 2700, 1800, 2700, 1800, 3600]
    pre, p1, p2, p3, p4, p5, p6 = plan.phases
    # lines 15-19 (5 ticked [x]), 22-26, 29-32, 35-38: 18 checkboxes, 5 already done
    assert kinds(pre.steps) == {"manual": 18}
    assert sum(1 for s in pre.steps if s.manual.done) == 5  # type: ignore[attr-defined]
    # pg_dump (48) -> a verified backup (its `ls -lh backup_*.sql` check at 51 is the backup's own verify);
    # `export FLASK_ENV=production` (57) -> plan var; flask db upgrade (60) -> migrate with its downgrade;
    # the sql block 64-74 has 4 statements (the first spans three lines)
    assert kinds(p1.steps) == {"backup": 1, "migrate": 1, "sql": 4}
    backup, migrate = p1.steps[0].backup, p1.steps[1].migrate  # type: ignore[attr-defined]
    assert backup.verify and backup.database == "postgresql://${DB_USER}@${DB_HOST}/banking_app"
    assert (migrate.up, migrate.revision) == ("flask db upgrade", "flask db current")
    assert p1.steps[1].undo is not None and p1.steps[1].undo.kind == "migrate"  # the downgrade
    assert plan.vars["FLASK_ENV"].value == "production"
    assert p1.steps[2].sql.query.count(";") == 1 and "'transactions')" in p1.steps[2].sql.query  # type: ignore
    # git checkout + git pull (one comment: one step), pip install, pip list (84-91); the exports (97-98) are
    # plan vars; env | grep (101); restart, status (107, 110)
    assert kinds(p2.steps) == {"shell": 6}
    assert plan.vars["SECRET_KEY"].secret and plan.vars["SECRET_KEY"].from_env == "PRODUCTION_SECRET_KEY"
    # bullets 119-121 and 124-129 (9); two curl lines 134-135 -> http
    assert kinds(p3.steps) == {"manual": 9, "http": 2}
    assert kinds(p4.steps) == {"manual": 10}  # bullets 144-146, 149-152, 155-157
    assert kinds(p5.steps) == {"manual": 10}  # bullets 165-167, 170-173, 176-178
    assert kinds(p6.steps) == {"manual": 10}  # bullets 184-187, 190-192, 195-197
    # "Go/No-Go Decision Point" at 76, 113, 138, 159 and "Final Go/No-Go Decision" at 199; none in phase 5
    assert [p.gate.description for p in plan.phases] == [
        None, "Database schema successfully deployed", "Application successfully deployed and running",
        "All smoke tests passing", "All validations passing", None, "Production deployment successful"]
    totals = kinds([s for p in plan.phases for s in p.steps])
    assert totals == {"manual": 57, "shell": 6, "sql": 4, "http": 2, "backup": 1, "migrate": 1}
    assert "000_9893983f184c3fcd.txt:48" in result.yaml_text  # the source line of the pg_dump step
    # the five [x] items (15-19) are recorded as done, citing their line: the run does not wait for them
    ticked = [s.manual for s in pre.steps if s.manual.done]  # type: ignore[attr-defined]
    assert [t.ticked_at for t in ticked] == [f"000_9893983f184c3fcd.txt:{n}" for n in range(15, 20)]


def test_seed_000_window_rollback_criteria_people() -> None:
    _, plan = imported("000")
    # lines 7-10: November 7, 2025, 2:00 AM - 6:00 AM EST, rollback until 8:00 AM EST
    assert plan.window is not None
    assert (plan.window.start, plan.window.end, plan.window.timezone, plan.window.rollback_until) == (
        "2025-11-07T02:00", "2025-11-07T06:00", "America/New_York", "2025-11-07T08:00")
    levels = plan.rollback.levels
    # ### Level 1/2/3 at lines 223, 234, 248
    assert [(lv.level, lv.name) for lv in levels] == [
        (1, "Configuration Rollback"), (2, "Application Rollback"), (3, "Database Rollback")]
    # level 1 is one script (its `export SECRET_KEY` must reach the restart); 2: three commented parts;
    # 3: stop, restore of this run's backup (256), checkout, start
    assert [len(lv.steps) for lv in levels] == [1, 3, 4]
    assert levels[2].steps[1].kind == "restore"
    assert levels[2].steps[1].restore.database == "postgresql://${DB_USER}@${DB_HOST}/banking_app"  # type: ignore
    assert [lv.restores_data for lv in levels] == [False, False, True]  # level 3 restores from backup (256)
    # what each level undoes: config and code (phase 2); the data level only the migration (phase 1)
    assert [lv.covers for lv in levels] == [["Phase 2: Application Deployment"]] * 2 + [
        ["Phase 1: Database Migration"]]
    # `<previous_release_tag>` (237, 259) is a placeholder var, not a redirection
    assert "${PREVIOUS_RELEASE_TAG}" in levels[1].steps[0].shell.command  # type: ignore[attr-defined]
    assert len(plan.success_criteria) == 5  # lines 267-271
    # ### Deployment Team (288-292): one person named, the rest TBD
    assert plan.approvers == {"Development Lead": ["kavyashri-as"], "Database Administrator": [],
                              "DevOps Engineer": [], "QA Lead": []}
    # ### Escalation Contacts (294-297): three levels, no people or channels
    assert plan.contacts is not None
    assert [(e.level, e.name) for e in plan.contacts.escalation] == [
        (1, "Development Team"), (2, "Technical Lead"), (3, "Engineering Manager")]
    # ## Overview (4) is the description; ### Application Version (312-314): 1.0.0 -> 1.1.0 (not the schema's 2.0.0)
    assert plan.description == "This document outlines the deployment plan for the Banking Application Loans feature."
    assert plan.version is not None and (plan.version.from_, plan.version.to) == ("1.0.0", "1.1.0")
    # exported secrets (97-98) come from the variables the document reads; the rollback's own (228) too
    assert {n: v.from_env for n, v in plan.vars.items() if v.secret} == {
        "SECRET_KEY": "PRODUCTION_SECRET_KEY", "DATABASE_URL": "PRODUCTION_DATABASE_URL",
        "PREVIOUS_SECRET_KEY": "PREVIOUS_SECRET_KEY"}


def test_seed_000_env() -> None:
    """The appendix's Required Environment Variables (302-306) are declared: FLASK_ENV with its value; the two
    secrets stay read from the variables the document exports them from, their values never copied."""
    result, plan = imported("000")
    assert plan.vars["FLASK_ENV"].value == "production"
    assert plan.vars["SECRET_KEY"].from_env == "PRODUCTION_SECRET_KEY"
    assert "user:pass@host" not in result.yaml_text and "<production_secret_key>" not in result.yaml_text


def test_seed_000_summary_names_what_was_not_placed() -> None:
    result, _ = imported("000")
    where = {u.line: u.what for u in result.unplaced}
    assert any("Within 1 month" in w for w in where.values())   # ### Long-term (line 215): follow-up work
    assert any("High Risk Items" in w for w in where.values())  # ## Risk Assessment (line 275)
    assert 302 not in where  # the Required Environment Variables fence (line 302): plan vars (test_seed_000_env)
    assert 309 in where  # ### Database Schema Version: not the version being deployed
    assert 4 not in where and 313 not in where  # Overview and Application Version were placed


# -- seed 001: Cooperative Loan Management System -------------------------------------------------

def test_seed_001() -> None:
    result, plan = imported("001")
    assert [p.name for p in plan.phases] == [
        "Pre-Deployment Checklist",         # line 3, ### 1.-10. checklists
        "Step 1: Database Deployment",      # line 97
        "Step 2: Application Deployment",   # line 109
        "Step 3: Verify Deployment",        # line 121
        "Step 4: Smoke Tests",              # line 133
        "Step 5: Background Jobs",          # line 144
        "Post-Deployment Checklist: Immediate (Day 1)",  # line 157: the checks right after the change
    ]
    pre, s1, s2, s3, s4, s5, day1 = plan.phases
    assert kinds(pre.steps) == {"manual": 68}  # 7+7+8+8+6+8+7+6+6+5 checkboxes (lines 6-91)
    # dotnet ef -> migrate (100), the SELECT written in the bash block -> sql (103), seed (106)
    assert kinds(s1.steps) == {"migrate": 1, "shell": 1, "sql": 1}
    assert kinds(s2.steps) == {"shell": 3}  # docker build, docker push, kubectl apply (112-118)
    # kubectl get pods/services; `kubectl logs -f` (130) never ends: a person watches it, it never runs as a step
    assert kinds(s3.steps) == {"shell": 2, "manual": 1}
    assert "kubectl logs -f" in s3.steps[2].manual.instruction  # type: ignore[attr-defined]
    assert kinds(s4.steps) == {"http": 2}   # two curl calls, the second continued over 3 lines (136-141)
    post = s4.steps[1].http  # type: ignore[attr-defined]
    assert (post.method, post.json_body["principal"]) == ("POST", 500000)
    assert kinds(s5.steps) == {"manual": 3}  # a bare URL (147) and two comments with no command (149-150)
    assert kinds(day1.steps) == {"manual": 7}
    assert all(p.gate.description is None for p in plan.phases)  # the document has no Go/No-Go points
    assert all(p.timebox is None for p in plan.phases)  # and no durations
    assert plan.window is None  # "Maintenance Windows" (278) are recurring maintenance, not this deployment
    assert plan.version is None  # "**Version**: 1.0" (361) is the document's version
    levels = plan.rollback.levels
    # 193, 205; and the section's own procedure (189-191: stop deployments, assess, roll back if critical), which
    # no reader made steps of, shown to a person as written rather than dropped (importer/rollback_net.py)
    assert [(lv.level, lv.name) for lv in levels] == [(1, "Rollback Steps"), (2, "Database Rollback"),
                                                      (3, "Rollback Plan (as written)")]
    assert [dict(kinds(lv.steps)) for lv in levels] == [{"shell": 2, "http": 1}, {"shell": 1, "manual": 2},
                                                        {"manual": 1}]
    assert "Assess severity" in levels[2].steps[0].manual.instruction  # type: ignore[attr-defined]
    assert [lv.covers for lv in levels[:2]] == [["Step 2: Application Deployment"], ["Step 1: Database Deployment"]]
    assert len(plan.success_criteria) == 12  # 6 + 6 "✅" lines (243-256)
    assert set(plan.approvers) == {"DevOps Team", "Database Admin", "Security Team", "Product Owner",
                                   "Business Analyst", "Training Team"}  # lines 219-226
    assert plan.approvers["Database Admin"] == ["dba@yourdomain.com"]
    assert "Cooperative Loan Management System" in plan.name and "ðŸ" not in plan.name  # mojibake repaired
    assert any("Contact Escalation" in u.what for u in result.unplaced)  # line 270: not under a contacts heading


# -- seed 003: SmartWallet production deployment checklist ----------------------------------------

def test_seed_003() -> None:
    result, plan = imported("003")
    assert [p.name for p in plan.phases] == [
        "Pre-Deployment (24 Hours Before)",             # line 5
        "Deployment Day (2 Hours Before)",              # line 83
        "Phase 1: Database Migration (if required)",    # line 111
        "Phase 2: Backend Deployment",                  # line 121
        "Phase 3: Frontend Deployment",                 # line 131
        "Phase 4: Traffic Migration",                   # line 141
        "Phase 5: Verification",                        # line 155
        "Post-Deployment (First Hour)",                 # line 175 (First 24 Hours / First Week are follow-ups)
    ]
    # checkboxes: 6+8+5+6+8+7+6+5+5; 6+6+4; 6; 6; 6; phase 4: the 4 "Route N% of traffic" and 3 "Monitor for
    # 10 minutes" items (142-151) are one canary, the 3 checks nested under line 143 stay manual; 14; 7+4+4
    assert [len(p.steps) for p in plan.phases] == [56, 16, 6, 6, 6, 4, 14, 15]
    assert kinds([s for p in plan.phases for s in p.steps]) == {"manual": 122, "canary": 1}
    # "Time Estimate: 10-15 / 10-15 / 5-10 / 40-50 / 15-20 minutes": the upper bound
    assert [p.timebox for p in plan.phases] == [None, None, 900, 900, 600, 3000, 1200, None]
    assert all(p.gate.description is None for p in plan.phases)
    # "Day: Tuesday (mid-week, not Monday or Friday)", "Time: 10:00 AM EST", "Duration: 2 hours" (348-350): no
    # date, a weekday: the window opens on Tuesdays only (never a daily one, open any day; session 9)
    assert plan.window is not None
    assert (plan.window.start, plan.window.end, plan.window.timezone, plan.window.days) == (
        "10:00", "12:00", "America/New_York", ["tue"])
    assert not any("times with no date" in u.reason for u in result.unplaced)
    # ## Rollback Procedure (276): one level, 5 numbered groups of 4 checkboxes
    assert [(lv.level, lv.name, len(lv.steps)) for lv in plan.rollback.levels] == [(1, "Rollback Procedure", 20)]
    assert len(plan.success_criteria) == 8  # lines 316-323
    assert plan.version is None  # "**Version**: 2.0.0" (396) is the checklist's own version
    assert plan.description == ("This checklist ensures a safe and successful production deployment of SmartWallet"
                                " enhancements.")  # line 3
    # On-Call Team (330-335) and the sign-off (379-385) name roles, no people
    assert set(plan.approvers) == {"Primary", "Secondary", "Database Admin", "DevOps Lead", "Engineering Manager",
                                   "CTO", "QA Lead", "Deployment Lead"}
    # its steps are all manual: nothing names one phase more than another, so it covers every phase (and says so)
    assert plan.rollback.levels[0].covers == [p.name for p in plan.phases]


def test_seed_003_traffic_migration_is_a_canary() -> None:
    result, plan = imported("003")
    traffic = plan.phases[5]
    assert kinds(traffic.steps) == {"canary": 1, "manual": 3}
    canary = traffic.steps[0].canary  # type: ignore[attr-defined]
    # "Route 10% / 25% / 50% / 100% of traffic" (142, 147, 149, 151), each below 100% followed by
    # "Monitor for 10 minutes" (143, 148, 150); nothing to hold at 100%
    assert [(s.weight, s.hold) for s in canary.stages] == [(10, 600), (25, 600), (50, 600), (100, 0)]
    # ## Rollback Criteria (250): "Error rate exceeds 1%" (255), "API response time exceeds 2s (p95)" (263);
    # "Page load time exceeds 5s" (264) is not an API latency
    a = canary.analysis
    assert (a.max_error_rate, a.max_p95, a.max_p99) == (0.01, 2.0, None)
    # the document names no router or pools: placeholders, not a runnable target
    assert (canary.router.type, canary.router.admin) == ("builtin", "${ROUTER_ADMIN}")
    assert (canary.stable, canary.canary) == ("${STABLE_POOL}", "${CANARY_POOL}")
    for name in ("ROUTER_ADMIN", "STABLE_POOL", "CANARY_POOL"):
        var = plan.vars[name]
        assert (var.from_env, var.secret, var.value) == (name, False, None)
        assert var.description is not None and var.description.startswith("fill in: ")
    # the checks nested under "Monitor for 10 minutes" (144-146) follow the canary, named for where they were
    assert [s.manual.instruction for s in traffic.steps[1:]] == [  # type: ignore[attr-defined]
        "Error rate < 0.1%", "Response time < 500ms", "No critical errors"]
    assert all("line 143" in (s.name or "") for s in traffic.steps[1:])
    # source lines: the step, each stage (move and hold), each limit
    lines = result.yaml_text.splitlines()
    src = seed("003").name
    assert lines[next(i for i, t in enumerate(lines) if "name: 'Canary:" in t)].endswith(f"# {src}:142")
    assert any(t.strip().startswith("- {weight: 25, hold: 10m}") and t.endswith(f"{src}:147,148") for t in lines)
    assert any(t.strip().startswith("max_p95: 2s") and t.endswith(f"{src}:263") for t in lines)
    summary = "\n".join(result.summary)
    assert "canary (line 142) in 'Phase 4: Traffic Migration'" in summary
    assert "10% for 10m -> 25% for 10m -> 50% for 10m -> 100%" in summary
    assert "error_rate > 1% (line 255), p95 > 2s (line 263)" in summary
    assert "placeholders to fill in: ROUTER_ADMIN, STABLE_POOL, CANARY_POOL" in summary
    unplaced = " | ".join(u.what for u in result.unplaced)
    assert not any(u.what.startswith(("traffic", "threshold")) for u in result.unplaced)  # both placed now
    assert "Rollback Criteria" in unplaced  # the free-text conditions still go to a person


# -- the real CLI ----------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["000", "001", "003"])
def test_imported_seed_shows_and_dry_runs(prefix: str, workdir: Path) -> None:
    res = golive("import", str(seed(prefix)), "-o", "plan.yaml", cwd=workdir)
    assert res.code == 0, res.err
    assert "not placed" in res.out and "phase 1" in res.out
    show = golive("plan", "show", "plan.yaml", cwd=workdir)
    assert show.code == 0, show.err
    dry = golive("run", "--dry-run", "--json", "plan.yaml", cwd=workdir)
    events = [json.loads(line) for line in dry.out.splitlines() if line.startswith("{")]
    would_fail = [e["payload"] for e in events if e["type"] == "step.finished"
                  and str(e["payload"].get("message", "")).startswith("would fail:")]
    if dry.code == 0:
        assert events and events[-1]["type"] == "run.finished", events[-1:]
        assert not would_fail
    else:
        # the dry run checks each shell step (bash parse, `command -v`): it names a program this machine lacks
        assert would_fail, dry.err + dry.out[-2000:]
        for found in would_fail:
            prog = re.search(r"`([^`]+)` is not a command", found["message"])
            assert prog and shutil.which(prog.group(1)) is None, found


LINT_EXPECT = {
    # seed 000 prints SECRET_KEY and DATABASE_URL at line 101: `env | grep -E "(SECRET_KEY|DATABASE_URL)"`;
    # phase 5 has no Go/No-Go; `git checkout <previous_release_tag>` and backup_YYYYMMDD are placeholders
    "000": (1, {"GL106", "GL104", "GL110", "GL113", "GL115"}),
    # seed 001 migrates (line 15 checklist, line 100 dotnet ef) with no backup before (`kubectl logs -f` is left out);
    # no phase has a Go/No-Go; no window; your-registry / yourdomain placeholders
    "001": (1, {"GL102", "GL104", "GL114", "GL110", "GL115"}),
    # seed 003: no Go/No-Go anywhere, roles without people; a backup is created (113) before migrating (114);
    # the imported canary's router and pools are declared vars read from the environment (no GL116)
    "003": (0, {"GL104", "GL113", "GL115"}),
}


@pytest.mark.parametrize("prefix", sorted(LINT_EXPECT))
def test_lint_reports_seed_weaknesses(prefix: str, workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(import_file(seed(prefix)).yaml_text, encoding="utf-8")
    code, rules = LINT_EXPECT[prefix]
    res = golive("lint", "plan.yaml", "--format", "json", cwd=workdir)
    assert res.code == code, res.out + res.err
    found = {f["rule"] for f in json.loads(res.out)["findings"]}
    assert rules <= found, found
    if prefix == "000":
        printed = [f for f in json.loads(res.out)["findings"] if f["rule"] == "GL106"]
        assert len(printed) == 1 and "SECRET_KEY" in printed[0]["message"]
    if prefix == "003":
        assert "GL102" not in found and "GL116" not in found
    # none of the seeds has a change record (ticket, reason, security impact, testing evidence): PCI-DSS 6.5.1
    gaps = " ".join(f["message"] for f in json.loads(res.out)["findings"] if f["rule"] == "GL115")
    assert "Documentation of security impact" in gaps and "Testing to verify" in gaps
