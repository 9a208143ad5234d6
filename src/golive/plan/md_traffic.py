"""Traffic progressions, hold times and rollback thresholds, read from the text of one block.

The importer walks the markdown-it token stream (golive.plan.md_blocks) and hands one list item or
paragraph at a time to these helpers; the regexes here only ever see that one fragment of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: "10% of traffic", "20% of user traffic", "traffic to 50%" (one percentage, an action on traffic).
_ROUTE = re.compile(r"(?<![\d.])(\d{1,3})\s*%\s*(?:of\s+)?(?:the\s+)?(?:user\s+|live\s+|production\s+)?"
                    r"(?:traffic|requests|users)\b|\btraffic\b\D{0,20}?(?<![\d.])(\d{1,3})\s*%", re.I)
#: The fragment must move traffic ("Route 10% of traffic"), not only mention it ("Check 5% of requests fail").
_MOVE = re.compile(r"\b(route|shift|send|move|direct|switch|increase|ramp|roll|canary|split|expose|release|serve|"
                   r"redirect|migrate|promote|bump|raise)\w*", re.I)
#: A traffic move back to the old version belongs to a rollback, not to a progression (also in German, Spanish,
#: Portuguese and French: "zurück auf", "vorherige", "anterior", "précédente").
_BACK = re.compile(r"\b(old|previous|prior|revert\w*|roll\s*-?back|back\s+to|zur(ü|ue)ck\w*|vorherige\w*|"
                   r"anterior|pr[ée]c[ée]dente?)\b", re.I)
#: "10% -> 25% -> 50% -> 100%", "5%, 25%, 100%", "10% then 50% then 100%" in one fragment.
_PCT = r"(?<![\d.])\d{1,3}\s*%"
#: "then" as the languages runbooks come in write it: "puis" (French), "dann" (German), "luego", "después"
#: (Spanish), "depois" (Portuguese), "poi" (Italian), "daarna" (Dutch).
_THEN = (r"\b(?:then|finally|puis|ensuite|dann|danach|luego|despu[eé]s|depois|poi|daarna|por\s+[úu]ltimo|por\s+fim|"
         r"finalmente|finalement|enfin|schlie(?:ß|ss)lich|zuletzt|infine|alla\s+fine)\b")
_SEP = rf"\s*(?:->|-->|→|⟶|=>|–>|—>|>|,|;|/|{_THEN}|\bto\b|\band\b|\bet\b|\bund\b|\by\b|\be\b)\s*"
#: "of traffic", "of the push API traffic" (a few words naming whose traffic).
_OF = r"(?:\s+of\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:traffic|users|requests|calls))?"
#: Where the share goes, written after it: "to notif-3", "to the canary", "on green".
_DEST = r"(?:\s+(?:to|on|onto)\s+(?:the\s+)?[\w.@/-]+(?:\s+(?:host|pool|node|nodes|version|release|cluster))?)?"
_PROGRESSION = re.compile(rf"{_PCT}{_OF}(?:(?:{_SEP})+{_PCT}{_OF})+")
TRAFFIC_WORD = re.compile(r"traffic|canary|roll\s*-?out|ramp|shift|route|requests|users|weight|load\s*-?\s*balancer|"
                          r"haproxy|upstream|palier|"
                          r"umschalt|umstell|verkehr|anteil|tr[aá]fego|tr[aá]fico|trafic|bascul", re.I)
#: Units of a hold, in English and the languages runbooks come in ("15 Minuten", "1 Stunde", "30 segundos").
_UNITS = (r"(minutes?|minuten|minutos?|minuti|mins?|m|hours?|stunden?|std|horas?|heures?|hrs?|h|seconds?|sekunden?|"
          r"segundos?|secondes?|secondi|secs?|s)\b")
_HOLD = re.compile(
    r"\b(?:monitor|hold|held|wait|observe|soak|watch|bake|pause|stay|keep|manten|mant[eé]m|aguard|esper|"
    r"mainten(?!ance)|maintien|attend)\w*\b[^.;]*?"
    r"\b(\d{1,6}(?:\.\d{1,6})?)\s*(?:(?:-|–|to)\s*(\d{1,6}(?:\.\d{1,6})?)\s*)?" + _UNITS, re.I)
#: German puts the verb last: "jeweils 15 Minuten halten", "10 Minuten beobachten".
_HOLD_AFTER = re.compile(r"\b(\d{1,6}(?:\.\d{1,6})?)\s*(?:(?:-|–|bis)\s*(\d{1,6}(?:\.\d{1,6})?)\s*)?" + _UNITS
                         + r"\s*(?:lang\s+)?(?:halten|warten|abwarten|beobachten|stehen\s+lassen)\b", re.I)
#: An item that is only a hold ("Monitor for 10 minutes"), as the next step after a traffic move.
_HOLD_ITEM = re.compile(r"^\s*(?:monitor|hold|wait|observe|soak|watch|bake|pause)\w*\b", re.I)
#: The hold in a progression applies to every stage: "each held 10 minutes", "10 minutes per stage".
EACH = re.compile(r"\beach\b|\bevery\s+(?:stage|step)\b|\bper\s+(?:stage|step)\b|\bbetween\s+(?:stages|steps)\b",
                  re.I)


#: "10 percent", "10 per cent", "10 Prozent", "10 por ciento", "10 pour cent": written out, the same as "10%".
_PERCENT_WORD = re.compile(r"(?<=\d)\s*(?:percent|per\s+cent|pct|prozent|por\s+ciento|pour\s+cent|por\s+cento)\b",
                           re.I)


#: Weights as bare numbers in a chain up to 100: "nginx weights: 10 -> 50 -> 100" (no `%`, but shares of 100).
_WEIGHT_CHAIN = re.compile(r"(?<![\d.%/:])\d{1,3}(?:\s*(?:->|→|⟶|=>)\s*\d{1,3}){1,9}(?![\d.%/:]|\s*(?:%|[a-z]))", re.I)
_WEIGHT_WORD = re.compile(r"(?i)\bweights?\b|\bgewicht\w*|\bpes[oi]s?\b|\bpoids\b")


def percent_signs(text: str) -> str:
    """The fragment with percentages written out as words turned into `%` signs; so are weights written as a bare
    chain that rises to 100 in a sentence about weights ("weights 10 -> 50 -> 100")."""
    text = _PERCENT_WORD.sub("%", text)
    if not _WEIGHT_WORD.search(text):
        return text

    def signed(m: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", m.group(0))]
        if numbers[-1] != 100 or numbers != sorted(set(numbers)):
            return m.group(0)
        return re.sub(r"\d+", lambda n: n.group(0) + "%", m.group(0))

    return _WEIGHT_CHAIN.sub(signed, text)


def minutes(value: str, unit: str) -> float:
    """'90 minutes', '1.5 hours', '30 s' as minutes (the unit's first letter decides)."""
    n = float(value)
    u = unit.lower()
    if u.startswith(("h", "st")):  # hours, horas, heures, Stunden, Std.
        return n * 60
    if u.startswith("s"):  # seconds, Sekunden, segundos
        return n / 60
    return n


def route_percent(text: str) -> int | None:
    """The traffic percentage of a "Route 10% of traffic to the new version" fragment, else None."""
    text = percent_signs(text)
    m = _ROUTE.search(text)
    if m is None or _BACK.search(text) or not _MOVE.search(text):
        return None
    return int(m.group(1) or m.group(2))


def next_percent(text: str) -> int | None:
    """"Shift 50% and watch for 15 minutes" after a first move of traffic: the next stage, though it does not say
    traffic again; only a move (never a move back) with exactly one percentage that is no limit."""
    text = percent_signs(text)
    if not _MOVE.search(text) or _BACK.search(text):
        return None
    found = [m for m in re.finditer(_PCT, text) if not _COMPARED.search(text[max(0, m.start() - 25):m.start()])]
    return int(found[0].group(0).rstrip("% ")) if len(found) == 1 and len(re.findall(_PCT, text)) == 1 else None


def progression(text: str, context: str = "") -> list[int]:
    """All percentages of a "traffic 10% -> 25% -> 50% -> 100%" fragment (two or more), else []. `context` (the
    phase's name) may say what the percentages are: "10% then 50% then 100%" under "Ramp search-api 3"."""
    return [w for w, _at in stages_in(text, context)]


#: Words between two stages of one progression: a short run of text with a separator ("→", "then", "to", ",").
#: ", for 30 minutes", "(hold 10 min)" right after a stage (and its destination): that stage's own hold.
_STAGE_HOLD = (r"(?:\s*,?\s*\(?\s*(?:for|hold(?:ing)?|held|pendant|f(?:ü|ue)r|durante)\s+(?:~\s*)?"
               rf"\d{{1,4}}(?:\.\d+)?\s*{_UNITS}\s*\)?)?")
_GAP = re.compile(rf"(?:{_OF}{_DEST}{_STAGE_HOLD}(?:{_SEP})+)|[^%.;:\n]{{0,40}}?(?:->|→|⟶|=>|{_THEN}|\bto\b|,)"
                  rf"[^%.;:\n]{{0,25}}?")
#: A percentage compared with something is a limit ("error rate > 1%", "above 2%"), never a traffic stage.
_COMPARED = re.compile(r"(?:(?<![-=–—])[<>≤≥]=?|\b(?:above|below|over|under|exceeds?|more than|less than|"
                       r"at least|at most|rate|errors?|5xx|failures?|cpu|memory|disk)\b)\s*(?:is\s+|of\s+)?$", re.I)
#: "then 50% at T+15", "T+5: send 10%": the minute of a stage on a T-minus timeline.
_AT_T = re.compile(r"^\s*(?:at|@|from|by)\s+T\s*([+-])\s*(\d{1,4})\b", re.I)
_T_BEFORE = re.compile(r"\bT\s*([+-])\s*(\d{1,4})\s*(?:min\w*|m)?\s*[:\-–—]\s*[^%]{0,40}$", re.I)


def stages_in(text: str, context: str = "") -> list[tuple[int, float | None]]:
    """The stages of the first traffic progression in a fragment: (weight, minute on a T-minus timeline if
    written). Stages may stand apart ("send 10% of traffic to green, then 50% at T+15, then 100%"). `context`: the
    heading over the fragment, which may be what says the percentages are traffic ("## Ramp search-api 3")."""
    text = percent_signs(text)
    if not TRAFFIC_WORD.search(text) and not TRAFFIC_WORD.search(context):
        return []
    # a soft line break inside a wrapped sentence ("y por\núltimo el 100 %") is a space, as Markdown reads it
    text = re.sub(r"(?<=[^\W\d])[ \t]*\n[ \t]*(?=[^\W\d])", " ", text)
    for sentence in _SENTENCE.split(text):
        # "Traffic goes 10% → 50% → 100%. Abort (go to Rollback) if ...": a move back elsewhere in the text
        # does not make the progression one
        if not _BACK.search(sentence):
            out = _stages(sentence)
            if out:
                return out
    return []


#: Sentences of a fragment: a full stop, "!" or "?" before a space, or a line end (never "0.5%").
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")


def stage_holds(text: str) -> list[float | None]:
    """The hold written right after each stage of the fragment's progression, in minutes ("1% (5 min) → 10% (10 min)
    → 100%", "10% for 15 min, then 50% for 15 min, then 100%"); None for a stage without one."""
    text = percent_signs(text)
    for sentence in _SENTENCE.split(text):
        if not _BACK.search(sentence) and _stages(sentence):
            return [None if h is None else minutes(h[0], h[1]) for h in _stage_runs(sentence)[1]]
    return []


#: "(5 min)", "(hold 10 minutes)", "for 15 min" right after a stage's percentage.
_OWN_HOLD = re.compile(rf"^{_OF}{_DEST}\s*(?:\(\s*(?:hold\s+|for\s+|~)?(\d{{1,4}}(?:\.\d+)?)\s*{_UNITS}\s*\)"
                       rf"|,?\s*(?:for|pendant|f(?:ü|ue)r|durante)\s+(\d{{1,4}}(?:\.\d+)?)\s*{_UNITS})", re.I)


def _stage_runs(text: str) -> tuple[list[re.Match[str]], list[tuple[str, str] | None]]:
    """The longest run of stage percentages in `text`, and the hold written right after each (value, unit)."""
    found = [m for m in re.finditer(_PCT, text) if not _COMPARED.search(text[max(0, m.start() - 25):m.start()])]
    best: list[re.Match[str]] = []
    run: list[re.Match[str]] = []
    for m in found:
        if run and _GAP.fullmatch(text[run[-1].end():m.start()]):
            run.append(m)
        else:
            run = [m]
        if len(run) > len(best):
            best = list(run)
    holds: list[tuple[str, str] | None] = []
    for m in best:
        h = _OWN_HOLD.match(text[m.end():m.end() + 80])
        holds.append(None if h is None else ((h.group(1), h.group(2)) if h.group(1) else (h.group(3), h.group(4))))
    return best, holds


def _stages(text: str) -> list[tuple[int, float | None]]:
    best = _stage_runs(text)[0]
    if len(best) < 2:
        return []
    out: list[tuple[int, float | None]] = []
    for i, m in enumerate(best):
        at: float | None = None
        after = _AT_T.match(text[m.end():m.end() + 20])
        before = _T_BEFORE.search(text[max(0, m.start() - 60):m.start()]) if i == 0 else None
        if after:
            at = float(after.group(2)) * (-1 if after.group(1) == "-" else 1)
        elif before:
            at = float(before.group(2)) * (-1 if before.group(1) == "-" else 1)
        out.append((int(m.group(0).rstrip("% ")), at))
    return out


_UNIT = _UNITS
#: "15 min at each stage", "10 minutes per step", "each stage: 5 minutes" (no verb: the hold of every stage).
_STAGE_WORD = r"(?:stage|step|palier|[ée]tape|stufe|schritt|etapa|paso|fase|passo)"
_EACH_HOLD = re.compile(rf"\b(\d{{1,6}}(?:\.\d{{1,6}})?)\s*{_UNIT}\s*(?:d'\w+\s+|de\s+\w+\s+)?"
                        rf"(?:(?:at|for|on|in|à|a|en|em|in|auf|bei)\s+(?:each|every|a|chaque|cada|jede[rnm]?|ogni)|per|par|pro|je)\s+"
                        rf"{_STAGE_WORD}\b|\b(?:each|every|per)\s+(?:stage|step)\s*[:=,-]?\s*(?:for\s+)?"
                        rf"(\d{{1,6}}(?:\.\d{{1,6}})?)\s*{_UNIT}"
                        rf"|\b(\d{{1,6}}(?:\.\d{{1,6}})?)\s*{_UNIT}\s*each\b"
                        # "10 minutes at each of the first two", "15 minuti di osservazione dopo ciascuno dei primi due"
                        rf"|\b(\d{{1,6}}(?:\.\d{{1,6}})?)\s*{_UNIT}\s*(?:(?:of|di|de|d')\s*\w+\s+)?"
                        rf"(?:at|after|for|on|in|dopo|nach|apr[èe]s|despu[ée]s\s+de|depois\s+de)\s+"
                        rf"(?:each|every|ciascun[oa]?|ognuno|jede[rnm]?|chaque|cada)\b", re.I)


#: Numbers written as words before a unit ("ten minutes at each step", "zehn Minuten", "diez minutos"): the
#: hold as written, never a default in its place.
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
                 "forty-five": 45, "sixty": 60, "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "fünf": 5, "zehn": 10,
                 "fünfzehn": 15, "zwanzig": 20, "dreißig": 30, "un": 1, "une": 1, "deux": 2, "trois": 3, "cinq": 5,
                 "dix": 10, "quinze": 15, "vingt": 20, "trente": 30, "uno": 1, "una": 1, "dos": 2, "tres": 3,
                 "cinco": 5, "diez": 10, "quince": 15, "veinte": 20, "treinta": 30, "dez": 10, "vinte": 20,
                 "trinta": 30, "dieci": 10, "venti": 20, "trenta": 30, "cinque": 5}
