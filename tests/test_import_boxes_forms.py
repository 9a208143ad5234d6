"""Issue 14, the written forms a third blind set showed missing: windows in Jira dates, French hours, one "pm" for
both ends and zones as words or cities; traffic ramps in prose ("puis", "then to", a stage naming where its share
goes and for how long); criteria, Go/No-Go and abort limits inside admonitions (`!!!`, `:::`, `> [!NOTE]`) and MDX
components; expected results stated in prose next to a command. Each form on a small document of our own wording."""

from __future__ import annotations

import re
from typing import Any

import pytest

from golive.plan.importer.clock import written_times
from golive.plan.md_blocks import parse_blocks
from importforms import GO, canary, load, window

# -- windows ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "want"), [
    # Jira's dd/Mon/yy, two fields side by side on one bold line, the zone in a sentence of its own
    ("**Planned start:** 21/Jan/27 7:30 PM   **Planned end:** 21/Jan/27 9:00 PM\n\nAll times are Chicago time (CST).",
     ("2027-01-21T19:30", "2027-01-21T21:00", "America/Chicago", None)),
    # French hours "22 h 00", "à", a city for the zone, a rollback limit "minuit"
    ("**Fenêtre :** jeudi 14 janvier 2027, de 21 h 30 à 23 h (heure de Paris)\n"
     "**Retour arrière possible jusqu'à :** minuit",
     ("2027-01-14T21:30", "2027-01-14T23:00", "Europe/Paris", "2027-01-15T00:00")),
    # one "pm" for both ends, the US zone as a word, "until midnight" in the next sentence
    ("Window: Saturday Feb 6th 2027, 9–11pm Eastern. We can still roll back until midnight.",
     ("2027-02-06T21:00", "2027-02-06T23:00", "America/New_York", "2027-02-07T00:00")),
    # "11–1am": the start is the 11 before 1 a.m., the evening before
    ("Window: Fri 2027-04-02, 11–1am UTC", ("2027-04-02T23:00", "2027-04-03T01:00", "UTC", None)),
    # "noon" as the rollback limit; a zone name with a US word in it stays that zone
    ("Window: 2027-05-04 10:00–11:30 Pacific/Auckland. Roll back until noon.",
     ("2027-05-04T10:00", "2027-05-04T11:30", "Pacific/Auckland", "2027-05-04T12:00")),
    # four-digit clocks with a zone after them, Zulu time, clocks with a dot before "Uhr"
    ("Window: Sat 2027-04-03 2200-0100 UTC", ("2027-04-03T22:00", "2027-04-04T01:00", "UTC", None)),
    ("Window: 3 Apr 2027 2200–0130Z\n\nAll times are CET unless marked Z.",
     ("2027-04-03T22:00", "2027-04-04T01:30", "UTC", None)),
    ("**Zeitfenster:** Samstag, 3. April 2027, 22.00–23.30 Uhr MESZ",
     ("2027-04-03T22:00", "2027-04-03T23:30", "Europe/Berlin", None)),
    # admonitions: the box's title is the key
    (":::info Window\nTuesday 2027-06-01, 10:00–11:30 JST (Asia/Tokyo).\n:::",
     ("2027-06-01T10:00", "2027-06-01T11:30", "Asia/Tokyo", None)),
    ('!!! note "Window"\n    Wednesday 20 January 2027, 21:00 - 22:30 UTC',
     ("2027-01-20T21:00", "2027-01-20T22:30", "UTC", None)),
])
def test_window_forms(text: str, want: tuple[str, str, str, str | None]) -> None:
    assert window(text) == want


def test_window_in_front_matter() -> None:
    plan, _ = load("---\ntitle: x\nwindow: 2027-03-05T20:00+01:00/2027-03-05T22:00+01:00\n---\n\n# T\n\n" + GO)
    assert plan.window is not None
    assert (str(plan.window.start), str(plan.window.end), plan.window.timezone) == \
        ("2027-03-05T20:00", "2027-03-05T22:00", "Etc/GMT-1")


def test_written_times_leave_durations_and_zone_names() -> None:
    """Only times of day are rewritten: a French duration "2 h" alone, a zone name "US/Pacific"/"Pacific/Fiji",
    a word that only contains "noon" stay as written."""
    assert written_times("durée 2 h, puis 3 h") == "durée 2 h, puis 3 h"
    assert written_times("2027-01-01 10:00-11:00 Pacific/Fiji") == "2027-01-01 10:00-11:00 Pacific/Fiji"
    assert written_times("the afternoon shift") == "the afternoon shift"
    assert written_times("from 1.10-1.12 CET, in 2026-2027 UTC") == "from 1.10-1.12 CET, in 2026-2027 UTC"
    assert written_times("lines 1200-1300 of the log") == "lines 1200-1300 of the log"
    assert written_times("2027-01-01T22:00Z/2027-01-02T01:00Z") == "2027-01-01T22:00Z/2027-01-02T01:00Z"


