"""Classes of meaning change found by importing hostile runbooks written for the purpose (notes/i14adv.md).

Each test imports a short document and checks that what it means is kept: output is never run, a console
transcript is a person's step, SQL for a client session is never an sql step, an interactive session is a
person's, a block said to be an example or for staging only never runs, config files and cmd.exe or fish
blocks are never bash.
"""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown
from importforms import doc_manual, doc_runs, doc_steps

DEPLOY = "# R\n## Phase 1: Deploy\n```bash\n./deploy.sh 2.3\n```\n\n"


@pytest.mark.parametrize(("lead", "output"), [
    ("Expected output:", 'deployment "web" successfully rolled out'),
    ("Check the health endpoint; you should see:", "healthy"),
    ("The output should look like this:", "ok 200 ready"),
    ("Sample response (abridged):", "status up"),
    ("Erwartete Ausgabe:", "fertig"),
])
def test_a_block_introduced_as_output_never_runs(lead: str, output: str) -> None:
    runs = doc_runs(f"{DEPLOY}{lead}\n\n```\n{output}\n```\n")
    assert "./deploy.sh 2.3" in runs
    assert output.split()[0] not in runs


def test_a_command_block_introduced_by_its_expected_result_still_runs() -> None:
    runs = doc_runs("# R\n## Phase 1: Check\nCheck it (should return 200):\n\n```\ncurl -fsS https://x.example/health\n"
                 "```\n")
    assert "x.example/health" in runs


def test_a_bash_block_holding_a_console_transcript_runs_no_output_line() -> None:
    doc = ("# R\n## Phase 1: Flush\n```bash\n$ redis-cli -h cache01 ping\nPONG\n$ redis-cli -h cache01 flushdb\n"
           "OK\n```\n\n```bash\n$ kubectl get pods -n prod\nNAME    READY   STATUS\nweb-1   1/1     Running\n```\n")
    assert doc_runs(doc) == ""
    manual = doc_manual(doc)
    assert "redis-cli -h cache01 flushdb" in manual and "kubectl get pods -n prod" in manual


def test_a_script_written_with_prompts_and_a_heredoc_is_still_a_script() -> None:
    doc = "# R\n## Phase 1: Go\n```bash\n$ cd /opt/app\n$ cat > .env <<EOF\nMODE=on\nEOF\n$ ./run.sh\n```\n"
    runs = doc_runs(doc)
    assert "cd /opt/app" in runs and "./run.sh" in runs and "$ " not in runs


def test_powershell_prompts_are_no_part_of_the_script() -> None:
    doc = ('# R\n## Phase 1: Stop\n```powershell\nPS C:\\> Stop-WebAppPool -Name "Shop"\n'
           "PS C:\\> Start-WebAppPool -Name \"Shop\"\n```\n")
    runs = doc_runs(doc)
    assert "Stop-WebAppPool" in runs and "PS C:" not in runs


def test_a_powershell_transcript_is_a_persons_step() -> None:
    doc = ("# R\n## Phase 1: Look\n```powershell\nPS C:\\> Get-Service Shop\n\nStatus   Name\n------   ----\n"
           "Running  Shop\n```\n")
    assert doc_runs(doc) == ""
    assert "Get-Service Shop" in doc_manual(doc)


@pytest.mark.parametrize("block", [
    "set SHOP_ENV=prod\nxcopy /E /Y \\\\build\\drop\\worker C:\\svc\\worker",
    "C:\\> net stop W3SVC\nC:\\> iisreset /restart",
])
def test_an_untagged_cmd_exe_block_is_never_bash(block: str) -> None:
    assert doc_runs(f"{DEPLOY}```\n{block}\n```\n") == "{'shell': './deploy.sh 2.3'}"


@pytest.mark.parametrize("block", [
    "frontend http\n    bind *:80\n    default_backend web\nbackend web\n    server web1 10.0.0.1:80 check",
    "set -gx APP_ENV production\nfisher install jorgebucaran/nvm.fish",
])
def test_an_untagged_config_file_or_fish_block_is_never_bash(block: str) -> None:
    runs = doc_runs(f"{DEPLOY}```\n{block}\n```\n")
    assert runs == "{'shell': './deploy.sh 2.3'}"


