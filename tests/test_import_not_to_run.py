"""A block the document says is not to be run (quoted for the record, a crontab entry) never becomes a step."""

from __future__ import annotations

import pytest

from golive.plan.importer import import_markdown
from golive.plan.md_shell import looks_like_commands


@pytest.mark.parametrize("lead", [
    "This is what the old target runs; do NOT run it:",
    "Quote from the old runbook, for the record only:",
    "The entry being retired (for reference; this is not a command):",
    "Must not be used any more:",
])
def test_a_block_introduced_as_not_to_run_is_text(lead: str) -> None:
    doc = (f"# R\n## Phase 1: Deploy\n```bash\n./deploy.sh --canary\n```\n\n{lead}\n\n"
           "```bash\n./deploy_all.sh --now\n```\n")
    result = import_markdown(doc, "doc.md")
    assert "./deploy.sh --canary" in result.yaml_text
    assert "deploy_all" not in result.yaml_text


def test_do_not_run_until_is_an_order_not_a_refusal() -> None:
    doc = ("# R\n## Phase 1: Deploy\nDo not run this until the backup has finished:\n\n```bash\n./migrate.sh\n```\n")
    assert "./migrate.sh" in import_markdown(doc, "doc.md").yaml_text


def test_a_crontab_entry_is_not_commands() -> None:
    assert not looks_like_commands("0 5 * * * /opt/legacy/job.sh >> /var/log/job.log 2>&1\n")
    assert not looks_like_commands("*/10 * * * * /usr/bin/flush\n")
    assert looks_like_commands("/opt/legacy/job.sh >> /var/log/job.log 2>&1\n")


def test_an_on_call_pages_alert_responses_are_no_deploy_steps() -> None:
    doc = ("# Payments: on-call handbook\n## Common alerts\n### WorkerStuck\nRestarting is safe at any time:\n\n"
           "```bash\nkubectl -n pay delete pod -l app=worker\n```\n## Deploy\n### Phase 1: Roll out (10 min)\n"
           "```bash\nkubectl -n pay set image deploy/api api=img:2\n```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    assert "set image deploy/api" in text
    assert "delete pod" not in text


@pytest.mark.parametrize("label", ["Expected:", "**Expected output:**", "Should return:", "Output:", "期待結果:"])
def test_what_a_command_prints_is_never_run(label: str) -> None:
    """"Expected: `products products_v7`" after a block of two commands states what the curl prints: made a step, it
    runs `products` (exit 127) and the run fails before anything was deployed."""
    doc = (f"# R\n## 1) Prep\n```bash\nexport ES=http://es:9200\ncurl -fsS \"$ES/_cat/aliases/products\"\n```\n\n"
           f"{label} `products products_v7`\n\n## 2) Switch\n```bash\ncurl -fsS -X POST \"$ES/_aliases\"\n```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    assert "_cat/aliases/products" in text
    assert not any(line.strip().endswith(("shell: products products_v7", "command: products products_v7"))
                   for line in text.splitlines()), text


def test_never_paste_a_secret_here_is_not_never_run_the_block() -> None:
    """"The flag API needs a token from the vault (never paste it here):" forbids writing the token into the page;
    the block after it fetches the token and must run (made text, every later call went without a token)."""
    doc = ("# R\n## Preparation\nThe flag API needs a token from the vault (never paste it here):\n\n```bash\n"
           "export FLAGS_API_TOKEN=\"$(vault kv get -field=token secret/edge/flags-api)\"\n```\n\n"
           "## Rollout\n```bash\ncurl -fsS -X PATCH -H \"Authorization: Bearer $FLAGS_API_TOKEN\" https://flags/x\n```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    assert "vault kv get -field=token secret/edge/flags-api" in text, text
    doc = doc.replace("(never paste it here)", "(never paste it into the terminal)")
    assert "vault kv get" in import_markdown(doc, "doc.md").yaml_text