# -- traffic ----------------------------------------------------------------------------------------------------

def _phase(name: str, body: str) -> str:
    return f"# T\n\n{GO}\n## Phase 2: {name}\n\n{body}\n"


def test_french_ramp_with_each_hold_and_stop_limits() -> None:
    stages, limits = canary(_phase("Bascule", "Trois paliers : 5 % puis 25 % puis 100 %, avec 20 minutes "
                                   "d'observation à chaque palier.\nOn arrête si le taux d'erreurs dépasse 2 % ou si"
                                   " le p95 dépasse 1200 ms."))
    assert stages == [(5, 1200.0), (25, 1200.0), (100, 0.0)]
    assert limits == {"max_error_rate": 0.02, "max_p95": 1.2}


def test_stage_naming_its_share_destination_and_hold() -> None:
    stages, limits = canary(_phase("Shift", "Send 20% of the checkout API traffic to notif-3 for 30 minutes, then"
                                   " 100%. Stop and go back if failures go above 1%."))
    assert stages == [(20, 1800.0), (100, 0.0)]
    assert limits == {"max_error_rate": 0.01}


def test_traffic_table_in_french() -> None:
    stages, _ = canary(_phase("Bascule", "| Palier | Poids | Durée d'observation |\n|---|---|---|\n| 1 | 10 % | 15 min"
                              " |\n| 2 | 50 % | 15 min |\n| 3 | 100 % | – |"))
    assert stages == [(10, 900.0), (50, 900.0), (100, 0.0)]


def test_bump_then_to_and_finally() -> None:
    stages, _ = canary(_phase("Ramp", "Bump the canary to 10% of traffic, then to 50% and finally 100%, holding 15 "
                              "min at each step."))
    assert stages == [(10, 900.0), (50, 900.0), (100, 0.0)]


def test_phase_name_says_the_percentages_are_traffic() -> None:
    stages, _ = canary(_phase("Ramp search-api 3", "On lb-search: 10% then 50% then 100%, 15 min each."))
    assert stages == [(10, 900.0), (50, 900.0), (100, 0.0)]


def test_percentages_in_a_phase_about_something_else_make_no_canary() -> None:
    plan, _ = load(_phase("Disk cleanup", "Free 10% then 50% of the disk, then 100%."))
    assert not [s for p in plan.phases for s in p.steps if s.kind == "canary"]


# -- boxes: criteria, gates, limits ----------------------------------------------------------------------------

ROLE_TABLE = "| Role | Name |\n|---|---|\n| Owner | Yuki Sato |\n| Messaging lead | Kenji Watanabe |\n"


def _steps(plan: Any) -> list[str]:
    levels = plan.rollback.levels if plan.rollback else []
    return [str(s.model_dump(exclude_none=True)) for p in plan.phases for s in p.steps] + [
        str(s.model_dump(exclude_none=True)) for lv in levels for s in lv.steps]


def _criteria(plan: Any) -> list[str]:
    return [c if isinstance(c, str) else c.description for c in plan.success_criteria]


def test_criteria_box_after_a_rollback_box_are_criteria_not_level_steps() -> None:
    doc = (f"# T\n\n{GO}\n:::danger Rollback\n\n**Level 1: flag off**\n\n```bash\nredis-cli SET flag off\n```\n\n"
           ":::\n\n:::tip Success criteria\n\n- No duplicate pushes in 24 h\n- Quota use under 70%\n\n:::\n")
    plan, _ = load(doc)
    assert _criteria(plan) == ["No duplicate pushes in 24 h", "Quota use under 70%"]
    assert not any("duplicate" in s for s in _steps(plan))


def test_mkdocs_done_when_box_inside_a_level() -> None:
    doc = (f"# T\n\n{GO}\n## Rollback\n\n### Level 1: previous build\n\n```bash\n./app deploy 1.9\n```\n\n"
           '!!! success "Done when"\n    - two runs in a row pass\n    - no user reports by Monday\n')
    plan, _ = load(doc)
    assert _criteria(plan) == ["two runs in a row pass", "no user reports by Monday"]
    assert not any("two runs" in s for s in _steps(plan))


def test_box_ends_at_its_closing_line() -> None:
    """A checklist item after a closed criteria box is a step again."""
    doc = ("# T\n\n## Phase 1: Go\n\n```bash\n./app deploy 2.0\n```\n\n:::tip Success criteria\n\n- a steady "
           "queue\n\n:::\n\n- [ ] Tell the help desk\n")
    plan, _ = load(doc)
    assert "Tell the help desk" in " ".join(_steps(plan))
    assert _criteria(plan) == ["a steady queue"]