def test_an_untagged_indented_bash_loop_is_still_bash() -> None:
    runs = doc_runs("# R\n## Phase 1: Go\n```\nfor h in web1 web2; do\n  ssh $h uptime\ndone\necho done\n```\n")
    assert "ssh $h uptime" in runs


@pytest.mark.parametrize("sql", [
    "postgres=# \\c shop\nshop=# UPDATE orders SET status = 'void' WHERE id < 10;",
    "mysql> DELETE FROM carts WHERE id < 10;",
    "\\c billing\nUPDATE invoices SET due = due + 7 WHERE due < now();",
    "SELECT format('VACUUM %I', tablename) FROM pg_tables WHERE schemaname = 'public' \\gexec",
    "DELIMITER //\nCREATE PROCEDURE purge_old()\nBEGIN\n  DELETE FROM sessions WHERE id < 10;\nEND //\nDELIMITER ;\n"
    "CALL purge_old();",
    "DELETE FROM carts WHERE updated_at < NOW() - INTERVAL 30 DAY;",
])
def test_sql_for_a_client_session_or_mysql_is_never_an_sql_step(sql: str) -> None:
    doc = f"# R\n## Phase 1: Data\n```sql\n{sql}\n```\n"
    assert doc_runs(doc) == ""
    assert sql.split("\n")[-1].strip() in doc_manual(doc)


def test_plain_postgres_sql_with_a_dollar_quoted_body_is_still_sql() -> None:
    sql = ("DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'r') THEN\n    CREATE ROLE r;\n"
           "  END IF;\nEND\n$$;\nUPDATE t SET note = '\\c not a command' WHERE id = 1;")
    runs = doc_runs(f"# R\n## Phase 1: Data\n```sql\n{sql}\n```\n")
    assert "CREATE ROLE r" in runs and "not a command" in runs


@pytest.mark.parametrize("block", [
    "sudo -i\ncd /opt/app\n./deploy.sh 2.3.0",
    "psql -h db01 -U postgres shop\nUPDATE settings SET value = 'on';\n\\q",
    "kubectl exec -it deploy/web -- bash\nrm -rf /tmp/cache/*\nexit",
    "sudo vi /etc/nginx/nginx.conf\nsudo nginx -t && sudo systemctl reload nginx",
    "ssh db02\nsudo systemctl restart postgresql",
    "kubectl edit configmap app-config -n prod",
    "sudo su - app\n./restart.sh",
    "mysql -u root -p shop\nDELETE FROM carts;",
])
def test_a_block_that_opens_an_interactive_session_is_a_persons_step(block: str) -> None:
    doc = f"# R\n## Phase 1: Work\n```bash\n{block}\n```\n"
    assert doc_runs(doc) == ""
    assert block.split("\n")[-1] in doc_manual(doc)


@pytest.mark.parametrize("block", [
    "psql -h db01 -c 'select 1'",
    "psql -h db01 shop < fix.sql",
    "psql -h db01 shop <<'SQL'\nUPDATE t SET a = 1;\nSQL",
    "sudo -u postgres psql -c 'select 1'",
    "kubectl exec deploy/web -- ls /tmp",
    "ssh db02 'sudo systemctl restart postgresql'",
    "redis-cli -h cache01 ping",
])
def test_commands_given_their_input_are_not_interactive(block: str) -> None:
    runs = doc_runs(f"# R\n## Phase 1: Work\n```bash\n{block}\n```\n")
    assert block.split("\n")[0].split()[0] in runs


@pytest.mark.parametrize("lead", [
    "Example only, adapt before use:",
    "In staging only:",
    "Do NOT run in prod:",
    "Nicht in Produktion ausführen:",
    "Ne pas exécuter :",
    "No ejecutar en producción:",
    "Solo in staging:",
    "### Example (staging only)",
])
def test_a_block_said_to_be_an_example_or_for_another_environment_never_runs(lead: str) -> None:
    runs = doc_runs(f"{DEPLOY}{lead}\n\n```bash\n./reset-db.sh --all\n```\n")
    assert "./deploy.sh 2.3" in runs and "reset-db" not in runs


