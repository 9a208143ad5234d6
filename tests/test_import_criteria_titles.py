"""Issue 14, success criteria under the titles teams give them ("Done means", "It worked if", "## Success",
a setext "Acceptance", "**Looks good when**" after the way back, "Q: How do we know it worked?", Italian, Dutch,
Portuguese) become the plan's `success_criteria`; GitLab quick actions below them are tracker commands, never
criteria. Each document is written for its test, in no runbook's words."""

from __future__ import annotations

from typing import Any

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown
from golive.plan.md_success import success_title

RUN = "# Rel\n\n## Phase 1: Ship (10 minutes)\n\n```bash\n./ship --now\n```\n\n"


def criteria(text: str) -> list[str]:
    data: dict[str, Any] = YAML(typ="safe").load(import_markdown(text, "doc.md").yaml_text)
    return [c if isinstance(c, str) else c["description"] for c in data.get("success_criteria") or []]


@pytest.mark.parametrize("title", [
    "## Done means", "## It worked if", "## Success", "## We know it worked when", "## Definition of done",
    "## Exit criteria", "## Criteri di accettazione", "## Critérios de aceitação", "## Acceptatiecriteria",
    "## Criterio de éxito", "## Fertig, wenn", "## Critère de succès",
])
def test_a_criteria_section_under_each_title(title: str) -> None:
    got = criteria(RUN + f"{title}\n\n- queue depth under 40 for an hour\n- no 5xx on /pay for 30 minutes\n")
    assert got == ["queue depth under 40 for an hour", "no 5xx on /pay for 30 minutes"], title


def test_setext_acceptance_heading_with_a_sentence() -> None:
    got = criteria(RUN + "Acceptance\n----------\n\nAccepted when the nightly export lands before 05:10 and"
                   " the ledger diff is empty.\n")
    assert got == ["Accepted when the nightly export lands before 05:10 and the ledger diff is empty."]


def test_bold_title_after_the_way_back_is_not_a_rollback_item() -> None:
    doc = (RUN + "**If it goes wrong**\n\n```bash\n./ship --version 1.9\n```\n\n**Looks good when**\n\n"
           "• all four pods on 2.0\n• lag under 5 s\n")
    assert criteria(doc) == ["all four pods on 2.0", "lag under 5 s"]
    data = YAML(typ="safe").load(import_markdown(doc, "doc.md").yaml_text)
    levels = str(data.get("rollback"))
    assert "lag under 5 s" not in levels and "./ship --version 1.9" in levels


def test_a_question_asks_for_the_criteria() -> None:
    doc = ("# Rel: questions and answers\n\n**Q: What do we run?**\n\n```bash\n./ship --now\n```\n\n"
           "**Q: How do we know it worked?**\n\nA: When all of these hold:\n- error rate under 0.2%\n"
           "- the 8pm digest goes out\n")
    assert criteria(doc) == ["error rate under 0.2%", "the 8pm digest goes out"]


def test_quick_actions_under_the_criteria_are_no_criteria() -> None:
    got = criteria(RUN + "## Definition of done\n\n- replica lag under 2 s\n- /health answers 200\n\n"
                   '/label ~"change::done"\n/assign @ana.k\n/due 2026-12-09\n')
    assert got == ["replica lag under 2 s", "/health answers 200"]


def test_a_wiki_page_footer_under_the_criteria_is_no_criterion() -> None:
    doc = (RUN + "## Acceptance criteria\n\n1. No failed jobs in the first hour.\n\n"
           "Attachments: deploy.ps1 (1 kB) · bundle-3.0.0.zip (38 MB)\n\nNo labels\n")
    assert criteria(doc) == ["No failed jobs in the first hour."]
    assert len(import_markdown(doc, "doc.md").unplaced) == 1  # listed for a person, never silently dropped


@pytest.mark.parametrize("title", ["Smoke tests", "Verify the canary", "If it fails", "Acceptance tests",
                                   "Success rate dashboard link"])
def test_titles_that_are_no_criteria(title: str) -> None:
    assert not success_title(title)
