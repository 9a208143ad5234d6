"""Which sentences of a runbook's prose tell a person to do something.

A procedure's paragraphs mix explanation ("The stop takes 1–3 minutes") with instructions that no block carries
("Repeat steps 3–5 for brokers 2–6", "Run level 1 first", "Edit /etc/x and set Y"). Kept only as a phase's
description, an instruction is never asked of anyone, and the plan restarts one broker of six. This module is
pure text work; golive.plan.importer.prose_steps turns a "yes" into a person's step where the sentence stands.

Two strengths:

- *strong*: a repeat ("repeat", "same for", "do the same", "again with", "wiederholen", "répéter", "repetir",
  "ripetere", "繰り返") or an order between parts of the document ("run level 1 first", "do this before Level 1",
  "only after step 3"). Strong instructions count even in the sentence that introduces a block: the block does
  not repeat anything, nor order levels.
- *plain*: a sentence in the imperative ("Note the table count", "Read the diff: ...", "Prüfen Sie ...",
  "Vérifier ...", "確認する"), which counts only where no block follows to carry it out.

Never an instruction: a prohibition ("Do not run ...", "Never ..."), an expectation ("Expected: 0", "must print"),
a trigger ("Roll back if ..."), or an option ("If you want to see it, ...", "You can ...").
"""

from __future__ import annotations

import re

#: A repeat of work written elsewhere: "Repeat steps 3–5", "Same for 50", "Same on `web-2`", "Do the same for
#: eu-west-1", "again with 50", "Wiederholen", "ebenso auf", "Répéter", "de même pour", "Repetir", "lo mismo en",
#: "Ripetere", "da ripetere", "繰り返", "同様に", "同じ手順", "Повторить для", "то же самое на", "Powtórzyć dla",
#: "to samo na".
REPEAT = re.compile(
    r"(?i)\brepeat(?:ed|ing)?\b|\bsame\s+(?:for|on|with|in|again|steps?|procedure|thing)\b|"
    r"\bdo\s+(?:the\s+same|it\s+again|this\s+again|that\s+again)\b|\bagain\s+(?:with|for|on)\b|"
    r"\bwiederhol\w*|\bebenso\s+(?:auf|f(?:ü|ue)r|mit)\b|\bgenauso\s+(?:auf|f(?:ü|ue)r|mit)\b|"
    r"\bdas(?:selbe|\s+gleiche)\s+(?:auf|f(?:ü|ue)r|mit)\b|"
    r"\br(?:é|e)p(?:é|e)t\w*|\bde\s+m(?:ê|e)me\s+(?:pour|sur|avec)\b|\bla\s+m(?:ê|e)me\s+chose\b|\brefaire\b|"
    r"\brepet(?:ir|ia|a|e)\b|\blo\s+mismo\s+(?:en|para|con)\b|\bripet\w*|\blo\s+stesso\s+(?:su|per)\b|"
    r"\brepita\b|\brepetir\b|繰り返|同様に|同じ手順|重复|重複|再做一遍|照此|同样(?:地)?(?:操作|执行|处理)|"
    r"\bherhaal\b|\bhetzelfde\s+(?:op|voor)\b|\bo\s+mesmo\s+(?:em|para|no|na|nos|nas)\b|\brepita\b|"
    r"\bповтор(?:ить|ите|ять|яем|и)\b|\b(?:то\s+же\s+(?:самое\s+)?|аналогично\s+)(?:для|на|с)\b|"
    r"\bpowt(?:ó|o)rz(?:y(?:ć|c))?\b|\bpowtarza\w*|\b(?:to\s+samo|analogicznie)\s+(?:dla|na|z)\b")
