"""A command the document runs as another user never becomes a step golive runs as its own user
(golive.plan.md_run_as, golive.plan.importer.run_as): a sentence that says "as postgres" in several languages, or
an earlier `sudo su - wmsadm` / `sudo -i` whose shell the later lines are typed in. The document's own
`sudo -u X ...` kept whole is faithful and stays a step."""

from __future__ import annotations

import pytest

from golive.plan.importer import import_markdown
from golive.plan.md_run_as import opened_shell, said_user, switches_itself
from importforms import doc_manual, doc_runs

HEAD = "# Release\n## Phase 1: Deploy\n"
FINISH = "\n## Phase 2: Verify\n```bash\ncurl -fsS https://app.example/health\n```\n"


@pytest.mark.parametrize("lead", [
    "As postgres, apply the grants:",
    "Run as the `deploy` user:",
    "Als Benutzer `app` ausführen:",
    "En tant que postgres :",
    "以 postgres 用户执行：",
    "Como usuario app, ejecutar:",
    "On the app host, as wmsadm:",
])
def test_a_block_said_to_run_as_another_user_is_a_person_step_that_names_the_user(lead: str) -> None:
    doc = f"{HEAD}{lead}\n\n```bash\n./bin/grant --role reporting --apply\n```\n{FINISH}"
    assert "./bin/grant" not in doc_runs(doc)
    manual = doc_manual(doc)
    assert "./bin/grant --role reporting --apply" in manual and manual.startswith("As ")


def test_a_list_item_run_as_postgres_is_a_person_step_with_its_command() -> None:
    doc = f"{HEAD}- As postgres, run `psql -d shop -c 'ALTER TABLE orders ADD COLUMN note text'`\n{FINISH}"
    assert "ALTER TABLE" not in doc_runs(doc)
    assert "As postgres" in doc_manual(doc) and "ADD COLUMN note text" in doc_manual(doc)


@pytest.mark.parametrize("opener", ["sudo su - wmsadm", "su - wmsadm", "sudo -u wmsadm -i", "sudo -iu wmsadm",
                                    "runuser -l wmsadm"])
def test_lines_after_a_standalone_user_shell_are_typed_in_that_shell(opener: str) -> None:
    doc = (f"{HEAD}Log on to app-01 and switch user:\n\n```bash\n{opener}\n```\n\nThen stop it:\n\n"
           "```bash\nwmsctl stop --all --wait 300\n```\n{FINISH}")
    assert "wmsctl" not in doc_runs(doc)
    assert "As wmsadm (typed in wmsadm's shell" in doc_manual(doc)


def test_plain_text_items_after_sudo_su_are_the_users_not_golives() -> None:
    doc = (f"{HEAD}- (a) Log on to wms-app-01 and switch to the application user: `sudo su - wmsadm`\n"
           "- (b) Stop the application: `wmsctl stop --all --wait 300`\n"
           "- (c) Stop the RF gateway: `sudo systemctl stop rfgw`\n" + FINISH)
    runs = doc_runs(doc)
    assert "wmsctl" not in runs and "wmsctl stop --all" in doc_manual(doc)
    assert "sudo systemctl stop rfgw" in runs  # `sudo cmd` runs as root whoever types it


def test_a_root_shell_opened_by_sudo_i_carries_to_the_next_block_until_exit() -> None:
    doc = (f"{HEAD}Become root: `sudo -i`\n\n```bash\nsystemctl restart api\n```\n\nLeave: `exit`\n\n"
           f"```bash\n./smoke.sh\n```\n{FINISH}")
    runs = doc_runs(doc)
    assert "systemctl restart api" not in runs and "./smoke.sh" in runs


def test_a_heading_ends_the_opened_shell() -> None:
    doc = f"{HEAD}```bash\nsudo su - app\n```\n\n## Phase 2: Restart\n```bash\nsystemctl --user restart api\n```\n"
    assert "systemctl --user restart api" in doc_runs(doc)


