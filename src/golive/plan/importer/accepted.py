"""What an imported step accepts as success, where the document's command succeeds on more than golive's default.

golive fails a shell step on any exit status but 0 and an `http` step on any status but 200. A terminal does not:

- `curl` succeeds on every answer below 400 (`-f` fails on 400 and above only). An API answers a POST with
  201 Created and a PUT or DELETE with 204 No Content: an `http` step left at 200 failed exactly when the document's
  call had worked (set 10 04's Mender deployments, then the rollback ran). Where the document states no status,
  the step accepts what curl accepts; where it states one, the importer has already written that one.
- A document may redefine a program's exit statuses: "oscap exits 2 when any rule fails, which is normal",
  "`nomad job plan` exits with code 1 when allocations will change. Here that is the normal case, not a failure",
  "robocopy 0-7 = success, 8 or more = failure", "Exit-Code 2 ist normal", "返回 1 表示有变更，不是错误". Kept at
  [0], the step stopped the deployment (and started the rollback) on the outcome the document calls normal. The
  statement is read into `expect_exit` of the step whose last command is that program (or of the step right before
  the statement when it names no other program); statuses it calls failures never join.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from golive.plan.md_commands import CURL_OK
from golive.plan.md_exit import last_argv

#: Words that tie a number to an exit status: "exits 2", "exit code 1", "returns 1", "rc=2", "errorlevel 8",
#: "Exit-Code 2", "código de salida 2", "code de retour 2", "codice di uscita 2", "退出码 2", "返回 1".
_EXIT = (r"(?:exit(?:s|ed|ing)?|return(?:s|ed|ing)?|quits?|terminates?|rc|errorlevel|status(?:es)?|codes?|"
         r"exit-?codes?|r(?:ü|u)ckgabe(?:wert|code)s?|beendet|endet|liefert|gibt|sale|devuelve|retorna|termina|"
         r"sort|renvoie|retourne|esce|restituisce|c(?:ó|o)digos?|codice|sa(?:í|i)da|salida|sortie|retour|uscita|"
         r"退出码|返回码|返回值|退出|返回|終了コード|終了ステータス|exitcode|afsluitcode|eindigt|geeft|çıkış\s+kodu|"
         r"dönüş\s+kodu|종료\s*코드|반환\s*(?:코드|값)|리턴\s*코드)(?:が|は|を|이|가|은|는|u|ı)?")
#: A number, a range ("1-7", "0 to 7", "1 bis 7") or a bound ("below 8", "< 8", "unter 8", "小于 8").
_NUMS = (r"(?P<below>(?:below|under|less\s+than|lower\s+than|<|unter|kleiner\s+als|menos\s+de|menor\s+(?:que|a)|"
         r"inf(?:é|e)rieur\s+(?:à|a)|sotto|minore\s+di|小于|低于|未満)\s*)?"
         r"(?P<a>\d{1,3})(?:\s*(?:-|–|—|\.\.|to|through|bis|a|à|al|até|~|到|至)\s*(?P<b>\d{1,3})(?!\d))?"
         r"(?P<more>(?:(?:\s*,\s*|\s+(?:or|and|oder|und|o|y|e|ou|et|或|和)\s+)\d{1,3}(?!\d))*)")
#: An exit word, a few words at most, then the numbers ("exits with code 1", "exit code 2", "returns 1").
_STATED = re.compile(r"(?<![\w-])" + _EXIT + r"(?:\s*[:=(]|\s+(?:with|mit|con|com|avec|the|an?|codes?|"
                     r"status(?:es)?|values?|von|de|di|el|o|le|la|exit|sa(?:í|i)da|salida|sortie|retour|uscita)(?!\w))"
                     r"{0,3}\s*[`'\"]?" + _NUMS, re.I)
#: A clause of when the status comes ("when any rule fails", "if allocations will change"): its failure words
#: describe the condition, not the verdict.
_CONDITION = re.compile(r"(?i)\b(?:when(?:ever)?|if|wenn|falls|cuando|si|quando|lorsque|se)\b[^,.;:]*")
#: The document says the outcome is no failure.
_GOOD = re.compile(r"(?i)\bnormal\b|\bexpected\b|\bsuccess(?:ful)?\b|\bsucceed(?:s|ed)?\b|\bfine\b|\bok(?:ay)?\b|"
                   r"\bharmless\b|\bacceptable\b|\bintended\b|\bby design\b|\berwartet\b|\berfolg(?:reich)?\b|"
                   r"\bin ordnung\b|\besperad[oa]\b|(?:é|e)xito\b|\bsucesso\b|\battendu\b|\bsucc(?:è|e)s\b|"
                   r"\br(?:é|e)ussi\b|\bnormale\b|\bprevist[oa]\b|\bsuccesso\b|正常|预期|預期|成功|没问题|沒問題|"
                   r"(?:when|if|wenn|falls|cuando|si|quando|lorsque)\b[^.;\n]{0,40}?\b(?:chang|differ|diff|drift|"
                   r"updat|änder|cambi|mudan|modif)|变更|變更|有改动|差异|정상|예상된|문제\s*없|想定|\bnormaal\b|\bverwacht\b|"
                   r"\bbeklenen\b|\bbeklenir\b|차이가\s*있으면|差分があ|\bverschil|fark\s+varsa")
#: The document says the outcome is a failure ("8 or more = failure", "anything else: error").
_BAD = re.compile(r"(?i)\bfail(?:s|ed|ure|ures)?\b|\berrors?\b|\bbroken\b|\bfehler\b|\bfehlgeschlagen\b|"
                  r"\berro\b|\bfalha\b|\b(?:é|e)chec\b|\berreur\b|\berrore\b|\bfallo\b|\bfallid[oa]\b|失败|失敗|错误|"
                  r"錯誤|エラー|오류|실패|에러|\bfout\b|\bmislukt|\bhata\b|hatad|başarısız")
#: A negation just before a failure word turns it into the statement that it is none: "not a failure", "do not
#: treat exit code 2 as a failed step", "kein Fehler", "no es un error", "não é erro", "pas une erreur", "不是错误".
_NOT = re.compile(r"(?i)(?:\bnot\b|\bno\b|n't\b|\bnever\b|\bkein(?:e|en)?\b|\bnicht\b|\bnão\b|\bpas\b|\bnon\b|"
                  r"\bni\b|\bgeen\b|\bniet\b|不是|并非|並非|不算|不会|不會)[^.;\n]{0,40}$")
#: Languages that negate after the word: "오류가 아닙니다", "エラーではない", "hata değil" (_NOT: before).
_NOT_AFTER = re.compile(r"\s*(?:가|이|는|은)?\s*(?:아니|아닙|아님)|\s*(?:では|じゃ)な|\w*\s+değil")
_SENTENCE = re.compile(r"(?<=[.!?。；;])\s+|\n\s*\n")
#: Clients whose "returns 201" is the HTTP status they get, not their exit status or what they print.
HTTP_CLIENTS = frozenset({"curl", "wget", "http", "https", "xh", "httpie", "Invoke-WebRequest", "iwr"})
_CODE = re.compile(r"`([^`\n]+)`")


def _statuses(m: re.Match[str]) -> set[int]:
    a = int(m.group("a"))
    if m.group("below"):
        return set(range(0, min(a, 256)))
    b = int(m.group("b")) if m.group("b") else a
    got = set(range(a, min(b, 255) + 1)) if a <= b else {a}
    got |= {int(n) for n in re.findall(r"\d{1,3}", m.group("more") or "")}
    return {n for n in got if n <= 255}


def _verdict(text: str) -> bool | None:
    """True when the words say no failure, False when they say failure, None when they say neither."""
    plain = _CONDITION.sub(" ", text)
    bad = [m for m in _BAD.finditer(plain) if not _NOT.search(plain[:m.start()][-60:])
           and not _NOT_AFTER.match(plain[m.end():m.end() + 12])]
    if bad:
        return False
    if _GOOD.search(text) or _BAD.search(plain):
        return True  # a failure word, negated: "not a failure"
    return None


def said_statuses(text: str, prog: str | None = None) -> set[int]:
    """Exit statuses a statement calls success, beyond 0; empty when it says none (or only failures). `prog`: the
    program's name also ties numbers to its status ("robocopy 1-7 = success")."""
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    good: set[int] = set()
    named = re.compile(r"(?<![\w-])" + re.escape(prog) + r"\s+" + _NUMS + r"(?=\s*(?:=|:|→|->|means|is|are)\s)",
                       re.I) if prog else None
    for i, sentence in enumerate(sentences):
        found = [*_STATED.finditer(sentence), *(named.finditer(sentence) if named else ())]
        for m in found:
            if re.search(r"(?i)\bhttps?\b", sentence):
                continue  # "HTTP status 201 is expected": a status of an answer, not of the program
            # "0-7 = success, 8 or more = failure": the clause of these numbers ends where the next numbers start
            clauses = re.split(r"[,;]\s+(?=(?:and\s+|or\s+|but\s+|und\s+|y\s+|e\s+|et\s+)?[<>≥]?\s*\d)",
                               sentence[m.start():])
            own = sentence[:m.start()][-80:] + clauses[0]
            verdict = _verdict(own)
            if verdict is None and i + 1 < len(sentences):
                verdict = _verdict(sentences[i + 1])  # "... exits 1 when ... change. That is normal."
            if verdict:
                good |= _statuses(m)
    return good - {0}


