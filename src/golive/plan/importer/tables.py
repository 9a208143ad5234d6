"""Tables: steps with a command column, Go/No-Go decision tables, people tables, key/value fact tables."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _GATE, _PLACEHOLDER, _clean
from golive.plan.md_blocks import Block
from golive.plan.md_commands import shell_commands
from golive.plan.md_meaning import CONDITION, not_here

#: A steps table's column holding each row's way back: "Rollback", "Undo", "Revert", "Back-out".
_BACK_COL = re.compile(r"(?i)^(?:roll\s*-?\s*back|undo|revert|back\s*-?\s*out)(?:\s+(?:command|step|cmd))?s?$")
_ROLE_COL = re.compile(r"^(?:(?:incident|call|team|project|change|release|on-?call|window)\s+)?"
                       r"(role|position|function|responsibility|title|area|duty|capacity|role name|"
                       # German, Spanish, Portuguese, French
                       # a ticketing system's approvals ("| Approver | Group | State |"): the group is the role
                       r"group|assignment group|approval group|gruppe|groupe|grupo|gruppo|"
                       r"rolle|funktion|aufgabe|rol|papel|función|funcion|função|funcao|rôle|fonction|"
                       # Italian
                       r"ruolo|funzione|incarico|mansione|"
                       # Polish, Russian, Dutch
                       r"rola|funkcja|zadanie|роль|функция|должность|обязанности|functie|taak|"
                       # Chinese, Japanese, Korean: "角色", "职责", "役割", "역할"
                       r"角色|职责|職責|职位|職位|岗位|役割|担当|역할|직책)$", re.I)
_ACTION_COL = re.compile(r"^(actions?|steps?|tasks?|what|how|activity|instructions?|procedure|to do|what to do|"
                         r"tests?|test cases?|test steps?|checks?|verification|verify)$", re.I)
#: Preferred over a "Step" column, which often only numbers the rows.
_STRONG_ACTION = re.compile(r"^(actions?|tasks?|how|activity|instructions?|procedure|to do|what to do)$", re.I)
#: A checklist database's tick column (a Notion or Airtable export: `Done: Yes/No`), and the values that tick it.
_DONE_COL = re.compile(r"^(done|completed?|erledigt|hecho|fait|feito|fatto|ticked|✓|✔|☑)$", re.I)
_DONE_YES = re.compile(r"(?i)^\W*(yes|y|true|done|x|\[x\]|✓|✔|☑|✅|ja|sí|si|oui|sim|erledigt|hecho|fait|feito|"
                       r"fatto)\W*$")
_PHASE_COL = re.compile(r"^(phase|stage|part|block|schritt|fase|etapa|étape)$", re.I)
_LABEL_COL = re.compile(r"^(checks?|names?|items?|steps?|what)$", re.I)
_EXPECT_COL = re.compile(r"^(expected|expect|expected result|expected outcome|result|outcome|pass if|success)$",
                         re.I)
#: A column naming who stands in for the row's person ("| Role | Who | Backup |"): a second holder of that role.
_BACKUP_COL = re.compile(r"^(backup|deputy|alternate|stand-?in|substitute|secondary|second|vertretung|stellvertret\w*|"
                         r"suplente|substituto|rempla(ç|c)ant|sostituto)$", re.I)
#: A column giving each role's short name (| Short | Role | Name |): rows elsewhere say "RM" for the role.
_SHORT_COL = re.compile(r"^(short|short name|abbr\.?|abbreviation|alias|code|key|k(ü|ue)rzel|sigla|abrev\.?)$", re.I)
_NAME_COL = re.compile(r"^(name|person|who|owner|assignee|people|contact name|approver|engineer|signed by|"
                       r"signatory|approved by|full name|assigned to|holder|member|"
                       r"nombre|nome|nom|personne|persona|pessoa|ansprechpartner(in)?|wer|"
                       r"nominativo|referente|chi|"
                       # Polish, Russian, Dutch: "Osoba", "Imię i nazwisko", "ФИО", "Сотрудник", "Naam"
                       r"osoba|imi(?:ę|e) i nazwisko|nazwisko|kto|фио|ф\.\s?и\.\s?о\.|имя|сотрудник|ответственный|кто|"
                       r"naam|wie|"
                       # Chinese, Japanese, Korean: "姓名", "人员", "氏名", "이름"
                       r"姓名|名字|人员|人員|负责人|負責人|氏名|名前|担当者|이름|성명|담당자)$", re.I)


#: A table row about the query the document shows next: "Run the query below", "the following SQL".
#: A table row whose command is the block after the table: "(command below)", "(see the script below)",
#: "(Befehl unten)", "(commande ci-dessous)", "(comando abajo)".
_COMMAND_BELOW = re.compile(r"(?i)\b(?:(?:the\s+|see\s+(?:the\s+)?)?(?:command|commands|script|block|snippet)\s+"
                            r"(?:below|underneath|that\s+follows|follows)|befehl\s+unten|"
                            r"commande\s+ci-dessous|comando\s+(?:abajo|a\s+continuaci[óo]n))\b")
_QUERY_BELOW = re.compile(r"(?i)\b(?:query|sql|statement|select)\s+(?:below|underneath|that\s+follows)\b|"
                          r"\bfollowing\s+(?:query|sql|statement)\b")


def column(header: list[str], rx: re.Pattern[str]) -> int | None:
    return next((i for i, h in enumerate(header) if rx.search(_clean(h).lower().strip())), None)


#: What a Command cell holds when the row has none: a dash, "n/a", "none" (never a program to run).
_NO_COMMAND = re.compile(r"(?i)[-–—−….\s]+|n/?a|none|\(none\)|nothing|manual")
#: An Expected cell that expects nothing: "–", "n/a" (never shown as "(expected: –)").
_NO_EXPECT = re.compile(r"(?i)[-–—−….\s]+|n/?a|none|\(none\)")

#: The column of a steps table that says how long each row takes ("| Step | Command | Duration |").
_DURATION_COL = re.compile(r"^(duration|est\.?|estimate|estimated time|time needed|takes|minutes|mins|dauer|"
                           r"duraci[oó]n|dura[cç][aã]o|dur[ée]e|temps)$", re.I)
#: A cell that is only a duration: "5 min", "10m", "~15 minutes", "1 h", "90 s".
_DURATION_CELL = re.compile(r"^\s*~?(\d+(?:[.,]\d+)?)\s*(minutes?|minuten|minutos?|mins?|m|hours?|hrs?|h|std\.?|"
                            r"stunden?|horas?|heures?|seconds?|secs?|s)\s*$", re.I)


#: A RACI cell: Responsible, Accountable, Consulted, Informed, or a mix ("R/A", "A, R", "RA"); empty or a dash.
_RACI_CELL = re.compile(r"(?i)[RACIS](?:\s*[/,+&]?\s*[RACIS]){0,3}|[-–—]|")


def _raci(cells: list[str]) -> bool:
    """Cells that are RACI letters: all of them letters or blank, and an R or an A among them."""
    return bool(cells) and all(_RACI_CELL.fullmatch(c.strip()) for c in cells) and any(
        re.search(r"(?i)\b[RA]\b|^[RACIS]+$", c) and re.search(r"(?i)[RA]", c) for c in cells)


class TablesMixin(ImportState):
    def table_timebox(self, phase: dict[str, Any], b: Block) -> None:
        """A steps table whose every row says how long it takes ("| 3 | Migrate | `…` | 10 min |") gives its
        phase the sum as timebox, when the heading gave none; one row without a duration, and it gives none."""
        if phase["timebox"] is not None or len(b.rows) < 2:
            return
        col = column(b.rows[0], _DURATION_COL)
        if col is None:
            return
        total = 0.0
        for row in b.rows[1:]:
            m = _DURATION_CELL.match(_clean(row[col])) if col < len(row) else None
            if m is None:
                return
            from golive.plan.importer.timebox import heading_minutes

            total += heading_minutes(m.group(1), m.group(2))
        if total > 0:
            phase["timebox"] = total
            self.inferred.append(f"line {b.line}: timebox of '{phase['name']}' is the sum of the table's"
                                 f" {len(b.rows) - 1} durations")

    def phase_table(self, phase: dict[str, Any], b: Block) -> None:
        header, rows = (b.rows[0], b.rows[1:]) if b.rows else ([], [])
        cmd = column(header, re.compile(r"^(command|cmd|run|script|shell)s?$", re.I))
        what = column(header, re.compile(r"^(action|step|task|what|description|name)$", re.I))
        decision = column(header, re.compile(r"^(decision|gate|checkpoint)$", re.I))
        owner = column(header, re.compile(r"^(owner|who|decider|decision maker|approver|role|by)$", re.I))
        crit = column(header, re.compile(r"^(criteria|criterion|condition|when|go if)$", re.I))
        if self.traffic_table(phase, b):
            return
        self.table_timebox(phase, b)
        group = column(header, _PHASE_COL)
        if group is not None and (cmd is not None or column(header, _ACTION_COL) is not None) and len(
                {_clean(r[group]) for r in rows if group < len(r) and _clean(r[group])}) >= 2:
            self.grouped_table(b, group)
            return
        back = column(header, _BACK_COL)
        if cmd is not None:
            from golive.plan.importer.items import stated_result

            expected = column(header, _EXPECT_COL)
            gate_row: tuple[int, str, int] | None = None
            strong = column(header, _STRONG_ACTION)
            what = strong if strong is not None else what
            for n, row in enumerate(rows):
                text = re.sub(r"(?i)\s*<br\s*/?>\s*", "\n", row[cmd]).strip() if cmd < len(row) else ""
                text = "" if _NO_COMMAND.fullmatch(text) else text  # "–", "n/a": the row has no command
                line = b.row_lines[n + 1] if n + 1 < len(b.row_lines) else b.line + 2 + n
                name = _clean(row[what]) if what is not None and what < len(row) else None
                name = None if name is not None and re.fullmatch(r"[\d.#\s]*", name) else name
                want = _clean(row[expected]) if expected is not None and expected < len(row) else ""
                want = "" if _NO_EXPECT.fullmatch(want) else want  # "–": nothing is expected
                if not text and name and _GATE.search(name) and not phase["gate"]:
                    # | 12 | **GO / NO-GO** | – | RM | rows 6–11 as expected |: the phase's decision, by the row's owner
                    phase["gate"] = (want or "Go/No-Go", line)
                    who = _clean(row[owner]) if owner is not None and owner < len(row) else ""
                    if who and not _NO_COMMAND.fullmatch(who):
                        phase["gate_by"] = who
                    gate_row = (len(phase["steps"]), f"{name}: {want}" if want else name, line)
                    continue
                others = " ".join(_clean(c) for i, c in enumerate(row) if i not in (cmd, back))
                if text and not_here(others):
                    # | 2 | `./purge-cdn.sh --all` | staging only |: the row is not for this run
                    from golive.plan.importer.text import Unplaced

                    self.unplaced.append(Unplaced(line, f"command `{text[:60]}`", f"its row says '{not_here(others)}':"
                                                  " not run here"))
                    continue
                cond = next((_clean(c) for i, c in enumerate(row)
                             if i not in (cmd, back) and CONDITION.match(_clean(c))), None)
                if text and cond is not None and not self.in_rollback:
                    phase["steps"].append(self.step("manual", {"instruction": f"{cond} (a person decides): {text}"},
                                                    line, name))
                    continue
                if not text:
                    if name:  # a row with no command: what a person does at that point
                        phase["steps"].append(self.step("manual", {"instruction": name + (
                            f" (expected: {want})" if want else "")}, line, None))
                    continue
                status, body = stated_result(want, bare=True) if want else (None, None)
                check = self.expect_step(text, status, body, line, name) \
                    if status is not None or body is not None else None
                if check is not None:
                    phase["steps"].append(check)
                    continue
                block = shell_commands(text, line, lift_exports=not self.in_rollback, secrets=self.secret_values)
                self.refs |= block.refs
                made = [self.command_step(c, name) for c in block.commands]
                phase["steps"] += made
                if back is not None and back < len(row):
                    self.row_undo(made, b.cells[n + 1][back] if n + 1 < len(b.cells) and back < len(b.cells[n + 1])
                                  else row[back], line)
            if gate_row is not None and len(phase["steps"]) > gate_row[0]:
                # rows after it run more steps: a gate would judge the phase after them; the decision stays where
                # the table puts it, a step its decider confirms (as a Go/No-Go paragraph: PhasesMixin)
                at, text, line = gate_row
                role = self.gate_role({"gate": (text, line), "gate_by": phase.pop("gate_by", None)})
                spec: dict[str, Any] = {"instruction": text}
                if role is not None:
                    spec["role"] = role
                phase["steps"].insert(at, self.step("manual", spec, line, None))
                phase["gate"] = None
            b.placed = True
            self.inferred.append(f"line {b.line}: table with a command column -> one step per row")
            return
        if decision is not None:
            for n, row in enumerate(rows):
                if decision < len(row) and _GATE.search(row[decision]):
                    desc = _clean(row[crit]) if crit is not None and crit < len(row) else "Go/No-Go"
                    phase["gate"] = (desc, b.line + 2 + n)
                    if owner is not None and owner < len(row) and row[owner].strip():
                        phase["gate_by"] = _clean(row[owner])
                    b.placed = True
            return
        act = column(header, _ACTION_COL)
        act = column(header, _STRONG_ACTION) if column(header, _STRONG_ACTION) is not None else act
        if act is not None and rows:
            self.action_rows(phase, b, act)

    def grouped_table(self, b: Block, group: int) -> None:
        """| Phase | Step | Command | Expected |: the whole procedure in one table; each value of the Phase column
        is a phase of its own, with its rows as steps (in the order the table gives them)."""
        order: list[str] = []
        members: dict[str, list[int]] = {}
        last = ""
        for n, row in enumerate(b.rows[1:], 1):
            key = _clean(row[group]) if group < len(row) else ""
            key = key or last  # a blank cell continues the phase above it
            last = key
            if key not in members:
                order.append(key)
                members[key] = []
            members[key].append(n)
        for key in order:
            rows = members[key]
            sub = Block("table", b.text, b.raw, b.row_lines[rows[0]] if rows[0] < len(b.row_lines) else b.line,
                        rows=[b.rows[0]] + [b.rows[n] for n in rows],
                        cells=[b.cells[0]] + [b.cells[n] for n in rows] if len(b.cells) == len(b.rows) else [],
                        row_lines=[b.line] + [b.row_lines[n] for n in rows] if len(b.row_lines) == len(b.rows)
                        else [])
            name, timebox = self.heading_timebox(key)
            phase = self.new_phase(name if not re.fullmatch(r"[\d.]+", name) else f"Phase {name}", sub.line)
            phase["deployment"], phase["timebox"] = True, timebox
            self.phase_table(phase, sub)
        b.placed = True
        self.inferred.append(f"line {b.line}: a table with a phase column -> {len(order)} phases, a step per row")

    def row_undo(self, made: list[Any], cell: str, line: int) -> None:
        """The row's Rollback / Undo cell: the undo of the step the row made (`| ./migrate.sh | ./migrate.sh --down
        |`), run when the way back passes it. A cell that is no single command, or a row that made more than one
        step, is listed for a person, never dropped."""
        from golive.plan.importer.text import Unplaced

        said = _clean(cell)
        if not said or _NO_COMMAND.fullmatch(said):
            return
        spans = re.findall(r"`([^`]+)`", cell)
        step = made[0] if len(made) == 1 else None
        if step is not None and "shell" in step and "undo" not in step and len(spans) == 1 \
                and cell.strip().strip("`") == spans[0]:
            step["undo"] = CommentedMap({"shell": spans[0].strip()})
            self.conversions.append(f"line {line}: the row's rollback cell `{spans[0][:60]}` is the undo of its step")
            return
        self.unplaced.append(Unplaced(line, f"rollback cell '{said[:60]}'", "the way back of this row: not a"
                                      " single command for its one step; a person reads it"))

    def action_rows(self, phase: dict[str, Any], b: Block, act: int) -> None:
        """| # | Action | Owner | or | Check | How | Expected |: a procedure written as a table, a step per row.
        A row whose action is plainly a command (`Take a dump: <code>pg_dump ...</code>`) runs it; a curl with
        its expected result checks it; any other row is a person's step, with the row's words."""
        from golive.plan.importer.items import code_command, sql_expectation, stated_result

        header = b.rows[0]
        label = column(header, _LABEL_COL)
        label = None if label == act else label
        expected = column(header, _EXPECT_COL)
        done_col = column(header, _DONE_COL)
        for n, row in enumerate(b.rows[1:], 1):
            raw = b.cells[n][act] if n < len(b.cells) and act < len(b.cells[n]) else (row[act] if act < len(row)
                                                                                      else "")
            line = b.row_lines[n] if n < len(b.row_lines) else b.line + 1 + n
            name = _clean(row[label]) if label is not None and label < len(row) else None
            name = None if name is not None and re.fullmatch(r"[\d.#\s]*", name) else name  # "2.1" numbers rows
            want = _clean(row[expected]) if expected is not None and expected < len(row) else ""
            want = "" if _NO_EXPECT.fullmatch(want) else want  # "–", "n/a": nothing is expected
            found = code_command(raw)
            if found is not None:
                prose, cmd, after = found
                # the cell as written (code keeps its backticks: `{"status": "ok"}` is the body, whole)
                cell = b.cells[n][expected] if expected is not None and n < len(b.cells) \
                    and expected < len(b.cells[n]) else want
                status, body = stated_result(cell, bare=True) if want else stated_result(after)
                step = self.expect_step(cmd, status, body, line, name or prose or None) \
                    if status is not None or body is not None else None
                if step is None:
                    block = shell_commands(cmd, line, lift_exports=not self.in_rollback, secrets=self.secret_values)
                    self.refs |= block.refs
                    steps = [self.command_step(c, name or prose or None) for c in block.commands]
                else:
                    steps = [step]
                if steps:
                    phase["steps"] += steps
                    continue
            words = [_clean(c) for i, c in enumerate(row) if i in (label, act) and _clean(c)
                     and not re.fullmatch(r"[\d.#\s]*", _clean(c))]
            text = ": ".join(words) + (f" (expected: {want})" if want else "")
            check = sql_expectation(f"expected: {want}", "after") if want and _QUERY_BELOW.search(text) else None
            if text and check is not None and "query_below" not in phase:
                # "| T3 | Run the query below on db-1 | 0 |": the SQL block after the table is that check; the row
                # waits for it (PhasesMixin.fill), and stays a person's step if no query comes
                phase["query_below"] = (check, self.step("manual", {"instruction": text}, line, None),
                                        len(phase["steps"]), line)
            elif text:
                spec: dict[str, Any] = {"instruction": text}
                if done_col is not None and done_col < len(row) and _DONE_YES.match(row[done_col]):
                    # `| Freeze merges | Ana | Yes |` in a Done column: ticked when the document was written, as a
                    # `- [x]` item is; the run does not wait for it again
                    spec["done"] = True
                    spec["ticked_at"] = f"{self.src_name}:{line}"
                phase["steps"].append(self.step("manual", spec, line, None))
                if _COMMAND_BELOW.search(text) and not spec.get("done"):
                    # "| 2.1 | Apply the patch (command below) |": the block after the table is this row's command,
                    # run in the row's place (before 2.2 and 2.3), never after the table's last row
                    phase.setdefault("command_below", []).append((phase["steps"][-1], line, words[-1] if words
                                                                  else text))
        b.placed = True
        self.inferred.append(f"line {b.line}: table of actions -> one step per row")

    def people_table(self, b: Block) -> bool:
        """| Role | Name | ... | (or Name first): each row a role and the person holding it."""
        if not b.rows or len(b.rows) < 2:
            return False
        if self.raci_table(b):
            return True
        from golive.plan.importer.roles import strict_person

        header = b.rows[0]
        role, name = column(header, _ROLE_COL), column(header, _NAME_COL)
        free = False
        if role is None and name is not None and len(header) >= 2:
            # | Who | What |: the column whose cells name roles ("release manager, calls Go/No-Go") is the role
            from golive.plan.importer.roles import ROLE_WORDS

            rows = b.rows[1:]
            role = next((i for i in range(len(header)) if i != name and sum(
                1 for r in rows if i < len(r) and ROLE_WORDS.search(_clean(r[i]).split(",")[0])) * 2 > len(rows)),
                None)
            free = True
        if role is None or name is None:
            return False
        short = column(header, _SHORT_COL)
        for row in b.rows[1:]:
            if max(role, name) >= len(row):
                continue
            r = _clean(row[role])
            if free:  # "release manager, calls Go/No-Go": the role, then a remark on it
                head, _, rest = r.partition(",")
                if len(head.split()) > 5:
                    continue  # "pages the on-call lead when the queue backs up": a sentence, not a role
                r = f"{head.strip()} ({rest.strip()})" if rest.strip() else head.strip()
            note = re.search(r"\s*\(([^)]*)\)\s*$", r)
            if note and re.sub(r"\s*\([^)]*\)\s*$", "", r):
                # "Release manager (calls Go/No-Go)": the role, and a remark on it (here: who decides the gates)
                r = r[: note.start()].strip()
                if re.fullmatch(r"[A-Z]{2,6}", note.group(1).strip()):
                    self.role_aliases.setdefault(note.group(1).strip().lower(), r)  # "(GCA)": its short name
                if _GATE.search(note.group(1)) and self.decider is None:
                    self.decider = r
                if re.fullmatch(r"[A-Z][A-Z0-9&/-]{1,9}", note.group(1).strip()):
                    self.role_aliases[note.group(1).strip().lower()] = r  # "Government Change Approver (GCA)"
            said = [_clean(c) for i, c in enumerate(row) if i not in (role, name)]
            if self.decider is None and any(_GATE.search(c) for c in said):
                self.decider = r  # | Government Change Approver | Ms. Holloway | Authorizes go/no-go; ... |
            if not r or len(r) > 60:
                continue
            abbr = _clean(row[short]) if short is not None and short < len(row) else ""
            if abbr and len(abbr) <= 12 and abbr.lower() != r.lower():
                self.role_aliases[abbr.lower()] = r  # | RM | Release manager |: "RM" names that role elsewhere
            person = _clean(row[name])
            r = next((k for k in self.approvers if k.lower() == r.lower()), r)  # the role as first written
            self.approvers.setdefault(r, [])
            if person and not _PLACEHOLDER.match(person) and not re.fullmatch(r"_+|\[.*\]", person):
                who = self.person(person)
                for i, cell in enumerate(row):
                    handle = _clean(cell)
                    if i != name and re.fullmatch(r"@[\w.-]+", handle):
                        self.aliases.setdefault(handle[1:], who)  # | Mariana Souza | @mari.souza |
                if who not in self.approvers[r]:
                    self.approvers[r].append(who)
            backup = column(header, _BACKUP_COL)
            deputy = _clean(row[backup]) if backup is not None and backup < len(row) else ""
            if deputy and person and strict_person(re.sub(r"\s*\([^)]*\)\s*$", "", deputy)):
                self.add_person(r, self.person(deputy), b.line, "backup")  # stands in for the role's person
        b.placed = True
        self.inferred.append(f"line {b.line}: people table -> approvers roles ({len(b.rows) - 1} rows)")
        return True

    def raci_table(self, b: Block) -> bool:
        """A RACI matrix: tasks against people, each cell R, A, C or I ("R/A", "A/R", "-"). The people stand in the
        header ("| Activity | Priya Nair (Incident Commander) | Tom Becker (SRE) |") or in the first column; each
        written with a role ("Name (Role)", "Role (Name)", "Role: Name", "Name, Role") holds that role; a role alone
        ("| DBA |") is a role nobody is named for yet. Whoever is Accountable for a Go/No-Go row decides the gates."""
        rows = [[_clean(c) for c in r] for r in b.rows]
        if len(rows) < 2 or len(rows[0]) < 3:
            return False
        header, body = rows[0], rows[1:]
        from golive.plan.importer.roles import ROLE_WORDS, strict_person

        def named(cell: str) -> bool:  # "Priya Nair (Incident Commander)", "DBA", "Release manager: Ana Lima"
            if _GATE.search(cell):
                return False  # a "Go/No-Go" column or row is a task, whoever decides it
            return strict_person(re.split(r"\s*[(:,]", cell)[0]) or bool(ROLE_WORDS.search(cell)) \
                or bool(re.fullmatch(r"[A-Z]{2,5}", cell))

        cells = [c for r in body for c in r[1:]]
        if not _raci(cells):
            return False
        in_header = sum(1 for c in header[1:] if named(c))
        in_column = sum(1 for r in body if r and named(r[0]))
        if in_header * 2 > len(header) - 1 and in_header / (len(header) - 1) >= in_column / len(body):
            people = [(i, header[i]) for i in range(1, len(header))]

            def letter(r: list[str], i: int) -> str:
                return r[i] if i < len(r) else ""
            tasks = [(r[0], {i: letter(r, i) for i, _p in people}) for r in body]
        elif in_column * 2 > len(body):
            people = [(n, r[0]) for n, r in enumerate(body)]
            tasks = [(header[i], {n: (r[i] if i < len(r) else "") for n, r in enumerate(body)})
                     for i in range(1, len(header))]
        else:
            return False
        roles: dict[int, str] = {}
        for key, cell in people:
            m = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", cell) or re.fullmatch(r"(.+?)\s*(?:[:,]|\s[—–-])\s*(.+)", cell)
            if m and strict_person(m.group(1)) and not strict_person(m.group(2)):
                role, who = m.group(2).strip(), self.person(m.group(1))
            elif m and strict_person(m.group(2)):
                role, who = m.group(1).strip(), self.person(m.group(2))
            elif cell and not strict_person(cell) and len(cell.split()) <= 4 and not _GATE.search(cell):
                role, who = cell, ""  # | Comms |, | DBA |: a column of the matrix is a role, nobody named yet
            else:
                continue
            roles[key] = role
            if who:
                self.add_person(role, who, b.line, cell)
            else:
                self.approvers.setdefault(role, [])
        if not roles:
            return False
        for task, letters in tasks:
            if _GATE.search(task) and self.decider is None:
                accountable = [roles[k] for k, v in letters.items() if k in roles and "A" in v.upper()]
                if len(accountable) == 1:
                    self.decider = accountable[0]  # | Go/No-Go to start | A | C |: that role decides
        b.placed = True
        self.inferred.append(f"line {b.line}: RACI matrix -> approvers roles ({len(roles)} people or roles)")
        return True

    def escalation_table(self, b: Block) -> bool:
        if not b.rows or len(b.rows) < 2 or "contacts" not in self.plan_fields():
            return False
        header = [_clean(h).lower() for h in b.rows[0]]
        order = next((i for i, h in enumerate(header) if h in ("order", "level", "#", "step", "tier", "priority",
                                                               "sequence", "rank", "escalation order")), None)
        who = next((i for i, h in enumerate(header) if h in ("who", "name", "contact", "role", "team", "escalate to",
                                                             "person", "owner")), None)
        if order is None or who is None:
            return False
        self.escalation_rows(b, header, order, who)
        return True

    def fact_rows(self, b: Block) -> dict[str, str]:
        """A two-column key/value table (| Date | 2026-03-14 |) as facts."""
        out: dict[str, str] = {}
        if not b.rows:
            return out
        rows = b.rows[1:] if len(b.rows[0]) == 2 else []
        for row in rows:
            if len(row) >= 2 and row[0].strip():
                out[_clean(row[0]).lower()] = _clean(row[1])
        return out
