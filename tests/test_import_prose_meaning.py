"""What runbooks say in prose, read as they mean it (blind sets 9 and 10): a level's trigger stays its condition,
never a step; a prohibition in a level's prose is no step; prose that is no switch of user ("As prometheus
scrapes ...", "Do not use `sudo su -` here") leaves the commands golive's, and "back to your own account" ends
a switch; a later chat message that holds a step back stops it; secret-looking short names are secret; a block a
ticked item says already ran does not run again; a platform's own traffic split is the ramp, with the hold
written in words; repeats and edits in Chinese prose are a person's steps."""

from __future__ import annotations

import pytest

from golive.plan.importer import import_markdown
from golive.plan.importer.chat_export import read_chat_export
from golive.plan.md_secrets import hide_secrets, secret_like
from importforms import doc_manual, doc_runs, doc_steps, plan_of

HEAD = "# Release\n## Phase 1: Deploy\n```bash\n./deploy.sh 4.2\n```\n"


def _levels(doc: str) -> list[dict[str, object]]:
    return list((plan_of(doc).get("rollback") or {}).get("levels") or [])


@pytest.mark.parametrize("para, trigger, work", [
    ('Level 1 — traffic back to blue (any stage, trigger: the "Stop if" column): set green to 0 and blue to 100 in'
     " the upstream file, then the same `sudo nginx -t && sudo systemctl reload nginx`.",
     "Stop if", "set green to 0"),
    ("**RB2 — client too** (clients crash on launch): RB1, plus set BuildID 16622870 live in Steamworks and ask"
     " Lena to post the rollback notice.", "crash on launch", "BuildID 16622870"),
    ("**Level 2 — take the edge out of DNS** if haproxy is down there anyway: the DNS runbook, record `shop-edge`,"
     " remove that edge's IP.", "haproxy is down", "shop-edge"),
])
def test_a_levels_trigger_is_its_description_and_its_work_the_step(para: str, trigger: str, work: str) -> None:
    doc = f"{HEAD}\n## Rollback\n\n{para}\n"
    levels = _levels(doc)
    assert levels, "the level is kept"
    steps = " ".join(str(s) for lv in levels for s in lv.get("steps") or [])  # type: ignore[union-attr]
    described = " ".join(str(lv.get("description", "")) for lv in levels)
    assert work in steps
    assert trigger not in steps, "a trigger quoted in the level's step reads as work to do"
    assert trigger in described


def test_a_levels_condition_before_its_block_is_no_step() -> None:
    doc = (f"{HEAD}\n## Rollback\n\n- Level 3 (schema):\n\n  - Only when Kwame and Kofi agree the migration itself is"
           " wrong:\n\n```bash\n./migrate down\n```\n")
    manual = doc_manual(doc)
    assert "Only when Kwame" not in manual
    assert "./migrate down" in doc_runs(doc)


def test_a_prohibition_in_a_levels_prose_is_no_step() -> None:
    doc = (f"{HEAD}\n## Rollback\n\n**Level 1 — old bundle back:**\n\n```bash\nsudo mv /etc/x.bak /etc/x\n```\n\n"
           "Never again: `sudo systemctl restart haproxy` on more than one edge, and never before `haproxy -c`.\n")
    assert "restart haproxy" not in doc_manual(doc)
    assert "restart haproxy" not in doc_runs(doc)


@pytest.mark.parametrize("sentence", [
    "As prometheus scrapes every 15 seconds, the new series shows up within a minute.",
    "Do not use `sudo su -` here; sudo each command.",
    "Never `su - app` for this part.",
])
def test_prose_that_switches_no_user_leaves_the_commands_steps(sentence: str) -> None:
    doc = f"# Release\n## Phase 1: Deploy\n{sentence}\n\n```bash\n./bin/apply --all\n```\n"
    assert "./bin/apply --all" in doc_runs(doc)


@pytest.mark.parametrize("back", ["再回到有 sudo 权限的账号：", "Then back to your own account:",
                                  "Zurück zum eigenen Konto:"])
def test_back_to_ones_own_account_ends_the_other_users_shell(back: str) -> None:
    doc = ("# Release\n## Phase 1: Deploy\nFirst `su - cassandra`, then:\n\n```\nnodetool drain\n```\n\n"
           f"{back}\n\n```bash\n/opt/bin/upgrade-node --to 4.1.7\n```\n")
    assert "/opt/bin/upgrade-node --to 4.1.7" in doc_runs(doc)
    assert "nodetool drain" not in doc_runs(doc)


CHAT = """# #deploys thread

**Ana** 9:02 PM
Step 1 — pre-checks:
```bash
./check.sh
```
Step 2 — migrate:
```bash
./migrate.sh up
```

**Bo** 9:10 PM
{said}
"""


