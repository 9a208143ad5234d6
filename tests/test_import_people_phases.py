"""Issue 14, the importer's people, phases and command items: wordings a runbook it has never seen uses.

Each test feeds a small document written for it (in no runbook's words) and checks where its items land:
roles written inline, ladders with arrows, phases in HTML exports and numbered or emoji headings with their
timebox, PowerShell run by PowerShell, items and table rows that are plainly commands, and results stated
next to a command checked by the step."""

from __future__ import annotations

import re
from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.importer.items import code_command, stated_result
from golive.plan.importer.roles import looks_like_person
from golive.plan.md_blocks import parse_blocks
from importforms import plan_of

RUN = "\n## Phase 1: Ship (10 minutes)\n\n```bash\n./ship --now\n```\n"


def steps(plan: dict[str, Any], phase: int = 0) -> list[dict[str, Any]]:
    return list(plan["phases"][phase]["steps"])


# -- people ---------------------------------------------------------------------------------------------------

def test_roles_written_inline_in_every_separator_form() -> None:
    plan = plan_of("# Rel\n\nLead engineer: Ana Lima · **QA:** @eli.r | Deployer: Bo Chen. Primary DBA: **Kim Ode**.\n"
                   "Owner: Storage Reliability (SRE). Owner team: Payments\n" + RUN)
    assert plan["approvers"] == {"Lead engineer": ["Ana Lima"], "QA": ["eli.r"], "Deployer": ["Bo Chen"],
                                 "Primary DBA": ["Kim Ode"]}  # a team or a team key is nobody's role


def test_a_title_after_the_name_is_not_a_second_person_and_decides_gates() -> None:
    plan = plan_of("# Rel\n\nApprover (Go/No-Go): Claire Dubois, Head of Platform.\n" + RUN +
                   "\nGo/No-Go: the approver decides.\n")
    assert plan["approvers"] == {"Approver": ["Claire Dubois"]}
    assert plan["phases"][0]["gate"]["approvals"]["role"] == "Approver"


def test_primary_and_backup_marks_are_an_escalation_order() -> None:
    plan = plan_of("# Rel\n\noncall owner: @kwa (primary), @len (backup)\n" + RUN)
    assert plan["approvers"] == {"oncall owner": ["kwa", "len"]}
    assert [(e["level"], e["people"]) for e in plan["contacts"]["escalation"]] == [(1, ["kwa"]), (2, ["len"])]


def test_a_written_ladder_replaces_the_order_of_primary_and_backup_marks() -> None:
    plan = plan_of("# Rel\n\nOn call: @kwa (primary), @len (backup)\n" + RUN +
                   "\n## Notes\n\nEscalation: Ann Lee (EM) -> Raj Rao (Director)\n")
    assert [(e["level"], e["people"]) for e in plan["contacts"]["escalation"]] == [(1, ["Ann Lee"]), (2, ["Raj Rao"])]


def test_an_arrow_ladder_reads_name_role_and_role_name_and_handles_of_a_people_table() -> None:
    plan = plan_of("# Rel\n\n## Team\n\n| Role | Who | Chat |\n|---|---|---|\n| SRE on duty | Chen Wei | @cw |\n\n"
                   "Escalate if it breaks: @cw → Team lead (Rosa Park) → Paulo Mendes (Head of Payments)\n" + RUN)
    ladder = [(e["name"], e["people"]) for e in plan["contacts"]["escalation"]]
    assert ladder == [("SRE on duty", ["Chen Wei"]), ("Team lead", ["Rosa Park"]),
                      ("Head of Payments", ["Paulo Mendes"])]


def test_a_ladder_at_the_end_of_a_criteria_section_is_people_not_a_criterion() -> None:
    plan = plan_of("# Rel\n" + RUN + "\n## Done when\n\n- p95 under 300 ms\n\n"
                   "Contacts: the on-call rotation, escalation: Ann Lee (EM) → Raj Rao (Director)\n")
    assert plan["success_criteria"] == ["p95 under 300 ms"]
    assert [(e["name"], e["people"]) for e in plan["contacts"]["escalation"]] == [("EM", ["Ann Lee"]),
                                                                                  ("Director", ["Raj Rao"])]


