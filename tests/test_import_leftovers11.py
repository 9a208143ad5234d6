"""Set 11's leftover classes, with documents written for these tests: prose repeats in Russian and Polish, people
tables and windows in Polish and Russian, items that say in words they are done, blocks the document runs on several
named hosts or on every node, and a placeholder no step holds any more that the summary still named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golive.plan.importer import import_markdown
from importforms import load, plan_of


def _steps(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in plan["phases"] for s in p["steps"]]


def _manual_texts(plan: dict[str, Any]) -> list[str]:
    return [str(s["manual"]["instruction"] if isinstance(s["manual"], dict) else s["manual"])
            for s in _steps(plan) if "manual" in s]


def _shell_texts(plan: dict[str, Any]) -> list[str]:
    return [str(s["shell"]["command"] if isinstance(s["shell"], dict) else s["shell"])
            for s in _steps(plan) if "shell" in s]


RU_REPEAT = """# Обновление брокеров

## 1. Обновление узлов

```bash
NODE=mq-1
ssh "$NODE" 'sudo systemctl restart rabbitmq-server'
```

Повторить для `mq-2` и `mq-3`, по одному узлу.

## 2. Проверка

```bash
rabbitmqctl cluster_status
```
"""


def test_a_russian_prose_repeat_is_a_persons_step_naming_the_hosts() -> None:
    """Kept as a description only, mq-2 and mq-3 were never restarted."""
    texts = _manual_texts(plan_of(RU_REPEAT))
    assert any("mq-2" in t and "mq-3" in t for t in texts), texts


PL_REPEAT = """# Aktualizacja

## 1. Aktualizacja węzłów

```bash
ssh web-1 'sudo apt-get install -y php8.3'
```

To samo na web-2 i web-3, po kolei.

## 2. Sprawdzenie

```bash
curl -fsS https://example.pl/health
```
"""


def test_a_polish_prose_repeat_is_a_persons_step_naming_the_hosts() -> None:
    texts = _manual_texts(plan_of(PL_REPEAT))
    assert any("web-2" in t and "web-3" in t for t in texts), texts


PL_PEOPLE = """# Aktualizacja PHP

**Okno serwisowe:** wtorek 15.12.2026, 01:00–04:00 (CET). Decyzja o wycofaniu najpóźniej o 03:30.

| Rola | Osoba | Kontakt |
|---|---|---|
| Wykonuje | Jan Nowak | 601 000 001 |
| Zatwierdza | Ewa Zielińska | 601 000 002 |

## 1. Przygotowanie

- Ogłoszenie opublikowane wczoraj -- **zrobione**.
- Powiadomić zespół o przerwie.

```bash
./deploy.sh 8.3
```
"""


def test_a_polish_people_table_names_the_people_in_their_roles() -> None:
    plan = plan_of(PL_PEOPLE)
    assert plan["approvers"]["Wykonuje"] == ["Jan Nowak"]
    assert plan["approvers"]["Zatwierdza"] == ["Ewa Zielińska"]


def test_a_polish_window_with_its_rollback_deadline_is_the_plans_window() -> None:
    window = plan_of(PL_PEOPLE)["window"]
    assert str(window["start"]).startswith("2026-12-15") and "01:00" in str(window["start"])
    assert "04:00" in str(window["end"])
    assert "03:30" in str(window["rollback_until"])


RU_WINDOW = """# Обновление

**Окно работ:** 12 декабря 2026, 03:00–06:00 (Europe/Moscow)

## 1. Обновление

```bash
./deploy.sh 24.8
```
"""


def test_a_russian_month_in_the_genitive_is_read_as_the_windows_date() -> None:
    window = plan_of(RU_WINDOW)["window"]
    assert str(window["start"]).startswith("2026-12-12"), window


def test_an_item_that_says_it_is_done_is_recorded_done_and_an_open_one_is_not() -> None:
    """A done item asked again is work a person may repeat (an announcement posted twice)."""
    steps = [s["manual"] for s in _steps(plan_of(PL_PEOPLE)) if "manual" in s]
    done = {str(m["instruction"]): bool(m.get("done")) for m in steps}
    assert done["Ogłoszenie opublikowane wczoraj -- zrobione."] is True
    assert done["Powiadomić zespół o przerwie."] is False


def test_a_word_done_inside_the_sentence_is_no_done_mark() -> None:
    plan = plan_of("# R\n\n## 1. Go\n\n- Check that the export job is done\n\n```bash\n./deploy.sh\n```\n")
    steps = [s["manual"] for s in _steps(plan) if "manual" in s]
    assert steps and not any(m.get("done") for m in steps)


TWO_HOSTS = """# Keycloak upgrade

## 1. Stop

