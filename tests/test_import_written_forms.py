"""Issue 14, common ways teams write windows, traffic, phase timeboxes and rollback levels that the first importer
missed on runbooks it had never seen: each form on a small document of our own wording, so a regression names the
form it lost (bold-line and translated windows, front matter, prose and German progressions, abort columns,
timeboxes inside a parenthesis, trigger paragraphs and tables of levels, what a level covers)."""

from __future__ import annotations

from typing import Any

import pytest

from golive.plan.importer.covers import changes, is_data
from golive.plan.md_traffic import hold_minutes, stage_item, stages_in, thresholds_in
from importforms import GO, canary, load, window

# -- windows ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "want"), [
    # "13:00 America/..." is 13:00: "Am" of a zone name is no a.m.
    ("| Field | Value |\n|---|---|\n| Window | 2027-05-04 10:00 – 13:00 America/Bogota (COT) |",
     ("2027-05-04T10:00", "2027-05-04T13:00", "America/Bogota", None)),
    # an arrow between two dates with their times; the range under a "Date" key (page properties)
    ("Date: 2027-05-20 21:00 → 2027-05-21 00:30 UTC", ("2027-05-20T21:00", "2027-05-21T00:30", "UTC", None)),
    ("Scheduled: March 3, 2027 11:15 PM (GMT-5) → March 4, 2027 1:45 AM",
     ("2027-03-03T23:15", "2027-03-04T01:45", "Etc/GMT+5", None)),
    # German: the key, the month name, "bis", "Uhr", a summer-time abbreviation, the rollback limit
    ("**Zeitfenster:** Mittwoch, 9. Juni 2027, 20:00 bis 22:30 Uhr MESZ\n**Rückfall möglich bis:** 21:40 Uhr",
     ("2027-06-09T20:00", "2027-06-09T22:30", "Europe/Berlin", "2027-06-09T21:40")),
    # Spanish and French month names and keys, a French clock "22h00" and "à"
    ("**Ventana de mantenimiento:** jueves 14 de octubre de 2027, 01:00–03:00 (UTC-3)",
     ("2027-10-14T01:00", "2027-10-14T03:00", "Etc/GMT+3", None)),
    ("**Fenêtre :** samedi 6 novembre 2027, 22h00 à 23h30 CET",
     ("2027-11-06T22:00", "2027-11-06T23:30", "Europe/Berlin", None)),
    # the rollback limit inside the window's own line, after "restored until"
    ("**Window:** Tue 2027-01-19, 20:00–22:00 UTC (the data can be restored until 21:15, not later)",
     ("2027-01-19T20:00", "2027-01-19T22:00", "UTC", "2027-01-19T21:15")),
    # a version's last dot ends its sentence ("2.1.0. Window: ...") as before: only a day's number does not
    ("Upgrade 2.0.3 → 2.1.0. Window: Friday 2027-10-08, 22:00–23:30 GMT+1.",
     ("2027-10-08T22:00", "2027-10-08T23:30", "Etc/GMT-1", None)),
    # the part after a middle dot continues the window's value
    ("**Change window:** Monday 12 April 2027 · 18:30–20:00 BST",
     ("2027-04-12T18:30", "2027-04-12T20:00", "Europe/London", None)),
])
def test_windows_in_the_forms_teams_write(text: str, want: tuple[str, str, str, str | None]) -> None:
    assert window(text) == want


def test_window_facts_in_a_table_with_their_rollback_limit() -> None:
    """A table row is read without the prose scan: the limit inside the window's cell, a German key of its own."""
    table = "| | |\n|---|---|\n| Window | 2027-01-19 20:00–22:00 UTC (restore possible until 21:15) |"
    assert window(table) == ("2027-01-19T20:00", "2027-01-19T22:00", "UTC", "2027-01-19T21:15")
    german = "| | |\n|---|---|\n| Zeitfenster | 19.01.2027, 20:00–22:00 Uhr MEZ |\n| Rückfallpunkt | 21:30 Uhr |"
    assert window(german) == ("2027-01-19T20:00", "2027-01-19T22:00", "Europe/Berlin", "2027-01-19T21:30")


