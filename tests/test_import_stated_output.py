"""A command's expected output, checked as the document states it (set 7 of the blind runbooks missed four ways):
the expectation belongs to the command it is stated for, never to the next one; "six times" / "on every line" is
checked as such (golive searches `expect_output` line by line, so a plain pattern passes when ONE line matches);
"Expected output: nothing", a multi-line command's "Expected: ..." and a sub-step's "erwartet: `0`" are checked;
"wait until both report UP (about 2 minutes)" is a check repeated for that long, not one made right after the start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown

SET7 = Path(__file__).parent / "import_unseen7"


def steps(text: str, name: str = "doc.md") -> list[dict[str, Any]]:
    data = YAML(typ="safe").load(import_markdown(text, name).yaml_text)
    return [s for p in data["phases"] for s in p.get("steps", [])]


def shell_of(found: list[dict[str, Any]], word: str) -> dict[str, Any]:
    [spec] = [s["shell"] for s in found if "shell" in s and word in str(s["shell"])]
    return spec if isinstance(spec, dict) else {"command": spec}


def passes(pattern: str, output: str) -> bool:
    return re.search(pattern, output, re.MULTILINE) is not None  # as golive.steps.shell checks it


# -- 1. the expectation belongs to the command it follows ------------------------------------------------------------

FAILOVER = """# Failover
## Phase 1: Switch
```bash
pg_ctl promote -D /var/lib/pg/data
```

It prints `server promoted` right away; replicas follow within a minute. Now ask the router, expect `db-2`:

```bash
dbrouter current-primary
```
"""


def test_an_answer_stated_after_a_command_is_not_the_next_commands_check() -> None:
    spec = shell_of(steps(FAILOVER), "current-primary")
    # the sentence that introduces the block, not "server promoted"
    assert passes(spec["expect_output"], "db-2\n") and not passes(spec["expect_output"], "server promoted\n"), spec
    assert not passes(spec["expect_output"], "db-22\n")


def test_set7_failover_answer_ok_is_not_the_get_master_check() -> None:
    found = steps((SET7 / "06_redis_sentinel_haproxy.md").read_text(), "06.md")
    [spec] = [s["shell"] for s in found if isinstance(s.get("shell"), dict)
              and s["shell"]["command"].endswith("redis-02 -p 26379 SENTINEL get-master-addr-by-name mymaster")]
    assert passes(spec["expect_output"], "10.0.3.12\n6379\n") and not passes(spec["expect_output"], "OK\n")


# -- 2. a stated count is checked as a count -------------------------------------------------------------------------

COUNT = """# Config
## Phase 1: Check
Check it on all four with `for h in a b c d; do ssh $h grep -c '^sync=on' /etc/app.conf; done` (expect `1` four times).
"""

PAIRS = """# Cluster
## Phase 1: Check
```bash
for n in n1 n2 n3; do etcdctl --endpoints http://$n:2379 get /leader --print-value-only; cat /etc/zone; done
```

Expect `node-7` and `eu-1` three times.
"""

EVERY = """# Hosts
## Phase 1: Check
```bash
for h in web1 web2 web3; do ssh $h systemctl is-active nginx; done
```

It must print `active` on every line.
"""


def test_a_value_stated_n_times_must_be_the_whole_output_n_times() -> None:
    pattern = shell_of(steps(COUNT), "sync=on")["expect_output"]
    assert passes(pattern, "1\n1\n1\n1\n")
    assert not passes(pattern, "1\n0\n1\n1\n") and not passes(pattern, "1\n1\n1\n")
    assert not passes(pattern, "11\n1\n1\n")


def test_several_values_stated_n_times_every_line_is_one_of_them() -> None:
    pattern = shell_of(steps(PAIRS), "etcdctl")["expect_output"]
    assert passes(pattern, "node-7\neu-1\nnode-7\neu-1\nnode-7\neu-1\n")
    assert not passes(pattern, "node-7\neu-1\nnode-9\neu-1\nnode-7\neu-1\n")


def test_a_value_on_every_line_fails_when_one_line_differs() -> None:
    pattern = shell_of(steps(EVERY), "is-active")["expect_output"]
    assert passes(pattern, "active\nactive\nactive\n") and not passes(pattern, "active\nfailed\nactive\n")


@pytest.mark.parametrize(("doc", "word", "good", "bad"), [
    ("01_kafka_rolling_restart.md", "controlled.shutdown", "1\n" * 6, "1\n" * 5 + "0\n"),
    ("06_redis_sentinel_haproxy.md", "for s in", "10.0.3.11\n6379\n" * 3,
     "10.0.3.11\n6379\n" * 2 + "10.0.3.12\n6379\n"),
])
def test_set7_counts_are_checked(doc: str, word: str, good: str, bad: str) -> None:
    pattern = shell_of(steps((SET7 / doc).read_text(), doc), word)["expect_output"]
    assert passes(pattern, good) and not passes(pattern, bad)


# -- 3. stated outputs that were not checked -------------------------------------------------------------------------

NOTHING = """# Queue
## Phase 1: Check
```bash
rabbitmqctl list_queues --quiet name messages \\
  | awk '$2 > 1000'
```