def test_service_levels_and_sign_off_conditions_never_become_roles() -> None:
    plan = plan_of("# Rel\n\nResponse: 15 minutes. Resolution: < 4 hours (fix, redeploy)\n\n## Sign-off\n\n"
                   "| Function | Signed by |\n|---|---|\n| Security review | Ida Berg |\n\n"
                   "- [ ] Error budget burn under 5%\n" + RUN)
    assert plan["approvers"] == {"Security review": ["Ida Berg"]}
    assert plan["success_criteria"] == ["Error budget burn under 5%"]


@pytest.mark.parametrize(("text", "person"), [("Tom Okafor", True), ("@priya.n", True), ("maria dos Santos", False),
                                              ("Maria dos Santos", True), ("Platform Engineering", False),
                                              ("Discovery on-call", False), ("Head of Platform", False),
                                              ("2026-02-21", False)])
def test_who_is_a_person(text: str, person: bool) -> None:
    assert looks_like_person(text) is person


# -- phases ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("heading", "name", "minutes"), [
    ("## 1. Deploy (10 min)", "1. Deploy", 10), ("## Step 2 — Migrate [15m]", "Step 2 — Migrate", 15),
    ("## 🛠️ Build — 20 minutes", "Build", 20),
    ("## 3. Verify (T+25 → T+55)", "3. Verify", 30),
    ("## Pre-checks (T-30min -> T-0)", "Pre-checks", 30), ("## 1️⃣ Stage [1h]", "1 Stage", 60),
    ("## Stufe 2: Umstellen (1 Std.)", "Stufe 2: Umstellen", 60), ("## Fase 3: Verificar (15 minutos)",
                                                                  "Fase 3: Verificar", 15)])
def test_a_heading_with_a_timebox_is_a_phase_with_that_timebox(heading: str, name: str, minutes: int) -> None:
    plan = plan_of(f"# Rel\n\n{heading}\n\n```bash\n./go\n```\n")
    from golive.units import parse_duration

    assert plan["phases"][0]["name"] == name
    assert parse_duration(plan["phases"][0]["timebox"]) == minutes * 60


def test_numbered_sub_sections_are_phases_and_sub_step_paragraphs_steps() -> None:
    plan = plan_of("# CR\n\n## 7. Implementation\n\n### 7.1 Prepare (02:00-02:20)\n\n1.1 Tell the desk.\n\n"
                   "1.2 Take the dump:\n\n    ./dump.sh\n\n### 7.2 Upgrade (02:20-03:20)\n\n```bash\n./up\n```\n")
    assert [(p["name"], p["timebox"]) for p in plan["phases"]] == [("7.1 Prepare", "20m"), ("7.2 Upgrade", "1h")]
    assert steps(plan) == [{"manual": {"instruction": "Tell the desk."}}, {"name": "Take the dump",
                                                                          "shell": "./dump.sh", "timeout": "20m"}]


def test_an_html_export_gives_headings_tables_and_text() -> None:
    blocks = parse_blocks("<h2>People</h2>\n<table><tr><th>Role</th><th>Name</th></tr>\n"
                          "<tr><td>DBA</td><td>Ana &amp; Bo</td></tr></table>\n\n"
                          "<div>Info: a <code>cmd x</code></div>\n")
    assert [(b.kind, b.text, b.line) for b in blocks] == [
        ("heading", "People", 1), ("table", "Role | Name\nDBA | Ana & Bo", 2), ("para", "Info: a cmd x", 5)]
    assert blocks[1].row_lines == [2, 3] and blocks[2].raw == "Info: a `cmd x`"