def test_a_rollback_limit_in_a_callout_and_a_rollback_line_without_a_time() -> None:
    """"Rollback is at the end: read it first." names no time; "can only be put back until 23:10" does."""
    text = ("Owner: Rui Costa\nDate: 2027-08-02 22:00 → 2027-08-03 00:30 UTC\n\n"
            "Rollback is at the end: read it first. Orders can only be put back until 23:10; then we fix forward.")
    assert window(text)[3] == "2027-08-02T23:10"


def test_months_of_other_languages_need_a_year_and_a_day() -> None:
    from golive.plan.importer.clock import date_in

    assert str(date_in("Freitag, 3. Dezember 2027")) == "2027-12-03"
    assert date_in("Dezember 2027") is None  # no day: never the first of the month
    assert date_in("am 3. Dezember") is None  # no year: never some year


def test_yaml_front_matter_is_metadata_not_a_heading() -> None:
    doc = ("---\ntitle: Billing 2.0\nlabels: release, prod\nassignees: ''\n---\n\n# Billing 2.0\n\n"
           "**Window:** 2027-02-02 19:00–20:00 UTC\n\n## Deploy\n\n```bash\n./billing deploy 2.0\n```\n")
    plan, summary = load(doc)
    assert plan.name == "Billing 2.0"
    assert [p.name for p in plan.phases] == ["Deploy"]
    assert plan.window is not None and str(plan.window.start) == "2027-02-02T19:00"
    assert any("lines 1-5: YAML front matter" in s for s in summary)
    # a thematic break and a setext heading at the top are no front matter: that text stays the document's
    plain = "---\n\nRelease notes first\n---\n\n## Deploy\n\n```bash\n./billing deploy 2.0\n```\n"
    assert not any("front matter" in s for s in load(plain)[1])


# -- traffic ----------------------------------------------------------------------------------------------------



def test_a_progression_next_to_a_roll_back_sentence_is_still_one() -> None:
    doc = ("# T\n## Phase 2: Shift\n\nMove 5% of requests to v2, then 30%, then 100%, soaking 8 minutes per stage."
           " Roll back at once if the 5xx rate goes above 1.5% or p99 above 1200 ms.\n")
    assert canary(doc) == ([(5, 480), (30, 480), (100, 0)], {"max_error_rate": 0.015, "max_p99": 1.2})
    # the move back itself is never a progression
    assert stages_in("Roll back: traffic 100% -> 0%") == []


def test_a_german_progression_its_hold_and_its_abort_limits() -> None:
    doc = ("# T\n## 2. Umstellung (40 Min.)\n\n2.1 Umschalten am Balancer: 20 % → 60 % → 100 %, jeweils 12 Minuten"
           " halten.\nAbbruch bei einer Fehlerquote über 1,5 % oder p95 über 750 ms.\n")
    assert canary(doc) == ([(20, 720), (60, 720), (100, 0)], {"max_error_rate": 0.015, "max_p95": 0.75})


def test_german_stage_items_and_units() -> None:
    assert stage_item("Stufe 2: 40 % für 15 Minuten") == (40, 15.0)
    assert stage_item("Stufe 3: 100 %") == (100, None)
    assert hold_minutes("jeweils 1 Stunde beobachten") == 60.0  # Stunde: hours, never seconds
    assert hold_minutes("durante 30 segundos, mantener") is None  # a verb must say it is a hold
    assert [t.value for t in thresholds_in("Fehlerquote über 0,5 % oder Antwortzeit über 1,2 s", 1)] == ["0.5%", "1.2s"]


