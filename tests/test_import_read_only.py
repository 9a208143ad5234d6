"""`read_only: true`: one classifier (golive.plan.reads_only) decides which commands only read, for the importer's
`read_only` marks, the phases its rollback levels cover, and lint's check of a hand-written claim (GL131). Hostile
cases first: commands that look like reads but write."""

from __future__ import annotations

from typing import Any

import pytest

from golive.core.stepid import StepId
from golive.engine.rollback import choose_level, touched_phases
from golive.engine.state import RunState, StepRecord
from golive.plan.importer import import_markdown
from golive.plan.importer.covers import changes
from golive.plan.lint.linter import lint_plan
from golive.plan.loader import parse_plan_text
from golive.plan.reads_only import shell_reads_only, sql_reads_only
from golive.plan.reads_only_ruby import ruby_reads_only

WRITERS = [
    "grep ERROR /var/log/app.log > errors.txt",
    "grep ERROR app.log >> /tmp/seen",
    "kubectl get deploy web -o yaml | kubectl apply -f -",
    "kubectl get pods > pods.txt",
    "tail -f /var/log/app.log",
    "tail -F /var/log/app.log | grep ERROR",
    "cat <<EOF > /etc/app.conf\nkey=1\nEOF",
    "cat <<'EOF' | kubectl apply -f -\nkind: Namespace\nEOF",
    'psql "$DB" -c "SELECT count(*) FROM t; DELETE FROM t"',
    'psql "$DB" -c "UPDATE accounts SET locked = true"',
    "psql \"$DB\" <<SQL\nSELECT 1;\nSQL",
    "psql \"$DB\" < migrate.sql",
    "echo 'SELECT 1' | psql \"$DB\"",
    "echo 127.0.0.1 db | sudo tee -a /etc/hosts",
    "sed -i 's/old/new/' /etc/app.conf",
    "sed -n 's/a/b/w /tmp/out' app.conf",
    "find /var/cache/app -name '*.tmp' | xargs rm",
    "find /tmp -mtime +7 -delete",
    "ls /srv/releases | xargs -I{} rm -rf /srv/releases/{}",
    "echo $(systemctl restart nginx)",
    "test -n \"$(kubectl delete pod web-0)\"",
    "curl -X POST https://api.example.com/deploy",
    "curl -sXPOST https://api.example.com/deploy",
    "curl --request=DELETE https://api.example.com/x",
    "curl -d '{\"on\":true}' https://flags.example.com/f",
    "curl -fsS -o release.tar.gz https://dl.example.com/r.tgz",
    "wget https://dl.example.com/r.tgz",
    "ssh web-1 'systemctl status app; systemctl restart app'",
    "bash -c 'ls /srv && rm -rf /srv/old'",
    "ansible-playbook site.yml --diff",
    "kubectl get pods -w",
    "watch kubectl get pods",
    "docker logs -f web",
    "sort -o names.txt names.txt",
    "awk '{ print $1 > \"ids.txt\" }' users.csv",
    "while read h; do ssh \"$h\" uptime; done < hosts.txt",
    "redis-cli -h r1 SET maintenance on",
    "systemctl restart nginx",
    "git status && git push",
    "pg_restore -d shop shop.dump",
    "mysql shop < fix.sql",
    "rails runner 'Flipper.enable(:new_checkout)'",
    "rails runner 'Order.where(state: \"stuck\").update_all(state: \"failed\")'",
    "rails runner 'puts `rm -rf /tmp/x`'",
    "./deploy.sh",
    "$CMD status",
    "./admin.sh status <<EOF\nreset --all\nEOF",
    "./admin.sh status < reset-commands.txt",
    "curl --data-binary @payload.json https://api.example.com/import",
    "curl --json '{\"on\": true}' https://flags.example.com/f",
    "psql \"$DB\" -c '\\lo_unlink 16403'",
    "psql \"$DB\" -c '\\dt \\! rm -rf /tmp/x'",
    "psql \"$DB\" -c 'SELECT * FROM orders' -o /tmp/orders.txt",
    "go get example.com/lib@v1.2.0",
    "mvn verify",
    "ss -K dst 10.0.0.5",
    "git -c core.pager='rm -rf ~' log",
    "docker stats",
]

