"""Small text helpers of the importer: cleaning, slugs, encoding repair, clocks, dates and time zones."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ruamel.yaml.comments import CommentedMap

from golive.plan.md_blocks import Block  # noqa: F401

#: "Phase 2:", "Step 3 —", and the same word in the languages runbooks are written in (Schritt, Fase, Etapa, Étape).
_PHASE = re.compile(r"^(?:phase|step|stage|schritt|stufe|etappe|fase|etapa|paso|passo|étape|faza|krok|"
                    r"手順|ステップ|工程|步骤|步驟|단계)\s*(\d+)\b"
                    r"\s*[:.\-–—)]?\s*(.*)$", re.I)
_CLOCK = r"\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"
_CLOCK_RANGE = re.compile(rf"(?<![\d\-/.:])({_CLOCK})\s*(?:-|–|—|to)\s*({_CLOCK})(?![\d\-/])\s*([A-Za-z]{{2,5}})?",
                          re.I)
_DURATION_PAREN = re.compile(
    r"\(\s*(?:~|about\s+)?(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*"
    r"(minutes?|mins?|m|hours?|hrs?|h|seconds?|secs?|s)\s*\)", re.I)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*(minutes?|mins?|hours?|hrs?|h|m)\b",
                       re.I)
_KV = re.compile(r"^\*\*([^*]{1,60}?):?\*\*\s*:?\s*(.*)$", re.S)
#: "Go/No-Go", "GO / NO GO", "Go-No-Go", "go/nogo", "Go No-Go".
_GATE = re.compile(r"\bgo\s*(?:/|-|–|\s)\s*no[\s-]*go\b", re.I)
#: "Level 2: ...", and as documents also write it: "R2 — ...", "L1:", "L1, api3 misbehaves", "Stufe 1 –", "Nivel 2".
_LEVEL = re.compile(r"^(?:level|stufe|nivel|n[ií]vel|niveau|livello|poziom|"  # poziom: Polish
                    r"уровень|рівень|úroveň|uroven|seviye|kademe|"  # Russian, Ukrainian, Czech, Turkish
                    r"back[\s-]*out|roll[\s-]*back|fallback|rb|r|l)"
                    r"\s*(\d+)\b\s*[:.,\-–—]?\s*(.*)$", re.I)
_PLACEHOLDER = re.compile(r"^\s*(tbd|tba|n/?a|\[[^\]]*\]|_+|-+|\?+|none|todo)\s*$", re.I)
#: Plan vars standing for what a canary needs and a Markdown plan never names (filled in by a person).
PLACEHOLDER_VARS = {
    "ROUTER_ADMIN": "fill in: the admin address of the router that splits traffic between the old and the new"
                    " version (the document names none). The canary step's `router:` is of type builtin: for"
                    " HAProxy or nginx replace it (README, traffic).",
    "STABLE_POOL": "fill in: the router pool serving the current version (the document names none).",
    "CANARY_POOL": "fill in: the router pool serving the new version (the document names none).",
}

#: Time zone abbreviations people write in plans -> IANA names (the model needs unambiguous zones).
TZ_NAMES = {
    "EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
    "CST": "America/Chicago", "CDT": "America/Chicago", "CT": "America/Chicago",
    "MST": "America/Denver", "MDT": "America/Denver", "MT": "America/Denver",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "PT": "America/Los_Angeles",
    "UTC": "UTC", "GMT": "UTC", "Z": "UTC", "BST": "Europe/London", "WET": "Europe/Lisbon",
    "CET": "Europe/Berlin", "CEST": "Europe/Berlin", "EET": "Europe/Athens", "EEST": "Europe/Athens",
    "IST": "Asia/Kolkata", "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "SGT": "Asia/Singapore",
    "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney", "WAT": "Africa/Lagos", "EAT": "Africa/Nairobi",
    "SAST": "Africa/Johannesburg", "BRT": "America/Sao_Paulo",
    "MEZ": "Europe/Berlin", "MESZ": "Europe/Berlin", "WEST": "Europe/Lisbon", "MSK": "Europe/Moscow",
    "AKST": "America/Anchorage", "AKDT": "America/Anchorage", "HST": "Pacific/Honolulu",
    "AST": "America/Halifax", "ADT": "America/Halifax", "NST": "America/St_Johns", "NDT": "America/St_Johns",
    "ART": "America/Argentina/Buenos_Aires", "CLT": "America/Santiago", "GST": "Asia/Dubai",
    "PKT": "Asia/Karachi", "ICT": "Asia/Bangkok", "WIB": "Asia/Jakarta", "PHT": "Asia/Manila",
    "HKT": "Asia/Hong_Kong", "AWST": "Australia/Perth", "ACST": "Australia/Adelaide",
    "ACDT": "Australia/Adelaide", "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland", "CAT": "Africa/Maputo",
}

_DB_WORDS = re.compile(r"migrat|database|\bdb\b|schema|pg_dump|backup|restore|\bsql\b|ef database", re.I)
_CONFIG_WORDS = re.compile(r"config|export |environment variable|secret", re.I)
_APP_WORDS = re.compile(r"deploy|application|\bapp\b|code|git (pull|checkout)|pip install|systemctl|docker|"
                        r"kubectl|kubernetes|rollout|release|version|backend|frontend|build", re.I)
_TRAFFIC_WORDS = re.compile(r"traffic|route \d+%|load balancer|canary", re.I)
_RESTORE_WORDS = re.compile(r"restore|rollback migrations|migrations remove|db downgrade|psql\b.*<", re.I)


@dataclass
class Unplaced:
    line: int
    what: str
    reason: str


@dataclass
class ImportResult:
    yaml_text: str
    #: Human lines: what became what, what was inferred.
    summary: list[str]
    unplaced: list[Unplaced]
    data: CommentedMap = field(repr=False)


# -- small text helpers ---------------------------------------------------------------------------

#: What makes an emoji without being one: variation selectors, the zero-width joiner, the keycap, skin tones.
_EMOJI_PARTS = frozenset("\ufe0e\ufe0f\u200d\u20e3\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff")


#: Full-width forms of ASCII (U+FF01-U+FF5E) and the ideographic space, as Japanese and Chinese documents write
#: numbers, colons and brackets in headings: "手順１：事前確認（１０分）" is "手順1:事前確認(10分)".
_WIDE_FORMS = {**{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}


def fold_width(text: str) -> str:
    """`text` with full-width ASCII forms as ASCII, for reading a heading's number and timebox (never a command)."""
    return text.translate(_WIDE_FORMS)


