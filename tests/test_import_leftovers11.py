"""Set 11's leftover classes, with documents written for these tests: prose repeats in Russian and Polish, people
tables and windows in Polish and Russian, items that say in words they are done, blocks the document runs on several
named hosts or on every node, and a placeholder no step holds any more that the summary still named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from importforms import load, plan_of

from golive.plan.importer import import_markdown


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
