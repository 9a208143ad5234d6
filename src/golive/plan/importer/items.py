"""List items and table cells that are plainly a command, and commands written with their expected result.

    - [ ] `systemctl restart api`                       -> a shell step (ticked: recorded done, as written)
    - [ ] pause consumers: `kubectl scale ... --replicas=0`  -> a shell step named "pause consumers"
    - [ ] `curl -s https://x/health` -> `{"status":"ok"}`   -> an http step that checks the body
    1. Health: `curl -fsS https://x/healthz` must print `ok`.   -> an http step that checks it
    - [ ] no errors: `kubectl logs ... | grep -c ERROR` -> 0 -> a shell step that checks its output

An item is a command only when the code span is the whole item, or follows a label ending in ':' (or "Run"):
"Run the Jenkins job `smoke-prod`" names a job, it is no command, and stays a person's step.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.run_as import RunAsMixin, changes_as_user
from golive.plan.importer.stated import FANOUT, QUANTIFIED, fanout_pattern, whole_word
from golive.plan.importer.text import _clean, fold_width
from golive.plan.md_blocks import Block
from golive.plan.md_meaning import CONDITION, WATCHED

_SPAN = re.compile(r"`([^`]+)`")
#: Words that put an expected result next to a command: "returns 200", "-> 0", "must print `ok`", "expect 200".
_EXPECT = re.compile(r"(?i)^\W{0,3}(?:returns?|gives?|answers?|responds?(?:\s+with)?|prints?|outputs?|shows?|->|→|=>|"
                     r"=|is|expect(?:ed|s)?:?|(?:(?:the\s+)?(?:result|output|answer)\s+)?(?:should|must|will)\s+"
                     r"(?:return|print|output|show|answer|give|be)|"
                     r"(?:and\s+)?(?:check|verify|confirm)\s+(?:it\s+)?(?:returns?|prints?|is))(?![A-Za-z])\s*(.*)$")
#: A label that says "run this": "Run", "Deploy with", "Restart it using", "by running".
_RUN_LABEL = re.compile(r"(?i)(?:^|\s)(?:run|execute|exec|invoke|with|using|via|by running|by calling|running)$")
_STATUS = re.compile(r"(?i)^(?:an?\s+)?(?:HTTP\s*|status\s*(?:code\s*)?)?([1-5]\d\d)\b")
#: A label that makes the command conditional: "If it fails,", "Only if ...:", "When needed:", "Optional:",
#: "In case of ...:", "Falls ...", "Wenn ...", "Si ...", "Se ...", "Solo si ...".
_CONDITION = re.compile(r"(?i)^\W*(?:only\s+)?(?:if|when(?:ever)?|unless|in\s+case|should|optional(?:ly)?|"
                        r"as\s+needed|where\s+needed|falls|wenn|nur\s+wenn|si|seulement\s+si|solo\s+si|se|"
                        r"solo\s+se|indien|als)\b")
_QUOTED = re.compile(r"`([^`]+)`|\"([^\"]+)\"|“([^”]+)”|\*\*([^*]+)\*\*")
#: A label that announces what a command printed or must print, not a command to run: "Expected:", "Output:",
#: "Expected answer:", "Should return:", "Erwartet:", "Resultado esperado:", "Sortie :", "期待結果:".
_RESULT_LABEL = re.compile(r"(?i)^\W*(?:expected(?:\s+(?:result|output|answer|response|value|line))?|expect|"
                           r"(?:sample\s+|example\s+)?output|result|response|answer|returns?|"
                           r"(?:should|must|will)\s+(?:print|return|show|output|answer|be)|"
                           r"erwartet(?:e[sn]?\s+\w+)?|ausgabe|ergebnis|esperad[oa]|(?:resultado|salida)(?:\s+esperad[oa])?|"
                           r"sortie|r[ée]sultat(?:\s+attendu)?|attendu|期待結果|期待値|出力|結果)\W*$")


def code_command(raw: str) -> tuple[str, str, str] | None:
    """(label, command, what follows it) when `raw` (Markdown inline text) is plainly one command."""
    from golive.plan.md_shell import looks_like_commands, parse, simple_commands

    spans = list(_SPAN.finditer(raw))
    if not spans:
        return None
    first = spans[0]
    before, cmd = raw[:first.start()].strip(), first.group(1).strip()
    after = raw[first.end():].strip()
    label = re.sub(r"\*\*|__", "", before).strip()
    if label and not (label.endswith(":") or _RUN_LABEL.search(label)):
        return None
    if _RESULT_LABEL.match(label):
        return None  # "Expected: `products products_v7`" is what a command prints; run, it is exit 127
    if len(spans) > 1 and not _EXPECT.match(after):
        return None  # "`a` or `b`": a choice for a person
    if not looks_like_commands(cmd):
        return None
    argvs = simple_commands(parse(cmd))
    if not argvs or len(argvs[0]) < 2:
        return None  # a bare word (`smoke-prod`, `v4.2.0`) is a name, not a command
    if _RUN_LABEL.search(label) and after.strip(" .;") and not _EXPECT.match(after):
        return None  # "Run `x` on each node, then ...": more than the command
    if re.fullmatch(r"(?i)run|execute|exec|invoke", label):
        label = ""
    return _clean(_RUN_LABEL.sub("", label).rstrip(":").strip() if not label.endswith(":") else label[:-1]), cmd, \
        after


def stated_result(text: str, bare: bool = False) -> tuple[int | None, str | None]:
    """(HTTP status, expected text) stated in `text`: "returns 200", "HTTP 200, "UP"", "-> `{"status":"ok"}`",
    "must print `ok`"; (None, None) when it states none. `bare`: `text` is an Expected column's cell, so a
    single word or number there ("PONG", "0") is the expected output itself."""
    text = text.strip().rstrip(".")
    m = _EXPECT.match(text)
    rest = m.group(1).strip() if m else text
    status = None
    s = _STATUS.match(rest)
    if s:
        status = int(s.group(1))
        rest = rest[s.end():].strip(" ,;")
    q = _QUOTED.search(rest) if (m or status is not None or rest.startswith(("`", "\""))) else None
    body = next((g for g in q.groups() if g), None) if q else None
    pair = re.match(r'"[^"\n]+"\s*:\s*"[^"\n]*"', rest) if m else None
    if pair is not None:
        body = pair.group(0)  # `"retcode": "CC 0000"`: the key with its value (the key alone passes on CC 0008)
    if body is None and m and re.fullmatch(r"-?\d+(\.\d+)?", rest.strip("* ")):
        body = rest.strip("* ")
    if body is None and m and status is None and _NOTHING.match(rest):
        body = ""  # "Expected output: nothing", "no output": the command must print nothing
    if body is None and status is None and bare and re.fullmatch(r"[\w.:/+-]+", text.strip("`*\" ")):
        body = text.strip("`*\" ")
    return status, body


#: An output stated as none at all: "Expected output: **nothing**.", "no output", "empty".
_NOTHING = re.compile(r"(?i)^(?:(?:output|result)\s*:?)?[\s*_`]*"
                      r"(?:nothing|no output|empty(?: output)?|an empty output|no lines?)\b")
#: How many times a stated output appears: "(expect `1` six times)", "`10.0.3.11` and `6379` three times".
_TIMES = re.compile(r"(?i)\b(\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+times\b")
_TIMES_WORDS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"])}
#: Each line of the output is the stated one: "on every line", "once per broker", "for each host".
_EVERY = re.compile(r"(?i)\b(?:on|in)\s+(?:every|each)\s+line\b|\b(?:for|from|on)\s+(?:each|every)\s+\w+|"
                    r"\bonce\s+per\s+\w+")


def output_pattern(body: str, said: str) -> str:
    """The expect_output that checks what the document states, no weaker: golive searches it line by line
    (re.MULTILINE), so a plain pattern passes when ONE line matches. "nothing" must be an empty output; a value
    stated "six times" (or several values "`a` and `b` three times") must be the whole output, line by line, that
    many times; "on every line" every line of it."""
    from golive.plan.md_shell import looks_like_commands

    if body == "":
        return r"\A\s*\Z"
    one = rf"^\s*{re.escape(body)}\s*$" if re.fullmatch(r"-?\d+(\.\d+)?", body) else whole_word(body)
    text = re.sub(r"\*\*|__", "", said)
    times, every = _TIMES.search(text), _EVERY.search(text) or QUANTIFIED.search(text)
    if times is None and every is None:
        return one
    values = [v for v in re.findall(r"`([^`\n]+)`", text)
              if v == body or " " not in v.strip() or not looks_like_commands(v)] or [body]
    line = "(?:" + "|".join(re.escape(v.strip()) for v in values) + r")[ \t]*(?:\r?\n\s*|\Z)"
    if times is not None:
        word = times.group(1).lower()
        n = int(word) if word.isdigit() else _TIMES_WORDS[word]
        return rf"\A\s*(?:{line}){{{n * len(values)}}}\Z"
    return rf"\A\s*(?:{line})+\Z"


#: A curl that prints the response's status code (`-w '%{http_code}'`, `--write-out "%{response_code}"`).
_WRITES_STATUS = re.compile(r"(?:-w|--write-out)\s*=?\s*['\"]?[^'\"\s]*%\{(?:http_code|response_code)\}")


#: Where prose next to a command block states its result: "it should return 200:", "(expect `ok`)", "Returns
#: HTTP 200.", "must print `active`".
_PROSE_EXPECT = re.compile(r"(?i)\b(?:(?:should|must|will|has\s+to|needs?\s+to)\s+"
                           r"(?:return|print|output|show|answer|give|respond\s+with)|expect(?:ed|s)?|returns?|prints?|responds?\s+with|answers?)\b")


def prose_result(raw: str, where: str) -> tuple[int | None, str | None]:
    """(HTTP status, expected text) that the paragraph next to a one-command block states for it: a `lead` that
    introduces the block (ends with ':' or says it in brackets: "Check it (should return 200):"), or a short
    sentence right `after` it about it ("It should return 200.", "Expect `ok`."); (None, None) otherwise."""
    text = re.sub(r"\*\*|__", "", raw).strip()
    if where == "after" and (len(text) > 160 or "\n" in text or text.endswith(":")):
        return None, None
    last = [p.start() for p in _LAST_SENTENCE.finditer(text.rstrip(" .!:"))][-1:] or [0]
    for m in _PROSE_EXPECT.finditer(text):
        before = text[:m.start()]
        in_brackets = before.count("(") > before.count(")")
        if where == "lead" and not ((text.endswith(":") and m.start() >= last[0]) or in_brackets):
            continue  # "It answers `OK` at once. Check the new master, expect `10.0.3.12`:": only the sentence
            # that introduces the block states its result; an earlier one is about the command before it
        if where == "after" and not _ABOUT_IT.fullmatch(before):
            continue  # "The old host returns 500": about something else
        said = text[m.start():]
        said = said[:said.index(")")] if in_brackets and ")" in said else said
        status, body = stated_result(said.rstrip(":").strip())
        if status is not None or body is not None:
            return status, body
    return None, None


class ItemsMixin(RunAsMixin):
    def command_item(self, b: Block) -> list[CommentedMap] | None:
        """The steps of a list item that is plainly a command; None when it is a person's step."""
        found = code_command(b.raw)
        if found is None or b.checked:
            return None  # ticked items stay what they were: done when the document was written
        label, cmd, after = found
        if not self.in_rollback and (_CONDITION.match(label) or CONDITION.match(label)):
            # "If the health check fails, run `kubectl rollout undo ...`", "Only if step 2 shows X: `...`": a person
            # decides whether it runs; made a step, it would run every time
            self.inferred.append(f"line {b.line}: `{cmd[:60]}` runs only on a condition ('{label}'): a person's"
                                 " step, never run unconditionally")
            return None
        if WATCHED.search(_clean(b.raw)):
            # "in another terminal: `redis-cli --latency` (Ctrl-C to stop)", "Keep an eye on `az webapp log tail`":
            # watched while the run goes on, stopped by hand; as a step the run would wait on it forever
            self.inferred.append(f"line {b.line}: `{cmd[:60]}` is watched by a person (another terminal, Ctrl-C,"
                                 " keep an eye on): never a step that runs")
            return None
        if after and not _EXPECT.match(after) and not re.fullmatch(r"[\s.;,!]*(\(.*\))?[\s.]*", after):
            return None  # "`cmd` on each node, then ...": more than a command, a person reads it
        name = label or self.context_name(b)
        status, body = stated_result(after) if after else (None, None)
        if status is not None or body is not None:
            step = self.expect_step(cmd, status, body, b.line, name, after)
            if step is not None and "shell" in step:
                by_hand = self.other_user(b, cmd)
                if by_hand is not None:
                    return by_hand
            if step is not None:
                return [step]
        from golive.plan.md_commands import shell_commands

        block = shell_commands(cmd, b.line, lift_exports=not self.in_rollback, secrets=self.secret_values)
        if not block.commands or any(c.kind == "manual" for c in block.commands):
            return None
        if changes_as_user(block.commands):
            by_hand = self.other_user(b, cmd)
            if by_hand is not None:
                return by_hand
        self.refs |= block.refs
        self.words |= block.words
        self.conversions.append(f"line {b.line}: list item `{cmd[:60]}` is a command -> a step that runs it")
        return [self.command_step(c, name) for c in block.commands]

    def expect_step(self, cmd: str, status: int | None, body: str | None, line: int,
                    name: str | None, said: str = "") -> CommentedMap | None:
        """A command with its expected result: a curl becomes an http step that checks it, any other one-command
        line a shell step whose output must be that text. None when neither fits (then it runs as written)."""
        from golive.plan.md_commands import curl_to_http
        from golive.plan.md_shell import is_sql, looks_like_commands, parse, simple_commands

        if is_sql(cmd) or not looks_like_commands(cmd):
            return None  # SQL, or words that are no shell command: never made a shell step here
        argvs = simple_commands(parse(cmd))
        if argvs and argvs[0][:1] == ["curl"] and len(argvs) == 1 and body is not None \
                and re.fullmatch(r"[1-5]\d\d", body) and _WRITES_STATUS.search(cmd):
            # `curl -o /dev/null -w '%{http_code}' URL` prints `200`: the printed text is the status, never the body
            status, body = int(body), None
        if argvs and argvs[0][:1] == ["curl"] and len(argvs) == 1 and body != "":
            spec = curl_to_http(cmd, output_only=True)
            if spec is None:
                return None
            expect: dict[str, Any] = {"status": [status]} if status else {}  # unstated: curl's (accepted.py)
            if body is not None:
                try:
                    doc = json.loads(body)
                except ValueError:
                    doc = None
                if isinstance(doc, dict) and doc and all(isinstance(v, (str, int, float, bool)) for v in doc.values()):
                    expect["json"] = {f"$.{k}": v for k, v in doc.items()}
                else:
                    expect["body_contains"] = body
            spec["expect"] = expect
            self.conversions.append(f"line {line}: `{cmd[:60]}` with its expected result -> an http step that checks"
                                    " it")
            return self.step("http", spec, line, name or f"check {spec['url']}")
        if body is None or not argvs:
            return None
        spec = CommentedMap({"command": cmd})
        spec["expect_output"] = output_pattern(body, said)
        if FANOUT.match(cmd) and body and QUANTIFIED.search(said) and not _TIMES.search(said):
            # "`clush -bw @search '...'` must show `X` on all 12": every host's line, under clush's headers
            spec["expect_output"] = fanout_pattern(body)
        if argvs[-1][:1] == ["grep"] and any(a in ("-c", "--count") or re.fullmatch(r"-\w*c\w*", a)
                                             for a in argvs[-1][1:]) and body == "0":
            spec["expect_exit"] = [0, 1]  # `grep -c` counts 0 and exits 1: the result the document wants
        self.conversions.append(f"line {line}: `{cmd[:60]}` with its expected output '{body}' -> a shell step that"
                                " checks it")
        return self.step("shell", spec, line, name)

    def sql_expectation(self, b: Block, where: str = "lead") -> dict[str, Any] | None:
        """What an SQL block's query must give, as the prose next to it says: "this must return **0**:", "(expect
        exactly 1 row):", "Step 4 — Sanity query (must return 0)", "(Ergebnis muss 0 sein):", "Should return no
        rows." A `where="lead"` paragraph must introduce the block (end with ':' or say it in brackets); a
        `where="parent"` item holds the block; a `where="after"` paragraph right after it is about it only when it
        is a short sentence with no code of its own. A count is a `value`, "N rows" a `rows` check; anything else
        (a range, "under 1 MB") is not checked and stays words."""
        return sql_expectation(b.raw, where)


