"""Meaning kept for the forms blind set 11 showed (issue 14): a full-screen program, a date or a non-Latin
`<placeholder>` to fill in, notebook cells left out of the run, folded rollback callouts, a database named only to
say it is not the one, a rollback section titled in Russian, numbered top-level sections, "(command below)" rows,
tracked changes and challenge–response dot leaders. Each test: a snippet, the imported plan, what it does."""

from __future__ import annotations

import subprocess

import pytest

from golive.plan.importer import import_markdown
from importforms import doc_manual, doc_runs, doc_steps, plan_of


def _forward(doc: str) -> list[dict]:  # type: ignore[type-arg]
    return [s for p in plan_of(doc)["phases"] for s in p.get("steps") or []]


@pytest.mark.parametrize("cmd", ['k9s --context "$CTX" -n temporal', "htop", "top", "tmux attach -t deploy",
                                 "screen -r deploy"])
def test_a_full_screen_program_is_a_persons_step(cmd: str) -> None:
    doc = f"# T\n\n## 1. Verify\n\n```sh\n{cmd}\n```\n"
    assert cmd.split()[0] not in doc_runs(doc)
    assert cmd in doc_manual(doc)


def test_a_full_screen_programs_version_still_runs() -> None:
    assert "k9s version" in doc_runs("# T\n\n## 1. Look\n\n```sh\nk9s version\n```\n")


@pytest.mark.parametrize(("written", "var"), [("backups/${db}-YYYY-MM-DD.dump", "DATE"),
                                              ("snap_DD.MM.YYYY.tar", "DATE"), ("at HH:MM", "TIME")])
def test_a_date_format_is_a_var_to_fill_in(written: str, var: str) -> None:
    doc = f"# T\n\n## 1. Go\n\n```bash\n./deploy.sh\n```\n\n## Rollback\n\n```bash\nrestore --from {written}\n```\n"
    plan = plan_of(doc)
    assert "YYYY" not in doc_runs(doc) and "HH:MM" not in doc_runs(doc)
    assert "${" + var + "}" in doc_runs(doc) and var in plan["vars"]


def test_a_date_to_fill_in_that_no_step_holds_any_more_is_no_var() -> None:
    """`psql … < backup_YYYYMMDD_HHMMSS.sql` after a `pg_dump` becomes the run's own restore: the date is nothing
    to fill in, and declared the run would refuse to start without it (seed 000 end to end)."""
    doc = ("# T\n\n## 1. Backup\n\n```bash\npg_dump -h $DB_HOST -U $DB_USER app > backup_$(date +%Y%m%d_%H%M%S).sql"
           "\n```\n\n## 2. Go\n\n```bash\n./deploy.sh\n```\n\n## Rollback\n\n```bash\n"
           "psql -h $DB_HOST -U $DB_USER app < backup_YYYYMMDD_HHMMSS.sql\n```\n")
    plan = plan_of(doc)
    assert any("restore" in s for lv in plan["rollback"]["levels"] for s in lv["steps"]), plan["rollback"]
    assert "DATE" not in (plan.get("vars") or {})


def test_a_date_format_option_stays() -> None:
    assert "date +%Y-%m-%d" in doc_runs("# T\n\n## 1. Go\n\n```bash\necho \"$(date +%Y-%m-%d)\"\n```\n")


