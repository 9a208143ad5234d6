"""A plan typed as plain text (issue 14, set 10 03): "1. PREREQUISITES" lines in capitals head its parts, "1.1 …"
lines are their steps, "4. GO / NO-GO — name" closes the part above, a back-out part's "6.1 Level 1 …" lines are
its levels, and a form's signature blanks ("Maker: ______") are no Markdown bold. Read as Markdown, all of it was
one "Steps" phase whose back-out commands ran in the forward path."""

from __future__ import annotations

from importforms import plan_of

PLAN = """CHANGE RC-1 - ACCRUAL PROGRAM v7
================================

1. PREREQUISITES

1.1 Confirm end-of-day batch completed. [Checker]
1.2 Take the backup:

    zowe zos-jobs submit data-set "PROD.CHG.JCL(BKUP0)" --wait-for-output --rfj

2. PROMOTE LOAD MODULE

2.1 Maker submits the promotion job:

    zowe zos-jobs submit data-set "PROD.CHG.JCL(PROM0)" --wait-for-output --rfj

3. GO / NO-GO — Mrs. A. Chan, by telephone, before 22:45.

4. ENABLE

4.1 Release the scheduler hold:

    zowe zos-console issue command "F CONTROLM,RELEASE JOB=ACR1" --console-name CON1

5. BACK-OUT PLAN

5.1 Level 1 (before step 4): restore the module:

    zowe zos-jobs submit data-set "PROD.CHG.JCL(REST0)" --wait-for-output --rfj

5.2 Level 2 (after step 4): hold the job again, then do 5.1:

    zowe zos-console issue command "F CONTROLM,HOLD JOB=ACR1" --console-name CON1

Maker: __________   Checker: __________
"""


def test_numbered_parts_in_capitals_are_phases_and_the_back_out_part_its_levels() -> None:
    plan = plan_of(PLAN)
    assert [p["name"] for p in plan["phases"]] == ["1. PREREQUISITES", "2. PROMOTE LOAD MODULE", "4. ENABLE"]
    forward = str(plan["phases"])
    assert "REST0" not in forward and "HOLD JOB" not in forward  # the way back never runs in the forward path
    levels = plan["rollback"]["levels"]
    assert [lv["level"] for lv in levels] == [1, 2]
    assert "REST0" in str(levels[0]["steps"]) and "HOLD JOB" in str(levels[1]["steps"])
    assert "HOLD JOB" not in str(levels[0]["steps"])  # level 1 never holds tomorrow's job


def test_a_go_no_go_part_is_the_gate_of_the_part_above() -> None:
    # a part of its own with nothing in it was dropped: the decision went missing from the plan
    gate = plan_of(PLAN)["phases"][1]["gate"]
    assert "Mrs. A. Chan, by telephone, before 22:45" in gate["description"]


def test_a_forms_signature_blanks_are_no_markdown() -> None:
    from golive.plan.importer.plain_text import is_plain_text

    assert is_plain_text(PLAN)
    assert not is_plain_text(PLAN.replace("Maker: __________", "Maker: __bold__"))
