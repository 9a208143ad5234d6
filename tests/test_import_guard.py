"""The import guard (golive.plan.importer.guard): each runnable step's intent checked against its place, whatever
words the document's headings use.

The runbooks here are hostile on purpose: headings the importer has no word for ("Plan B", "Escape hatch",
Polish, Russian, Japanese, Turkish, Swedish), so the section is placed as a forward phase and only the guard stands
between its way back and a forward run. Each class: a way back in the forward path, a DROP of what the forward path
created, a restore made of a command that restores nothing, a destructive command the document says not to run,
hidden or elided values, and printed output in a bash fence.
"""

from __future__ import annotations

from typing import Any

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown
from golive.plan.md_guard import destructive, elided, masked, printed_first, restore_intent, way_back

FORWARD = "# Billing 5.2\n\n## 1. Deploy\n\n```bash\nhelm upgrade billing ./chart --set image.tag=5.2.0\n```\n\n"


def _plan(doc: str) -> dict[str, Any]:
    result = import_markdown(doc, "doc.md")
    plan: dict[str, Any] = YAML(typ="safe").load(result.yaml_text)
    plan["_summary"] = result.summary
    return plan


def _forward(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in plan.get("phases") or [] for s in p.get("steps") or []]


def _runs(steps: list[dict[str, Any]]) -> str:
    """What the steps run (every kind but manual), as text."""
    return "\n".join(str(s) for s in steps if "manual" not in s)


def _manual(steps: list[dict[str, Any]]) -> str:
    return "\n".join(str(s["manual"]["instruction"]) for s in steps if "manual" in s)


@pytest.mark.parametrize("heading", ["Plan B", "Escape hatch", "Wycofanie zmian", "Откат", "切り戻し手順",
                                     "Geri alma", "Återställning", "3. Bail-out"])
@pytest.mark.parametrize("command", [
    "helm rollback billing",
    "kubectl -n prod rollout undo deploy/billing",
    "docker service rollback billing_web",
    "cd /srv/billing && alembic downgrade -1",
    "git -C /srv/billing revert --no-edit HEAD",
    "pg_restore --clean -d billing /backups/billing-pre-5.2.dump",
    "psql billing < /var/backups/billing_before_5.2.sql",
    "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier billing --db-snapshot-identifier pre-5-2",
    "terraform -chdir=infra destroy -auto-approve",
    "./scripts/rollback.sh prod",
    "kubectl apply -f k8s/job-migrate-down.yaml",
    "kubectl set image deploy/billing billing=registry/billing:$PREVIOUS_TAG",
    "sudo cp /etc/nginx/nginx.conf.bak /etc/nginx/nginx.conf",
    "ssh db1 'sudo -u postgres pg_restore --clean -d billing /backups/billing.dump'",
])
def test_a_way_back_under_a_heading_nobody_foresaw_never_runs_forward(heading: str, command: str) -> None:
    plan = _plan(f"{FORWARD}## {heading}\n\n```bash\n{command}\n```\n")
    steps = _forward(plan)
    assert command not in _runs(steps)
    assert "helm upgrade billing" in _runs(steps)  # the forward work still runs
    levels = [s for lv in (plan.get("rollback") or {}).get("levels") or [] for s in lv.get("steps") or []]
    if command not in str(levels):  # a heading the importer has learned since is a rollback level: the guard's not
        assert command in _manual(steps)  # quoted exactly, for a person
        assert any(line.startswith("guard: ") and "way back" in line for line in plan["_summary"])


def test_a_request_named_as_the_way_back_never_runs_forward() -> None:
    plan = _plan(f"{FORWARD}## Plan B\n\n```bash\ncurl -fsS -X POST https://deploy.example/api/releases/41/rollback\n"
                 "```\n")
    assert "rollback" not in _runs(_forward(plan))
    assert "POST https://deploy.example/api/releases/41/rollback" in _manual(_forward(plan))


