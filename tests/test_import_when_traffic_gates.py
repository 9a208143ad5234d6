"""Issue 14, windows / traffic / gates / rollback: each written form on a small document, so a regression names
the form it lost (zones and offsets, T-minus timelines, progressions written apart, decisions, triggers)."""

from __future__ import annotations

import pytest

from importforms import GO, canary, load, window


@pytest.mark.parametrize(("line", "want"), [
    # zones as written: an offset (POSIX-signed Etc zone), an abbreviation with its offset, a zone in brackets
    ("Window: Friday 2026-10-09, 22:00–23:30 GMT+1.", ("2026-10-09T22:00", "2026-10-09T23:30", "Etc/GMT-1")),
    ("**Window:** Thu 12 Nov 2026, 08:00–12:00 BRT (UTC-3)",
     ("2026-11-12T08:00", "2026-11-12T12:00", "America/Sao_Paulo")),
    ("We deploy on 2026-02-03 at 10:00 - 11:00 UTC-3.", ("2026-02-03T10:00", "2026-02-03T11:00", "Etc/GMT+3")),
    ("We will run this change from Fri 2026-07-03 22:30 to Sat 2026-07-04 01:00 (PT).",
     ("2026-07-03T22:30", "2026-07-04T01:00", "America/Los_Angeles")),
    ("**Rollout window:** 2026-05-19 09:00 to 11:00 Europe/Amsterdam",
     ("2026-05-19T09:00", "2026-05-19T11:00", "Europe/Amsterdam")),
    # an offset with minutes has no IANA zone: the window is written in UTC
    ("Window: 10 April 2026, 23:00 – 01:30 UTC+05:30", ("2026-04-10T17:30", "2026-04-10T20:00", "UTC")),
    # "UTC - 03:00" is a range between two UTC times, not an offset of -3
    ("Window: 2026-03-14 01:00 UTC - 03:00 UTC", ("2026-03-14T01:00", "2026-03-14T03:00", "UTC")),
    # the date read by dateutil in any common form, the times too (12-hour clock)
    ("Maintenance window: Sunday, June 14, 2026 from 1 AM to 3 AM (America/New_York).",
     ("2026-06-14T01:00", "2026-06-14T03:00", "America/New_York")),
])
def test_windows_keep_their_zone_and_date(line: str, want: tuple[str, str, str]) -> None:
    assert window(line)[:3] == want


def test_a_window_stated_in_a_change_record_table_with_its_back_out_point() -> None:
    table = ("| | |\n|---|---|\n| **Planned date** | Saturday 7 March 2026 |\n| **Change window** | Saturday"
             " 02:00-06:00 UTC |\n| **Back-out decision point** | 05:00 UTC at the latest |")
    assert window(table) == ("2026-03-07T02:00", "2026-03-07T06:00", "UTC", "2026-03-07T05:00")


def test_a_year_alone_is_no_date() -> None:
    plan, said = load(f"# T\n\nWe will ship the 2026 release between 02:00 and 04:00 UTC.\n\n{GO}")
    assert plan.window is None and any("times with no date" in s for s in said)  # never a daily window


def test_rollback_limit_written_in_prose() -> None:
    text = ("Maintenance window: Sunday, June 14, 2026 from 01:00 to 03:00 (America/New_York).\n"
            "Rollback possible without data loss until 02:15; after that, forward-fix only.")
    assert window(text)[3] == "2026-06-14T02:15"


def test_a_t_minus_timeline_opens_at_its_earliest_entry_and_ends_where_written() -> None:
    text = ("**Date:** 2026-02-21 · **T-0 = 06:00 UTC** · **End of window:** 07:30 UTC\n\n## Timeline\n\n"
            "| Time | What |\n|---|---|\n| T-30min | Pre-checks |\n| T+5 | 10% traffic |\n| T+60 | Close |")
    assert window(text)[:3] == ("2026-02-21T05:30", "2026-02-21T07:30", "UTC")
    no_end = "T0 = 21:00 CEST on 15 October 2026\n\n| When | What |\n|---|---|\n| T-45 | checks |\n| T+90 | close |"
    assert window(no_end)[:3] == ("2026-10-15T20:15", "2026-10-15T22:30", "Europe/Berlin")