def _names(text: str) -> set[str]:
    """Programs a statement names in code spans (`nomad job plan` -> nomad)."""
    return {c.split()[0].rsplit("/", 1)[-1] for c in _CODE.findall(text) if c.split()}


#: What a statement about the step itself starts its subject with ("It exits 2", "The scan returns 1", "Exit code 2
#: is normal"): a pronoun or an article, never a program's name.
_SUBJECT = re.compile(r"(?i)^(?:it|this|that|which|the|its|a|an|these|those|es|er|sie|das|dies|der|die|il|elle|le|"
                      r"la|ce|ello|él|el|ele|ela|isso|o|lo|它|该|該|此|这|這)\b|^$")


def _others(text: str) -> bool:
    """The statement's exit words have a subject that is some program ("`nomad job plan` exits 1", "oscap exits
    2"): it speaks of that program, not of a step it does not name."""
    for m in _STATED.finditer(text):
        before = re.split(r"[.:;!?]\s|\n", text[:m.start()])[-1].strip(" `'\"*_")
        words = before.split()[-4:]
        if words and not _SUBJECT.match(" ".join(words)) and not _SUBJECT.match(before):
            return True
    return False


def _about(text: str, prog: str, adjacent: bool) -> bool:
    """The statement is about this program: it names it, or it stands right by the step and names no other."""
    if re.search(r"(?<![\w-])" + re.escape(prog) + r"(?![\w-])", text):
        return True
    return adjacent and not (_names(text) - {prog}) and not _others(text)


