"""A deployment window written as text: dates and clock times (by python-dateutil) and the time zone.

Teams write the zone every way: an IANA name (`Europe/Amsterdam`), an abbreviation (`CET`, `(PT)`), an offset
(`GMT+1`, `UTC-3`, `UTC+05:30`) or both (`BRT (UTC-3)`). A plan needs an IANA name: a whole-hour offset becomes
`Etc/GMT-1` (POSIX signs: UTC+1), an offset with minutes has none, so the window is converted to UTC.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from golive.plan.importer.text import TZ_NAMES

#: A time of day: `06:00`, `6:00pm`, `1 a.m.`, `22h00`; never inside a date (`2026-03-14`) or a version (`1.2:3`);
#: "am"/"pm" only as a word of its own: "13:00 America/Sao_Paulo" is 13:00, never 13:00 a.m.
CLOCK = re.compile(r"(?<![\d:.])(\d{1,2}:\d{2}(?:\s*[ap]\.?m\b\.?)?|\d{1,2}h\d{2}|\d{1,2}\s*[ap]\.?m\b\.?)(?![\d:])",
                   re.I)
#: An ISO date-time; its offset only in the `T` form (`2026-04-07 13:00-13:30` is a range, not UTC-13:30).
_ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+\-−]\d{2}:?\d{2})?(?![\d:])"
                  r"|\s(\d{2}:\d{2}))")
_IANA = re.compile(r"\b([A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_\-]+){1,2})\b")
_OFFSET = re.compile(r"\b(?:UTC|GMT)\s?([+\-−])(\d{1,2})(?::?(\d{2}))?(?![\d:])")
_ABBR = re.compile(r"(?<![\w/])([A-Z]{1,5})(?![\w/])")
#: Words of letters and digits that are no part of a date ("T0", "T-0", "T-30min", "v4", "pgw-01"); ordinals stay.
_MIXED = re.compile(r"(?i)\b(?!\d+(?:st|nd|rd|th)\b)\w*(?:[a-z]\d|\d[a-z])\w*\b|\bT\s*[-+−]\s*\d+\w*")
_DOTTED = re.compile(r"\b\d{1,2}\.\d{1,2}\.\d{4}\b")
#: A date the text names (a year, or a month name with a day): without one the window is a daily one.
_HAS_DATE = re.compile(r"\b(19|20)\d{2}\b")
#: A day, a month name and a two-digit year, as Jira and Oracle write dates ("09/Dec/26", "09-DEC-26"): the
#: year is written, python-dateutil reads it as 2026.
_SHORT_YEAR = re.compile(r"(?<![\w/-])\d{1,2}([/-])[A-Za-z]{3,9}\1(\d{2})(?![\w/-])")


@dataclass
class Zone:
    """The zone a text names: `name` an IANA name, or None with `offset` (minutes east of UTC) set."""

    name: str | None = None
    offset: int | None = None
    written: str = ""
    notes: list[str] = field(default_factory=list)


def zone_in(text: str, on: date | None = None) -> Zone | None:
    """The time zone a window text names, or None when it names none."""
    text = written_times(text)
    iana = next((m.group(1) for m in _IANA.finditer(text) if _known(m.group(1))), None)
    if iana:
        return Zone(iana, written=iana)
    off = _OFFSET.search(text)
    offset: int | None = None
    if off:
        sign = -1 if off.group(1) in "-−" else 1
        offset = sign * (int(off.group(2)) * 60 + int(off.group(3) or 0))
        text = text[:off.start()] + " " + text[off.end():]
    abbr = next((m.group(1) for m in _ABBR.finditer(text) if m.group(1) in TZ_NAMES), None)
    if abbr and (offset is None or _offset_of(TZ_NAMES[abbr], on) == offset):
        return Zone(TZ_NAMES[abbr], written=abbr + (f" ({off.group(0)})" if off else ""))
    if offset is None or off is None:
        return None
    note = f"'{abbr}' is not UTC{off.group(1)}{off.group(2)} on that date: the offset is used" if abbr else ""
    if offset == 0:
        return Zone("UTC", written=off.group(0))
    if offset % 60 == 0 and abs(offset) <= 14 * 60:
        # Etc/GMT zones have POSIX signs: Etc/GMT-1 is one hour AHEAD of UTC.
        return Zone(f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset) // 60}", written=off.group(0),
                    notes=[note] if note else [])
    return Zone(None, offset, off.group(0), [note] if note else [])


def _known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _offset_of(name: str, on: date | None) -> int | None:
    day = on or date(2026, 1, 15)
    off = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(name)).utcoffset()
    return None if off is None else int(off.total_seconds() // 60)


#: Month names of the languages runbooks come in (German, French, Spanish, Portuguese, Dutch, Italian, Russian and
#: Polish in the genitive a date uses, "12 декабря", "15 grudnia"), as
#: python-dateutil knows only English ones: "12. Dezember 2026", "6 de diciembre de 2026", "12 décembre 2026".
_MONTHS = {
    "January": "januar jänner janvier enero janeiro januari gennaio января январь stycznia styczeń",
    "February": "februar février fevrier febrero fevereiro februari febbraio февраля февраль lutego luty",
    "March": "märz maerz mars marzo março marco maart марта март marca marzec",
    "April": "avril abril апреля апрель kwietnia kwiecień",
    "May": "mai mayo maio mei maggio мая май maja maj",
    "June": "juni juin junio junho giugno июня июнь czerwca czerwiec",
    "July": "juli juillet julio julho luglio июля июль lipca lipiec",
    "August": "août aout agosto augustus августа август sierpnia sierpień",
    "September": "septembre septiembre setiembre setembro settembre сентября сентябрь września wrzesień",
    "October": "oktober octobre octubre outubro ottobre октября октябрь października październik",
    "November": "novembre noviembre novembro ноября ноябрь listopada listopad",
    "December": "dezember décembre decembre diciembre dezembro december dicembre декабря декабрь grudnia grudzień",
}
_MONTH_WORD = re.compile(r"(?i)(?<![\w])(" + "|".join(sorted(
    {w for ws in _MONTHS.values() for w in ws.split()}, key=len, reverse=True)) + r")(?![\w])")
_MONTH_OF = {w: m for m, ws in _MONTHS.items() for w in ws.split()}


def english_months(text: str) -> str:
    """Month names of other languages written in English, so python-dateutil reads the date."""
    return _MONTH_WORD.sub(lambda m: _MONTH_OF[m.group(1).lower()], text)


#: A date with slashes whose day and month could be either way round: "03/04/2026" (never "13/04/2026").
_SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


def ambiguous_date(text: str) -> str | None:
    """The first slashed date in `text` that reads as two different dates (day first or month first)."""
    for m in _SLASHED.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        if a != b and 1 <= a <= 12 and 1 <= b <= 12:
            return m.group(0)
    return None


def date_in(text: str) -> date | None:
    """A calendar date written in any common form (`Sat 14 Mar 2026`, `June 14, 2026`, `2026-06-14`,
    `12. Dezember 2026`), by python-dateutil; only when a year is written, so a bare weekday never becomes
    some date."""
    from dateutil import parser

    text = english_months(CLOCK.sub(" ", _OFFSET.sub(" ", written_times(text))))
    if ambiguous_date(text):
        return None  # 03/04/2026: the 3rd of April or March 4th, as the writer's country reads it
    text = _MIXED.sub(" ", _IANA.sub(" ", text))
    short = _SHORT_YEAR.search(text)
    if not _HAS_DATE.search(text) and short is None:
        return None
    try:  # parsed against two defaults: a part of the date the text does not write differs between them
        dayfirst = bool(_DOTTED.search(text))  # 03.04.2026 is the 3rd of April where dates are dotted
        one: datetime = parser.parse(text, fuzzy=True, dayfirst=dayfirst, default=datetime(1900, 1, 1))
        two: datetime = parser.parse(text, fuzzy=True, dayfirst=dayfirst, default=datetime(1904, 12, 28))
    except (ValueError, OverflowError):
        return None
    if one.date() != two.date() or (str(one.year) not in text and (short is None or
                                                                    str(one.year)[2:] != short.group(2))):
        return None  # "Release 2026" has no day; "T0" is no year 2000
    return one.date()


def clock_of(text: str) -> tuple[int, int] | None:
    """The time of day of one CLOCK match, read by python-dateutil (`6pm`, `1 a.m.`, `06:30`)."""
    from dateutil import parser

    try:
        parsed = parser.parse(text.replace(".", ""), default=datetime(1900, 1, 1))
    except (ValueError, OverflowError):
        return None
    return parsed.hour, parsed.minute


#: What stands between the start and end of a range: a dash, an arrow ("22:00 → 01:00", "December 6 10:00 PM →
#: December 7 12:30 AM") or a word, in English and the languages runbooks come in ("bis", "à", "hasta", "até",
#: "dalle 06:00 alle 08:00").
_RANGE_WORD = re.compile(r"(?<!\d)[-–—](?!\d)|->|→|⟶|=>|[〜~]|"
                         r"\b(to|until|till|through|and|bis|hasta|até|tot|alle|fino)\b|(?<!\w)à(?!\w)", re.I)


@dataclass
class Span:
    """What a window text says: start and end (date-times, or times of day without a date) and the zone."""

    start: datetime | time
    end: datetime | time
    zone: Zone | None
    #: How a part not written was worked out (the year of "Sat 12 Dec"), for the import summary.
    notes: list[str] = field(default_factory=list)


def span_in(text: str, day: date | None = None, today: date | None = None) -> Span | None:
    """`Sat 14 Mar 2026, 01:00 – 04:00 CET`, `2026-03-14 23:00 to 2026-03-15 02:00 UTC`, `from 01:00 to 03:00
    (America/New_York)`: the first two times of day are start and end; the date before the first (else
    after the last) is the start's, a date between them the end's; `day` when the text names none."""
    iso: list[str] = []

    def plain(m: re.Match[str]) -> str:
        iso.append(m.group(3) or "")
        return f"{m.group(1)} {m.group(2) or m.group(4)}"

    text = _ZERO_SECONDS.sub(r"\1", written_times(text))  # "11:30:00 PM" (a ticket's schedule): 11:30 PM
    text = _ISO_INTERVAL.sub(r"\1 – \2", text)  # 2026-12-12T22:00Z/2026-12-13T01:00Z (ISO 8601 interval)
    # 2026-12-12T22:00/02:00Z: the end written as a time only, on the start's date (the next day's when earlier:
    # a window running past midnight); a zone written once holds for both ends
    text = _ISO_SHORT_END.sub(lambda m: f"{m.group(1)}T{m.group(2)}{m.group(3) or m.group(5) or ''} – "
                              f"{m.group(1)}T{m.group(4)}{m.group(5) or m.group(3) or ''}", text)
    text = _ISO.sub(plain, text)  # 2026-03-14T01:00+01:00: the date and the time; the offset is the zone
    clocks = list(CLOCK.finditer(text))
    if len(clocks) < 2:
        return None
    a, b = clocks[0], clocks[1]
    between = _between(text, a, b)
    if len(between) > 40 or not _RANGE_WORD.search(between):
        return None
    s, e = clock_of(a.group(1)), clock_of(b.group(1))
    if s is None or e is None:
        return None
    notes: list[str] = []
    start_day = date_in(text[:a.start()]) or date_in(text[b.end():]) or day
    if start_day is None:  # "Sat 12 Dec 22:00–01:00": the year in which 12 December is a Saturday
        start_day, why = weekday_date(text[:a.start()], today)
        notes += [why] if why else []
    end_day = date_in(_between(text, a, b)) or start_day
    written = next((z for z in iso if z), "")
    zone = zone_in(f"UTC{'' if written.upper() == 'Z' else written}", start_day) if written else \
        zone_in(text, start_day)
    if start_day is None or end_day is None:
        if s == e:
            return None
        return Span(time(*s), time(*e), zone, notes)
    start = datetime.combine(start_day, time(*s))
    end = datetime.combine(end_day, time(*e))
    if end <= start:
        end += timedelta(days=1)  # 22:00-02:00 runs past midnight
    return Span(start, end, zone, notes)


#: A time written with zero seconds, as ticketing systems print it: "12/18/2026 11:30:00 PM".
_ZERO_SECONDS = re.compile(r"(?<![\d:T])(\d{1,2}:\d{2}):00(?![\d:.])")
_ISO_DT = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+\-]\d{2}:?\d{2})?"
_ISO_INTERVAL = re.compile(rf"({_ISO_DT})/({_ISO_DT})")
_ISO_SHORT_END = re.compile(r"\b(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2})?(Z|[+\-]\d{2}:?\d{2})?"
                            r"/(\d{2}:\d{2})(?::\d{2})?(Z|[+\-]\d{2}:?\d{2})?(?![\d:-])")
#: Weekday names and their unambiguous short forms ("Sa", "Do", "Mar" also mean other things: left out).
_WEEKDAYS = {0: "mon monday montag lun lunes lundi segunda", 1: "tue tues tuesday dienstag martes mardi terça",
             2: "wed wednesday mittwoch mié miércoles miercoles mercredi quarta",
             3: "thu thur thurs thursday donnerstag jue jueves jeudi quinta",
             4: "fri friday freitag vie viernes vendredi sexta", 5: "sat saturday samstag sáb sábado sabado samedi",
             6: "sun sunday sonntag dom domingo dimanche"}
_WEEKDAY_OF = {w: n for n, ws in _WEEKDAYS.items() for w in ws.split()}
_WEEKDAY_WORD = re.compile(r"(?i)(?<!\w)(" + "|".join(sorted(_WEEKDAY_OF, key=len, reverse=True)) + r")\.?(?!\w)")


def weekday_date(text: str, today: date | None = None) -> tuple[date | None, str]:
    """"Sat 12 Dec", "Samstag, 12. Dezember": a weekday with a day and a month but no year. The year is the one,
    from last year to two years ahead, in which that day falls on that weekday; none when no year or several
    do (a date is never guessed). Returns the date and how it was found."""
    from dateutil import parser

    w = _WEEKDAY_WORD.search(text)
    if w is None or _HAS_DATE.search(text):
        return None, ""
    rest = english_months(_MIXED.sub(" ", text[w.end():]))
    try:
        one = parser.parse(rest, fuzzy=True, default=datetime(1904, 1, 1))
        two = parser.parse(rest, fuzzy=True, default=datetime(1904, 12, 28))
    except (ValueError, OverflowError):
        return None, ""
    if (one.month, one.day) != (two.month, two.day):
        return None, ""  # no day and month written
    now = today or date.today()
    found = []
    for year in range(now.year - 1, now.year + 3):
        try:
            day = date(year, one.month, one.day)
        except ValueError:
            continue
        if day.weekday() == _WEEKDAY_OF[w.group(1).lower()]:
            found.append(day)
    if not found:  # four years in a row never hold one day of a month twice on the same weekday
        return None, ""
    return found[0], (f"'{text.strip()}' names no year: {found[0].isoformat()} is the only such"
                      f" {found[0].strftime('%A')} from {now.year - 1} to {now.year + 2}")


#: "22 h 00", "22 h" as French writes the time of day (with no-break spaces): "22:00". Only with "h" followed by
#: minutes, or after "de"/"à"/"jusqu'à" ("de 22 h à 23 h"): a bare "2 h" is a duration.
_FRENCH_CLOCK = re.compile(r"(?<![\d:.])(\d{1,2})\s?h\s?(\d{2})(?![\d:])|(\b(?:de|à)\s)(\d{1,2})\s?h(?!\w)(?!\s?\d)",
                           re.I)
#: "6–9am", "10-11:30 p.m.": one am/pm for both ends of a range.
_SHARED_MERIDIEM = re.compile(r"(?<![\d:.])(\d{1,2}(?::\d{2})?)\s*([-–—]|to)\s*(\d{1,2}(?::\d{2})?)\s*([ap])\.?m\b\.?",
                              re.I)
#: "2200-0100 UTC", "2200–0130Z", "0600-0900 hrs": a range of two four-digit clocks (military style), only with a
#: zone or "hrs" after it (never a range of years or numbers).
_MILITARY_RANGE = re.compile(r"(?<![\w:.-])([01]\d|2[0-3])([0-5]\d)\s*([-–—]|to)\s*([01]\d|2[0-3])([0-5]\d)"
                             r"(?=\s*(?:Z\b|hrs?\b|hours\b|[A-Z]{2,5}\b|\(?[A-Z][a-z]+/[A-Z]))")
#: "22.00–23.30 Uhr", "22.00-23.30 CET": clocks written with a dot, only as a range followed by "Uhr", "h" or a zone
#: (never versions "1.10-1.12").
_DOTTED_RANGE = re.compile(r"(?<![\w:.])([01]\d|2[0-3])\.([0-5]\d)\s*([-–—]|bis|to)\s*([01]\d|2[0-3])\.([0-5]\d)"
                           r"(?=\s*(?:Uhr\b|h\b|[A-Z]{2,5}\b|\(?[A-Z][a-z]+/[A-Z]))")
#: "01:30Z": a clock in Zulu time (not the `T01:30Z` of an ISO date-time, read whole by _ISO).
_ZULU = re.compile(r"(?<!T\d\d:\d\d)(?<=\d\d:\d\d)Z\b")
#: Times of day written as words, in English and the languages runbooks come in.
_CLOCK_WORDS = [(re.compile(r"(?i)(?<!\w)(noon|midday|midi|mittag|mediod[ií]a|meio-dia|mezzogiorno)(?!\w)"), "12:00"),
                (re.compile(r"(?i)(?<!\w)(midnight|minuit|mitternacht|medianoche|meia-noite|mezzanotte)(?!\w)"),
                 "00:00")]
#: The US zones as words ("6-9am Eastern", "Pacific time"): their abbreviation (TZ_NAMES).
_US_ZONE = re.compile(r"(?<!/)\b(Eastern|Central|Mountain|Pacific)\b(?:\s+(?:Standard|Daylight))?(?:\s+[Tt]ime)?"
                      r"(?=\W|$)(?!\s*/)")
#: A city's time: "Paris time", "Amsterdam time", "heure de Paris", "hora de Madrid", "New York time".
_CITY_ZONE = re.compile(r"\b(?:heure|hora|hor[aá]rio|ora)\s+(?:de\s+|di\s+)?([A-Z][a-zà-ÿ]+(?:[ -][A-Z][a-zà-ÿ]+){0,2})"
                        r"|\b([A-Z][a-zà-ÿ]+(?:[ -][A-Z][a-zà-ÿ]+){0,2})\s+(?:local\s+)?time\b")


#: A country's time where the country has one zone: "ora italiana", "heure française", "deutsche Zeit".
_COUNTRY_ZONES = {"ora italiana": "Europe/Rome", "heure française": "Europe/Paris", "heure francaise": "Europe/Paris",
                  "deutsche zeit": "Europe/Berlin", "deutscher zeit": "Europe/Berlin",
                  # Chinese, Japanese, Korean: "北京时间", "日本時間", "한국 시간"
                  "北京时间": "Asia/Shanghai", "北京時間": "Asia/Shanghai", "香港时间": "Asia/Hong_Kong",
                  "香港時間": "Asia/Hong_Kong", "台北时间": "Asia/Taipei", "台北時間": "Asia/Taipei",
                  "日本時間": "Asia/Tokyo", "日本时间": "Asia/Tokyo", "東京時間": "Asia/Tokyo",
                  "한국 시간": "Asia/Seoul", "한국시간": "Asia/Seoul"}
#: Cities whose time a document names but that the zone database files under another city ("horário de Brasília").
_CITY_ALIASES = {"brasília": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo",
                 "rio de janeiro": "America/Sao_Paulo",
                 "beijing": "Asia/Shanghai", "peking": "Asia/Shanghai", "delhi": "Asia/Kolkata",
                 "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata", "bangalore": "Asia/Kolkata",
                 "washington": "America/New_York", "ottawa": "America/Toronto", "hanoi": "Asia/Bangkok",
                 "wellington": "Pacific/Auckland", "canberra": "Australia/Sydney"}
#: "das 23h às 3h", "de 22h à 2h", "22h–2h": a range of whole hours written with "h".
_H_RANGE = re.compile(r"(?i)(?<![\w:.])([01]?\d|2[0-3])\s?h\s*([-–—]|às|as|à|a|até|hasta|au|to|bis|alle)\s*"
                      r"([01]?\d|2[0-3])\s?h(?!\w)")
#: "by 0330", "no later than 2100 EST": one military time after a deadline word (a year-like number only with a
#: zone or "hrs" after it).
_MILITARY_AT = re.compile(r"(?i)\b(by|until|before|than|till)\s([01]\d|2[0-3])([0-5]\d)\b(?![-–/:.]\d)"
                          r"(?P<zone>(?=\s*(?-i:Z\b|hrs?\b|[A-Z]{2,5}\b)))?")
_COUNTRY_ZONE = re.compile(r"(?i)\b(" + "|".join(_COUNTRY_ZONES) + r")(?!\w)")


def _city_zones() -> dict[str, str]:
    """IANA zones by their city ("paris" -> Europe/Paris, "new york" -> America/New_York)."""
    global _CITIES
    if _CITIES is None:
        from zoneinfo import available_timezones

        _CITIES = {}
        for name in sorted(available_timezones()):
            if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
                _CITIES.setdefault(name.rsplit("/", 1)[1].replace("_", " ").lower(), name)
    return _CITIES


_CITIES: dict[str, str] | None = None


def _military(m: re.Match[str]) -> str:
    start, end = int(m.group(1) + m.group(2)), int(m.group(4) + m.group(5))
    if all(1900 <= n <= 2099 for n in (start, end)) and abs(end - start) <= 10:
        return m.group(0)  # "2026-2027": years
    return f"{m.group(1)}:{m.group(2)} {m.group(3)} {m.group(4)}:{m.group(5)}"


#: A date as Japanese, Chinese and Korean write it: 2026年12月12日, 2026년 12월 13일.
_CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")


def written_times(text: str) -> str:
    """A window text with times of day and zones written in words made the forms the parsers read: "22 h 00" ->
    "22:00", "6–9am" -> "6am–9am" (the start the latest such hour before the end), "noon" -> "12:00",
    "Eastern" -> "ET", "heure de Paris" / "Paris time" -> "Europe/Paris"; full-width digits and colons
    ("０２：００") as ASCII (NFKC), and a CJK date ("2026年12月12日", "2026년 12월 13일") as 2026-12-12. Nothing else
    changes."""
    text = _CJK_DATE.sub(lambda m: f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}",
                         unicodedata.normalize("NFKC", text))
    text = _FRENCH_CLOCK.sub(lambda m: f"{m.group(1)}:{m.group(2)}" if m.group(1) else f"{m.group(3)}{m.group(4)}:00",
                             text)
    for word, clock in _CLOCK_WORDS:
        text = word.sub(clock, text)

    def shared(m: re.Match[str]) -> str:
        ampm = m.group(4).lower()
        start, end = clock_of(f"{m.group(1)} {ampm}m"), clock_of(f"{m.group(3)} {ampm}m")
        first = ampm
        if start is not None and end is not None and start > end:
            first = "p" if ampm == "a" else "a"  # "10-2am" runs from 10 p.m.; "11-1pm" from 11 a.m.
        return f"{m.group(1)}{first}m {m.group(2)} {m.group(3)}{ampm}m"

    text = _SHARED_MERIDIEM.sub(shared, text)
    text = _H_RANGE.sub(lambda m: f"{m.group(1)}:00 – {m.group(3)}:00", text)
    text = _US_ZONE.sub(lambda m: {"Eastern": "ET", "Central": "CT", "Mountain": "MT", "Pacific": "PT"}[m.group(1)],
                        text)  # before the military ranges: "0200–0400 Central" is a range with its zone
    text = _MILITARY_RANGE.sub(_military, text)
    text = _MILITARY_AT.sub(lambda m: m.group(0) if m.group("zone") is None and 1900 <= int(m.group(2) + m.group(3))
                            <= 2099 else f"{m.group(1)} {m.group(2)}:{m.group(3)}", text)
    text = _DOTTED_RANGE.sub(lambda m: f"{m.group(1)}:{m.group(2)} {m.group(3)} {m.group(4)}:{m.group(5)}", text)
    text = _ZULU.sub(" UTC", text)
    text = _US_ZONE.sub(lambda m: {"Eastern": "ET", "Central": "CT", "Mountain": "MT", "Pacific": "PT"}[m.group(1)],
                        text)

    def city(m: re.Match[str]) -> str:
        key = (m.group(1) or m.group(2)).replace("-", " ").lower()
        name = _city_zones().get(key) or _CITY_ALIASES.get(key)
        return name if name else m.group(0)

    text = _CITY_ZONE.sub(city, text)
    return _COUNTRY_ZONE.sub(lambda m: _COUNTRY_ZONES[m.group(1).lower()], text)


def _between(text: str, a: re.Match[str], b: re.Match[str]) -> str:
    return text[a.end():b.start()]


def in_utc(moment: datetime | time, offset: int) -> datetime | time:
    """A local moment at a fixed offset (minutes east of UTC) as UTC (no IANA zone has `UTC+05:45`)."""
    if isinstance(moment, datetime):
        return (moment.replace(tzinfo=timezone(timedelta(minutes=offset)))
                .astimezone(UTC).replace(tzinfo=None))
    moved = datetime.combine(date(2000, 1, 2), moment) - timedelta(minutes=offset)
    return moved.time()


def text_of(moment: datetime | time) -> str:
    return moment.isoformat(timespec="minutes")
