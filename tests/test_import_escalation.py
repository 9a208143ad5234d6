"""Escalation order from the forms documents use (a table with an After column, a numbered list under an
escalation heading, one inline line) into `contacts.escalation` rungs with people and `after`, and roles for
the rungs that name people; service-level lines (Response, Resolution, Availability...) never become rungs or
roles. The documents are the corpus's (tests/import_corpus/28-30, 21)."""

from __future__ import annotations

from pathlib import Path

from golive.plan.importer import import_file
from golive.plan.importer.escalation import after_of, inline_ladder
from golive.plan.loader import parse_plan_text

CORPUS = Path(__file__).parent / "import_corpus"


def ladder(name: str) -> tuple[list[tuple[int, str, list[str], float]], dict[str, list[str]]]:
    plan = parse_plan_text(import_file(CORPUS / name).yaml_text)
    assert plan.contacts is not None, name
    return [(e.level, e.name, e.people, e.after) for e in plan.contacts.escalation], plan.approvers


def test_a_table_with_level_contact_name_and_after() -> None:
    rungs, approvers = ladder("28-escalation-table.md")
    assert rungs == [(1, "On-call engineer", ["priya"], 0), (2, "Team lead", ["Sam Ortiz"], 900),
                     (3, "Head of Platform", [], 3600)]  # TBD names nobody
    assert approvers["On-call engineer"] == ["priya"] and approvers["Team lead"] == ["Sam Ortiz"]
    assert "Head of Platform" not in approvers  # a rung with nobody named is no role to hold
    # | Severity | Response | Resolution | and "**Response time**: < 15 minutes" are service levels
    assert not [r for r in approvers if any(w in r for w in ("Severity", "Response", "Resolution", "P1", "P2"))]


def test_a_numbered_list_under_an_escalation_heading() -> None:
    rungs, approvers = ladder("30-escalation-list.md")
    assert rungs == [(1, "On-call engineer", ["Ade Bello"], 0), (2, "Search team lead", ["mira"], 1200),
                     (3, "Director of Engineering", [], 3600)]
    assert set(approvers) == {"On-call engineer", "Search team lead"}  # not Acknowledgement / Time to resolve


def test_an_inline_ladder_and_sla_lines_beside_it() -> None:
    rungs, approvers = ladder("29-escalation-inline.md")
    assert [(lv, name) for lv, name, _, _ in rungs] == [(1, "on-call SRE"), (2, "payments team lead"),
                                                        (3, "VP Engineering")]
    assert approvers == {"Primary on-call": ["lena"]}  # "Availability: 99.95%", "Response: 10 minutes" are not


def test_when_column_words() -> None:
    rungs, _ = ladder("21-contacts-escalation.md")
    assert [(lv, after) for lv, _, _, after in rungs] == [(1, 0), (2, 900), (3, 0)]  # 3: "customer-visible outage"


def test_parsers() -> None:
    assert inline_ladder("Escalation: on-call -> team lead -> VP") == ["on-call", "team lead", "VP"]
    assert inline_ladder("**Escalation order**: 1. SRE 2. Lead 3. CTO") == ["SRE", "Lead", "CTO"]
    assert inline_ladder("Escalation: page the on-call") is None  # one rung is no ladder
    assert after_of("after 15 minutes") == 900 and after_of("if no answer within 2 hours") == 7200
    assert after_of("15 min") is None and after_of("15 min", bare=True) == 900
    assert after_of("customer-visible outage") is None


def test_a_service_level_line_inside_the_ladder_is_no_rung() -> None:
    from golive.plan.importer import import_markdown

    doc = ("# Rollout\n\n## Phase 1: Go (5 minutes)\n\n```bash\n./go\n```\n\n## Escalation\n\n"
           "1. On-call (Ana Ruiz) - at once\n2. Response: 15 minutes\n3. 99.9% uptime\n4. Team lead - after 30 min\n")
    plan = parse_plan_text(import_markdown(doc, "doc.md").yaml_text)
    assert plan.contacts is not None
    assert [(e.level, e.name, e.people) for e in plan.contacts.escalation] == [
        (1, "On-call", ["Ana Ruiz"]), (2, "Team lead", [])]
    assert set(plan.approvers) == {"On-call"}