def test_a_block_whose_first_comment_says_do_not_run_never_runs() -> None:
    runs = doc_runs(f"{DEPLOY}```bash\n# DO NOT RUN - example\nkubectl delete ns prod\n```\n")
    assert "delete ns" not in runs


def test_do_not_run_in_prod_until_is_still_an_order() -> None:
    runs = doc_runs("# R\n## Phase 1: Go\nDo not run this in production until the backup is done:\n\n"
                 "```bash\n./migrate.sh\n```\n")
    assert "./migrate.sh" in runs


def test_a_conditional_command_item_is_a_persons_step() -> None:
    doc = ("# R\n## Phase 1: Deploy\n1. `./deploy.sh 3.1`\n2. If the health check fails, run"
           " `kubectl rollout undo deploy/api -n prod`.\n3. Only if step 2 shows CrashLoopBackOff:"
           " `kubectl delete pod -l app=api -n prod`\n4. Falls der Cache leer ist: `./warm-cache.sh --all`\n")
    runs = doc_runs(doc)
    assert "./deploy.sh 3.1" in runs
    assert "rollout undo" not in runs and "delete pod" not in runs and "warm-cache" not in runs
    manual = doc_manual(doc)
    assert "rollout undo" in manual and "delete pod" in manual


def test_a_struck_through_item_is_no_step() -> None:
    doc = ("# R\n## Phase 1: Deploy\n- ~~`systemctl stop legacy-worker`~~\n- [ ] ~~Tell the old team~~\n"
           "- `systemctl restart app`\n")
    result = import_markdown(doc, "doc.md")
    assert "legacy-worker" not in result.yaml_text and "old team" not in result.yaml_text
    assert "systemctl restart app" in result.yaml_text
    assert any("struck through" in u.reason for u in result.unplaced)


def test_a_commented_out_command_after_the_last_one_is_no_step() -> None:
    doc = ("# R\n## Phase 1: Deploy\n```bash\n./deploy.sh 5.0.0\n# kubectl delete pod -l app=web --force\n"
           "# then tell #releases it is done\n```\n")
    steps = doc_steps(doc)
    assert "delete pod" not in str(steps)
    assert "tell #releases" in doc_manual(doc)


def test_template_placeholders_become_plan_vars_to_fill_in() -> None:
    doc = ("# R\n## Phase 1: Deploy\n```bash\nhelm upgrade web ./chart --set image.tag={{version}}\n"
           "aws s3 cp build.zip s3://YOUR_BUCKET/releases/\n./release.sh --version X.Y.Z\n"
           "docker inspect -f '{{.State.Status}}' web\n```\n")
    result = import_markdown(doc, "doc.md")
    runs = doc_runs(doc)
    assert "{{version}}" not in runs and "image.tag=${VERSION}" in runs
    assert "s3://${YOUR_BUCKET}/" in runs and "--version ${VERSION}" in runs
    assert "{{.State.Status}}" in runs  # a Go template is the command's own
    plan = YAML(typ="safe").load(result.yaml_text)
    assert {"VERSION", "YOUR_BUCKET"} <= set(plan["vars"])