def test_mdx_gonogo_component_is_the_gate_of_its_owner_role() -> None:
    """`owner="Kenji Watanabe"`: Kenji's role decides, never the role named "Owner" after the attribute's word."""
    doc = (f"# T\n\n{ROLE_TABLE}\n{GO}\n<GoNoGo owner=\"Kenji Watanabe\" at=\"10:50\">\n  Before going to 100%: "
           "no errors.\n</GoNoGo>\n")
    plan, _ = load(doc)
    gate = plan.phases[0].gate
    assert gate is not None and gate.approvals is not None
    assert gate.approvals.role == "Messaging lead"


def test_github_alert_holds_the_gate() -> None:
    doc = f"# T\n\n{ROLE_TABLE}\n{GO}\n> [!IMPORTANT]\n> **Go/No-Go:** Yuki Sato decides after the smoke tests.\n"
    plan, _ = load(doc)
    gate = plan.phases[0].gate
    assert gate is not None and gate.approvals is not None and gate.approvals.role == "Owner"


def test_callout_abort_limits_reach_the_canary() -> None:
    _stages, limits = canary(_phase("Traffic", "Move 5% of traffic, then 50%, then 100%, 10 minutes each.\n\n"
                                    "<Callout type=\"danger\" title=\"Abort if\">\n  the 5xx rate goes above 0.5% "
                                    "or p95 latency above 900 ms\n</Callout>"))
    assert limits == {"max_error_rate": 0.005, "max_p95": 0.9}


def test_component_attributes_and_boxes_in_blocks() -> None:
    blocks = parse_blocks("<Tabs>\n<TabItem value=\"a\" label=\"Linux\" default>\n\ntext one\n\n</TabItem>\n"
                          "</Tabs>\n\ntext two\n")
    assert [(b.text, b.box) for b in blocks] == [("text one", "Tab Item"), ("text two", "")]


# -- expected results in prose ---------------------------------------------------------------------------------

def _check_doc(body: str) -> list[Any]:
    plan, _ = load(f"# T\n\n## Phase 1: Check\n\n{body}\n")
    return [s.model_dump(exclude_none=True) for s in plan.phases[0].steps]


def test_lead_states_the_status() -> None:
    steps = _check_doc("Check it answers (it should return 200):\n\n```bash\ncurl -fsS https://x.example/healthz\n"
                       "```")
    assert steps[0]["http"]["expect"]["status"] == [200]


def test_sentence_after_states_the_output() -> None:
    steps = _check_doc("```bash\nsystemctl is-active worker\n```\n\nIt should print `active`.")
    assert steps[0]["shell"]["command"] == "systemctl is-active worker"
    pattern = steps[0]["shell"]["expect_output"]
    assert re.search(pattern, "active\n", re.M) and not re.search(pattern, "inactive\n", re.M)


def test_sentence_after_about_something_else_is_no_check() -> None:
    steps = _check_doc("```bash\nsystemctl is-active worker\n```\n\nThe old host returns `failed` here.")
    assert "expect_output" not in steps[0]["shell"]


def test_pipeline_stays_shell_with_its_output_checked() -> None:
    """A curl piped into jq is no http step (the document runs the pipe): a status stated for it checks nothing,
    a printed value checks the pipe's output."""
    steps = _check_doc("Then (it should return 200):\n\n```bash\ncurl -fsS https://x.example/a | jq .\n```")
    assert steps[0]["shell"]["command"] == "curl -fsS https://x.example/a | jq ."
    assert "expect_output" not in steps[0]["shell"]
    steps = _check_doc("```bash\ncurl -fsS https://x.example/a | jq -r .state\n```\n\nIt should print `ok`.")
    assert steps[0]["shell"]["command"] == "curl -fsS https://x.example/a | jq -r .state"
    pattern = steps[0]["shell"]["expect_output"]
    assert re.search(pattern, "ok\n", re.M) and not re.search(pattern, "not-ok\n", re.M)


def test_alert_marker_is_no_text() -> None:
    """`> [!WARNING]` is the box's type, never words of the phase."""
    plan, _ = load(f"# T\n\n{GO}\n> [!WARNING]\n> Never delete the queue directory.\n")
    assert plan.phases[0].description == "Never delete the queue directory."


def test_curl_printing_the_status_code_checks_the_status_not_the_body() -> None:
    steps = _check_doc("- [ ] `curl -fsS -o /dev/null -w '%{http_code}' https://x.example/up` prints `200`")
    assert steps[0]["http"]["expect"]["status"] == [200]
    assert "body_contains" not in steps[0]["http"]["expect"]