@pytest.mark.parametrize("said", ["do NOT run step 2 until the DBA is back", "heads up: step 2 is on hold",
                                  "edit: actually use --dry-run for step 2"])
def test_a_later_chat_message_that_holds_or_changes_a_step_stops_it(said: str) -> None:
    doc = CHAT.format(said=said)
    read = read_chat_export(doc)
    assert read is not None and read[2], "the step's block is a person's"
    assert "./migrate.sh up" not in doc_runs(doc)
    assert "./check.sh" in doc_runs(doc)


def test_a_later_chat_message_about_a_step_that_holds_nothing_back_leaves_it() -> None:
    doc = CHAT.format(said="no issues in step 2, all green")
    assert "./migrate.sh up" in doc_runs(doc)


@pytest.mark.parametrize("name", ["MIRTH_PW", "MENDER_PAT", "DB_PWD", "LDAP_PASS", "VPN_PSK", "DB_PASSWORT",
                                  "SENHA_DB", "MOT_DE_PASSE", "WACHTWOORD"])
def test_secret_looking_short_names_are_secret(name: str) -> None:
    assert secret_like(name)
    doc = f'# Release\n## Phase 1: Deploy\n```bash\n./mccommand -u svc -p "${name}" -s deploy.txt\n```\n'
    var = (plan_of(doc).get("vars") or {}).get(name)
    assert var == {"secret": True, "from_env": name}


@pytest.mark.parametrize("name", ["PWD", "OLDPWD", "KCTX", "COMPASS", "BYPASS"])
def test_names_that_only_look_alike_are_not_secret(name: str) -> None:
    assert not secret_like(name)


def test_a_short_secret_names_value_never_reaches_the_plan() -> None:
    text, names = hide_secrets("MIRTH_PW=hunter2 ./mccommand")
    assert "hunter2" not in text and names == ["MIRTH_PW"]


@pytest.mark.parametrize(("assign", "name"), [("LOG_PAT='ERROR|FATAL'", "LOG_PAT"), ("MAX_PAT=3", "MAX_PAT"),
                                            ("ERR_PAT='^5..$'", "ERR_PAT"), ("OOM_PAT='.*killed'", "OOM_PAT")])
def test_a_short_suffix_whose_value_is_a_pattern_or_a_count_is_no_secret(assign: str, name: str) -> None:
    """`_PAT` ends "pattern" too: the value the document gives says it is a pattern or a count, and
    reading it from the environment instead would stop the run until someone set it (review3 M5)."""
    doc = f'# Release\n## Phase 1: Check\n```bash\nexport {assign}\ngrep -Ec "${name}" /var/log/app.log\n```\n'
    value = assign.split("=", 1)[1].strip("'")
    plan = plan_of(doc)
    var = (plan.get("vars") or {}).get(name)
    script = plan["phases"][0]["steps"][0]["shell"]["command"]
    # the script keeps its own export, or the export became a plain var with the document's value
    assert (var is None and f"export {assign}" in script) or var == {"value": value}, (var, script)
    assert hide_secrets(assign) == (assign, [])


def test_a_short_suffix_whose_value_looks_like_a_token_stays_secret() -> None:
    for assign in ("MENDER_PAT=glpat-8xYz12abCDef34", "MIRTH_PW='S3cr3t!x'", "VPN_PSK='correct horse battery'",
                   "SIM_PW=1234", "DB_PASS=1234", "ADMIN_PASS='a|b.*c'", "RETRY_PASS=3"):
        text, names = hide_secrets(assign)
        assert names and assign.split("=", 1)[1].strip("'") not in text


RESERVATION = """# Maintenance
## Night before
```bash
scontrol create reservation reservationname=maint_dec starttime=2026-12-01T08:00:00 \\\n  duration=09:00:00 nodes=ALL
```

- [x] {item}
- [x] new RPMs built

## 1. Drain
```bash
scontrol update nodename=hop[001-256] state=drain
```
"""


def test_a_block_a_ticked_item_says_already_ran_never_runs_again() -> None:
    doc = RESERVATION.format(item="reservation created (Tom, Mon 4pm)")
    assert "scontrol create reservation" not in doc_runs(doc)
    done = [s for s in doc_steps(doc) if "manual" in s and s["manual"].get("done")]
    assert any("scontrol create reservation" in s["manual"]["instruction"] for s in done)
    assert "state=drain" in doc_runs(doc)


@pytest.mark.parametrize("item", ["reservation created on staging (dress rehearsal)", "reservation created in QA",
                                  "reservation created (dry run)", "reservation created at the rehearsal"])
