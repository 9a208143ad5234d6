"""Issue 14, a Go/No-Go's decision maker as set 4 of the blind runbooks showed it missed, here in other words: named
in running text with their role beside them ("belongs to the head of payments, Lars Olsen", "(on weekends: Mira
Novak, platform duty manager)"), and a Go/No-Go section of its own between two phases, decided by a person written
with their role while the sentence also names another person of the document."""

from __future__ import annotations

from importforms import plan_of

SHIP = "## Phase 1: Migrate (10 min)\n\n```bash\n./ledger migrate\n```\n\n"
NEXT = "\n## Phase 2: Switch\n\n```bash\n./ledger switch\n```\n"


def test_role_then_name_in_running_text() -> None:
    plan = plan_of("# Ledger 2.0\n\n" + SHIP + "The go/no-go call belongs to the head of payments, Lars Olsen, "
                   "once the migration log is clean.\n" + NEXT)
    assert plan["phases"][0]["gate"]["approvals"] == {"role": "head of payments"}
    assert plan["approvers"]["head of payments"] == ["Lars Olsen"]


def test_name_then_role_in_brackets() -> None:
    plan = plan_of("# Ledger 2.0\n\n" + SHIP + "**Go/No-Go:** the duty lead (on weekends: Mira Novak, platform duty "
                   "manager) gives the go in #ledger-ops.\n" + NEXT)
    assert plan["phases"][0]["gate"]["approvals"] == {"role": "platform duty manager"}
    assert plan["approvers"]["platform duty manager"] == ["Mira Novak"]


def test_a_go_no_go_section_between_phases_is_the_gate_of_the_one_before() -> None:
    plan = plan_of("# Ledger 2.0\n\n## Contacts\n\n- DBA: Kai Berg\n\n" + SHIP
                   + "## Go / No-Go\n\nAna Silva (Service Owner) approves on Kai's row counts.\n" + NEXT)
    first = plan["phases"][0]
    assert first["name"] == "Phase 1: Migrate"
    assert first["gate"]["approvals"] == {"role": "Service Owner"}  # the decider, not the DBA whose numbers she reads
    assert plan["approvers"]["Service Owner"] == ["Ana Silva"]
    assert [p["name"] for p in plan["phases"]] == ["Phase 1: Migrate", "Phase 2: Switch"]