def test_a_placeholder_in_any_alphabet_inside_single_quotes_reaches_the_command(tmp_path: object) -> None:
    doc = "# T\n\n## 1. Go\n\n```bash\nansible ch -m shell -a \\\n  'clickhouse-backup restore \"pre_<ДАТА>\"'\n```\n"
    plan = plan_of(doc)
    command = plan["phases"][0]["steps"][0]["shell"]["command"]
    assert "<ДАТА>" not in command and "FILL_IN" in plan["vars"]
    # bash gives the value to the command inside the quotes (an unexpanded `${FILL_IN}` would reach the host empty)
    out = subprocess.run(["bash", "-c", "set -- " + command.split("-a \\\n", 1)[1].strip() + '; printf %s "$1"'],
                         env={"FILL_IN": "20261212", "PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert out.stdout == 'clickhouse-backup restore "pre_20261212"'


def test_excluded_notebook_cells_never_run() -> None:
    doc = ('# T\n\n## 1. Go\n\n```sh {"name":"up"}\n./deploy.sh\n```\n\n'
           '```sh {"name":"peek","excludeFromRunAll":"true"}\nkubectl delete pod -l app=x\n```\n')
    assert "./deploy.sh" in doc_runs(doc)
    assert "kubectl delete" not in doc_runs(doc) and "kubectl delete" in doc_manual(doc)


FOLDED = """# KC

## 1. Install

```bash
sudo ln -sfn /opt/kc-26 /opt/kc
```

> [!danger]- Rollback
> **Level 1 — back to 24**
> Trigger: the build fails.
> ```bash
> sudo ln -sfn /opt/kc-24 /opt/kc
> ```

## Done when
- It works.
"""


def test_a_folded_rollback_callout_is_rollback() -> None:
    plan = plan_of(FOLDED)
    assert "kc-24" not in str(_forward(FOLDED))
    levels = plan["rollback"]["levels"]
    assert "kc-24" in str(levels[0]["steps"])


def test_a_rollback_callout_mid_section_never_runs_forward_and_keeps_what_follows() -> None:
    doc = FOLDED.replace("## Done when\n- It works.\n", "") + "\n```bash\n./smoke.sh\n```\n"
    forward = str(_forward(doc))
    assert "./smoke.sh" in forward
    assert "kc-24" not in doc_runs(doc).split("./smoke.sh")[0] or "kc-24" not in forward


RU = """# Обновление

## 1. Обновление

```bash
NODE=ch-1
ssh "$NODE" 'sudo apt-get install -y clickhouse-server=24.8'
```

## Откат

**Уровень 1 — вернуть 23.8.** Условие: ошибки выше 1 %.

```bash
NODE=ch-1
ssh "$NODE" 'sudo apt-get install -y --allow-downgrades clickhouse-server=23.8'
ssh "$NODE" 'sudo systemctl restart clickhouse-server'
```

**Уровень 2 — восстановление из копии.** Только по решению администратора БД:

```bash
ansible ch -m shell -a 'clickhouse-backup restore --rm pre_24_8'
```
"""


def test_a_russian_rollback_section_is_levels_with_its_block_whole() -> None:
    plan = plan_of(RU)
    assert [p["name"] for p in plan["phases"]] == ["1. Обновление"]
    level, second = plan["rollback"]["levels"]
    assert (level["level"], second["level"]) == (1, 2) and "restore" in str(second["steps"])
    [step] = level["steps"]
    assert "allow-downgrades" in step["shell"]["command"] and "systemctl restart" in step["shell"]["command"]


CH_SQL = """# ClickHouse upgrade

## 1. Check

```sql
SELECT count() FROM {src} WHERE is_readonly;
```

Run it with clickhouse-client{said}.
"""


@pytest.mark.parametrize(("src", "said"), [
    ("clusterAllReplicas('analytics', system.replicas)", ", the app itself on PostgreSQL"),
                                           ("replicas", " (this is ClickHouse, not PostgreSQL)"),
                                           ("replicas", " (это ClickHouse, не PostgreSQL)")])
def test_clickhouse_sql_never_runs_on_postgres(src: str, said: str) -> None:
    doc = CH_SQL.format(src=src, said=said)
    assert not [s for s in doc_steps(doc) if "sql" in s]
    assert "SELECT count()" in doc_manual(doc)


def test_a_document_on_postgres_keeps_its_sql_step() -> None:
    doc = "# T\n\n## 1. Check\n\n```sql\nSELECT count(*) FROM users;\n```\n\nRun it with psql.\n"
    assert [s for s in doc_steps(doc) if "sql" in s]


GXP = """**CHANGE RECORD**

# 1 Pre-execution

| Step | Instruction | Expected result |
|------|-------------|-----------------|
| 1.1 | Stop the app: `sudo systemctl stop lims` | inactive |
| 1.2 | Back up the schema (command below) | dump created |

```bash
expdp system schemas=LIMS dumpfile=pre.dmp
```

# 2 Installation

| Step | Instruction | Expected result |
|------|-------------|-----------------|
| 2.1 | Apply the patch (command below) | applied |
| 2.2 | Update the database [with `sqlplus lims @up.sql`]{.deletion author="T"}[with `./dbupdate.sh \
--target 2`]{.insertion author="T"} | at 2 |
| 2.3 | Start the app: `sudo systemctl start lims` | active |

```bash
sudo ./install.sh --silent
```

[Use SYSTEM.]{.comment-start id="3" author="M"}[]{.comment-end id="3"}
"""


def _commands(step: dict) -> str:  # type: ignore[type-arg]
    body = step.get("shell")
    return str(body.get("command") if isinstance(body, dict) else body)


def test_numbered_top_sections_are_phases_not_the_title() -> None:
    names = [p["name"] for p in plan_of(GXP)["phases"]]
    assert names[0].startswith("1 Pre-execution") and names[1].startswith("2 Installation")


def test_a_command_below_runs_in_its_rows_place() -> None:
    steps = plan_of(GXP)["phases"][1]["steps"]
    order = [_commands(s) for s in steps if "shell" in s]
    assert [i for i, c in enumerate(order) if "install.sh" in c] < [i for i, c in enumerate(order) if "start" in c]
    assert "install.sh" in order[0]


def test_tracked_changes_are_accepted() -> None:
    runs = doc_runs(GXP)
    assert "sqlplus" not in runs and "deletion" not in runs
    assert "./dbupdate.sh --target 2" in runs
    assert "comment-start" not in import_markdown(GXP, "doc.md").yaml_text


def test_challenge_response_lines_run_their_command_and_check_the_response() -> None:
    doc = ("# T\n\n## B. INSTALL\n\n1. Primary started ........ `ssh me-a sudo systemctl start me` (OPS)\n"
           "2. ⚠ Primary state ........ `ssh me-a me-admin status` → `ROLE=PRIMARY` (OPS)\n")
    steps = _forward(doc)
    assert _commands(steps[0]).endswith("ssh me-a sudo systemctl start me")
    assert "ROLE=PRIMARY" in str(steps[1]["shell"].get("expect_output"))
    assert "...." not in str(steps)


def test_a_cancelled_task_is_no_step() -> None:
    doc = ("# T\n\n## 1. Prep\n\n- [x] Notes read\n- [-] Rebuild the theme with `kc.sh build --x` ❌ 2026-12-12\n"
           "- [ ] Announce the downtime\n\n```bash\n./deploy.sh\n```\n")
    steps = str(doc_steps(doc))
    assert "kc.sh build" not in steps and "Announce the downtime" in steps


def test_a_hidden_comment_never_runs_and_a_fences_percent_signs_stay() -> None:
    doc = ("# T\n\n%% Note: last year\n```bash\nkc.sh import --override true\n```\nwiped it. %%\n\n## 1. Go\n\n"
           "```bash\nprintf '%%s\\n' done\n%% x %%\n```\n")
    runs = doc_runs(doc)
    assert "kc.sh import" not in runs and "kc.sh import" not in doc_manual(doc)
    assert _commands(_forward(doc)[0]) == "printf '%%s\\n' done\n%% x %%\n"


def test_a_titled_callout_says_its_title_with_its_body() -> None:
    doc = ("# T\n\n## 1. First node\n\n```bash\nsudo systemctl start keycloak\n```\n\n> [!question] Go/No-Go\n"
           "> Fatima logs in and decides. GO → start kc-2.\n\n## 2. Second node\n\n```bash\n./start kc-2\n```\n")
    assert "Fatima logs in" in str(plan_of(doc)["phases"][0].get("gate"))