def test_a_drop_of_what_the_forward_path_created_is_a_persons_step() -> None:
    doc = ("# Billing\n\n## 1. Schema\n\n```sql\nALTER TABLE invoices ADD COLUMN tax_region text;\n"
           "CREATE INDEX idx_invoices_tax_region ON invoices (tax_region);\n"
           "ALTER TABLE invoices DROP COLUMN legacy;\n```\n\n## 2. Si hace falta\n\n```sql\n"
           "DROP INDEX idx_invoices_tax_region;\n"
           "ALTER TABLE invoices DROP COLUMN tax_region;\n```\n")
    steps = _forward(_plan(doc))
    runs = _runs(steps)
    assert "DROP INDEX idx_invoices_tax_region" not in runs and "DROP COLUMN tax_region" not in runs
    assert "DROP INDEX idx_invoices_tax_region;" in _manual(steps)
    assert "DROP COLUMN legacy" in runs  # a forward drop of what the forward path did not create stays


def test_temporary_rows_and_the_canary_release_removed_forward_still_run() -> None:
    """Forward work makes and removes temporary things: a smoke test's row, the canary's release after the promote
    (unseen set 1, 04_k8s_helm_canary). Neither is a way back."""
    doc = ("# Search\n\n## 1. Canary\n\n```bash\nhelm -n search upgrade --install search-api-canary charts/api\n```\n\n"
           "```sql\nINSERT INTO orders (ref) VALUES ('SMOKE-1');\n```\n\n## 2. Promote\n\n```bash\n"
           "helm -n search upgrade search-api charts/api\nhelm -n search uninstall search-api-canary\n```\n\n"
           "```sql\nDELETE FROM orders WHERE ref = 'SMOKE-1';\n```\n")
    runs = _runs(_forward(_plan(doc)))
    assert "uninstall search-api-canary" in runs and "DELETE FROM orders WHERE ref = 'SMOKE-1'" in runs


def test_a_section_of_way_back_commands_takes_its_other_commands_with_it() -> None:
    doc = (f"{FORWARD}## Plan B\n\n```bash\nhelm rollback billing\n```\n\n```bash\nkubectl rollout undo deploy/worker\n"
           "```\n\n```bash\nsystemctl restart billing-cron\n```\n")
    steps = _forward(_plan(doc))
    assert "restart billing-cron" not in _runs(steps) and "systemctl restart billing-cron" in _manual(steps)


def test_a_step_with_an_undo_that_becomes_a_persons_step_keeps_the_undo_in_words() -> None:
    doc = (f"{FORWARD}## Plan B\n\n```bash\n./scripts/rollback.sh prod\n```\n\n"
           "It can be undone with `./scripts/deploy.sh prod`.\n")
    steps = _forward(_plan(doc))
    assert "rollback.sh" not in _runs(steps) and "./scripts/rollback.sh prod" in _manual(steps)


@pytest.mark.parametrize("command", [
    "pg_restore --list /backups/billing.dump | head",
    "pg_dump -Fc billing -f /backups/billing-pre-5.2.dump",
    "createdb billing_v2 && pg_restore -d billing_v2 /backups/billing.dump",
    "pg_restore -d billing_verify /backups/billing.dump",
    "docker compose down",
    "helm upgrade --atomic billing ./chart",
    "aws cloudformation deploy --stack-name billing --disable-rollback --template-file t.yml",
    "echo 'rollback plan is in the wiki'",
    "docker pull registry/billing:$PREVIOUS_TAG",
    "kubectl rollout status deploy/billing",
    "sudo cp /etc/nginx/nginx.conf /etc/nginx/nginx.conf.bak",
    "./scripts/verify-restore.sh",
    "helm upgrade billing ./chart --wait || { helm rollback billing; exit 1; }",
    "kubectl rollout status deploy/billing --timeout=5m || kubectl rollout undo deploy/billing",
    "if ! curl -fsS https://billing.example/health; then\n  kubectl rollout undo deploy/billing\nfi",
])
def test_forward_work_that_only_looks_like_a_way_back_still_runs(command: str) -> None:
    plan = _plan(f"{FORWARD}## 2. Prepare\n\n```bash\n{command}\n```\n")
    assert not any(line.startswith("guard: ") for line in plan["_summary"])
    assert "manual" not in str(_forward(plan))