def test_test_table_checks_its_command_rows() -> None:
    plan, _ = load("# T\n\n" + GO + "\n## Test plan\n\n| # | Test | Expected |\n|---|---|---|\n"
                   "| T1 | `curl -fsS https://x.example/api/version` | `{\"version\": \"5.2.0\"}` |\n"
                   "| T2 | Open the statement of account A-7 | the new footer |\n")
    steps = [s.model_dump(exclude_none=True) for s in plan.phases[1].steps]
    assert steps[0]["http"]["expect"]["json_values"] == {"$.version": "5.2.0"}
    assert "A-7" in str(steps[1]["manual"])


# -- criteria in one sentence, a gate's decider written with their role -----------------------------------------

@pytest.mark.parametrize(("sentence", "want"), [
    ("We call it done when: zero-result rate under 4%, p95 under 250 ms at peak, lag under 5 min by noon.",
     ["zero-result rate under 4%", "p95 under 250 ms at peak", "lag under 5 min by noon"]),
    ("**Done =** one leader and two replicas, quorum on `10.0.0.12`, 5xx under 0.5% for 30 minutes.",
     ["one leader and two replicas", "quorum on 10.0.0.12", "5xx under 0.5% for 30 minutes"]),
    # a comma inside a number is no separator
    ("Success criteria: 1,204 rows in the report; no errors", ["1,204 rows in the report", "no errors"]),
])
def test_criteria_in_one_sentence(sentence: str, want: list[str]) -> None:
    plan, _ = load(f"# T\n\n{GO}\n- [ ] Tell the team\n\n{sentence}\n")
    assert _criteria(plan) == want
    assert not any("under" in s or "rows in" in s for s in _steps(plan))


def test_sentence_with_a_colon_that_is_no_criteria_lead_stays() -> None:
    plan, _ = load(f"# T\n\n{GO}\nNote: the old host stays up, untouched, until Monday.\n")
    assert _criteria(plan) == []


def test_gate_decider_written_with_a_longer_role() -> None:
    """"Tariq Aziz (Service Owner) decides": the role written with him, never a role "Owner" the document also
    has (whose words are part of it)."""
    doc = (f"# T\n\n| Role | Name |\n|---|---|\n| Owner | Pieter de Vries |\n\n{GO}\n**Go/No-Go:** Tariq Aziz "
           "(Service Owner) decides once the tests pass.\n")
    plan, _ = load(doc)
    gate = plan.phases[0].gate
    assert gate is not None and gate.approvals is not None and gate.approvals.role == "Service Owner"
    assert plan.approvers["Service Owner"] == ["Tariq Aziz"]


def test_roll_back_if_box_in_a_phase_is_the_trigger_of_the_level_covering_it() -> None:
    doc = (f"# T\n\n{GO}\n"
           '!!! danger "Roll back if"\n    the app restarts more than 3 times in 5 minutes\n\n'
           "## Phase 2: Notes\n\n- [ ] Tell the help desk\n\n"
           "## Rollback\n\n### Level 1: previous build\n\n```bash\n./app deploy 1.9\n```\n")
    plan, _ = load(doc)
    assert plan.rollback is not None
    level = plan.rollback.levels[0]
    assert "restarts more than 3 times" in (level.description or "")
    assert not any("restarts" in s for s in _steps(plan))


def test_a_box_of_another_title_is_no_trigger() -> None:
    doc = (f"# T\n\n{GO}\n"
           '!!! note "Before you start"\n    the app restarts more than 3 times while it warms up; that is fine\n\n'
           "## Rollback\n\n### Level 1: previous build\n\n```bash\n./app deploy 1.9\n```\n")
    plan, _ = load(doc)
    assert plan.rollback is not None
    assert "restarts" not in (plan.rollback.levels[0].description or "")


def test_table_row_about_the_query_below_is_its_check() -> None:
    table = ("| # | Test | Expected |\n|---|---|---|\n| T1 | Open the report page | it loads |\n"
             "| T2 | Run the query below on db-1 | 0 |\n")
    plan, _ = load(f"# T\n\n{GO}\n## Test plan\n\n{table}\n```sql\nSELECT count(*) FROM jobs WHERE failed;\n```\n")
    steps = [s.model_dump(exclude_none=True) for s in plan.phases[1].steps]
    assert [s["sql"]["expect"].get("value") for s in steps if "sql" in s] == [0]
    assert not any("query below" in str(s.get("manual", "")) for s in steps)
    # no query after it: the row stays a person's step, where it stood
    plan, _ = load(f"# T\n\n{GO}\n## Test plan\n\n{table}")
    steps = [s.model_dump(exclude_none=True) for s in plan.phases[1].steps]
    assert "query below" in str(steps[1]["manual"])