def test_the_abort_column_of_a_traffic_table_is_the_canary_analysis() -> None:
    doc = ("# T\n## Phase 3: Ramp\n\n| Stage | Weight | Hold | Stop if |\n|---|---|---|---|\n"
           "| 1 | 10% | 5 min | 5xx above 0.4% or p95 above 500 ms |\n| 2 | 50% | 5 min | same |\n"
           "| 3 | 100% | – | – |\n\n"
           "## Rollback\n\n| Level | When | What |\n|---|---|---|\n| 1 | 5xx above 0.4% | weights back |\n\n"
           "Level 1:\n\n```bash\n./lb weights stable=100\n```\n")
    stages, limits = canary(doc)
    assert stages == [(10, 300), (50, 300), (100, 0)]
    assert limits == {"max_error_rate": 0.004, "max_p95": 0.5}
    # the same limit written again for the level is the limit the canary enforces: nothing left unenforced
    assert not any("threshold" in s for s in load(doc)[1])


# -- phases -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("heading", "want"), [
    ("Cut-over (T-0, 30 min)", ("Cut-over (T-0)", 30.0)),
    ("Pre-checks (06:00; ~10 min)", ("Pre-checks (06:00)", 10.0)),
    ("Ramp (45 min, Ops)", ("Ramp (Ops)", 45.0)),
    ("Close (06:50, 2 people)", ("Close (06:50, 2 people)", None)),  # no part is a duration
    ("Both (10 min, 20 min)", ("Both (10 min, 20 min)", None)),  # two durations: which one is unclear
])
def test_a_timebox_as_one_part_of_a_parenthesis(heading: str, want: tuple[str, float | None]) -> None:
    from golive.plan.importer import _Importer

    assert _Importer("# T\n", "doc.md").heading_timebox(heading) == want


def test_numbered_sub_headings_are_phases_and_a_numbered_go_no_go_is_the_gate_of_the_one_before() -> None:
    doc = ("# T\n\n## Rollout\n\n### 1. Build\n\n```bash\n./make image 3.1\n```\n\n### 2. Ship\n\n"
           "- [ ] Tell #ops\n\n```bash\n./ship 3.1\n```\n\n### 3. Go/No-Go\n\nLead says GO when the canary is"
           " clean.\n\n## Checklist\n\n### 1. Paperwork\n\n- [ ] Ticket approved\n\n### 2. People\n\n- [ ] On-call"
           " told\n")
    plan, _ = load(doc)
    assert [p.name for p in plan.phases] == ["1. Build", "2. Ship", "Checklist"]
    assert plan.phases[1].gate is not None and "canary is clean" in plan.phases[1].gate.description
    # numbered parts of a checklist stay one checklist even when a part runs a command; numbered parts with
    # nothing that runs are parts of one list of things to tick
    ticks = ("# T\n\n## Pre-flight checklist\n\n### 1. Access\n\n- [ ] VPN up\n\n```bash\n./check vpn\n```\n\n"
             "### 2. Paperwork\n\n- [ ] Ticket approved\n\n## Wrap-up\n\n### 1. Tell\n\n- [ ] Post in #ops\n\n"
             "### 2. Close\n\n- [ ] Ticket closed\n")
    assert [p.name for p in load(ticks)[0].phases] == ["Pre-flight checklist", "Wrap-up"]


# -- rollback ---------------------------------------------------------------------------------------------------

def levels(doc: str) -> list[tuple[str, str, list[str], list[str]]]:
    plan, _ = load(doc)
    assert plan.rollback is not None
    return [(lv.name, lv.description or "", list(lv.covers), [s.kind for s in lv.steps])
            for lv in plan.rollback.levels]


FORWARD = ("# T\n## Phase 1: Schema (10 min)\n```bash\ncd /srv/app && ./bin/app migrate --to 12\n```\n"
           "## Phase 2: Code (10 min)\n```bash\nsudo ln -sfn /srv/app/releases/2.0 /srv/app/current\n"
           "sudo systemctl restart app\n```\n")


