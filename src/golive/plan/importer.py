"""`golive import`: a Markdown deployment plan (as teams already write them) -> a golive plan.

The document is parsed by markdown-it (a CommonMark parser); regexes only read the text of one heading,
paragraph or list item. Every block of the document either lands in the plan or is listed in the summary
as not placed, so nothing is dropped silently. The result is validated with the same loader as any plan.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from golive.errors import PlanError, PlanIssue
from golive.plan.md_blocks import Block, parse_blocks
from golive.plan.md_commands import (
    SHELL_LANGS,
    SQL_LANGS,
    Command,
    CommandBlock,
    secret_like,
    shell_commands,
    sql_statements,
)
from golive.plan.md_traffic import (
    Threshold,
    hold_minutes,
    is_hold_item,
    progression,
    route_percent,
    thresholds_in,
)
from golive.plan.md_traffic import minutes as _minutes
from golive.units import format_duration, parse_duration

_PHASE = re.compile(r"^(?:phase|step|stage)\s*(\d+)\b\s*[:.\-–—)]?\s*(.*)$", re.I)
_CLOCK = r"\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?"
_CLOCK_RANGE = re.compile(rf"({_CLOCK})\s*(?:-|–|—|to)\s*({_CLOCK})\s*([A-Za-z]{{2,5}})?", re.I)
_DURATION_PAREN = re.compile(
    r"\(\s*(?:~|about\s+)?(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*"
    r"(minutes?|mins?|m|hours?|hrs?|h|seconds?|secs?|s)\s*\)", re.I)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(?:(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*(minutes?|mins?|hours?|hrs?|h|m)\b",
                       re.I)
_KV = re.compile(r"^\*\*([^*]{1,60}?):?\*\*\s*:?\s*(.*)$", re.S)
_GATE = re.compile(r"go\s*/\s*no[\s-]*go", re.I)
_LEVEL = re.compile(r"^level\s*(\d+)\s*[:.\-–—]?\s*(.*)$", re.I)
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

def _clean(text: str) -> str:
    """Text without emoji / pictographs and surplus whitespace (names stay readable in a terminal)."""
    out = "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Cs", "Co", "Cn", "Cc")
                  or ch in "\n\t")
    return re.sub(r"[ \t]+", " ", out).strip()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-")


def _repair_mojibake(text: str) -> tuple[str, bool]:
    """UTF-8 that was once read as cp1252 ('ðŸš€' for '🚀', 'âœ…' for '✅') is put back."""
    if not re.search("[ÃÂâð][\u0080-\u02ff\u2010-\u2122]", text):
        return text, False
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text, False
    return fixed, fixed != text


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


def _parse_date(text: str) -> date | None:
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.strip().rstrip("."))
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%d %B %Y", "%Y-%m-%d", "%A, %B %d, %Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _zone(abbr: str | None) -> str | None:
    if not abbr:
        return None
    return TZ_NAMES.get(abbr.upper())


# -- the importer -------------------------------------------------------------------------------------

@dataclass
class _Section:
    """A heading and the blocks under it (up to the next heading of the same or a higher level)."""

    index: int
    heading: Block
    end: int


class _Importer:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.src_name = Path(source).name
        self.blocks = parse_blocks(text)
        self.summary: list[str] = []
        self.inferred: list[str] = []
        self.unplaced: list[Unplaced] = []
        self.notes: list[str] = []
        self.phases: list[dict[str, Any]] = []
        self.levels: list[dict[str, Any]] = []
        self.criteria: list[tuple[int, str]] = []
        self.approvers: dict[str, list[str]] = {}
        self.escalation: list[dict[str, Any]] = []
        self.words: set[str] = set()
        self.refs: set[str] = set()
        self.thresholds: list[Threshold] = []
        #: Traffic percentages that did not make a canary: (line, weights, why).
        self.traffic: list[tuple[int, list[int], str]] = []
        #: Canary steps made from a traffic progression: their spec (analysis added at the end), phase, stages.
        self.canaries: list[dict[str, Any]] = []
        #: The Rollback Criteria limits written into every canary's `analysis`.
        self.analysis: list[Threshold] = []
        self.window: dict[str, Any] | None = None
        self.window_line = 0
        self.description: list[str] = []
        #: (from, to, source line) of the application version, when a "... Version" section gives both.
        self.version: tuple[str, str, int] | None = None
        self.uses_database_url = False
        from golive.steps.registry import KINDS

        self.kinds = set(KINDS)

    # -- structure ------------------------------------------------------------------------------
    def section_end(self, idx: int) -> int:
        level = self.blocks[idx].level
        for j in range(idx + 1, len(self.blocks)):
            b = self.blocks[j]
            if b.kind == "heading" and b.level <= level:
                return j
        return len(self.blocks)

    def title(self) -> tuple[str, int | None]:
        for i, b in enumerate(self.blocks):
            if b.kind == "heading":
                if b.level == 1:
                    return _clean(b.text), i
                break
        return "", None

    def run(self) -> CommentedMap:
        title, title_idx = self.title()
        if title_idx is not None:
            self.blocks[title_idx].placed = True
        headings = [i for i, b in enumerate(self.blocks) if b.kind == "heading" and i != title_idx]
        top_level = min((self.blocks[i].level for i in headings), default=2)
        # Blocks before the first section (an overview paragraph) become the plan description.
        description = self.description
        first_heading = headings[0] if headings else len(self.blocks)
        for b in self.blocks[:first_heading]:
            if b.kind == "para" and not b.placed:
                description.append(_clean(b.text))
                b.placed = True
        i = 0
        while i < len(self.blocks):
            b = self.blocks[i]
            if b.kind == "heading" and i != title_idx and b.level <= top_level + 1:
                end = self.section_end(i)
                if self.handle_section(i, end, top=b.level == top_level):
                    i = end
                    continue
            i += 1
        self.report_leftovers()
        return self.build(title, description)

    def handle_section(self, idx: int, end: int, top: bool) -> bool:
        """Place one section; True when it (and everything under it) was dealt with."""
        h = self.blocks[idx]
        text = _clean(h.text)
        low = text.lower()
        if _PHASE.match(text) or (_CLOCK_RANGE.search(text) and not top):
            self.phase_from(idx, end)
            return True
        if not top:
            return False
        # A top-level section that contains phase headings: the phases are placed one by one, the rest
        # of the section's content (an intro paragraph) is reported if nothing claims it.
        sub_phases = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"
                      and _PHASE.match(_clean(self.blocks[j].text))]
        h.placed = True
        if re.search(r"roll\s*-?back", low) and re.search(r"criteria|trigger|when to|decision", low):
            self.rollback_criteria(idx, end)
            return True
        if re.search(r"roll\s*-?back", low) and not sub_phases:
            self.rollback_section(idx, end)
            return True
        if re.search(r"success (criteria|metrics)|definition of done|acceptance criteria", low):
            self.success(idx, end)
            return True
        if re.search(r"^(overview|summary|introduction|purpose|background|description)$", low):
            self.overview(idx, end)
            return True
        if re.search(r"deployment window|deployment (timeline|schedule)|^window|^schedule", low):
            self.window_section(idx, end)
            return True
        if re.search(r"sign-?off|approvals?\b", low) and not sub_phases:
            self.signoff(idx, end)
            return True
        if re.search(r"contact", low) and not sub_phases:
            self.contacts(idx, end)
            return True
        if sub_phases:
            for j in range(idx + 1, end):
                b = self.blocks[j]
                if b.kind == "heading" and _PHASE.match(_clean(b.text)):
                    self.phase_from(j, self.section_end(j))
            return True
        if re.search(r"pre-?deploy|before deploy|preparation|readiness|\(.*before\)|deployment day|pre-?flight",
                     low):
            self.checklist_phase(idx, end)
            return True
        if re.search(r"post-?deploy|after deploy", low):
            self.post_section(idx, end)
            return True
        if re.search(r"deployment (steps|procedure|process|plan)|during deploy|^deploy(ment)?$", low):
            self.checklist_phase(idx, end)
            return True
        # Any other top-level section is kept for the leftovers report, except "Rollback Window"-style
        # facts and an "Application Version" table, which may hide in a general section (an appendix).
        self.scan_window_facts(idx, end)
        self.scan_version(idx, end)
        return True

    # -- phases ---------------------------------------------------------------------------------
    def new_phase(self, name: str, line: int) -> dict[str, Any]:
        names = {p["name"] for p in self.phases}
        base, n = name or f"Phase {len(self.phases) + 1}", 2
        unique = base
        while unique in names:
            unique = f"{base} ({n})"
            n += 1
        phase: dict[str, Any] = {"name": unique, "line": line, "steps": [], "gate": None, "timebox": None,
                                 "description": [], "deployment": False}
        self.phases.append(phase)
        return phase

    def phase_from(self, idx: int, end: int) -> None:
        h = self.blocks[idx]
        h.placed = True
        text = _clean(h.text)
        timebox: float | None = None
        m = _DURATION_PAREN.search(text)
        if m:
            timebox = _minutes(m.group(2) or m.group(1), m.group(3))
            text = (text[: m.start()] + text[m.end():]).strip()
        else:
            r = _CLOCK_RANGE.search(text)
            if r:
                timebox = self.range_minutes(r.group(1), r.group(2))
        text = re.sub(r"\s*[:\-–—]\s*$", "", text).strip()
        phase = self.new_phase(text, h.line)
        phase["deployment"] = True
        if timebox:
            phase["timebox"] = timebox
        self.fill(phase, idx + 1, end, context=None)
        self.canary_from(phase)

    def range_minutes(self, a: str, b: str) -> float | None:
        s, e = _parse_clock(a), _parse_clock(b)
        if s is None or e is None:
            return None
        minutes = (e[0] * 60 + e[1]) - (s[0] * 60 + s[1])
        if minutes <= 0:
            minutes += 24 * 60
        return float(minutes)

    def checklist_phase(self, idx: int, end: int) -> None:
        h = self.blocks[idx]
        phase = self.new_phase(_clean(h.text), h.line)
        self.fill(phase, idx + 1, end, context=None)
        if not phase["steps"]:
            self.phases.remove(phase)

    def post_section(self, idx: int, end: int) -> None:
        """Post-deployment checks within the first hour or two belong to the run; later ones do not."""
        h = self.blocks[idx]
        subs = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"]
        horizon = self.horizon_hours(_clean(h.text))
        if subs and horizon is None and any(self.horizon_hours(_clean(self.blocks[j].text)) is not None
                                            for j in subs):
            for j in subs:
                if self.blocks[j].level == min(self.blocks[s].level for s in subs):
                    self.post_part(j, self.section_end(j), self.horizon_hours(_clean(self.blocks[j].text)))
            return
        self.post_part(idx, end, horizon)

    def post_part(self, idx: int, end: int, horizon: float | None) -> None:
        h = self.blocks[idx]
        h.placed = True
        if horizon is not None and horizon > 2:
            count = sum(1 for b in self.blocks[idx + 1:end] if b.kind == "item")
            for b in self.blocks[idx + 1:end]:
                b.placed = True
            self.unplaced.append(Unplaced(h.line, f"'{_clean(h.text)}' ({count} items)",
                                          f"follow-up work {format_duration(horizon * 3600)} after the"
                                          " deployment: not part of a run"))
            return
        self.checklist_phase(idx, end)

    @staticmethod
    def horizon_hours(text: str) -> float | None:
        low = text.lower()
        m = re.search(r"(\d+)?\s*(hour|day|week|month|year)s?", low)
        if not m:
            if re.search(r"immediate|right after|first minutes", low):
                return 0.5
            return None
        n = int(m.group(1)) if m.group(1) else 1
        return n * {"hour": 1, "day": 24, "week": 168, "month": 720, "year": 8760}[m.group(2)]

    def fill(self, phase: dict[str, Any], start: int, end: int, context: str | None) -> None:
        """Steps, gate, timebox and notes of a phase from the blocks in [start, end)."""
        for j in range(start, end):
            b = self.blocks[j]
            if b.placed:
                continue
            if b.kind == "heading":
                b.placed = True
                continue
            if b.kind == "para":
                self.phase_para(phase, b, j)
            elif b.kind == "item":
                self.phase_item(phase, j)
            elif b.kind == "fence":
                self.phase_fence(phase, b, self.context_name(b))
            elif b.kind == "table":
                pass  # reported as not placed

    def context_name(self, b: Block) -> str | None:
        if b.parent is not None:
            parent = self.blocks[b.parent]
            if parent.checked is None:
                return _clean(parent.text).rstrip(":") or None
        return None

    def phase_para(self, phase: dict[str, Any], b: Block, j: int) -> None:
        m = _KV.match(b.raw)
        key = _clean(m.group(1)).lower() if m else ""
        value = _clean(re.sub(r"\*\*|__", "", m.group(2))) if m else ""
        if m and _GATE.search(key):
            phase["gate"] = (value, b.line)
            b.placed = True
        elif m and ("estimate" in key or key in ("duration", "timebox", "time box")):
            d = _DURATION.search(value)
            if d:
                if phase["timebox"] is None:
                    phase["timebox"] = _minutes(d.group(2) or d.group(1), d.group(3))
                    self.inferred.append(f"line {b.line}: timebox of '{phase['name']}' is the upper bound of"
                                         f" '{value}'")
                b.placed = True
        elif m and key in ("time", "when", "schedule", "use case", "owner", "purpose", "goal"):
            phase["description"].append(f"{m.group(1).strip()}: {value}")
            b.placed = True
        elif _GATE.search(b.text):
            phase["gate"] = (_clean(re.sub(r"^.*?go\s*/\s*no[\s-]*go[^:]*:?", "", b.text, flags=re.I)) or
                             _clean(b.text), b.line)
            b.placed = True
        elif phase.get("deployment") and progression(_clean(b.text)):
            # "Shift traffic 10% -> 25% -> 50% -> 100%, each held 10 minutes": a canary (canary_from)
            phase.setdefault("items", []).append((j, None, len(phase["steps"])))
            b.placed = True
        elif b.depth == 0 and b.text.strip() and len(b.text) < 400:
            phase["description"].append(_clean(b.text))
            b.placed = True

    def phase_item(self, phase: dict[str, Any], j: int) -> None:
        b = self.blocks[j]
        has_children = bool(b.children)
        text = _clean(b.text)
        if not text:
            b.placed = True
            return
        if b.checked is None and has_children:
            b.placed = True  # a title: its children are the steps and take their names from it
            return
        spec: dict[str, Any] = {"instruction": text}
        if b.checked:
            spec["done"] = True
        name = self.context_name(b)
        step = self.step("manual", spec, b.line, name)
        if phase.get("deployment"):
            phase.setdefault("items", []).append((j, step, len(phase["steps"])))
        phase["steps"].append(step)
        b.placed = True

    def phase_fence(self, phase: dict[str, Any], b: Block, name: str | None) -> None:
        block = self.fence_commands(b)
        if block is None:
            return
        b.placed = True
        for cmd in block.commands:
            phase["steps"].append(self.command_step(cmd, name if len(block.commands) == 1 or (cmd.name is None
                                                    and name) else None))

    def fence_commands(self, b: Block) -> CommandBlock | None:
        first = b.line + 1
        if b.info in SQL_LANGS:
            block = sql_statements(b.text, first)
        elif b.info in SHELL_LANGS:
            block = shell_commands(b.text, first)
        else:
            return None
        self.words |= block.words
        self.refs |= block.refs
        self.notes.extend(block.notes)
        return block

    def command_step(self, cmd: Command, fallback_name: str | None) -> CommentedMap:
        name = cmd.name or fallback_name
        if cmd.note:
            self.inferred.append(f"line {cmd.line}: {cmd.note} -> {cmd.kind} step")
        if cmd.kind == "sql":
            return self.sql_step(cmd.spec["query"], cmd.line, name)
        spec = cmd.spec
        if cmd.kind == "shell" and set(spec) == {"command"}:
            spec = spec["command"]
        return self.step(cmd.kind, spec, cmd.line, name)

    def sql_step(self, query: str, line: int, name: str | None) -> CommentedMap:
        self.uses_database_url = True
        text: Any = LiteralScalarString(query + "\n") if "\n" in query else query
        if "sql" in self.kinds:
            return self.step("sql", {"database": "${DATABASE_URL}", "query": text}, line, name)
        self.inferred.append(f"line {line}: no `sql` step kind is installed: SQL runs through psql")
        command = f"psql \"$DATABASE_URL\" -v ON_ERROR_STOP=1 <<'SQL'\n{query}\nSQL\n"
        return self.step("shell", LiteralScalarString(command), line, name)

    def step(self, kind: str, spec: Any, line: int, name: str | None) -> CommentedMap:
        step = CommentedMap()
        if name:
            step["name"] = _clean(name)[:200]
        step[kind] = spec
        step.yaml_add_eol_comment(f"{self.src_name}:{line}", next(iter(step)))
        return step

    # -- traffic -------------------------------------------------------------------------------
    def canary_from(self, phase: dict[str, Any]) -> None:
        """Traffic percentages of a deployment phase that rise (10% -> 25% -> 50% -> 100%) become one `canary`
        step where the first of them stood; "Monitor for 10 minutes" after a move is that stage's hold.

        The router and pools are plan vars to fill in (the document never names them); the analysis limits
        come from the Rollback Criteria, added in build() once the whole document has been read."""
        entries: list[tuple[int, CommentedMap | None, int]] = phase.pop("items", [])
        stages: list[dict[str, Any]] = []
        used: list[int] = []  # indexes into entries
        each: tuple[float, int] | None = None
        open_stage: int | None = None
        open_depth = 0
        for n, (j, _step, _pos) in enumerate(entries):
            b = self.blocks[j]
            text = _clean(b.text)
            weights = progression(text)
            if weights:
                hold = hold_minutes(text)
                if hold is not None:
                    each = (hold, b.line)
                stages += [{"weight": w, "hold": None, "line": b.line} for w in weights]
                used.append(n)
                open_stage = None
                continue
            pct = route_percent(text)
            if pct is not None:
                hold = hold_minutes(text)
                stages.append({"weight": pct, "hold": hold, "line": b.line})
                used.append(n)
                open_stage, open_depth = (len(stages) - 1 if hold is None else None), b.depth
                continue
            if open_stage is not None and b.depth >= open_depth:
                if is_hold_item(text):
                    stages[open_stage]["hold"] = hold_minutes(text)
                    stages[open_stage]["hold_line"] = b.line
                    used.append(n)
                    open_stage = None
                elif b.depth == open_depth:
                    open_stage = None  # another step came between the move and a hold
        if not stages:
            return
        weights = [s["weight"] for s in stages]
        why = ""
        if len(stages) < 2:
            why = f"one traffic percentage ({weights[0]}%) is not a progression"
        elif weights != sorted(set(weights)) or not all(1 <= w <= 100 for w in weights):
            why = "the percentages do not rise from 1% to at most 100%"
        if why:
            self.traffic.append((stages[0]["line"], weights, why))
            for n in used:
                j, step, _pos = entries[n]
                if step is None:  # a paragraph with the percentages: keep its text with the phase
                    phase["description"].append(_clean(self.blocks[j].text))
            return
        self.fill_holds(phase, stages, each)
        spec = CommentedMap()
        spec["router"] = CommentedMap({"type": "builtin", "admin": "${ROUTER_ADMIN}"})
        spec["router"].fa.set_flow_style()
        spec.yaml_add_eol_comment("TODO: placeholder, the document names no router (see vars)", "router")
        spec["stable"] = "${STABLE_POOL}"
        spec["canary"] = "${CANARY_POOL}"
        seq = CommentedSeq()
        for i, st in enumerate(stages):
            sm = CommentedMap({"weight": st["weight"]})
            if st["hold"]:
                sm["hold"] = st["hold"]
            sm.fa.set_flow_style()
            seq.append(sm)
            lines = sorted({st["line"], st.get("hold_line", st["line"])})
            seq.yaml_add_eol_comment(f"{self.src_name}:" + ",".join(str(n) for n in lines), i)
        spec["stages"] = seq
        line = stages[0]["line"]
        name = "Canary: traffic to the new version " + " -> ".join(f"{w}%" for w in weights)
        step = self.step("canary" if "canary" in self.kinds else "manual",
                         spec if "canary" in self.kinds else {"instruction": name}, line, name)
        at = entries[used[0]][2]
        gone = {id(entries[n][1]) for n in used if entries[n][1] is not None}
        steps = phase["steps"]
        # Checks under a hold ("Monitor for 10 minutes" > "Error rate < 0.1%") stay manual steps, after the canary.
        merged = {entries[n][0] for n in used}
        for j, old, _pos in entries:
            parent = self.blocks[j].parent
            if old is not None and id(old) not in gone and parent in merged and "manual" in old:
                assert parent is not None
                named = self.step("manual", old["manual"], self.blocks[j].line,
                                  f"After the canary (asked at each hold, line {self.blocks[parent].line})")
                steps[next(i for i, s in enumerate(steps) if s is old)] = named
                self.inferred.append(f"line {self.blocks[j].line}: '{_clean(self.blocks[j].text)}' under line"
                                     f" {self.blocks[parent].line} stays a manual step after the canary")
        phase["steps"] = [s for s in steps[:at] if id(s) not in gone] + [step] + [
            s for s in steps[at:] if id(s) not in gone]
        if "canary" not in self.kinds:
            self.traffic.append((line, weights, "no `canary` step kind is installed"))
            return
        self.canaries.append({"spec": spec, "phase": phase["name"], "line": line, "stages": stages,
                              "merged": len(used)})

    def fill_holds(self, phase: dict[str, Any], stages: list[dict[str, Any]], each: tuple[float, int] | None) -> None:
        """Hold times the document does not give per stage: "each held N minutes", else the phase timebox shared
        out, else one analysis interval (a stage with no hold would be promoted without a single verdict)."""
        missing = [st for st in stages if st["hold"] is None and st["weight"] < 100]
        for st in stages:
            if st["hold"] is not None:
                st["hold"] = _hold_text(st["hold"])
        if not missing:
            return
        where = f"line {stages[0]['line']}: canary in '{phase['name']}'"
        if each is not None:
            hold, line = _hold_text(each[0]), each[1]
            self.inferred.append(f"{where}: every stage below 100% held {hold} (line {line})")
        elif phase["timebox"]:
            known = sum(float(parse_duration(st["hold"])) / 60 for st in stages if st["hold"])
            share = max(1.0, float(int((phase["timebox"] - known) / len(missing))))
            hold = _hold_text(share)
            self.inferred.append(f"{where}: no hold time given for {len(missing)} stage(s): {hold} each, the"
                                 f" phase timebox ({_duration_text(phase['timebox'])}) shared out")
        else:
            hold = "1m"
            self.inferred.append(f"{where}: no hold time and no timebox: {len(missing)} stage(s) held 1m (one"
                                 " analysis interval); set `hold` on each stage")
        for st in missing:
            st["hold"] = hold

    def canary_analysis(self) -> list[Threshold]:
        """The Rollback Criteria limits an `analysis` can hold (the strictest of each kind) on every canary."""
        best: dict[str, Threshold] = {}
        for t in self.thresholds:
            if t.key and (t.key not in best or t.amount < best[t.key].amount):
                best[t.key] = t
        chosen = sorted(best.values(), key=lambda t: t.line)
        for c in self.canaries:
            if not chosen:
                continue
            analysis = CommentedMap()
            for t in chosen:
                analysis[t.key] = t.value
                analysis.yaml_add_eol_comment(f"{self.src_name}:{t.line}", t.key)
            c["spec"]["analysis"] = analysis
        return chosen

    # -- rollback -------------------------------------------------------------------------------
    def rollback_section(self, idx: int, end: int) -> None:
        subs = [j for j in range(idx + 1, end) if self.blocks[j].kind == "heading"]
        sub_level = min((self.blocks[j].level for j in subs), default=0)
        made = False
        for j in subs:
            h = self.blocks[j]
            if h.level != sub_level:
                continue
            text = _clean(h.text)
            if re.search(r"criteria|trigger", text, re.I):
                self.rollback_criteria(j, self.section_end(j))  # when to roll back: limits for a canary
                continue
            if re.search(r"^(if|when)\b|decision", text, re.I):
                continue  # guidance about when to roll back, reported below if nothing claims it
            if self.level_from(j, self.section_end(j), text):
                made = True
        if not made:
            h = self.blocks[idx]
            self.level_from(idx, end, _clean(h.text))
        else:
            # Intro text of the section ("If rollback is required:") stays for the leftovers report.
            pass

    def level_from(self, idx: int, end: int, text: str) -> bool:
        h = self.blocks[idx]
        holder: dict[str, Any] = {"name": "", "steps": [], "gate": None, "timebox": None, "description": []}
        m = _LEVEL.match(text)
        number = int(m.group(1)) if m else None
        name = m.group(2) if m else text
        d = _DURATION_PAREN.search(name)
        if d:
            holder["description"].append(f"Takes {d.group(0).strip('()')}")
            name = (name[: d.start()] + name[d.end():]).strip()
        name = re.sub(r"\s*[:\-–—]\s*$", "", name).strip() or f"Rollback level {len(self.levels) + 1}"
        before = [b.placed for b in self.blocks[idx:end]]
        self.fill(holder, idx + 1, end, context=None)
        if not holder["steps"]:
            for b, was in zip(self.blocks[idx:end], before, strict=True):
                b.placed = was
            return False
        h.placed = True
        used = {lv["level"] for lv in self.levels}
        if number is None or number in used or number < 1:
            number = max(used, default=0) + 1
        self.levels.append({"level": number, "name": name, "line": h.line, "steps": holder["steps"],
                            "description": holder["description"]})
        return True

    def rollback_criteria(self, idx: int, end: int) -> None:
        conditions = 0
        for b in self.blocks[idx + 1:end]:
            if b.kind in ("item", "para") and b.text.strip():
                text = _clean(b.text)
                if b.kind == "item":
                    conditions += 1
                    b.placed = True
                elif text.endswith(":"):
                    b.placed = True
                self.thresholds += thresholds_in(text, b.line)
            elif b.kind == "heading":
                b.placed = True
        h = self.blocks[idx]
        self.unplaced.append(Unplaced(h.line, f"'{_clean(h.text)}' ({conditions} conditions)",
                                      "conditions for a person to watch; a plan has no field for free-text"
                                      " rollback triggers (error-rate and latency limits: see the canary"
                                      " analysis or the lines below)"))

    # -- other sections -------------------------------------------------------------------------
    def overview(self, idx: int, end: int) -> None:
        """An "Overview" section's paragraphs say what the change is: the plan's description."""
        for b in self.blocks[idx + 1:end]:
            if b.kind == "para" and b.depth == 0 and b.text.strip():
                self.description.append(_clean(b.text))
                b.placed = True

    def scan_version(self, idx: int, end: int) -> None:
        """`**Current Version**: 1.0.0` / `**New Version**: 1.1.0` under an application/release version heading.

        Only such a heading counts: a bare `**Version**: 2.0.0` at the end of a document is usually the version
        of the document itself, and a "Database Schema Version" is not the version being deployed.
        """
        heads = [j for j in range(idx, end) if self.blocks[j].kind == "heading"]
        for j in heads:
            h = self.blocks[j]
            if not re.search(r"\b(application|app|release|service|software)\s+version\b|^version$",
                             _clean(h.text), re.I):
                continue
            facts = self.facts(j, self.section_end(j), mark=False)
            old = next((v for k, v in facts.items() if re.fullmatch(r"(current|old|previous|from)( version)?", k)),
                       None)
            new = next((v for k, v in facts.items() if re.fullmatch(r"(new|target|next|to)( version)?", k)), None)
            if old is None or new is None:
                continue
            versions = [re.search(r"\bv?\d+(?:\.\d+)+(?:[-+][\w.]+)?", v[0]) for v in (old, new)]
            if versions[0] is None or versions[1] is None or self.version is not None:
                continue
            self.version = (versions[0].group(0), versions[1].group(0), h.line)
            h.placed = old[1].placed = new[1].placed = True
            self.inferred.append(f"line {h.line}: '{_clean(h.text)}' -> version {self.version[0]} ->"
                                 f" {self.version[1]}")

    def success(self, idx: int, end: int) -> None:
        for b in self.blocks[idx + 1:end]:
            if b.kind == "heading":
                b.placed = True
            elif b.kind in ("item", "para"):
                text = _clean(b.text)
                if b.kind == "para" and text.endswith(":") and "\n" not in text:
                    b.placed = True
                    continue
                if b.kind == "item" and b.children and b.checked is None:
                    b.placed = True
                    continue
                for part in text.split("\n"):
                    part = _clean(part).strip("✅✓✔☑ -")
                    if part:
                        self.criteria.append((b.line, part))
                b.placed = True

    def window_section(self, idx: int, end: int) -> None:
        facts = self.facts(idx, end, mark=False)
        self.window_from(facts, self.blocks[idx])

    def scan_window_facts(self, idx: int, end: int) -> None:
        facts = self.facts(idx, end, mark=False)
        if any("rollback window" in k for k in facts) and self.window is None:
            self.window_from(facts, self.blocks[idx])

    def facts(self, idx: int, end: int, mark: bool = True) -> dict[str, tuple[str, Block]]:
        out: dict[str, tuple[str, Block]] = {}
        for b in self.blocks[idx + 1:end]:
            if b.kind not in ("para", "item"):
                continue
            for raw_line in b.raw.split("\n"):
                m = _KV.match(raw_line.strip())
                if m:
                    out.setdefault(_clean(m.group(1)).lower(), (_clean(m.group(2)), b))
        if mark:
            for _value, b in out.values():
                b.placed = True
        return out

    def window_from(self, facts: dict[str, tuple[str, Block]], heading: Block) -> None:
        day: date | None = None
        if "date" in facts:
            day = _parse_date(facts["date"][0])
        time_text = next((facts[k][0] for k in ("time", "window", "deployment window") if k in facts), "")
        zone_abbr: str | None = None
        start = finish = None
        r = _CLOCK_RANGE.search(time_text)
        if r:
            start, finish, zone_abbr = _parse_clock(r.group(1)), _parse_clock(r.group(2)), r.group(3)
        else:
            m = re.search(rf"({_CLOCK})\s*([A-Za-z]{{2,5}})?", time_text, re.I)
            if m:
                start, zone_abbr = _parse_clock(m.group(1)), m.group(2)
            if start is not None and "duration" in facts:
                d = _DURATION.search(facts["duration"][0])
                if d:
                    mins = _minutes(d.group(2) or d.group(1), d.group(3))
                    total = start[0] * 60 + start[1] + int(mins)
                    finish = ((total // 60) % 24, total % 60)
                    self.inferred.append(f"line {facts['duration'][1].line}: window end = start + duration"
                                         f" ({facts['duration'][0]})")
        if start is None or finish is None:
            return
        zone = _zone(zone_abbr)
        if zone_abbr and zone is None:
            self.unplaced.append(Unplaced(heading.line, f"time zone '{zone_abbr}'",
                                          "unknown abbreviation; the window is in UTC - fix it by hand"))
        rollback_until = None
        if "rollback window" in facts:
            rb = facts["rollback window"][0]
            m = re.search(rf"({_CLOCK})\s*([A-Za-z]{{2,5}})?", rb, re.I)
            if m:
                rollback_until = _parse_clock(m.group(1))
                zone = zone or _zone(m.group(2))
        window: dict[str, Any] = {}
        if day is not None:
            s = datetime(day.year, day.month, day.day, *start)
            e = datetime(day.year, day.month, day.day, *finish)
            if e <= s:
                e += timedelta(days=1)
            window["start"], window["end"] = s.isoformat(timespec="minutes"), e.isoformat(timespec="minutes")
            if rollback_until is not None:
                rbt = datetime(e.year, e.month, e.day, *rollback_until)
                if rbt < e:
                    rbt += timedelta(days=1)
                window["rollback_until"] = rbt.isoformat(timespec="minutes")
        else:
            if start == finish:
                return
            window["start"], window["end"] = f"{start[0]:02d}:{start[1]:02d}", f"{finish[0]:02d}:{finish[1]:02d}"
            if rollback_until is not None:
                window["rollback_until"] = f"{rollback_until[0]:02d}:{rollback_until[1]:02d}"
            self.inferred.append(f"line {heading.line}: no date given: a daily window")
        window["timezone"] = zone or "UTC"
        if zone_abbr and zone:
            self.inferred.append(f"line {heading.line}: time zone {zone_abbr} -> {zone}")
        for key in ("date", "time", "duration", "rollback window", "window", "deployment window"):
            if key in facts:
                facts[key][1].placed = True
        self.window, self.window_line = window, heading.line

    def contacts(self, idx: int, end: int) -> None:
        current = ""
        for j in range(idx + 1, end):
            b = self.blocks[j]
            if b.kind == "heading":
                current = _clean(b.text).lower()
                b.placed = True
                continue
            if b.kind not in ("item", "para"):
                continue
            m = _KV.match(b.raw)
            if not m:
                continue
            key, value = _clean(m.group(1)), _clean(re.sub(r"\*\*", "", m.group(2)))
            lm = _LEVEL.match(key)
            if "escalation" in current or lm:
                if lm and "contacts" in self.plan_fields():
                    number = int(lm.group(1))
                    name = re.sub(r"\s*\(.*\)\s*$", "", value).strip() or key
                    if number not in {e["level"] for e in self.escalation}:
                        self.escalation.append({"level": number, "name": name, "line": b.line})
                        b.placed = True
                continue
            if "external" in current or "vendor" in current:
                continue
            self.approvers.setdefault(key, [])
            people = [p.strip() for p in re.split(r",|;|\band\b|\s-\s", value) if p.strip()]
            people = [p for p in people if not _PLACEHOLDER.match(p)]
            if people:
                self.approvers[key] = people[:1] if len(people) > 1 and "@" in people[-1] else people
            b.placed = True

    def signoff(self, idx: int, end: int) -> None:
        current = ""
        for j in range(idx + 1, end):
            b = self.blocks[j]
            if b.kind == "heading":
                current = _clean(b.text)
                continue
            if b.kind != "item" or b.checked is None:
                continue
            role = _clean(re.split(r":|_{2,}", b.text, maxsplit=1)[0])
            if not role or len(role) > 60:
                continue
            self.approvers.setdefault(role, [])
            b.placed = True
            self.inferred.append(f"line {b.line}: sign-off '{role}'" + (f" ({current})" if current else "")
                                 + " -> approvers role (no people named: add them, then `approvals:` on a gate)")
        for j in range(idx + 1, end):
            b = self.blocks[j]
            if b.kind == "heading" and all(self.blocks[k].placed or self.blocks[k].kind == "heading"
                                           for k in range(j + 1, self.section_end(j))):
                b.placed = True

    @staticmethod
    def plan_fields() -> set[str]:
        from golive.plan.model import Plan

        return set(Plan.model_fields)

    # -- leftovers ------------------------------------------------------------------------------
    def report_leftovers(self) -> None:
        """Group every block nobody placed under its heading, so the summary names each one."""
        heading: Block | None = None
        groups: dict[int, list[Block]] = {}
        owners: dict[int, Block] = {}
        for b in self.blocks:
            if b.kind == "heading":
                heading = b
                continue
            if b.placed or (b.kind in ("para", "item") and not b.text.strip()):
                continue
            key = heading.line if heading else 0
            groups.setdefault(key, []).append(b)
            if heading is not None:
                owners[key] = heading
        for key, blocks in groups.items():
            h = owners.get(key)
            counts: dict[str, int] = {}
            for b in blocks:
                counts[b.kind] = counts.get(b.kind, 0) + 1
            what = ", ".join(f"{n} {k if n == 1 else k + 's'}" for k, n in counts.items())
            title = f"'{_clean(h.text)}'" if h else "text before the first heading"
            self.unplaced.append(Unplaced(blocks[0].line, f"{title}: {what}", "no place in a plan"))
        self.unplaced.sort(key=lambda u: u.line)

    # -- output ---------------------------------------------------------------------------------
    def build(self, title: str, description: list[str]) -> CommentedMap:
        deploy = [p for p in self.phases if p["deployment"]]
        phases = [p for p in self.phases if p["steps"]]
        for p in self.phases:
            if not p["steps"]:
                self.unplaced.append(Unplaced(p["line"], f"phase '{p['name']}'", "has no steps; left out"))
        if not phases:
            raise PlanError([PlanIssue(self.source, 1, 1, "", "no deployment steps found: expected headings like"
                                       " '## Phase 1: Database migration (30 minutes)' with fenced commands or"
                                       " checklist items under them")])
        root = CommentedMap()
        name = title or Path(self.source).stem
        core = re.sub(r"(?i)\b(production\s+)?(deployment|release|rollout|go-?live)\s+(plan|checklist|runbook)\b"
                      r"|\bdeployment\b|\bchecklist\b|\bplan\b", " ", name)
        service = _slug(core) or _slug(name) or "service"
        root["name"] = name[:200]
        root["service"] = service
        root.yaml_add_eol_comment("TODO: derived from the title; set the real service name", "service")
        root["environment"] = "production"
        root.yaml_add_eol_comment("TODO: check the environment name", "environment")
        self.analysis = self.canary_analysis()
        text = "\n".join(description)[:2000]
        if self.thresholds and not self.canaries:
            # Nothing can judge them automatically; keep them in the plan for the people watching the run.
            extra = "Rollback criteria (roll back when exceeded): " + ", ".join(
                f"{t.label} (line {t.line})" for t in self.thresholds)[:500]
            text = (text[:2000 - len(extra) - 1] + "\n" + extra) if text else extra
        if text:
            root["description"] = text
        vars_map = self.vars_map()
        if vars_map:
            root["vars"] = vars_map
        if self.version is not None:
            root["version"] = CommentedMap({"from": self.version[0], "to": self.version[1]})
            root.yaml_add_eol_comment(f"{self.src_name}:{self.version[2]}", "version")
        if self.window:
            root["window"] = CommentedMap(self.window)
            root.yaml_add_eol_comment(f"{self.src_name}:{self.window_line}", "window")
        if self.approvers:
            root["approvers"] = CommentedMap(self.approvers)
            root.yaml_add_eol_comment("TODO: people for every role (sign-off / contacts tables)", "approvers")
        seq = CommentedSeq()
        for p in phases:
            pm = CommentedMap()
            pm["name"] = p["name"][:200]
            if p["description"]:
                pm["description"] = "\n".join(p["description"])
            if p["timebox"]:
                pm["timebox"] = _duration_text(p["timebox"])
            pm["steps"] = CommentedSeq(p["steps"])
            if p["gate"]:
                pm["gate"] = CommentedMap({"description": p["gate"][0] or "Go/No-Go"})
                pm["gate"].yaml_add_eol_comment(f"{self.src_name}:{p['gate'][1]}", "description")
            pm.yaml_add_eol_comment(f"{self.src_name}:{p['line']}", "name")
            seq.append(pm)
        root["phases"] = seq
        if self.levels:
            levels = CommentedSeq()
            for lv in sorted(self.levels, key=lambda x: x["level"]):
                lm = CommentedMap()
                lm["level"] = lv["level"]
                lm["name"] = lv["name"][:200]
                if lv["description"]:
                    lm["description"] = "\n".join(lv["description"])
                covers = self.covers(lv, deploy)
                lm["covers"] = covers
                text = lv["name"] + " " + self.steps_text(lv["steps"])
                if _RESTORE_WORDS.search(text) or re.search(r"database", lv["name"], re.I):
                    lm["restores_data"] = True
                    self.inferred.append(f"line {lv['line']}: rollback level {lv['level']} restores data")
                lm["steps"] = CommentedSeq(lv["steps"])
                lm.yaml_add_eol_comment(f"{self.src_name}:{lv['line']}", "level")
                levels.append(lm)
            root["rollback"] = CommentedMap({"levels": levels})
        if self.criteria:
            crit = CommentedSeq()
            for i, (line, text) in enumerate(self.criteria):
                crit.append(text[:500])
                crit.yaml_add_eol_comment(f"{self.src_name}:{line}", i)
            root["success_criteria"] = crit
        if self.escalation and "contacts" in self.plan_fields():
            esc = CommentedSeq()
            for e in sorted(self.escalation, key=lambda x: x["level"]):
                em = CommentedMap({"level": e["level"], "name": e["name"][:200]})
                em.yaml_add_eol_comment(f"{self.src_name}:{e['line']}", "level")
                esc.append(em)
            root["contacts"] = CommentedMap({"escalation": esc})
        self.summarise(root, phases)
        return root

    def steps_text(self, steps: list[CommentedMap]) -> str:
        return " ".join(str(v) for s in steps for v in s.values())

    def covers(self, level: dict[str, Any], deploy: list[dict[str, Any]]) -> list[str]:
        """Phases a level reverts: those whose changes are of the same nature (database, config, app, traffic)."""
        text = level["name"] + " " + self.steps_text(level["steps"])
        name = level["name"]
        kinds = {k for k, rx in (("database", _DB_WORDS), ("configuration", _CONFIG_WORDS),
                                 ("application", _APP_WORDS), ("traffic", _TRAFFIC_WORDS))
                 if rx.search(name)} or {k for k, rx in (("database", _DB_WORDS), ("configuration", _CONFIG_WORDS),
                                                         ("application", _APP_WORDS),
                                                         ("traffic", _TRAFFIC_WORDS)) if rx.search(text)}
        out: list[str] = []
        why: list[str] = []
        for p in deploy:
            # A canary reverts itself (its derived undo switches traffic back), so it does not decide coverage.
            changing = [s for s in p["steps"] if "manual" not in s and "http" not in s and "canary" not in s]
            if not changing:
                continue  # nothing automated to revert
            ptext = p["name"] + " " + self.steps_text(changing)
            hit = [k for k, rx in (("database", _DB_WORDS), ("configuration", _CONFIG_WORDS),
                                   ("application", _APP_WORDS), ("traffic", _TRAFFIC_WORDS))
                   if k in kinds and rx.search(ptext)]
            if hit:
                out.append(p["name"])
                why.append(f"{p['name']} ({'/'.join(hit)})")
        if not out:
            out = [p["name"] for p in deploy if p["steps"]]
            why = ["every deployment phase (no match by kind of change)"]
        self.inferred.append(f"line {level['line']}: rollback level {level['level']} '{name}' covers "
                             + ", ".join(why))
        return out

    def vars_map(self) -> CommentedMap:
        out = CommentedMap()
        names = sorted({w for w in self.words | self.refs if secret_like(w)})
        if self.uses_database_url and "DATABASE_URL" not in names:
            names.append("DATABASE_URL")
        for n in names:
            out[n] = CommentedMap({"secret": True, "from_env": n})
        if names:
            out.yaml_add_eol_comment("secret-looking names in the commands; values come from the environment",
                                     names[0])
        if self.canaries:
            for n, why in PLACEHOLDER_VARS.items():
                if n not in out:
                    out[n] = CommentedMap({"from_env": n, "description": why})
                    out.yaml_add_eol_comment("TODO: fill in (placeholder for the canary step)", n)
        return out

    def summarise(self, root: CommentedMap, phases: list[dict[str, Any]]) -> None:
        s = self.summary
        s.append(f"plan '{root['name']}': service '{root['service']}' (TODO: check), environment 'production'"
                 " (TODO: check)")
        if self.version is not None:
            s.append(f"version (line {self.version[2]}): {self.version[0]} -> {self.version[1]}")
        if self.window:
            w = self.window
            s.append(f"window (line {self.window_line}): {w['start']} - {w['end']} {w['timezone']}"
                     + (f", rollback until {w['rollback_until']}" if "rollback_until" in w else ""))
        else:
            s.append("window: none found (no 'Deployment Window' section with a date/time)")
        for i, p in enumerate(phases, 1):
            counts: dict[str, int] = {}
            done = 0
            for st in p["steps"]:
                kind = next(k for k in st if k != "name")
                counts[kind] = counts.get(kind, 0) + 1
                if kind == "manual" and isinstance(st[kind], dict) and st[kind].get("done"):
                    done += 1
            parts = [f"{n} {k}" for k, n in counts.items()]
            if done:
                parts.append(f"{done} already ticked")
            extra = f", timebox {_duration_text(p['timebox'])}" if p["timebox"] else ""
            gate = f", gate: \"{p['gate'][0]}\" (line {p['gate'][1]})" if p["gate"] else ", no Go/No-Go criterion"
            s.append(f"phase {i} '{p['name']}' (line {p['line']}): {', '.join(parts)}{extra}{gate}")
        for lv in sorted(self.levels, key=lambda x: x["level"]):
            s.append(f"rollback level {lv['level']} '{lv['name']}' (line {lv['line']}): {len(lv['steps'])} steps")
        if self.criteria:
            s.append(f"success criteria: {len(self.criteria)} (from line {self.criteria[0][0]})")
        if self.approvers:
            s.append("approvers: " + ", ".join(f"{k} ({', '.join(v) or 'nobody named'})"
                                               for k, v in self.approvers.items()))
        if self.escalation and "contacts" in root:
            s.append("escalation contacts: " + ", ".join(f"level {e['level']} {e['name']}"
                                                         for e in sorted(self.escalation, key=lambda x: x["level"])))
        secrets = [n for n, v in root.get("vars", {}).items() if v.get("secret")]
        if secrets:
            s.append("secret vars (from the environment): " + ", ".join(secrets))
        plain_env = sorted(r for r in self.refs if r.upper() == r and not secret_like(r))
        if plain_env:
            s.append("the commands also read these environment variables: " + ", ".join(plain_env))
        self.summarise_traffic()
        self.unplaced.sort(key=lambda u: u.line)

    def summarise_traffic(self) -> None:
        s = self.summary
        for c in self.canaries:
            stages = " -> ".join(f"{st['weight']}%" + (f" for {st['hold']}" if st["hold"] else "")
                                 for st in c["stages"])
            limits = ", ".join(f"{t.label} (line {t.line})" for t in self.analysis) or (
                "no error-rate or latency limit in the document: judged against the stable pool only")
            s.append(f"canary (line {c['line']}) in '{c['phase']}', from {c['merged']} traffic and hold items:"
                     f" {stages}; aborts on {limits}; judged every 1m (golive's default interval)")
        if self.canaries:
            s.append("placeholders to fill in: " + ", ".join(PLACEHOLDER_VARS) + " (plan vars read from the"
                     " environment): the document names no router or pools, so a run refuses to start until they"
                     " are set; or write the real router and pool names into the canary step")
        for line, weights, why in self.traffic:
            self.unplaced.append(Unplaced(line, "traffic " + " -> ".join(f"{w}%" for w in weights),
                                          f"not made a canary ({why}): kept as written"))
        carried = {id(t) for t in self.analysis} if self.canaries else set()
        for t in self.thresholds:
            if id(t) in carried:
                continue
            if not self.canaries:
                why = ("not enforced: no traffic progression to make a canary whose `analysis` could carry it;"
                       " kept in the plan description for the people watching the run")
            elif not t.key:
                why = "a canary `analysis` has no field for it (error rate below 100%, p95 and p99 only)"
            else:
                why = "a stricter limit of the same kind is used for the canary analysis"
            self.unplaced.append(Unplaced(t.line, f"threshold {t.label}", why))


#: Characters YAML cannot carry in a plan file (outside its printable set): control characters, U+FFFE/FFFF.
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _drop_unprintable(text: str) -> tuple[str, list[str]]:
    """Remove what a YAML plan cannot hold, saying where: the written plan must load back."""
    notes: list[str] = []
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        found = sorted({f"U+{ord(ch):04X}" for ch in _NOT_YAML.findall(line)})
        if found:
            lines[n - 1] = _NOT_YAML.sub("", line)
            notes.append(f"line {n}: removed control character{'s' if len(found) > 1 else ''} {', '.join(found)}"
                         " (a YAML plan cannot hold it)")
    return "\n".join(lines), notes


def import_markdown(text: str, source: str = "<markdown>") -> ImportResult:
    """Parse Markdown `text` into a validated plan; raises PlanError (only) when no plan can be made."""
    text, repaired = _repair_mojibake(text)
    text, dropped = _drop_unprintable(text)
    imp = _Importer(text, source)
    data = imp.run()
    imp.notes[:0] = dropped
    if repaired:
        imp.inferred.insert(0, "the text was UTF-8 read as cp1252 (mojibake such as 'âœ…'): repaired")
    yaml = YAML()
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    from io import StringIO

    buf = StringIO()
    header = (f"# Imported from {Path(source).name} by `golive import`. Comments name the source line of each"
              " step.\n# Review every TODO before the night of the deployment; `golive lint` lists weak spots.\n")
    yaml.dump(data, buf)
    yaml_text = header + buf.getvalue()
    from golive.plan.loader import parse_plan_text

    parse_plan_text(yaml_text, f"{source} (imported)")
    summary = imp.summary + [f"inferred: {n}" for n in imp.inferred] + [f"note: {n}" for n in imp.notes]
    return ImportResult(yaml_text, summary, imp.unplaced, data)


def import_file(path: str | Path) -> ImportResult:
    from golive.plan.loader import read_source

    return import_markdown(read_source(path, "document", "utf-8-sig"), str(path))


def render_summary(result: ImportResult, out: str) -> str:
    lines = [f"wrote {out}"]
    lines += [f"  {s}" for s in result.summary]
    if result.unplaced:
        lines.append(f"not placed ({len(result.unplaced)}):")
        lines += [f"  line {u.line}: {u.what} - {u.reason}" for u in result.unplaced]
    else:
        lines.append("every part of the document was placed")
    return "\n".join(lines) + "\n"
