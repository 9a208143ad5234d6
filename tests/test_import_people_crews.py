"""Issue 14, people as the blind sets 9 and 10 showed them written, each document written here in words of its own:
crew lines ("Role — Name · Role — Name", wrapped), "People: Name (what they do)", "Who: lead Name", a roles table
with Chinese headers, a list of roles under a bold line, ladders written with first names or
roles that the roles above resolve, dingbat arrows, full-width colons, "If X doesn't answer, call Y, then the Z (Name)",
Azure DevOps mentions, a ladder whose sentence wraps, and a key that wraps onto the next line.

Hostile cases: "If it fails: Deploy → Verify" is no ladder; "owner: kwame" followed by "window: ..." is two lines."""

from __future__ import annotations

from typing import Any

from golive.plan.importer.escalation import inline_ladder
from importforms import plan_of

RUN = "\n## Phase 1: Ship (10 minutes)\n\n```bash\n./ship --now\n```\n"


def ladder(plan: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["name"], e.get("people", [])) for e in (plan.get("contacts") or {}).get("escalation") or []]


def test_a_crew_line_of_role_dash_name_pieces_that_wraps_and_a_ladder_of_first_names() -> None:
    plan = plan_of("# Harbour release\n\n**Crew:** Release lead — Noa \"noa-k\" Keller · Database — Ivo Marsh ·\n"
                   "Frontend — Uma Reyes (owns the banner only) · Sponsor (calls go/no-go) — Ezra Bloom\n\n"
                   "Escalation when it burns: Ivo → Uma → Ezra.\n" + RUN)
    assert plan["approvers"] == {"Release lead": ["Noa Keller"], "Database": ["Ivo Marsh"], "Frontend": ["Uma Reyes"],
                                 "Sponsor": ["Ezra Bloom"]}
    assert ladder(plan) == [("Database", ["Ivo Marsh"]), ("Frontend", ["Uma Reyes"]), ("Sponsor", ["Ezra Bloom"])]


def test_people_with_what_they_do_in_brackets_titles_and_a_ladder_after_if() -> None:
    plan = plan_of("# Cluster day\n\nPeople: Ola Berg (running the upgrade), Dr. Mira Holt (lab head, says whether we\n"
                   "reopen tonight), Kai Dunn (network, on call). If anything breaks: Ola → Kai → Mira.\n" + RUN)
    assert plan["approvers"] == {"running the upgrade": ["Ola Berg"], "lab head": ["Dr. Mira Holt"],
                                 "network": ["Kai Dunn"]}
    assert [p for _n, p in ladder(plan)] == [["Ola Berg"], ["Kai Dunn"], ["Dr. Mira Holt"]]


def test_who_with_the_role_written_before_the_name_and_a_rota_named_for_the_week() -> None:
    plan = plan_of("# Model refresh\n\n**Who:** DRI Pia Lund · checker Tor Vik · product sign-off (go/no-go) Ada "
                   "Quist, Growth · ops on-call: see #ops-rota (this week Sven Ek)\n" + RUN)
    assert plan["approvers"] == {"DRI": ["Pia Lund"], "checker": ["Tor Vik"], "product sign-off": ["Ada Quist"],
                                 "ops on-call": ["Sven Ek"]}


def test_a_roles_table_with_chinese_headers_and_a_contact_order_with_full_width_colon() -> None:
    plan = plan_of("# 数据库升级\n\n## 人员\n\n| 角色 | 姓名 | 电话 |\n|---|---|---|\n"
                   "| 负责人 | 张伟 | 139-0000-0001 |\n| 审批人 | 李强 | 139-0000-0002 |\n\n"
                   "联系顺序：张伟 → 李强。\n" + RUN)
    assert plan["approvers"] == {"负责人": ["张伟"], "审批人": ["李强"]}
    assert ladder(plan) == [("负责人", ["张伟"]), ("审批人", ["李强"])]


