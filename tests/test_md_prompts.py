"""One reader of console prompts (golive.plan.md_prompts) for every place the importer meets a transcript.

The edge that matters most: `#` at a line start is root's prompt or a comment. Read as a comment in a transcript,
root's commands are dropped and the output under them runs (`inactive` became a shell step); read as a prompt in
a script, a comment becomes a command to type. Each rule point (the module's docstring) has a test both ways.
"""

from __future__ import annotations

import pytest

from golive.plan.md_prompts import read_console, transcript
from importforms import doc_manual, doc_runs, doc_steps


def _doc(block: str, tag: str = "", lead: str = "") -> str:
    return (f"# R\n\n## 1. Deploy\n\n{lead}\n\n```{tag}\n{block}\n```\n\n## 2. Check\n\n```bash\n"
            "curl -fsS localhost/health\n```\n")


# -- `#` is root's prompt -------------------------------------------------------------------------------------

def test_hash_after_a_root_shell_is_roots_prompt() -> None:
    """Point 1: `$ sudo -i` opens root's shell; the `# ` lines after it are typed there."""
    text = "$ sudo -i\n# systemctl stop app\n# systemctl start app"
    assert transcript(text) == ["sudo -i", "systemctl stop app", "systemctl start app"]


def test_hash_in_a_block_that_writes_roots_prompt_in_full_is_its_short_form() -> None:
    """Point 2: `[root@web1 ~]#` elsewhere in the block: a trimmed `# cmd` is the same prompt."""
    text = "[root@web1 ~]# systemctl stop app\n# dnf -y upgrade app"
    assert transcript(text) == ["systemctl stop app", "dnf -y upgrade app"]


@pytest.mark.parametrize("tag", ["", "bash", "console"])
def test_output_under_a_root_command_is_never_run(tag: str) -> None:
    """Point 3: `# systemctl is-active app` with `inactive` under it. Read as a comment, the bash block ran
    `inactive` as a command and dropped root's two commands."""
    doc = _doc("# systemctl stop app\n# systemctl is-active app\ninactive", tag)
    assert "inactive" not in doc_runs(doc).replace("is-active", "")
    manual = doc_manual(doc)
    assert "systemctl stop app" in manual and "systemctl is-active app" in manual


def test_an_untagged_block_of_root_commands_only_is_typed_at_roots_prompt() -> None:
    """Point 4: a rollback written as three `# cmd` lines was dropped; it is a person's step as root."""
    doc = ("# R\n\n## 1. Upgrade\n\n```bash\ndnf -y upgrade app\n```\n\n## Rolling back\n\n```\n"
           "# systemctl stop app\n# dnf -y downgrade app-4.2.7\n# systemctl start app\n```\n")
    manual = doc_manual(doc)
    assert "dnf -y downgrade app-4.2.7" in manual and "systemctl start app" in manual
    assert "downgrade" not in doc_runs(doc)


# -- `#` is a comment ---------------------------------------------------------------------------------------

def test_a_bash_block_of_commented_out_commands_is_not_typed() -> None:
    """Point 4 does not hold for a block tagged as a script: there, `# cmd` lines are commands taken out."""
    text = "# systemctl stop app\n# systemctl start app"
    assert read_console(text, script=True) is None
    assert read_console(text, script=False) is not None
    doc = _doc(text, "bash")
    assert "systemctl" not in doc_manual(doc) + doc_runs(doc)


@pytest.mark.parametrize("tag", ["console", "text"])
def test_a_comment_that_reads_as_words_is_never_typed(tag: str) -> None:
    """`# stop the app first` over unprompted lines: no command (the old fallback made it
    "Run `stop the app first`"); the block stays text the paragraph before may ask for."""
    doc = _doc("# stop the app first\nsystemctl stop app\nsystemctl start app", tag, "Run:")
    assert "stop the app first`" not in doc_manual(doc)
    assert doc_runs(doc).count("systemctl") == 0


def test_a_script_starting_with_a_comment_stays_a_script() -> None:
    doc = _doc("# stop the app first\nsystemctl stop app\nsystemctl start app", "bash")
    assert "systemctl stop app" in doc_runs(doc)
    assert "stop the app first`" not in doc_manual(doc)


