"""Sections the importer must see as what they are: a page of bold questions, rollback headings in other words."""

from __future__ import annotations

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.model import Plan


def load(doc: str) -> Plan:
    return parse_plan_text(import_markdown(doc, "doc.md").yaml_text, "p.yaml")


def forward(plan: Plan) -> str:
    return " ".join(str(s.model_dump()) for p in plan.phases for s in p.steps)


QA = ("# Page\n\n**Q: Who do I call if it breaks?**\n\nA: In this order:\n1. Noor Haddad (release lead)\n"
      "2. Piet de Vries (on-call)\n\n**Q: What do we run?**\n\n**Step 1 – Flip.**\n\n```bash\n./flip v23\n```\n\n"
      "**Q: How do we back out?**\n\n```bash\n./flip v22\n```\n")


def test_a_bold_question_alone_is_a_section() -> None:
    plan = load(QA)
    assert "./flip v22" not in forward(plan)  # the answer to "how do we back out?" is the way back
    assert plan.rollback is not None
    assert ["./flip v22" in str(s.model_dump()) for lv in plan.rollback.levels for s in lv.steps] == [True]


def test_who_to_call_if_it_breaks_is_people_not_a_rollback_level() -> None:
    plan = load(QA)
    assert plan.rollback is not None
    assert all("Noor" not in str(s.model_dump()) for lv in plan.rollback.levels for s in lv.steps)


@pytest.mark.parametrize("heading", ["Piano di rientro", "Undoing the release", "Terugdraaien"])
def test_rollback_headings_in_other_words(heading: str) -> None:
    plan = load(f"# R\n## Phase 1: Deploy\n```bash\n./deploy 2\n```\n## {heading}\n```bash\n./deploy 1\n```\n")
    assert "./deploy 1" not in forward(plan)
    assert plan.rollback is not None and len(plan.rollback.levels) == 1


def test_livello_sub_headings_are_levels() -> None:
    plan = load("# R\n## Fase 1 – Schema\n```bash\n./up\n```\n## Piano di rientro\n### Livello 1 – App\n```bash\n"
                "./app-old\n```\n### Livello 2 – Schema\n```bash\n./down\n```\n")
    assert plan.rollback is not None
    assert [lv.name for lv in plan.rollback.levels] == ["App", "Schema"]
