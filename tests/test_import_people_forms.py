"""Issue 14, people as runbooks it has never seen write them: key/value header tables, Notion-style property
lines with keys that are no role words, "Name (Role) approves ..." sentences, contact tables and ladders in other
languages, ladders written as names alone or with ordinals, and YAML front matter above the title.

Each document is written for its test (in no runbook's words). The hard rule is the other way round too: a fact
(Service, Region, Status, who requested the change) never becomes a role, and a rung named by its person is no
role of its own."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from golive.plan.importer import import_markdown
from golive.plan.importer.escalation import inline_ladder
from golive.plan.importer.text import _strip_front_matter
from importforms import plan_of

RUN = "\n## Phase 1: Ship (10 minutes)\n\n```bash\n./ship --now\n```\n"


def ladder(plan: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["name"], e.get("people", [])) for e in plan["contacts"]["escalation"]]


def test_header_table_rows_next_to_roles_and_never_facts() -> None:
    plan = plan_of("# Rel\n\n| | |\n|---|---|\n| Service | billing (Java) |\n| Shift lead | Omar Farouk |\n"
                   "| Notes | Bea Knight (timeline, #rel-chan) |\n| Backup | nightly |\n| Region | West Coast |\n"
                   "| Requested by | Ian Holm |\n"
                   + RUN)
    assert plan["approvers"] == {"shift lead": ["Omar Farouk"], "notes": ["Bea Knight"]}


def test_a_key_that_is_no_role_word_needs_a_role_beside_it() -> None:
    alone = plan_of("# Rel\n\nInfra: Keiko Sato\n" + RUN)
    assert "approvers" not in alone  # "Infra: Keiko Sato" alone could be anything
    beside = plan_of("# Rel\n\nApprover: Marta Ruiz · Infra: Keiko Sato · Status: Planned Work\n" + RUN)
    assert beside["approvers"] == {"Approver": ["Marta Ruiz"], "Infra": ["Keiko Sato"]}


def test_a_person_with_their_role_who_approves() -> None:
    plan = plan_of("# Rel\n\n**Approvals:** Ifeoma Chukwu (Head of Data) approves the schema change; "
                   "Pablo Ortega (QA Lead) signs off the restart.\n" + RUN)
    assert plan["approvers"] == {"Head of Data": ["Ifeoma Chukwu"], "QA Lead": ["Pablo Ortega"]}


def test_ladder_in_a_header_table_row_with_a_bare_name_takes_its_role() -> None:
    plan = plan_of("# Rel\n\n| | |\n|---|---|\n| Operator | Deniz Acar |\n"
                   "| Escalation | Deniz Acar → Lars Nygaard (VP Eng) |\n" + RUN)
    assert ladder(plan) == [("operator", ["Deniz Acar"]), ("VP Eng", ["Lars Nygaard"])]
    assert "Deniz Acar" not in plan["approvers"]  # the rung is named by the person's role, no role "Deniz Acar"


def test_ladder_rung_that_is_a_name_alone_and_one_that_is_a_role_alone() -> None:
    assert inline_ladder("Escalation: 1st Ada Byron (on-call) · 2nd Tim Lee · 3rd CTO") == [
        "Ada Byron (on-call)", "Tim Lee", "CTO"]
    plan = plan_of("# Rel\n\n**Escalation:** 1st Ada Byron (on-call) · 2nd Tim Lee · 3rd Security\n" + RUN)
    assert ladder(plan) == [("on-call", ["Ada Byron"]), ("Tim Lee", ["Tim Lee"]), ("Security", [])]
    assert set(plan["approvers"]) == {"on-call"}


def test_contacts_and_ladder_in_german_and_spanish() -> None:
    de = plan_of("# Rel\n\n## Beteiligte\n\n| Rolle | Name | Telefon |\n|---|---|---|\n"
                 "| Datenbank | Uwe Brandt | 0151 |\n| Abteilungsleitung (Go/No-Go) | Eva Roth | 0152 |\n\n"
                 "Eskalation: 1. Rufbereitschaft (Uwe Brandt) → 2. Abteilungsleitung (Eva Roth)\n" + RUN)
    assert de["approvers"]["Datenbank"] == ["Uwe Brandt"]
    assert de["approvers"]["Abteilungsleitung"] == ["Eva Roth"]  # the remark is no part of the role
    assert ladder(de) == [("Rufbereitschaft", ["Uwe Brandt"]), ("Abteilungsleitung", ["Eva Roth"])]
    es = plan_of("# Rel\n\n## Equipo\n\n| Rol | Nombre |\n|---|---|\n| Base de datos | Lucía Morales |\n" + RUN)
    assert es["approvers"] == {"Base de datos": ["Lucía Morales"]}


def test_a_people_table_remark_naming_go_no_go_makes_that_role_the_decider() -> None:
    plan = plan_of("# Rel\n\n| Short | Role | Name |\n|---|---|---|\n| RM | Release manager (calls Go/No-Go) | "
                   "Jo Weber |\n" + RUN + "\nGo/No-Go: all checks green.\n")
    assert plan["approvers"] == {"Release manager": ["Jo Weber"]}
    assert plan["phases"][0]["gate"]["approvals"]["role"] == "Release manager"


def test_a_rollback_decision_decides_no_gate() -> None:
    plan = plan_of("# Rel\n\n| Field | Value |\n|---|---|\n| Release manager | Ana Lima |\n"
                   "| Rollback decision | Bo Chen; a restore needs Ana Lima too |\n" + RUN + "\nGo/No-Go: green.\n")
    assert plan["approvers"]["rollback decision"] == ["Bo Chen"]
    assert plan["phases"][0]["gate"].get("approvals") is None


def test_front_matter_is_page_metadata_not_a_heading() -> None:
    text = "---\ntitle: \"x\"\nlabels: release, prod\nassignees: ''\n---\n\n# Real title\n\nOwner: Ana Lima\n" + RUN
    stripped, n = _strip_front_matter(text)
    assert n == 5 and stripped.count("\n") == text.count("\n")  # line numbers kept
    plan = plan_of(text)
    assert plan["name"] == "Real title" and plan["approvers"] == {"Owner": ["Ana Lima"]}
    assert plan["phases"][0]["name"].endswith("Ship")
    rule = "---\n\nSome intro.\n\n---\n\n# T\n"  # a horizontal rule opening a document is no front matter
    assert _strip_front_matter(rule) == (rule, 0)


# -- Go/No-Go lines and rows that name who decides ---------------------------------------------------------------

def test_a_go_no_go_row_of_a_steps_table_is_the_gate_by_the_role_its_code_names() -> None:
    plan = plan_of("# Rel\n\n| Code | Role | Name |\n|---|---|---|\n| OPS | Operator | Li Wei |\n| QA | Tester | "
                   "Ana Lima |\n\n## Phase 1: Ship (5 min)\n\n| # | Step | Command | Owner | Expected |\n"
                   "|---|---|---|---|---|\n| 1 | Ship | `./ship` | OPS | done |\n"
                   "| 2 | GO / NO-GO | – | QA | all green |\n")
    phase = plan["phases"][0]
    assert [s.get("name") for s in phase["steps"]] == ["Ship"]  # the decision is no step
    assert phase["gate"]["description"] == "all green"
    assert phase["gate"]["approvals"]["role"] == "Tester"


def test_a_go_no_go_list_item_naming_a_person_is_the_gate_by_their_role() -> None:
    plan = plan_of("# Rel\n\n| Role | Name |\n|---|---|\n| Duty manager | Olu Bello |\n| Developer | Kai Moss |\n"
                   "\n## Phase 1: Ship (5 min)\n\n- Ship it\n  ```bash\n  ./ship\n  ```\n"
                   "- [ ] Check the dashboard\n- Go/No-Go: @Olu Bello decides on the bridge\n")
    phase = plan["phases"][0]
    assert len(phase["steps"]) == 2 and "Go/No-Go" not in str(phase["steps"])
    assert phase["gate"]["approvals"]["role"] == "Duty manager"


# -- SQL checks whose expected result is stated in prose -------------------------------------------------------

def sql_steps(text: str) -> list[dict[str, Any]]:
    plan = plan_of("# Rel\n\n## Phase 1: Check (5 min)\n\n" + text)
    return [s["sql"] for p in plan["phases"] for s in p["steps"] if "sql" in s]


def test_expected_result_in_the_item_holding_the_block() -> None:
    got = sql_steps("1. Orphans — must return 0\n   ```sql\n   SELECT count(*) FROM t WHERE p IS NULL;\n   ```\n"
                    "2. Table exists (expect exactly 1 row):\n   ```sql\n   SELECT 1 FROM pg_tables;\n   ```\n")
    assert [s.get("expect") for s in got] == [{"value": 0}, {"rows": 1}]


def test_expected_result_in_the_sentence_after_the_block_is_its_check_and_no_note() -> None:
    plan = plan_of("# Rel\n\n## Phase 1: Check (5 min)\n\n```sql\nSELECT pid FROM pg_stat_activity;\n```\n\n"
                   "Should come back with no rows.\n")
    phase = plan["phases"][0]
    assert phase["steps"][0]["sql"]["expect"] == {"rows": 0}
    assert "description" not in phase  # the sentence became the check


def test_expected_result_before_the_block_in_other_languages() -> None:
    got = sql_steps("Prüfabfrage (Ergebnis muss 0 sein):\n\n```sql\nSELECT count(*) FROM k;\n```\n\n"
                    "Comprobación (debe devolver 0):\n\n```sql\nSELECT count(*) FROM c;\n```\n\n"
                    "```sql\nSELECT count(*) FROM d;\n```\n\nErwartet: 0\n")
    assert [s.get("expect") for s in got] == [{"value": 0}, {"value": 0}, {"value": 0}]


def test_prose_that_states_no_result_checks_nothing() -> None:
    got = sql_steps("```sql\nSELECT pg_size_pretty(pg_database_size('x'));\n```\n\n"
                    "This returns the size; note it in the ticket.\n\n"
                    "```sql\nSELECT id FROM t;\n```\n\nMust return one of the ids above.\n\n"
                    "```sql\nUPDATE t SET a = 1;\n```\n\nShould return 0.\n\n"
                    "Run it, it returns the rows in 2.5 seconds:\n\n```sql\nSELECT * FROM big;\n```\n\n"
                    "The old report returns 5 rows too many, see below.\n\n```sql\nSELECT * FROM r;\n```\n\n"
                    "```sql\nSELECT avg(x) FROM m;\n```\n\nShould return 0.5 or less.\n")
    assert [s.get("expect") for s in got] == [None, None, None, None, None, None]


def test_a_sentence_between_two_blocks_introducing_the_second_is_the_second_ones() -> None:
    got = sql_steps("```sql\nSELECT count(*) FROM a;\n```\n\nThen the orphans (must return 0):\n\n"
                    "```sql\nSELECT count(*) FROM b;\n```\n")
    assert [s.get("expect") for s in got] == [None, {"value": 0}]


# -- env files and export lists outside the phases -----------------------------------------------------------------

ENV_DOC = ("# Rel\n\n## Configuration\n\nOn the host:\n\n```env\nAPI_BASE=https://api.internal\nWORKERS=4\n"
           "SIGNING_KEY=abc-not-real\nCACHE_URL=redis://:pw-not-real@cache:6379/0\n```\n\n"
           "```bash\nexport REGION=\"eu-west\"\nexport ADMIN_TOKEN='tok-not-real'\nexport FROM_ENV=$API_BASE\n```\n\n"
           "```bash\nexport BUILD=$(git describe --tags)\n```\n\n```bash\nexport HOST=$(hostname)\n```\n" + RUN)


def test_env_file_and_export_list_in_a_config_section_are_vars_not_a_phase() -> None:
    res = import_markdown(ENV_DOC, "doc.md")
    plan = YAML(typ="safe").load(res.yaml_text)
    assert [p["name"] for p in plan["phases"]] == ["Phase 1: Ship"]
    v = plan["vars"]
    assert v["API_BASE"] == {"value": "https://api.internal"} and v["WORKERS"] == {"value": "4"}
    assert v["REGION"] == {"value": "eu-west"}
    for name in ("SIGNING_KEY", "CACHE_URL", "ADMIN_TOKEN"):
        assert v[name] == {"secret": True, "from_env": name}
    for value in ("abc-not-real", "pw-not-real", "tok-not-real"):
        assert value not in res.yaml_text
    # worked out by the shell: no var, no step; reported as not placed
    assert "BUILD" not in v and "git describe" not in res.yaml_text
    assert "HOST" not in v and "hostname" not in res.yaml_text
    assert any(u.line == 5 or "Configuration" in u.what for u in res.unplaced)


def test_a_config_section_that_runs_a_command_is_still_a_phase() -> None:
    plan = plan_of("# Rel\n\n## Configuration\n\n```bash\nexport REGION=eu\n./configure --apply\n```\n" + RUN)
    assert plan["phases"][0]["name"] == "Configuration"
    assert "./configure --apply" in str(plan["phases"][0]["steps"])


def test_an_env_file_outside_any_section_is_vars() -> None:
    plan = plan_of("# Rel\n\n```dotenv\nMODE=live\nDB_PASSWORD=x-not-real\n```\n" + RUN)
    assert plan["vars"]["MODE"] == {"value": "live"}
    assert plan["vars"]["DB_PASSWORD"] == {"secret": True, "from_env": "DB_PASSWORD"}


# -- printed results and comments next to SQL ---------------------------------------------------------------------

def test_a_printed_result_table_is_the_check_and_never_a_shell_step() -> None:
    got = sql_steps("```sql\nSELECT count(*) FROM t;\n```\n\nExpected output:\n\n```\n count\n-------\n     0\n"
                    "(1 row)\n```\n\n```sql\nSELECT ok FROM s;\n```\n\n```\n ok\n----\n t\n(1 row)\n```\n\n"
                    "```sql\nSELECT id FROM u;\n```\n\n```text\n id\n----\n  4\n  5\n(2 rows)\n```\n\n"
                    "```sql\nSELECT n FROM m;\n```\n\n"
                    "```\n+---+\n| n |\n+---+\n| 7 |\n+---+\n1 row in set (0.00 sec)\n```\n")
    assert [s.get("expect") for s in got] == [{"value": 0}, {"value": True}, {"rows": 2}, {"value": 7}]
    plan = plan_of("# Rel\n\n## Phase 1: Check (5 min)\n\n```bash\npsql -c 'SELECT 1'\n```\n\n"
                   "```\n ?column?\n----------\n        1\n(1 row)\n```\n")
    # the output ran nowhere; the SELECT only reads
    assert [list(s) for s in plan["phases"][0]["steps"]] == [["shell", "read_only"]]


def test_a_comment_in_the_block_states_its_result() -> None:
    got = sql_steps("```sql\nSELECT id FROM a WHERE broken;  -- expect no rows\n```\n\n"
                    "```sql\n-- 0 rows expected\nSELECT id FROM b;\n```\n\n"
                    "```sql\nSELECT id FROM c;  -- 5 rows expected on staging, 0 in prod\n```\n\n"
                    "```sql\nSELECT count(*) FROM d;  -- counts the rows\n```\n")
    assert [s.get("expect") for s in got] == [{"rows": 0}, {"rows": 0}, None, None]


def test_output_and_option_lines_are_not_commands() -> None:
    from golive.plan.md_shell import looks_like_commands

    assert not looks_like_commands("ok\n(1 row)\n")  # a result's footer
    assert not looks_like_commands("--force-all now\n")  # no program starts with a dash
    assert looks_like_commands("systemctl restart api\n")


def test_the_items_under_a_go_no_go_heading_are_the_gate_with_its_decider() -> None:
    plan = plan_of("# Rel\n\n**Go/No-Go approver:** @olu (Duty Manager)\n\n## Ship\n\n### 1. Roll out\n\n"
                   "```bash\n./ship\n```\n\n### 2. Go/No-Go\n\n<details>\n<summary>What GO means</summary>\n\n"
                   "- errors below 1% for 10 minutes\n- p95 under 300 ms\n\n</details>\n\n"
                   "- [ ] @olu writes GO or NO-GO in the channel\n")
    phase = plan["phases"][0]
    assert [list(s)[-1] for s in phase["steps"]] == ["shell"]  # criteria and the decision are no steps
    assert "errors below 1%" in phase["gate"]["description"] and "@olu writes GO" in phase["gate"]["description"]
    assert phase["gate"]["approvals"]["role"] == "Go/No-Go approver"


def test_a_go_no_go_item_with_steps_after_it_stays_where_it_stands() -> None:
    plan = plan_of("# Rel\n\n| Role | Name |\n|---|---|\n| Release manager | Ana Lima |\n\n## Phase 1: Ship (5 min)\n\n"
                   "- [ ] Go/No-Go (release manager) before the migration\n- [ ] Run the migration\n  ```bash\n"
                   "  ./migrate\n  ```\n")
    phase = plan["phases"][0]
    assert "gate" not in phase
    assert "Go/No-Go" in phase["steps"][0]["manual"]["instruction"] and "shell" in phase["steps"][1]
    assert phase["steps"][0]["manual"]["role"] == "Release manager"  # who decides, where the decision stands
    last = plan_of("# Rel\n\n| Role | Name |\n|---|---|\n| Release manager | Ana Lima |\n\n## Phase 1: Ship (5 min)\n\n"
                   "```bash\n./ship\n```\n\n- [ ] Go/No-Go (release manager)\n")
    assert last["phases"][0]["gate"]["approvals"]["role"] == "Release manager"


def test_people_written_without_a_colon_and_a_team_line_with_roles_in_brackets() -> None:
    plan = plan_of("# Rel\n\n**Team:** Ana Lima (release lead), Bo Chen (DBA), the payments squad (on-call)\n\n"
                   "## Roles\n\n- Release manager — Dana Ross\n- Kim Ode (on-call SRE)\n- Lee Wong – change approver\n"
                   "- Storage — see the wiki\n- Mia Sol (she/her)\n" + RUN + "\n### Go/No-Go\n\nDecision by: Bo Chen\n")
    assert plan["approvers"] == {"release lead": ["Ana Lima"], "DBA": ["Bo Chen"], "Release manager": ["Dana Ross"],
                                 "on-call SRE": ["Kim Ode"], "change approver": ["Lee Wong"]}
    assert plan["phases"][0]["gate"]["approvals"]["role"] == "DBA"  # "Bo" is too short a first name to match alone


def test_a_go_no_go_paragraph_before_the_change_it_guards_stays_before_it() -> None:
    plan = plan_of("# Rel\n\nApprover: Grace Mwangi\n\n## Phase 1: Infra (30 min)\n\n```bash\n./plan --out p\n```\n\n"
                   "Anything unexpected in the plan: NO-GO. Grace reads it and says GO.\n\n```bash\n./apply p\n```\n")
    phase = plan["phases"][0]
    assert "gate" not in phase  # a gate would judge the phase after ./apply ran
    assert [next(k for k in s if k not in ("name", "timeout")) for s in phase["steps"]] == ["shell", "manual", "shell"]
    assert phase["steps"][1]["manual"]["role"] == "Approver"


def test_a_table_of_environment_variables_is_vars_with_secrets_from_the_environment() -> None:
    res = import_markdown("# Rel\n\n## Environment variables\n\n| Variable | Value | Notes |\n|---|---|---|\n"
                          "| `API_BASE` | `https://api.internal` | |\n| `SIGNING_KEY` | `abc-not-real` | |\n"
                          "| `HOOK_URL` | `https://hooks.example/x-not-real` | sensitive, in Vault |\n"
                          "| `REGION` | (from the host) | |\n\n"
                          "| Name | Value |\n|---|---|\n| Region | Europe |\n" + RUN,
                          "doc.md")
    v = YAML(typ="safe").load(res.yaml_text)["vars"]
    assert v == {"API_BASE": {"value": "https://api.internal"}, "REGION": {"from_env": "REGION"},
                 "SIGNING_KEY": {"secret": True, "from_env": "SIGNING_KEY"},
                 "HOOK_URL": {"secret": True, "from_env": "HOOK_URL"}}  # "| Region | Europe |" names no variable
    assert "abc-not-real" not in res.yaml_text and "x-not-real" not in res.yaml_text


def test_more_ways_of_writing_who_is_who() -> None:
    plan = plan_of("# Rel\n\nRoles: RM = Ana Lima, DBA = Bo Chen\nLinks: docs = the wiki, board = Jira\n\n"
                   "## Contacts\n\n| Who | What |\n|---|---|\n| Cy Park | release manager, calls Go/No-Go |\n"
                   "| Di Moss | database engineer |\n| Hal Ng | pages the on-call lead when the queue backs up |\n"
                   "\n- **Eve Hart** — incident commander\n"
                   "- Fay Lund, QA lead, +49 151 000\n- Gil Tan, Berlin office\n" + RUN + "\nGo/No-Go: green.\n")
    assert plan["approvers"] == {"RM": ["Ana Lima"], "DBA": ["Bo Chen"], "release manager": ["Cy Park"],
                                 "database engineer": ["Di Moss"], "incident commander": ["Eve Hart"],
                                 "QA lead": ["Fay Lund"]}  # never a role "Eve Hart" held by "— incident commander"
    assert plan["phases"][0]["gate"]["approvals"]["role"] == "release manager"  # "calls Go/No-Go"


def test_roles_in_front_matter_and_never_teams_or_metadata() -> None:
    plan = plan_of("---\ntitle: \"x\"\nowner: team-payments\napprovers:\n  - Bo Chen\n  - \"@cy.park\"\n"
                   "release_manager: Ana Lima\nassignees: \"\"\nstatus: Draft Review\n---\n\n# Pay 2\n" + RUN)
    assert plan["approvers"] == {"approvers": ["Bo Chen", "cy.park"], "release manager": ["Ana Lima"]}


def test_a_go_no_go_row_with_rows_after_it_stays_where_it_stands() -> None:
    plan = plan_of("# Rel\n\n| Code | Role | Name |\n|---|---|---|\n| QA | Tester | Ana Lima |\n\n"
                   "## Phase 1: Ship (5 min)\n\n| # | Step | Command | Owner | Expected |\n|---|---|---|---|---|\n"
                   "| 1 | Plan | `./plan` | QA | |\n| 2 | GO / NO-GO | – | QA | plan is clean |\n"
                   "| 3 | Apply | `./apply` | QA | |\n")
    phase = plan["phases"][0]
    assert "gate" not in phase
    assert [list(s)[-1] for s in phase["steps"]] == ["shell", "manual", "shell"]
    assert phase["steps"][1]["manual"] == {"instruction": "GO / NO-GO: plan is clean", "role": "Tester"}
