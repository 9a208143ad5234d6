"""Issue 14, structure without `##` phase headings, as runbooks the importer has never seen write it: a document
numbered as an outline ("1. Prepare" over "1.1", "1.2"), a procedure that is one numbered list of stages with their
start times, an email thread whose plan is one of its messages, back-out levels as "L1, condition: action"
bullets, and a table of tests with expected results.

Each document is written for its test (in no runbook's words). The other way round matters as much: a numbered
list of sentences stays steps of one phase, a single numbered section keeps its timed parts as phases, a draft the
thread replaced and a quoted copy never run."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from golive.plan.importer import import_markdown


def imported(text: str) -> tuple[dict[str, Any], list[str]]:
    result = import_markdown(text, "doc.md")
    data = YAML(typ="safe").load(result.yaml_text)
    assert isinstance(data, dict)
    return data, result.summary + [f"line {u.line}: {u.what}: {u.reason}" for u in result.unplaced]


GO_SECTION = "# Tiles\n\n## Phase 1: Go\n\n```bash\n./tilectl upgrade 3.5\n```\n"


def phases(plan: dict[str, Any]) -> list[str]:
    return [p["name"] for p in plan["phases"]]


def commands(steps: list[dict[str, Any]]) -> list[str]:
    out = []
    for s in steps:
        spec = s.get("shell")
        if spec is not None:
            out.append((spec if isinstance(spec, str) else spec["command"]).strip())
        elif "http" in s:
            out.append(f"{s['http'].get('method', 'GET')} {s['http']['url']}")
    return out


def everything_run(plan: dict[str, Any]) -> str:
    steps = [s for p in plan["phases"] for s in p["steps"]]
    steps += [s for lv in plan.get("rollback", {}).get("levels", []) for s in lv["steps"]]
    return "\n".join(commands(steps))


# -- an outline: "1. Prepare" over "1.1 ..." ------------------------------------------------------------------------

OUTLINE = """# Cache tier: Redis 6 to 7

## 1. Prepare

### 1.1 Check memory

```bash
redis-cli -h cache-1 info memory | grep used_memory_human
```

### 1.2 Pause writers

```bash
sudo systemctl stop cache-warmer
```

## 2. Upgrade

### 2.1 Packages

```bash
sudo apt-get install -y redis-server=7.2.5
```

### 2.2 Restart

```bash
sudo systemctl restart redis-server
```

## 3. Back-out

```bash
sudo apt-get install -y --allow-downgrades redis-server=6.2.14
```
"""


def test_an_outline_makes_its_numbered_sections_the_phases_and_their_parts_steps() -> None:
    plan, said = imported(OUTLINE)
    assert phases(plan) == ["1. Prepare", "2. Upgrade"]
    assert commands(plan["phases"][0]["steps"]) == ["redis-cli -h cache-1 info memory | grep used_memory_human",
                                                    "sudo systemctl stop cache-warmer"]
    assert any("numbered section of an outline" in s for s in said)
    assert plan["rollback"]["levels"][0]["covers"] == ["2. Upgrade"]


def test_one_numbered_section_keeps_its_numbered_parts_as_phases() -> None:
    # "7. Implementation" over "7.1 Preparation", "7.2 Upgrade": a container of phases, as before
    doc = ("# Change\n\n## 6. Summary\n\nA summary.\n\n## 7. Implementation\n\n### 7.1 Preparation\n\n"
           "```bash\n./prep\n```\n\n### 7.2 Upgrade\n\n```bash\n./upgrade\n```\n")
    plan, _ = imported(doc)
    assert phases(plan) == ["7.1 Preparation", "7.2 Upgrade"]


def test_parts_with_their_own_timebox_stay_phases() -> None:
    doc = ("# Change\n\n## 1. Prepare\n\n### 1.1 Backup (10 min)\n\n```bash\n./backup\n```\n\n"
           "### 1.2 Drain (5 min)\n\n```bash\n./drain\n```\n\n## 2. Upgrade\n\n### 2.1 Packages (20 min)\n\n"
           "```bash\n./upgrade\n```\n\n### 2.2 Restart (5 min)\n\n```bash\n./restart\n```\n")
    plan, _ = imported(doc)
    assert phases(plan) == ["1.1 Backup", "1.2 Drain", "2.1 Packages", "2.2 Restart"]


# -- a procedure as one numbered list of stages -----------------------------------------------------------------

STAGES = """# Image service 4.2

## Implementation

*Owner: Mirela Popescu. Everything from the bastion.*

1. Freeze uploads (20:00)
   * Post in #images that uploads pause
   * `./imgctl uploads freeze`
