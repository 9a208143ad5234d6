"""Issue 14, people as the third blind set's runbooks write them: a RACI matrix (people across the header or down
the first column), who stands in for whom ("If the IC is unreachable, Tom takes over, then Lena (Head of SRE)"),
on-call tiers ("Astreinte : N1 ..., N2 ..."), approvers that carry their own roles in brackets, a role as an
apposition ("the ops lead, Bea Lindgren"), and a lone `Role: Person` line nothing else placed.

Each document is written for its test, in no runbook's words; the guards are tested too: letters without people
are no RACI, a "then" sentence without people is no ladder, an on-call line without tiers is no ladder."""

from __future__ import annotations

from typing import Any

from golive.plan.importer.escalation import inline_ladder
from importforms import plan_of

RUN = "\n## Phase 1: Ship (10 minutes)\n\n```bash\n./ship --now\n```\n\n**Go/No-Go:** when the queue is empty.\n"


def ladder(plan: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["name"], e.get("people", [])) for e in plan.get("contacts", {}).get("escalation", [])]


ACROSS = """# Failover drill

## RACI

| Task | Noor Haddad (Incident Commander) | Piet Smit (SRE) | Comms |
|---|---|---|---|
| Go/No-Go | A | C | I |
| Flip the writer | I | R/A | I |
| Status page | I | I | R/A |
"""


def test_a_raci_matrix_with_people_across_names_their_roles_and_the_decider() -> None:
    plan = plan_of(ACROSS + RUN)
    assert plan["approvers"] == {"Incident Commander": ["Noor Haddad"], "SRE": ["Piet Smit"], "Comms": []}
    assert plan["phases"][0]["gate"]["approvals"] == {"role": "Incident Commander"}
    # "Incident Commander" in the header is no Command column: the matrix is no phase of its own
    assert [p["name"] for p in plan["phases"]] == ["Phase 1: Ship"]


def test_a_raci_matrix_with_people_down_the_first_column() -> None:
    # the header names tasks, two of them with role words ("QA sign-off"): the people are still down the column
    doc = ("# Drill\n\n## Who does what\n\n| Person | QA sign-off | DBA review | Go/No-Go |\n|---|---|---|---|\n"
           "| Lea Brandt (Release Engineer) | R/A | C | C |\n| Ravi Menon (Product Owner) | I | I | A |\n"
           "| QA | R | C | C |\n")
    plan = plan_of(doc + RUN)
    assert plan["approvers"] == {"Release Engineer": ["Lea Brandt"], "Product Owner": ["Ravi Menon"], "QA": []}
    assert plan["phases"][0]["gate"]["approvals"] == {"role": "Product Owner"}


def test_letters_without_people_are_no_raci() -> None:
    doc = ("# Drill\n\n## Roles\n\n| Check | primary | fallback |\n|---|---|---|\n| Disk | A | C |\n"
           "| Memory | C | A |\n")
    plan = plan_of(doc + RUN)
    assert "approvers" not in plan or not {"primary", "fallback", "Disk"} & set(plan["approvers"])


def test_who_stands_in_is_an_escalation_ladder_of_people() -> None:
    doc = ("# Drill\n\n**Incident Commander:** Noor Haddad\n\n"
           "If the IC is unreachable, Piet Smit takes the IC role, then Lena Fischer (Head of SRE).\n" + RUN)
    plan = plan_of(doc)
    assert ladder(plan) == [("Piet Smit", ["Piet Smit"]), ("Head of SRE", ["Lena Fischer"])]
    assert plan["approvers"]["Head of SRE"] == ["Lena Fischer"]


def test_a_first_name_rung_is_the_one_person_with_that_name() -> None:
    doc = "# Drill\n\n**Approver:** Marit Johansen\n\nIf Femi is stuck: Jonas Weber (backup admin), then Marit.\n" + RUN
    plan = plan_of(doc)
    assert ladder(plan) == [("backup admin", ["Jonas Weber"]), ("Approver", ["Marit Johansen"])]


def test_a_then_sentence_without_people_is_no_ladder() -> None:
    assert inline_ladder("If the build is stuck, restart the runner, then clear the cache.") is None
    assert inline_ladder("If the IC is unreachable, Piet Smit takes over, then Lena Fischer.") == [
        "Piet Smit", "Lena Fischer"]


def test_on_call_tiers_are_a_ladder() -> None:
    assert inline_ladder("Astreinte : N1 Karim Benali, N2 Sophie Lambert, N3 Claire Dubois") == [
        "Karim Benali", "Sophie Lambert", "Claire Dubois"]
    assert inline_ladder("On-call: L1 Ana Lima, L2 Bo Chen") == ["Ana Lima", "Bo Chen"]
    assert inline_ladder("On-call: the platform rotation in PagerDuty") is None


def test_approvers_written_with_their_roles_in_brackets_hold_those_roles() -> None:
    doc = "# Chg\n\n**Change approvers:** Olu Bankole (Change Manager); Keiko Sato (Product Owner)\n" + RUN
    plan = plan_of(doc)
    # (RUN's Go/No-Go names none of them: the Go/No-Go approver decides it, to be written in)
    assert plan["approvers"] == {"Change Manager": ["Olu Bankole"], "Product Owner": ["Keiko Sato"],
                                 "Go/No-Go approver": []}


def test_a_role_as_an_apposition() -> None:
    doc = "# Chg\n\nDeployer: Hana Ito · Sign-off from the library ops lead, Bea Lindgren.\n" + RUN
    plan = plan_of(doc)
    assert plan["approvers"] == {"Deployer": ["Hana Ito"], "library ops lead": ["Bea Lindgren"],
                                 "Go/No-Go approver": []}


def test_a_lone_role_line_nothing_placed_still_names_the_role() -> None:
    doc = ("# Chg\n" + RUN + "\n## Back-out\n\nBack-out decision: Pieter de Vries, with Ana for option B.\n\n"
           "**Option A: flag off**\n\n```bash\n./flag off\n```\n\n**Option B: old build**\n\n"
           "```bash\n./ship --old\n```\n")
    plan = plan_of(doc)
    assert plan["approvers"]["Back-out decision"] == ["Pieter de Vries"]


def test_one_role_written_twice_in_other_case_is_one_role() -> None:
    doc = ("# Chg\n\nNotices come from the support duty manager, Rafa Ortiz.\n\n## Contacts\n\n"
           "| Role | Name |\n|---|---|\n| Support Duty Manager | Rafa Ortiz |\n" + RUN)
    plan = plan_of(doc)
    assert plan["approvers"] == {"support duty manager": ["Rafa Ortiz"], "Go/No-Go approver": []}


def test_one_role_from_an_apposition_and_a_raci_matrix_is_one_role() -> None:
    doc = ("# Chg\n\nNotices come from the support duty manager, Rafa Ortiz.\n\n## RACI\n\n"
           "| Task | Rafa Ortiz (Support Duty Manager) | Lea Brandt (Release Engineer) |\n|---|---|---|\n"
           "| Notices | R/A | I |\n| Deploy | I | R/A |\n" + RUN)
    plan = plan_of(doc)
    assert plan["approvers"] == {"support duty manager": ["Rafa Ortiz"], "Release Engineer": ["Lea Brandt"],
                                 "Go/No-Go approver": []}