def test_a_trigger_paragraph_before_the_levels_headings_is_their_description_never_a_step() -> None:
    doc = FORWARD + ("## Rollback\n\nTrigger: checkout errors above 2% for 5 minutes, or no order in 10 minutes.\n\n"
                     "### Level 1 - code\n\n```bash\nsudo ln -sfn /srv/app/releases/1.9 /srv/app/current\n"
                     "sudo systemctl restart app\n```\n\n### Level 2 - data\n\n```bash\n"
                     "pg_restore --clean -d app /backups/app.dump\n```\n")
    got = levels(doc)
    assert [g[1].splitlines()[0] for g in got] == ["Trigger: checkout errors above 2% for 5 minutes, or no order in"
                                                   " 10 minutes."] * 2
    assert [g[3] for g in got] == [["shell"], ["shell"]]
    # the migration changed data: the restore covers it; the code level undoes what the code phase changed
    assert got[0][2] == ["Phase 1: Schema", "Phase 2: Code"] or "Phase 2: Code" in got[0][2]
    assert got[1][2] == ["Phase 1: Schema"]


def test_a_level_label_is_not_copied_into_the_conditions_of_every_level() -> None:
    doc = FORWARD + ("## Rollback\n\n**L1 — code back** (if phase 2 is the problem):\n\n```bash\n"
                     "sudo ln -sfn /srv/app/releases/1.9 /srv/app/current\n```\n\n**L2 — schema back** (if phase 1"
                     " is the problem):\n\n```bash\n./bin/app migrate --to 11\n```\n")
    got = levels(doc)
    assert [g[1] for g in got] == ["L1 — code back (if phase 2 is the problem):",
                                   "L2 — schema back (if phase 1 is the problem):"]


def test_a_trigger_label_before_labelled_levels_is_their_condition() -> None:
    doc = FORWARD + ("## Rollback\n\nTrigger: no order in 10 minutes, or a page from payments.\n\n"
                     "**Level 1 — code back**:\n\n```bash\nsudo ln -sfn /srv/app/releases/1.9 /srv/app/current\n```\n\n"
                     "**Level 2 — schema back**:\n\n```bash\n./bin/app migrate --to 11\n```\n")
    got = levels(doc)
    assert [g[1].splitlines()[0] for g in got] == ["Trigger: no order in 10 minutes, or a page from payments."] * 2
    assert [g[3] for g in got] == [["shell"], ["shell"]]


def test_a_data_level_covers_the_data_phases_even_when_it_re_runs_a_forward_command() -> None:
    """`sudo systemctl restart app` after the restore is Phase 2's own step; the restore undoes Phase 1's data (the
    re-run alone would say the level goes back to the state Phase 2 left, so covers only the phases after it)."""
    doc = ("# T\n## Phase 1: Schema (10 min)\n```bash\n./bin/app migrate --to 12\n```\n## Phase 2: Code (10 min)\n"
           "```bash\nsudo ln -sfn /srv/app/releases/2.0 /srv/app/current\n```\n\n```bash\nsudo systemctl restart app\n"
           "```\n## Phase 3: Warm (5 min)\n```bash\n./bin/app cache rebuild\n```\n## Rollback\n\n### Level 1 - data\n\n"
           "```bash\npg_restore --clean -d app /backups/app.dump\n```\n\n```bash\nsudo systemctl restart app\n```\n")
    assert levels(doc)[0][2] == ["Phase 1: Schema"]


def test_a_table_of_levels_names_them_and_says_when() -> None:
    doc = FORWARD + ("## Rollback\n\n| Level | When | What |\n|---|---|---|\n| 1 | login fails | previous release |\n"
                     "| 2 | rows written wrong | schema back, then level 1 |\n\nLevel 1:\n\n```bash\n"
                     "sudo ln -sfn /srv/app/releases/1.9 /srv/app/current\n```\n\nLevel 2:\n\n```bash\n"
                     "./bin/app migrate --to 11\n```\n")
    got = levels(doc)
    assert [g[0] for g in got] == ["previous release", "schema back, then level 1"]
    assert [g[1].splitlines()[0] for g in got] == ["Trigger: login fails", "Trigger: rows written wrong"]
    # a table whose rows name a level no block gives is left for the report, never guessed into one
    other = FORWARD + ("## Rollback\n\n| Level | When | What |\n|---|---|---|\n| 1 | login fails | back |\n"
                       "| 3 | never | nothing |\n\nLevel 1:\n\n"
                       "```bash\nsudo ln -sfn /srv/app/releases/1.9 /srv/app/current\n```\n")
    assert levels(other) == [("Rollback", "Level 1:", ["Phase 2: Code"], ["shell"])]
    assert any("1 table" in s for s in load(other)[1])