READERS = [
    "kubectl get pods -n prod",
    "kubectl -n prod rollout status deploy/web",
    "git status --short",
    "systemctl status nginx --no-pager",
    "systemctl is-active nginx",
    "ls -la /srv/releases",
    "cat /etc/os-release",
    "grep -c ERROR /var/log/app.log",
    "tail -n 100 /var/log/app.log | grep ERROR",
    "curl -fsS https://shop.example.com/up",
    "curl -s -o /dev/null -w '%{http_code}' https://shop.example.com/up",
    'psql "$DB" -c "SELECT count(*) FROM orders WHERE state = \'pending\'"',
    "RAILS_ENV=production bundle exec rails db:migrate:status | grep '^\\s*down'",
    "bundle exec cap production deploy:check",
    "pg_restore --list /backups/shop.dump",
    "kubectl apply --dry-run=server -f web.yaml",
    "ansible-playbook site.yml --check --diff",
    "aws rds describe-db-instances --db-instance-identifier shop",
    "ssh web-1 'systemctl is-active app'",
    "grep ERROR app.log 2>/dev/null",
    "for h in web-1 web-2; do curl -fsS \"http://$h:8080/health\"; done",
    "rails runner 'puts Order.where(state: \"pending\").count'",
    "psql \"$DB\" -c '\\d+ orders'",
]


@pytest.mark.parametrize("command", WRITERS)
def test_commands_that_look_read_only_but_write(command: str) -> None:
    assert not shell_reads_only(command)
    assert changes({"shell": command})


@pytest.mark.parametrize("command", READERS)
def test_commands_that_only_read(command: str) -> None:
    assert shell_reads_only(command)
    assert not changes({"shell": command})


@pytest.mark.parametrize("query,reads", [
    ("SELECT count(*) FROM orders", True),
    ("SELECT 1; DELETE FROM orders", False),
    ("WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone", False),
    ("SELECT * FROM orders WHERE id = 1 FOR UPDATE", False),
    ("SELECT * INTO orders_copy FROM orders", False),
    ("EXPLAIN ANALYZE DELETE FROM orders", False),
    ("EXPLAIN SELECT * FROM orders", True),
    ("SELECT nextval('orders_id_seq')", False),
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", False),
    ("SELECT coalesce(max(id), 0) FROM orders WHERE state IN ('a', 'b')", True),
    ("VACUUM orders", False),
])
def test_sql(query: str, reads: bool) -> None:
    assert sql_reads_only(query) is reads


def test_ruby_locals_and_setters() -> None:
    assert ruby_reads_only('col = Order.columns_hash["v"]\nabort("missing") unless col\nputs col.name')
    assert not ruby_reads_only("o = Order.first\no.state = 3\no.save")
    assert not ruby_reads_only("Setting.maintenance_mode = true")  # a setter on a class: it persists
    assert not ruby_reads_only("destroy_everything")  # a bare name that is no local: a method call


RUNBOOK = """# Shop 5.1 release

## 1. Checks

```bash
kubectl -n shop get pods
```

```bash
psql "$SHOP_DB" -c "SELECT count(*) FROM orders WHERE state = 'pending'"
```

```bash
kubectl -n shop get deploy shop -o yaml > /tmp/shop-before.yaml
```

## 2. Deploy

```bash
kubectl -n shop set image deploy/shop shop=registry.example.com/shop:5.1
kubectl -n shop rollout status deploy/shop
```

## 3. Verify

```bash
curl -fsS https://shop.example.com/healthz
```

## Rollback

### Level 1 - previous image

```bash
kubectl -n shop rollout undo deploy/shop
kubectl -n shop rollout status deploy/shop
```
"""


def _plan(text: str, marked: bool = True) -> dict[str, Any]:
    result = import_markdown(text, "shop.md")
    parse_plan_text(result.yaml_text)
    assert any("read_only: true" in s for s in result.summary) is marked  # the summary says what it did
    data: dict[str, Any] = result.data
    return data