@pytest.mark.parametrize(("text", "stages"), [
    # stages written apart, each at its minute of a T-minus timeline: held until the next
    ("T+5: send 10% of traffic to green, then 50% at T+15, then 100% at T+25.", [(10, 600), (50, 600), (100, 0)]),
    # holds without a verb
    ("Traffic to v4.2.0: 5% → 25% → 100%, 15 min at each stage.", [(5, 900), (25, 900), (100, 0)]),
    ("Traffic moves from 10% to 30% to 100% of members, 5 minutes per step.", [(10, 300), (30, 300), (100, 0)]),
    ("Shift query traffic 10% -> 50% -> 100%, hold 90 s at each step", [(10, 90), (50, 90), (100, 0)]),
    # a percentage compared with something is a limit, never a stage of the progression
    ("Ramp traffic 10% → 50% → 100%, error rate to stay below 1%, 5 minutes each.", [(10, 300), (50, 300), (100, 0)]),
])
def test_traffic_progressions_as_written(text: str, stages: list[tuple[int, float]]) -> None:
    got, _ = canary(f"# T\n## Phase 1: Shift\n{text}\n")
    assert got == stages


def test_a_section_with_only_a_progression_is_a_phase_and_its_abort_limits_are_the_canary_analysis() -> None:
    doc = (f"# T\n{GO}\n## Canary\n\nTraffic to v2: 5% → 25% → 100%, 15 min at each stage."
           " Auto-abort if error rate > 2% or p99 > 1.5 s.\n")
    stages, limits = canary(doc)
    assert [w for w, _h in stages] == [5, 25, 100]
    assert limits == {"max_error_rate": 0.02, "max_p99": 1.5}


def test_a_roll_back_sentence_of_a_phase_limits_the_canary_once() -> None:
    doc = ("# T\n## 3. Shift traffic (60 min)\n\nTraffic goes to the canary: **5% → 25% → 100%**, holding"
           " **15 minutes** at each step.\n\nAbort and roll back if the 5xx rate goes above **0.5%** or p95 latency"
           " above **300 ms**.\n\n## Rollback\n\nIf p99 > 2 s, roll back:\n\n```bash\n./app undo\n```\n")
    stages, limits = canary(doc)
    assert stages == [(5, 900), (25, 900), (100, 0)]
    assert limits == {"max_error_rate": 0.005, "max_p95": 0.3, "max_p99": 2.0}
    _, summary = load(doc)
    assert not any("stricter limit" in s for s in summary)  # the rollback's own sentence is not counted twice


ROLES = "## Team\n\n| Role | Name |\n|---|---|\n| Incident commander | Yusuf Demir |\n| Change Manager | Ana Ruiz |\n\n"


@pytest.mark.parametrize(("text", "role"), [
    ("Yusuf decides GO (keep green) or NO-GO (section 5).", "Incident commander"),
    ("Yusuf gives the GO for section 2.", "Incident commander"),
    ("Decision: the Change Manager decides whether the freeze holds.", "Change Manager"),
    ("The Change Manager confirms acceptance on the bridge.", "Change Manager"),
    ("### Checkpoint\n\nAre the row counts equal? Ana signs off.", "Change Manager"),
    ("Go/No-Go: Sunita Rao (DBA) signs off on the verification queries.", "DBA"),
])
def test_go_no_go_decisions_in_their_written_forms(text: str, role: str) -> None:
    plan, _ = load(f"# T\n{ROLES}{GO}\n{text}\n")
    gate = plan.phases[0].gate
    assert gate is not None and gate.approvals is not None and gate.approvals.role == role
    assert role in plan.approvers


@pytest.mark.parametrize("text", ["GO or NO-GO after the smoke tests.",
                                  "### Checkpoint\n\nAre the row counts equal on both sides?"])
def test_go_no_go_that_names_nobody_is_still_the_phases_gate_and_a_persons(text: str) -> None:
    """A decision that names nobody is asked of the Go/No-Go approver (a role listing nobody until the operator
    writes who: `golive run` refuses until then), never a gate that passes by itself."""
    plan, _ = load(f"# T\n{GO}\n{text}\n")
    gate = plan.phases[0].gate
    assert gate.description and gate.approvals is not None and gate.approvals.role == "Go/No-Go approver"
    assert plan.approvers == {"Go/No-Go approver": []}


def test_a_checkpoint_that_only_restates_success_stays_golives() -> None:
    plan, _ = load(f"# T\n{GO}\nCheckpoint: all shards green before step 3.\n")
    assert plan.phases[0].gate.description and plan.phases[0].gate.approvals is None


