"""Every result the document states next to a command is the step's check, or a person's step that quotes it
(set 8 of the blind runbooks kept nine such commands as steps that pass whatever they print): after the block,
in the lead before it, in the next person's line, in English, German, French, Spanish, Chinese and Japanese;
"every line" / "on all 12" check every line (under clush's host headers too). A block the document runs on a
host it names is a person's step naming that host, never run where golive runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown

SET8 = Path(__file__).parent / "import_unseen8"


def steps(text: str, name: str = "doc.md") -> list[dict[str, Any]]:
    data = YAML(typ="safe").load(import_markdown(text, name).yaml_text)
    return [s for p in data["phases"] for s in p.get("steps", [])]


def passes(pattern: str, output: str) -> bool:
    return re.search(pattern, output, re.MULTILINE) is not None  # as golive.steps.shell checks it


def spec_with(found: list[dict[str, Any]], kind: str, word: str) -> dict[str, Any]:
    [spec] = [s[kind] for s in found if kind in s and word in str(s[kind])]
    return spec if isinstance(spec, dict) else {"command": spec}


def after(found: list[dict[str, Any]], word: str) -> dict[str, Any]:
    """The step right after the one that holds `word`."""
    at = next(i for i, s in enumerate(found) if word in str({k: v for k, v in s.items() if k != "manual"}))
    return found[at + 1]


HEAD = "# Release\n\n## Phase 1: Deploy\n\n"


# -- a value stated after a block of several commands: its last line --------------------------------------------------

PINNED = HEAD + """1. Pin the context:

   ```bash
   kubectl config use-context prod-eu1
   kubectl -n ledger get deploy api -o jsonpath='{.spec.template.spec.containers[0].image}'
   ```

   It must print `ghcr.io/acme/api:v4.1.3`. If it prints anything else, stop and ping the captain.
"""


def test_a_value_stated_after_several_commands_is_what_the_last_one_prints() -> None:
    pattern = spec_with(steps(PINNED), "shell", "jsonpath")["expect_output"]
    assert passes(pattern, 'Switched to context "prod-eu1".\nghcr.io/acme/api:v4.1.3')
    assert not passes(pattern, 'Switched to context "prod-eu1".\nghcr.io/acme/api:v4.1.3-rc1')
    assert not passes(pattern, "ghcr.io/acme/api:v4.1.3\nghcr.io/acme/api:v4.2.0\n")


# -- an http step keeps the body the document states, placeholders or not ------------------------------------------

SMOKE = HEAD + """```bash
curl -fsS -H "Authorization: Bearer <your-token>" https://ledger.example.io/api/v1/health
```

Expected: `{"status":"ok","version":"4.2.0"}`
"""


def test_an_expected_body_after_a_curl_with_a_placeholder_is_the_http_check() -> None:
    spec = spec_with(steps(SMOKE), "http", "health")
    assert spec["expect"]["json"] == {"$.status": "ok", "$.version": "4.2.0"}


# -- the next person's line, and quantifiers ------------------------------------------------------------------------

NAVIGATOR = HEAD + """**Driver:** check all 12 hosts run 3.7.2.

```bash
clush -bw @search 'rpm -q search-api'
```

**Navigator:** every line must read `search-api-3.7.2-1.el9.x86_64`. One host with anything else: stop.
"""
CLUSH_ALL = "---------------\nsearch-[01-12] (12)\n---------------\nsearch-api-3.7.2-1.el9.x86_64\n"
CLUSH_ONE_OFF = ("---------------\nsearch-[01-04,06-12] (11)\n---------------\nsearch-api-3.7.2-1.el9.x86_64\n"
                 "---------------\nsearch-05\n---------------\nsearch-api-3.6.0-1.el9.x86_64\n")


def test_the_next_persons_line_is_the_check_of_every_hosts_line() -> None:
    pattern = spec_with(steps(NAVIGATOR), "shell", "rpm -q")["expect_output"]
    assert passes(pattern, CLUSH_ALL)
    assert passes(pattern, "search-01: search-api-3.7.2-1.el9.x86_64\nsearch-02: search-api-3.7.2-1.el9.x86_64\n")
    assert not passes(pattern, CLUSH_ONE_OFF)
    assert not passes(pattern, "search-01: search-api-3.7.2-1.el9.x86_64\nsearch-02: package not installed\n")


@pytest.mark.parametrize("said", ["on all 12", "on all hosts", "on every host", "on each node"])
def test_a_value_on_all_hosts_of_an_inline_command_fails_when_one_host_differs(said: str) -> None:
    doc = (HEAD + "```bash\nclush -bw @search -f 4 'sudo systemctl restart search-api'\n```\n\n"
           f"**Navigator:** `clush -bw @search 'curl -s localhost:9400/health'` must show `{{\"status\":\"green\"}}`"
           f" {said}.\n")
    pattern = spec_with(steps(doc), "shell", "9400")["expect_output"]
    green = '{"status":"green"}'
    assert passes(pattern, f"---------------\nsearch-[01-12] (12)\n---------------\n{green}\n")
    assert not passes(pattern, f"---------------\nsearch-[01-11] (11)\n---------------\n{green}\n"
                               '---------------\nsearch-12\n---------------\n{"status":"yellow"}\n')


# -- the lead before the block, in Chinese ---------------------------------------------------------------------------

ZH = """# 上线