def test_a_commented_out_command_over_commands_is_taken_out_not_typed() -> None:
    """Point 3 needs output right under the `# cmd`; commands under it make it a command taken out."""
    doc = _doc("# kubectl delete pod web-1 --force\nkubectl rollout restart deploy/web", "bash")
    commands = [str(s.get("shell")) for s in doc_steps(doc)]
    assert any("rollout restart" in c for c in commands)
    assert not any("delete pod" in c for c in commands) and "delete pod" not in doc_manual(doc)


def test_a_commented_out_command_over_a_prompt_is_not_typed() -> None:
    text = "# kubectl delete pod web-1 --force\n$ kubectl get pods\nNAME    READY\nweb-1   1/1"
    assert transcript(text) == ["kubectl get pods"]


def test_a_comment_in_a_user_transcript_is_not_typed() -> None:
    """No root shell, no root prompt, nothing printed under it: `# ...` is the writer's note."""
    text = "$ kubectl get pods\nNAME    READY\n# kubectl delete pod web-1 --force\n$ kubectl get svc\nweb   80"
    assert transcript(text) == ["kubectl get pods", "kubectl get svc"]


# -- one reader, three places ---------------------------------------------------------------------------------

@pytest.mark.parametrize("block", [
    "[root@web1 ~]# systemctl stop app\n[root@web1 ~]# systemctl is-active app\ninactive",
    "root@web1:/# systemctl stop app\nroot@web1:/# systemctl is-active app\ninactive",
    "deploy@web1:~/app$ git pull\nAlready up to date.",
    "% brew upgrade app\n==> Upgrading app",
])
@pytest.mark.parametrize("tag", ["", "console", "text"])
def test_a_section_of_full_prompts_is_a_phase_of_persons_steps(block: str, tag: str) -> None:
    """The section finder knew only `$`/`#`: a numbered section of `[root@web1 ~]#` transcripts was dropped."""
    doc = _doc(block, tag)
    typed = block.split("\n")[0].split("# ")[-1].split("$ ")[-1].split("% ")[-1]
    assert typed in doc_manual(doc)
    assert "inactive" not in doc_runs(doc).replace("is-active", "")


def test_a_heredoc_shown_with_continuation_prompts_keeps_the_commands_after_it() -> None:
    """`> EOF` ends the heredoc (the terminal shows its continuation prompt): `systemctl restart app` after it
    is a command, not part of the heredoc."""
    text = "$ cat <<EOF > /etc/app.conf\n> port=8080\n> EOF\n$ systemctl restart app\nok"
    typed = transcript(text)
    assert typed is not None and len(typed) == 2 and typed[1] == "systemctl restart app"


@pytest.mark.parametrize("tag", ["", "console"])
def test_a_transcript_said_not_to_be_run_is_no_persons_run_step(tag: str) -> None:
    """"Do NOT run this in production:" over a `$ psql -c 'DROP TABLE x'` transcript: the fallback made it
    "Run `psql -c 'DROP TABLE x'`" for a person."""
    doc = ("# R\n\n## Deploy\n\n```bash\n./deploy.sh\n```\n\nDo NOT run this in production:\n\n"
           f"```{tag}\n$ psql -c 'DROP TABLE x'\nDROP TABLE\n```\n")
    assert "DROP TABLE" not in doc_manual(doc) + doc_runs(doc)


# -- prompts teams paste ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("block", "typed"), [
    ("web1# systemctl stop app\nweb1# systemctl is-active app\ninactive", "systemctl stop app"),
    ("app-01:/srv/app$ git pull\nAlready up to date.", "git pull"),
    ("sh-5.1$ systemctl restart app\nsh-5.1$ systemctl is-active app\nactive", "systemctl restart app"),
    ("bash-5.2# systemctl restart app\nbash-5.2# systemctl is-active app\nactive", "systemctl restart app"),
    ("➜  app git:(main) ✗ git pull\nAlready up to date.", "git pull"),
    ("❯ git pull --ff-only\nAlready up to date.", "git pull --ff-only"),
    ("(venv) deploy@web1:~/app$ pip install -r requirements.txt\nSuccessfully installed", "pip install -r"),
    ("[deploy@web1 app]$ git pull\nAlready up to date.", "git pull"),
    ("root@web1:/# systemctl restart app\nroot@web1:/# systemctl is-active app\nactive", "systemctl restart app"),
])
@pytest.mark.parametrize("tag", ["", "bash", "console"])
def test_a_shell_prompt_is_never_part_of_a_command_and_output_never_runs(block: str, typed: str, tag: str) -> None:
    """Read as a script, `web1# systemctl stop app` ran a program called `web1#` and the output ran as commands;
    read as text, the section was dropped."""
    doc = _doc(block, tag)
    assert typed in doc_manual(doc)
    runs = doc_runs(doc)
    assert "curl -fsS localhost/health" in runs
    assert runs.count("\n") == 0, runs  # only the Check phase's step runs