def test_a_named_decider_without_a_role_decides_as_the_go_no_go_approver() -> None:
    plan, _ = load(f"# T\n{GO}\n**Go/No-Go** — Claire Dubois decides after Stage 4.\n")
    gate = plan.phases[0].gate
    assert gate is not None and gate.approvals is not None
    assert plan.approvers[gate.approvals.role] == ["Claire Dubois"]


def test_a_sentence_naming_nobody_of_the_document_is_not_a_gate() -> None:
    plan, _ = load(f"# T\n{ROLES}{GO}\nThe script decides the shard order and approves nothing itself.\n")
    assert plan.phases[0].gate.description is None and plan.phases[0].gate.approvals is None


def levels(doc: str) -> list[tuple[str, list[str], list[str]]]:
    plan, _ = load(doc)
    assert plan.rollback is not None
    return [(lv.name, list(lv.covers), [s.kind for s in lv.steps]) for lv in plan.rollback.levels]


FOUR = "".join(f"## {n}. {name}\n```bash\n./{cmd}\n```\n" for n, name, cmd in [
    (1, "Snapshot", "snapshot create pre"), (2, "Deploy", "deploy 8.0"), (3, "Ramp", "weights set 50"),
    (4, "Cleanup", "shards drop old")])


def test_two_rollback_levels_written_one_after_the_other_stay_two_and_cover_what_they_name() -> None:
    doc = (f"# T\n{FOUR}\n## Rollback\n\nDuring the ramp (steps 2-3): send the queries back.\n\n```bash\n"
           "./deploy 7.9\n```\n\nAfter the cleanup (step 4): rebuild the old shards.\n\n```bash\n"
           "./snapshot restore pre\n```\n")
    assert levels(doc) == [("During the ramp (steps 2-3)", ["2. Deploy", "3. Ramp"], ["shell"]),
                           ("After the cleanup (step 4)", ["4. Cleanup"], ["shell"])]


def test_a_condition_naming_a_phase_is_a_trigger_not_what_the_level_covers() -> None:
    doc = f"# T\n{FOUR}\n## Rollback (only if step 1 fails)\n\n```bash\n./deploy 7.9\n```\n"
    [(_name, covers, _kinds)] = levels(doc)
    assert covers == ["2. Deploy"]  # from what its command names, not "step 1"


def test_listed_rollback_triggers_are_the_levels_conditions_never_its_steps() -> None:
    doc = (f"# T\n## Phase 1: Shift\nShift traffic 10% -> 100%, 5 minutes each.\n{GO.replace('Phase 1', 'Phase 2')}"
           "\n## Back-out\n\nBack-out is invoked if any of the following happens:\n\n- SSO login fails\n"
           "- the error rate exceeds 3%\n\nBack-out steps:\n\n```bash\n./app deploy 1.9\n```\n")
    plan, _ = load(doc)
    assert plan.rollback is not None
    [level] = plan.rollback.levels
    assert [s.kind for s in level.steps] == ["shell"]
    assert "SSO login fails" in (level.description or "")
    _, limits = canary(doc)
    assert limits == {"max_error_rate": 0.03}


def test_a_deploy_with_a_version_flag_changes_something() -> None:
    doc = ("# T\n## Phase 1: Check\n```bash\n./app --version\n```\n## Phase 2: Ship\n```bash\n"
           "./app deploy --version 2.0\n```\n## Rollback\n```bash\n./app deploy --version 1.9\n```\n")
    [(_name, covers, _kinds)] = levels(doc)
    assert covers == ["Phase 2: Ship"]


@pytest.mark.parametrize("heading", ["bad?", "Broken?", "If it goes wrong?"])
def test_a_heading_asking_whether_it_failed_is_the_rollback_and_its_terse_lines_are_its_steps(heading: str) -> None:
    doc = (f"# T\n{GO}\n## {heading}\nundo: `kubectl -n x rollout undo deploy/api`\nthen check the queue again.\n\n"
           "Then page the on-call lead in #ops.\n")
    plan, _ = load(doc)
    assert plan.rollback is not None
    [level] = plan.rollback.levels
    kinds = [(s.kind, (s.model_dump().get("shell") or {}).get("command")
              or s.model_dump().get("manual", {}).get("instruction")) for s in level.steps]
    assert kinds == [("shell", "kubectl -n x rollout undo deploy/api"), ("manual", "then check the queue again."),
                     ("manual", "Then page the on-call lead in #ops.")]


