"""When a rollback level applies, as its document says: a condition only a person can see hold ("Level 3 — restore
the database. Only if data is wrong.", "When: the migration failed", `<summary>If data is wrong</summary>`), and
the levels it runs after its own steps ("then level 1.", "dann Stufe 1", "luego el nivel 1").

golive applies a level by itself on any failure after a phase it covers; a level the document keeps for a
condition becomes `when:` (golive then names it and a person runs it with `golive rollback RUN --level N`),
so a failed restart never restores the database. The lowest level stays the automatic default unless the
document restricts it ("only if"), ties it to a state of the deployment golive does not track ("o 16 ainda não foi
iniciado", "before promote": level_position.py turns a point a phase marks into `covers`), a person decides it, or
it brings data back."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer.sentences import first_sentence, sentences
from golive.plan.level_chains import leads_back

#: "Only if data is wrong", "nur wenn die Daten falsch sind", "solo si los datos…", "uniquement si…", "solo se…",
#: "somente se…", "データが壊れている場合のみ": the document restricts the level to its condition.
_ONLY = re.compile(r"(?i)^\W*(?:(?:use|run|take|apply)\s+(?:this|it)\s+)?(?:only\s+(?:if|when|in\s+case|once)|"
                   r"nur\s+(?:wenn|falls|bei|im\s+fall)|s[oó]lo\s+(?:si|cuando|en\s+caso)|[uú]nicamente\s+(?:si|cuando)|"
                   r"uniquement\s+(?:si|quand|en\s+cas)|seulement\s+(?:si|quand|en\s+cas)|"
                   r"solo\s+(?:se|quando|in\s+caso)|soltanto\s+se|somente\s+(?:se|quando)|apenas\s+(?:se|quando))\b"
                   r"|^[^。.]{1,60}(?:場合のみ|ときのみ|時のみ)"
                   # "只能在该节点执行 upgradesstables 之前", "仅当数据不一致时", "只有在 DBA 同意后"
                   r"|^\W*(?:只能|只有在|只有当|仅在|仅当|僅在|僅當|仅限|只在|só\s+(?:se|quando))")
#: "When: the migration failed", "Trigger: 5xx above 2 %", "Wenn: …", "Cuando: …", "Quand : …", "Quando: …",
#: "条件：…": the label that says when to take the level (also after its name: "**Level 2: schema.** When: …").
_SAID = re.compile(r"(?i)(?:^|(?<=[.!?:)])\s+|(?<=[—–(（，,;；。])\s*)\W*"
                   r"(?:when|if|trigger(?:s|\s+conditions?)?|conditions?|wenn|falls|"
                   r"ausl(?:ö|oe)ser|bedingung|cuando|si|condici[óo]n|disparadores?|quand|d[ée]clencheurs?|"
                   r"quando|se|condizione|gatilhos?|触发条件|觸發條件|条件|発動条件|トリガー)\s*[:：]\s*(\S.*)$")
#: "Use when the migration ran", "Use this level if …", "Only use it when …", "Take this option if …", "Verwenden, wenn
#: …", "Nur anwenden, falls …", "À utiliser si …", "Utiliser lorsque …", "Usar cuando …", "Úsese si …", "Da usare se
#: …", "Usar quando …": the document says when to choose the level (group 2: the condition, from its "when"/"if").
_USE = re.compile(
    r"(?i)^\W*((?:only|nur|seulement|uniquement|s[oó]lo|solamente|[uú]nicamente|soltanto|somente|apenas)\s+)?"
    r"(?:(?:use|apply|take|choose|pick|run)(?:\s+(?:this|it|me|that)(?:\s+(?:level|option|one|path|variant|"
    r"step|plan|procedure))?)?(?:\s+only)?|to\s+be\s+used|"
    r"(?:diese[ns]?\s+(?:stufe|ebene|option|variante|weg)\s+)?(?:zu\s+)?(?:verwenden|anwenden|nutzen|benutzen|"
    r"einsetzen|w[äa]hlen|nehmen)|"
    r"[àa]\s+(?:utiliser|appliquer|employer|choisir)|(?:utilise[rz]?|applique[rz]?|choisi(?:r|ssez))(?:\s+ce\s+"
    r"(?:niveau|plan|chemin))?|"
    r"(?:usar|[úu]sese|utilizar|aplicar|elegir)(?:\s+(?:este|esta)\s+(?:nivel|opci[óo]n|plan|variante))?|"
    r"(?:da\s+)?(?:usare|utilizzare|applicare|scegliere)(?:\s+questo\s+(?:livello|piano))?|"
    r"(?:use|usa)(?:\s+(?:este|esta)\s+(?:n[íi]vel|op[çc][ãa]o))?)"
    r"\s*,?\s+((?:only\s+|nur\s+|seulement\s+|solo\s+|s[oó]lo\s+)?(?:when(?:ever)?|if|in\s+case|once|wenn|falls|"
    r"sobald|bei|si|quand|lorsque?|en\s+cas|cuando|en\s+caso|se|quando|nel\s+caso|caso)\b\s*\S.*)$")
_RESTRICTS = re.compile(r"(?i)\b(?:only|nur|seulement|uniquement|s[oó]lo|solamente|[uú]nicamente|soltanto|somente|"
                        r"apenas)\b")
#: A name or a part's label that is a condition: "If data is wrong", "Falls die Migration fehlschlägt",
#: "Si los datos están mal", "En cas de données corrompues", "In case the schema is broken".
_IF = re.compile(r"(?i)^\W*(?:if|when|in\s+case(?:\s+of)?|falls|wenn|im\s+fall(?:e)?\s+(?:von|dass)?|si|en\s+caso\s+de|"
                 r"cuando|en\s+cas\s+de|quand|se|nel\s+caso\s+(?:di|in\s+cui)|caso)\b\s*(\S.*)$")
#: A condition in brackets after a level's name: "schema (the migration is wrong)", "code only (app broken, data
#: fine)", "(DBA decides)"; not "(before cutover)", "(before 22:30 only)", "(15 min)" or "(steps 2-3)".
_BRACKETED = re.compile(r"\(([^()]{4,120})\)")
_CONDITION_WORDS = re.compile(r"(?i)\b(?:if|when|only\s+(?:if|when)|decides?|decision|approv\w*|entscheid\w*|"
                              r"d[ée]cide\w*|broken|wrong|fail\w*|bad|corrupt\w*|damaged|lost|missing|"
                              r"unhealthy|stuck|errors?|falsch|kaputt|defekt|fehl\w*|mal|roto|da[ñn]ad[oa]s?|"
                              r"fall[aó]\w*|cass[ée]e?s?|corrompu\w*|[ée]chou\w*|errat\w*|guast\w*|fallit\w*|"
                              # what happened that only a person sees: "(clients crash on launch)", "(someone
                              # deleted a CRD after all)", "(rows inconsistent)"
                              r"crash\w*|deleted|removed|inconsistent)\b")

#: A condition that is a person's decision: "the DBA decides", "on the incident commander's call", "if the release
#: manager approves", "nach Entscheidung des DBA", "si le DBA décide", "si el DBA lo decide", "se il DBA decide".
_DECIDES = re.compile(r"(?i)\b(?:decides?|decided|decision|approves?|approved|approval|sign(?:s|ed)?\s+off|"
                      r"(?:'s|’s)\s+call|discretion|ermessen|says\s+so|agrees?|entscheid\w*|freigabe|genehmig\w*|"
                      r"d[ée]cid\w*|d[ée]cision|approuv\w*|decid\w*|decisi[óo]n|aprueba\w*|aprovaç\w*|decis\w*)\b"
                      # "由 DBA 陈静决定", "需要 CAB 批准", "DBA の判断で"
                      r"|决定|決定|批准|拍板|同意后|判断で")

#: A level kept for a state of the deployment that golive does not track, written in its name: "canary bad, before
#: promote", "after promote", "o 16 ainda não foi iniciado" / "o 16 já foi iniciado", "bevor der Schalter umgelegt
#: ist", "pas encore démarré", "只能在该节点执行 upgradesstables 之前". Never a time bound ("before 22:30"),
#: "after all", nor a numbered phase ("health not green after step 2" names what the level covers: covers.py reads it).
_STATE = re.compile(
    r"(?i)\b(?:before|after|once)\s+(?!all\b)(?!(?:steps?|phases?|stages?|sections?)\s+\w{1,2}\b)(?:the\s+|a\s+|an\s+)?"
    r"[^\W\d]|\b(?:not\s+yet|already|no\s+longer)\b"
    r"|\bainda\s+n[ãa]o\b|\bj[áa]\s+(?:foi|est[áa]|tem|come[çc]ou|rodou|subiu)\b|\b(?:antes|depois)\s+d[eoa]s?\s+[^\W\d]"
    r"|\b(?:todav[íi]a|a[úu]n)\s+no\b|\bya\s+(?:se|ha|fue|est[áa])\b|\b(?:despu[ée]s|antes)\s+de\s+[^\W\d]"
    r"|\bnoch\s+nicht\b|\bbereits\b|\b(?:vor|nach|bevor|sobald)\s+(?:dem|der|den|die|das)?\s*[^\W\d]"
    r"|\bpas\s+encore\b|\bd[ée]j[àa]\b|\b(?:avant|apr[èe]s)\s+(?:le|la|les|l['’]|de|d['’])\s*[^\W\d]"
    r"|之前|以前|之后|之後|以后|以後|尚未|还没|還沒|已经|已經|前に|後に|まだ")
#: "Use case: …", "Anwendungsfall: …", "Caso de uso: …", "适用场景：…": when the level is meant to be used. A kind of
#: failure ("Configuration errors, minor issues", "Database schema issues, data corruption") says what the level
#: repairs, which golive reads from the failed phase (`covers`); only a clause (if/when/only/before/after, a state, a
#: person's decision) is a condition a person must judge.
_USE_CASE = re.compile(r"(?i)^\W*(?:use[\s-]*cases?|anwendungsf[äa]lle?|caso\s+de\s+uso|cas\s+d['’]usage|"
                       r"casos?\s+de\s+uso|适用场景|使用场景|适用情况|用途)\W*\s*[:：]\s*(\S.*)$")
_CLAUSE = re.compile(r"(?i)\b(?:if|when(?:ever)?|only|unless|in\s+case|wenn|falls|nur|si|cuando|quand|se|quando|"
                     r"s[oó]lo|solo|seulement|uniquement|apenas|somente)\b|如果|若|仅|只")

#: "then level 1", "and then Level A", "followed by level 2", "Then run level 1.", "dann Stufe 1", "danach Stufe 1
#: ausführen", "luego el nivel 1", "ensuite le niveau 1", "poi il livello 1", "depois o nível 1".
#: What documents call their levels; a document's own word (the word before the number in its levels' headings,
#: "Rückfallebene 1 – …", "Plan B: …") is read from the levels themselves (`vocabulary`).
_LEVEL_WORDS = (r"level|stufe|ebene|r[üu]ckfallebene|fallback(?:\s+level)?|stage|nivel|niveau|livello|n[íi]vel|option|"
                r"opci[óo]n|variante|variant|back-?out|rollback|plan|tier")


def _chain(words: str) -> str:
    return (r"(?:and\s+|y\s+|und\s+|et\s+|e\s+)?(?:then|followed\s+by|after\s+that|afterwards|dann|danach|"
            r"anschlie(?:ß|ss)end|luego|despu[ée]s|ensuite|puis|poi|quindi|dopo|depois|em\s+seguida)\s*,?\s*"
            r"(?:(?:run|do|apply|go\s+to|continue\s+with|perform|ejecuta(?:r)?|aplica(?:r)?|applique(?:r)?|"
            r"esegui(?:re)?|executa(?:r)?)\s+)?(?:(?:the|el|la|le|die|den|il|lo|o|a)\s+)?"
            rf"(?:{words})\s+"
            r"([A-Z]|\d{1,2})\b(?:\s+(?:aus|ausf[üu]hren|durchf[üu]hren|run|too|as\s+well))?")


_CHAIN = _chain(_LEVEL_WORDS)
_CHAIN_TAIL = re.compile(rf"(?i)\s*[,;–—-]?\s*{_CHAIN}\s*[.)]?\s*$")
#: The word a document puts before its levels' numbers: "Rückfallebene 1 – nur Anwendung zurück" -> "Rückfallebene".
_OWN_WORD = re.compile(r"^\W*([^\W\d_][\w-]{1,30}(?:\s+[^\W\d_][\w-]{1,30})?)\s+([A-Z]|\d{1,2})\b(?!\s*%)")


def vocabulary(levels: list[dict[str, Any]], base: str = _LEVEL_WORDS) -> str:
    """The level words of this document: the fixed ones and the word its own level headings put before their
    number (two levels must agree on it, so a lone heading's first word is not taken for a level word)."""
    seen: dict[str, int] = {}
    for lv in levels:
        m = _OWN_WORD.match(str(lv.get("tag") or lv.get("name") or ""))
        if m:
            seen[m.group(1).lower()] = seen.get(m.group(1).lower(), 0) + 1
    own = [re.escape(w).replace(r"\ ", r"\s+") for w, n in seen.items() if n > 1 or len(levels) == 1]
    return "|".join([*own, base])


def _chain_alone(text: str, words: str) -> str | None:
    m = re.match(rf"(?i)^\W*{_chain(words)}\s*[.!]?\s*$", text.strip())
    return m.group(1) if m else None


def chain_last(text: str, words: str = _LEVEL_WORDS) -> tuple[str, str | None]:
    """A level's prose whose last sentence says which level follows: "Use when the migration ran. Then Option 1."
    -> ("Use when the migration ran.", "1")."""
    parts = sentences(text)
    if len(parts) < 2:
        return text, None
    ref = _chain_alone(parts[-1], words)
    return (" ".join(parts[:-1]), ref) if ref else (text, None)


def _first_sentence(text: str) -> str:
    return first_sentence(text).strip().rstrip(":：").strip()


def condition(name: str, own: list[str]) -> tuple[str, bool] | None:
    """The condition a level states in its name or its own lines (not the conditions written before all the
    levels), and whether the document restricts the level to it ("only if"). A line wrapped in the source is one
    line."""
    own = [" ".join(text.split()) for text in own]
    for text in [name, *own]:
        for sentence in sentences(text):
            if _ONLY.search(sentence):
                return _first_sentence(sentence), True
        for part in _BRACKETED.findall(text):  # "Level 2 — schema (only if the migration broke blue too):"
            if _ONLY.search(part):
                return part.strip(), True
    for text in own:
        case = _USE_CASE.match(text)
        if case and (_CLAUSE.search(case.group(1)) or _STATE.search(case.group(1)) or _DECIDES.search(case.group(1))):
            return _first_sentence(case.group(1)), bool(_RESTRICTS.search(case.group(1)) or _STATE.search(
                case.group(1)))
    for text in [name, *own]:
        for sentence in sentences(text):
            use = _USE.match(sentence)
            if use:  # "Use when the migration ran." -> "when the migration ran"; "Only use it if" restricts it
                kept = _first_sentence(use.group(2))
                return kept, bool(_RESTRICTS.search(sentence[:use.start(2)]) or _ONLY.search(kept))
    for part in _BRACKETED.findall(name):
        if (_CONDITION_WORDS.search(part) or _DECIDES.search(part)) \
                and (_DECIDES.search(part) or not re.search(r"(?i)\b(?:steps?|phases?|min|minutes?|hours?)\b", part)):
            return part.strip(), bool(_STATE.search(part))  # "(canary bad, before promote)": a state too
    m = _IF.match(name)
    if m:  # "if data is wrong: restore" -> "if data is wrong"
        return _first_sentence(re.split(r"\s*[:：–—]\s+|\s+-\s+", m.group(0), maxsplit=1)[0]), False
    labels = [first_sentence(text) for text in own if name and name in text]  # "Level 1 (canary bad, before …)"
    for sentence in [*sentences(name), *labels]:
        if _STATE.search(sentence):  # "o 16 ainda não foi iniciado", "canary bad, before promote"
            return _first_sentence(sentence), True
    for text in [name, *own]:
        said = _SAID.search(text)
        if said:
            return _first_sentence(said.group(1)), False
        m = _IF.match(text)
        if m and text.rstrip().endswith(":"):  # "If the migration is wrong:" and then its steps
            return _first_sentence(m.group(0)), False
    return None


def chain_in_name(name: str) -> tuple[str, str | None]:
    """"schema (the migration is wrong), then level 1" -> ("schema (the migration is wrong)", "1")."""
    m = _CHAIN_TAIL.search(name)
    if m is None or m.start() == 0:
        return name, None
    return name[:m.start()].rstrip(" ,;–—-"), m.group(1)


def chain_alone(text: str, words: str = _LEVEL_WORDS) -> str | None:
    """A paragraph (or a person's step) that only says which level follows: "then level 1." -> "1"."""
    return _chain_alone(text, words)


def resolve(ref: str, levels: list[dict[str, Any]], words: str = _LEVEL_WORDS) -> int | None:
    """The number of the level a chain names: by number, else by the letter or number its name gives it."""
    for lv in levels:
        tag = re.match(rf"(?i)^\W*(?:{words})\s+([A-Z]|\d{{1,2}})\b", str(lv.get("tag") or ""))
        if tag and tag.group(1).upper() == ref.upper():
            return int(lv["level"])
    if ref.isdigit() and any(lv["level"] == int(ref) for lv in levels):
        return int(ref)
    return None


def said_text(item: Any) -> str:
    """The text of a person's step (or a description line): what a chain statement would be."""
    if isinstance(item, str):
        return item
    spec = item.get("manual") if isinstance(item, dict) else None
    if isinstance(spec, dict):
        return str(spec.get("instruction") or "")
    return str(spec or "")


def settle(levels: list[dict[str, Any]], restores: dict[int, bool]) -> None:
    """Each level's `when` (the lowest level stays the automatic default, unless the document keeps it for its
    condition with "only if" or it brings data back) and `then` (the levels a chain statement names, the
    statement then no step of its own). A chain that names no level of the plan, or loops, stays as written."""
    if not levels:
        return
    lowest = min(lv["level"] for lv in levels)
    for lv in levels:
        cond = lv.get("condition")
        if cond and (lv["level"] != lowest or cond[1] or restores.get(lv["level"]) or _DECIDES.search(cond[0])):
            lv["when"] = cond[0][:300]
    words = vocabulary(levels)
    wanted: dict[int, list[int]] = {}
    for lv in levels:
        refs = list(lv.get("then_refs") or [])
        refs += [r for item in [*lv["steps"], *lv["description"]] if (r := chain_alone(said_text(item), words))]
        refs += [r for d in lv["description"][-1:] if (r := chain_last(said_text(d), words)[1])]
        numbers = [n for r in refs if (n := resolve(r, levels, words)) is not None and n != lv["level"]]
        numbers += [n for n in by_section(lv, levels) if n != lv["level"]]
        if numbers:
            wanted[lv["level"]] = list(dict.fromkeys(numbers))

    def loops(start: int) -> bool:
        return leads_back(start, wanted.get(start, []), lambda n: wanted.get(n, []))

    def said_chain(text: str) -> bool:
        return resolve(chain_alone(text, words) or "", levels, words) is not None

    for lv in levels:
        chained = wanted.get(lv["level"])
        if lv.get("then_refs") and (not chained or loops(lv["level"])):
            lv["name"] = lv.get("name_written") or lv["name"]  # the chain it names stays in its name, as written
        if not chained or loops(lv["level"]):
            continue
        steps = [st for st in lv["steps"] if not said_chain(said_text(st))]
        if not steps:
            continue  # a level that only says "then level 1": its person's step stays
        lv["steps"] = steps
        description = [d for d in lv["description"] if not said_chain(said_text(d))]
        if description and isinstance(description[-1], str):
            rest, ref = chain_last(description[-1], words)
            if ref is not None and resolve(ref, levels, words) is not None:
                description[-1] = rest  # "Use when the migration ran. Then Option 1.": the chain is `then` now
        lv["description"] = description
        lv["then"] = chained


#: A condition beyond a point of the deployment: "only if …", "unless …", a person's decision.
_BEYOND = re.compile(r"(?i)\b(?:only\s+(?:if|when|in\s+case)|unless|nur\s+(?:wenn|falls)|s[oó]lo\s+(?:si|cuando)|"
                     r"seulement\s+si|uniquement\s+si|solo\s+se|somente\s+se|apenas\s+se|s[óo]\s+se)\b|仅当|只有当|如果")


def restricted_beyond_state(text: str) -> bool:
    """"canary bad, before promote" names a point of the deployment and a symptom golive's failure stands for;
    "only if the DBA agrees, after promote" also keeps the level for a person."""
    return bool(_BEYOND.search(text) or _DECIDES.search(text))


#: "hold tomorrow's job again, then do 6.1": a chain naming the next level by the section number it stands under.
_SECTION_CHAIN = re.compile(r"(?i)\b(?:then|and\s+then|dann|luego|ensuite|puis|depois)\s*,?\s+"
                            r"(?:do|run|apply|perform|"
                            r"follow|execute|repeat)\s+(?:section\s+|step\s+)?(\d{1,2}(?:\.\d{1,2})+)(?![\d.]*\d)")


def by_section(lv: dict[str, Any], levels: list[dict[str, Any]]) -> list[int]:
    """The levels a "then do 6.1" in the level's name, tag or label line names by the section number their labels
    start with ("6.1 Level 1 (before step 5): …")."""
    out: list[int] = []
    label = [d for d in lv["description"][:1] if isinstance(d, str)]
    for text in [str(lv.get("name") or ""), str(lv.get("tag") or ""), *label]:
        for m in _SECTION_CHAIN.finditer(text):
            out += [int(o["level"]) for o in levels if o.get("section") == m.group(1) or re.match(
                rf"^\W*{re.escape(m.group(1))}(?![\d.]*\d)", str(o.get("tag") or o.get("name") or ""))]
    return list(dict.fromkeys(out))