@pytest.mark.parametrize(("block", "typed"), [
    ("PS C:\\> Restart-Service W3SVC\nPS C:\\> Get-Service W3SVC\n\nStatus   Name\n------   ----\nRunning  W3SVC",
     "PS C:\\> Restart-Service W3SVC"),
    ("PS> Restart-Service W3SVC\nPS> Get-Service W3SVC\nRunning  W3SVC", "PS> Restart-Service W3SVC"),
    ("C:\\> iisreset\nAttempting stop...\nInternet services successfully restarted", "C:\\> iisreset"),
    (">>> from shop.models import Job\n>>> Job.objects.filter(done=True).delete()\n(3, {'shop.Job': 3})",
     ">>> Job.objects.filter(done=True).delete()"),
    ("mysql> ALTER TABLE orders ADD COLUMN note TEXT;\nQuery OK, 0 rows affected (0.02 sec)",
     "mysql> ALTER TABLE orders ADD COLUMN note TEXT;"),
    ("MariaDB [shop]> DELETE FROM sessions;\nQuery OK, 12 rows affected", "MariaDB [shop]> DELETE FROM sessions;"),
    ("postgres=# DROP INDEX CONCURRENTLY old_idx;\nDROP INDEX", "postgres=# DROP INDEX CONCURRENTLY old_idx;"),
    ("shop=> SELECT count(*) FROM orders;\n count\n-------\n    42", "shop=> SELECT count(*) FROM orders;"),
    ("redis 127.0.0.1:6379> FLUSHDB\nOK", "redis 127.0.0.1:6379> FLUSHDB"),
    ("127.0.0.1:6379> DEL cache:home\n(integer) 1", "127.0.0.1:6379> DEL cache:home"),
    ("irb(main):001:0> User.where(admin: true).count\n=> 3", "irb(main):001:0> User.where(admin: true).count"),
])
@pytest.mark.parametrize("tag", ["", "bash", "console", "text"])
def test_a_line_typed_into_another_program_is_a_persons_step_never_bash(block: str, typed: str, tag: str) -> None:
    """A client's prompt (mysql>, postgres=#, >>>, redis, irb) or Windows' (PS C:\\>, C:\\>): the commands are
    typed into that program by a person, with the prompt that says where; output is never run."""
    doc = _doc(block, tag)
    assert typed in doc_manual(doc)
    runs = [s for s in doc_steps(doc) if "manual" not in s]
    assert [s["shell"] for s in runs] == ["curl -fsS localhost/health"]  # the only step bash runs


def test_typed_at_a_client_without_output_is_still_never_bash() -> None:
    """No output under it: still the client's, not a script written with prompts."""
    assert transcript("mysql> SET GLOBAL read_only = ON;") == ["mysql> SET GLOBAL read_only = ON;"]
    assert transcript(">>> cache.clear()") == [">>> cache.clear()"]


def test_a_client_opened_at_the_shell_keeps_what_is_typed_into_it() -> None:
    """`$ mysql -u root shop` then `mysql> DELETE ...`: the DELETE was read as output and dropped."""
    text = "$ mysql -u root shop\nmysql> DELETE FROM sessions\n    -> WHERE expires_at < now();\nQuery OK, 12 rows"
    assert transcript(text) == ["mysql -u root shop", "mysql> DELETE FROM sessions\nWHERE expires_at < now();"]


