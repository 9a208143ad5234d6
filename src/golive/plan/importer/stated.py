"""What the document says a command must print, wherever it says it: after the block ("It must print `X`",
"Expected: `{...}`", "The last line must print `0`"), in the lead before it ("Compare the counts (must be
equal):", "确认当前版本（应输出 `5.1.8`）："), or in the next person's line ("**Navigator:** every line must read
`X`"), in English, German, French, Spanish, Chinese or Japanese.

Set 8 of the blind runbooks kept nine such commands as steps that pass whatever they print. A stated result either
becomes the step's own check (`expect_output`, an `http` or `sql` expect), no weaker than the words ("every line",
"on all 12" check every line), or, where golive cannot check it exactly ("must be equal", "the last line", "no
errors in the log", a result of several commands), a person's step right after the command that quotes it: a step
that passes whatever is printed while the document states what must be printed is never the result."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.accepted import HTTP_CLIENTS
from golive.plan.importer.fences import block_text
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean, fold_width
from golive.plan.md_blocks import Block
from golive.plan.shellcheck import programs

#: A sentence stating what must come out, in the languages runbooks are written in.
_STATES = re.compile(
    r"(?i)\b(?:must|should|has\s+to|have\s+to|needs?\s+to|(?:is|are)\s+expected\s+to|ought\s+to)\s+"
    r"(?:only\s+|all\s+|both\s+|still\s+|now\s+|then\s+|always\s+)?(?:print|show|output|return|read|say|report|"
    r"display|give|be|equal|match|contain|list|come\s+back|look\s+like|end\s+with|start\s+with)\b|"
    r"\bexpect(?:ed|s)?\b(?:\s+(?:output|result|value|answer|response))?\s*[:=]|"
    r"\bexpected\s+(?:output|result|value)\b|"
    # German: "muss `X` ausgeben", "sollte 0 sein", "Erwartet: X", "Erwartete Ausgabe"
    r"\b(?:muss|m(?:ü|ue)ssen|sollte|sollten|soll|sollen)\b[^.:;\n]{0,60}?\b(?:ausgeben|zeigen|anzeigen|liefern|"
    r"zur(?:ü|ue)ckgeben|sein|lauten|stehen|melden|gleich|(?:ü|ue)bereinstimmen|enthalten)\b|\berwartet\w*\b|"
    # French, Spanish, Portuguese
    r"\bdoi(?:t|vent)\s+(?:tous\s+|toutes\s+|bien\s+)?(?:afficher|retourner|renvoyer|(?:ê|e)tre|donner|indiquer|"
    r"correspondre|contenir|imprimer)\b|\battendue?s?\b|"
    r"\bdeb(?:e|en|er[ií]a|er[ií]an)\s+(?:todos?\s+|todas?\s+)?(?:devolver|mostrar|imprimir|ser|dar|coincidir|decir|"
    r"contener|indicar)\b|\besperad[oa]s?\b|\bdeve(?:m|ria)?\s+(?:retornar|mostrar|imprimir|ser|devolver|coincidir)\b|"
    # Chinese and Japanese
    r"(?:应该?|應該?|必须|必須)\s*(?:输出|輸出|返回|显示|顯示|打印|为|為|是|等于|等於|一致|相等|相同|包含)|预期|預期|"
    r"(?:表示|出力|返却|返)(?:され|る|す|し)\S{0,6}?(?:こと|はず)|であること|となること|になること|"
    r"(?:と|が)(?:一致|同じ)|期待(?:値|される|結果)")
#: A result golive cannot check exactly: a comparison of two outputs, one line of several, a bound, an absence in
#: a log ("must be equal", "the last line", "at least", "no errors").
_INEXACT = re.compile(
    r"(?i)\b(?:equal|the\s+same|identical|match(?:es)?\s+(?:each\s+other|the\b)|consistent|last\s+line|first\s+line|"
    r"at\s+least|at\s+most|less\s+than|more\s+than|greater\s+than|fewer\s+than|below|above|under|over|"
    r"no\s+(?:errors?|failures?|warnings?|exceptions?)|"
    r"gleich|identisch|(?:ü|ue)bereinstimmen|letzte\s+zeile|erste\s+zeile|mindestens|h(?:ö|oe)chstens|weniger\s+als|"
    r"keine\s+fehler|(?:é|e)ga(?:ux|les?)|identiques?|derni(?:è|e)re\s+ligne|au\s+moins|moins\s+de|plus\s+de|"
    r"aucune\s+erreur|iguales|coincid\w*|(?:ú|u)ltima\s+l(?:í|i)nea|al\s+menos|menos\s+de|m(?:á|a)s\s+de|"
    r"ning(?:ú|u)n\s+error|(?:ú|u)ltima\s+linha|primeira\s+linha|pelo\s+menos|nenhum\s+erro)\b|[<>≤≥]|一致|相等|相同|同じ|最后一行|最後一行|最後の行|最終行|小于|大于|不超过|至少|没有错误|无错误|"
    r"エラーがない|未満")
#: Every line, every host: a value the whole output must be, line by line.
QUANTIFIED = re.compile(
    r"(?i)\b(?:every|each|all)\s+(?:\d+\s+)?(?:lines?|hosts?|nodes?|servers?|pods?|instances?|machines?|brokers?)\b|"
    r"\b(?:on|from|for|in)\s+all\s+(?:\d+|the\s+\w+|\w+s)\b|\ball\s+\d+\b|"
    r"\bjede[rsn]?\s+(?:zeile|host|knoten|server)|\balle[n]?\s+(?:\d+\s+)?(?:zeilen|hosts|knoten|servern?)\b|"
    r"\bchaque\s+(?:ligne|h(?:ô|o)te|n(?:œ|oe)ud|serveur)|\btou(?:s|tes)\s+les\s+(?:\d+\s+)?(?:lignes|h(?:ô|o)tes|"
    r"n(?:œ|oe)uds|serveurs)|\bcada\s+(?:l(?:í|i)nea|host|nodo|servidor)|"
    r"\btod[oa]s\s+l[oa]s\s+(?:\d+\s+)?(?:l(?:í|i)neas|hosts|nodos|servidores)|每一?行|每台|所有|全部|各行|すべての|全ての|全台")
#: A value stated for every one of several machines with the quantifier after the noun ("the nodes must all be
#: UN", "六个节点都必须是 UN", "3 台服务器均为 active"): each machine's line holds it among other columns, which the
#: words do not give. A person reads it (an every-line check failed on the healthy cluster's own output).
_ALL_OF_THEM = re.compile(
    r"(?i)\b(?:hosts|nodes|servers|pods|instances|machines|brokers|replicas)\s+(?:(?:must|should|need\s+to|have\s+to)"
    r"\s+)?(?:all|both|each)\b|(?:节点|節點|主机|主機|服务器|伺服器|实例|實例|机器|機器)\s*(?:都|均|全)")
#: What a sentence about the command's own output opens with (a role's label "Navigator:" is taken off first).
_ABOUT_OUTPUT = re.compile(
    r"(?i)^\W*(?:(?:it|this|that|which|both|es|sie|das|il|elle|cela|ello|esto)\b|(?:the|its|die|das|der|la|le|el|"
    r"les|los|las)?\s*(?:output|result|command|query|response|answer|endpoint|request|ausgabe|ergebnis|abfrage|"
    r"antwort|sortie|r(?:é|e)sultat|requ(?:ê|e)te|r(?:é|e)ponse|salida|resultado|consulta|respuesta)\b|"
    r"(?:every|each|all)\s+(?:\d+\s+)?(?:lines?|hosts?|nodes?)\b|jede\s+zeile|chaque\s+ligne|cada\s+l(?:í|i)nea|"
    r"(?:the\s+)?(?:last|first|final)\s+(?:line|command)|(?:die\s+)?(?:letzte|erste)\s+zeile|"
    r"(?:la\s+)?(?:derni(?:è|e)re|premi(?:è|e)re)\s+ligne|(?:la\s+)?(?:(?:ú|u)ltima|primera)\s+l(?:í|i)nea|(?:a\s+)?(?:(?:ú|u)ltima|primeira)\s+linha|"
    r"(?:the\s+)?log|最后一行|最後一行|最後の行|最終行|"
    r"(?:查询|查詢|输出|輸出|结果|結果|命令|クエリ|コマンド|出力)|检查|檢查|确认|確認)?\W*$")
_ROLE_LABEL = re.compile(r"^\s*(?:\*\*)?[\w .'/-]{1,30}?(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*")
_QUOTE = re.compile(r"`([^`\n]+)`|\"([^\"\n]+)\"|“([^”\n]+)”|「([^」\n]+)」|«\s*([^»\n]+?)\s*»")
#: A value written bare after a Chinese or Japanese verb: "应输出 5.1.8", "应返回 1".
_CJK_BARE = re.compile(r"(?:输出|輸出|返回|显示|顯示|为|為|是|等于|等於)\s*([^\s`「」（）()，。；：,;:]+)")
#: A lead that points at the block below it: "the query below", "下面的查询", "以下のコマンド".
_BELOW = re.compile(r"(?i)\b(?:below|following|next)\b|下面|以下|如下|下記|folgende|ci-dessous|suivante?|siguiente|"
                    r"a\s+continuaci(?:ó|o)n")
#: Words that make the paragraph more than a result: a person's action follows it ("然后手工下一单").
_ACTION = re.compile(r"(?i)\bthen\b|\bby\s+hand\b|\bmanually\b|\bdann\b|\bpuis\b|\bensuite\b|\bluego\b|"
                     r"\bdespu(?:é|e)s\b|然后|然後|手工|手动|手動|その後")
#: Blocks that hold what a command prints, not commands.
_OUTPUT_LANGS = ("", "text", "txt", "plain", "plaintext", "console", "output", "log", "json", "none")
#: An output shown as a sample, not as what must come out.
_SAMPLE = re.compile(r"(?i)\b(?:sample|example|typical|e\.g\.|for\s+instance|something\s+like|similar\s+to|"
                     r"beispiel|exemple|ejemplo|例)")
_SHOULD_SEE = re.compile(r"(?i)\byou\s+(?:should|must|will)\s+(?:see|get)\b|\bexpected\s+(?:output|result|response)\b|"
                         r"\berwartete\s+ausgabe\b|\bsortie\s+attendue\b|\bsalida\s+esperada\b|预期输出|預期輸出|"
                         r"期待される出力")
#: What changes from run to run in a printed line: a time, a date, a duration, a process id.
_VARYING = re.compile(r"(?i)\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}|\b\d+(?:\.\d+)?\s*(?:ms|s|sec\w*|m|min\w*|h|hours?)\b|"
                      r"\bpid\b|\bage\b")
#: A command's own trailing comment stating its result: `# expect 200`, `# => 0`, `# should be root`, `# 应为 X`.
_COMMENT_RESULT = re.compile(
    r"\s#\s*(?:expect(?:ed|s)?|→|->|=>|(?:should|must)\s+(?:print|return|show|output|be|say)|应为|应返回|应输出|應為|"
    r"erwartet|attendu|esperad[oa])\s*:?\s*(?:`(?P<q>[^`]+)`|(?P<v>[^\s`#;,]+))"
    # "# should be 0 by now; if not, scancel them": more words after the value, a person's reading
    r"(?P<rest>(?:\s+(?:by\s+now|now|here|then|at\s+this\s+point)\b)?\s*[;,.]\s*\S.*)?\s*$", re.I)
#: A command run on many hosts at once, whose output names the host on each line or above each group of lines.
FANOUT = re.compile(r"^\s*(?:sudo\s+)?(?:clush|pdsh|pssh|parallel-ssh)\b")


@dataclass
class Stated:
    """An expected result as the document states it, and whether golive can check it exactly."""
    text: str
    value: str | None
    every: bool
    exact: bool
    about_output: bool
    #: Stated for every machine with the quantifier after the noun: each machine's line holds it among other
    #: columns, so only a fan-out's one-value-per-host output is checked line by line.
    machines: bool = False


def _named_in(subject: str, command: str) -> bool:
    """The subject names what the command prints ("The expire date must be in 2027" after `… | grep 'expire
    date'`): its words, the article taken off, stand together in the command."""
    words = re.sub(r"(?i)^(?:the|its|die|der|das|la|le|les|el|los|las|a|o|os|as)\s+", "", subject.strip()).strip()
    return 3 <= len(words) <= 40 and len(words.split()) <= 4 and words.lower() in command.lower()


def _sql_value(value: str) -> Any:
    """The stated value as the query returns it: `0` a number, `TRUE`/`false` a boolean (PostgreSQL gives a bool,
    and the sql step never takes the text "TRUE" for it: the check failed on success), else text (the sql step
    compares "1.5" with a numeric as a number itself)."""
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def stated(raw: str, where: str, command: str = "") -> Stated | None:
    """The result a paragraph states for the block next to it (`where`: "lead" before it, "after" it), or None
    when it states none. A lead states it for the block only in its last sentence, when it introduces the block
    (ends with ':' or says it in brackets, or says "the query below")."""
    text = fold_width(_clean(re.sub(r"\*\*|__", "", raw))).strip()
    label = _ROLE_LABEL.match(text)
    # "**Navigator:** every line must read ...": the person's label goes; "两个数量应相等：" is no label
    body = text[label.end():] if label and text[label.end():].strip() and not _STATES.search(label.group(0)) \
        else text
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=\S)|(?<=[。！？])\s*(?=\S)", body) if s.strip()]
    if not sentences:
        return None
    if where == "lead":
        last = sentences[-1]
        m = _STATES.search(last)
        if m is None:
            return None
        before = last[:m.start()]
        in_brackets = before.count("(") + before.count("（") > before.count(")") + before.count("）")
        if not (last.rstrip().endswith((":", "：")) or in_brackets or _BELOW.search(last)):
            return None
        said = last
    else:
        if len(sentences) == 1 and text.endswith((":", "：")):
            return None  # the lead of the next block
        said = sentences[0]
        m = _STATES.search(said)
        if m is None:
            return None
        before = said[:m.start()]
        if any(_runs(q) for q in re.findall(r"`([^`\n]+)`", before)) or _BELOW.search(before):
            return None  # "`clush ...` must show ...": a command of its own; "the query below must ...": the next
    # a lead that introduces the block states the block's result; a sentence after it, when it is about its output
    subject = re.sub(r"[がはをと]\s*$", "", _QUOTE.sub("", re.sub(r"\([^)]*\)|（[^）]*）", "", before)).strip())
    about = where == "lead" or bool(_ABOUT_OUTPUT.match(subject)) or _named_in(subject, command)
    if not about:
        return None  # "3.2 Offene Aufträge prüfen, erwartet: `0`", "The dashboard should show ...": not its output
    after_m = said[m.start():]
    # `"retcode": "CC 0000"`: a JSON pair is one value, the key with it (the key alone passes on any return code)
    # (outside code spans: `{"status":"ok"}` is one value of its own)
    pair = r'(?<!`)(?<![{,])"[^"\n`]+"\s*:\s*"[^"\n`]*"(?![,}])'
    pairs = re.findall(pair, after_m) if "`" not in after_m else []
    quoted = pairs + [next(g for g in q if g) for q in _QUOTE.findall(re.sub(pair, "", after_m) if pairs
                                                                       else after_m)]
    if not quoted and re.search(r"[\u3040-\u30ff]", said):
        quoted = [next(g for g in q if g) for q in _QUOTE.findall(before)]  # 「`active` と表示されること」
    if any(_runs(q) for q in quoted):
        return None  # "Expected: `SELECT count(*) ...` returns 0": a query of its own, with its own result
    value = quoted[0] if quoted else None
    if value is None:
        c = _CJK_BARE.search(after_m)
        value = c.group(1).rstrip("。.") if c and re.search(r"[\d\w]", c.group(1)) else None
    if value is None:
        # a number written bare where the sentence ends or pauses: "Expected result: 0. (Mirth's own ...)", "It
        # must return 1." (never "Expected: 5 successful calls", whose number is one of several words)
        n = re.match(r"\s*[:=]?\s*(-?\d+(?:\.\d+)?)(?=\s*(?:[.;,)(]|$))(?!\.\d)", said[m.end():])
        value = n.group(1) if n else None
        if value is not None and re.fullmatch(r"[1-5]\d\d", value) \
                and any(prog.rsplit("/", 1)[-1] in HTTP_CLIENTS for prog in programs(command)):
            value = None  # "(it should return 200)" over `curl … | jq .`: the answer's status, never its body
    several = len(quoted) > 1
    inexact = bool(_INEXACT.search(said)) or several or value is None
    machines = bool(_ALL_OF_THEM.search(said))
    every = bool(QUANTIFIED.search(said)) or machines
    return Stated(text=text, value=None if inexact else value, every=every, exact=not inexact and about,
                  about_output=about, machines=machines)


def _runs(text: str) -> bool:
    """A code span that is a command or a query to run, not a value printed: two words or more that parse as
    shell commands or SQL."""
    from golive.plan.md_shell import is_sql, looks_like_commands

    return " " in text.strip() and not text.strip().startswith(("{", "[", "\"")) and (
        is_sql(text) or looks_like_commands(text))


def whole_word(value: str) -> str:
    """The value where it stands as a word of its own: `active` is not found in "inactive", `5.1.8` not in
    "5.1.80" (a plain search for the text passed both); "Status: active." still holds it."""
    pattern = re.escape(value)
    if re.match(r"\w", value):
        pattern = r"(?<![\w-])(?<!\w\.)" + pattern
    if re.search(r"\w$", value):
        pattern += r"(?![\w-]|\.\w)"
    return pattern


def fanout_pattern(value: str) -> str:
    """Every line of a clush/pdsh output is the value: with `host: ` before it, or under clush -b's group headers
    (`---------------` / `search-[01-12] (12)`), which name hosts and carry no result of their own."""
    line = (rf"(?:-{{3,}}|[\w.,@\[\]-]+ \(\d+\)|(?:[\w.@\[\]-]+:[ \t]*)?{re.escape(value.strip())})"
            r"[ \t]*(?:\r?\n\s*|\Z)")
    return rf"\A\s*(?:{line})+\Z"


def last_line_pattern(value: str) -> str:
    """The output ends with the value on a line of its own: what the block's last command prints."""
    return rf"(?:\A|\n)[ \t]*{re.escape(value.strip())}[ \t]*\s*\Z"