2. Swap the renderer (20:10, ~25 min)
   * ```bash
     ./imgctl renderer deploy 4.2.0
     ./imgctl renderer wait --healthy
     ```
3. Thaw (20:40)

   ```bash
   ./imgctl uploads thaw
   ```

   and tell #images that uploads are back.
"""


def test_numbered_stages_with_their_start_time_are_phases() -> None:
    plan, _ = imported(STAGES)
    assert phases(plan) == ["Freeze uploads (20:00)", "Swap the renderer (20:10)", "Thaw (20:40)"]
    assert plan["phases"][1]["timebox"] == "25m"
    first = plan["phases"][0]["steps"]
    assert first[0]["manual"]["instruction"] == "Post in #images that uploads pause"
    assert commands(first[1:]) == ["./imgctl uploads freeze"]
    # the stage's own paragraph is its next step, not left over
    assert plan["phases"][2]["steps"][-1]["manual"]["instruction"] == "and tell #images that uploads are back."
    # the line above the stages names a person
    assert plan["approvers"]["Owner"] == ["Mirela Popescu"]


def test_a_numbered_list_of_sentences_stays_the_steps_of_one_phase() -> None:
    # items that are instructions ("Stop ...:") with their blocks, no start times: steps, never phases
    doc = ("# Svc\n\n## Deploy\n\n1. Stop the workers (20:00):\n\n   ```bash\n   ./w stop\n   ```\n\n"
           "2. Install the release (20:10):\n\n   ```bash\n   ./w install 2.0\n   ```\n")
    plan, _ = imported(doc)
    assert phases(plan) == ["Deploy"]
    assert commands(plan["phases"][0]["steps"]) == ["./w stop", "./w install 2.0"]


def test_one_timed_item_does_not_make_stages() -> None:
    doc = ("# Svc\n\n## Deploy\n\n1. Stop (20:00)\n   * `./w stop --all`\n2. Install\n   * `./w install 2.0`\n"
           "3. Start\n   * `./w start --all`\n")
    plan, _ = imported(doc)
    assert phases(plan) == ["Deploy"]


# -- a test table ---------------------------------------------------------------------------------------------------


def test_a_table_of_tests_with_expected_results_is_a_phase_of_checks() -> None:
    doc = ("# Svc\n\n## Deploy (10 min)\n\n```bash\n./w install 2.0\n```\n\n## Checks\n\n| # | Test | Expected |\n"
           "|---|---|---|\n| 1 | `curl -fsS http://svc.internal/ping` | `pong` |\n"
           "| 2 | Open the admin page and log in | the dashboard shows |\n")
    plan, _ = imported(doc)
    assert phases(plan) == ["Deploy", "Checks"]
    http, manual = plan["phases"][1]["steps"]
    assert http["http"]["url"] == "http://svc.internal/ping" and http["http"]["expect"]["body_contains"] == "pong"
    assert manual["manual"]["instruction"] == "Open the admin page and log in (expected: the dashboard shows)"


# -- rollback levels as "L1, condition: action" bullets ---------------------------------------------------------


def test_level_bullets_are_levels_named_by_their_condition_never_a_step_of_it() -> None:
    doc = ("# Svc\n\n## Phase 1: Deploy\n\n```bash\n./w install 2.0\n```\n\n## If it goes wrong\n\n"
           " - L1, the workers crash (restarts over 3): workers back to 1.9 by hand.\n"
           " - L2, data is wrong: restore the export:\n\n   ```bash\n   ./w import /backups/pre-2.0.json\n   ```\n")
    plan, _ = imported(doc)
    l1, l2 = plan["rollback"]["levels"]
    assert l1["name"] == "the workers crash (restarts over 3)"
    assert [s["manual"]["instruction"] for s in l1["steps"]] == ["workers back to 1.9 by hand."]
    assert l2["name"] == "data is wrong" and commands(l2["steps"]) == ["./w import /backups/pre-2.0.json"]


def test_a_package_downgrade_brings_no_data_back() -> None:
    plan, _ = imported(OUTLINE)
    assert "restores_data" not in plan["rollback"]["levels"][0]


# -- an email thread ------------------------------------------------------------------------------------------------

GMAIL = """**Queue move on Sunday**
3 messages

**Dana Whitlock** <dana.whitlock@corp.example>	Fri, Apr 2, 2027 at 9:10 AM
To: infra@corp.example

Draft:

1) move the queue

       ./qctl move orders --to q2 --force

Dana

**Marek Sobczak** <marek.sobczak@corp.example>	Fri, Apr 2, 2027 at 11:30 AM
To: Dana Whitlock <dana.whitlock@corp.example>

No --force please. Otherwise fine.
Marek (queue lead)

> Draft:
>        ./qctl move orders --to q2 --force