def test_a_rollback_paragraph_without_a_command_line_stays_text() -> None:
    doc = f"# T\n{GO}\n## Rollback\nCall the `dba` first.\n\n```bash\n./app deploy 1.9\n```\n"
    plan, _ = load(doc)
    assert plan.rollback is not None
    [level] = plan.rollback.levels
    assert [s.kind for s in level.steps] == ["shell"] and "Call the dba first." in (level.description or "")


SIGN = "## Sign-off\n\n| Role | Name | Signature |\n|---|---|---|\n| Service Owner | {who} | |\n"


@pytest.mark.parametrize(("where", "who", "gated"), [
    ("after", "Ines Duarte", True),     # a filled sign-off after the last phase accepts it
    ("after", "______", False),         # a blank form names nobody
    ("before", "Ines Duarte", False),   # approvals before the phases are no Go/No-Go of the last phase
    ("between", "Ines Duarte", False),  # nor between them
])
def test_a_sign_off_table_after_the_last_phase_is_its_go_no_go(where: str, who: str, gated: bool) -> None:
    sign = SIGN.format(who=who)
    doc = {"before": f"# T\n{sign}\n{GO}", "after": f"# T\n{GO}\n{sign}",
           "between": f"# T\n{GO}\n{sign}\n{GO.replace('Phase 1: Go', 'Phase 2: More')}"}[where]
    plan, _ = load(doc)
    approvals = plan.phases[-1].gate.approvals
    assert (approvals is not None and approvals.role == "Service Owner") is gated


def test_a_table_of_traffic_stages_is_a_canary_with_its_holds() -> None:
    doc = ("# T\n## Canary\n\n| Stage | Traffic | Hold |\n|---|---|---|\n| 1 | 5% | 10 min |\n| 2 | 25% | 10 min |\n"
           "| 3 | 100% | - |\n")
    stages, _ = canary(doc)
    assert stages == [(5, 600), (25, 600), (100, 0)]


@pytest.mark.parametrize(("line", "want"), [
    ("Window: 2026-03-14T01:00+01:00 – 2026-03-14T03:00+01:00", ("2026-03-14T01:00", "2026-03-14T03:00", "Etc/GMT-1")),
    ("Window: 2026-03-14T01:00Z to 2026-03-14T03:00Z", ("2026-03-14T01:00", "2026-03-14T03:00", "UTC")),
    ("window: Tue 2026-04-07 13:00-13:30 UTC (low traffic)", ("2026-04-07T13:00", "2026-04-07T13:30", "UTC")),
    ("| | |\n|---|---|\n| Date | 2026-03-03 |\n| Start time | 10pm ET |\n| End time | 2am ET |",
     ("2026-03-03T22:00", "2026-03-04T02:00", "America/New_York")),
])
def test_iso_offsets_and_start_end_times(line: str, want: tuple[str, str, str]) -> None:
    assert window(line)[:3] == want


@pytest.mark.parametrize("text", ["Go-No-Go: are all shards green?", "**Gate:** all shards green before step 3.",
                                  "### Gate\n\nAll shards green?", "Go No-Go after the smoke tests."])
def test_more_go_no_go_spellings(text: str) -> None:
    plan, _ = load(f"# T\n{ROLES}{GO}\n{text}\n")
    assert plan.phases[0].gate.description


def test_limits_written_with_at_least_signs() -> None:
    _, limits = canary("# T\n## Phase 1: Shift\nShift traffic 10% -> 100%, 5 minutes each. Abort if the error rate"
                       " ≥ 2% or p95 latency >= 400 ms.\n")
    assert limits == {"max_error_rate": 0.02, "max_p95": 0.4}


def test_a_table_of_rollback_triggers_limits_the_canary() -> None:
    doc = ("# T\n## Phase 1: Shift\nShift traffic 10% -> 100%, 5 minutes each.\n\n## Rollback triggers\n\n"
           "| Signal | Roll back when |\n|---|---|\n| Error rate | above 2% for 5 min |\n| p99 latency | > 900 ms |\n")
    _, limits = canary(doc)
    assert limits == {"max_error_rate": 0.02, "max_p99": 0.9}


