"""Runbooks that are not Markdown (a change ticket, an e-mail, a Word export pasted as plain text) are read by their
plain-text structure: "Label:" sections, roman-numeral parts, lettered items, ASCII tables, indented code, and a
command after a colon only when it is plainly one with no condition or warning around it (else a person's step that
shows it). Oracle SQL is always a person's, in SQL*Plus."""

from __future__ import annotations

from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.importer.plain_text import is_plain_text, read_plain_text

TICKET = """\
CHG0077120

Number: CHG0077120
Short description: Billing 7.3 upgrade
Assigned to: Priya Natarajan

Approvals:
+----------------+-------------+----------+
| Approver       | Role        | State    |
+----------------+-------------+----------+
| Tomasz Wojcik  | CAB         | Approved |
+----------------+-------------+----------+

Implementation Plan:

I. PREPARE (10:00 PM - 10:15 PM)
(a) Tell the help desk the billing screens will be down.
(b) Drain the queue: /opt/billing/bin/billctl drain --wait 120
(c) If the queue still holds jobs: sudo systemctl stop billing-worker
(d) Then: ssh into the box and check the logs
(f) Confirm with the shift lead: night shift ready
(g) Afterwards: restart the app with --force on each node
(h) Backup location: /backup/billing /backup/db
(i) Platform: docker swarm
(e) DBA takes the restore point, as SYSDBA:

    CREATE RESTORE POINT before_7_3 GUARANTEE FLASHBACK DATABASE;

II. DEPLOY (10:15 PM - 10:45 PM)
(a) Switch to the service user: sudo su - billadm
(b) Install: /opt/billing/bin/bill-install --package /stage/billing-7.3.tar.gz --yes
(c) Run the schema script:

    cd /opt/billing/db
    sqlplus -s bill_owner@BILLPRD @upgrade_7_3.sql > /tmp/upgrade.log 2>&1
    grep -c ORA- /tmp/upgrade.log

(d) Recompile in SQL*Plus:

    BEGIN
      bill_pkg.recompile_all;
    END;
    /

Backout Plan:
Option A - application only:
  1. Reinstall 7.2: /opt/billing/bin/bill-install --package /stage/billing-7.2.tar.gz --yes

Notes:
Do NOT run billctl purge --all after the upgrade.
"""


