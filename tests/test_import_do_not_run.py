"""Text the document says is not to be run never runs: a do-not-run sentence in another language ("NO ejecutar en
producción", "Nicht ausführen"), "don't run it now", "for eyes only", also inside a blockquote; and a command that
never ends (`ssh host sudo tail -f`, `sudo journalctl -f`) is never a step the run would hang on."""

from __future__ import annotations

import shlex

import pytest

from golive.plan.importer import import_markdown
from golive.plan.md_shell import never_ends


@pytest.mark.parametrize("lead", [
    "**NO ejecutar en producción.** Esto es lo que usamos en el ensayo de staging:",
    "Keep this for the rollback, don't run it now:",
    "The log tail, for eyes only:",
    "Nicht in Produktion ausführen!",
    "Ne pas exécuter :",
    "Não executar em produção.",
])
@pytest.mark.parametrize("quote", ["", "> "])
def test_a_block_introduced_as_not_to_run_is_text_in_any_language(lead: str, quote: str) -> None:
    doc = (f"# R\n## Phase 1: Deploy\n```bash\n./deploy.sh --canary\n```\n\n{quote}{lead}\n{quote}\n"
           f"{quote}```sql\n{quote}DROP SCHEMA IF EXISTS ensayo CASCADE;\n{quote}TRUNCATE cat_regimen;\n{quote}```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    assert "./deploy.sh --canary" in text
    assert "DROP SCHEMA" not in text and "TRUNCATE" not in text, text


@pytest.mark.parametrize("cmd", ["ssh es-data-1 sudo tail -f /var/log/es.log", "sudo -u app journalctl -fu worker",
                                 "nice -n 10 tail -F app.log", "ssh -i k.pem host 'kubectl logs -f job/m'",
                                 "kubectl get pods -w"])
def test_a_wrapped_or_remote_follow_never_ends(cmd: str) -> None:
    assert never_ends(shlex.split(cmd))
    doc = f"# R\n## Phase 1: Deploy\n```bash\n./deploy.sh\n{cmd}\n```\n"
    data = import_markdown(doc, "doc.md").data
    steps = data["phases"][0]["steps"]
    runs = " ".join(str(s["shell"]) for s in steps if "shell" in s)
    watched = " ".join(str(s["manual"]) for s in steps if "manual" in s)
    # never a step the run waits on; a person's step to watch it (dropped, the document's watching was lost)
    assert "./deploy.sh" in runs and cmd.split()[-1] not in runs, steps
    assert cmd in watched and "Watch by hand" in watched, steps


@pytest.mark.parametrize("cmd", ["sudo systemctl restart x", "ssh -i k.pem host uptime", "ssh host sudo tail -n 50 x"])
def test_commands_that_end_are_kept(cmd: str) -> None:
    assert not never_ends(shlex.split(cmd))
