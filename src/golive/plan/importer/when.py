"""The deployment window and clock ranges in phase headings."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from golive.plan.importer.clock import (
    CLOCK,
    Span,
    Zone,
    ambiguous_date,
    clock_of,
    date_in,
    in_utc,
    span_in,
    text_of,
    written_times,
    zone_in,
)
from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _DURATION, Unplaced, _clean, _parse_clock
from golive.plan.importer.weekdays import window_day
from golive.plan.md_blocks import Block
from golive.plan.md_traffic import minutes as _minutes

_PHASE_START = re.compile(r"(?i)\W*(phase|step|stage)\s*\d")
_DATE_KEY = re.compile(r"(?:planned |change |deployment |release |go-?live |maintenance |scheduled )?(?:date|day)"
                       r"|datum|termin|fecha|data")
#: The key of a window fact, in English and the languages runbooks come in: "Wartungsfenster", "Zeitfenster",
#: "Fenêtre de maintenance", "Ventana", "Janela de manutenção", "Onderhoudsvenster".
_TIME_KEY = re.compile(r"window|^(?:start )?time$|^when$|^schedule|^(?:planned|change|deployment|maintenance) "
                       r"(?:time|slot)|fenster|zeitraum|fen[eê]tre|cr[ée]neau|ventana|janela|venster|finestra|"
                       # Polish, Russian: "Okno serwisowe", "Окно работ"
                       r"^okno\b|^окно\b|"
                       r"^(?:uhr)?zeit$|^horario$|^hora$|^horaire$|^heure$|"
                       # Japanese, Chinese, Korean: 作業時間, 作業日時, 窗口, 变更时间, 작업 일시, 작업 시간
                       r"作業(?:時間|日時)|^日時$|窗口|(?:变更|發布|发布|部署)?时间$|일시$|작업\s*시간|"
                       # "Next rotation: Tuesday 8 December 2026, 10:00–11:00 CET": the next time it is done
                       r"^next\s+(?:rotation|run|release|deploy\w*|change|upgrade|window|maintenance|time)$")
#: ("Planned start date: 12/18/2026 11:30:00 PM": a ServiceNow change's schedule, a date and a time.)
_START_KEY = re.compile(r"(?:planned |scheduled |window |change )?(?:start|begin)s?(?: time| at| date/time| date)?")
_END_KEY = re.compile(r"(?:planned |scheduled |window |change )?(?:end|finish)(?:s|es)?(?: time| at| date/time| date)?")
_ROLLBACK_KEY = re.compile(r"roll\s*-?back|back\s*-?\s*out|point of no return|decision point|no-?return|"
                           r"retour\s+arri[eè]re|"
                           r"r(ü|ue)ckfall|r(ü|ue)ckkehr|non[- ]retour|no retorno|sem retorno|restor|reversi[oó]n|"
                           r"revers[aã]o|revert|rientro|"
                           # Chinese, Japanese, Korean: "回退截止", "回滚", "切り戻し", "롤백"
                           r"回退|回滚|回滾|切り戻し|切戻し|롤백|"
                           # Polish, Russian: "wycofanie", "откат"
                           r"wycofani|откат")
_PROSE_WINDOW = re.compile(r"(?i)\b(window|run (this|the) change|scheduled|maintenance|we will|deploy(ment)? (on|at)|"
                           r"takes place|between)\b")
#: "Rollback possible until 02:15", "back-out decision at 05:00 at the latest", "rollback window closes at 07:30".
#: "the database can be restored until 20:30", "Data can only be put back until 11:45 PM", "Rückfall bis 23:30".
_ROLLBACK_PROSE = re.compile(r"(?i)\b(roll\s*-?back|back\s*-?out|restor\w*|put\s+back|r(ü|ue)ckfall\w*|reversi[oó]n|"
                             r"revers[aã]o|revert\w*|wycofani\w*|откат\w*)(?!\w)[^.;]*?"
                             r"\b(until|by|before|closes?|latest|no later|bis|avant|hasta|até|najp(?:ó|o)(?:ź|z)niej|"
                             r"не\s+позднее|до)\b"
                             # "No rollback after 15:30", "no back-out past 02:00"
                             r"|\bno\s+(?:more\s+)?(?:roll\s*-?backs?|back\s*-?outs?)\s+(?:after|past|beyond)\b"
                             # "the old pipeline must be back by 09:15 at the latest if we abort": a deadline for
                             # being back, in a sentence that says it is the abort case
                             r"|\b(?:must|has\s+to|have\s+to|needs?\s+to)\s+be\s+back\s+(?:in\s+place\s+)?(?:by|before)\b"
                             r"(?=[^.;]*\b(?:abort\w*|roll\s*-?\s*back|back\s*-?\s*out|revert\w*|fall\s*back)\b)")
#: A sentence about the zone of every time in the document: "All times are CET", "Times in UTC", "Time zone:
#: Europe/Berlin", "Toutes les heures : heure de Paris", "Alle Zeiten in MEZ", "Todos los horarios en CET".
#: "(all times America/Chicago)" says it with no verb (never "at all times").
_ZONE_STATEMENT = re.compile(r"(?i)\b(?:all\s+)?times?\s+(?:are|is|in|given|shown)\b|(?<!\bat\s)\ball\s+times\b|"
                             r"\btime\s*-?zone\b|\bheures?\b|"
                             r"\bzeiten\b|\bzeitzone\b|\bhorari(?:o|os)\b|\bhoras?\b")
#: A question asking when, the paragraph after it answers: "**Q: When?**", "When is it?", "Quando?", "Wann?".
_ASKS_WHEN = re.compile(r"(?i)^\W*(?:q\s*\d*\s*[:.)]\s*)?(?:when|wann|quand|cu[aá]ndo|quando)\b[^?\n]{0,40}\?\W*$")
#: A T-minus timeline: "T-0 = 06:00 UTC" is the anchor, "T-30min", "T+15" are minutes from it.
_END = re.compile(r"(?i)\b(end(s|ing)?|finish(es)?|close[sd]?)\b")
_T_ZERO = re.compile(r"(?i)\bT\s*[-−]?\s*0\s*(?:=|:|is|at)\s*")
_T_OFFSET = re.compile(r"(?<![\w-])T\s*([+\-−])\s*(\d{1,4})\s*(h|hours?|m|mins?|minutes?)?(?![\w])", re.I)


#: Where a sentence ends, never between a day's number and its month ("Sonntag, 7. März 2027" is one date).
_SENTENCE_END = re.compile(r"(?<=[.!?])(?!(?<=\d\.)\s+(?:Jan|Feb|M(?:ä|ae)r|Mar|Apr|Ma[iy]|Jun|Jul|Aug|Sep|O[ck]t|Nov|"
                           r"De[cz])[a-zä]*\b)\s+(?=[A-Z])|\n|\s+[·•|]\s+")


#: "22:00 CET for 3 hours", "for 90 minutes": a window given by its start and how long it lasts.
#: A window the document says recurs every day ("every night", "daily", "täglich", "cada noche", "毎日").
_DAILY = re.compile(r"(?i)\b(?:daily|nightly|every\s+(?:day|night|morning|evening)|each\s+(?:day|night)|t(?:ä|ae)glich|"
                    r"jede\s+nacht|jeden\s+tag|todos\s+los\s+d[ií]as|cada\s+(?:d[ií]a|noche)|chaque\s+(?:jour|nuit)|"
                    r"tous\s+les\s+jours|ogni\s+(?:giorno|notte)|todos\s+os\s+dias|todas\s+as\s+noites)\b|毎日|每天|매일")
_FOR_DURATION = re.compile(r"(?i)\bfor\s+(?:about\s+|~)?(\d+(?:\.\d+)?)()\s*(hours?|hrs?|h|minutes?|mins?|m)\b")


class WhenMixin(ImportState):
    def prelude(self) -> list[Block]:
        """The paragraphs and tables before the first phase: where a window stated in prose stands."""
        out: list[Block] = []
        first = min((p["line"] for p in self.phases), default=None)
        for b in self.blocks:
            if b.kind == "heading" and (_PHASE_START.match(b.text) or (first is not None and b.line >= first)):
                break
            if b.kind in ("para", "table") or (b.kind == "item" and b.depth == 0 and b.checked is None):
                out.append(b)  # "- **Window:** ..." in a list of the change's facts
        return out

    def window_in_prose(self) -> None:
        """No window section: a sentence like "We will run this change on Saturday 02:00-06:00 UTC" (or a
        `**Window**:` line) in the text before the phases gives it; "rollback window closes at 07:30"; else a
        T-minus timeline ("T-0 = 06:00 UTC", "T-30min")."""
        if self.window is not None or self.window_undated is not None:
            return
        prelude = self.prelude()
        facts = {**self.front_facts}
        for key, fact in self.prelude_facts(prelude).items():
            facts.setdefault(key, fact)
        # (a sentence wrapped at a line end goes on: "shall begin no later\nthan 2100 EST")
        rollback = next(((s, b) for b in prelude if b.kind == "para" for s in self.sentences(
            re.sub(r"(?<![.!?:;])\n(?=[a-z])", " ", b.text)) if _ROLLBACK_PROSE.search(s)
            and CLOCK.search(written_times(s))), None)
        timed = any(_ROLLBACK_KEY.search(k) and CLOCK.search(written_times(v)) for k, (v, _b) in facts.items())
        if rollback is not None and not timed:
            facts["rollback window"] = rollback
        paired = any(_START_KEY.fullmatch(k) for k in facts) and any(_END_KEY.fullmatch(k) for k in facts)
        if paired or any((_TIME_KEY.search(k) and not _ROLLBACK_KEY.search(k))
                         or (_DATE_KEY.fullmatch(k) and span_in(v)) for k, (v, _b) in facts.items()):
            self.window_from(facts, facts[next(iter(facts))][1])
            if self.window is not None or self.window_undated is not None:
                return
        blocks = [b for b in prelude if b.kind == "para"]
        # after every sentence alone: "Tonight's window is" + line break + "**Thursday ..., 21:00 to 23:00 UTC**"
        # (one sentence wrapped at a line end), and an answer to a "**Q: When?**" standing just before it
        tried = [(s, b, False) for b in blocks for s in self.sentences(b.text)]
        for b in blocks:
            parts = self.sentences(b.text)
            tried += [(f"{a.rstrip()} {nxt.lstrip()}", b, False) for a, nxt in pairwise(parts)
                      if not re.search(r"[.!?:;]\W*$", a)]
            at = self.blocks.index(b)
            before = self.blocks[at - 1] if at > 0 else None
            if before is not None and before.kind in ("para", "heading") and _ASKS_WHEN.match(_clean(before.text)):
                tried += [(s, b, True) for s in parts]
        # a dated span first: "maintenance is the first Tuesday, 8am–5pm. This one is Tue Dec 1 2026, 08:00–17:00"
        # is the one on that date, in a paragraph about the window
        dated = [(s, b, asked or bool(_PROSE_WINDOW.search(b.text))) for s, b, asked in tried
                 if isinstance(getattr(span_in(s), "start", None), datetime)]
        for sentence, b, asked in dated + tried:
            sentence = re.sub(r"(?i)\bbetween\s+(\S+(?:\s*[ap]\.?m\.?)?)\s+and\s+", r"\1 - ", sentence)
            if span_in(sentence) is None or not (asked or _PROSE_WINDOW.search(sentence)):
                continue
            said: dict[str, tuple[str, Block]] = {"window": (sentence, b)}
            if rollback is not None:
                said["rollback window"] = rollback
            self.window_from(said, b)
            if self.window_undated is not None:
                return
            if self.window is not None:
                self.inferred.append(f"line {b.line}: window read from the sentence '{_clean(sentence)}'")
                return
        self.timeline_window()

    def front_matter_window(self, lines: list[str]) -> None:
        """`window: 2026-12-05T20:00+01:00/2026-12-05T22:00+01:00`, `date:` / `start:` / `end:` / `timezone:` keys
        of the YAML front matter (lines 2..): window facts, as the same words in the text would be."""
        for n, line in enumerate(lines, 2):
            m = re.match(r"^([A-Za-z][\w -]{0,40}?)\s*:\s*(\S.*?)\s*$", line)
            if m is None:
                continue
            key, value = m.group(1).replace("_", " ").replace("-", " ").lower(), m.group(2).strip("'\"")
            if _TIME_KEY.search(key) or _DATE_KEY.fullmatch(key) or _START_KEY.fullmatch(key) \
                    or _END_KEY.fullmatch(key) or _ROLLBACK_KEY.search(key) or re.search(r"zone|\btz\b", key):
                self.front_facts.setdefault(key, (value, Block("para", line, line, n)))

    def prelude_facts(self, prelude: list[Block]) -> dict[str, tuple[str, Block]]:
        """`| Change window | Sat 02:00-06:00 UTC |` rows and `**Date:** 2026-02-21 · **Window:** ...` or
        `window: ...` lines before the first phase."""
        facts: dict[str, tuple[str, Block]] = {}
        for b in prelude:
            if b.kind == "table":
                for k, v in self.fact_rows(b).items():
                    facts.setdefault(k, (v, b))
                continue
            # "**变更窗口：** 2026年…": a key's full-width colon (never a clock's, "０２：００")
            for line in re.sub(r"：(?![0-9０-９])", ": ", b.text).split("\n"):
                last: str | None = None
                # "**Planned start:** 09/Dec/26 6:00 PM   **Planned end:** 09/Dec/26 9:00 PM": fields side by side,
                # apart by a run of spaces before the next key
                line = re.sub(r"\s{3,}(?=[A-Za-z][\w ./-]{0,40}?:\s)", " · ", line)
                for n, chunk in enumerate(re.split(r"\s+[·•|]\s+", line)):
                    for i, part in enumerate(self.sentences(chunk)):
                        m = re.match(r"^\s*([^\W\d_][\w ./'’-]{0,40}?)\s*:\s+(\S.*)$", part)
                        if m:
                            last = m.group(1).strip().lower()
                            facts.setdefault(last, (m.group(2).strip(), b))
                        elif n > 0 and i == 0 and last is not None and facts[last][1] is b:
                            # "Window: Monday 12 April 2027 · 18:30–20:00 BST": the part after the dot goes on
                            facts[last] = (f"{facts[last][0]} {part.strip()}", b)
        return facts

    @staticmethod
    def sentences(text: str) -> list[str]:
        return [s for s in _SENTENCE_END.split(text) if s.strip()]

    def timeline_window(self) -> None:
        """"T-0 = 06:00 UTC" with a timeline of "T-30min", "T+5", ...: the window opens at the earliest entry
        and ends at the written end of the window, else at the last entry."""
        texts = [(_clean(b.text), b) for b in self.blocks if b.kind in ("para", "item", "heading")]
        texts += [(" ".join(r[0] for r in b.rows), b) for b in self.blocks if b.kind == "table" and b.rows]
        anchors = [(t[m.end():], b) for t, b in texts for m in _T_ZERO.finditer(t)]
        anchor = next((a for a in anchors if CLOCK.match(a[0].lstrip())), None)  # "T-0 = 06:00", not "T-0: go"
        c = CLOCK.match(anchor[0].lstrip()) if anchor else None
        hm = clock_of(c.group(1)) if c else None
        if anchor is None or hm is None:
            return
        offsets = [(-1 if m.group(1) in "-−" else 1) * _minutes(m.group(2), m.group(3) or "m")
                   for t, _b in texts for m in _T_OFFSET.finditer(t)]
        day = next((d for t, _b in texts[:40] for part in self.sentences(t) if (d := date_in(part)) is not None),
                   None)
        zero = datetime.combine(day or date(2000, 1, 1), time(*hm))
        start = zero + timedelta(minutes=min([0.0, *offsets]))
        end_text = next((part for t, _b in texts for part in self.sentences(t)
                         if _END.search(part) and CLOCK.search(part)), None)
        said = _END.search(end_text) if end_text else None
        e = (CLOCK.search(end_text, said.end()) or CLOCK.search(end_text)) if end_text and said else None
        ehm = clock_of(e.group(1)) if e else None
        if ehm is not None:
            end = datetime.combine(zero.date(), time(*ehm))
            end += timedelta(days=1) if end <= start else timedelta(0)
        elif max([0.0, *offsets]) > 0:
            end = zero + timedelta(minutes=max(offsets))
        else:
            return
        span = Span(start if day else start.time(), end if day else end.time(), zone_in(anchor[0], day))
        self.set_window(span, span.zone, None, anchor[1].line, _clean(anchor[1].text))
        if self.window is None:
            return
        self.inferred.append(f"line {anchor[1].line}: window from the T-minus timeline (T-0 = {hm[0]:02d}:{hm[1]:02d},"
                             f" earliest T{min([0.0, *offsets]):+.0f}m)")

    def range_minutes(self, a: str, b: str) -> float | None:
        s, e = _parse_clock(a), _parse_clock(b)
        if s is None or e is None:
            return None
        minutes = (e[0] * 60 + e[1]) - (s[0] * 60 + s[1])
        if minutes <= 0:
            minutes += 24 * 60
        return float(minutes)

    def window_section(self, idx: int, end: int) -> None:
        """A "Deployment Window" / "Schedule" section: its facts, else the first sentence in it that states a
        time range ("Saturday, September 12, 2026 · 6:00 AM – 8:00 AM Europe/Dublin")."""
        facts = self.facts(idx, end, mark=False)
        self.window_from(facts, self.blocks[idx])
        for b in self.blocks[idx:end]:  # the heading itself may state it ("## Window: Sat 02:00-06:00 UTC")
            if self.window is not None:
                return
            if b.kind not in ("para", "item", "heading"):
                continue
            line = _clean(b.text).replace("\n", " ")
            if span_in(line) is not None:
                kept = {k: v for k, v in facts.items() if _DATE_KEY.fullmatch(k) or _ROLLBACK_KEY.search(k)}
                self.window_from({**kept, "window": (line, b)}, self.blocks[idx])

    def scan_window_facts(self, idx: int, end: int) -> None:
        """A general section (a change record's table, an appendix) holding the window's facts."""
        facts = self.facts(idx, end, mark=False)
        if self.window is None and self.window_undated is None and any(
                _ROLLBACK_KEY.search(k) or _TIME_KEY.search(k) for k in facts):
            self.window_from(facts, self.blocks[idx])

    def window_from(self, facts: dict[str, tuple[str, Block]], heading: Block) -> None:
        """The window from the facts of a section, a table or a sentence: a date, a time range (or a start and
        a duration, or a start and an end), a time zone, and when rollback stops being possible."""
        date_key = next((k for k in facts if _DATE_KEY.fullmatch(k)), None)
        day = date_in(facts[date_key][0]) if date_key else None
        time_key = next((k for k in facts if _TIME_KEY.search(k) and not _ROLLBACK_KEY.search(k)), None)
        if time_key is None and date_key and span_in(facts[date_key][0]) is not None:
            time_key = date_key  # "Date: December 6, 2026 10:00 PM → December 7, 2026 12:30 AM" (Notion)
        time_text = facts[time_key][0] if time_key else ""
        start_key = next((k for k in facts if _START_KEY.fullmatch(k)), None)
        end_key = next((k for k in facts if _END_KEY.fullmatch(k)), None)
        if start_key and end_key and span_in(time_text) is None:
            # | Start | 01:00 UTC | + | End | 03:00 UTC |, "Start time" / "End time"
            time_text = f"{facts[start_key][0]} - {facts[end_key][0]}"
            facts.setdefault("start", facts[start_key])
            facts.setdefault("end", facts[end_key])
        span = span_in(time_text, day or date_in(time_text))
        if span is None:
            span = self.start_and_duration(time_text, day or date_in(time_text), facts)
        if span is None:
            return
        zone = span.zone or next((z for k, (v, _b) in facts.items() if re.search(r"zone|\btz\b", k)
                                  if (z := zone_in(v)) is not None), None) or self.zone_statement() \
            or self.zone_of_same_times(span)
        if zone is None:
            self.unknown_zone(time_text, heading.line)
        either = ambiguous_date(time_text) or (ambiguous_date(facts[date_key][0]) if date_key else None)
        if either and not isinstance(span.start, datetime):
            self.unplaced.append(Unplaced(heading.line, f"date '{either}'", "day and month could be either way round:"
                                          " the window is a daily one; write the date as YYYY-MM-DD"))
        rb_keys = [k for k in facts if _ROLLBACK_KEY.search(k)]  # the one that says a time: not "Rollback is at the
        rb_key = next((k for k in rb_keys if CLOCK.search(written_times(facts[k][0]))), None)  # bottom: read it
        # before you start"
        until: datetime | time | None = None
        said = _ROLLBACK_PROSE.search(time_text)
        if rb_key is None and said is not None and CLOCK.search(time_text, said.end()):
            # "19:00–21:00 CET (the database can be restored until 20:30 CET, not after)"
            facts["rollback window"] = (time_text[said.start():], facts[str(time_key)][1])
            rb_key = "rollback window"
        if rb_key:
            rb_text = written_times(facts[rb_key][0])  # "We can still roll back until noon"
            after = _ROLLBACK_PROSE.search(rb_text)  # the time after "until", never the window's start
            c = (CLOCK.search(rb_text, after.end()) if after else None) or CLOCK.search(rb_text)
            hm = clock_of(c.group(1)) if c else None
            if hm is not None:
                until = self.after_start(span, hm)
                zone = zone or zone_in(facts[rb_key][0])
        for key in (date_key, time_key, rb_key, "start", "end", "duration"):
            if key in facts:
                facts[str(key)][1].placed = True
        context = " ".join([time_text, _clean(heading.text), *(v for v, _b in facts.values())])
        self.set_window(span, zone, until, heading.line, context, time_text, facts[date_key][0] if date_key else "")

    def zone_statement(self) -> Zone | None:
        """"All times are Amsterdam time (CET)", "Times in UTC", "Toutes les heures sont en heure de Paris": a
        sentence before the phases saying what zone every time of the document is in."""
        for b in self.prelude():
            if b.kind != "para":
                continue
            for sentence in self.sentences(_clean(b.text)):
                if _ZONE_STATEMENT.search(sentence) and span_in(sentence) is None:
                    zone = zone_in(sentence)
                    if zone is not None:
                        b.placed = True
                        self.inferred.append(f"line {b.line}: the times are in {zone.written} ('{sentence}')")
                        return zone
        return None

    def zone_of_same_times(self, span: Span) -> Zone | None:
        """"Planned start date: 12/18/2026 11:30:00 PM" with no zone, and "Outage window Friday 11:30 PM – 1:30 AM
        CST" in the text before the phases: a sentence giving the same start and end times with a zone says the
        zone of those times (never a sentence about other times)."""
        def clock(moment: datetime | time) -> time:
            return moment.time() if isinstance(moment, datetime) else moment

        for b in self.prelude():
            if b.kind != "para":
                continue
            for sentence in self.sentences(_clean(b.text)):
                other = span_in(sentence)
                if other is not None and other.zone is not None and clock(other.start) == clock(span.start) \
                        and clock(other.end) == clock(span.end):
                    self.inferred.append(f"line {b.line}: the window's times are in {other.zone.written}, as"
                                         f" '{sentence[:80]}' says")
                    return other.zone
        return None

    def unknown_zone(self, text: str, line: int) -> None:
        """`02:00 - 04:00 XYZT`: a word where the zone stands that names none is reported, never guessed."""
        clocks = list(CLOCK.finditer(text))
        m = re.match(r"\s*\(?([A-Z]{2,5})\b", text[clocks[-1].end():]) if clocks else None
        if m:
            self.unplaced.append(Unplaced(line, f"time zone '{m.group(1)}'",
                                          "unknown abbreviation; the window is in UTC - fix it by hand"))

    def start_and_duration(self, text: str, day: date | None, facts: dict[str, tuple[str, Block]]) -> Span | None:
        c = CLOCK.search(text)
        hm = clock_of(c.group(1)) if c else None
        d = _DURATION.search(facts["duration"][0]) if "duration" in facts else None
        said = facts["duration"] if d is not None else None
        if d is None and c is not None:  # "2026-12-12, 22:00 CET for 3 hours"
            d = _FOR_DURATION.search(text, c.end())
            said = (d.group(0), next((blk for v, blk in facts.values() if v == text), facts[next(iter(facts))][1])) \
                if d else None
        if hm is None or d is None or said is None:
            return None
        mins = _minutes(d.group(2) or d.group(1), d.group(3))
        self.inferred.append(f"line {said[1].line}: window end = start + duration ({said[0]})")
        start = datetime.combine(day or date(2000, 1, 1), time(*hm))
        end = start + timedelta(minutes=mins)
        if day is None:
            return Span(start.time(), end.time(), zone_in(text))
        return Span(start, end, zone_in(text, day))

    @staticmethod
    def after_start(span: Span, hm: tuple[int, int]) -> datetime | time:
        """A rollback limit written as a time of day: its first occurrence after the window opens."""
        if not isinstance(span.start, datetime):
            return time(*hm)
        moment = datetime.combine(span.start.date(), time(*hm))
        return moment + timedelta(days=1) if moment < span.start else moment

    def set_window(self, span: Span, zone: Zone | None, until: datetime | time | None, line: int,
                   said: str = "", shown: str = "", day_fact: str = "") -> None:
        """The plan's window; never one the document does not give: times with no date are a daily window only
        when the document says daily ("every night 02:00-04:00"), a weekly one on the weekday it names ("Tuesday
        02:00-04:00", "Day: Tuesday" beside the times: `days: [tue]`), and a zone written "CST" is China's or US Central
        only when the document says which."""
        start, end = span.start, span.end
        text = _clean(shown or said)[:200]
        day = None if isinstance(start, datetime) or _DAILY.search(said) else window_day(shown or said, day_fact, said)
        if not isinstance(start, datetime) and not _DAILY.search(said) and day is None:
            self.window_undated = (line, text)
            self.unplaced.append(Unplaced(line, f"window '{text}'", "times with no date (and not said daily): a"
                                          " plan's window without a date is a daily one, open any day, which the"
                                          " document does not say; not set. Write `window:` with the date"
                                          " (start: YYYY-MM-DDTHH:MM)"))
            return
        if zone is not None and zone.written == "CST":
            if self.cjk == self.us_central:
                self.window_undated = (line, text)
                self.unplaced.append(Unplaced(line, f"time zone 'CST' in '{text}'", "CST is China Standard Time"
                                              " (UTC+8) or US Central (UTC-6), and nothing in the document says"
                                              " which; the window is not set"))
                return
            if self.cjk:
                zone = Zone("Asia/Shanghai", written="CST", notes=["CST in a document written in Chinese: China"
                                                                   " Standard Time (UTC+8)"])
            else:
                zone.notes = [*zone.notes, "CST where the document names US Central time or writes US dates"
                                           " (12/18/2026): America/Chicago"]
        self.inferred += [f"line {line}: {n}" for n in span.notes]
        if zone is not None and zone.name is None and zone.offset is not None:
            start, end = in_utc(start, zone.offset), in_utc(end, zone.offset)
            until = in_utc(until, zone.offset) if until is not None else None
            self.window_offset = zone.offset
            self.inferred.append(f"line {line}: {zone.written} has no IANA zone: the window is written in UTC")
        window: dict[str, Any] = {"start": text_of(start), "end": text_of(end)}
        if until is not None:
            window["rollback_until"] = text_of(until)
        if day is not None:
            window["days"] = [day]
            self.inferred.append(f"line {line}: no date given, a weekday: open only when it opens on {day}")
        elif not isinstance(start, datetime):
            self.inferred.append(f"line {line}: no date given: a daily window")
        window["timezone"] = zone.name if zone is not None and zone.name else "UTC"
        if zone is not None:
            self.inferred.append(f"line {line}: time zone {zone.written} -> {window['timezone']}")
            self.inferred += [f"line {line}: {n}" for n in zone.notes]
        else:
            self.inferred.append(f"line {line}: no time zone written: the window is in UTC")
        self.window, self.window_line = window, line