_WORD_NUMBER = re.compile(r"(?i)\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) +
                          r")(?=\s+(?:min|minute|minuto|hour|hora|heure|stunde|second|segund|sekunde))")


def hold_minutes(text: str) -> float | None:
    """Minutes of a hold ("monitor for 10 minutes", "each held 5-10 min": the upper bound; "15 min at each
    stage"), else None."""
    text = _WORD_NUMBER.sub(lambda m: str(_NUMBER_WORDS[m.group(1).lower()]), text)
    m = _HOLD.search(text) or _HOLD_AFTER.search(text)
    if m is not None:
        return minutes(m.group(2) or m.group(1), m.group(3))
    e = _EACH_HOLD.search(text)
    if e is not None:
        n = next(i for i in (1, 3, 5, 7) if e.group(i))
        return minutes(e.group(n), e.group(n + 1))
    return None


#: "Stage 2: 50% for 10 min", "25% — hold 15 minutes", "100%": a list item that is one stage of a ramp.
_STAGE_ITEM = re.compile(r"^\W*(?:(?:stage|step|wave|phase|stufe|schritt|etapa|fase|[ée]tape)\s*\d+\s*[:.)\-–—]\s*)?"
                         r"(\d{1,3})\s*%(?!\S)", re.I)
_STAGE_REST = re.compile(r"^\s*(?:of\s+(?:the\s+)?(?:traffic|users|requests)\s*)?(?:[,;:\-–—(]\s*)?"
                         r"(?:(?:for|hold|held|wait|soak|bake|monitor|observe|then|f(?:ü|ue)r|halten|dann|durante|"
                         r"pendant|por)\b.*)?\)?\.?\s*$", re.I)