def test_dotted_day_first_dates_french_clocks_and_more_zone_abbreviations() -> None:
    assert window("Window: 03.04.2026, 22h00 - 01h30 MEZ")[:3] == ("2026-04-03T22:00", "2026-04-04T01:30",
                                                                  "Europe/Berlin")
    assert window("Window: 2026-07-01 09:00-10:00 NZST")[2] == "Pacific/Auckland"


def test_a_list_of_bare_stages_under_a_traffic_line_is_a_canary() -> None:
    stages, _ = canary("# T\n## Phase 1: Ramp\n\nTraffic ramp:\n\n1. 10% for 10 min\n"
                       "2. Stage 2: 50% (hold 15 minutes)\n3. 100%\n")
    assert stages == [(10, 600), (50, 900), (100, 0)]


def test_percent_items_that_are_no_stages_stay_steps() -> None:
    plan, _ = load("# T\n## Phase 1: Ramp traffic\n\n- [ ] 5% error budget left\n- [ ] 50% of the pods ready\n")
    assert [s.kind for s in plan.phases[0].steps] == ["manual", "manual"]
    plan, _ = load("# T\n## Phase 1: Checks\n\n1. 10% for 10 min\n2. 100%\n")  # a list about nothing said traffic
    assert [s.kind for s in plan.phases[0].steps] == ["manual", "manual"]


@pytest.mark.parametrize("text", ["STOP: do not proceed until the DBA confirms the row counts.",
                                  "Proceed only if every smoke test passed."])
def test_a_hold_point_is_the_phases_go_no_go(text: str) -> None:
    plan, _ = load(f"# T\n{GO}\n{text}\n")
    assert plan.phases[0].gate.description == text


def test_a_window_stated_in_its_heading_with_the_date_below() -> None:
    plan, _ = load(f"# T\n## Deployment window: 02:00–04:00 CET\n\n**Date:** 2026-03-14\n\n{GO}")
    assert plan.window is not None
    assert (plan.window.start, plan.window.end, plan.window.timezone) == ("2026-03-14T02:00", "2026-03-14T04:00",
                                                                         "Europe/Berlin")


def test_the_t_zero_anchor_is_the_one_with_a_time() -> None:
    text = ("T-0: the first node goes out.\n\n**T-0 = 06:00 UTC** on 2026-02-21, window ends 07:30 UTC\n\n"
            "| When | What |\n|---|---|\n| T-15 | checks |\n| T+30 | done |")
    assert window(text)[:3] == ("2026-02-21T05:45", "2026-02-21T07:30", "UTC")


def test_a_level_saying_what_it_undoes_covers_those_phases() -> None:
    doc = f"# T\n{FOUR}\n## Rollback\n\nThis undoes steps 3-4.\n\n```bash\n./deploy 7.9\n```\n"
    [(_name, covers, _kinds)] = levels(doc)
    assert covers == ["3. Ramp", "4. Cleanup"]


@pytest.mark.parametrize("text", ["Approval: the Change Manager signs the CR.",
                                  "Sign-off — QA confirms the smoke run."])
def test_approval_and_sign_off_lines_are_a_go_no_go(text: str) -> None:
    plan, _ = load(f"# T\n{GO}\n{text}\n")
    assert plan.phases[0].gate.description == text


def test_trigger_items_of_a_level_and_of_a_phase_are_limits_not_level_steps() -> None:
    doc = ("# T\n## Phase 1: Shift\nShift traffic 10% -> 100%, 5 minutes each.\n\n- [ ] Watch the 5xx panel; roll back"
           " if the error rate goes above 3%\n\n## Rollback\n\n- Roll back if p99 > 1 s for 5 minutes\n"
           "- If the migration fails, restore the snapshot\n\n```bash\n./app deploy 1.9\n```\n")
    _, limits = canary(doc)
    assert limits == {"max_error_rate": 0.03, "max_p99": 1.0}
    [(_name, _covers, kinds)] = levels(doc)
    assert kinds == ["manual", "shell"]  # the restore instruction stays a step; the p99 condition does not


def test_a_condition_item_before_a_labelled_part_does_not_split_the_level() -> None:
    doc = (f"# T\n{GO}\n## Rollback\n\n- Roll back if the error rate > 4% for 3 minutes\n\nIf p99 > 750 ms, roll"
           " back:\n\n```bash\n./app deploy 1.9\n```\n")
    assert [name for name, _c, _k in levels(doc)] == ["Rollback"]