def step(command: str) -> dict[str, Any]:
    return {"shell": command}


def test_what_changes_data() -> None:
    assert is_data(step("flyway -configFiles=conf/prod.conf migrate"))  # a schema migration, any tool
    assert is_data(step("./bin/orders migrate --to 0042"))
    assert not is_data(step("pg_dump -Fc -d app -f a.dump && pg_restore --list a.dump | head -5"))
    assert not changes(step("pg_restore --list a.dump | head -5"))  # reads the dump's table of contents
    assert not is_data(step("sudo dnf downgrade -y pgw-3.7.2"))  # a package downgrade puts back code
    assert is_data(step("pg_restore --clean -d app a.dump"))


def test_a_level_that_changes_what_a_re_run_phase_changed_undoes_that_phase() -> None:
    """The level re-runs the phase's `start`, but it also switches back what that phase switched: it undoes it
    (re-running alone would mean it goes back to the state the phase left, so covers the phases after it)."""
    doc = ("# T\n## Phase 1: Switch (10 min)\n```bash\nsudo ln -sfn /srv/o/releases/3.0 /srv/o/current\n```\n\n"
           "```bash\nsudo systemctl start o-api\n```\n## Phase 2: Verify (10 min)\n```bash\n./o smoke --write\n```\n"
           "## Rollback\n### Level 1\n```bash\nsudo systemctl stop o-api\n```\n\n```bash\n"
           "sudo ln -sfn /srv/o/releases/2.9 /srv/o/current\n```\n\n```bash\nsudo systemctl start o-api\n```\n")
    assert "Phase 1: Switch" in levels(doc)[0][2]


def test_a_dash_in_an_expected_cell_expects_nothing() -> None:
    doc = ("# T\n## Phase 1: Prep (5 min)\n\n| # | Step | Command | Owner | Expected |\n|---|---|---|---|---|\n"
           "| 1 | Announce in #ops | – | RM | – |\n| 2 | Stop | `./app stop` | Ops | – |\n")
    plan, _ = load(doc)
    assert plan.phases[0].steps[0].manual.instruction == "Announce in #ops"  # type: ignore[attr-defined]


def test_numbered_items_that_each_say_what_they_undo_are_levels() -> None:
    from golive.plan.importer.covers import phase_refs

    assert phase_refs("Relays back (undoes B)") == ["B"]
    assert phase_refs("Drop it (undoes A; only once step 1 is done)") == ["A", "1"]
    assert phase_refs("undoes 2 changes at once") == []  # a count, not a phase
    lettered = ("# T\n## A. Queue (10 min)\n```bash\n./q create q2\n```\n## B. Relay (10 min)\n```bash\n"
                "./relay upgrade 9.2\n```\n## Back-out\n\n")
    doc = lettered + ("1. Relay back (undoes B):\n\n   ```bash\n   ./relay upgrade 9.1\n   ```\n\n"
                      "2. Queue gone (undoes A):\n\n   ```bash\n   ./q delete q2\n   ```\n")
    assert [(g[0], g[2]) for g in levels(doc)] == [("Relay back (undoes B)", ["B. Relay"]),
                                                   ("Queue gone (undoes A)", ["A. Queue"])]
    # numbered steps of one way back (not each saying what it undoes) stay one level, in order
    steps = lettered + ("1. Relay back:\n\n   ```bash\n   ./relay upgrade 9.1\n   ```\n\n"
                        "2. Queue gone (undoes A):\n\n   ```bash\n   ./q delete q2\n   ```\n")
    assert [(g[0], g[3]) for g in levels(steps)] == [("Back-out", ["shell", "shell"])]