#: "for 10 min", and as other languages write it: "für 10 Minuten", "durante 10 minutos", "pendant 10 minutes".
_FOR = re.compile(rf"\b(?:for|f(?:ü|ue)r|durante|pendant|por)\s+(\d{{1,6}}(?:\.\d{{1,6}})?)\s*{_UNIT}", re.I)


def stage_item(text: str) -> tuple[int, float | None] | None:
    """(weight, hold minutes) of a list item that is one stage of a traffic ramp, else None; the caller makes
    sure the list is about traffic (its parent, the phase)."""
    text = percent_signs(text)
    m = _STAGE_ITEM.match(text)
    if m is None or _BACK.search(text) or not _STAGE_REST.match(text[m.end():]):
        return None  # "5% error budget left" is no stage
    f = _FOR.search(text)
    return int(m.group(1)), (minutes(f.group(1), f.group(2)) if f else hold_minutes(text))


def is_hold_item(text: str) -> bool:
    return bool(_HOLD_ITEM.match(text)) and hold_minutes(text) is not None


@dataclass(frozen=True)
class Threshold:
    """A rollback threshold as an `analysis` field of a canary step: `max_error_rate: 1%`, `max_p95: 2s`."""

    #: The Analysis field (max_error_rate, max_p95, max_p99), or "" when no field can carry it.
    key: str
    #: The value as written into the plan ("1%", "2s", "500ms").
    value: str
    #: Comparable amount: a fraction for rates, seconds for latencies.
    amount: float
    #: How the summary names it: "error_rate > 1%", "p95 > 2s".
    label: str
    line: int


