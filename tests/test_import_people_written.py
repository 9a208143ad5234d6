"""Issue 14, people as teams write them in runbooks the importer had not seen: names in scripts with no capitals
(김민준) with their Latin spelling, ladders with ordinals, other arrows, "al final", "in this order:" with phone
numbers, "page Kofi, then Nadia", a Confluence macro around the ladder, "| Incident role | Who | Backup |",
"Database: Sam Nguyen" in a people section, "People on the call:" lists with what each does, an escalation
sub-heading before the first section, a key/value table in the Overview, minutes' "Absent:", and a Go/No-Go
standing before every step of its phase.

Hostile cases: phone numbers, e-mails, rotations, SLA tables and criteria under a sign-off heading are never
people. Each document is written for its test, in no runbook's words."""

from __future__ import annotations

from typing import Any

import pytest

from golive.plan.importer.escalation import inline_ladder
from importforms import plan_of

RUN = "\n## Phase 1: Ship (10 minutes)\n\n```bash\n./ship --now\n```\n"


def ladder(plan: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["name"], e.get("people", [])) for e in (plan.get("contacts") or {}).get("escalation") or []]


def everyone(plan: dict[str, Any]) -> set[str]:
    return {p for ps in (plan.get("approvers") or {}).values() for p in ps} | {
        p for _n, ps in ladder(plan) for p in ps}


def test_scripts_names_with_no_capitals_and_their_latin_spelling() -> None:
    plan = plan_of("**tokyo-db: upgrade**\n\nOwner: 김민준 (Minjun Kim)\nReviewer: 李娜\n"
                   "Go/No-Go: 박지훈 (Jihoon Park), DB team lead\nQA lead: 山田 太郎\n"
                   "On-call chain: Minjun Kim (1st) → 李娜 (2nd) → Jihoon Park (3rd)\n" + RUN)
    assert plan["approvers"] == {"Owner": ["Minjun Kim"], "Reviewer": ["李娜"], "Go/No-Go": ["Jihoon Park"],
                                 "QA lead": ["山田 太郎"]}
    assert ladder(plan) == [("Owner", ["Minjun Kim"]), ("Reviewer", ["李娜"]), ("Go/No-Go", ["Jihoon Park"])]


@pytest.mark.parametrize(("line", "rungs"), [
    ("Escalation: Ari Lund ➜ Bo Vik ➜ Cy Moe (eng manager)", ["Ari Lund", "Bo Vik", "Cy Moe (eng manager)"]),
    ("Escalation: Ari Lund ⇒ Bo Vik", ["Ari Lund", "Bo Vik"]),
    ("Escalation: Ari Lund +49 151 000 111 → Bo Vik bo@x.example", ["Ari Lund", "Bo Vik"]),
    ("{info}Escalation: Ari Lund, then Bo Vik{info}", ["Ari Lund", "Bo Vik"]),
    ("Escalamiento: primero Diego, luego Ernesto y al final Valeria.", ["Diego", "Ernesto", "Valeria"]),
    ("If it goes sideways call, in this order: Aroha 021 555 0143, Liam +64 21 555 0178, Grace grace@x.example.",
     ["Aroha", "Liam", "Grace"]),
    ("If something is on fire: page Kofi, then Nadia, then Tom (`/pd trigger search`).", ["Kofi", "Nadia", "Tom"]),
    ("{info}Escalation: Mikko Virta, then Juha Mäki, then Elina Laine. Sanna covers Windows only.{info}",
     ["Mikko Virta", "Juha Mäki", "Elina Laine"]),
    ("Eskalation: 1. Bereitschaft (Lukas Meier) → 2. CTO (Dr. Jörg Hoffmann)",
     ["Bereitschaft (Lukas Meier)", "CTO (Dr. Jörg Hoffmann)"]),
])
def test_ladders_written_in_prose_and_with_other_arrows(line: str, rungs: list[str]) -> None:
    assert inline_ladder(line) == rungs


@pytest.mark.parametrize("line", [
    "If the deploy hangs, call the vendor, then restart the service.",
    "Page the on-call, then wait.",
    "Run these in this order: migrate, seed, restart.",
])
def test_no_ladder_in_prose(line: str) -> None:
    assert inline_ladder(line) is None