@pytest.mark.parametrize(("text", "want"), [
    # the change's facts as a bullet list before the phases
    ("- **Window:** 2027-12-12 22:00–01:00 UTC\n- **Rollback deadline:** 00:15 UTC",
     ("2027-12-12T22:00", "2027-12-13T01:00", "UTC", "2027-12-13T00:15")),
    # an ISO 8601 interval
    ("**Window:** 2027-09-18T01:00Z/2027-09-18T03:30Z", ("2027-09-18T01:00", "2027-09-18T03:30", "UTC", None)),
    # a date key and a time key of their own, in German and Spanish
    ("**Datum:** 12.12.2027\n**Zeit:** 22:00–01:00 Uhr MEZ",
     ("2027-12-12T22:00", "2027-12-13T01:00", "Europe/Berlin", None)),
    ("**Fecha:** 2027-12-12 · **Horario:** 22:00–01:00 (CET) · **Reversión posible hasta:** 23:30",
     ("2027-12-12T22:00", "2027-12-13T01:00", "Europe/Berlin", "2027-12-12T23:30")),
    # a start and how long it lasts, in the same line
    ("Window: 2027-12-12, 22:00 CET for 3 hours", ("2027-12-12T22:00", "2027-12-13T01:00", "Europe/Berlin", None)),
])
def test_more_window_forms(text: str, want: tuple[str, str, str, str | None]) -> None:
    assert window(text) == want


def test_a_reverse_proxy_is_no_rollback_limit() -> None:
    assert window("**Window:** 2027-12-12 22:00–23:00 UTC\n**Reverse proxy:** edge-1 until 22:30")[3] is None


def test_the_year_of_a_weekday_and_a_date() -> None:
    from datetime import date

    from golive.plan.importer.clock import span_in, weekday_date

    today = date(2026, 11, 30)
    assert weekday_date("Sat 12 Dec", today)[0] == date(2026, 12, 12)
    assert weekday_date("Samstag, 12. Dezember", today)[0] == date(2026, 12, 12)
    assert weekday_date("Sat 12 Dec 2026", today)[0] is None  # a written year is date_in's
    assert weekday_date("Wed 12 Dec", today)[0] is None  # no year from 2025 to 2028 has it on a Wednesday
    assert weekday_date("12 Dec", today)[0] is None  # no weekday: never some year
    assert weekday_date("Mon in December", today)[0] is None  # no day: never the first (1 Dec 2025 is a Monday)
    span = span_in("Sat 12 Dec 22:00–01:00 CET", today=today)
    assert span is not None and str(span.start) == "2026-12-12 22:00:00" and "names no year" in span.notes[0]


def test_a_slashed_date_that_reads_both_ways_is_no_date() -> None:
    plan, summary = load(f"# T\n\n**Window:** 03/04/2027 22:00-23:00 UTC\n\n{GO}")
    assert plan.window is None  # no date read, and never a daily window in its place
    assert any("03/04/2027" in s and "either way round" in s for s in summary)
    assert window("**Window:** 13/04/2027 22:00-23:00 UTC")[0] == "2027-04-13T22:00"  # 13 is no month


def test_percentages_written_out_and_spanish_holds_and_limits() -> None:
    doc = ("# T\n## Fase 3: Tráfico (60 min)\n\nEnviar 10 por ciento del tráfico a la versión nueva, luego 50 por"
           " ciento, luego 100 por ciento, manteniendo 15 minutos cada etapa.\n\nRevertir si la tasa de errores"
           " supera el 1,5 % o si p95 supera 800 ms.\n")
    assert canary(doc) == ([(10, 900), (50, 900), (100, 0)], {"max_error_rate": 0.015, "max_p95": 0.8})
    assert stages_in("Shift 10 percent of traffic, then 50 pct, then 100 percent") == [(10, None), (50, None),
                                                                                      (100, None)]
    assert hold_minutes("a maintenance of 30 minutes") is None  # not a hold