def test_the_importer_marks_reads_and_leaves_writers() -> None:
    plan = _plan(RUNBOOK)
    checks, deploy, verify = plan["phases"]
    assert [s.get("read_only") for s in checks["steps"]] == [True, True, None]  # the last one writes a file
    assert all("read_only" not in s for s in deploy["steps"])
    assert all(s.get("read_only") for s in verify["steps"])


def test_a_level_covers_no_phase_that_only_reads() -> None:
    plan = _plan(RUNBOOK.replace(" > /tmp/shop-before.yaml", ""))
    [level] = plan["rollback"]["levels"]
    assert level["covers"] == ["2. Deploy"]


def test_a_levels_own_checks_do_not_say_what_it_undoes() -> None:
    doc = RUNBOOK.replace("## 3. Verify", """## 3. Smoke

```bash
curl -fsS -X POST https://shop.example.com/api/cart/smoke -d '{"sku": "T-1"}'
```

## 4. Verify""").replace("kubectl -n shop rollout status deploy/shop\n```\n\"\"\"", "")
    doc = doc.replace("kubectl -n shop rollout undo deploy/shop\nkubectl -n shop rollout status deploy/shop",
                      "kubectl -n shop rollout undo deploy/shop\n```\n\nThen check the version:\n\n```bash\n"
                      "curl -fsS https://shop.example.com/version")
    plan = _plan(doc.replace(" > /tmp/shop-before.yaml", ""))
    [level] = plan["rollback"]["levels"]
    assert level["covers"] == ["2. Deploy"]  # not "3. Smoke", whose POST names the same host as the level's GET


def test_a_level_restoring_from_a_backup_phase_undoes_the_data_phase() -> None:
    doc = """# Billing 3.2

## Step 1: Backup

```bash
pg_dump --format=custom --file=/backups/billing.dump "$BILLING_DB"
```

## Step 2: Schema

```sql
ALTER TABLE invoices ADD COLUMN regime varchar(3);
```

## Rollback

### Level 1: restore the tables from the backup of step 1

```bash
pg_restore --clean -d "$BILLING_DB" /backups/billing.dump
```
"""
    plan = _plan(doc, marked=False)  # the dump is a `backup` step, read-only by its kind
    assert plan["rollback"]["levels"][0]["covers"] == ["Step 2: Schema"]


PLAN = """
name: p
service: s
environment: production
phases:
  - name: Look
    steps:
      - shell: {step}
        read_only: true
  - name: Change
    steps:
      - shell: systemctl restart app
rollback:
  levels:
    - level: 1
      name: only the look
      covers: [Look]
      steps:
        - shell: echo back
    - level: 2
      name: the change
      covers: [Change]
      steps:
        - shell: echo back
"""


@pytest.mark.parametrize("command", ["grep x app.log > out", "kubectl get deploy w -o yaml | kubectl apply -f -",
                                     "tail -f app.log", "psql -c 'SELECT 1; DELETE FROM t'"])
def test_lint_flags_a_read_only_claim_on_a_writer(command: str) -> None:
    text = PLAN.format(step=repr(command).replace("'", '"') if "'" not in command else f'"{command}"')
    plan = parse_plan_text(text, "p.yaml")
    assert "GL131" in {f.rule for f in lint_plan(plan, text, "p.yaml")}


def test_lint_accepts_a_true_read_only_claim() -> None:
    text = PLAN.format(step="kubectl get pods")
    plan = parse_plan_text(text, "p.yaml")
    assert "GL131" not in {f.rule for f in lint_plan(plan, text, "p.yaml")}


def test_a_read_only_phase_is_not_touched_so_its_level_never_runs() -> None:
    plan = parse_plan_text(PLAN.format(step="kubectl get pods"), "p.yaml")
    step = plan.phases[0].steps[0]
    assert step.is_read_only and step.is_idempotent
    st = RunState(run_id="r1")
    st.steps[StepId.step(1, 1)] = StepRecord(id=StepId.step(1, 1), status="failed")
    assert touched_phases(plan, st) == []
    assert choose_level(plan, touched_phases(plan, st)) is None
    st.steps[StepId.step(2, 1)] = StepRecord(id=StepId.step(2, 1), status="failed")
    level = choose_level(plan, touched_phases(plan, st))
    assert level is not None and level.level == 2