#: An order between parts of the document: "run level 1 first", "do this before Level 1", "only after step 3",
#: "erst nach Schritt 2", "avant le niveau 1", "antes del nivel 1", "レベル１の前に".
ORDER = re.compile(
    r"(?i)\b(?:before|after|first|prior\s+to|vor|nach|zuerst|avant|apr(?:è|e)s|d'abord|antes\s+de(?:l)?|"
    r"despu(?:é|e)s\s+de(?:l)?|primero|prima\s+(?:del|di)|dopo)\s+(?:the\s+|der\s+|dem\s+|le\s+|la\s+|el\s+|il\s+)?"
    r"(?:level|step|stage|option|section|phase|stufe|ebene|r(?:ü|ue)ckfallebene|schritt|niveau|(?:é|e)tape|nivel|"
    r"paso|livello|passo|fase)\s*[\dA-Z]\b|"
    r"\b(?:level|step|stage|option|stufe|ebene|schritt|niveau|nivel|livello)\s*[\dA-Z]\s+(?:first|zuerst|"
    r"d'abord|primero|prima)\b|"
    r"(?:レベル|手順|ステップ)\s*[\d０-９]+\s*(?:の前に|の後に|を先に|より前に)")

#: A prohibition: nothing to do, only something not to do (golive.plan.md_meaning reads the blocks it names).
_PROHIBITION = re.compile(
    r"(?i)^\W*(?:(?:if|when|once)\s+[^,]{1,80},\s*)?(?:do\s*n[o']t|don't|never|must\s+not|nicht|niemals|kein\w*|ne\s|"
    r"n'|jamais|no\s|nunca|non\s|mai\s|nie\b)|しないで|禁止")
#: An expectation of what a command or a system shows, never work to do.
_EXPECTATION = re.compile(
    r"(?i)^\W*(?:expect(?:ed|ing)?|erwartet|attendu|esperad[oa]|atteso|result(?:ado)?|r(?:é|e)sultat|ergebnis)\b|"
    r"\b(?:must|should|shall|will|muss|müssen|doit|doivent|debe|deben|deve|devono)\s+(?:be|print|show|say|read|"
    r"return|answer|report|list|stay|remain|sein|zeigen|ausgeben|être|afficher|ser|mostrar|essere)\b|"
    r"(?:されること|であること|となること|と表示されること|こと。?$)")
#: A trigger of the way back: "Roll back if ...", "Abort if ...", "Stop and roll back (R1) if ...".
_TRIGGER = re.compile(
    r"(?i)^\W*(?:stop\s+and\s+)?(?:roll\s*-?\s*back|abort|back\s*-?\s*out|revert|go\s+to\s+(?:the\s+)?"
    r"(?:rollback|level)|abbruch|abbrechen|zur(?:ü|ue)ckrollen|revertir|on\s+arr(?:ê|e)te|annuler)\b.*\b(?:if|when|"
    r"wenn|falls|bei|si|se)\b")
#: An option, not work to do: "If you want to see it, ...", "You can ...", "Optionally ...", "For poking around".
_OPTION = re.compile(r"(?i)\bif\s+you\s+(?:want|like|wish|prefer|need)\b|\byou\s+(?:can|could|may)\b|"
                     r"\boptional(?:ly)?\b|"
                     r"\bfor\s+poking\b|\bfeel\s+free\b|\bis\s+fine\b|\bif\s+needed\b|\bbei\s+bedarf\b|"
                     r"\bsi\s+besoin\b|\bsi\s+(?:vous\s+)?(?:voulez|souhaitez)\b|\bsi\s+quieres\b|"
                     r"\bhold\b.{0,40}\beach\b")  # "Hold 15 minutes at each stage": the ramp's holds (traffic)
#: What may stand before the verb of an imperative: "In both cases, finish ...", "If Patroni shows a lost
#: timeline, stop ...", "Afterwards, ...", "On bill-app-02, ...".
_PREFIX = (r"(?:(?:afterwards|after\s+that|finally|first|next|now|then|also|danach|dann|anschlie(?:ß|ss)end|zuerst|"
           r"ensuite|puis|luego|despu(?:é|e)s|poi|quindi),?\s+|(?:in\s+(?:both|all|each|any|either)\s+cases?|"
           r"once\s+[^,]{1,60}|when\s+[^,]{1,60}|if\s+[^,]{1,80}|on\s+[^,]{1,40}|from\s+[^,]{1,40}|"
           r"in\s+the\s+[^,]{1,30}),\s+){0,2}")  # "Then, in the browser, log in as ...": two may stand there
