"""A block the document says to skip on a condition ("Skip this step if the nightly backup finished", "如果 …
已成功，跳过此步骤") runs only when a person finds the condition false: a person's step showing it, never a step
run every time (set 8: two skip-if `pg_dump`s became unconditional backups). "Do not skip this step" keeps it."""

from __future__ import annotations

import pytest

from importforms import doc_manual, doc_runs

DUMP = "pg_dump --format=custom --file=/backups/pre.dump \"$DB_URL\""


def doc(lead: str, in_item: bool = False) -> str:
    if in_item:
        return (f"# Release\n\n## Phase 1: Prepare\n\n1. {lead}\n\n   ```bash\n   {DUMP}\n   ```\n\n"
                "2. Deploy:\n\n   ```bash\n   ./deploy.sh 4.2.0\n   ```\n")
    return f"# Release\n\n## Phase 1: Prepare\n\n{lead}\n\n```bash\n{DUMP}\n```\n\n```bash\n./deploy.sh 4.2.0\n```\n"


@pytest.mark.parametrize("lead", [
    "Take a backup. **Skip this step if** the nightly backup finished after 12:00 today.",
    "Back up the database (skip it if the nightly backup is less than an hour old).",
    "This step can be skipped when the 22:00 full backup succeeded.",
    "Sicherung erstellen. Diesen Schritt überspringen, wenn die Nachtsicherung nach 12 Uhr lief.",
    "Sauvegarde. Ignorer cette étape si la sauvegarde de la nuit a réussi.",
    "Copia de seguridad. Omitir este paso si la copia nocturna terminó.",
    "Backup do banco. Pular esta etapa se o backup noturno terminou.",
    "备份 orders 库。**如果 22:00 的全量备份已成功，跳过此步骤。**",
    "バックアップ。夜間バックアップが成功していれば、このステップはスキップしてください。",
])
@pytest.mark.parametrize("in_item", [False, True])
def test_a_block_to_skip_on_a_condition_is_a_persons(lead: str, in_item: bool) -> None:
    text = doc(lead, in_item)
    assert "/backups/pre.dump" not in doc_runs(text)
    assert DUMP in doc_manual(text)
    assert "./deploy.sh 4.2.0" in doc_runs(text)  # only the conditional block goes to a person


@pytest.mark.parametrize("lead", [
    "Take a backup. Do not skip this step, even if the nightly backup finished.",
    "Take a backup first; never skip it.",
    "备份 orders 库，不要跳过此步骤。",
    "Sicherung erstellen, nicht überspringen.",
    "Take a backup of the database:",
])
def test_a_block_not_to_skip_runs(lead: str) -> None:
    text = doc(lead)
    assert "/backups/pre.dump" in doc_runs(text)  # a verified backup step of golive's, or the command
    assert DUMP not in doc_manual(text)