On kc-1 **and** kc-2:

```bash
sudo systemctl stop keycloak
```

## 2. Start

Run on each node:

```bash
sudo systemctl start keycloak
```
"""


def test_a_block_for_two_named_hosts_is_a_persons_step_naming_both_never_a_local_run() -> None:
    """One shell step ran it once, on the machine golive runs on: neither kc-1 nor kc-2 stopped."""
    plan = plan_of(TWO_HOSTS)
    assert not any("systemctl" in c for c in _shell_texts(plan)), _shell_texts(plan)
    texts = _manual_texts(plan)
    assert any("kc-1 and kc-2" in t and "sudo systemctl stop keycloak" in t for t in texts), texts
    assert any("each node" in t and "sudo systemctl start keycloak" in t for t in texts), texts


def test_a_block_that_reaches_the_named_hosts_itself_stays_a_step() -> None:
    doc = "# R\n\n## 1. Stop\n\nOn kc-1 and kc-2:\n\n```bash\nfor h in kc-1 kc-2; do ssh \"$h\" sudo systemctl stop" \
          " keycloak; done\n```\n"
    assert any("ssh" in c for c in _shell_texts(plan_of(doc)))
    each = ("# R\n\n## 1. Stop\n\nOn each node:\n\n```bash\nansible kc -b -m service -a 'name=keycloak"
            " state=stopped'\n```\n")
    assert any("ansible kc" in c for c in _shell_texts(plan_of(each)))  # the fan-out tool reaches every node


def test_the_summary_names_no_var_for_a_placeholder_no_step_holds() -> None:
    """Seed 000's backup_YYYYMMDD_HHMMSS.sql became the run's own restore: no ${DATE} is read or declared, and the
    summary must not tell the reader to provide one."""
    seed = sorted((Path(__file__).parent / "seeds").glob("000_*.txt"))[0]
    result = import_markdown(seed.read_text(encoding="utf-8"), seed.name)
    assert "DATE" not in (result.yaml_text.split("\nphases:")[0])
    env = [s for s in result.summary if s.startswith("the commands also read")]
    assert env and "DATE" not in env[0], env
    assert not any("${DATE}, a plan var" in s for s in result.summary), result.summary


def test_plans_stay_valid() -> None:
    for doc in (RU_REPEAT, PL_REPEAT, PL_PEOPLE, RU_WINDOW, TWO_HOSTS):
        load(doc)


SCORED_DOC = "# R\n\n## 1. Check\n\n```bash\ngrep -c ERROR /var/log/app.log\n```\n\n```sql\nSELECT 1;\n```\n"


def _score(plan_text: str, unit_extra: dict[str, Any], sql_extra: dict[str, Any]) -> list[str]:
    """The scorer's misses for a two-block expectation with the new unit fields."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.import_unseen import Result, score_plan

    exp = {"phases": [{"line": 3, "name": "Check"}], "commands": [
        {"line": 5, "lang": "bash", "units": [{"markers": ["grep -c ERROR"], "where": {"phase": "Check"},
                                                "kinds": ["shell"], **unit_extra}]},
        {"line": 9, "lang": "sql", "units": [{"markers": ["SELECT 1"], "where": {"phase": "Check"},
                                               "kinds": ["sql"], **sql_extra}]}]}
    return score_plan(exp, SCORED_DOC.split("\n"), plan_text, Result("doc.md")).misses


_PLAN = """name: r
service: r
phases:
  - name: 1. Check
    steps:
      - shell:
          command: grep -c ERROR /var/log/app.log
          expect_exit: {exits}
      - sql:
          database: {db}
          query: SELECT 1;
"""


def test_the_scorer_reads_expect_exit_and_sql_database() -> None:
    """A `grep -c` that must print 0 (exit 1) and an sql step on the document's database: a plan that fails on the
    document's success, or queries another database, is a miss."""
    want = ({"expect_exit": [0, 1]}, {"sql_database": "billing"})
    assert _score(_PLAN.format(exits="[0, 1]", db="billing"), *want) == []
    misses = _score(_PLAN.format(exits="[0]", db="postgres"), *want)
    assert any("grep -c ERROR" in m for m in misses) and any("SELECT 1" in m for m in misses), misses
    # without the new fields the same plan scores as before
    assert _score(_PLAN.format(exits="[0]", db="postgres"), {}, {}) == []


PROSE_PHASE = """# Broker upgrade

## 1. First broker (10 min)

```bash
sudo systemctl restart kafka
```

## 2. Second broker (10 min)

On mq-2: `sudo systemctl restart kafka`, then the same check against `mq-2.internal:9092`.

## 3. Verify

```bash
kafka-topics --bootstrap-server mq-1:9092 --describe
```
"""


