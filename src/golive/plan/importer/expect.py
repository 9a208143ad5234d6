"""What a step must print or return, as the document states it next to the command: a printed query result after
an SQL block, an expected result in the prose before or after it ("Should return no rows."), a table row's
expectation for "the query below", "Expected: `SELECT ...` returns 0"; a curl's status or a command's output."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block

#: "Expected output:", "Output:", "You should see:", "Result should look like:": a printed result follows.
_OUTPUT_INTRO = re.compile(r"(?i)^\W*(?:expected(?:\s+(?:output|result))?|output|result|you should see|"
                           r"it (?:prints|shows)|(?:should|must)\s+(?:print|show|look like|return)|"
                           r"erwartet(?:e(?:s)? (?:ausgabe|ergebnis))?|"
                           r"ausgabe|salida(?: esperada)?|resultado(?: esperado)?|sa(?:í|i)da(?: esperada)?|"
                           r"sortie(?: attendue)?|r(?:é|e)sultat(?: attendu)?)\b[^:]{0,40}:\s*$")
where_words = {"parent": "in the item holding it", "lead": "before it", "after": "after it"}
#: A result to wait for, not to check once: "Repeat every 30 s until it prints 0", "poll until it says ready",
#: "Wiederholen, bis 0 kommt", "Repetir hasta que devuelva 0", "Répéter jusqu'à 0".
_UNTIL = re.compile(r"(?i)\b(?:repeat|re-?run|retry|poll|run it again|keep (?:checking|running|polling)|check again)"
                    r"\b.{0,80}\buntil\b|\buntil it (?:prints|shows|returns|says|reports)\b|"
                    r"\bwiederhol\w*\b.{0,60}\bbis\b|\brepet(?:ir|a)\b.{0,60}\bhasta\b|\br[ée]p[ée]t\w*\b.{0,60}\bjusqu")


#: A lead that waits for what the block checks: "Wait until both nodes report UP (about 2 minutes):", "Warten, bis
#: beide Knoten „UP" melden (ca. 2 Minuten):", "Esperar hasta que…", "Attendre que…", "Aguardar até que…",
#: "Follow the log until you see `started`, then:".
_WAIT_LEAD = re.compile(r"(?i)\b(?:wait(?:ing)?\s+(?:until|till|for)|warte\w*,?\s+bis|abwarten,?\s+bis|"
                        r"esper(?:ar|e|a)\s+(?:hasta\s+que|a\s+que)|attend(?:re|ez)\s+(?:que|jusqu)|"
                        r"aguard(?:ar|e)\s+(?:at[ée]\s+que)|esperar\s+at[ée]\s+que|attender[ei]\s+(?:che|finch[ée])|"
                        r"aspettare\s+(?:che|finch[ée]))")
#: "Follow it with `journalctl -f` until you see `... started`, then:": the check comes after a wait for what a log
#: shows, while the service is still starting (a schema migration); what is seen is the log's, not the check's
_LOG_WAIT = re.compile(r"(?i)\buntil\s+(?:you\s+see|it\s+(?:says|prints|shows|logs|reports))\b.*\bthen\b|"
                       r"\bbis\s+.{0,60}\b(?:erscheint|steht|meldet)\b.*\bdann\b")
#: The time it may take: "(ca. 2 Minuten)", "up to 5 minutes", "~90 s", "about 1 h".
_WAIT_TIME = re.compile(r"(?i)(\d+)\s*(s|sec\w*|sek\w*|seg\w*|min\w*|h|hours?|hrs?|stunden?|horas?|heures?|ore)\b")
#: The value waited for, quoted: „UP", "UP", `UP`, «UP».
_WAIT_VALUE = re.compile(r"[„\"“`«]\s*([\w.:/-]+)\s*[\"”“`»]")


class ExpectMixin(ImportState):
    def lead_checks(self, phase: dict[str, Any], count: int, made: list[CommentedMap], lead: Block | None,
                    said: Block | None) -> None:
        """What the paragraph before a block says about the checks it made: a sub-step's stated result, a wait."""
        if len(made) == 1 and "sql" in made[0]:
            self.lead_checked(phase, count, made[0], said)
        self.wait_lead(made, lead)

    def lead_checked(self, phase: dict[str, Any], count: int, step: CommentedMap, said: Block | None) -> None:
        """A sub-step paragraph that states the query's result ("3.2 Offene Aufträge prüfen, erwartet: `0`") is
        the sql step's check now: its person's step, made before the query ran, asked someone to compare a result
        nobody had yet, and is dropped (the step keeps the sub-step's words as its name)."""
        steps = phase["steps"]
        if said is None or count == 0 or "expect" not in step.get("sql", {}) or not self.sql_expectation(said) \
                or not isinstance(steps[count - 1].get("manual"), dict):
            return
        text = _clean(said.text)
        if steps[count - 1]["manual"].get("instruction") in (text, re.sub(r"^\s*\d+(?:\.\d+)+\.?\s+", "", text)):
            del steps[count - 1]
            self.inferred.append(f"line {said.line}: the sub-step states the query's result -> the sql step checks"
                                 " it (no person's step before the query)")

    def wait_lead(self, made: list[CommentedMap], lead: Block | None) -> None:
        """HTTP checks a lead waits on ("Warten, bis beide Knoten „UP" melden (ca. 2 Minuten):") are repeated until
        they hold, for the time the document gives: checked once right after the start, they failed while the
        app was still starting, and the failure triggered the rollback."""
        if lead is None or not made or not all("http" in s and isinstance(s["http"], dict) for s in made):
            return
        text = _clean(lead.text)
        logged = _LOG_WAIT.search(text) is not None
        if not _WAIT_LEAD.search(text) and not logged:
            return
        t = _WAIT_TIME.search(text)
        word = t.group(2).lower() if t else "m"
        unit = "h" if word.startswith(("h", "st", "o")) else "s" if word.startswith("s") else "m"
        deadline = f"{t.group(1)}{unit}" if t else "5m"
        value = None if logged else _WAIT_VALUE.search(lead.raw)
        for step in made:
            spec = step["http"]
            spec["retries"] = CommentedMap({"interval": "10s", "deadline": deadline})
            if value is not None and "expect" not in spec:
                spec["expect"] = CommentedMap({"body_contains": value.group(1)})  # status: curl's (accepted.py)
        self.inferred.append(f"line {lead.line}: the checks are waited for ('{text[:60]}') -> repeated until they"
                             f" hold, for {deadline}{'' if t else ' (no time stated)'}")

    def printed_result(self, step: CommentedMap, b: Block, j: int, end: int) -> bool:
        """The query's output as the document shows it, right after the block ("Expected output:" and a psql or
        mysql result table, or the table alone): the step checks it (a count's value, else the row count).
        The table is never a step of its own."""
        from golive.plan.md_shell import is_query_output, query_output_expectation

        k = j + 1
        intro = self.blocks[k] if k < end else None
        if intro is not None and intro.kind == "para" and _OUTPUT_INTRO.match(_clean(intro.text)):
            k += 1
        else:
            intro = None
        out = self.blocks[k] if k < end else None
        if out is None or out.kind != "fence" or out.placed or out.depth != b.depth \
                or out.info not in ("", "text", "txt", "plain", "console", "output", "psql", "mysql") \
                or not is_query_output(out.text):
            return False
        want = query_output_expectation(out.text)
        out.placed = True  # output, whether or not it states a check: never run
        if intro is not None:
            intro.placed = True
        if want is None:
            self.inferred.append(f"line {out.line}: the query's printed output (not a check golive can make): kept"
                                 " out of the steps")
            return True
        step["sql"]["expect"] = CommentedMap(want)
        self.conversions.append(f"line {b.line}: SQL with the result it prints shown after it (line {out.line}) ->"
                                f" an sql step that checks it ({want})")
        return True

    def sql_expect_from_prose(self, step: CommentedMap, b: Block, j: int, end: int, said: Block | None) -> None:
        """An SQL block's expected result stated next to it: in the paragraph or item that introduces it, in the
        item that holds it, or in a short sentence right after it ("Should return no rows."), which is then
        the step's check and no note of its own (golive.plan.importer.items.sql_expectation)."""
        if not re.match(r"(?i)^\s*(select|with|show|table|values)\b", str(step["sql"].get("query", ""))):
            return  # only a query gives rows to check: "should return 0" after an UPDATE states no result of it
        after = self.blocks[j + 1] if j + 1 < end else None
        if self.printed_result(step, b, j, end):
            return
        sources: list[tuple[Block, str]] = []
        comments = re.findall(r"--\s*([^\n]*?)\s*$", b.text.strip(), flags=re.M)
        if comments:  # "SELECT count(*) FROM t;  -- expect 0", a last line "-- should return no rows"
            sources.append((Block("para", comments[-1], comments[-1], b.line), "after"))
        if b.parent is not None:
            sources.append((self.blocks[b.parent], "parent"))
        if said is not None and said.depth == b.depth:
            sources.append((said, "lead"))
        if after is not None and after.kind == "para" and not after.placed and after.depth == b.depth:
            sources.append((after, "after"))
        for src, where in sources:
            want = self.sql_expectation(src, where)
            if want:
                step["sql"]["expect"] = CommentedMap(want)
                if where == "after":
                    src.placed = True
                self.conversions.append(f"line {b.line}: SQL with its expected result stated {where_words[where]}"
                                        f" (line {src.line}) -> an sql step that checks it ({want})")
                return

    def command_below(self, phase: dict[str, Any], count: int, b: Block) -> None:
        """The steps a block made (from `count` on) take the place of the earliest table row that said "(command
        below)": run in the table's order, not after its last row (the app was started before its patch)."""
        pending = phase.get("command_below")
        made = phase["steps"][count:]
        if not pending or not made:
            return
        row, line, words = pending.pop(0)
        at = next((i for i, s in enumerate(phase["steps"][:count]) if s is row), None)
        if at is None:
            return
        del phase["steps"][count:]
        if len(made) == 1 and "name" not in made[0]:
            made[0].insert(0, "name", _clean(re.sub(r"\s*\([^)]*\)\s*$", "", words))[:200] or words[:200])
        phase["steps"][at:at + 1] = made
        self.conversions.append(f"line {b.line}: the block is the command of the table row at line {line} ('"
                                f"{words[:60]}'): run in that row's place, in the table's order")

    def query_below(self, phase: dict[str, Any], step: CommentedMap, b: Block) -> None:
        """The first SQL query after a table row "Run the query below … | 0 |" checks what the row expects."""
        pending = phase.get("query_below")
        if pending is None or "expect" in step["sql"] or not re.match(
                r"(?i)^\s*(select|with|show|table|values)\b", str(step["sql"].get("query", ""))):
            return
        check, _manual, _at, line = phase.pop("query_below")
        step["sql"]["expect"] = CommentedMap(check)
        self.conversions.append(f"line {b.line}: SQL with its expected result in the table row of line {line} ->"
                                f" an sql step that checks it ({check})")

    def command_expect_from_prose(self, phase: dict[str, Any], step: CommentedMap, b: Block, j: int, end: int,
                                  said: Block | None) -> None:
        """A block of one command whose result the prose next to it states ("Check the endpoint (it should return
        200):", "It must print `active`."): the step checks it (a curl an http step with that status / body, any
        other command a shell step whose output must be that text). The command runs as written either way."""
        from golive.plan.importer.items import prose_result
        from golive.plan.md_shell import parse, simple_commands

        lines = [ln for ln in b.text.strip().split("\n") if ln.strip() and not ln.lstrip().startswith("#")]
        spec = step.get("http") if "http" in step else step.get("shell")
        if (isinstance(spec, dict) and "expect" in spec) \
                or (isinstance(spec, dict) and ("expect_output" in spec or "expect_exit" in spec)):
            return
        if len(lines) == 1 and "\\" not in lines[0] and "<<" not in lines[0]:
            cmd = lines[0].strip()
        elif "shell" in step and "<<" not in b.text and not any(ln.lstrip().startswith("#") for ln in lines) and (
                "\n" not in re.sub(r"\\\n", " ", "\n".join(lines))
                or [a[:1] for a in simple_commands(parse(b.text))][:-1] in ([], [["cd"]])):
            # one command written over several lines (`\` continuations, a quoted script, `cd DIR && ...`): the
            # output the document states after it is that command's output, as for a one-line block
            cmd = str(spec["command"] if isinstance(spec, dict) else spec).strip()  # as the block's step runs it
        else:
            return
        after = self.blocks[j + 1] if j + 1 < end else None
        sources: list[tuple[Block, str]] = []
        if said is not None and said.depth == b.depth:
            sources.append((said, "lead"))
        if after is not None and after.kind == "para" and not after.placed and after.depth == b.depth:
            sources.append((after, "after"))
        for src, where in sources:
            status, body = prose_result(src.raw, where)
            if status is None and body is None:
                continue
            if _UNTIL.search(_clean(src.text)):
                # "Expected: 0. Repeat every 30 s until it prints 0": a result to wait for. Checked once, the step
                # failed (and rolled back) while the workers were still finishing; the command runs as written and
                # the waiting is a person's step right after it, in the document's words
                steps = phase["steps"]
                at = next(i for i, s in enumerate(steps) if s is step) + 1
                steps.insert(at, self.step("manual", {"instruction": _clean(src.text)[:2000]}, src.line, None))
                src.placed = True
                self.inferred.append(f"line {src.line}: the result is waited for (repeated until it holds), not"
                                     " checked once -> a person's step after the command")
                return
            made = self.expect_step(cmd, status, body, b.line, step.get("name"), src.raw)
            if made is None:
                return
            if isinstance(spec, dict) and "shell" in made:  # the block's own settings (options: []) stay
                made["shell"].update({k: v for k, v in spec.items() if k not in made["shell"]})
            steps = phase["steps"]
            steps[next(i for i, s in enumerate(steps) if s is step)] = made
            if where == "after":
                src.placed = True
            self.inferred.append(f"line {b.line}: the result stated {'before' if where == 'lead' else 'after'} the"
                                 f" block (line {src.line}) is its check")
            return

    def expect_para(self, phase: dict[str, Any], b: Block) -> bool:
        """"Expected: `SELECT count(*) ...` returns 0" -> an sql step that checks it."""
        m = re.search(r"(?i)expect\w*\W+`((?:SELECT|WITH)\b[^`]+)`\s*(?:returns?|gives?|is|=|->|→)\s*`?([^`\s.,;]+)",
                      b.raw)
        if not m:
            return False
        value: Any = m.group(2)
        if re.fullmatch(r"-?\d+", value):
            value = int(value)
        step = self.sql_step(m.group(1).strip(), b.line, None)
        if "sql" not in step:  # MySQL, SQL Server, Oracle: a person's step that shows the query and its result
            phase["steps"].append(step)
            return True
        step["sql"]["expect"] = CommentedMap({"value": value})
        phase["steps"].append(step)
        self.conversions.append(f"line {b.line}: SQL with its expected result -> an sql step that checks it"
                                f" (value {value})")
        return True