#: "above", in English and the languages runbooks come in ("über", "por encima de", "au-dessus de", "acima de").
_ABOVE = (r"(?:>=?|≥|exceeds?|exceeding|above|over|greater than|more than|higher than|(?<!\w)(?:ü|ue)ber(?!\w)|"
          r"oberhalb(?: von)?|mehr als|gr(?:ö|oe)(?:ß|ss)er als|por encima de|superior a|mayor que|au-dessus de|"
          r"sup[ée]rieure? (?:à|a)|acima de|maior que|supera|supere|d[ée]passe|ultrapassa|(?:ü|ue)berschreitet|"
          r"\b(?:sobre)?pas(?:a|an|e|en)(?:\s+del?)?\b|\brebas(?:a|an)\b|\bpass(?:a|am|ar)\s+d[eo]s?\b)"
          r"(?:\s+(?:el|la|le|les|o|a|os|den|die|das|il|lo))?")  # "supera el 1 %", "dépasse le 2 %", "supera il 2%"
_ERROR_RATE = re.compile(r"(?:error[\s_-]*rates?|\berrors\b|5xx(?:[\s_-]*rates?)?|failure[\s_-]*rates?|\bfailures\b|"
                         r"fehler(?:quote|rate|anteil)|tasa de errores?|taux d'erreurs?|taxa de erros?)\D{0,30}?"
                         + _ABOVE + r"\s*(\d{1,3}(?:[.,]\d{1,6})?)\s*%", re.I)