def test_secret_values_in_commands_are_never_copied() -> None:
    doc = ("# R\n## Phase 1: DB\n```bash\nmysql -h db01 -u root -pS3cr3tPa55 shop -e 'SELECT 1'\n"
           "PGPASSWORD=hunter2 psql -h db01 -U app -c 'select 1'\n"
           "curl -H 'Authorization: Bearer sk_live_51HqLyjWDarjtT1zdp7dcXYZ' https://api.example.com/v1/charges\n"
           "export API_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789\n"
           "psql postgres://app:pa55word@db01/app -c 'select 1'\n./deploy.sh\n```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    for secret in ("S3cr3tPa55", "hunter2", "sk_live_51Hq", "ghp_abcdef", "pa55word"):
        assert secret not in text
    plan = YAML(typ="safe").load(text)
    # two different token values in the document never share one var
    assert {"MYSQL_PASSWORD", "PGPASSWORD", "API_TOKEN", "API_TOKEN_2", "POSTGRES_PASSWORD"} <= set(plan["vars"])
    assert all(plan["vars"][v].get("secret") for v in ("MYSQL_PASSWORD", "PGPASSWORD", "API_TOKEN_2"))


def test_a_struck_through_section_runs_nothing() -> None:
    doc = (f"{DEPLOY}## ~~Phase 2: Legacy cleanup~~\n```bash\nrm -rf /srv/legacy\n```\n"
           "## Phase 3: Verify\n```bash\ncurl -fsS https://x.example/health\n```\n")
    result = import_markdown(doc, "doc.md")
    assert "rm -rf" not in result.yaml_text and "x.example/health" in result.yaml_text
    assert any("struck through" in u.reason for u in result.unplaced)


def test_a_shell_fence_with_another_interpreters_shebang_runs_with_that_interpreter() -> None:
    doc = "# R\n## Phase 1: Go\n```sh\n#!/usr/bin/env python3\nimport os\nprint(os.getcwd())\n```\n"
    steps = [s for s in doc_steps(doc) if "shell" in s]
    assert len(steps) == 1
    command = steps[0]["shell"]["command"] if isinstance(steps[0]["shell"], dict) else steps[0]["shell"]
    assert command.startswith("/usr/bin/env python3 - <<'GOLIVE_SCRIPT'\nimport os\n")


def test_a_blank_after_a_line_end_backslash_does_not_cut_the_command() -> None:
    doc = ("# R\n## Phase 1: Go\n```bash\nhelm upgrade web ./chart \\\n  --set image.tag=2.4.0 \\ \n"
           "  --set replicaCount=3\n```\n")
    shell = next(s["shell"] for s in doc_steps(doc) if "shell" in s)
    command = shell["command"] if isinstance(shell, dict) else shell
    assert "--set image.tag=2.4.0 \\\n  --set replicaCount=3" in command


def test_a_block_for_another_host_says_so_in_the_summary() -> None:
    doc = "# R\n## Phase 1: Go\nOn db1:\n\n```bash\npg_ctl promote -D /var/lib/postgresql/16/main\n```\n"
    result = import_markdown(doc, "doc.md")
    assert any("runs the block on db1" in line and "person's step" in line for line in result.summary)
    assert "pg_ctl promote" in doc_manual(doc) and "pg_ctl" not in doc_runs(doc)


@pytest.mark.parametrize("lead", [
    "If the migration fails, run:",
    "Optionally, warm the cache:",
    "Only if the queue is stuck:",
    "Falls der Cache hängt:",
    "Si la file est bloquée :",
])
def test_a_block_the_document_runs_only_on_a_condition_is_a_persons_step(lead: str) -> None:
    doc = f"{DEPLOY}{lead}\n\n```bash\n./migrate.sh --down\n```\n"
    assert doc_runs(doc) == "{'shell': './deploy.sh 2.3'}"
    assert "./migrate.sh --down" in doc_manual(doc)


def test_a_block_in_a_conditional_list_item_is_a_persons_step() -> None:
    doc = ("# R\n## Phase 1: Deploy\n1. If pods crash-loop:\n   ```bash\n   kubectl -n prod delete pod -l app=web\n"
           "   ```\n2. Restart the workers:\n   ```bash\n   kubectl -n prod rollout restart deploy/worker\n   ```\n")
    runs = doc_runs(doc)
    assert "rollout restart" in runs and "delete pod" not in runs
    assert "delete pod" in doc_manual(doc)


def test_a_command_row_said_to_be_for_staging_or_conditional_does_not_run() -> None:
    doc = ("# R\n## Phase 1: Deploy\n| Step | Command | Notes |\n|---|---|---|\n| 1 | `./notify.sh start` | |\n"
           "| 2 | `./purge-cdn.sh --all` | staging only |\n| 3 | `./reindex.sh --full` | only if search is stale |\n")
    runs = doc_runs(doc)
    assert "./notify.sh start" in runs and "purge-cdn" not in runs and "reindex" not in runs
    assert "reindex" in doc_manual(doc) and "purge-cdn" not in doc_manual(doc)


def test_an_html_struck_through_command_is_no_step() -> None:
    doc = ("# R\n## Phase 1: Drain\n\n<ul>\n<li><del>Run <code>curl -XPOST es01:9200/_flush/synced</code></del></li>\n"
           "<li>Run <code>curl -XPOST es01:9200/_refresh</code></li>\n</ul>\n")
    result = import_markdown(doc, "doc.md")
    assert "_flush/synced" not in result.yaml_text and "_refresh" in result.yaml_text


def test_two_blocks_with_two_secret_values_never_share_one_var() -> None:
    doc = ("# R\n## Phase 1: Go\n```bash\nexport API_TOKEN=tok_live_aaaaaaaaaaaaaaaa\n./notify.sh\n```\n\n"
           "```bash\ncurl -H 'Authorization: Bearer tok_live_bbbbbbbbbbbbbbbbbb' https://api.example.com/x\n```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    assert "tok_live" not in text
    plan = YAML(typ="safe").load(text)
    assert {"API_TOKEN", "API_TOKEN_2"} <= set(plan["vars"])


@pytest.mark.parametrize("block", [
    'read -p "Continue? [y/N] " ok\n[ "$ok" = y ] || exit 1\n./deploy.sh',
    "python manage.py shell\nfrom app.models import User",
    "git commit\ngit push origin main",
])
def test_a_prompt_or_a_console_in_a_block_is_a_persons_step(block: str) -> None:
    doc = f"# R\n## Phase 1: Work\n```bash\n{block}\n```\n"
    assert doc_runs(doc) == ""


@pytest.mark.parametrize("block", [
    'git commit -am "release 3.2"\ngit push origin main',
    "while read -r host; do\n  ssh \"$host\" uptime\ndone < hosts.txt",
    "python manage.py shell -c 'print(1)'",
    # the heredoc is the console's input: one session, run as written (made a person's step, the backfill the
    # Go/No-Go waits for never ran)
    "python manage.py shell <<'EOF'\nfrom app.models import User\nprint(User.objects.count())\nEOF",
    "bin/rails console <<'RUBY'\nputs User.count\nRUBY",
])
def test_a_command_given_its_answer_is_no_prompt(block: str) -> None:
    assert doc_runs(f"# R\n## Phase 1: Work\n```bash\n{block}\n```\n") != ""


def test_a_powershell_remote_session_is_a_persons_step() -> None:
    doc = ("# R\n## Phase 1: Restart\n```powershell\nEnter-PSSession -ComputerName web01\nRestart-Service W3SVC\n"
           "Exit-PSSession\n```\n")
    assert doc_runs(doc) == ""
    assert "Restart-Service W3SVC" in doc_manual(doc)


def test_a_steps_tables_rollback_column_is_each_rows_undo_never_dropped() -> None:
    doc = ("# R\n## Phase 1: Deploy\n| Step | Command | Rollback |\n|---|---|---|\n"
           "| 1 | `kubectl scale deploy/worker --replicas=0` | `kubectl scale deploy/worker --replicas=3` |\n"
           "| 2 | `./migrate.sh` | if needed, restore the dump |\n| 3 | `./notify.sh` | – |\n")
    result = import_markdown(doc, "doc.md")
    steps = doc_steps(doc)
    first = next(s for s in steps if "--replicas=0" in str(s.get("shell")))
    assert first["undo"] == {"shell": "kubectl scale deploy/worker --replicas=3"}
    assert "--replicas=3" not in doc_runs(doc).replace(str(first["undo"]), "")
    assert "./notify.sh" in doc_runs(doc) and "./migrate.sh" in doc_runs(doc)  # the rollback cell is no condition
    assert any("restore the dump" in u.what for u in result.unplaced)


@pytest.mark.parametrize("command", [
    "kubectl port-forward svc/web 8080:80",
    "kubectl -n prod port-forward deploy/db 5432",
    "kubectl proxy --port=8001",
    "ssh -N -L 5432:db01:5432 bastion",
])
def test_a_tunnel_or_port_forward_that_never_ends_is_no_step(command: str) -> None:
    runs = doc_runs(f"# R\n## Phase 1: Go\n```bash\n./deploy.sh 2.3\n{command}\n```\n")
    assert "./deploy.sh 2.3" in runs and command.split()[1] not in runs.replace("./deploy.sh 2.3", "")