@pytest.mark.parametrize("block", [
    "sudo -u postgres psql -d orders -v ON_ERROR_STOP=1 <<'SQL'\nBEGIN;\nALTER TABLE t ADD c int;\nCOMMIT;\nSQL",
    "sudo -u postgres vacuumdb --all --analyze",
    "su - postgres -c 'reindexdb orders'",
])
def test_the_documents_own_switch_kept_whole_stays_a_step(block: str) -> None:
    doc = f"{HEAD}执行 DDL（以 postgres 用户）：\n\n```bash\n{block}\n```\n{FINISH}"
    assert block.split("\n")[0] in doc_runs(doc)


def test_words_that_name_no_user_leave_the_step_alone() -> None:
    doc = (f"{HEAD}- Restart it as usual: `systemctl restart api`\n- Pacchetto caricato su `ord-app-3`\n"
           f"- Riavviare: `systemctl restart worker`\n{FINISH}")
    runs = doc_runs(doc)
    assert "systemctl restart api" in runs and "systemctl restart worker" in runs


def test_as_root_for_the_whole_document_is_said_once_and_steps_stay() -> None:
    doc = f"{HEAD}All commands run on apps-01 as root.\n\n```bash\ndocker compose up -d\n```\n{FINISH}"
    assert "docker compose up -d" in doc_runs(doc)
    assert any("run the plan as root" in s for s in import_markdown(doc, "doc.md").summary)


def test_readers() -> None:
    assert said_user("as needed, run") is None and said_user("Log in as TESTUSER01") is None
    assert said_user("Driver, as the `search` user, start") == "search"
    assert opened_shell("sudo -u search -i\ncd /opt\nexit") is None
    assert opened_shell("caricato su `ord-app-3`", prose=True) is None
    assert switches_itself("sudo -u postgres psql <<'SQL'\nDROP TABLE x;\nSQL", "postgres")
    assert not switches_itself("./bin/grant --apply\nsudo -u postgres psql -f x.sql", "postgres")


def test_a_level_covers_the_phase_whose_commands_a_person_runs_as_another_user() -> None:
    from importforms import plan_of

    doc = ("# Release\n## Phase 1: Prepare\n```bash\n./bin/prep --stage\n```\n## Phase 2: Deploy\nAs wmsadm:\n\n"
           "```bash\n/opt/wms/bin/wms-install --package /stage/wms-4.2.0.tar.gz --yes\n```\n"
           "## Rollback\n```bash\n/opt/wms/bin/wms-install --package /stage/wms-4.1.7.tar.gz --yes\n```\n")
    levels = plan_of(doc)["rollback"]["levels"]
    assert levels[0]["covers"] == ["Phase 2: Deploy"]


def test_a_block_opening_another_users_login_shell_says_whose() -> None:
    doc = f"{HEAD}```bash\nsudo -u search -i\ncd /opt/search-api\n./bin/reindex --target v42\nexit\n```\n{FINISH}"
    manual = doc_manual(doc)
    assert "opens search's shell" in manual and "./bin/reindex --target v42" in manual
    assert "reindex" not in doc_runs(doc)


@pytest.mark.parametrize("switch", ["Switch to the deploy user.", "Then log in as postgres on db-01.",
                                    "Become wmsadm on wms-app-01."])
def test_a_sentence_that_is_the_switch_carries_to_the_next_block(switch: str) -> None:
    doc = f"{HEAD}{switch}\n\nThen release it:\n\n```bash\n./bin/release --apply 4.2\n```\n{FINISH}"
    assert "./bin/release" not in doc_runs(doc) and "./bin/release --apply 4.2" in doc_manual(doc)


def test_a_japanese_lead_names_the_user() -> None:
    doc = f"{HEAD}app ユーザーで実行:\n\n```bash\n./bin/release --apply 4.2\n```\n{FINISH}"
    assert "./bin/release" not in doc_runs(doc) and "As app" in doc_manual(doc)