def test_a_procedure_table_runs_its_command_rows_and_checks_the_stated_result() -> None:
    plan = plan_of("# Rel\n\n## Phase 1: Switch (5 minutes)\n\n<table>\n<tr><th>#</th><th>Action</th>"
                   "<th>Expected</th></tr>\n<tr><td>1</td><td>Swap: <code>svc alias swap live next</code></td><td></td>"
                   "</tr>\n<tr><td>2</td><td><code>curl -s https://x.test/ping</code></td><td>HTTP 200, \"pong\"</td>"
                   "</tr>\n<tr><td>3</td><td>Ask finance to confirm</td><td>file present</td></tr>\n</table>\n")
    assert steps(plan) == [
        {"name": "Swap", "shell": "svc alias swap live next"},
        {"name": "check https://x.test/ping", "http": {"url": "https://x.test/ping",
                                                        "expect": {"status": [200], "body_contains": "pong"}},
         "read_only": True},  # a GET only reads
        {"manual": {"instruction": "Ask finance to confirm (expected: file present)"}}]


# -- PowerShell -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tag", ["powershell", "ps1", "pwsh", ""])
def test_powershell_is_one_step_powershell_runs(tag: str) -> None:
    script = '$d = "D:\\backup"\nStop-WebAppPool -Name "Pool"\nCopy-Item -Path "D:\\site" -Destination $d -Recurse'
    plan = plan_of(f"# Rel\n\n## Phase 1: Ship (10 minutes)\n\n```{tag}\n{script}\n```\n")
    assert steps(plan) == [{"shell": {"command": script + "\n", "shell": "pwsh", "options": []}}]


def test_a_bash_block_beside_powershell_stays_bash() -> None:
    plan = plan_of("# Rel\n\n## Phase 1: Ship (10 minutes)\n\n```\nsudo systemctl reload nginx\n```\n")
    assert steps(plan) == [{"shell": "sudo systemctl reload nginx"}]


def test_dry_run_and_lint_do_not_read_powershell_as_bash() -> None:
    from golive.plan.shellcheck import shell_problems

    script = 'if ($x -eq 1) { Write-Host "one" }'
    assert shell_problems(script, {"PATH": "/usr/bin:/bin"}, "/bin/bash")  # bash would refuse it
    assert shell_problems(script, {"PATH": "/usr/bin:/bin"}, "pwsh-not-here") == [
        "`pwsh-not-here` is not a command here (the interpreter this step runs under)"]
    assert shell_problems(script, {"PATH": "/usr/bin:/bin"}, "/bin/sh -c") != []
    assert shell_problems("anything at all (", {"PATH": "/usr/bin:/bin"}, "cat") == []  # /usr/bin/cat is there


def test_lint_leaves_powershell_alone() -> None:
    from golive.plan.lint import lint_plan
    from golive.plan.loader import parse_plan_text

    text = import_markdown("# Rel\n\n## Phase 1: Ship (10 minutes)\n\n```ps1\nif ($x) { Restart-Service a }\n```\n",
                           "doc.md").yaml_text
    codes = [f.rule for f in lint_plan(parse_plan_text(text, "p.yaml"), text, "p.yaml")]
    assert "GL120" not in codes


# -- command items and stated results -------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "command"), [
    ("`systemctl restart api`", "systemctl restart api"), ("pause consumers: `kubectl scale d/w --replicas=0`",
                                                            "kubectl scale d/w --replicas=0"),
    ("Run `tilesctl purge --zoom 0-6`", "tilesctl purge --zoom 0-6"), ("Run the job `smoke-prod`", None),
    ("Tag: `v4.2.0`", None), ("Check `a b` or `c d`", None), ("The `hrportal` backup completed", None),
    ("Note that `kubectl get pods` is slow", None), ("Deploy with `./deploy.sh v3.0.0`", "./deploy.sh v3.0.0"),
    ("Run `fwctl flash --all` on each node, then wait", None)])
def test_an_item_is_a_command_only_when_plainly_one(raw: str, command: str | None) -> None:
    found = code_command(raw)
    assert (found[1] if found else None) == command


@pytest.mark.parametrize(("text", "result"), [
    ("returns 200", (200, None)), ("-> 0", (None, "0")), ('→ `{"status":"ok"}`', (None, '{"status":"ok"}')),
    ("must print `ok`.", (None, "ok")), ('HTTP 200, "UP"', (200, "UP")), ("Authorised, then voided", (None, None))])