def test_a_ticked_item_done_elsewhere_or_as_a_rehearsal_leaves_the_block_a_step(item: str) -> None:
    """Work done on staging or in a rehearsal is still the window's to do: the block runs (review3 M4)."""
    assert "scontrol create reservation" in doc_runs(RESERVATION.format(item=item))


def test_a_ticked_item_saying_no_test_data_still_records_the_block_done() -> None:
    """"no test …" is English, not the Portuguese "no" (in the): the work was done here, the block never re-runs."""
    doc = RESERVATION.format(item="reservation created (no test jobs inside it)")
    assert "scontrol create reservation" not in doc_runs(doc)


def test_a_ticked_item_that_does_not_name_the_blocks_work_leaves_it_a_step() -> None:
    doc = RESERVATION.format(item="reservation window agreed with the users")  # one word in common
    assert "scontrol create reservation" in doc_runs(doc)


@pytest.mark.parametrize("command", ['az containerapp revision set-mode -g "$RG" -n "$APP" \\\n'
                                     '  --revision-weight api--v412=90 api--v420=10',
                                     "gcloud run services update-traffic api --to-revisions=api--v420=10"])
def test_a_platforms_own_traffic_split_is_the_ramp_never_a_placeholder_canary(command: str) -> None:
    doc = f"""# Release
## 4. Shift traffic
```bash
{command}
```

Traffic goes 10% → 50% → 100%, ten minutes at each step. For 50% and 100% run the second command again
with `api--v412=50 api--v420=50`, then `api--v412=0 api--v420=100`.
"""
    steps = doc_steps(doc)
    assert not any("canary" in s for s in steps)
    assert [s["wait"]["duration"] for s in steps if "wait" in s] == ["10m", "10m"]
    assert "api--v412=50 api--v420=50" in doc_manual(doc)


@pytest.mark.parametrize("para", ["其余 5 台节点（cass-ord-02 … cass-ord-06）重复以上步骤，每台之间等待 5 分钟。",
                                  "编辑 `/etc/cassandra/cassandra.yaml`，把 `compaction_throughput` 改成 `64MiB/s`。"])
def test_chinese_prose_that_repeats_or_edits_is_a_persons_step(para: str) -> None:
    doc = (f"# 升级\n## 二、逐台升级\n```bash\nsudo systemctl restart cassandra\n```\n\n{para}\n\n"
           "## 三、检查\n```bash\nnodetool status\n```\n")
    result = import_markdown(doc, "doc.md")
    assert para.replace("`", "")[:12] in doc_manual(doc), result.summary


@pytest.mark.parametrize("block, item", [
    ("nomad job run payments.nomad.hcl", "Job file `payments.nomad.hcl` reviewed in MR !812"),
    ("export NOMAD_ADDR=https://nomad.example:4646\nexport NOMAD_NAMESPACE=payments\ncd ~/deploy/payments-1.9.0",
     "payments namespace exported and created"),
])
def test_a_ticked_item_that_names_things_not_the_blocks_work_leaves_it_a_step(block: str, item: str) -> None:
    doc = f"# Release\n## Set-up\n```bash\n{block}\n```\n\n- [x] {item}\n\n## Run\n```bash\nnomad job status\n```\n"
    runs = doc_runs(doc) + str(plan_of(doc).get("vars") or {})
    assert block.split("\n")[0].split("=")[-1] in runs


@pytest.mark.parametrize("heading", ["If it goes badly", "If things go awry"])
def test_a_section_for_when_it_goes_badly_is_rollback_material(heading: str) -> None:
    doc = (f"{HEAD}\n## {heading}\n\nLevel 1 (app problem): downgrade the package the same way as step 1, restore the"
           " state dir from the tarball, restart.\n\nLevel 2 (conversion failed): Ahmed restores `acct_db` from the"
           " dump, then Level 1.\n")
    levels = _levels(doc)
    assert levels and "tarball" in str(levels[0].get("steps"))
    assert "tarball" not in " ".join(str(p.get("steps")) for p in plan_of(doc)["phases"])


@pytest.mark.parametrize("para, work", [
    ("Edite `/etc/postgresql/16/main/postgresql.conf` e troque `port = 5433` por `port = 5432`. Depois:",
     "port = 5432"),
    ("Edit `/etc/app/app.conf` and set `workers = 8`. Then:", "workers = 8"),
])
def test_work_before_a_then_lead_is_a_persons_step_before_the_block(para: str, work: str) -> None:
    doc = f"# Release\n## Phase 1: Deploy\n{para}\n\n```bash\nsudo systemctl start app\n```\n"
    steps = doc_steps(doc)
    assert "manual" in steps[0] and work in steps[0]["manual"]["instruction"]
    assert "systemctl start app" in str(steps[1])