def test_phase_references_in_other_languages() -> None:
    from golive.plan.importer.covers import phase_refs

    assert phase_refs("deshace las fases 2 y 3") == ["2", "3"]
    assert phase_refs("macht Schritte 1 und 2 rückgängig") == ["1", "2"]


def test_each_stage_with_its_own_hold() -> None:
    from golive.plan.md_traffic import stage_holds

    assert canary("# T\n## Phase 2: Ramp\n\nRamp traffic: 1% (5 min) → 10% (10 min) → 100%.\n")[0] == [
        (1, 300), (10, 600), (100, 0)]
    assert stage_holds("Send 10% of traffic for 15 min, then 50% for 20 min, then 100%") == [15.0, 20.0, None]
    assert stage_holds("Traffic 5% → 25% → 100% (hold 10 min at each step)") == [None, None, None]


def test_numbered_moves_after_the_first_continue_the_progression() -> None:
    doc = ("# T\n## Phase 2: Canary (60 min)\n\n1. Shift 10% of traffic to green and watch for 10 minutes.\n"
           "2. Shift 50% and watch for 15 minutes.\n3. Shift 100%.\n\nAbort if errors > 1%.\n")
    assert canary(doc) == ([(10, 600), (50, 900), (100, 0)], {"max_error_rate": 0.01})
    from golive.plan.md_traffic import next_percent

    assert next_percent("Shift 50% and watch for 15 minutes") == 50
    assert next_percent("Move back to 0%") is None  # a move back
    assert next_percent("Check that errors stay below 1%") is None  # no move, and a limit
    assert next_percent("Shift 50% while 5xx stays under 1%") is None  # two percentages: unclear


def test_no_rollback_after_a_time_is_the_rollback_limit() -> None:
    assert window("Window: 2027-05-11 14:00–16:00 America/Chicago. No rollback after 15:30.")[3] == "2027-05-11T15:30"


def test_a_steps_table_with_a_duration_on_every_row_times_its_phase() -> None:
    table = ("| # | Step | Command | Duration |\n|---|---|---|---|\n| 1 | Stop | `./app stop` | 5 min |\n"
             "| 2 | Migrate | `./app migrate` | 20 min |\n| 3 | Start | `./app start` | 90 s |\n")
    plan, _ = load(f"# T\n## Cut-over\n\n{table}")
    assert plan.phases[0].timebox == 26.5 * 60
    # one row without a duration: the table says nothing about the whole
    partial = table.replace("| 90 s |", "| – |")
    assert load(f"# T\n## Cut-over\n\n{partial}")[0].phases[0].timebox is None
    # the heading's own timebox wins
    assert load(f"# T\n## Cut-over (45 min)\n\n{table}")[0].phases[0].timebox == 45 * 60


def test_a_rollback_lead_inside_a_phase_makes_a_level_covering_it_never_a_forward_step() -> None:
    doc = ("# T\n## Phase 1: Schema (10 min)\n```bash\nflask db upgrade\n```\n\n**Rollback (if needed):**\n\n"
           "```bash\npsql -f /srv/undo-12.sql\n```\n## Phase 2: App (10 min)\n```bash\n./app deploy 2.0\n```\n\n"
           "Undo the maintenance flag first:\n\n```bash\n./app maintenance off\n```\n")
    plan, _ = load(doc)
    assert [[s.kind for s in p.steps] for p in plan.phases] == [["migrate"], ["shell", "shell"]]
    assert plan.rollback is not None
    assert [(lv.name, list(lv.covers)) for lv in plan.rollback.levels] == [
        ("Rollback of Phase 1: Schema", ["Phase 1: Schema"])]
    assert "undo-12.sql" in str(plan.rollback.levels[0].steps[0].model_dump())