def test_a_file_fed_to_psql_that_is_no_dump_is_never_a_restore_of_the_backup() -> None:
    doc = ("# Shop\n\n## 1. Backup\n\n```bash\npg_dump -Fc -h db1 -U app shop -f /backups/shop.dump\n```\n\n"
           "## 2. Schema\n\n```bash\npsql -h db1 -U app shop < migrations/042_add_loyalty.sql\n```\n\n"
           "```bash\npsql \"$DATABASE_URL\" <<'SQL'\nDELETE FROM holds WHERE expires_at < now();\nSQL\n```\n")
    steps = _forward(_plan(doc))
    assert not any("restore" in s for s in steps)
    assert "psql -h db1 -U app shop < migrations/042_add_loyalty.sql" in _runs(steps)
    assert "DELETE FROM holds" in _runs(steps)


@pytest.mark.parametrize(("before", "after"), [
    ("", "The block above is what the 2019 runbook did. Skip it today."),
    ("> **Danger zone.** The command below wipes every tenant. Leave it alone unless the DBA says so.", ""),
    ("Nur wenn der DBA es sagt:", ""),
    ("", "Ne pas lancer : c'est l'ancienne procédure."),
])
def test_a_destructive_command_the_document_says_not_to_run_never_runs(before: str, after: str) -> None:
    doc = f"{FORWARD}{before}\n\n```bash\nredis-cli -h cache1 FLUSHALL\n```\n\n{after}\n"
    steps = _forward(_plan(doc))
    assert "FLUSHALL" not in _runs(steps) and "redis-cli -h cache1 FLUSHALL" in _manual(steps)


def test_a_destructive_command_in_an_appendix_never_runs() -> None:
    doc = f"{FORWARD}## Appendix: how we reset staging\n\n```bash\npsql -c 'TRUNCATE tenants CASCADE'\n```\n"
    steps = _forward(_plan(doc))
    assert "TRUNCATE" not in _runs(steps)


def test_a_destructive_forward_step_with_no_warning_still_runs() -> None:
    doc = f"{FORWARD}Remove the release before last:\n\n```bash\nrm -rf /srv/billing/releases/5.0.0\n```\n"
    assert "rm -rf /srv/billing/releases/5.0.0" in _runs(_forward(_plan(doc)))


def test_hidden_values_become_vars_to_fill_in_each_its_own() -> None:
    doc = ("# Gateway\n\n## 1. Prepare\n\n```bash\nssh admin@xxx.xxx.xxx.xxx 'sudo systemctl stop gw'\n```\n\n"
           "```bash\nmysql -h 10.0.XXX.XXX -u gw -e 'select 1'\n```\n\n"
           "```bash\ncurl -fsS -H 'X-Api-Key: ********' https://api.internal/v1/freeze\n```\n\n"
           "```bash\n./notify.sh --token [REDACTED] starting\n```\n")
    plan = _plan(doc)
    runs = _runs(_forward(plan))
    for hidden in ("xxx.xxx.xxx.xxx", "10.0.XXX.XXX", "********", "[REDACTED]"):
        assert hidden not in runs
    assert "admin@${HOST_IP}" in runs and "-h ${HOST_IP_2}" in runs  # two hidden addresses may differ
    assert {"HOST_IP", "HOST_IP_2", "REDACTED_SECRET", "REDACTED_SECRET_2"} <= set(plan["vars"])
    assert plan["vars"]["REDACTED_SECRET"].get("secret") is True


@pytest.mark.parametrize("command", ["./deploy.sh --hosts web1,web2,...", "kubectl apply -f …",
                                     "ansible-playbook site.yml --limit ..."])
def test_a_command_with_a_part_left_out_is_a_persons_step(command: str) -> None:
    steps = _forward(_plan(f"# R\n\n## 1. Go\n\n```bash\n{command}\n```\n"))
    assert _runs(steps) == "" and command in _manual(steps)