def test_stated_results(text: str, result: tuple[int | None, str | None]) -> None:
    assert stated_result(text) == result


def test_checkbox_commands_run_ticked_ones_stay_done_and_results_are_checked() -> None:
    plan = plan_of("# Rel\n\n## Phase 1: Go (10 minutes)\n\n- [x] `git tag -v r1`\n- [ ] `systemctl restart api`\n"
                   "- [ ] `curl -s https://x.test/v` should return `{\"version\":\"2\"}`\n"
                   "- [ ] no errors: `logs api | grep -c ERROR` -> 0\n- [ ] Watch the board\n")
    got = steps(plan)
    assert got[0]["manual"]["done"] is True and "git tag -v r1" in got[0]["manual"]["instruction"]
    assert got[1] == {"shell": "systemctl restart api"}
    # no status stated: what curl takes for an answer (below 400), the stated body checked
    assert got[2]["http"]["url"] == "https://x.test/v" and got[2]["http"]["expect"]["json"] == {"$.version": "2"}
    assert {200, 204, 302} <= set(got[2]["http"]["expect"]["status"]) and 404 not in got[2]["http"]["expect"]["status"]
    assert got[3] == {"name": "no errors", "shell": {"command": "logs api | grep -c ERROR",
                                                     "expect_output": r"^\s*0\s*$", "expect_exit": [0, 1]}}
    assert got[4] == {"manual": {"instruction": "Watch the board"}}


def test_curl_that_writes_its_body_to_a_file_is_not_made_a_check() -> None:
    plan = plan_of("# Rel\n\n## Phase 1: Go (10 minutes)\n\n- [ ] `curl -s -o out.json https://x.test/v` returns 200\n")
    assert "http" not in steps(plan)[0]


def test_sql_with_its_stated_result_checks_it() -> None:
    plan = plan_of("# Rel\n\n## Phase 1: Check (5 minutes)\n\nThe table must have exactly **3** rows:\n\n```sql\n"
                   "SELECT name FROM styles;\n```\n\nThis must return **0**:\n\n```sql\nSELECT count(*) FROM t;\n```\n")
    assert [s["sql"].get("expect") for s in steps(plan)] == [{"rows": 3}, {"value": 0}]


