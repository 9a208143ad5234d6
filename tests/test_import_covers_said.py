"""Issue 14, what a rollback level covers, as its trigger says it and set 4 of the blind runbooks showed missed, here
in other words: a level undoing the ramp is also the answer to a failed check in the phase after it, when its
trigger names that phase by number ("a red result in 3.3") or by its name ("if acceptance fails"). Only phases that
change nothing are added so; a phase that changes something is never covered because a trigger names it."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = ("# Orders 6.1\n\n## Run sheet\n\n### 3.1 Deploy green\n\n```bash\n./deploy-green.sh\n```\n\n"
       "### 3.2 Ramp\n\n```bash\nlb-weight green 100\n```\n\n### 3.3 Acceptance\n\n- [ ] An order goes "
       "through\n\n### 3.4 Clean up\n\n```bash\n./drop-blue.sh\n```\n\n## Rollback\n\n### Level 1 – weights back\n\n"
       "{when}\n\n```bash\nlb-weight green 0\n```\n")


def covers(when: str) -> list[str]:
    plan = parse_plan_text(import_markdown(DOC.format(when=when), "doc.md").yaml_text, "doc.md")
    assert plan.rollback is not None
    return list(plan.rollback.levels[0].covers)


def test_a_failed_check_named_by_its_number() -> None:
    assert covers("When: 5xx above 2%, or a red result in 3.3.") == ["3.2 Ramp", "3.3 Acceptance"]


def test_a_failed_check_named_by_its_name() -> None:
    assert covers("Take it if acceptance fails or 5xx goes above 2%.") == ["3.2 Ramp", "3.3 Acceptance"]


def test_a_trigger_naming_no_later_phase_adds_none() -> None:
    assert covers("When: 5xx above 2%.") == ["3.2 Ramp"]


def test_a_phase_that_changes_something_is_not_added_by_a_trigger() -> None:
    assert covers("When: 5xx above 2%, or the clean up in 3.4 fails.") == ["3.2 Ramp"]


def test_a_phase_word_with_no_failure_adds_none() -> None:
    """"Acceptance traffic goes back to blue" names the phase's word, but no failed check there."""
    assert covers("Acceptance traffic goes back to blue; 5xx above 2% is the sign.") == ["3.2 Ramp"]