def _text(step: dict[str, Any] | None) -> str | None:
    said = step.get("manual") if isinstance(step, dict) else None
    text = said.get("instruction") if isinstance(said, dict) else said
    return text if isinstance(text, str) else None


#: Words for "differences" in the languages the importer reads: a statement of the diff's status speaks of them.
_DIFFER = re.compile(r"(?i)\bdiff|\bdiffer|unterschied|diff(?:é|e)ren|diferen|verschil|\bfark|차이|差分|差异|差異|"
                     r"различ|różnic")


def _diffs(argv: list[str]) -> bool:
    """A command that compares and reports differences through its status (`diff`, `cmp`, `kubectl diff`,
    `argocd app diff`, `helm diff upgrade`): 1 means "they differ", not "it broke"."""
    return bool(argv) and (argv[0].rsplit("/", 1)[-1] in ("diff", "cmp", "colordiff")
                           or "diff" in argv[1:3])


def _argv(step: dict[str, Any]) -> list[str] | None:
    spec = step.get("shell", step.get("ssh"))
    command = spec.get("command") if isinstance(spec, dict) else spec
    return last_argv(command) if isinstance(command, str) else None


def accept_said(steps: list[dict[str, Any]], description: list[str]) -> list[tuple[int, list[int]]]:
    """`expect_exit` from the document's words on each shell/ssh step of `steps` (a phase's or a level's, before
    carried state is put in front): the person's step right after it, the step's name, or the description of its
    phase/level when that names the program (or names none and the step is the phase's only command). The
    positions and statuses are returned for the summary."""
    out: list[tuple[int, list[int]]] = []
    # the phase's description speaks of this step when it is the phase's only command (counted once, and the
    # description searched once per program: per step and line it made import quadratic in a long phase)
    alone = sum(1 for st in steps if "shell" in st or "ssh" in st) == 1
    described = "\n".join(description)
    diffing = sum(1 for st in steps if _diffs(_argv(st) or []))
    for i, step in enumerate(steps):
        kind = "shell" if "shell" in step else "ssh" if "ssh" in step else None
        spec = step.get(kind) if kind else None
        command = spec.get("command") if isinstance(spec, dict) else spec
        if not isinstance(command, str) or (isinstance(spec, dict) and "expect_exit" in spec):
            continue
        argv = last_argv(command)
        if not argv:
            continue
        prog = argv[0].rsplit("/", 1)[-1]
        if prog in HTTP_CLIENTS:
            continue  # "it returns 201": an answer's status, which the http step or the output check reads
        near = [(t, True) for t in (_text(steps[i + 1]) if i + 1 < len(steps) else None, step.get("name"))
                if isinstance(t, str)]
        good: set[int] = set()
        # not alone, a line is about the program only when it names it (_about), or when the step is the phase's
        # one comparing command: "(differences give exit code 1, which is normal)" read into the description speaks
        # of the diff, whose convention is 1 = differences found (argocd app diff, kubectl diff, diff, cmp)
        compares = _diffs(argv) and diffing == 1
        lines = description if alone or prog in described or compares else []
        for text, adjacent in [*near, *((d, alone) for d in lines)]:
            if _about(text, prog, adjacent) or (compares and _DIFFER.search(text) and not _names(text) - {prog}):
                good |= said_statuses(text, prog)
        if not good or kind is None:
            continue
        if not isinstance(spec, dict):
            spec = step[kind] = CommentedMap({"command": command})
        statuses = CommentedSeq(sorted(good | {0}))
        statuses.fa.set_flow_style()
        spec["expect_exit"] = statuses
        out.append((i, list(statuses)))
    return out


def curl_statuses(steps: list[dict[str, Any]]) -> int:
    """`expect.status` on each `http` step whose status the document did not state: what curl accepts. Steps with
    a stated status keep it. Returns how many were given curl's statuses."""
    count = 0
    for step in steps:
        spec = step.get("http")
        if not isinstance(spec, dict):
            continue
        expect = spec.get("expect")
        if isinstance(expect, dict) and "status" in expect:
            continue
        statuses = CommentedSeq(CURL_OK)
        statuses.fa.set_flow_style()
        if isinstance(expect, dict):
            expect["status"] = statuses
        else:
            spec["expect"] = CommentedMap({"status": statuses})
        count += 1
    return count
