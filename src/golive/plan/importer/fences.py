"""Fenced blocks: classified by their tag, or by what they are when untagged, then made into steps.

Shell blocks keep their meaning (golive.plan.md_shell), SQL is cut into whole statements, env files become
declared vars (secret-looking ones from the environment, values never written), and every other language
(python, yaml, json, console output, diagrams) stays text: a person's step when the document asks for it.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import LiteralScalarString

from golive.plan.importer.envvars import ENV_LANGS
from golive.plan.importer.foreign import ForeignMixin
from golive.plan.importer.run_as import RunAsMixin, changes_as_user
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block
from golive.plan.md_commands import BASH_LANGS, SQL_LANGS, shell_commands
from golive.plan.md_foreign import CMD_TAGS, FOREIGN_TAGS, typed_elsewhere
from golive.plan.md_meaning import (
    indented_directives,
    is_fish,
    is_mysql_sql,
    is_output_lead,
    is_windows_cmd,
    leading_comment,
    not_here,
    sql_client_text,
)
from golive.plan.md_prompts import read_console, strip_win_prompts, transcript
from golive.plan.md_shell import is_env_file, is_sql, is_tsql, looks_like_commands, needs_shell
from golive.plan.md_shell_state import sets
from golive.plan.md_sql import outside_transaction, psql_command, sql_statements
from golive.plan.md_step import Command, CommandBlock

#: Why the SQL of a document about an Oracle database is a person's, in SQL*Plus (see ImportState.oracle_only).
ORACLE_WHY = "the document's database is Oracle (SQL*Plus, SYSDBA, ORA- errors): it runs in SQL*Plus"
TSQL_LANGS = frozenset({"tsql", "t-sql", "mssql", "sqlserver", "sql-server", "transact-sql"})
PWSH_LANGS = frozenset({"powershell", "ps1", "pwsh", "posh", "ps"})
#: PowerShell's approved verbs (Get-Verb) that start the cmdlets runbooks use: `Stop-WebAppPool`, `Copy-Item`.
_VERBS = ("Add|Clear|Compare|Compress|Confirm|Connect|Convert|ConvertFrom|ConvertTo|Copy|Disable|Disconnect|"
          "Enable|Enter|Exit|Expand|Export|Find|ForEach|Format|Get|Grant|Import|Install|Invoke|Join|Measure|Move|"
          "New|Out|Publish|Push|Pop|Read|Receive|Register|Remove|Rename|Repair|Reset|Resolve|Restart|Restore|"
          "Resume|Revoke|Save|Select|Send|Set|Sort|Split|Start|Stop|Suspend|Test|Uninstall|Unregister|Update|"
          "Wait|Where|Write")
_PWSH_LINE = re.compile(rf"^\s*(?:\(\s*)?(?:(?:{_VERBS})-[A-Z][A-Za-z]+\b|\$[A-Za-z_][\w:]*\s*[+-]?=|\$env:\w+)")
#: JavaScript blocks that are the MongoDB shell's (`rs.stepDown(120)`, `db.getSiblingDB("x")`, `sh.status()`).
_MONGO_LANGS = frozenset({"javascript", "js", "mongo", "mongosh", "untagged"})
_MONGO_SHELL = re.compile(r"(?m)^\s*(?:rs|db|sh)\.\w+\s*\(|\bdb\.getSiblingDB\s*\(|\bdb\.adminCommand\s*\(")
#: Tags that say "this is text", and no tag: what such a block is depends on what it holds and what introduces it.
TEXT_LANGS = frozenset({"", "text", "plain", "plaintext", "txt", "none", "console", "output", "log", "terminal",
                        "shell-session", "out", "stdout", "json", "yaml", "xml"})
#: Tags of a block that shows a terminal: its prompted lines are typed by a person, the rest is output.
_CONSOLE_TAGS = frozenset({"untagged", "console", "shell-session", "terminal", "text"})
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Where a block is not to be run: "in production", "en producción", "em produção", "in Produktion", "en production".
_NOT_HERE = r"in\s+prod(?:uction)?|en\s+producci(?:ó|o)n|em\s+produ(?:ç|c)(?:ã|a)o|in\s+produktion|en\s+production"
#: "Do not run" in the other languages runbooks are written in, ending its sentence as in English ("NO ejecutar en
#: producción.", "No lo ejecutes ahora:", "Não executar.", "Nicht in Produktion ausführen!", "Ne pas exécuter :"):
#: "No ejecutar hasta las 23:00" is an order to run it later.
_NOT_TO_RUN_ELSEWHERE = (
    r"\bno\s+(?:se\s+debe\s+|debe\s+|hay\s+que\s+)?(?:l[oae]s?\s+)?(?:ejecut|corr|lanz)(?:ar|es|e|en)(?:l[oae]s?)?"
    r"(?:\s+(?:esto|ahora|todav(?:í|i)a|aqu(?:í|i)|nunca|" + _NOT_HERE + r"))*\s*(?:[:.;!),]|$)|"
    r"\bn(?:ã|a)o\s+(?:execut|rod)(?:ar|e)(?:\s+(?:isto|agora|aqui|" + _NOT_HERE + r"))*\s*(?:[:.;!),]|$)|"
    r"\bnicht\s+(?:(?:jetzt|hier|" + _NOT_HERE + r")\s+)*(?:ausf(?:ü|ue)hren|laufen\s+lassen|starten)\s*(?:[:.;!),]|$)|"
    r"\bne\s+(?:l[ae']\s*)?(?:pas|jamais)\s+(?:l[ae']\s*)?(?:ex(?:é|e)cuter|lancer)(?:\s+(?:maintenant|ici|" + _NOT_HERE
    + r"))*\s*(?:[:.;!),]|$)")
#: "(never paste it here)", "do not paste the token into this page": about writing a value into the document, not
#: about running the block that follows ("do not paste this block" still is).
_INTO_PAGE = (r"(?!\s+(?:it|this|them|the\s+\w+)?\s*(?:here|in(?:to)?\s+(?:this|the)\s+(?:doc|document|page|runbook|"
              r"ticket|chat|channel|thread|wiki|issue)\b))")
#: Said of a block that must not run: "do NOT run it:", "not a command", "for reference", "for the record only",
#: "do not paste". A "do not run ... until/before ..." is an order to run it later, so the phrase must end its
#: sentence.
_NOT_TO_RUN = re.compile(r"(?i)\b(?:do\s*n[o']t|never|must\s+not|should\s+not)\s+(?:be\s+)?(?:run|paste" + _INTO_PAGE
                         + r"|execute|use)d?"
                         r"(?:\s+(?:it|this|them|these|that))?(?:\s+(?:again|any\s*more|anymore|now|yet|here|"
                         + _NOT_HERE + r"))*\s*(?:[:.;!),]|$)|"
                         r"\bnot\s+(?:a\s+)?commands?\b|\bfor\s+(?:the\s+)?(?:reference|record)\b|\breference\s+only\b|"
                         r"\b(?:for\s+)?(?:your\s+)?eyes\s+only\b|" + _NOT_TO_RUN_ELSEWHERE)
#: The same said in the block's own first comment (`# DO NOT RUN - example`), where no sentence ends it.
_COMMENT_NOT_TO_RUN = re.compile(r"(?i)\b(?:do\s*n[o']t|never)\s+(?:run|execute|paste)\b(?!\s+(?:until|before|unless|"
                                 r"while|if|twice|again|more|it\s+(?:until|before|twice)))")
#: A shebang naming an interpreter that is no POSIX shell: `#!/usr/bin/env python3`, `#!/usr/bin/node`.
_OTHER_SHEBANG = re.compile(r"#!\s*(?:/usr/bin/env\s+(?:-S\s+)?)?(?:/\S*/)?(?!(?:ba|z|k|da|a)?sh\b)"
                            r"(?:python[\d.]*|node|ruby|perl|php|pwsh|deno|bun|lua|Rscript|groovy|tclsh|awk|gawk)\b")
#: A sentence that puts the block on another host: "On db1:", "On the database server run:", "On each app node
#: (web1, web2):", "Auf dem Datenbankserver ausführen:", "Sur le serveur web :". Not where golive itself runs
#: (the deploy host, a laptop, a bastion).
_ON_HOST = re.compile(r"(?i)^\W*(?:\d+[.)]\s*)?(?:then\s+|dann\s+|puis\s+)?(?:on|auf|sur|en|su|op)\s+"
                      r"(?:the\s+|dem\s+|der\s+|den\s+|le\s+|la\s+|les\s+|el\s+|los\s+|il\s+|each\s+|every\s+|"
                      r"all\s+|both\s+|jedem\s+|allen\s+|chaque\s+|tous\s+les\s+|cada\s+|ogni\s+)?"
                      r"((?!(?:the|deploy|jump|bastion|build|ci|local|your|my|this)\b)"
                      r"(?:[\w-]*\d[\w.-]*|(?:[\w-]+\s+){0,2}(?:\w*server|\w*host|node|box|machine|vm|instance|"
                      r"primary|replica|standby|leader|follower|master|slave|database|db|web|worker)s?\b[^:]{0,40}?))"
                      r"(?:\s*,?\s*(?:run|execute|ausf(?:ü|ue)hren|ex(?:é|e)cuter|ejecutar|eseguire|uitvoeren))?\s*:\s*$")


def is_powershell(text: str) -> bool:
    """An untagged block is PowerShell when most of its command lines are cmdlets (`Verb-Noun`) or `$var =`
    assignments; a bash block has neither (`$VAR=x` is no bash assignment)."""
    body = [ln for ln in text.split("\n") if ln.strip() and not ln.strip().startswith("#")]
    hits = sum(1 for ln in body if _PWSH_LINE.match(ln))
    return bool(body) and hits >= 1 and hits * 2 >= len(body)


def block_text(text: str) -> Any:
    """A multi-line script as a YAML literal block (readable, exact) when YAML can hold it that way; otherwise
    a quoted string (a NEL or LINE SEPARATOR is a line break to YAML, leading blanks need care)."""
    if "\n" not in text or re.search("[\x85\u2028\u2029\r\t]|[ ]\n|[ ]$|^[ \n]", text):
        return text
    return LiteralScalarString(text + "\n")


class FencesMixin(RunAsMixin, ForeignMixin):
    def rollback_fence_steps(self, b: Block) -> list[dict[str, Any]]:
        """The steps a fence makes when it is a way back (an undo, a level's commands): read with in_rollback
        set, so what only rollback may hold (a restore, a downgrade) is kept there and nothing is made forward."""
        holder: dict[str, Any] = {"name": "", "steps": [], "gate": None, "timebox": None, "description": []}
        self.in_rollback = True
        try:
            self.phase_fence(holder, b, None)
        finally:
            self.in_rollback = False
        return list(holder["steps"])

    def phase_fence(self, phase: dict[str, Any], b: Block, name: str | None) -> None:
        block = self.fence_commands(b)
        if block is None:
            self.text_fence(phase, b)
            return
        if not self.in_rollback and b.cell.get("excludefromrunall") == "true" and any(
                c.kind != "manual" for c in block.commands):
            # a notebook cell left out of the full run (Runme `excludeFromRunAll`): run by name when a person wants
            # it, never by the run itself
            self.conversions.append(f"line {b.line}: the cell is excluded from the notebook's full run"
                                    " (excludeFromRunAll): a person's step shows it, the run never runs it")
            text = "Only if wanted (the notebook leaves this cell out of its full run):\n" + b.text.strip("\n")
            block = CommandBlock([Command("manual", {"instruction": block_text(text)}, b.line + 1, None)])
        b.placed = True
        lead = self.lead_of(b)
        host = _ON_HOST.match(_clean(lead.text)) if lead is not None and block.commands else None
        if lead is not None and host is not None and any(c.kind not in ("manual", "sql") for c in block.commands):
            # "On db1:", "On the database server run:": golive runs its steps where it runs; say so, loudly
            self.conversions.append(f"line {b.line}: the document runs this block on {host.group(1)} ('"
                                    f"{_clean(lead.text)}'): golive runs it on the machine the run is on; make it"
                                    " an ssh step, or run the plan there")
        for cmd in block.commands:
            step = self.command_step(cmd, name if len(block.commands) == 1 or (cmd.name is None and name) else None)
            phase["steps"].append(step)

    def fence_commands(self, b: Block) -> CommandBlock | None:
        """Steps of a block that runs, or None for text (another language, output, a diagram)."""
        if self.not_to_run(b):
            self.not_run.add(id(b))
            return None
        if b.line in self.person_fences:
            text = self.person_fences[b.line] + ":\n" + b.text.strip("\n")
            return CommandBlock([Command("manual", {"instruction": block_text(text)}, b.line + 1, None)])
        first = b.line + 1
        info = b.info
        lead = self.lead_of(b)
        if info in TEXT_LANGS and lead is not None and is_output_lead(_clean(lead.text)):
            self.inferred.append(f"line {b.line}: the sentence before the block ('{_clean(lead.text)}') says it is"
                                 " what a command prints: text, never a step")
            return None
        if info in PWSH_LANGS or (info in ("", "shell", "cmd") and is_powershell(strip_win_prompts(b.text)[0])):
            return self.pwsh_block(b, info or "untagged")
        if info in CMD_TAGS or (info in ("", "text", "plain", "plaintext", "txt", "none", "shell")
                                and is_windows_cmd(b.text)):
            # `%VAR%`, `goto :fail`, `if errorlevel 1`, `^` continuations: cmd.exe's, meaningless to bash and pwsh
            return self.typed_at(b, "cmd.exe (Windows)", f"{info or 'untagged'} block is written for cmd.exe"
                                 " (batch: `%VAR%`, `goto`, Windows paths)")
        if info in FOREIGN_TAGS:
            return self.typed_at(b, FOREIGN_TAGS[info], f"{info} block")
        if info in ("", "text", "plain", "plaintext", "txt", "none", "console", "terminal") or info in BASH_LANGS:
            # a router's `set`/`delete`/`commit` lines, or what the sentence says is typed at another prompt
            where = typed_elsewhere(_clean(lead.text) if lead is not None and info not in BASH_LANGS else "", b.text)
            if where is not None:
                return self.typed_at(b, where, f"{info or 'untagged'} block is typed at another prompt, not a shell")
        if info in SQL_LANGS and info not in TSQL_LANGS:
            why = sql_client_text(b.text)
            if why is not None or (is_mysql_sql(b.text) and not is_tsql(b.text)):
                return self.client_sql_block(b, why)
        if info in BASH_LANGS or info in ("", "text", "plain", "plaintext", "txt", "none"):
            typed = transcript(b.text, script=info in BASH_LANGS)
            if typed is not None:
                return self.transcript_block(b, typed)
        if info in ("", "text", "plain", "plaintext", "txt", "none"):
            if is_env_file(b.text):
                info = "env"
            elif looks_like_commands(b.text) and (is_fish(b.text) or indented_directives(b.text)):
                self.inferred.append(f"line {b.line}: untagged block is a config file or fish (indented directives,"
                                     " `set -gx`): text, never run by bash")
                return None
            elif looks_like_commands(b.text):
                info = "bash"
                self.inferred.append(f"line {b.line}: untagged block parses as bash and reads as commands ->"
                                     " shell")
            elif is_sql(b.text):
                info = "sql"
                self.inferred.append(f"line {b.line}: untagged block is SQL")
            else:
                return None
        if info in ENV_LANGS or (info in ("ini", "conf") and is_env_file(b.text)):
            self.env_file(b)
            return CommandBlock()
        if info in SQL_LANGS and info not in TSQL_LANGS and (self.oracle_only or sql_client_text(b.text)):
            # (an untagged block read as SQL too: a PL/SQL block ended by SQL*Plus's `/` is for that client)
            return self.client_sql_block(b, sql_client_text(b.text) or ORACLE_WHY)
        if info in TSQL_LANGS or (info in SQL_LANGS and (self.mssql_only or is_tsql(b.text))):
            return self.tsql_block(b)
        if info in SQL_LANGS and (other := self.other_sql(b.text)) is not None:
            return self.typed_at(b, other, "SQL for a database golive's sql step does not reach (its connection is"
                                 " PostgreSQL)")
        if info in SQL_LANGS:
            block = sql_statements(b.text, first)
        elif info in BASH_LANGS and _OTHER_SHEBANG.match(b.text.lstrip("\n")):
            return self.interpreter_block(b)
        elif info in BASH_LANGS:
            # a name an earlier block read, lifted or set is not lifted: a plan var is there from the start, and
            # an earlier block's `B=x`, carried into later steps, would stand over it
            block = shell_commands(b.text, first, lift_exports=not self.in_rollback,
                                   before=frozenset(self.refs | set(self.exported) | self.shell_set),
                                   secrets=self.secret_values)
            self.shell_set |= sets(b.text)
        else:
            return None
        if changes_as_user(block.commands):
            said = self.runs_as(b, b.text, _clean(lead.text) if lead is not None else "")
            if said is not None:
                # "as postgres:", an earlier `sudo su - wmsadm`: golive would run the lines as its own user
                user, why = said
                self.inferred.append(f"line {b.line}: the block {why}: a person's step that says who runs it")
                return CommandBlock([Command("manual", {"instruction": block_text(
                    f"As {user} ({why}), run:\n" + b.text.strip("\n"))}, first, None,
                    note="runs as another user")])
        self.words |= block.words
        self.refs |= block.refs
        self.notes.extend(block.notes)
        for line, var, value in block.exports:
            self.exported.setdefault(var, (value, line))
            self.conversions.append(f"line {line}: `export {var}=...` -> plan var {var} (every later step sees it)")
        for line, text in block.dropped:
            self.conversions.append(f"line {line}: `{text}` never ends on its own (watch / follow) -> a person's step"
                                    " to watch it, never a step the run waits on")
        self.placeholders |= set(block.placeholders)
        return block

    def lead_of(self, b: Block) -> Block | None:
        """The paragraph or list item just before the block (what introduces it), if any."""
        idx = next((i for i, x in enumerate(self.blocks) if x is b), 0)
        prev = self.blocks[idx - 1] if idx else None
        return prev if prev is not None and prev.kind in ("para", "item") else None

    def not_to_run(self, b: Block) -> bool:
        """The sentence that introduces the block says it is not to be run: "for reference; this is not a command",
        "Quote from the old runbook, for the record only:", "this is what it runs; do NOT run it:"; or that it is
        an example, for another environment ("In staging only:", "Do NOT run in prod:", "Nicht ausführen:"),
        there, in the heading right above it, or in the block's own first comment (`# example only`)."""
        idx = next((i for i, x in enumerate(self.blocks) if x is b), 0)
        prev = self.blocks[idx - 1] if idx else None
        said: str | None = None
        if prev is not None and prev.kind in ("para", "item"):
            m = _NOT_TO_RUN.search(_clean(prev.text))
            said = m.group(0) if m else not_here(_clean(prev.text))
        elif prev is not None and prev.kind == "heading":
            said = not_here(_clean(prev.text))
        comment = leading_comment(b.text, ("#", "--", "//", "REM ", "rem ", "::"))
        if said is None and comment:
            m = _NOT_TO_RUN.search(comment) or _COMMENT_NOT_TO_RUN.search(comment)
            said = m.group(0) if m else not_here(comment)
            if said is not None:
                self.inferred.append(f"line {b.line}: the block's own first comment says it is not to be run"
                                     f" ('{said}'): text, never a step")
                return True
        if said is None:
            return False
        self.inferred.append(f"line {b.line}: the sentence before the block says it is not to be run"
                             f" ('{said}'): text, never a step")
        return True

    def interpreter_block(self, b: Block) -> CommandBlock:
        """A block whose shebang names another interpreter (`#!/usr/bin/env python3` in a ```sh fence): one step
        that hands the whole script to that interpreter, as running the file would; never bash."""
        text = b.text.strip("\n")
        shebang, _nl, body = text.partition("\n")
        interp = shebang[2:].strip()
        end = "GOLIVE_SCRIPT"
        while end in body:
            end += "_"
        self.conversions.append(f"line {b.line}: the block's shebang `{shebang}` names another interpreter: one step"
                                f" hands the script to `{interp}`, never bash")
        return CommandBlock([Command("shell", {"command": f"{interp} - <<'{end}'\n{body}\n{end}"}, b.line + 1,
                                     None)])

    def client_sql_block(self, b: Block, why: str | None) -> CommandBlock:
        """SQL written for a client session (prompts, psql's `\\c`, MySQL's DELIMITER) or for MySQL: one manual
        step showing the whole block, never sql steps (golive's sql step speaks PostgreSQL and SQLite, without
        the client's commands, and cut at statements the block would lose what the session carries)."""
        where = why or "it is MySQL/MariaDB SQL (`INTERVAL 30 DAY`, backquoted names, `SHOW ...`)"
        self.conversions.append(f"line {b.line}: SQL block for a client session ({where}): a person runs it, whole,"
                                " in that client (a manual step shows it)")
        client = "the mysql client" if "MySQL" in where or "mysql>" in b.text else \
            "SQL*Plus (Oracle)" if "SQL*Plus" in where else "the SQL client (psql, mysql)"
        text = f"Run in {client}, as one session, and check the result:\n" + b.text.strip("\n")
        return CommandBlock([Command("manual", {"instruction": text}, b.line + 1, None)])

    def transcript_block(self, b: Block, typed: list[str]) -> CommandBlock:
        """A console transcript (`$ cmd` lines with their output, or lines typed into a client: `mysql>`, `>>>`):
        a person runs the commands and compares; the output lines are never commands."""
        self.inferred.append(f"line {b.line}: console transcript (prompted commands with their output): a person"
                             " runs it and compares, it is not a script")
        if any("\n" in c and not re.search(r"\\\n", c) for c in typed):
            # a heredoc's body or a REPL's block goes with its command, line for line
            text = f"Run, and compare the output with the document (line {b.line}):\n" + "\n".join(typed)
            return CommandBlock([Command("manual", {"instruction": text}, b.line + 1, None)])
        cmds = "; ".join(f"`{' '.join(c.split())}`" for c in typed)
        return CommandBlock([Command("manual", {"instruction": f"Run {cmds} and compare the output with the"
                                                               f" document (line {b.line})"}, b.line + 1, None)])

    def tsql_block(self, b: Block) -> CommandBlock:
        """SQL Server's T-SQL: one manual step showing the whole block, never `sql` steps. golive's sql step speaks
        PostgreSQL and SQLite, and cut at statements the block would lose what crosses them (`USE master` holds
        for the rest of the session, `GO` ends a batch)."""
        self.conversions.append(f"line {b.line}: T-SQL (SQL Server) block: golive's sql step runs on PostgreSQL or"
                                " SQLite, so a person runs it, whole, in one session (a manual step shows it)")
        text = "Run on SQL Server (SSMS or sqlcmd), as one script, and check the result:\n" + b.text.strip("\n")
        return CommandBlock([Command("manual", {"instruction": block_text(text)}, b.line + 1, None)])

    def pwsh_block(self, b: Block, lang: str) -> CommandBlock:
        """A PowerShell script: one step that PowerShell runs, whole (its `$vars` cross its lines), never bash.
        Its prompts (`PS C:\\>`) are no part of it; with output lines under them it is a transcript."""
        text, typed = strip_win_prompts(b.text.strip("\n"))
        if re.search(r"(?im)^\s*Enter-PSSession\b", text):
            # the lines after it are typed in the remote session; in a script they run here, on this machine
            self.conversions.append(f"line {b.line}: the PowerShell block opens a remote session (Enter-PSSession):"
                                    " a person runs it there (a manual step shows it)")
            return CommandBlock([Command("manual", {"instruction": "By hand, in the remote PowerShell session:\n"
                                                                   + text}, b.line + 1, None)])
        if typed:
            self.inferred.append(f"line {b.line}: PowerShell transcript (prompted commands with their output): a"
                                 " person runs it and compares")
            return CommandBlock([Command("manual", {"instruction": "Run in PowerShell and compare the output with the"
                                                               " document:\n" + text}, b.line + 1, None)])
        body = [ln for ln in text.split("\n") if ln.strip()]
        first = body[0].strip() if body else ""
        name = first.lstrip("#").strip() if first.startswith("#") and not first.startswith("#!") else None
        if lang == "untagged":
            self.inferred.append(f"line {b.line}: untagged block is PowerShell (cmdlets, $variables) -> a step run by"
                                 " pwsh, not bash")
        self.conversions.append(f"line {b.line}: {lang} block -> one shell step run by PowerShell (`shell: pwsh`),"
                                " as one script")
        return CommandBlock([Command("shell", {"command": text, "shell": "pwsh"}, b.line + 1, name)])

    def text_fence(self, phase: dict[str, Any], b: Block) -> None:
        """A block that does not run: a person's step when the paragraph before it asks for something."""
        idx = self.blocks.index(b)
        prev = self.blocks[idx - 1] if idx else None
        lang = b.info or "untagged"
        said_not = id(b) in self.not_run or self.not_to_run(b)  # (a transcript section's fence is read here first)
        console = read_console(b.text) if not said_not else None
        if console is not None and (lang in _CONSOLE_TAGS or console.elsewhere):
            # a transcript that does not run (a console fence): its typed commands are a person's step, whether
            # output is shown or not; the output lines never are commands
            for cmd in self.transcript_block(b, [t.shown for t in console.typed]).commands:
                phase["steps"].append(self.command_step(cmd, None))
            b.placed = True
            return
        if (lang in _MONGO_LANGS and _MONGO_SHELL.search(b.text)) or lang in ("mongo", "mongosh"):
            # `rs.stepDown(120)`, `db.orders.countDocuments(...)`: the database shell's script, typed into a session
            # by a person. Dropped, the plan stopped the primary without the step-down the document requires first.
            text = "Run in mongosh (one session), as written:\n" + b.text.strip("\n")
            phase["steps"].append(self.step("manual", {"instruction": block_text(text)}, b.line + 1, None))
            b.placed = True
            self.inferred.append(f"line {b.line}: {lang} block for the MongoDB shell: a person runs it in mongosh"
                                 " (a manual step shows it), never dropped, never run by bash")
            return
        if prev is not None and prev.kind in ("para", "item") and prev.text.strip().endswith(":"):
            ask = _clean(prev.text).rstrip(":").strip()
            if ask in phase["description"]:
                phase["description"].remove(ask)
            if ask + ":" in phase["description"]:
                phase["description"].remove(ask + ":")
            if re.match(r"(?i)(?:\d+(?:\.\d+)*[.)]?\s+)?(update|edit|set|change|put|add|apply|create|write|copy|"
                        r"configure|replace|run)\b", ask):  # "3. Replace the settings in mysqld.cnf:" too
                phase["steps"].append(self.step("manual", {"instruction": f"{ask} (the {lang} block at line"
                                                           f" {b.line} of the document)"}, b.line, None))
                prev.placed = b.placed = True
                self.inferred.append(f"line {b.line}: {lang} block is text, not a command: a manual step asks"
                                     f" for it ('{ask}')")
                return
        b.placed = True
        self.unplaced_text(b, lang)

    def unplaced_text(self, b: Block, lang: str) -> None:
        from golive.plan.importer.text import Unplaced

        self.unplaced.append(Unplaced(b.line, f"{lang} block ({len(b.text.splitlines())} lines)",
                                      "text, not commands: never run; kept out of the plan"))

    def command_step(self, cmd: Command, fallback_name: str | None) -> CommentedMap:
        name = cmd.name or fallback_name
        if cmd.note:
            self.inferred.append(f"line {cmd.line}: {cmd.note} -> {cmd.kind} step")
        if cmd.kind in ("backup", "restore", "migrate"):
            self.conversions.append(f"line {cmd.line}: {cmd.note}")
        if cmd.kind == "sql":
            return self.sql_step(cmd.spec["query"], cmd.line, name)
        spec = cmd.spec
        if cmd.kind == "shell" and spec.get("shell"):
            # another interpreter's script (PowerShell): run by it, with no `set -o` options (bash's)
            spec = CommentedMap({"command": block_text(spec["command"]), "shell": spec["shell"], "options": []})
        elif cmd.kind == "shell":
            command = spec["command"]
            text = block_text(command)
            # a script runs as bash runs it (no -e added): the document's meaning, exactly
            spec = CommentedMap({"command": text, "options": []}) if needs_shell(command) else text
        else:
            self.needed |= {m.group(1) for m in _REF.finditer(str(spec))} - {"GOLIVE_MIGRATE_TARGET"}
            if cmd.kind == "manual" and "\n" in str(spec.get("instruction", "")):
                spec = {**spec, "instruction": block_text(spec["instruction"])}
        step = self.step(cmd.kind, spec, cmd.line, name)
        if cmd.kind == "restore" and cmd.source is not None:
            self.restores_from[id(step)] = (cmd, name)
        return step

    def sql_step(self, query: str, line: int, name: str | None) -> CommentedMap:
        if self.mssql_only or is_tsql(query):
            self.conversions.append(f"line {line}: T-SQL (SQL Server): golive's sql step runs on PostgreSQL or"
                                    " SQLite, so a person runs it (a manual step shows the query)")
            return self.step("manual", {"instruction": block_text("Run on SQL Server and check the result:\n"
                                                                   + query.strip())}, line, name)
        if self.oracle_only:
            self.conversions.append(f"line {line}: SQL of an Oracle database: golive's sql step runs on PostgreSQL or"
                                    " SQLite, so a person runs it in SQL*Plus (a manual step shows the query)")
            return self.step("manual", {"instruction": block_text("Run in SQL*Plus (Oracle) and check the result:\n"
                                                                   + query.strip())}, line, name)
        if self.mysql_only:
            self.conversions.append(f"line {line}: SQL of a MySQL/MariaDB database: golive's sql step runs on"
                                    " PostgreSQL or SQLite, so a person runs it (a manual step shows the query)")
            return self.step("manual", {"instruction": block_text("Run on the MySQL database and check the result:\n"
                                                                   + query.strip())}, line, name)
        other = self.other_sql(query)
        if other is not None:
            self.conversions.append(f"line {line}: SQL for {other}: golive's sql step runs on PostgreSQL or SQLite,"
                                    " so a person runs it there (a manual step shows the query)")
            return self.step("manual", {"instruction": block_text(f"In {other}, run and check the result:\n"
                                                                   + query.strip())}, line, name)
        from golive.plan.importer.db_target import document_database_var

        if self.db_var is None:
            self.db_var = document_database_var(self.blocks) or ""
        db = self.db_var or "DATABASE_URL"
        self.uses_database_url = self.uses_database_url or db == "DATABASE_URL"
        if outside_transaction(query):
            self.conversions.append(f"line {line}: `{query.split()[0]} ... CONCURRENTLY`-style statement cannot run"
                                    " in a transaction (the sql step's): it runs through psql, as written")
            command = block_text(psql_command(query, db))
            return self.step("shell", CommentedMap({"command": command, "options": []}), line, name)
        text: Any = block_text(query)
        return self.step("sql", {"database": "${" + db + "}", "query": text}, line, name)