Expected output: **nothing**. Any line means a queue is backed up: stop.
"""

MULTILINE = """# Schema
## Phase 1: Check
```bash
cd /srv/app && bundle exec rails runner '
  puts Invoice.columns_hash["due_on"].sql_type
'
```

Expected: `date`.
"""

ERWARTET = """# Abschluss
## Phase 3: Umstellung
3.2 Offene Buchungen prüfen, erwartet: `0`

```sql
SELECT count(*) FROM fibu.buchungen WHERE status = 'OFFEN';
```
"""


def test_expected_output_nothing_requires_an_empty_output() -> None:
    spec = shell_of(steps(NOTHING), "list_queues")
    assert passes(spec["expect_output"], "") and passes(spec["expect_output"], "\n")
    assert not passes(spec["expect_output"], "orders 5000\n")
    assert spec.get("options") == []  # the block's own settings stay


def test_expected_after_a_command_written_over_several_lines_is_checked() -> None:
    spec = shell_of(steps(MULTILINE), "rails runner")
    assert passes(spec["expect_output"], "date\n") and not passes(spec["expect_output"], "timestamp\n")


def test_a_substeps_erwartet_is_the_queries_check_and_no_persons_step_before_it() -> None:
    found = steps(ERWARTET)
    assert [s["sql"]["expect"] for s in found if "sql" in s] == [{"value": 0}]
    assert not any("manual" in s for s in found), found


def test_set7_stated_outputs_are_checked() -> None:
    [urp] = [s["shell"] for s in steps((SET7 / "01_kafka_rolling_restart.md").read_text(), "01.md")
             if "shell" in s and str(s["shell"]).startswith("{'command': '$KAFKA_BIN/kafka-topics.sh --bootstrap")]
    assert not passes(urp["expect_output"], "Topic: orders Partition: 3 Leader: 2 Replicas: 2,4 Isr: 2\n")
    found = steps((SET7 / "03_zahlungsverkehr_de.md").read_text(), "03.md")
    at = next(i for i, s in enumerate(found) if "sql" in s and "auftraege" in s["sql"]["query"])
    assert found[at]["sql"]["expect"] == {"value": 0}
    assert "erwartet" not in str(found[at - 1].get("manual", "")), found[at - 1]
    spec = shell_of(steps((SET7 / "02_rails_capistrano.md").read_text(), "02.md"), "columns_hash")
    assert passes(spec["expect_output"], "checkout_version integer default=1\n")
    assert not passes(spec["expect_output"], "checkout_version integer default=nil\n")


# -- 4. a wait-until is a repeated check, for the time stated --------------------------------------------------------

WAIT = """# Rollout
## Phase 1: Start
```bash
sudo systemctl start shop
```

{lead}

```bash
curl -fsS http://shop-1:8080/health
curl -fsS http://shop-2:8080/health
```
"""


@pytest.mark.parametrize(("lead", "deadline"), [
    ("Wait until both nodes report \"UP\" (about 3 minutes):", "3m"),
    ("Warten, bis beide Knoten „UP\" melden (ca. 90 Sekunden):", "90s"),
    ("Esperar hasta que ambos nodos respondan `UP` (unos 2 minutos):", "2m"),
])
def test_a_wait_until_before_http_checks_retries_them_for_the_stated_time(lead: str, deadline: str) -> None:
    http = [s["http"] for s in steps(WAIT.format(lead=lead)) if "http" in s]
    assert len(http) == 2 and all(h["retries"]["deadline"] == deadline for h in http), http
    assert all(h["expect"]["body_contains"] == "UP" for h in http)


def test_http_checks_without_a_wait_are_checked_once() -> None:
    http = [s["http"] for s in steps(WAIT.format(lead="Check both nodes:")) if "http" in s]
    assert http and not any(isinstance(h, dict) and "retries" in h for h in http)


def test_set7_warten_bis_up_is_retried_for_two_minutes() -> None:
    found = steps((SET7 / "03_zahlungsverkehr_de.md").read_text(), "03.md")
    http = [s["http"] for s in found if "http" in s and "actuator/health" in str(s["http"])]
    assert len(http) == 2 and all(h["retries"]["deadline"] == "2m" for h in http), http
