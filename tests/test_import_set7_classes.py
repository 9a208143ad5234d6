"""Meaning changes of blind set 7, as general classes: alternatives (tabs, "On Ubuntu:") never all run; Word
typography never reaches bash; watched / second-terminal commands never become steps; a command the document runs
"only then" is a person's step."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.plan.importer import import_markdown
from golive.plan.md_shell import never_ends
from importforms import doc_manual, doc_runs

HUGO = """# Deploy billing

## Install

Pick the tab for your OS:

{{< tabs "install" >}}
{{< tab "Ubuntu" >}}

```bash
sudo apt-get install -y billing=3.0
```

{{< /tab >}}
{{< tab "RHEL" >}}

```bash
sudo dnf install -y billing-3.0
```

{{< /tab >}}
{{< /tabs >}}

## Rollback

{{< tabs "back" >}}
{{< tab "Ubuntu" >}}

```bash
sudo apt-get install -y --allow-downgrades billing=2.7
```

{{< /tab >}}
{{< tab "RHEL" >}}

```bash
sudo dnf downgrade -y billing-2.7
```

{{< /tab >}}
{{< /tabs >}}
"""

DOCUSAURUS = """# Deploy

## Install

<Tabs>
<TabItem value="ubuntu" label="Ubuntu">

```bash
sudo apt-get install -y web=2.0
```

</TabItem>
<TabItem value="rhel" label="RHEL">

```bash
sudo dnf install -y web-2.0
```

</TabItem>
</Tabs>
"""

ON_OS = """# Deploy

## Install

On Ubuntu:

```bash
sudo apt-get install -y web=2.0
```

On RHEL:

```bash
sudo dnf install -y web-2.0
```
"""


@pytest.mark.parametrize("doc", [HUGO, DOCUSAURUS, ON_OS], ids=["hugo", "docusaurus", "on-os"])
def test_alternatives_for_each_platform_are_never_all_run(doc: str) -> None:
    runs, manual = doc_runs(doc), doc_manual(doc)
    assert "apt-get" not in runs and "dnf" not in runs
    assert "apt-get install" in manual and "dnf" in manual
    assert "Ubuntu" in manual and "RHEL" in manual


def test_one_platform_named_alone_still_runs() -> None:
    doc = "# Deploy\n\n## Install\n\nOn RHEL:\n\n```bash\nsudo dnf install -y web-2.0\n```\n"
    assert "dnf install" in doc_runs(doc)


WORD = ("# Deploy\n\n## Settings\n\n```bash\naz webapp config appsettings set --resource-group\u00a0rg-prod"
        " \u2013-name\u00a0api --settings \u201cMode=live\u201d\necho \u2018done\u2019 don\u2019t\n```\n")


def test_word_typography_is_given_back_as_typed_and_the_summary_says_so() -> None:
    runs = doc_runs(WORD)
    assert "--resource-group rg-prod --name api --settings \"Mode=live\"" in runs, runs
    assert "\u00a0" not in runs and "\u201c" not in runs and "\u2013" not in runs
    assert "don\u2019t" in runs  # an apostrophe inside a word is the author's
    summary = "\n".join(import_markdown(WORD, "doc.md").summary)
    assert "Word typography" in summary


@pytest.mark.parametrize("para", [
    "To watch latency while it happens, in another terminal: `redis-cli -h r2 --ping-latency x` (Ctrl-C to stop).",
    "Keep an eye on the API log for a few minutes: `az webapp log show --name api`.",
    "Leave it running: `vmstat 5`.",
])
def test_a_command_watched_by_a_person_is_never_a_step(para: str) -> None:
    doc = f"# Deploy\n\n## Go\n\n```bash\n./deploy.sh\n```\n\n{para}\n"
    runs = doc_runs(doc)
    assert "./deploy.sh" in runs
    assert "redis-cli" not in runs and "az webapp" not in runs and "vmstat" not in runs


def test_a_block_for_another_terminal_is_a_persons_step() -> None:
    doc = "# Deploy\n\n## Go\n\nIn another terminal, Ctrl-C to stop:\n\n```bash\nmytool stats --every 5\n```\n"
    assert "mytool" not in doc_runs(doc) and "mytool" in doc_manual(doc)


@pytest.mark.parametrize("argv", [
    ["redis-cli", "-h", "r2", "--latency"], ["redis-cli", "monitor"], ["az", "webapp", "log", "tail", "-n", "x"],
    ["heroku", "logs", "--tail"], ["aws", "logs", "tail", "/app", "--follow"], ["gcloud", "app", "logs", "tail"],
])
def test_streaming_clients_never_end(argv: list[str]) -> None:
    assert never_ends(argv)


@pytest.mark.parametrize("argv", [["redis-cli", "ping"], ["az", "webapp", "log", "download"],
                                  ["aws", "logs", "describe-log-groups"]])
def test_clients_that_answer_and_end_still_end(argv: list[str]) -> None:
    assert not never_ends(argv)


@pytest.mark.parametrize("lead", [
    "Expect `failed=0` for every host. If some hosts failed, fix the cause and rerun only those hosts, **only then**:",
    "Look at the recap. In that case:",
    "Check the queue depth. Only if it is above 1000:",
])
def test_a_command_the_document_runs_only_then_is_a_persons_step(lead: str) -> None:
    doc = (f"# Deploy\n\n## Go\n\n```bash\nansible-playbook site.yml\n```\n\n{lead}\n\n"
           "```bash\nansible-playbook site.yml --limit @site.retry\n```\n")
    runs = doc_runs(doc)
    assert "ansible-playbook site.yml" in runs and "@site.retry" not in runs
    assert "@site.retry" in doc_manual(doc)


def test_tabs_that_are_steps_in_turn_still_run() -> None:
    doc = DOCUSAURUS.replace("Ubuntu", "Migrate").replace("RHEL", "Check")
    runs = doc_runs(doc)
    assert "apt-get install" in runs and "dnf install" in runs


def test_a_block_after_a_watched_lead_keeps_its_finite_commands() -> None:
    doc = ("# Deploy\n\n## Go\n\nStart it and follow the log until it is ready (Ctrl-C then):\n\n"
           "```bash\nsudo systemctl start mysql\nsudo tail -f /var/log/mysql/error.log\n```\n")
    runs = doc_runs(doc)
    assert "systemctl start mysql" in runs and "tail -f" not in runs


SET7 = Path(__file__).parent / "import_unseen7"


@pytest.mark.parametrize(("name", "never_run", "quoted"), [
    ("08_hugo_docs_page.md", ["apt-get install", "dnf install", "dnf downgrade"], ["apt-get install", "dnf"]),
    ("06_redis_sentinel_haproxy.md", ["--latency"], []),
    ("07_multicloud_cdn.md", ["log tail", "\u00a0", "\u201c"], []),
    ("04_ansible_rollout.md", ["@site.retry"], ["@site.retry"]),
])
def test_set7_cases(name: str, never_run: list[str], quoted: list[str]) -> None:
    doc = (SET7 / name).read_text(encoding="utf-8")
    runs, manual = doc_runs(doc), doc_manual(doc)
    assert not [w for w in never_run if w in runs]
    assert all(w in manual for w in quoted)