def test_a_phase_whose_only_work_is_commands_in_a_sentence_is_kept_as_a_persons_step() -> None:
    """Left out as "no steps", the second broker was never restarted."""
    plan = plan_of(PROSE_PHASE)
    second = next(p for p in plan["phases"] if "Second broker" in p["name"])
    assert [s["manual"]["instruction"] for s in second["steps"]] == [
        "On mq-2: sudo systemctl restart kafka, then the same check against mq-2.internal:9092."]


LOG_WAIT = """# Keycloak

## 1. Start (15 min)

```bash
sudo systemctl start keycloak
```

Follow it with `journalctl -u keycloak -f` until you see `started`, then:

```bash
curl -fsS http://kc-1.internal:9000/health/ready
```
"""


def test_a_check_after_following_the_log_until_it_says_so_is_repeated_until_it_holds() -> None:
    """Checked once right after the start, it failed while the schema migrated, and the failure rolled back."""
    http = next(s["http"] for s in _steps(plan_of(LOG_WAIT)) if "http" in s)
    assert http["retries"]["deadline"] == "5m"
    assert "body_contains" not in (http.get("expect") or {})  # `started` is the log's, not the endpoint's


WATCHED = """# App

## 1. Deploy

```bash
./deploy.sh 2.0
```

```bash
watch -n 5 kubectl get pods -n app
```

## 2. Temporal

```sh
kubectl -n temporal port-forward svc/temporal-frontend 7233:7233
```

```sh
temporal operator cluster health --address localhost:7233
```
"""


def test_a_watch_is_a_persons_step_to_watch_and_a_port_forward_one_to_keep_open() -> None:
    """Dropped, the document's watching and the tunnel the next commands reach through were lost; as steps that
    run, the run would wait on them forever."""
    plan = plan_of(WATCHED)
    assert not any("watch" in c or "port-forward" in c for c in _shell_texts(plan)), _shell_texts(plan)
    texts = _manual_texts(plan)
    assert any(t.startswith("Watch by hand") and "watch -n 5 kubectl get pods -n app" in t for t in texts), texts
    assert any(t.startswith("Start by hand and keep it open") and "port-forward" in t for t in texts), texts


RUNME = """---
runme:
  version: v3
shell: bash
cwd: ../../deploy/temporal
---

# Temporal

## 1. Backup

```sh {"name":"backup"}
mkdir -p backups
pg_dump -Fc temporal -f backups/temporal.dump
```

## 2. Upgrade

```sh {"name":"upgrade"}
helm upgrade temporal temporalio/temporal -f values/prod.yaml
```
"""


def test_a_notebooks_front_matter_cwd_is_every_shell_steps_directory() -> None:
    """Run elsewhere, the dump went to the wrong place and values/prod.yaml was not found."""
    plan = plan_of(RUNME)
    shells = [s["shell"] for s in _steps(plan) if "shell" in s]
    assert len(shells) == 2 and all(s["cwd"] == "../../deploy/temporal" for s in shells), shells
    assert not any("cwd" in s.get("shell", {}) for s in _steps(plan_of(PROSE_PHASE)) if isinstance(s.get("shell"),
                                                                                                  dict))


def test_more_plans_stay_valid() -> None:
    for doc in (PROSE_PHASE, LOG_WAIT, WATCHED, RUNME):
        load(doc)


RU_LADDER = """# Обновление

Эскалация: сначала Кузнецова О. П., затем Волков Д. С.

## 1. Обновление

```bash
./deploy.sh 24.8
```
"""


def test_a_russian_escalation_line_is_the_ladder_in_its_order() -> None:
    """Read as prose, nobody knew whom to call first."""
    rungs = plan_of(RU_LADDER)["contacts"]["escalation"]
    assert [r["name"][:9] for r in rungs] == ["Кузнецова", "Волков Д."], rungs


UNDO_AFTER_WATCH = """# Payments

## 1. Migration

```bash
kubectl -n payments apply -f job-migrate.yaml
kubectl -n payments logs -f job/payments-migrate
```

Undo, if needed:

```bash
kubectl -n payments apply -f job-migrate-down.yaml
```

## 2. Deploy

```bash
kubectl -n payments set image deploy/api api=api:5.0
```
"""


def test_an_undo_lead_after_a_watched_log_is_still_the_undo_of_the_step_before() -> None:
    """The person's step watching the log does no work: taken as "the step before", the down migration became a
    level of its own and the migration had no undo."""
    steps = plan_of(UNDO_AFTER_WATCH)["phases"][0]["steps"]
    assert "job-migrate-down.yaml" in str(steps[0]["undo"]), steps
    assert "logs -f" in str(steps[1]["manual"])