_LATENCY = re.compile(r"(?:\b(p\d{2})\b\s*(?:latency|response\s+time)?|response\s+times?|latency|antwortzeit|latenz|"
                      r"latencia|latence|lat[êe]ncia)\D{0,30}?" + _ABOVE + r"\s*"
                      r"(\d{1,7}(?:[.,]\d{1,6})?)\s*(ms|milliseconds?|millisekunden|s|secs?|seconds?|sekunden)\b"
                      r"(?:.*?\b(p\d{2})\b)?", re.I)


def thresholds_in(text: str, line: int) -> list[Threshold]:
    """Error-rate and latency limits in one rollback criterion ("Error rate exceeds 1%", "p95 > 2 s")."""
    text = percent_signs(text)
    out: list[Threshold] = []
    m = _ERROR_RATE.search(text)
    if m:
        shown = m.group(1).replace(",", ".")  # "0,5 %": a decimal comma
        pct = float(shown)
        out.append(Threshold("max_error_rate" if pct < 100 else "", f"{shown}%", pct / 100,
                             f"error_rate > {shown}%", line))
    m = _LATENCY.search(text)
    if m:
        percentile = (m.group(1) or m.group(4) or "p95").lower()
        unit = m.group(3).lower()
        ms = unit == "ms" or unit.startswith("milli")
        number = m.group(2).replace(",", ".")
        value = f"{number}{'ms' if ms else 's'}"
        seconds = float(number) / (1000 if ms else 1)
        key = {"p95": "max_p95", "p99": "max_p99"}.get(percentile, "")
        out.append(Threshold(key, value, seconds, f"{percentile} > {value}", line))
    return out
