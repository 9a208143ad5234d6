"""review4's importer findings, on runbooks written for these tests:

- M1: a Go/No-Go that lists people's OKs ("Product owner OK, Ops lead OK", "CAB ok") is a person's decision; the
  words ok/ready/up say the steps succeeded only with the work as their subject ("Smoke tests OK");
- M2: a rollback level is a person's choice only when someone decides or approves the rollback, never for a
  participle naming a thing ("the previously approved release", "authorized images") nor Polish "zgodnie z";
- L1: a duration given as an upper bound is the step's timeout unpadded and not widened to the phase's timebox, and
  a timeout taken from the command's own `--timeout` is never changed;
- L4: real short names ("Go", "No") stay people, fragments of a Go/No-Go's words ("One NO-GO", "No-Go Fatima") do
  not."""

from __future__ import annotations

import pytest

from golive.plan.level_choice import choose_level
from importforms import load, plan_of

DEPLOY = "## Phase 1: Deploy\n\n```bash\n./deploy.sh 4.2\n```\n\n"
SWITCH = "\n## Phase 2: Switch\n\n```bash\n./switch.sh 4.2\n```\n"


# -- M1 --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("said", ["Product owner OK, Ops lead OK", "CAB ok", "business OK, DBA OK",
                                  "Ops ready and Security ready", "Legal approval complete", "Fatima OK"])
def test_a_gate_listing_someones_ok_asks_a_person(said: str) -> None:
    plan = plan_of("# Shop\n\n" + DEPLOY + f"**Go/No-Go:** {said}\n" + SWITCH)
    gate = plan["phases"][0]["gate"]
    assert gate.get("approvals", {}).get("role"), gate  # before: {description: ...}, passed by itself


@pytest.mark.parametrize("said", ["Smoke tests OK", "All OK", "Service up and health checks green"])
def test_ok_said_of_the_work_stays_automatic(said: str) -> None:
    plan = plan_of("# Shop\n\n" + DEPLOY + f"**Go/No-Go:** {said}\n" + SWITCH)
    assert plan["phases"][0]["gate"] == {"description": said}


# -- M2 --------------------------------------------------------------------------------------------------------

RELEASE = "# Ledger 5\n\n## 1. Deploy\n```bash\n./ledger deploy 5.0\n```\n\n## Rollback\n"


@pytest.mark.parametrize("said", [
    "Redeploy the previously approved release 4.1.",
    "Przywróć kopię zgodnie z procedurą.",
    "Restore the snapshot; the DBA agreed the procedure in advance.",
    "Roll back the app (authorized images only).",
])
def test_words_naming_an_approved_thing_leave_the_level_golives(said: str) -> None:
    doc = RELEASE + f"\n### Level 1: back\n\n{said}\n\n```bash\n./ledger deploy 4.1\n```\n"
    plan, _ = load(doc)
    assert plan.rollback.levels[0].when is None, plan.rollback.levels[0].when
    chosen = choose_level(plan, ["1. Deploy"])
    assert chosen is not None and chosen.level == 1  # golive applies it on a failure, as the document means


@pytest.mark.parametrize("said", ["Only if the DBA approves.", "Restore only when approved by QA.",
                                  "Tylko za zgodą DBA.", "Only with the CAB's approval.",
                                  "Only once agreed with the DBA."])
def test_someone_approving_the_rollback_keeps_the_level_for_them(said: str) -> None:
    doc = RELEASE + f"\n### Level 1: back\n\n{said}\n\n```bash\n./ledger deploy 4.1\n```\n"
    plan, _ = load(doc)
    assert plan.rollback.levels[0].when is not None
    assert choose_level(plan, ["1. Deploy"]) is None


# -- L1 --------------------------------------------------------------------------------------------------------


def _step(doc: str) -> dict[str, object]:
    return dict(plan_of(doc)["phases"][0]["steps"][0])


@pytest.mark.parametrize("said", ["The migration takes at most 20 minutes.",
                                  "It runs no longer than 20 minutes.", "Allow up to 20 minutes:"])
def test_an_upper_bound_is_the_timeout_neither_padded_nor_widened(said: str) -> None:
    doc = f"# Ledger\n\n## Phase 1: Migrate (60 min)\n\n{said}\n\n```bash\n./ledger migrate up\n```\n"
    assert _step(doc)["timeout"] == "20m"  # before: 1h (the timebox) or 30m (20 + the 10-minute pad)


def test_a_timeout_from_the_commands_own_option_is_kept() -> None:
    doc = "# Ledger\n\n## Phase 1: Upgrade (60 min)\n\n```bash\nhelm upgrade ledger ./chart --wait --timeout 5m\n```\n"
    assert _step(doc)["timeout"] == "15m00s"  # md_waits: 5m + 10m; before, the timebox raised it to 1h


def test_a_stated_bound_never_cuts_the_commands_own_timeout() -> None:
    doc = ("# Ledger\n\n## Phase 1: Upgrade\n\nIt takes at most 20 minutes.\n\n"
           "```bash\nhelm upgrade ledger ./chart --wait --timeout 30m\n```\n")
    assert _step(doc)["timeout"] == "40m00s"  # the command stops itself at 30m; golive never stops it sooner


# -- L4 --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Min-jun Go", "Go Eun-ji", "No Thi Lan"])
def test_a_real_short_name_stays_a_person(name: str) -> None:
    doc = (f"# Shop\n\n**Release manager:** {name}\n\n" + DEPLOY
           + "**Go/No-Go:** the release manager decides.\n" + SWITCH)
    plan = plan_of(doc)
    assert plan["approvers"] == {"Release manager": [name]}, plan.get("approvers")