#: A phrase stating a query's result, in the languages runbooks are written in.
_SQL_EXPECT = re.compile(
    r"(?i)\b(?:must|should|will|has\s+to|have\s+to|needs?\s+to)\s+(?:only\s+)?(?:return|give|be|have|contain|yield|"
    r"show|print|come\s+back(?:\s+with)?)\b|\bcomes?\s+back\s+with\b|"
    r"\bexpect(?:ed|s|ing)?\b(?:\s+(?:result|output|value|count))?(?:\s*(?:is|to\s+be|=|:))?|\breturns?\b|"
    r"\bresult\s+(?:is|must\s+be|should\s+be|=)|"
    # German, Spanish, Portuguese, French: "erwartet: 0", "Ergebnis muss 0 sein", "debe devolver 0", "attendu : 0"
    r"\berwartet\b|\berwartung\b|\bergebnis\s*(?:muss|soll(?:te)?|:|=)|\b(?:muss|soll(?:te)?)(?=\s+(?:genau\s+)?-?\d)|"
    r"\b(?:debe|deber[ií]a)\s+(?:devolver|dar|ser)\b|\besperad[oa]\b|\b(?:deve|deveria)\s+(?:retornar|devolver|ser)\b|"
    r"\bdoit\s+(?:retourner|renvoyer|(?:ê|e)tre)\b|\battendu\b|"
    # Italian: "deve restituire 1", "dovrebbe dare 0", "risultato atteso: 0"
    r"\b(?:deve|dovrebbe)\s+(?:restituire|ritornare|tornare|dare|essere)\b|\batteso\b")