def _clean(text: str) -> str:
    """Text without emoji / pictographs and surplus whitespace (names stay readable in a terminal)."""
    out = "".join(ch for ch in text if (unicodedata.category(ch) not in ("So", "Cs", "Co", "Cn", "Cc")
                                        and ch not in _EMOJI_PARTS) or ch in "\n\t")
    return re.sub(r"[ \t]+", " ", out).strip()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-")


def _repair_mojibake(text: str) -> tuple[str, bool]:
    """UTF-8 once read as cp1252 ('ðŸš€' for '🚀', 'âœ…' for '✅') is put back, by ftfy. Quotes, widths and
    ligatures are left as written: only the encoding accident is undone."""
    import ftfy

    if not re.search("[ÃÂâðÅ][\u0080-\u00bf\u0152-\u2122]", text):
        return text, False  # no trace of double encoding: nothing to undo (a lone C1 byte stays for the report)
    fixed = ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False, fix_latin_ligatures=False,
                          normalization=None, fix_line_breaks=False, fix_c1_controls=False)
    return fixed, fixed != text


_FRONT_END = re.compile(r"^(?:---|\.\.\.)\s*$")


def _strip_front_matter(text: str) -> tuple[str, int]:
    """YAML front matter (`---` / `key: value` lines / `---` at the very top: GitHub issue templates, Jekyll, Hugo,
    Obsidian, static-site docs) is metadata about the page, not part of the runbook. Unstripped, CommonMark reads
    its closing `---` as the underline of a heading made of the metadata, and the document's own title is lost.
    The lines are blanked (line numbers stay those of the document); returns the text and how many lines were
    blanked (0: none). Only a block whose every line is `key: value`, a list item, a comment or blank
    counts: a horizontal rule opening a document is left alone."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return text, 0
    for end in range(1, min(len(lines), 60)):
        if _FRONT_END.match(lines[end]):
            break
    else:
        return text, 0
    body = lines[1:end]
    if not body or not any(re.match(r"^[A-Za-z_][\w-]*\s*:", ln) for ln in body) or not all(
            re.match(r"^(?:[A-Za-z_][\w-]*\s*:.*|\s+\S.*|\s*-\s.*|\s*#.*|\s*)$", ln) for ln in body):
        return text, 0
    return "\n".join([""] * (end + 1) + lines[end + 1:]), end + 1


def _duration_text(minutes: float) -> str:
    if minutes >= 60 and minutes % 60 == 0:
        return f"{int(minutes // 60)}h"
    if minutes == int(minutes):
        return f"{int(minutes)}m"
    return f"{int(minutes * 60)}s"


def _hold_text(minutes: float) -> str:
    """A canary hold as the plan writes durations: `10m`, `1h`, `90s` (at least one second)."""
    seconds = max(1, round(minutes * 60))
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def _parse_clock(text: str) -> tuple[int, int] | None:
    m = re.match(r"^\s*(\d{1,2})(?::(\d{2}))?\s*([ap])?\.?m?\.?\s*$", text, re.I)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    ampm = (m.group(3) or "").lower()
    if hour > 24 or minute > 59 or (ampm and not 1 <= hour <= 12):
        return None
    if ampm == "p" and hour != 12:
        hour += 12
    if ampm == "a" and hour == 12:
        hour = 0
    if hour == 24:
        hour = 0
    if m.group(2) is None and not ampm:
        return None  # a bare number is not a time of day
    return hour, minute


# -- the importer -------------------------------------------------------------------------------------



#: Jira / Confluence wiki markup for a code block, left in a Markdown page: `{code:bash}` ... `{code}`,
#: `{code:language=sql|title=x}`, `{noformat}` ... `{noformat}`.
_WIKI_CODE = re.compile(r"^(?P<indent>[ \t]*)\{(?P<macro>code|noformat)(?::(?P<params>[^}\n]*))?\}[ \t]*$")
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)")


def _wiki_code_blocks(text: str) -> tuple[str, int]:
    """`{code:bash}` / `{code}` pairs (a ticket pasted from Jira) become fences, line for line, so their commands
    are a block like any other (never a paragraph of prose); returns the text and how many were converted. Only a
    macro alone on its line with its closing pair counts, and never inside a Markdown fence."""
    lines = text.split("\n")
    out = list(lines)
    converted = 0
    in_fence = False
    i = 0
    while i < len(lines):
        if _FENCE_LINE.match(lines[i]):
            in_fence = not in_fence
            i += 1
            continue
        m = _WIKI_CODE.match(lines[i]) if not in_fence else None
        if m is None:
            i += 1
            continue
        close = next((j for j in range(i + 1, len(lines))
                      if (c := _WIKI_CODE.match(lines[j])) and c.group("macro") == m.group("macro")
                      and c.group("params") is None), None)
        if close is None or any(_FENCE_LINE.match(lines[k]) for k in range(i + 1, close)):
            i += 1
            continue
        params = m.group("params") or ""
        lang = next((p.split("=", 1)[1] for p in params.split("|") if p.startswith("language=")),
                    params.split("|")[0] if params and "=" not in params.split("|")[0] else "")
        out[i] = f"{m.group('indent')}```{lang.strip().lower() if m.group('macro') == 'code' else 'text'}"
        out[close] = f"{m.group('indent')}```"
        converted += 1
        i = close + 1
    return "\n".join(out), converted


#: A term of a definition list (pandoc, PHP Markdown Extra): a short line of words, then `:   definition`.
_DEF_TERM = re.compile(r"^(?![ \t]{4}|\s*(?:[#>|*+-]|\d+[.)]|```|~~~))\s*(\S[^:\n]{0,78})$")
_DEF_BODY = re.compile(r"^:[ \t]{1,4}(\S.*)$")


def _definition_lists(text: str) -> tuple[str, int]:
    """`Change owner` then `:   Femi Adeyemi` (a definition list, which CommonMark reads as one paragraph) becomes
    `Change owner: Femi Adeyemi`, as people write a role and its holder on one line (a remark after a comma in the
    term goes in brackets: `Data owner (decides go/no-go): ...`); the definition's own line is
    left empty, so every other line keeps its number. Returns the text and how many terms were joined; never
    inside a fence."""
    lines = text.split("\n")
    joined = 0
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE_LINE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or i + 1 >= len(lines) or (i > 0 and lines[i - 1].strip()):
            continue
        term, body = _DEF_TERM.match(line), _DEF_BODY.match(lines[i + 1])
        if term and body:
            head, _, remark = term.group(1).rstrip().partition(", ")
            # "Data owner, decides go/no-go": the term, and a remark on it in brackets, as a key writes it
            lines[i] = f"{head} ({remark}): {body.group(1).strip()}" if remark else f"{head}: {body.group(1).strip()}"
            lines[i + 1] = ""
            joined += 1
    return "\n".join(lines), joined