def test_incident_role_table_with_a_backup_column() -> None:
    plan = plan_of("# Rel\n\n### Roles for the window\n\n| Incident role | Who | Backup |\n|---|---|---|\n"
                   "| Incident commander (decides go/no-go) | Nadia Rahm | Tom Brenn |\n"
                   "| Ops lead (runs the commands) | Kofi Mens | — |\n\n"
                   "If something is on fire: page Kofi, then Nadia, then Tom.\n" + RUN)
    assert plan["approvers"] == {"Incident commander": ["Nadia Rahm", "Tom Brenn"], "Ops lead": ["Kofi Mens"]}
    assert ladder(plan) == [("Ops lead", ["Kofi Mens"]), ("Incident commander", ["Nadia Rahm"]),
                            ("Incident commander", ["Tom Brenn"])]


def test_a_role_column_named_for_the_call_whatever_its_roles() -> None:
    plan = plan_of("# Rel\n\n## Team\n\n| Call role | Name |\n|---|---|\n| Scribe | Ana Lima |\n| Comms | Bo Chen |\n"
                   "| Incident commander | Cy Park |\n" + RUN)
    assert plan["approvers"] == {"Scribe": ["Ana Lima"], "Comms": ["Bo Chen"], "Incident commander": ["Cy Park"]}


def test_key_lines_in_a_people_section_and_never_facts_or_times() -> None:
    plan = plan_of("# Rel\n\n## Responsables\n\n- Responsable del cambio: Diego Ruiz\n"
                   "- Soporte a usuarios: Mariana López\n- Database: Sam Nguyen\n- Region: West Coast\n"
                   "- Response: 15 minutes\n- Phone: +49 151 0000 1111\n- Mail: ops@example.org\n" + RUN)
    assert plan["approvers"] == {"Responsable del cambio": ["Diego Ruiz"], "Soporte a usuarios": ["Mariana López"],
                                 "Database": ["Sam Nguyen"]}


def test_people_list_at_the_top_with_what_each_does_and_who_decides() -> None:
    plan = plan_of("# Rel\n\nPeople on the call:\n  - Aroha Ngata — does the upgrade\n"
                   "  - Liam Parata — DBA, runs step 4\n  - Grace Tupou — service manager, gives the go after step 4\n"
                   "\nIf it goes sideways call, in this order: Aroha 021 555 0143, Liam 021 555 0178, "
                   "Grace 027 555 0190.\n\n## 1. Ship (10:00)\n\n```bash\n./ship --now\n```\n\n"
                   "**Go/no-go:** Grace says go once Liam reports the schema.\n\n## 2. Open (10:30)\n\n"
                   "```bash\n./open\n```\n")
    assert plan["approvers"] == {"does the upgrade": ["Aroha Ngata"], "DBA": ["Liam Parata"],
                                 "service manager": ["Grace Tupou"]}
    assert [p for _n, p in ladder(plan)] == [["Aroha Ngata"], ["Liam Parata"], ["Grace Tupou"]]
    assert plan["phases"][0]["gate"]["approvals"]["role"] == "service manager"
    nobody = plan_of("# Rel\n\nPeople on the call:\n  - Liam Parata — DBA, runs step 4\n"
                     "  - Grace Tupou — service manager, gives the go after step 4\n\n## 1. Ship (10:00)\n\n"
                     "```bash\n./ship --now\n```\n\n**Go/no-go:** once the schema reads 4.3.\n")
    assert nobody["phases"][0]["gate"]["approvals"]["role"] == "service manager"  # "gives the go": the decider


def test_escalation_sub_heading_before_the_first_section() -> None:
    plan = plan_of("# Change\n\n| | |\n|---|---|\n| **Assignee** | @dko (Dom Kowal) |\n"
                   "| **DBA reviewer** | @a.now (Aga Nowak) |\n\n### Escalation\n\n1. @dko — implementer\n"
                   "2. @a.now — DBA on duty\n\n## Preparation\n\n- [ ] Announce\n" + RUN)
    assert [p for _n, p in ladder(plan)] == [["dko"], ["a.now"]]