_ROW_WORD = r"(?:rows?|zeilen?|filas?|linhas?|lignes?|records?|datens(?:ä|ae)tze?|registros?|righe|riga|record)"
#: A count of rows for each of something ("one row per region", "2 rows for each shard"): no number of rows the
#: whole result has, so no check golive can make.
_PER_GROUP = re.compile(r"(?i)^\s*(?:per|for\s+(?:each|every)|each|every|a|an|par|pro|je|por|para\s+cada|"
                        r"por\s+cada|per\s+ogni|ogni)\b")
#: A sub-step's number opening a paragraph: "3.2 Offene Aufträge prüfen, erwartet: `0`".
_SUBSTEP_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)+\.?\s+")
#: Where the last sentence of a paragraph starts: a lead's last sentence stands right before the block.
_LAST_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")
_SQL_RESULT = re.compile(
    rf"(?i)^[\s:=(*`]*(?:(?:the\s+)?(?:count|value|result|number|anzahl)\s*(?:=|==|is|of|:)?\s*)?"
    rf"(?:exactly|only|genau|nur|exactamente|exatamente|exactement)?\s*(-?\d+|zero|one|two|three|four|five)(?!\d|[.,:]\d|\s*%)\s*({_ROW_WORD})?\b")
#: How a sentence right after a block starts when it states that block's result: "Should return ...", "It must
#: return ...", "The query should ...", "Erwartet: ...", "→ 0 rows".
_ABOUT_IT = re.compile(r"(?i)\W*(?:(?:it|this|that|which|the\s+(?:query|result|count|check|statement|output|response|"
                       r"command|endpoint|request)|result|"
                       r"(?:das\s+)?ergebnis|resultado|(?:le\s+)?r(?:é|e)sultat|(?:→|->|=>))\s*)?")