#: The verbs that start an English, German, French, Spanish or Italian imperative in a runbook.
_VERB = (r"(?:repeat|re-?run|run|execute|wait|skip|edit|set|change|update|open|check|verify|confirm|make\s+sure|"
         r"ensure|note|record|write\s+down|read|review|watch|monitor|look\s+at|compare|restart|reboot|stop|start|"
         r"enable|disable|drain|remove|delete|copy|move|switch|apply|deploy|install|reinstall|upgrade|downgrade|"
         r"restore|tell|notify|post|announce|ask|page|call|log\s+in|sign\s+(?:in|off)|approve|finish|complete|do|"
         r"go|take|put|add|create|replace|merge|clear|flush|purge|scale|reload|promote|tag|close|end|cancel|"
         r"pause|resume|rotate|mount|unmount|back\s+up|kill|empty|hold|let|send|email|inform|warn|ping|flip|type|enter|"
         r"press|click|select|choose|tippen\s+sie|tapez|taper|saisissez|escriba|digite|"
         r"look\s+(?:in|into|for)|log\s+(?:in|on)|"
         r"wiederholen|ausf(?:ü|ue)hren|f(?:ü|ue)hren\s+sie|pr(?:ü|ue)fen(?:\s+sie)?|warten(?:\s+sie)?|starten\s+sie|"
         r"stoppen\s+sie|(?:ü|ue)berspringen|bearbeiten|(?:ä|ae)ndern|setzen\s+sie|kopieren|l(?:ö|oe)schen|"
         r"informieren|r(?:é|e)p(?:é|e)t(?:er|ez)|ex(?:é|e)cut(?:er|ez)|lancer|lancez|relancer|relancez|"
         r"attendre|attendez|v(?:é|e)rifi(?:er|ez)|contr(?:ô|o)ler|modifi(?:er|ez)|(?:é|e)diter|red(?:é|e)marrer|"
         r"arr(?:ê|e)ter|d(?:é|e)marrer|sauter|ignorer|faites|pr(?:é|e)venir|noter|notez|"
         r"repetir|repita|ejecutar|ejecute|esperar|espere|comprobar|compruebe|verificar|verifique|editar|edite|"
         r"modificar|reiniciar|reinicie|detener|detenga|arrancar|omitir|omita|haga|avisar|avise|anotar|anote|"
         r"ripetere|eseguire|esegui|attendere|verificare|controllare|modificare|riavviare|fermare|avviare|"
         r"saltare|avvisare|annotare)")
_IMPERATIVE = re.compile(rf"(?i)^\W*(?:\d+[a-z]?[.)]\s+)?{_PREFIX}(?:please\s+|bitte\s+|veuillez\s+|por\s+favor\s+)?"
                         rf"{_VERB}\b(?!\s*:\s*$)(?![-_/.:]\w)")
#: A Japanese sentence that asks for work ("実施する。", "確認してください。", "繰り返す。").
_JA_IMPERATIVE = re.compile(r"(?:実施|実行|確認|再実行|待機|連絡|記録|適用|編集|変更|停止|起動)"
                            r"(?:する|してください|して下さい|すること)[。．.]?$|(?:繰り返す|待つ|行う)[。．.]?$")
#: A Chinese sentence that asks for work ("编辑 …，把 … 改成 …", "等待 5 分钟", "然后再重启一次"): a verb first.
_ZH_IMPERATIVE = re.compile(r"^\W*(?:(?:然后|接着|再|先|最后|之后|请|並|并)\s*)*(?:编辑|修改|执行|运行|检查|确认|核对|"
                            r"等待|重启|停止|启动|通知|记录|删除|复制|登录|备份|更新|升级|观察|切换|回滚|恢复)")