def test_overview_key_value_table_and_its_ladder() -> None:
    plan = plan_of("# Plan\n\n## Overview\n\nTwo fleets, one database.\n\n| Item | Value |\n|---|---|\n"
                   "| Window | Wed 9 Dec 2026, 19:00–21:00 EET |\n| Deployment lead | Mikko Virta |\n"
                   "| Linux admin | Juha Mäki |\n| Service | invoice-worker |\n\n"
                   "{info}Escalation: Mikko Virta, then Juha Mäki. Sanna covers Windows questions only.{info}\n" + RUN)
    assert plan["approvers"] == {"deployment lead": ["Mikko Virta"], "linux admin": ["Juha Mäki"]}
    assert ladder(plan) == [("deployment lead", ["Mikko Virta"]), ("linux admin", ["Juha Mäki"])]


def test_minutes_absent_with_a_role_that_is_no_role_word() -> None:
    plan = plan_of("# Minutes\n\n**Present:** Tomás Ortega (release manager), Wen Li (DBA)\n"
                   "**Absent:** Jonas Weber (security), approval sent by mail at 13:12\n" + RUN)
    assert plan["approvers"]["security"] == ["Jonas Weber"]
    assert "approval sent by mail at 13:12" not in everyone(plan)


def test_numbered_call_list_with_phone_numbers() -> None:
    plan = plan_of("# Rel\n\n**Q: Who do I call if something breaks?**\n\nA: In this order:\n"
                   "1. Ava Thom (release lead), 0412 555 101\n2. Sam Nguy (database), 0412 555 102\n\n"
                   "**Q: What do we run?**\n\n```bash\n./ship --now\n```\n")
    assert ladder(plan) == [("release lead", ["Ava Thom"]), ("database", ["Sam Nguy"])]
    assert not [p for p in everyone(plan) if any(c.isdigit() for c in p)]
    named = plan_of("# Rel\n\n## Team\n\n- Release lead: Ava Thom\n\n## Who to call\n\nIn this order:\n"
                    "1. Ava Thom (release lead), 0412 555 101\n2. Sam Nguy (database), 0412 555 102\n" + RUN)
    assert named["approvers"] == {"Release lead": ["Ava Thom"], "database": ["Sam Nguy"]}  # one role, as first written


def test_rotation_in_brackets_is_no_person() -> None:
    plan = plan_of("# Rel\n\n## Escalation\n\n| Level | Who | When |\n|---|---|---|\n"
                   "| 1 | Primary on-call (PagerDuty schedule `pay-primary`) | immediately |\n"
                   "| 2 | Team lead (Ana Lima) | 10 min |\n" + RUN)
    assert everyone(plan) == {"Ana Lima"}


def test_go_no_go_before_every_step_of_a_phase_is_the_gate_of_the_one_before() -> None:
    plan = plan_of("# Up\n\nGo/No-Go: Jihoon Park, DB team lead\n\n**Step 1: Primary (10:15)**\n\n```bash\n"
                   "./step-down\n```\n\n**Step 2: Flip (10:45)**\n\nGo/No-Go before this step: Jihoon Park.\n\n"
                   "```bash\n./flip\n```\n")
    first, second = plan["phases"]
    assert first["gate"]["approvals"]["role"] == "Go/No-Go" and "gate" not in second
    assert [s.get("shell", s.get("manual")) for s in second["steps"]] == [{"command": "./flip"}] or all(
        "manual" not in s for s in second["steps"])


def test_hostile_sla_table_and_contacts_with_phones_are_no_people() -> None:
    plan = plan_of("# Rel\n\n## Contacts\n\n| Severity | Response | Resolution |\n|---|---|---|\n"
                   "| P1 | 15 minutes | < 4 hours (fix, redeploy) |\n\n| Role | Name | Phone | E-mail |\n"
                   "|---|---|---|---|\n| Release manager | Ana Lima | +49 151 0000 1111 | ana@example.org |\n" + RUN)
    assert plan["approvers"] == {"Release manager": ["Ana Lima"]}


def test_hostile_criteria_under_a_sign_off_heading_are_no_people() -> None:
    plan = plan_of("# Rel\n" + RUN + "\n## Sign-off\n\n- [ ] Error budget burn under 5%\n"
                   "- [ ] Checkout p95 under 300 ms\n- Release manager: Ana Lima\n")
    assert plan["approvers"] == {"Release manager": ["Ana Lima"]}
    assert plan["success_criteria"] == ["Error budget burn under 5%", "Checkout p95 under 300 ms"]