def test_dry_run_names_a_missing_interpreter_not_a_bash_parse_error(tmp_path: Any) -> None:
    import subprocess
    import sys

    (tmp_path / "plan.yaml").write_text(
        "name: p\nservice: s\nenvironment: production\nphases:\n  - name: Ship\n    steps:\n"
        "      - shell: {command: 'if ($x) { Restart-Service a }', shell: pwsh-not-installed, options: []}\n")
    res = subprocess.run([sys.executable, "-m", "golive", "run", "--dry-run", "plan.yaml"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    out = res.stdout + res.stderr
    assert "`pwsh-not-installed` is not a command here" in out
    assert "does not parse as bash" not in out


def test_a_checkbox_with_its_block_the_block_is_the_step_and_a_ticked_one_does_not_run_again() -> None:
    plan = plan_of("# Rel\n\n## Phase 1: Go (10 minutes)\n\n"
                   "- [ ] Reload the proxy\n  ```bash\n  nginx -s reload\n  ```\n"
                   "- [x] Snapshot taken\n  ```bash\n  snapctl create pre\n  ```\n")
    got = steps(plan)
    assert got[0] == {"name": "Reload the proxy", "shell": "nginx -s reload"}
    assert got[1]["manual"]["done"] is True and "snapctl create pre" in got[1]["manual"]["instruction"]
    assert len(got) == 2


def test_a_steps_table_checks_its_expected_column_and_keeps_rows_without_a_command() -> None:
    plan = plan_of("# Rel\n\n## Phase 1: Verify (10 minutes)\n\n"
                   "| Step | Action | Command | Expected |\n|---|---|---|---|\n"
                   "| 1 | Cache | `redis-cli ping` | PONG |\n| 2 | Count | `SELECT count(*) FROM t` | 0 |\n"
                   "| 3 | Ask support | | results shown |\n")
    got = steps(plan)
    assert got[0]["name"] == "Cache" and got[0]["shell"]["command"] == "redis-cli ping"
    pattern = got[0]["shell"]["expect_output"]
    assert re.search(pattern, "PONG\n", re.M) and not re.search(pattern, "PONGED\n", re.M)
    assert got[0].get("read_only") is True  # `redis-cli ping` only reads
    assert "sql" in got[1] and "shell" not in got[1]  # SQL in a command cell is never made a shell check
    assert got[2] == {"manual": {"instruction": "Ask support (expected: results shown)"}}


def test_criteria_under_the_last_phase_and_then_paragraphs() -> None:
    plan = plan_of("# Rel\n\n## Schritt 1: Prüfen (ca. 10 Min.)\n\n```bash\n./check\n```\n\n"
                   "Then post the result in #ops.\n\n### Success criteria\n\n- error rate under 1%\n")
    assert [(p["name"], p["timebox"]) for p in plan["phases"]] == [("Schritt 1: Prüfen", "10m")]
    assert steps(plan)[1] == {"manual": {"instruction": "Then post the result in #ops."}}
    assert plan["success_criteria"] == ["error rate under 1%"] and len(steps(plan)) == 2


def test_numbered_steps_in_another_language_under_one_section_are_phases() -> None:
    plan = plan_of("# Rel\n\n## Ablauf\n\n### Schritt 1: Vorbereiten\n\n```bash\n./a\n```\n\n"
                   "### Schritt 2: Ausrollen\n\n```bash\n./b\n```\n")
    assert [p["name"] for p in plan["phases"]] == ["Schritt 1: Vorbereiten", "Schritt 2: Ausrollen"]


def test_a_terse_paragraph_of_a_command_then_an_instruction_is_two_steps() -> None:
    plan = plan_of("# Rel\n" + RUN + "\n## Rollback\n\nundo: `kubectl rollout undo deploy/w`\n"
                   "then check the queue again.\n")
    level = plan["rollback"]["levels"][0]["steps"]
    assert level == [{"name": "undo", "shell": "kubectl rollout undo deploy/w"},
                     {"manual": {"instruction": "then check the queue again."}}]


def test_a_prose_paragraph_with_a_code_word_is_no_command() -> None:
    plan = plan_of("# Rel\n" + RUN + "\nThe `ship` tool is idempotent: run it again if it fails.\n")
    assert steps(plan) == [{"shell": "./ship --now"}]


def test_a_table_with_a_phase_column_is_a_phase_per_value() -> None:
    plan = plan_of("# Rel\n\n## Procedure\n\n| Phase | Action | Command | Expected |\n|---|---|---|---|\n"
                   "| Prepare (10 min) | Pause | `expctl pause now` | |\n| | Tell finance | | |\n"
                   "| Switch | Health | `curl -fsS https://x.test/h` | 200 |\n")
    assert [(p["name"], p.get("timebox"), len(p["steps"])) for p in plan["phases"]] == [
        ("Prepare", "10m", 2), ("Switch", None, 1)]
    assert steps(plan, 1)[0]["http"]["expect"] == {"status": [200]}


def test_a_notion_mention_is_the_person() -> None:
    plan = plan_of("# Rel\n\nOwner: @Ana Lima\n" + RUN)
    assert plan["approvers"] == {"Owner": ["Ana Lima"]}


def test_a_rollback_inside_a_phase_is_rollback_and_a_readiness_list_stays_a_check() -> None:
    plan = plan_of("# Rel\n\n## Pre-flight\n\n- [ ] CI green\n\n"
                   "### Rollback plan\n\n- [ ] Rollback tested on staging\n\n"
                   "## Deploy (15 min)\n\n```bash\n./ship\n```\n\n<details>\n<summary>Rollback</summary>\n\n"
                   "```bash\n./ship --undo\n```\n\n</details>\n")
    assert [s["manual"]["instruction"] for s in steps(plan, 0)] == ["CI green", "Rollback tested on staging"]
    assert steps(plan, 1) == [{"shell": "./ship", "timeout": "15m"}]  # the phase's timebox (step_time.py)
    assert plan["rollback"]["levels"][0]["steps"] == [{"shell": "./ship --undo"}]


def test_a_plain_role_line_under_an_owners_heading() -> None:
    plan = plan_of("# Rel\n" + RUN + "\n## Owners\n\nService owner: @Dana Whitfield\nPager: the ops rotation\n")
    assert plan["approvers"] == {"Service owner": ["Dana Whitfield"]}


def test_a_numbered_list_whose_items_carry_timeboxes_is_a_phase_per_item() -> None:
    plan = plan_of("# Rel\n\n## Procedure\n\n1. Drain (5 min)\n   - [ ] Take web1 out\n"
                   "   ```bash\n   lbctl drain web1\n   ```\n2. Patch (15 min)\n   ```bash\n   ./patch\n   ```\n")
    assert [(p["name"], p["timebox"]) for p in plan["phases"]] == [("Drain", "5m"), ("Patch", "15m")]
    assert steps(plan, 0) == [{"manual": {"instruction": "Take web1 out"}}, {"shell": "lbctl drain web1"}]


def test_a_numbered_list_without_timeboxes_stays_one_phase() -> None:
    plan = plan_of("# Rel\n\n## Procedure\n\n1. Drain\n   ```bash\n   lbctl drain web1\n   ```\n"
                   "2. Patch\n   ```bash\n   ./patch\n   ```\n")
    assert [p["name"] for p in plan["phases"]] == ["Procedure"]


def test_a_ladder_written_with_then() -> None:
    plan = plan_of("# Rel\n" + RUN + "\n## Contacts\n\nEscalation: page the on-call, then the team lead (Sam Ortiz),"
                   " then the EM\n")
    assert [(e["name"], e.get("people", [])) for e in plan["contacts"]["escalation"]] == [
        ("on-call", []), ("team lead", ["Sam Ortiz"]), ("EM", [])]


def test_an_escalation_table_ordered_by_priority() -> None:
    plan = plan_of("# Rel\n" + RUN + "\n## Escalation\n\n| Priority | Contact | Name |\n|---|---|---|\n"
                   "| 1 | On-call | @ana |\n| 2 | Manager | Bo Chen |\n")
    assert [(e["level"], e["name"], e["people"]) for e in plan["contacts"]["escalation"]] == [
        (1, "On-call", ["ana"]), (2, "Manager", ["Bo Chen"])]


def test_sign_off_items_name_who_signs() -> None:
    plan = plan_of("# Rel\n\n## Sign-off\n\n- [x] QA sign-off: Priya Raman (2026-03-01)\n- [ ] Product owner: ______\n"
                   "- [x] Security: @omar.k\n- [ ] Error budget burn under 5%\n" + RUN)
    assert plan["approvers"] == {"QA sign-off": ["Priya Raman"], "Product owner": [], "Security": ["omar.k"]}
    assert plan["success_criteria"] == ["Error budget burn under 5%"]


def test_plain_approval_lines_are_roles_and_service_levels_are_not() -> None:
    plan = plan_of("# Rel\n\n## Approvals\n\n- Change manager: Ingrid Solberg\n- Response: 15 minutes\n\n"
                   "Approved by: **Ana Lima**\n" + RUN)
    assert plan["approvers"] == {"Change manager": ["Ingrid Solberg"], "Approved by": ["Ana Lima"]}


def test_the_horizon_of_follow_up_work_is_no_timebox() -> None:
    plan = plan_of("# Rel\n" + RUN + "\n## Post-deployment monitoring (48 hours)\n\n- [ ] Watch the error budget\n\n"
                   "## Soak (24 h)\n\n- [ ] Compare the dashboards\n")
    assert [(p["name"], p.get("timebox")) for p in plan["phases"]] == [("Phase 1: Ship", "10m"), ("Soak (24 h)", None)]