_CHECKED_KINDS = ("shell", "http", "sql", "ssh", "check")


def has_check(step: CommentedMap) -> bool:
    """The step already checks a result of its own (an expect, an expected output or exit code)."""
    spec = next((step[k] for k in _CHECKED_KINDS if k in step), None)
    if not isinstance(spec, dict):
        return False
    return bool({"expect", "expect_output"} & set(spec)) or spec.get("expect_exit") not in (None, [0])


class StatedMixin(ImportState):
    def stated_result(self, phase: dict[str, Any], count: int, b: Block, j: int, end: int,
                      said: Block | None) -> None:
        """The result stated next to the block whose steps are phase["steps"][count:]: their check, or a person's
        step after them that quotes it (module docstring)."""
        made = phase["steps"][count:]
        runs = [s for s in made if any(k in s for k in _CHECKED_KINDS)]
        if not runs:
            return
        after = self.blocks[j + 1] if j + 1 < end else None
        if self.shown_output(phase, runs[-1], b, j, end) or self.comment_result(phase, runs[-1], b):
            return
        sources: list[tuple[Block, str]] = []
        if after is not None and after.kind == "para" and not after.placed and after.depth == b.depth:
            sources.append((after, "after"))
        if said is not None and (said.depth == b.depth or (b.parent is not None and self.blocks[b.parent] is said)):
            sources.append((said, "lead"))
        # the sentence after the block stays where it is when the next block could read it as its lead ("If it
        # prints anything else, run:"): taken out, that block would lose its condition
        free = j + 2 >= end or self.blocks[j + 2].kind != "fence"
        for src, where in sources:
            found = stated(src.raw, where, b.text)
            if found is None:
                continue
            if any(has_check(s) for s in runs) and not found.every:
                return  # checked already (the converters before this one read the same words)
            if found.exact and found.value is not None and self.exact_check(phase, runs[-1], b, found, src):
                if where == "after" and free and not _ACTION.search(found.text) and not found.text.endswith(":"):
                    src.placed = True
                return
            self.person_checks(phase, runs[-1], src, found)
            if where == "after" and free and not found.text.endswith((":", "：")):
                src.placed = True
            return

    def shown_output(self, phase: dict[str, Any], step: CommentedMap, b: Block, j: int, end: int) -> bool:
        """"Expected output:" / "You should see:" / "Erwartete Ausgabe:" / "预期输出：" and an output block right
        after the command: one line is the step's check (its output's last line when the block holds several
        commands); more lines, a person compares them, in a step right after the command that shows them. A
        sample ("Example output:", "Output:") states nothing that must come out and stays as it was."""
        intro = self.blocks[j + 1] if j + 1 < end else None
        out = self.blocks[j + 2] if j + 2 < end else None
        if intro is None or out is None or intro.kind != "para" or intro.placed or out.kind != "fence" \
                or out.placed or intro.depth != b.depth or out.depth != b.depth or out.info not in _OUTPUT_LANGS \
                or (out.info in ("", "none") and self.runs(out)):
            return False  # "Both counts must be equal:" over the commands that print them: the next block's lead
        text = fold_width(_clean(intro.text)).strip()
        if not text.endswith(":") or _SAMPLE.search(text) or not (_STATES.search(text) or _SHOULD_SEE.search(text)):
            return False
        shown = out.text.strip("\n")
        lines = [ln for ln in b.text.strip().split("\n") if ln.strip() and not ln.lstrip().startswith("#")]
        one = len(lines) == 1 and "\\" not in lines[0] and "<<" not in lines[0]
        if shown.strip() and "\n" not in shown.strip() and not has_check(step) and not _INEXACT.search(text) \
                and len(shown.split()) <= 3 and not _VARYING.search(shown) \
                and (("shell" in step and isinstance(step["shell"], (dict, str)))
                     or ("http" in step and isinstance(step["http"], dict))):
            found = Stated(text=text, value=shown.strip(), every=False, exact=True, about_output=True)
            if "http" in step or not one:
                made = self.exact_check(phase, step, b, found, intro)
            else:
                spec = step["shell"] if isinstance(step["shell"], dict) else CommentedMap({"command": step["shell"]})
                step["shell"] = spec
                spec["expect_output"] = rf"^[ \t]*{re.escape(shown.strip())}[ \t]*$"
                self.conversions.append(f"line {b.line}: the output shown after it (line {out.line}) -> the step"
                                        " checks it")
                made = True
            if made:
                intro.placed = out.placed = True
                return True
        steps = phase["steps"]
        at = next(i for i, s in enumerate(steps) if s is step) + 1
        steps.insert(at, self.step("manual", {"instruction": block_text(f"{text}\n{shown}")}, out.line, None))
        intro.placed = out.placed = True
        self.inferred.append(f"line {out.line}: the output the document expects ('{text[:50]}') -> a person's step"
                             " after the command shows it, to compare")
        return True

    def comment_result(self, phase: dict[str, Any], step: CommentedMap, b: Block) -> bool:
        """A result stated in a command's own trailing comment (`... .StatusCode   # expect 200`, `whoami  # should
        be root`, `curl ... # 应为 {"status":"UP"}`): the step's check when it is the block's last command, else a
        person's step after the block that quotes the line (golive checks a block's output, not one line's)."""
        if not ("shell" in step or "http" in step) or has_check(step):
            return False
        lines = [ln for ln in b.text.strip().split("\n") if ln.strip() and not ln.lstrip().startswith("#")]
        said = [(n, m) for n, ln in enumerate(lines) if (m := _COMMENT_RESULT.search(ln))]
        if not said:
            return False
        n, m = said[-1]
        value = next(g for g in m.group("q", "v") if g)
        if len(said) == 1 and n == len(lines) - 1 and not m.group("rest"):
            found = Stated(text=m.group(0).strip(), value=value, every=False, exact=True, about_output=True)
            if self.exact_check(phase, step, b, found, b):
                return True
        steps = phase["steps"]
        at = next(i for i, s in enumerate(steps) if s is step) + 1
        quoted = "; ".join(f"`{lines[k].strip()}`" for k, _m in said)
        steps.insert(at, self.step("manual", {"instruction": f"Check what the step above printed, as its comments"
                                                             f" say: {quoted}"[:2000]}, b.line, None))
        self.inferred.append(f"line {b.line}: results stated in the block's comments for lines other than its last"
                             " -> a person's step after it quotes them")
        return True

    def exact_check(self, phase: dict[str, Any], step: CommentedMap, b: Block, found: Stated, src: Block) -> bool:
        """The stated value as the step's own check; False when the step cannot check it exactly."""
        value = found.value or ""
        lines = [ln for ln in b.text.strip().split("\n") if ln.strip() and not ln.lstrip().startswith("#")]
        one = len(lines) == 1 and "\\" not in lines[0] and "<<" not in lines[0]
        if "http" in step and isinstance(step["http"], dict) and not found.every:
            spec = step["http"]
            if "expect" in spec:
                return False
            try:
                doc = json.loads(value)
            except ValueError:
                doc = None
            expect = CommentedMap()  # the status the document did not state: curl's (accepted.py)
            if isinstance(doc, dict) and doc and all(isinstance(v, (str, int, float, bool)) for v in doc.values()):
                expect["json"] = CommentedMap({f"$.{k}": v for k, v in doc.items()})
            else:
                expect["body_contains"] = value
            spec["expect"] = expect
        elif "sql" in step and isinstance(step["sql"], dict) and not found.every \
                and re.fullmatch(r"-?\d+|[\w.:@/+-]{1,100}", value) \
                and re.match(r"(?i)^\s*(select|with|show|table|values)\b", str(step["sql"].get("query", ""))):
            # a count, or one word such as the revision `c41e0d2a7b19` of `SELECT version_num FROM alembic_version`
            step["sql"]["expect"] = CommentedMap({"value": _sql_value(value)})
        elif "shell" in step:
            spec = step["shell"]
            if not isinstance(spec, dict):
                spec = step["shell"] = CommentedMap({"command": spec})
            if found.every and not one:
                return False  # whose lines, of several commands' output? a person reads them
            if found.every and found.machines and not FANOUT.match(lines[0]):
                return False  # "六个节点都必须是 UN" over `nodetool status`: a person reads the columns
            if found.every:
                from golive.plan.importer.items import output_pattern

                spec["expect_output"] = fanout_pattern(value) if FANOUT.match(lines[0]) \
                    else output_pattern(value, "on every line")
            elif one:
                spec["expect_output"] = rf"^\s*{re.escape(value)}\s*$" if re.fullmatch(r"-?\d+(\.\d+)*", value) \
                    else whole_word(value)
            else:
                spec["expect_output"] = last_line_pattern(value)
        else:
            return False
        self.conversions.append(f"line {b.line}: the result stated at line {src.line} ('{found.text[:60]}') -> the"
                                " step checks it")
        return True

    def person_checks(self, phase: dict[str, Any], step: CommentedMap, src: Block, found: Stated) -> None:
        """A person's step right after the command, in the document's words: what golive cannot check exactly."""
        steps = phase["steps"]
        at = next(i for i, s in enumerate(steps) if s is step) + 1
        steps.insert(at, self.step("manual", {"instruction": f"Check what the step above printed: {found.text}"[:2000]},
                                   src.line, None))
        self.inferred.append(f"line {src.line}: the result the document states ('{found.text[:60]}') is not one golive"
                             " can check exactly -> a person's step after the command quotes it")