**Dana Whitlock** <dana.whitlock@corp.example>	Fri, Apr 2, 2027 at 2:45 PM
To: infra@corp.example
Cc: Marek Sobczak <marek.sobczak@corp.example>, Joy Adebayo <joy.adebayo@corp.example>

Final version. Joy decides on the call (Joy Adebayo, engineering manager).

STEPS

1) Drain (10:00)

       ./qctl drain orders

2) Move (10:05, ~15 min)

       ./qctl move orders --to q2

ROLLBACK

       ./qctl move orders --to q1

--
Dana Whitlock | Messaging SRE | ext. 4411
"""


def test_an_email_thread_imports_its_plan_message() -> None:
    plan, said = imported(GMAIL)
    assert plan["name"] == "Queue move on Sunday"
    assert phases(plan) == ["Drain (10:00)", "Move (10:05)"]
    assert commands(plan["phases"][1]["steps"]) == ["./qctl move orders --to q2"]
    assert commands(plan["rollback"]["levels"][0]["steps"]) == ["./qctl move orders --to q1"]
    assert any("the plan is the message from Dana Whitlock" in s for s in said)


def test_a_draft_the_thread_replaced_and_quoted_copies_never_run() -> None:
    plan, said = imported(GMAIL)
    assert "--force" not in everything_run(plan)
    assert any("an earlier version of the plan" in s and "never run" in s for s in said)


def test_people_of_a_thread_come_from_signatures_sign_offs_and_names_with_their_role() -> None:
    plan, _ = imported(GMAIL)
    assert plan["approvers"] == {"queue lead": ["Marek Sobczak"], "engineering manager": ["Joy Adebayo"],
                                 "Messaging SRE": ["Dana Whitlock"]}


OUTLOOK = """From: Dana Whitlock <dana.whitlock@corp.example>
Sent: Friday, April 2, 2027 2:45 PM
To: infra@corp.example
Subject: RE: Queue move on Sunday

Final version below.

1. Drain (10:00)

    ```bash
    ./qctl drain orders
    ```

2. Move (10:05)

    ```bash
    ./qctl move orders --to q2
    ```

From: Dana Whitlock <dana.whitlock@corp.example>
Sent: Friday, April 2, 2027 9:10 AM
To: infra@corp.example
Subject: Queue move on Sunday

Draft:

```bash
./qctl move orders --to q2 --force
```
"""


def test_a_reply_chain_written_newest_first_takes_the_newest_plan() -> None:
    plan, said = imported(OUTLOOK)
    assert plan["name"] == "Queue move on Sunday"
    assert phases(plan) == ["Drain (10:00)", "Move (10:05)"]
    assert "--force" not in everything_run(plan)
    assert any("the plan is the message from Dana Whitlock (Fri 02 Apr 2027 14:45)" in s for s in said)


def test_what_the_plan_message_quotes_is_never_read_again() -> None:
    # Gmail's reply under the plan: "On ... wrote:" and the quoted lines, a command among them
    doc = ("**Queue move**\n\n**Dana Whitlock** <dana@corp.example>\tFri, Apr 2, 2027 at 2:45 PM\n"
           "To: infra@corp.example\n\nSTEPS\n\n1) Drain (10:00)\n\n       ./qctl drain orders\n\n"
           "2) Move (10:05)\n\n       ./qctl move orders\n\n"
           "On Fri, Apr 2, 2027 at 11:30 AM Marek Sobczak <marek@corp.example> wrote:\n\n"
           "   Or purge first:\n\n           ./qctl purge orders --yes\n\n"
           "> 1) purge\n>\n>        ./qctl purge orders --yes\n")
    plan, said = imported(doc)
    assert phases(plan) == ["Drain (10:00)", "Move (10:05)"]
    assert "purge" not in everything_run(plan)
    assert any("quoted lines: a copy of an earlier message" in s for s in said)


def test_lines_that_only_look_like_mail_headers_make_no_thread() -> None:
    # a version change written "From: / To:", and a contact list with addresses and phone numbers: no thread, the
    # document imports as written
    doc = ("# Svc\n\n**From:** 1.9.3\n**To:** 2.0.0\n**Subject:** the billing API\n\n"
           "**Ana Lima** <ana.lima@corp.example>  +1 555 0101, 14:00-22:00\n\n"
           "**Bo Chen** <bo.chen@corp.example>  +1 555 0102, 22:00-06:00\n\n"
           "## Phase 1: Go\n\n```bash\n./go 2.0.0\n```\n")
    plan, said = imported(doc)
    assert phases(plan) == ["Phase 1: Go"] and commands(plan["phases"][0]["steps"]) == ["./go 2.0.0"]
    assert not any("message from" in s for s in said)


# -- sections and leads without `##` phase headings ------------------------------------------------------------


def test_a_maintenance_mode_section_that_runs_commands_is_a_phase() -> None:
    doc = ("Tiles 3.5\n=========\n\nMaintenance mode and workers\n----------------------------\n\n"
           "```sh\n./tilectl fallback on\n```\n\nUpgrade\n-------\n\n```sh\n./tilectl upgrade 3.5\n```\n\n"
           "Maintenance\n-----------\n\n- Vacuum the tiles table monthly\n")
    plan, _ = imported(doc)
    assert phases(plan) == ["Maintenance mode and workers", "Upgrade"]  # later upkeep stays out
    assert commands(plan["phases"][0]["steps"]) == ["./tilectl fallback on"]


def test_plain_bullets_with_a_command_make_a_checks_section_a_phase() -> None:
    doc = (GO_SECTION + "\n## Checks\n\n* `curl -fsS https://tiles.example.net/health` prints `ok`\n"
           "* Zoom in over the harbour and confirm the labels render\n")
    plan, _ = imported(doc)
    assert phases(plan) == ["Phase 1: Go", "Checks"]
    http, manual = plan["phases"][1]["steps"]
    assert http["http"]["expect"]["body_contains"] == "ok"
    assert manual["manual"]["instruction"] == "Zoom in over the harbour and confirm the labels render"


def test_a_persons_part_before_a_block_is_a_step_of_its_own() -> None:
    doc = ("# Tiles\n\n## Drain\n\nWait until the queue length reads 0 (at most 5 minutes), then stop it:\n\n"
           "```sh\n./tilectl workers stop --all\n```\n\nTell #maps-ops that tiles are frozen, then:\n\n"
           "```sh\n./tilectl freeze\n```\n\nThe freeze keeps the cache warm.\n")
    plan, _ = imported(doc)
    steps = plan["phases"][0]["steps"]
    assert [s.get("manual", {}).get("instruction") for s in steps] == [
        "Wait until the queue length reads 0 (at most 5 minutes), then stop it", None,
        "Tell #maps-ops that tiles are frozen", None]
    assert plan["phases"][0]["description"] == "The freeze keeps the cache warm."


def test_a_config_line_is_no_command_and_a_numbered_lead_asks_for_it() -> None:
    doc = (GO_SECTION + "\n## Tune\n\n2\\. Replace the work_mem setting in tiles.conf:\n\n```\nwork_mem = 256MB\n"
           "max_connections = 200\n```\n\n3\\. Reload:\n\n```sh\n./tilectl reload\n```\n")
    plan, _ = imported(doc)
    assert "work_mem" not in everything_run(plan)
    assert plan["phases"][1]["steps"][0]["manual"]["instruction"].startswith(
        "2. Replace the work_mem setting in tiles.conf (the untagged block")


def test_a_jira_code_macro_is_a_block_and_only_in_pairs_outside_fences() -> None:
    doc = ("# Svc\n\n## Phase 1: Deploy\n\n* On both hosts:\n\n  {code:bash}\n  for h in a b; do\n"
           "    ssh \"$h\" ./deploy\n  done\n  {code}\n\n```text"
           "\n{code}\nnot a block\n{code}\n```\n\n{noformat}\nleft open\n")
    plan, said = imported(doc)
    assert commands(plan["phases"][0]["steps"]) == ['for h in a b; do\n  ssh "$h" ./deploy\ndone']
    assert "inferred: 1 Jira/Confluence {code} block -> fenced blocks" in said


def test_numbered_ways_back_with_their_condition_are_levels_and_steps_stay_one() -> None:
    choose = (GO_SECTION + "\n## Rolling back\n\n1. **Code only** (the app is broken, data is fine):\n\n"
              "   ```sh\n   ./tilectl release previous\n   ```\n\n2. **Code and schema** (the migration left the schema"
              " wrong):\n\n   ```sh\n   ./tilectl db rollback 1\n   ./tilectl release previous\n   ```\n")
    plan, _ = imported(choose)
    code, schema = plan["rollback"]["levels"]
    assert code["name"] == "Code only (the app is broken, data is fine)" and "restores_data" not in code
    assert commands(code["steps"]) == ["./tilectl release previous"]
    assert commands(schema["steps"]) == ["./tilectl db rollback 1\n./tilectl release previous"]
    # the same form without a condition is a procedure: its steps, in order, in one level
    steps = choose.replace(" (the app is broken, data is fine)", "").replace(" (the migration left the schema wrong)",
                                                                            "")
    plan, _ = imported(steps)
    assert len(plan["rollback"]["levels"]) == 1