def test_a_lead_with_no_work_before_its_then_adds_no_step() -> None:
    doc = "# Release\n## Phase 1: Deploy\nThe stop takes 1–3 minutes. Then:\n\n```bash\nsudo systemctl start app\n```\n"
    assert doc_manual(doc) == ""


def test_a_second_sentence_after_two_openers_is_a_persons_step() -> None:
    doc = ("# Release\n## Step 3 — Warm up\n```bat\ncurl.exe -s https://localhost/health\n```\n\nMust print `200`."
           " Then, in the browser, log in as svc-ts-smoke and open the week view.\n\n## Step 4\n- [ ] tell the team\n")
    assert "svc-ts-smoke and open the week view" in doc_manual(doc)


@pytest.mark.parametrize("para", ["Then, in the browser, log in as svc-ts-smoke and open the week view.",
                                  "Flip the Steam default branch (partner site → Builds → set BuildID 1690 live).",
                                  'Look in `mpi-test-*.out`: 256 "hello" lines.'])
def test_an_imperative_with_no_block_after_it_is_a_persons_step(para: str) -> None:
    doc = f"# Release\n## Phase 1: Deploy\n- [ ] Deploy started\n\n{para}\n\n## Phase 2: Done\n- [ ] tell the team\n"
    assert para.replace("`", "")[:20] in doc_manual(doc)


def test_work_a_go_no_go_asks_for_once_it_is_go_is_a_step_after_the_decision() -> None:
    doc = ("# MOP\n## Step 4 — Verify\n```bash\n./sipp -m 5 185.44.20.10:5060\n```\n\n## Step 5 — Make it permanent\n\n"
           "Go/No-Go: Willem de Vries (NOC) gives GO, then type `commit` on er1-ams. NO-GO: do nothing.\n")
    phases = plan_of(doc)["phases"]
    assert [p["name"] for p in phases] == ["Step 4 — Verify", "Step 5 — Make it permanent"]
    assert phases[0].get("gate"), "the decision stands before the work it allows"
    assert "`commit` on er1-ams" in str(phases[1]["steps"][0]["manual"]["instruction"])


def test_a_go_no_go_whose_then_asks_nothing_adds_no_step() -> None:
    doc = f"{HEAD}\nGo/No-Go: Dana says GO, then the release continues.\n\n## Phase 2\n- [ ] tell the team\n"
    assert "release continues" not in doc_manual(doc)


@pytest.mark.parametrize("said", ["Stop and go to rollback if the failed-update rate is above 0.5%.",
                                  "Watch the crash dashboard: abort if crash rate > 2% of sessions."])
def test_a_trigger_said_in_a_forward_phase_is_the_trigger_of_the_level_that_undoes_it(said: str) -> None:
    doc = (f"# Release\n## 2. Cohorts\nWe go dogfood → 1% → 10%. {said}\n\n```bash\n./rollout --group dogfood\n```\n\n"
           "## Rollback\n\n**Level 1 — stop the rollout:**\n\n```bash\n./rollout --abort\n```\n")
    levels = _levels(doc)
    assert said.split(": ")[-1][:20] in str(levels[0].get("description"))
    assert said[:20] not in str(levels[0].get("steps"))


ONLY_THEN = """# Rotation
## Step 3 — Validate, then reload
```bash
sudo haproxy -c -f /etc/haproxy/haproxy.cfg
```

{said} Only then:

```bash
sudo systemctl reload haproxy
```
"""


def test_only_then_after_a_result_the_step_before_checks_runs_in_order() -> None:
    steps = doc_steps(ONLY_THEN.format(said="It must print `Configuration file is valid`."))
    assert "expect_output" in steps[0]["shell"]
    assert "systemctl reload haproxy" in str(steps[1].get("shell"))


def test_only_then_after_words_no_step_checks_stays_a_persons_choice() -> None:
    doc = ONLY_THEN.format(said="Ask the on-call whether the edge is drained.")
    assert "systemctl reload haproxy" not in doc_runs(doc)
    assert "systemctl reload haproxy" in doc_manual(doc)


def test_a_levels_trigger_in_the_lead_of_a_block_typed_by_a_person_stays_out_of_the_step() -> None:
    doc = (f"{HEAD}\n## Back-out\n\nB1 — files only (trigger: health check not 200, or the pool keeps stopping):\n\n"
           "```bat\n%windir%\\system32\\inetsrv\\appcmd stop apppool /apppool.name:TimesheetPool\n```\n")
    levels = _levels(doc)
    steps = str(levels[0].get("steps"))
    assert "appcmd stop apppool" in steps and "B1 — files only" in steps
    assert "not 200" not in steps and "not 200" in str(levels[0].get("description"))
