"""A document's blocks are typed by one person into one shell: a `cd`, a `source` of a virtualenv or an `eval` of
decrypted settings in an early block is still in force when a later block runs. Each imported shell step runs in a
new bash, so that state was silently lost (later steps ran outside the checkout, without the settings). The state a
block leaves behind is now carried into every later shell step of the document (forward and rollback), in front of
its own commands and marked as such; what the block does besides (a checkout, a check) is never repeated."""

from __future__ import annotations

import yaml

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Reindex the catalogue
## Phase 1: Workspace (5 min)
Keep this one terminal open for the whole night.
```bash
cd /srv/catalogue && git pull --ff-only
source .venv/bin/activate
eval "$(vault kv get -format=dotenv secret/catalogue)"
echo "ready"
```
## Phase 2: Reindex (20 min)
```bash
python manage.py reindex --all
```
```bash
python manage.py verify-index
```
## Rollback
```bash
python manage.py reindex --from-snapshot last
```
"""


def _scripts(yaml_text: str) -> dict[str, str]:
    parse_plan_text(yaml_text, "doc.yaml")  # a valid plan
    doc = yaml.safe_load(yaml_text)
    steps = [s for ph in doc["phases"] for s in ph["steps"]]
    steps += [s for lv in (doc.get("rollback") or {}).get("levels", []) for s in lv["steps"]]
    out: dict[str, str] = {}
    for st in steps:
        shell = st.get("shell")
        cmd = shell.get("command") if isinstance(shell, dict) else shell
        if isinstance(cmd, str):
            out[cmd.strip().splitlines()[-1]] = cmd
    return out


def test_later_steps_run_with_the_state_an_earlier_block_set() -> None:
    scripts = _scripts(import_markdown(DOC, "doc.md").yaml_text)
    for last in ("python manage.py reindex --all", "python manage.py verify-index",
                 "python manage.py reindex --from-snapshot last"):
        script = scripts[last]
        assert "cd /srv/catalogue" in script, script
        assert "source .venv/bin/activate" in script, script
        assert 'eval "$(vault kv get -format=dotenv secret/catalogue)"' in script, script
        # only the state: the pull and the echo are the first block's own work, never repeated
        assert "git pull" not in script and "echo" not in script, script
        assert script.index("cd /srv/catalogue") < script.index(last)


def test_a_step_that_sets_no_state_carries_nothing() -> None:
    doc = DOC.replace("cd /srv/catalogue && git pull --ff-only\nsource .venv/bin/activate\n"
                      "eval \"$(vault kv get -format=dotenv secret/catalogue)\"\n", "git -C /srv/catalogue pull\n")
    scripts = _scripts(import_markdown(doc, "doc.md").yaml_text)
    assert scripts["python manage.py reindex --all"].strip() == "python manage.py reindex --all"


def test_state_set_inside_a_subshell_or_pipeline_is_not_carried() -> None:
    doc = DOC.replace("source .venv/bin/activate\n", "(cd /tmp && ls)\n").replace(
        "cd /srv/catalogue && git pull --ff-only\n", "").replace(
        "eval \"$(vault kv get -format=dotenv secret/catalogue)\"\n", "")
    scripts = _scripts(import_markdown(doc, "doc.md").yaml_text)
    assert "cd /tmp" not in scripts["python manage.py reindex --all"]


ACTS = """# DNS cutover
## Phase 1: Cut over (10 min)
```bash
CHANGE_ID=$(aws route53 change-resource-record-sets --hosted-zone-id Z1 \\
  --change-batch file://dns/v2.json --query 'ChangeInfo.Id' --output text)
aws route53 wait resource-record-sets-changed --id "$CHANGE_ID"
TG=$(aws elbv2 describe-target-groups --names edge-v2 --query 'TargetGroups[0].TargetGroupArn' --output text)
SNAP=pre-$(date +%s)
```
## Phase 2: Check (5 min)
```bash
dig +short api.example.com CNAME @1.1.1.1
aws elbv2 describe-target-health --target-group-arn "$TG"
```
## Rollback
```bash
aws route53 change-resource-record-sets --hosted-zone-id Z1 --change-batch file://dns/v1.json
```
"""


def test_an_assignment_whose_command_substitution_acts_is_never_said_again() -> None:
    """`CHANGE_ID=$(aws route53 change-resource-record-sets …)` records the id of the DNS change it MAKES: said again
    in front of the check and of the rollback level it would re-apply the cutover (the rollback would first cut
    over again). Only a `$(...)` that reads, and reads the same again (`describe-…`), is carried; `$(date)` would
    give the later step another value."""
    scripts = _scripts(import_markdown(ACTS, "doc.md").yaml_text)
    check = scripts['aws elbv2 describe-target-health --target-group-arn "$TG"']
    rollback = scripts["aws route53 change-resource-record-sets --hosted-zone-id Z1 --change-batch file://dns/v1.json"]
    for script in (check, rollback):
        assert "file://dns/v2.json" not in script, script
        assert "date +%s" not in script, script
    assert "TG=$(aws elbv2 describe-target-groups" in check, check


def test_a_secret_the_document_sets_itself_is_not_required_from_the_environment() -> None:
    """`export FLAGS_API_TOKEN="$(vault …)"` and `docker run -e PGPASSWORD_FILE=/run/secrets/…` set those names in
    the document's own commands: declared as secret vars read from the environment, the run refused to start until
    someone exported a value the document never asked for."""
    doc = ("# R\n## Phase 1: Prepare (5 min)\n```bash\nexport FLAGS_API_TOKEN=\"$(vault kv get -field=token s/f)\"\n"
           "docker run --rm -e PGPASSWORD_FILE=/run/secrets/db_password postgres:16 pg_dump -h db -f /b/x.dump app\n"
           "```\n## Phase 2: Roll out (5 min)\n```bash\n./bin/flagctl --token \"$FLAGS_API_TOKEN\" set edge-v2 5\n"
           "```\n")
    plan = yaml.safe_load(import_markdown(doc, "doc.md").yaml_text)
    assert not {"FLAGS_API_TOKEN", "PGPASSWORD_FILE"} & set(plan.get("vars") or {}), plan.get("vars")
    doc = doc.replace('export FLAGS_API_TOKEN="$(vault kv get -field=token s/f)"\n', "")
    plan = yaml.safe_load(import_markdown(doc, "doc.md").yaml_text)
    assert plan["vars"]["FLAGS_API_TOKEN"] == {"secret": True, "from_env": "FLAGS_API_TOKEN"}  # not set: it is needed


def test_an_undo_runs_with_the_state_its_step_ran_with() -> None:
    """The undo of a step runs in a new bash as well: `python manage.py migrate payments 0041` without the folder and
    the virtualenv the forward step had fails exactly when the migration is to be taken back."""
    doc = ("# R\n## Phase 1: Shell (1 min)\n```bash\ncd /srv/payments/releases/2026.12.1\n"
           "source /srv/payments/venv/bin/activate\n```\n## Phase 2: Migrate (5 min)\n```bash\n"
           "python manage.py migrate payments 0042\n```\n\nThe undo of this migration is "
           "`python manage.py migrate payments 0041`.\n")
    plan = yaml.safe_load(import_markdown(doc, "doc.md").yaml_text)
    step = plan["phases"][1]["steps"][0]
    undo = step["undo"]
    undo_text = undo if isinstance(undo, str) else str(undo.get("shell") or undo.get("migrate"))
    assert "python manage.py migrate payments 0041" in undo_text, step
    assert "cd /srv/payments/releases/2026.12.1" in undo_text and "source /srv/payments/venv/bin/activate" in undo_text