def _steps(data: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for phase in data.get("phases", []):
        for step in phase["steps"]:
            out += [(k, v) for k, v in step.items() if k not in ("name",)]
    for level in data.get("rollback", {}).get("levels", []):
        for step in level["steps"]:
            out += [(k, v) for k, v in step.items() if k not in ("name",)]
    return out


def _run(data: Any) -> str:
    """Everything the plan runs (shell and sql steps), one string."""
    return "\n".join(str(v.get("command", v.get("query", v)) if isinstance(v, dict) else v)
                     for k, v in _steps(data) if k in ("shell", "sql"))


def test_a_ticket_in_plain_text_imports_by_its_structure() -> None:
    result = import_markdown(TICKET, "chg.txt")
    data = result.data
    assert [p["name"] for p in data["phases"]] == ["I. PREPARE", "II. DEPLOY"]
    assert [p.get("timebox") for p in data["phases"]] == ["15m", "30m"]
    run = _run(data)
    assert "/opt/billing/bin/billctl drain --wait 120" in run
    # after `sudo su - billadm` the install and the schema script are typed in billadm's shell: a person's steps
    # that say so (golive would run them as its own user), the script whole, its `cd` with it
    manual = "\n".join(str(v.get("instruction")) for k, v in _steps(data) if k == "manual")
    assert "billing-7.3" not in run
    assert "As billadm" in manual
    assert "/opt/billing/bin/bill-install --package /stage/billing-7.3.tar.gz --yes" in manual
    assert "cd /opt/billing/db\nsqlplus -s bill_owner@BILLPRD" in manual and "grep -c ORA- /tmp/upgrade.log" in manual
    assert data["rollback"]["levels"][0]["steps"]
    assert "billing-7.2" in _run(data)  # the backout says no user: a step
    assert any("read as plain text" in s for s in result.summary), result.summary


def test_plain_text_keeps_line_numbers() -> None:
    text = import_markdown(TICKET, "chg.txt").yaml_text
    line = TICKET.split("\n").index("(b) Drain the queue: /opt/billing/bin/billctl drain --wait 120") + 1
    assert f"chg.txt:{line}" in text


@pytest.mark.parametrize("cmd", ["sudo systemctl stop billing-worker", "ssh into the box", "billctl purge --all",
                                 "night shift ready", "restart the app", "/backup/billing",
                                 "docker swarm"])
def test_a_conditional_prose_or_forbidden_command_never_runs(cmd: str) -> None:
    """A condition before the colon, a sentence after it, a "Do NOT run" line: a person's text, never a step."""
    data = import_markdown(TICKET, "chg.txt").data
    assert cmd not in _run(data)


def test_a_user_switch_is_never_a_step_of_its_own() -> None:
    data = import_markdown(TICKET, "chg.txt").data
    assert "sudo su - billadm" not in _run(data)
    assert any(k == "manual" and "sudo su - billadm" in str(v) for k, v in _steps(data))


def test_oracle_sql_is_a_persons_in_sqlplus() -> None:
    """CREATE RESTORE POINT and a PL/SQL block with `/`: golive's sql step speaks PostgreSQL and SQLite."""
    data = import_markdown(TICKET, "chg.txt").data
    assert not [v for k, v in _steps(data) if k == "sql"]
    manual = "\n".join(str(v) for k, v in _steps(data) if k == "manual")
    assert "CREATE RESTORE POINT before_7_3" in manual and "bill_pkg.recompile_all;" in manual
    assert "SQL*Plus" in manual


def test_a_plsql_block_with_its_slash_is_for_sqlplus_even_without_oracle_named() -> None:
    doc = "# R\n## Phase 1: Deploy\n```sql\nBEGIN\n  pkg.rebuild;\nEND;\n/\n```\n"
    data = import_markdown(doc, "doc.md").data
    assert not [v for k, v in _steps(data) if k == "sql"], data
    assert any(k == "manual" and "pkg.rebuild;" in str(v) for k, v in _steps(data))


@pytest.mark.parametrize("db", ["Oracle 19c (SQL*Plus as SYSDBA)", "MySQL 8 (mysqldump nightly)"])
def test_an_expected_query_of_another_database_is_a_persons(db: str) -> None:
    doc = (f"# R\nThe database is {db}.\n\n## Phase 1: Check\n\n- [ ] Waves drained\n\n"
           "Expected: `SELECT count(*) FROM wms_waves` returns 0\n")
    data = import_markdown(doc, "doc.md").data
    assert not [v for k, v in _steps(data) if k == "sql"], data
    assert any(k == "manual" and "SELECT count(*) FROM wms_waves" in str(v) for k, v in _steps(data)), data


EMAIL = """\
Hi all,

below is the plan for tonight. Ping me if anything is unclear.

Steps:
1. Stop the web tier: sudo systemctl stop shop-web
2. Deploy: /srv/shop/bin/deploy --release 2026.12.1
3. Only if the smoke test fails: /srv/shop/bin/deploy --release 2026.11.4
4. Start the web tier: sudo systemctl start shop-web

Rollback plan:
1. Redeploy the old release: /srv/shop/bin/deploy --release 2026.11.4

Thanks,
Mei
"""

JIRA_DE = """\
OPS-4411 Rollout Lagerverwaltung 3.2

Durchführung:
Schritt 1. Dienst stoppen: sudo systemctl stop lager
Schritt 2. Paket installieren: /opt/lager/bin/install --version 3.2.0
Schritt 3. Falls der Index fehlt: /opt/lager/bin/reindex --full
Schritt 4. Dienst starten: sudo systemctl start lager

Rückfallplan:
1. Version 3.1 installieren: /opt/lager/bin/install --version 3.1.4
"""

WORD_FR = """\
Procédure de mise en production - Facturation

Étapes :
Étape 1. Arrêter le service : sudo systemctl stop factu
Étape 2. Ne pas exécuter : /opt/factu/bin/purge --tout
Étape 3. Installer : /opt/factu/bin/installer --version 5.1
"""


@pytest.mark.parametrize(("doc", "runs", "never"), [
    (EMAIL, ["sudo systemctl stop shop-web", "/srv/shop/bin/deploy --release 2026.12.1"], []),
    (JIRA_DE, ["sudo systemctl stop lager", "/opt/lager/bin/install --version 3.2.0", "sudo systemctl start lager"],
     ["/opt/lager/bin/reindex --full"]),
    (WORD_FR, ["sudo systemctl stop factu", "/opt/factu/bin/installer --version 5.1"], ["/opt/factu/bin/purge"]),
], ids=["email", "jira-de", "word-fr"])
def test_plain_text_in_other_forms_and_languages(doc: str, runs: list[str], never: list[str]) -> None:
    result = import_markdown(doc, "doc.txt")
    forward = "\n".join(str(s.get("shell", "")) for p in result.data.get("phases", []) for s in p["steps"])
    for cmd in runs:
        assert cmd in forward, (cmd, result.yaml_text)
    for cmd in never:
        assert cmd not in _run(result.data), (cmd, result.yaml_text)


def test_the_emails_conditional_redeploy_runs_only_in_rollback() -> None:
    data = import_markdown(EMAIL, "mail.txt").data
    forward = "\n".join(str(s.get("shell", "")) for p in data["phases"] for s in p["steps"])
    assert "2026.11.4" not in forward
    assert "2026.11.4" in "\n".join(str(s) for lv in data["rollback"]["levels"] for s in lv["steps"])


def test_the_jira_tickets_rollback_is_a_level() -> None:
    data = import_markdown(JIRA_DE, "ops.txt").data
    assert "3.1.4" in str(data["rollback"]["levels"][0]["steps"])


def test_markdown_is_left_as_written() -> None:
    """A label with a code span, a fence or a table: the document is Markdown; the plain-text reading never
    touches it (and a text with no plain-text structure neither)."""
    md = "Implementation Plan:\n\n1. Stop: `sudo systemctl stop x`\n"
    assert not is_plain_text(md) and read_plain_text(md) is None
    assert not is_plain_text("# Title\n\n## Steps\n\nImplementation Plan:\n1. do it\n")
    assert not is_plain_text("Hello,\nplease deploy tonight.\n")


def test_a_grid_table_becomes_a_table_and_keeps_its_lines() -> None:
    plain = read_plain_text(TICKET)
    assert plain is not None
    out = plain[0].split("\n")
    assert len(out) == len(TICKET.split("\n"))
    row = TICKET.split("\n").index("| Tomasz Wojcik  | CAB         | Approved |")
    assert out[row - 1].replace(" ", "") == "|---|---|---|"
    assert out[row - 2].startswith("| Approver")


@pytest.mark.parametrize("said", ["Result must be 0.", "The output should be 0."])
def test_a_result_stated_on_the_next_line_is_checked(said: str) -> None:
    doc = f"# R\n## Phase 1: Check\n- Waves: `/opt/wms/bin/wmsctl waves --count`\n  {said}\n"
    data = import_markdown(doc, "doc.md").data
    step = data["phases"][0]["steps"][0]
    assert step["shell"]["expect_output"] == r"^\s*0\s*$", step


@pytest.mark.parametrize("title", ["Test Plan", "Validation", "Post-implementation verification", "Plan de pruebas",
                                   "Testplan"])
def test_a_test_plan_section_is_a_phase_of_a_persons_checks(title: str) -> None:
    doc = (f"# R\n## Phase 1: Deploy\n```bash\n./deploy.sh --now\n```\n\n## {title}\n"
           "1. Log in as TESTUSER01. The list loads in under 3 seconds.\n2. Scan pallet 00000999.\n")
    data = import_markdown(doc, "doc.md").data
    assert [p["name"] for p in data["phases"]][-1] == title
    steps = data["phases"][-1]["steps"]
    assert [k for s in steps for k in s if k != "name"] == ["manual", "manual"], steps


def test_the_tickets_approvals_and_assignee_are_people() -> None:
    """"| Approver | Group | State |": the group is the approver's role; "Assigned to: X" in the header a role."""
    data = import_markdown(TICKET, "chg.txt").data
    assert data["approvers"]["CAB"] == ["Tomasz Wojcik"]
    assert data["approvers"]["Assigned to"] == ["Priya Natarajan"]
    assert "Approved" not in str(data["approvers"]) and "State" not in data["approvers"]


def test_a_group_column_names_the_role_in_markdown_too() -> None:
    doc = ("# R\n## Approvals\n| Approver | Group | State |\n|---|---|---|\n| Ana Lima | Change Board | Approved |\n\n"
           "## Phase 1: Deploy\n```bash\n./deploy.sh --now\n```\n")
    assert import_markdown(doc, "doc.md").data["approvers"]["Change Board"] == ["Ana Lima"]


@pytest.mark.parametrize("mark", ["(d) ", "d) ", ""])
def test_a_go_no_go_item_with_its_decider_in_brackets_is_the_gate(mark: str) -> None:
    """"(d) GO/NO-GO checkpoint (Deb Anderson, DBA - Oracle): ...": the phase's gate, decided by that role."""
    doc = ("# R\n\n## Approvals\n| Approver | Group |\n|---|---|\n| Deb Anderson | DBA - Oracle |\n"
           "| Ana Lima | CAB |\n\n## Phase 1: DB\n- (a) Run: `./migrate.sh --now`\n"
           f"- {mark}GO/NO-GO checkpoint (Deb Anderson, DBA - Oracle): schema version is 4.2.0.\n\n"
           "## Phase 2: App\n- Go: `./deploy.sh --now`\n")
    gate = import_markdown(doc, "doc.md").data["phases"][0]["gate"]
    assert gate["description"] == "schema version is 4.2.0."
    assert gate["approvals"]["role"] == "DBA - Oracle"


def test_a_bracket_after_go_no_go_is_read_whole() -> None:
    doc = "# R\n## Phase 1: DB\n```bash\n./migrate.sh --now\n```\n\nGo/No-Go (23:15): schema version is 4.2.0.\n"
    assert import_markdown(doc, "doc.md").data["phases"][0]["gate"]["description"] == "schema version is 4.2.0."


@pytest.mark.parametrize("said", ["As SYSDBA: FLASHBACK DATABASE TO RESTORE POINT before_7_3;",
                                  "In SSMS: RESTORE DATABASE crm FROM DISK = 'x.bak' WITH REPLACE;"])
def test_a_level_whose_person_restores_the_database_restores_data(said: str) -> None:
    doc = (f"# R\n## Phase 1: Deploy\n```bash\n./deploy.sh --now\n```\n\n## Rollback\n### Level 1: full\n"
           f"1. Stop: `sudo systemctl stop app`\n2. {said}\n")
    level = import_markdown(doc, "doc.md").data["rollback"]["levels"][0]
    assert level.get("restores_data") is True, level


def _ticket_window(start: str, end: str, sentence: str) -> Any:
    doc = (f"CHG1\n\nNumber: CHG1\nPlanned start date: {start}\nPlanned end date: {end}\n\nDescription:\n"
           f"Upgrade of the billing system. {sentence}\n\nImplementation Plan:\n\nI. DEPLOY (11:30 PM - 1:30 AM)\n"
           "(a) Install: /opt/billing/bin/bill-install --package /stage/b.tar.gz --yes\n")
    return import_markdown(doc, "chg.txt").data.get("window")


def test_a_tickets_planned_dates_are_the_window_in_the_zone_its_text_gives_those_times() -> None:
    window = _ticket_window("12/18/2026 11:30:00 PM", "12/19/2026 01:30:00 AM",
                            "Outage window Friday 11:30 PM – 1:30 AM CST.")
    assert dict(window) == {"start": "2026-12-18T23:30", "end": "2026-12-19T01:30", "timezone": "America/Chicago"}


def test_a_zone_said_for_other_times_is_not_the_windows() -> None:
    window = _ticket_window("12/18/2026 11:30:00 PM", "12/19/2026 01:30:00 AM",
                            "The freeze runs 09:00 AM - 10:00 AM CET.")
    assert window["timezone"] == "UTC" and window["start"] == "2026-12-18T23:30", window


def test_cst_with_dates_any_country_writes_stays_unset() -> None:
    """"CST" is China's or US Central; an ISO date says neither, so the window is not set (a US date would)."""
    window = _ticket_window("2026-12-18 11:30 PM", "2026-12-19 01:30 AM", "Outage window 11:30 PM – 1:30 AM CST.")
    assert window is None


WORD_EN = """\
Release procedure - Payments API 3.4

Step 1. Put the site in maintenance: /srv/pay/bin/maint --on
Step 2. Deploy: /srv/pay/bin/deploy --version 3.4.0
Step 3. Check:
• Dashboards are green
• /srv/pay/bin/smoke --all passes
"""


def test_a_word_export_with_step_lines_and_bullets() -> None:
    """"Step N." lines are a plain-text procedure even with no section label; "•" bullets are items (a person's
    checks here: the bullet with a command in a sentence is never run)."""
    result = import_markdown(WORD_EN, "word.txt")
    run = _run(result.data)
    assert "/srv/pay/bin/maint --on" in run and "/srv/pay/bin/deploy --version 3.4.0" in run
    assert "smoke" not in run
    manual = [str(v) for k, v in _steps(result.data) if k == "manual"]
    assert any("Dashboards are green" in m and "smoke" not in m for m in manual), result.yaml_text  # a step each
    assert [p["name"] for p in result.data["phases"]] == ["Steps"]  # "Step 3. Check:" is a step, not a section


MAIL_THREAD = """\
From: Mei Tanaka <mei@example.com>
Sent: Monday, November 30, 2026 4:12 PM
To: shop-ops@example.com
Subject: Shop release 2026.12.1 tonight

Hi all, the plan for tonight.

Steps:
1. Stop the web tier: sudo systemctl stop shop-web
2. Deploy: /srv/shop/bin/deploy --release 2026.12.1

Rollback plan:
1. Redeploy the old release: /srv/shop/bin/deploy --release 2026.11.4

From: Omar Haddad <omar@example.com>
Sent: Monday, November 30, 2026 5:02 PM
To: shop-ops@example.com
Subject: RE: Shop release 2026.12.1 tonight

Looks fine. One more thing:
1. Afterwards: sudo systemctl restart shop-cache-warmer
"""


def test_a_plain_text_mail_thread_takes_the_message_with_the_numbered_commands() -> None:
    """No message has a block of commands: the plan is the one whose numbered items are commands; a reply with
    one command in a sentence is a reply, never run."""
    data = import_markdown(MAIL_THREAD, "mail.txt").data
    run = _run(data)
    assert "sudo systemctl stop shop-web" in run and "/srv/shop/bin/deploy --release 2026.12.1" in run
    assert "shop-cache-warmer" not in run