#: The result first, then the word: "0 rows expected", "-> 0 expected", "0 erwartet", "no rows expected".
_SQL_RESULT_FIRST = re.compile(rf"(?i)^\W*?(?:→|->|=>)?\s*(-?\d+|no)(?!\d|[.,:]\d|\s*%)\s*({_ROW_WORD})?\s+"
                               r"(?:expected|erwartet|esperad[oa]s?|attendues?|attendus?)\b")
_NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_SQL_NONE = re.compile(rf"(?i)^[\s:=(*]*(?:no|zero|keine|ninguna|nenhuma|aucune|nessuna)\s+{_ROW_WORD}\b|^[\s:=(*]*"
                       r"(?:nothing|empty|an empty (?:set|result)|leer|nichts|vac[ií]o|vazio|rien)\b")


#: The result in Japanese, Chinese or Korean: "（結果が `0` であること）", "结果为 0", "결과가 0 건" (件/行/건: rows).
_CJK_RESULT = re.compile(r"(?:結果|结果|결과)\s*(?:が|は|为|為|是|가|는)?\s*`?\s*(-?\d+)\s*`?\s*(件|行|条|건|개)?")


def sql_expectation(raw: str, where: str = "lead") -> dict[str, Any] | None:
    """The check an SQL step makes, from the prose next to its block (ItemsMixin.sql_expectation)."""
    text = _clean(re.sub(r"\*\*|__", "", raw)).strip()
    cjk = _CJK_RESULT.search(fold_width(text))
    if cjk and len(re.findall(r"\d+", fold_width(text))) == 1:
        return {"rows": int(cjk.group(1))} if cjk.group(2) else {"value": int(cjk.group(1))}
    if where == "after" and ("`" in raw or len(text) > 160 or "\n" in text or text.endswith(":")
                             or len(re.findall(r"\d+(?:[.,]\d+)?", text)) > 1):  # "5 rows on staging, 0 in prod"
        return None  # code of its own, a long paragraph, or the lead of the next block ("Then (must return 0):")
    last = [p.start() for p in _LAST_SENTENCE.finditer(text.rstrip(" .!"))][-1:] or [0]
    for m in _SQL_EXPECT.finditer(text):
        before, rest = text[: m.start()], text[m.end():]
        in_brackets = before.count("(") > before.count(")")
        # "... The query lists the days that differ; it should come back with 0 rows.": a lead's last sentence,
        # right before the block, states its result too (a stated expectation, not a bare "returns")
        closing = m.start() >= last[0] and not re.match(r"(?i)returns?\b", m.group(0)) \
            and len(re.findall(r"\d+(?:[.,]\d+)?", _SUBSTEP_NUMBER.sub("", text[last[0]:]))) <= 1
        # "5 rows on staging, 0 in prod" states no one count; a sub-step's number ("3.2 ... erwartet: 0") is none
        if where == "lead" and not (text.endswith(":") or in_brackets or closing):
            continue
        if where == "after" and not _ABOUT_IT.fullmatch(before):
            continue  # "The old report returns 5 rows too many": about something else, not this block's result
        n = _SQL_RESULT.match(rest)
        if n and n.group(2) and _PER_GROUP.match(rest[n.end():]):
            return None  # "expect one row per region": rows for each region, not a count of the whole result
        if n:
            word = n.group(1).lower()
            if word in _NUMBER_WORDS and not n.group(2):
                continue  # "must return one of the ids": a word number counts only with its rows ("one row")
            number = _NUMBER_WORDS[word] if word in _NUMBER_WORDS else int(word)
            return {"rows": number} if n.group(2) and number >= 0 else {"value": number}
        if _SQL_NONE.match(rest):
            return {"rows": 0}
    late = _SQL_RESULT_FIRST.match(text) if where == "after" else None
    if late:  # "0 rows expected", "→ 0 erwartet"
        if late.group(1).lower() == "no":
            return {"rows": 0}
        number = int(late.group(1))
        return {"rows": number} if late.group(2) and number >= 0 else {"value": number}
    return None