## 一、检查

确认当前版本（应输出 `5.1.8`）：

```bash
su - app -c 'cat /opt/order-svc/current/VERSION'
```

执行 DDL：

```bash
sudo -u postgres psql -d orders -v ON_ERROR_STOP=1 -c 'ALTER TABLE orders ADD COLUMN t text'
```

检查：下面的查询应返回 `1`。

```sql
SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 't';
```

## 二、验证

```bash
curl -s http://order-svc.internal/api/version
```

应返回 `{"version":"5.2.0"}`。然后手工在测试账号下一单，确认发票抬头可以填写。
"""


def test_chinese_stated_results_are_the_checks() -> None:
    found = steps(ZH)
    version = spec_with(found, "shell", "VERSION")["expect_output"]
    assert passes(version, "5.1.8\n") and not passes(version, "5.1.80\n") and not passes(version, "5.2.0\n")
    assert spec_with(found, "sql", "information_schema")["expect"] == {"value": 1}
    assert spec_with(found, "http", "api/version")["expect"]["json"] == {"$.version": "5.2.0"}
    # "the query below" is the next block's result, never the DDL's
    assert "expect_output" not in spec_with(found, "shell", "ALTER TABLE")


def test_the_persons_action_after_a_stated_result_is_kept() -> None:
    result = import_markdown(ZH, "zh.md")
    assert "然后手工在测试账号下一单" in result.yaml_text


# -- other languages, a result after the block ------------------------------------------------------------------------

@pytest.mark.parametrize("said", [
    "Die Ausgabe muss `active` lauten.",
    "La sortie doit afficher `active`.",
    "La salida debe mostrar `active`.",
    "It should print `active`.",
    "出力が `active` であること。",
    "`active` と表示されること。",
])
def test_a_result_stated_after_the_block_in_any_language_is_checked(said: str) -> None:
    doc = HEAD + f"```bash\nsystemctl is-active api\n```\n\n{said}\n"
    pattern = spec_with(steps(doc), "shell", "is-active")["expect_output"]
    assert passes(pattern, "active\n") and not passes(pattern, "failed\n")


# -- what golive cannot check exactly: a person's step right after the command that quotes it -------------------------

@pytest.mark.parametrize(("lead", "block", "said", "quoted"), [
    ("", "./reindex.sh\ncurl -fsS \"$ES/_tasks/$TASK\" | jq '.response.failures | length'",
     "The last line must print `0`. Anything else: do not switch the alias.", "The last line must print `0`"),
    ("Compare the counts (must be equal):", "curl -fsS \"$ES/a/_count\" | jq .count\ncurl -fsS \"$ES/b/_count\""
     " | jq .count", "", "must be equal"),
    ("Die beiden Zahlen vergleichen (müssen gleich sein):", "wc -l a.csv\nwc -l b.csv", "", "gleich"),
    ("Comparer les deux totaux (ils doivent être égaux) :", "wc -l a.csv\nwc -l b.csv", "", "égaux"),
    ("Comparar los totales (deben ser iguales):", "wc -l a.csv\nwc -l b.csv", "", "iguales"),
    ("两个数量应相等：", "wc -l a.csv\nwc -l b.csv", "", "应相等"),
    ("", "journalctl -u api --since '-5 min'", "The output must show no errors.", "no errors"),
])
def test_a_result_golive_cannot_check_exactly_is_a_persons_step_after_the_command(lead: str, block: str, said: str,
                                                                                 quoted: str) -> None:
    doc = HEAD + (f"{lead}\n\n" if lead else "") + f"```bash\n{block}\n```\n\n" + (f"{said}\n" if said else "")
    found = steps(doc)
    first = block.split("\n")[-1][:12]
    nxt = after(found, first)
    assert "manual" in nxt and quoted in str(nxt["manual"]), found


def test_a_stated_result_for_several_commands_on_every_host_is_a_persons_step() -> None:
    doc = HEAD + "```bash\nfor h in a1 a2; do\n  ssh $h uptime\n  ssh $h cat /etc/version\ndone\n```\n\n" \
                 "Every host must print `7.2`.\n"
    found = steps(doc)
    assert "expect_output" not in spec_with(found, "shell", "for h in")
    assert "7.2" in str(after(found, "for h in")["manual"])


# -- what is no stated result stays as it was ------------------------------------------------------------------------

@pytest.mark.parametrize("said", [
    "It takes about two minutes.",
    "The old host returns 500 until the DNS change lands.",
    "The dashboard should show `0` errors after the restart.",
])
def test_a_sentence_about_something_else_is_no_check_of_the_command(said: str) -> None:
    found = steps(HEAD + f"```bash\nsystemctl restart api\n```\n\n{said}\n")
    spec = spec_with(found, "shell", "restart api")
    assert "expect_output" not in spec
    assert all("Check what the step above printed" not in str(s.get("manual", "")) for s in found) or \
        "dashboard" in said


def test_a_lead_about_the_step_before_is_no_check_of_the_next_block() -> None:
    doc = HEAD + "```bash\n./warm.sh\n```\n\nThe warm-up must print `done`. Now restart.\n\n```bash\n" \
                 "systemctl restart api\n```\n"
    assert "expect_output" not in spec_with(steps(doc), "shell", "restart api")


# -- a host the document names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lead", [
    "As `search`: change the cron line. Do it on search-01 only; the other hosts have no cron.\n\nCheck with",
    "On db1:",
    "Nur auf app-02 ausführen:",
    "Sur db-01 uniquement :",
    "Solo en web-03:",
    "只在 order-app-01 上执行：",
    "db-01 でのみ実行：",
])
def test_a_block_the_document_runs_on_a_named_host_is_a_persons_step_naming_it(lead: str) -> None:
    doc = HEAD + f"{lead}\n\n```bash\nsudo -u search crontab -l | grep compact\n```\n\nIt must print `15 * * * * x`.\n"
    found = steps(doc)
    assert not any("shell" in s and "crontab" in str(s["shell"]) for s in found), found
    [manual] = [s["manual"] for s in found if "manual" in s and "crontab -l" in str(s["manual"])]
    host = re.search(r"search-01|db1|app-02|db-01|web-03|order-app-01", lead)
    assert host is not None and f"On {host.group(0)}" in str(manual)
    assert "15 * * * * x" in str(manual)


@pytest.mark.parametrize("lead", [
    "From ops-bastion-2, run:",
    "Do it on search-01 only:",  # the block reaches search-01 itself
    "Not on db-01:",
    "Upgrade to v4.2.0 on the cluster:",
])
def test_a_block_that_reaches_the_host_itself_or_names_none_still_runs(lead: str) -> None:
    doc = HEAD + f"{lead}\n\n```bash\nssh search-01 'sudo -u search crontab -l'\n```\n"
    assert any("shell" in s and "crontab" in str(s["shell"]) for s in steps(doc))


def test_set8_named_host_and_stated_results() -> None:
    found = steps((SET8 / "04_driver_navigator_clush.md").read_text(), "04.md")
    assert not any("shell" in s and "crontab -l" in str(s["shell"]) for s in found)
    assert passes(spec_with(found, "shell", "rpm -q")["expect_output"], CLUSH_ALL)
    assert not passes(spec_with(found, "shell", "rpm -q")["expect_output"], CLUSH_ONE_OFF)


@pytest.mark.parametrize("said", ["on all 3 hosts", "on every host", "on all hosts", "auf allen Hosts",
                                  "sur tous les hôtes", "en todos los hosts"])
def test_a_value_on_all_hosts_of_a_loop_is_every_line(said: str) -> None:
    doc = HEAD + f"- Versions: `for h in a1 a2 a3; do ssh $h cat /etc/v; done` must print `7.2` {said}.\n"
    pattern = spec_with(steps(doc), "shell", "for h in")["expect_output"]
    assert passes(pattern, "7.2\n7.2\n7.2\n") and not passes(pattern, "7.2\n7.1\n7.2\n")


# -- a value is a word of its own: `active` is not in "inactive" -----------------------------------------------------

@pytest.mark.parametrize("said", ["It should print `active`.", "La sortie doit afficher `active`."])
def test_a_stated_word_is_not_found_inside_another(said: str) -> None:
    doc = HEAD + f"```bash\nsystemctl is-active api\n```\n\n{said}\n"
    pattern = spec_with(steps(doc), "shell", "is-active")["expect_output"]
    assert passes(pattern, "active\n") and passes(pattern, "Status: active.\n")
    assert not passes(pattern, "inactive\n") and not passes(pattern, "active-waiting\n")


# -- an expected output shown in a block after the command ------------------------------------------------------------

@pytest.mark.parametrize("intro", ["Expected output:", "You should see:", "Erwartete Ausgabe:", "Sortie attendue :",
                                   "Salida esperada:", "预期输出："])
def test_a_one_line_expected_output_block_is_the_check(intro: str) -> None:
    doc = HEAD + f"```bash\nsystemctl is-active api\n```\n\n{intro}\n\n```text\nactive\n```\n"
    found = steps(doc)
    pattern = spec_with(found, "shell", "is-active")["expect_output"]
    assert passes(pattern, "active\n") and not passes(pattern, "inactive\n")
    assert not any("manual" in s for s in found)


def test_an_expected_output_of_several_lines_is_a_persons_step_that_shows_it() -> None:
    doc = HEAD + "```bash\nkubectl get nodes\n```\n\nYou should see:\n\n```text\nnode-1 Ready\nnode-2 Ready\n```\n"
    found = steps(doc)
    nxt = after(found, "get nodes")
    assert "node-1 Ready" in str(nxt["manual"]) and "node-2 Ready" in str(nxt["manual"])


@pytest.mark.parametrize(("intro", "shown"), [("Example output:", "active"), ("Sample output:", "active"),
                                              ("You should see:", "started in 3.2s")])
def test_a_sample_or_varying_output_is_no_exact_check(intro: str, shown: str) -> None:
    doc = HEAD + f"```bash\nsystemctl is-active api\n```\n\n{intro}\n\n```text\n{shown}\n```\n"
    assert "expect_output" not in spec_with(steps(doc), "shell", "is-active")


def test_the_lead_of_the_next_block_is_no_expected_output_of_this_one() -> None:
    doc = HEAD + "```bash\n./reindex.sh\n```\n\nBoth counts must be equal:\n\n```\n" \
                 "curl -s http://es:9200/_cat/count/a\ncurl -s http://es:9200/_cat/count/b\n```\n"
    found = steps(doc)
    assert "manual" not in after(found, "reindex.sh")
    assert "must be equal" in str(after(found, "count/b")["manual"])


# -- a result in the command's own trailing comment ------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "line", "good", "bad"), [
    ("powershell", '(Invoke-WebRequest -Uri "http://localhost/h" -UseBasicParsing).StatusCode   # expect 200',
     "200\n", "301\n"),
    ("bash", "whoami  # should be root", "root\n", "rooted\n"),
    ("bash", 'curl -fsS http://x:8080/health   # 应为 {"status":"UP"}', '{"status":"UP"}', '{"status":"DOWN"}'),
    ("bash", "cat /opt/app/VERSION  # => 5.2.0", "5.2.0\n", "5.2.01\n"),
])
def test_a_result_in_the_commands_comment_is_its_check(lang: str, line: str, good: str, bad: str) -> None:
    found = steps(HEAD + f"```{lang}\n{line}\n```\n")
    [spec] = [s["shell"] for s in found if "shell" in s]
    assert passes(spec["expect_output"], good) and not passes(spec["expect_output"], bad)


def test_a_result_in_the_comment_of_a_line_before_the_last_is_a_persons_step() -> None:
    found = steps(HEAD + "```bash\nwhoami # expect root\nsystemctl restart api\n```\n")
    assert "expect_output" not in spec_with(found, "shell", "whoami")
    assert "whoami # expect root" in str(after(found, "whoami")["manual"])


@pytest.mark.parametrize("line", ["./x.sh  # must be run first", "./x.sh  # expected to take 5 minutes"])
def test_a_comment_that_states_no_result_changes_nothing(line: str) -> None:
    found = steps(HEAD + f"```bash\n{line}\n```\n")
    assert found == [{"shell": spec_with(found, "shell", "x.sh")}]
    assert "expect_output" not in spec_with(found, "shell", "x.sh")