@pytest.mark.parametrize("block", [
    "NAME                     READY   STATUS    RESTARTS   AGE\ngateway-7d9f8b-x2x1z     1/1     Running   0     2m",
    "HTTP/1.1 200 OK\ncontent-type: application/json",
    '{"status": "green", "number_of_nodes": 5}',
])
def test_printed_output_in_a_bash_fence_never_runs(block: str) -> None:
    steps = _forward(_plan(f"# R\n\n## 1. Go\n\n```bash\n./deploy.sh\n```\n\n```bash\n{block}\n```\n"))
    assert _runs(steps) == "{'shell': './deploy.sh'}"
    assert block.split("\n")[0] in _manual(steps)


def test_the_version_the_document_upgrades_from_deployed_again_is_a_way_back() -> None:
    doc = ("# Billing\n\n## Release version\n\n**Current Version**: 5.1.0\n\n**New Version**: 5.2.0\n\n"
           "## 1. Deploy\n\n```bash\n./deploy.sh 5.2.0\n```\n\n## Plan B\n\n```bash\n./deploy.sh 5.1.0\n```\n")
    steps = _forward(_plan(doc))
    assert "deploy.sh 5.2.0" in _runs(steps) and "deploy.sh 5.1.0" not in _runs(steps)


def test_the_words() -> None:
    assert way_back("bundle exec cap production deploy:rollback")
    assert way_back("python manage.py migrate payslips zero")
    assert way_back("python manage.py migrate payslips 0030", migrated=True)
    assert not way_back("python manage.py migrate payslips 0031")
    assert way_back("npx knex migrate:rollback") and way_back("npx sequelize-cli db:migrate:undo")
    assert way_back("flyway -configFiles=prod.conf undo") and way_back("liquibase rollback pre-2.14")
    assert way_back("mongorestore --uri $URI --drop /backups/pre") and way_back("zfs rollback tank/db@pre")
    assert not way_back("alembic upgrade head") and not way_back("kubectl rollout restart deploy/x")
    assert restore_intent("psql shop < /tmp/shop.sql", frozenset({"/tmp/shop.sql"}))
    assert not restore_intent("psql shop < /tmp/shop.sql")
    assert destructive("DELETE FROM sessions;") and not destructive("DELETE FROM sessions WHERE id = 1;")
    assert masked("cp app.XXXXXX /tmp") == [] and masked("-p ******") == [("******", "REDACTED_SECRET")]
    assert elided('echo "Deploying..."') is None and elided("git diff main...feature") is None
    assert elided("SELECT * FROM t WHERE id IN (1, 2, ...)", sql=True) == "..."
    assert printed_first("kubectl get pods") is None and printed_first("FOO=1 ./x") is None


@pytest.mark.parametrize("frame", [
    "- *Pushes failing or 5xx after the switch:* put nginx back on 3.x:\n\n  ```bash\n  {cmd}\n  ```\n",
    "**Errors above 1% for 5 minutes:**\n\n```bash\n{cmd}\n```\n",
    ":::danger Plan de regreso\n\n```bash\n{cmd}\n```\n\n:::\n",
    "> [!WARNING]\n> **Fallback**\n>\n> ```bash\n> {cmd}\n> ```\n",
])
def test_a_block_framed_as_the_way_back_never_runs_forward(frame: str) -> None:
    """The command alone says nothing (a flag set, a link switched): the frame around it does."""
    cmd = "sudo ln -sfn /etc/nginx/upstreams/notify-v3.conf /etc/nginx/upstreams/notify-current.conf"
    doc = ("# Notify 4.0\n\n## Step 4 – Switch\n\n```bash\nsudo ln -sfn /etc/nginx/upstreams/notify-v4.conf"
           " /etc/nginx/upstreams/notify-current.conf\n```\n\n" + frame.format(cmd=cmd))
    steps = _forward(_plan(doc))
    assert "notify-v3.conf" not in _runs(steps) and cmd in _manual(steps)
    assert "notify-v4.conf" in _runs(steps)


@pytest.mark.parametrize("lead", ["**Rollback window:** until 23:00.", "Deploy with automatic rollback:",
                                  "Errors are logged to /var/log/notify:"])
def test_a_forward_block_whose_frame_only_mentions_the_way_back_still_runs(lead: str) -> None:
    steps = _forward(_plan(f"{FORWARD}{lead}\n\n```bash\n./notify.sh switch v4\n```\n"))
    assert "./notify.sh switch v4" in _runs(steps)