def test_a_bold_line_standing_as_the_heading_of_role_bullets_and_a_portuguese_ladder() -> None:
    plan = plan_of("# Migração\n\n**Equipe do dia**\n\n- Responsável: Joana Prado\n- Aprovador (Go/No-Go): Luís Matos\n"
                   "- Plantão de rede: Rui Saldanha\n\nEscalonamento: primeiro Joana, depois Rui e, por último, Luís.\n"
                   + RUN)
    assert plan["approvers"]["Aprovador"] == ["Luís Matos"]
    assert plan["approvers"]["Plantão de rede"] == ["Rui Saldanha"]
    assert [p for _n, p in ladder(plan)] == [["Joana Prado"], ["Rui Saldanha"], ["Luís Matos"]]


def test_a_ladder_of_roles_resolved_by_the_table_and_a_short_name() -> None:
    plan = plan_of("# Enclave release\n\n## Roles\n\n| Role | Name |\n|---|---|\n| Release Approver (RAP) | Ms. Ida "
                   "Stone |\n| Build Lead | Mr. Leo Park |\n\n"
                   "Escalation path: Build Lead → Director (Mr. Max Orr) → RAP.\n" + RUN)
    assert ladder(plan) == [("Build Lead", ["Mr. Leo Park"]), ("Director", ["Mr. Max Orr"]),
                            ("Release Approver", ["Ms. Ida Stone"])]


def test_a_ladder_that_starts_with_whoever_does_not_answer_and_ends_with_a_role_and_its_person() -> None:
    plan = plan_of("# OTA\n\nOwner: Ana Lindt (firmware). Fleet on call: Bo Nyberg. If Bo doesn't answer in 5 min, "
                   "call Ana, then the VP Eng (Cy Moreau).\n" + RUN)
    assert [p for _n, p in ladder(plan)] == [["Bo Nyberg"], ["Ana Lindt"], ["Cy Moreau"]]
    assert plan["approvers"]["VP Eng"] == ["Cy Moreau"]


def test_azure_devops_mentions_dingbat_arrows_and_a_ladder_whose_sentence_wraps() -> None:
    plan = plan_of("# Wiki page\n\n| | |\n|---|---|\n| **Release manager** | @<Iris van Dam> |\n"
                   "| **Approver** | @<Otto Brandt> |\n\nEscalation: @<Iris van Dam> ➜ @<Otto Brandt> → Head of\n"
                   "Operations, Pia Sand.\n" + RUN)
    assert plan["approvers"]["release manager"] == ["Iris van Dam"]
    assert ladder(plan) == [("release manager", ["Iris van Dam"]), ("approver", ["Otto Brandt"]),
                            ("Head of Operations", ["Pia Sand"])]


def test_a_ladder_line_inside_a_longer_paragraph_and_a_key_that_wraps() -> None:
    plan = plan_of("# Lab feed\n\n## Contacts\n\n| Role | Name |\n|---|---|\n| Analyst | Rosa Quint |\n"
                   "| Interface lead | Tim Wald |\n\nEscalation: Rosa → Tim (vendor side) → duty manager. Never page\n"
                   "the lab head for this.\n\nOwner: Gus Fenn. Clinical sign-off for each\nstage: Hedy Lamb.\n" + RUN)
    assert ladder(plan)[:2] == [("Analyst", ["Rosa Quint"]), ("Interface lead", ["Tim Wald"])]
    assert plan["approvers"]["Clinical sign-off for each stage"] == ["Hedy Lamb"]


def test_hostile_steps_after_if_are_no_ladder_and_key_lines_stay_apart() -> None:
    assert inline_ladder("If it fails: Deploy → Verify → Promote.") is None
    assert inline_ladder("On-call ladder: Ana Lima ➜ Bo Chen ➜ Cy Park") == ["Ana Lima", "Bo Chen", "Cy Park"]
    assert inline_ladder("If something breaks: Ana Lima first, then Bo Chen.") == ["Ana Lima", "Bo Chen"]
    plan = plan_of("# t\n\nowner: @kwame (primary), @lena (secondary)\nwindow: Tue 2026-04-07 13:00-13:30 UTC\n" + RUN)
    assert plan["approvers"] == {"owner": ["kwame", "lena"]}