#: A sentence in the document: after ".", "!", "?" or "。" and a space (a capital, a code span or a bracket next).
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜÀ-Þ(`\"„*])|(?<=。)")


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph's text (one line), as written."""
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]


def not_work(sentence: str) -> bool:
    """A prohibition, an expectation, a trigger or an option: words about work, never work to ask for."""
    return bool(_PROHIBITION.search(sentence) or _EXPECTATION.search(sentence) or _TRIGGER.search(sentence)
                or _OPTION.search(sentence))


#: The last sentence of a paragraph that introduces a block as what comes next: "Then:", "Depois:", "Danach:",
#: "Ensuite :", "Después:", "Then put matchmaking into maintenance:", "然后：". The sentences before it are work of
#: their own, done first ("Edite postgresql.conf e troque a porta. Depois:"); the block does not do them.
THEN_LEAD = re.compile(r"(?i)^\W*(?:then|afterwards|after\s+that|next|depois|em\s+seguida|danach|dann|"
                       r"anschlie(?:ß|ss)end|ensuite|puis|despu(?:é|e)s|luego|poi|quindi|daarna|然后|之后|接着|その後)\b.*[:：]\s*$|"
                       r"^\W*(?:然后|之后|接着|その後).*[:：]\s*$")


def trigger(sentence: str) -> bool:
    """"Stop and go to rollback if the failed-update rate is above 0.5%", "Abort if crash rate > 2%": when to take
    the way back, said in a forward phase (the trigger of the level that undoes it, never work of the phase)."""
    return any(_TRIGGER.search(part) for part in re.split(r"[:;]\s+", sentence))


def expectation(sentence: str) -> bool:
    """"It must print `Configuration file is valid`", "Expected: 0": what a command shows, never work."""
    return bool(_EXPECTATION.search(sentence))


def prohibition(sentence: str) -> bool:
    """"Never again: `systemctl restart haproxy` on more than one edge", "Do not use `sudo su -` here": what not
    to do. A command it names is the one to avoid, never a step."""
    return bool(_PROHIBITION.search(sentence))


#: What makes a level's opening words its condition, not its work: "(trigger: ...)", "if haproxy is down",
#: "only when Kwame and Kofi agree", "wenn ...", "si ...", "se ...", "如果 ...".
_CONDITION_WORDS = re.compile(
    r"(?i)\s*\([^()]*\)|\s+(?:only\s+)?(?:if|unless|when|once|in\s+case|trigger)\b.*$|"
    r"\s+(?:nur\s+)?(?:wenn|falls)\b.*$|\s+(?:seulement\s+|uniquement\s+)?(?:si|quand|lorsque)\b.*$|"
    r"\s+(?:s(?:ó|o)lo\s+|apenas\s+)?(?:si|se|cuando|quando)\b.*$|\s*(?:如果|若|当|當|仅当|僅當).*$")
#: A level's words that are only its condition, ending in a colon before what to do: "Only when Kwame and Kofi
#: agree the migration itself is wrong:", "If the schema broke:", "Nur wenn ...:", "Só se ...:", "仅当 ...：".
LEVEL_CONDITION = re.compile(
    r"(?i)^\W*(?:only\s+(?:if|when|once|after)|if|unless|when|in\s+case\s+of|nur\s+(?:wenn|falls)|falls|wenn|"
    r"seulement\s+si|uniquement\s+si|si|s(?:ó|o)lo\s+(?:si|cuando|se|quando)|apenas\s+se|se|"
    r"(?:仅|僅|只有)?(?:当|當|如果|若))(?![a-z])[^:：]{3,200}[:：]\s*$")


def without_condition(head: str) -> str:
    """A level's words without what says when it runs: "B1 — files only (trigger: health check not 200)" ->
    "B1 — files only"."""
    return _CONDITION_WORDS.sub("", head).strip(" ,;—–-")


def level_work(text: str) -> tuple[str, str] | None:
    """A level opened in words, "traffic back to blue (any stage, trigger: the "Stop if" column): set green to 0
    ..." or "take the edge out of DNS if haproxy is down there anyway: the DNS runbook, ...": (the words before the
    colon, which name the level and say when it runs, and) the work for a person, its name without the condition
    and what follows the colon. A step quoting the condition would read as a trigger to act on; None when the
    words have no such colon."""
    depth, tick = 0, False
    for i, ch in enumerate(text):
        if ch == "`":
            tick = not tick
        elif not tick and ch in "(（":
            depth += 1
        elif not tick and ch in ")）":
            depth = max(0, depth - 1)
        elif not tick and depth == 0 and ch in ":：" and (i + 1 == len(text) or text[i + 1].isspace()):
            head, work = text[:i].strip(), text[i + 1:].strip()
            if not work or len(head) > 200:
                return None
            name = without_condition(head)
            if name == head:
                return None  # nothing in the head says when: "Do this: ..." is work throughout
            return head, f"{name}: {work}" if name else work
    return None


def strong(sentence: str) -> bool:
    """A repeat or an order between the document's parts: work that no block of the document carries out."""
    if _PROHIBITION.search(sentence) or _TRIGGER.search(sentence) or _OPTION.search(sentence):
        return False
    return bool(REPEAT.search(sentence) or ORDER.search(sentence))


def imperative(sentence: str) -> bool:
    """A sentence in the imperative asking a person for work (strong ones included)."""
    if strong(sentence):
        return True
    if not_work(sentence):
        return False
    return bool(_IMPERATIVE.match(sentence) or _JA_IMPERATIVE.search(sentence) or _ZH_IMPERATIVE.match(sentence))


#: "steps 3–5", "step 4", "steps 2 and 3", "Schritte 3 bis 5", "étapes 3 à 5", "pasos 3 a 5", "手順３～５".
_STEP_REF = re.compile(r"(?i)\b(?:steps?|schritte?|(?:é|e)tapes?|pasos?|passi|passo)\s+(\d{1,2})(?:\s*(?:[-–—~]|to|"
                       r"through|thru|bis|(?:à|a)|al)\s*(\d{1,2})|((?:\s*(?:,|and|und|et|y|e)\s*\d{1,2})+))?"
                       r"|(?:手順|ステップ)\s*([\d０-９]{1,2})(?:\s*[～〜~\-－]\s*([\d０-９]{1,2}))?")


def step_numbers(sentence: str) -> list[int]:
    """The step numbers a sentence names ("steps 3–5" -> [3, 4, 5]); [] when it names none."""
    out: list[int] = []
    for m in _STEP_REF.finditer(sentence):
        first, last, more = (m.group(1) or m.group(4)), (m.group(2) or m.group(5)), m.group(3)
        a = int(first.translate(_WIDE))
        b = int(last.translate(_WIDE)) if last else a
        if b < a or b - a > 20:
            b = a
        out += list(range(a, b + 1))
        out += [int(n) for n in re.findall(r"\d{1,2}", more or "")]
    return list(dict.fromkeys(out))


_WIDE = str.maketrans("０１２３４５６７８９", "0123456789")
#: "the install section", "the Deploy section", "section 2", "the previous section", "den Abschnitt Installation".
SECTION_REF = re.compile(r"(?i)\bthe\s+([\w`'\"-]+(?:\s+[\w`'\"-]+){0,2}?)\s+section\b|\bsection\s+[\"'“«]?\s*([\w.-]+)"
                         r"|\babschnitt\s+[\"'„]?([\w.-]+)")


def section_words(sentence: str) -> list[str]:
    """The words a sentence names a section by ("the install section" -> ["install"])."""
    out: list[str] = []
    for m in SECTION_REF.finditer(sentence):
        name = next((g for g in m.groups() if g), "")
        words = [w.strip("`'\"").lower() for w in name.split()]
        out += [w for w in words if w not in ("the", "a", "above", "previous", "next", "same", "whole", "first",
                                              "last", "this", "that")]
    return out