@pytest.mark.parametrize(("text", "typed"), [
    (">>> for j in Job.objects.all():\n...     j.save()\n...\n>>> print('ok')\nok",
     [">>> for j in Job.objects.all():\n    j.save()\n", ">>> print('ok')"]),
    ("shop=> UPDATE orders\nshop-> SET state = 'done'\nshop-> WHERE id = 7;\nUPDATE 1",
     ["shop=> UPDATE orders\nSET state = 'done'\nWHERE id = 7;"]),
    ("$ kubectl get pods |\n> grep web\nweb-1   1/1", ["kubectl get pods |\ngrep web"]),
    ("$ kubectl get pods |\n    grep web\nweb-1   1/1", ["kubectl get pods |\n    grep web"]),
    ("$ make build &&\n    make install\nok", ["make build &&\n    make install"]),
])
def test_continuation_prompts_go_on_the_command_above(text: str, typed: list[str]) -> None:
    assert transcript(text) == typed


def test_a_heredoc_typed_with_continuation_prompts_keeps_its_body() -> None:
    """The body is what the command writes: a person needs it, and it is never output."""
    console = read_console("$ cat <<EOF > /etc/app.conf\n> port=8080\n> EOF\n$ systemctl restart app")
    assert console is not None and not console.output
    assert console.commands == ["cat <<EOF > /etc/app.conf\nport=8080\nEOF", "systemctl restart app"]


def test_a_bash_script_written_with_prompts_runs_without_them() -> None:
    """`$ cat <<EOF` with `> ` body lines in a bash block: bash ran `> port=8080` (a file named port=8080) and
    `> EOF` (emptied a file named EOF); the heredoc never closed."""
    doc = _doc("$ cat <<EOF > /etc/app.conf\n> port=8080\n> EOF\n$ systemctl restart app", "bash")
    runs = doc_runs(doc)
    assert "port=8080\\nEOF\\nsystemctl restart app" in runs and "> port" not in runs
    doc = _doc("deploy@web1:~/app$ git pull --ff-only\ndeploy@web1:~/app$ ./restart.sh", "bash")
    assert "'git pull --ff-only\\n./restart.sh" in doc_runs(doc)


def test_python_repl_lines_are_never_bash_even_tagged_python() -> None:
    doc = _doc(">>> from shop.models import Job\n>>> Job.objects.filter(done=True).delete()\n(3, {})", "pycon")
    assert ">>> Job.objects.filter(done=True).delete()" in doc_manual(doc)


@pytest.mark.parametrize("text", [
    "x = 1  # a comment\nprint(x)",
    "-> see the dashboard\n=> done",
    "Step 1# check the logs",
    "C# and F# services restart in order",
])
def test_text_that_only_looks_a_little_like_a_prompt_has_none(text: str) -> None:
    assert read_console(text) is None


# -- sections of transcripts -------------------------------------------------------------------------------------

@pytest.mark.parametrize("block", [
    "[root@web1 ~]# systemctl restart app\n[root@web1 ~]# systemctl is-active app\nactive",
    "mysql> SET GLOBAL read_only = ON;\nQuery OK, 0 rows affected",
])
@pytest.mark.parametrize("tag", ["", "console"])
def test_an_unnumbered_section_of_transcripts_is_a_phase_of_persons_steps(block: str, tag: str) -> None:
    """"## Restart the app" holding only a transcript read as no phase: the restart was dropped."""
    doc = (f"# R\n\n## Restart the app\n\n```{tag}\n{block}\n```\n\n## Check\n\n```bash\n"
           "curl -fsS localhost/health\n```\n")
    typed = block.split("\n")[0].split("# ")[-1].split("mysql> ")[-1]
    assert typed in doc_manual(doc)


def test_a_section_that_shows_an_example_session_stays_out() -> None:
    doc = ("# R\n\n## Example session\n\n```console\n$ kubectl delete pod web-1\npod \"web-1\" deleted\n```\n\n"
           "## Check\n\n```bash\ncurl -fsS localhost/health\n```\n")
    assert "kubectl delete" not in doc_manual(doc) + doc_runs(doc)


def test_a_transcript_said_not_to_be_run_in_a_transcript_section_is_no_persons_run_step() -> None:
    """The transcript-section path read the fence without asking whether the document said not to run it."""
    doc = ("# R\n\n## 2. Stop (6:10)\n\nDo NOT run this in production:\n\n```console\n$ psql -c 'DROP TABLE x'\n"
           "DROP TABLE\n```\n\n2a. Stop the app.\n")
    assert "2a. Stop the app." in doc_manual(doc)
    assert "DROP TABLE" not in doc_manual(doc) + doc_runs(doc)