@pytest.mark.parametrize(("text", "until"), [
    # a deadline for being back, in the sentence that says it is the abort case
    ("Window: Wed 2027-03-10, 04:00–07:00 UTC. The payroll export runs at 07:45, so the old service must be back"
     " by 07:20 at the latest if we abort.", "2027-03-10T07:20"),
    ("Window: Wed 2027-03-10, 04:00–07:00 UTC. If we roll back, the old job has to be back before 06:40.",
     "2027-03-10T06:40"),
    # "back by" with no abort in its sentence is no rollback limit
    ("Window: Wed 2027-03-10, 04:00–07:00 UTC. The on-call engineer must be back by 06:30 from the data centre.",
     None),
])
def test_a_deadline_for_being_back_if_we_abort_is_the_rollback_limit(text: str, until: str | None) -> None:
    assert window(text)[3] == until


@pytest.mark.parametrize(("text", "zone"), [
    # "(all times Europe/Lisbon)" on its own line after the window: the zone of every time, with no verb
    ("Scheduled: 2027-01-16 05:00-07:00\n(all times Europe/Lisbon). Rollback possible until 06:30.",
     "Europe/Lisbon"),
    # "at all times" is no zone statement
    ("Scheduled: 2027-01-16 05:00-07:00\nKeep the bridge open at all times (Europe/Lisbon office).", "UTC"),
])
def test_all_times_with_no_verb_states_the_zone(text: str, zone: str) -> None:
    assert window(text)[2] == zone


def test_an_italian_window_row_with_its_range_words_country_zone_and_return_deadline() -> None:
    # "dalle ore 06:00 alle ore 08:00": the range is said by "alle"; "ora italiana" is Europe/Rome; the
    # "rientro" (going back) deadline is the rollback limit
    table = ("| Voce | Valore |\n|---|---|\n| Finestra di intervento | domenica 17/01/2027 dalle ore 22:00 alle ore"
             " 23:30 (ora italiana) |\n| Termine ultimo per il rientro | ore 23:50 |")
    assert window(table) == ("2027-01-17T22:00", "2027-01-17T23:30", "Europe/Rome", "2027-01-17T23:50")


def test_a_window_sentence_wrapped_at_a_line_end_is_one_sentence() -> None:
    text = ("Agree the run sheet below. The change window is\n**Friday 19 February 2027, 20:00 to 22:00 UTC**. A"
            " rollback must be complete by 22:30 UTC.")
    assert window(text) == ("2027-02-19T20:00", "2027-02-19T22:00", "UTC", "2027-02-19T22:30")


@pytest.mark.parametrize("question", ["**Q: When?**", "### When is it?"])
def test_the_answer_to_a_question_asking_when_is_the_window(question: str) -> None:
    text = (f"{question}\n\nA: Monday 22 February 2027, 6:30pm to 8pm Melbourne time. We can still roll back until"
            " 8:30pm.")
    assert window(text) == ("2027-02-22T18:30", "2027-02-22T20:00", "Australia/Melbourne", "2027-02-22T20:30")


def test_an_italian_going_back_sentence_limits_the_canary() -> None:
    # "Si torna indietro se il tasso di errori 5xx supera il 2% oppure se il p95 supera 1,2 s": going back
    # ("torna indietro") is the trigger, "tasso di errori" the error rate, "supera il" the comparison
    doc = ("# T\n## Fase 3 – Traffico\n\nIl traffico passa ai nodi nuovi: 10% → 50% → 100%, 10 minuti per passo."
           " Si torna indietro se il tasso di errori 5xx supera il 3% oppure se il p95 supera 0,8 s.\n\n"
           "## Rientro\n\n```bash\n./app undo\n```\n")
    _stages, limits = canary(doc)
    assert limits == {"max_error_rate": 0.03, "max_p95": 0.8}


@pytest.mark.parametrize(("said", "hold"), [("10 minuti per passo", 600), ("15 minuti a ogni passo", 900),
                                            ("30 secondi per passo", 30)])
def test_an_italian_hold_per_step(said: str, hold: float) -> None:
    doc = f"# T\n## Fase 3 – Traffico\n\nIl traffico passa ai nodi nuovi: 10% → 50% → 100%, {said}.\n"
    stages, _limits = canary(doc)
    assert stages == [(10, hold), (50, hold), (100, 0)]
