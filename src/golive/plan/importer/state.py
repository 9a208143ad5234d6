"""What every part of the importer shares: the parsed blocks, what was found so far, and small helpers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.text import _KV, Unplaced, _clean
from golive.plan.md_blocks import Block, parse_blocks
from golive.plan.md_foreign import NOT_NAMED, other_database
from golive.plan.md_traffic import Threshold

#: A section's number at the start of its heading: "1 Pre-execution", "2. Install", "Phase 3: …", "Step 1 —".
_SECTION_NUMBER = re.compile(r"(?i)^(?:(?:phase|step|stage|part|section|schritt|phase|fase|etapa|[ée]tape)\s*)?"
                             r"\d{1,2}(?:\.\d{1,2})*[.):]?\s+\S")
_MYSQL = re.compile(r"(?i)\b(?:mysql(?:dump|sh|admin)?|mariadb(?:-dump)?)\b")
_POSTGRES = re.compile(r"(?i)\b(?:psql|pg_dump|pg_restore|postgres(?:ql)?)\b")
#: SQL Server's own tools and names: the document's SQL is T-SQL, run in SSMS or through sqlcmd.
_MSSQL = re.compile(r"(?i)\b(?:sqlcmd|invoke-sqlcmd|ssms|sql\s+server|t-sql|osql|mssql)\b")
#: Oracle's own tools and names: the document's SQL is typed into SQL*Plus (or SQLcl), as SYSDBA or a schema owner.
_ORACLE = re.compile(r"(?i)\b(?:sqlplus|sql\*plus|sqlcl|sysdba|oracle|rman|pl/sql|tnsnames(?:\.ora)?)\b|\bORA-")


class ImportState:
    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.src_name = Path(source).name
        #: The document's lines as parsed (a step made of lines golive did not understand shows them as written).
        self.lines = text.split("\n")
        self.person_lines: set[int] = set()  # lines shown in such steps (golive.plan.importer.coverage)
        from golive.plan.importer.level_lines import split_level_lines

        self.blocks = split_level_lines(parse_blocks(text))  # "Fallback 1 (...): …\nFallback 2 (...): …": a level each
        #: CJK text in the document: "CST" there is China Standard Time (UTC+8), not US Central (importer/when.py).
        self.cjk = bool(re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text))
        #: US hints: "CST" is US Central where the document names US Central time, Chicago, CDT or a US state.
        self.us_central = bool(re.search(r"\b(?:CDT|Central\s+(?:Standard\s+|Daylight\s+)?[Tt]ime|Chicago|Texas|"
                                         r"Dallas|Houston|Austin|Minneapolis|Iowa|Missouri|Wisconsin|Oklahoma|"
                                         r"America/Chicago|UTC\s?[-−]\s?0?[56]\b)", text)
                               # a date only the US writes (month first, a day past the 12th): "12/18/2026"
                               or re.search(r"(?<![\d/])(?:0?[1-9]|1[0-2])/(?:1[3-9]|2\d|3[01])/(?:19|20)\d\d(?![\d/])",
                                            text))
        #: The document's database is MySQL or MariaDB (its commands say so, and nothing names PostgreSQL): golive's
        #: `sql` step (PostgreSQL, SQLite) cannot run its SQL, so SQL becomes a manual step, never an `sql` step.
        self.mysql_only = bool(_MYSQL.search(text)) and not _POSTGRES.search(text)
        #: The same for SQL Server: its T-SQL (`GO` batches, `USE db` for the rest of the session) runs in SSMS or
        #: sqlcmd, never in golive's sql step.
        self.mssql_only = bool(_MSSQL.search(text)) and not _POSTGRES.search(text)
        #: And for Oracle: a restore point, a PL/SQL block or FLASHBACK run in SQL*Plus, never in golive's sql step.
        self.oracle_only = bool(_ORACLE.search(text)) and not _POSTGRES.search(text)
        #: And for the other databases golive's sql step cannot reach (Snowflake, Cassandra, BigQuery, ...): (name,
        #: where its SQL is typed) from what the document calls its database (golive.plan.md_foreign).
        self.other_db = other_database(text) if not _POSTGRES.search(
            re.sub(NOT_NAMED + _POSTGRES.pattern.removeprefix("(?i)"), "", text)) else None
        self.summary: list[str] = []
        self.inferred: list[str] = []
        self.unplaced: list[Unplaced] = []
        self.notes: list[str] = []
        #: Secret values the commands wrote, by the var name each became (two values never share a name).
        self.secret_values: dict[str, str] = {}
        self.phases: list[dict[str, Any]] = []
        #: A person's step made because the document runs its block on hosts it names, by id: those hosts ("On
        #: web-1 and web-2"), so the block's undo goes to the same hosts (importer/named_host).
        self.host_steps: dict[int, str] = {}
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
        #: Routers the document's own weight commands name, taken by a canary: (identity, config, [stable, canary]);
        #: the document's commands that put all traffic back on that router become a `switch` to its stable pool.
        self.own_routers: list[tuple[tuple[object, ...], CommentedMap, list[str]]] = []
        #: A person's check of the limits at each stage of a ramp the document's own commands make (no canary).
        self.ramp_checks: list[CommentedMap] = []
        #: Phases whose traffic ramp is the document's own commands (no canary carries their limits).
        self.ramp_phases: set[str] = set()
        #: A traffic progression written away from its phase (the overview, a list of decisions): the heading index
        #: line of the one phase that moves traffic -> the blocks that say how (TrafficMixin.loose_traffic).
        self.loose_for: dict[int, list[int]] = {}
        #: The Rollback Criteria limits written into every canary's `analysis`.
        self.analysis: list[Threshold] = []
        self.window: dict[str, Any] | None = None
        #: Minutes east of UTC the window was written at when no IANA zone has that offset (it is set in UTC).
        self.window_offset = 0
        self.window_line = 0
        #: A window written with times and no date (not daily): not set, golive would allow it on any day.
        self.window_undated: tuple[int, str] | None = None
        #: Window facts of the YAML front matter (`window: 2026-12-05T20:00+01:00/2026-12-05T22:00+01:00`).
        self.front_facts: dict[str, tuple[str, Block]] = {}
        #: Boxes titled "Roll back if" in a phase: (phase name, line, text), the trigger of the level covering it.
        self.box_triggers: list[tuple[str, int, str]] = []
        self.description: list[str] = []
        #: (from, to, source line) of the application version, when a "... Version" section gives both.
        self.version: tuple[str, str, int] | None = None
        self.uses_database_url = False
        #: The variable the document's psql/pg_dump commands name as their database ("" none; None not looked yet).
        self.db_var: str | None = None
        #: Inside a rollback level (exports there stay in their script: they must not change the forward run).
        self.in_rollback = False
        #: person's steps made from prose instructions (golive.plan.importer.prose_steps): id -> (line, sentence);
        #: and those that repeat the block after them, to stand after its steps: (phase, step, block)
        self.prose_said: dict[int, tuple[int, str]] = {}
        self.prose_after: list[tuple[dict[str, Any], CommentedMap, Block]] = []
        #: fences the document says are not to be run (ids): never a person's "Run" step either
        self.not_run: set[int] = set()
        #: `export NAME=value` lifted from forward blocks, and env-file vars (value None: read from the env).
        self.exported: dict[str, tuple[str, int]] = {}
        #: Names the shell blocks so far set (golive.plan.importer.carry says them again in later steps).
        self.shell_set: set[str] = set()
        self.env_vars: dict[str, tuple[str | None, int]] = {}
        #: Env-file names whose value carries a password (`redis://:pw@host`): secret, whatever the name.
        self.env_secrets: set[str] = set()
        #: `<placeholder>` words that became vars; ${NAME}s that non-shell steps need declared.
        self.placeholders: set[str] = set()
        self.needed: set[str] = set()
        #: Summary lines: each command made into golive's own step, each export lifted, each command left out.
        self.conversions: list[str] = []
        #: restore steps made from a document's command: id(step) -> that command (golive.plan.md_commands)
        self.restores_from: dict[int, Any] = {}
        #: What the guard (golive.plan.importer.guard) changed, for the summary: a step whose intent disagreed with
        #: its place made a person's, a hidden value made a var.
        self.guarded: list[str] = []
        #: Steps the doubt check (golive.plan.importer.doubt) made a person's, with the signal and why.
        self.doubted: list[str] = []
        #: Normalised name -> as written (`kavyashri-as` -> `@kavyashri-as`), shown next to the name.
        self.handles: dict[str, str] = {}
        #: The role the document names as Go/No-Go decision maker (`**Approver (Go/No-Go):** ...`).
        self.decider: str | None = None
        #: Sign-off tables that name people: (line, [(role, person), ...]) (golive.plan.importer.gates).
        self.signoffs: list[tuple[int, list[tuple[str, str]]]] = []
        #: `@mari.souza` -> `Mariana Souza`: a handle a people table gives next to a person's name.
        self.aliases: dict[str, str] = {}
        #: "rm" -> "Release manager": a role's short name, as a people table gives it next to the role.
        self.role_aliases: dict[str, str] = {}
        #: List items that became phases ("1. Drain (5 min)"): their steps are not named after them.
        self.phase_items: set[int] = set()
        #: Top-level sections of a document numbered as an outline ("1." over "1.1", "1.2"): each is a phase.
        self.outline_tops: set[int] = set()
        #: List items that are a rollback level and its step at once ("- L1, api3 misbehaves: weights back").
        self.level_items: set[int] = set()
        #: Paragraphs that are a level of their own, said in words ("**1. Weights back.** Patch with `V5=0`"): the
        #: level's one step is a person's, the paragraph itself.
        self.said_levels: set[int] = set()
        #: "6.1" for the level labelled "6.1 Level 1 (before step 5):" (its label without it): a chain names it so
        self.level_sections: dict[str, str] = {}
        #: A level's opening block as labelled_groups passes it on -> its name and its condition (with whether a
        #: person decides it) (golive.plan.importer.level_openers).
        self.openers: dict[str, tuple[str, tuple[str, bool] | None]] = {}
        from golive.steps.registry import KINDS

        self.kinds = set(KINDS)
        from golive.plan.importer.viewer_numbers import read_viewer_numbers

        #: Fences a person runs, whole, never golive (their opening line -> why): lines that start with numbers that
        #: are not a viewer's consistent ones; a notebook's Python cell, or its `!` line with the kernel's `{var}`.
        numbered, mixed = read_viewer_numbers(self.blocks)
        from golive.plan.importer.block_parts import split_mixed

        #: (a JCL deck above the command that submits it, a command above its "Expected:" line: cut apart first)
        numbered += split_mixed(self.blocks)
        self.person_fences: dict[int, str] = {b.line: "Type it without the line numbers in front of each line (they"
                                              " are not consistent), then run it" for b in self.blocks
                                              if id(b) in mixed}
        self.conversions += numbered
        #: Each block runs in a process of its own (a notebook's cells): no shell state is carried between them.
        self.own_processes = False
        #: Blocks of a rollback section that only set shell state, above its levels (golive.plan.importer.carry).
        self.preambles: list[Block] = []

    def person(self, written: str) -> str:
        """A person as `golive approve --by` takes them: `@handle` -> `handle`, a trailing `(title)` dropped."""
        name = re.sub(r"\s*\([^)]*\)\s*$", "", written.strip()).strip()
        if name.startswith("@") and re.fullmatch(r"@[\w.-]+", name):
            if name[1:] in self.aliases:
                return self.aliases[name[1:]]  # the same person the people table names
            self.handles[name[1:]] = name
            name = name[1:]
        return name

    def section_end(self, idx: int) -> int:
        level = self.blocks[idx].level
        for j in range(idx + 1, len(self.blocks)):
            b = self.blocks[j]
            if b.kind == "heading" and b.level <= level:
                return j
        return len(self.blocks)

    def title(self) -> tuple[str, int | None]:
        """The plan's name: the first heading when it is a level-1 heading, and no first section of several
        numbered alike (`# 1 Pre-execution` … `# 2 Installation`, a Word export whose title is a bold line): such
        a heading is a phase; taken as the title, its steps (a stop, a backup) were lost."""
        for i, b in enumerate(self.blocks):
            if b.kind == "heading":
                if b.level == 1:
                    numbered = _SECTION_NUMBER.match(_clean(b.text))
                    if numbered and any(x.kind == "heading" and x.level == 1 and _SECTION_NUMBER.match(_clean(x.text))
                                        for x in self.blocks[i + 1:]):
                        break
                    return _clean(b.text), i
                break
        return "", None

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

    def step(self, kind: str, spec: Any, line: int, name: str | None) -> CommentedMap:
        from golive.plan.md_waits import step_timeout

        step = CommentedMap()
        if name:
            step["name"] = _clean(name)[:200]
        step[kind] = spec
        step.yaml_add_eol_comment(f"{self.src_name}:{line}", next(iter(step)))
        command = spec if isinstance(spec, str) else spec.get("command") if isinstance(spec, dict) else None
        timeout = step_timeout(command) if kind == "shell" and isinstance(command, str) else None
        if timeout is not None:
            # `helm … --timeout 15m`, `sleep 900`: golive's 10-minute default would kill it while it does its job
            step["timeout"] = timeout
            self.conversions.append(f"line {line}: the command waits up to its own limits and sleeps -> the step's"
                                    f" timeout {timeout} (golive's default of 10 minutes would stop it)")
        return step

    def context_name(self, b: Block) -> str | None:
        if b.parent is not None and b.parent not in self.phase_items:
            parent = self.blocks[b.parent]
            if parent.checked is None or (parent.checked is False and b.kind == "fence"):
                return _clean(parent.text).rstrip(":") or None
        return None

    @staticmethod
    def runs(b: Block) -> bool:
        """A fenced block that becomes a step that runs (shell, SQL, PowerShell), not text."""
        from golive.plan.md_shell import is_sql, looks_like_commands

        return b.info in ("bash", "sh", "shell", "zsh", "ksh", "sql", "powershell", "ps1", "pwsh", "psql") or (
            not b.info and (looks_like_commands(b.text) or is_sql(b.text)))

    @staticmethod
    def plan_fields() -> set[str]:
        from golive.plan.model import Plan

        return set(Plan.model_fields)

    def facts(self, idx: int, end: int, mark: bool = True) -> dict[str, tuple[str, Block]]:
        out: dict[str, tuple[str, Block]] = {}
        for b in self.blocks[idx + 1:end]:
            if b.kind == "table":
                for k, v in self.fact_rows(b).items():
                    out.setdefault(k, (v, b))
                continue
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

    def steps_text(self, steps: list[CommentedMap]) -> str:
        return " ".join(str(v) for s in steps for v in s.values())

    # -- implemented by the mixins (golive.plan.importer.__init__ composes them) ----------------------------
    def fill(self, phase: dict[str, Any], start: int, end: int, context: str | None) -> None:
        raise NotImplementedError

    def phase_from(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def loose_traffic(self) -> None:
        raise NotImplementedError

    def canary_from(self, phase: dict[str, Any]) -> None:
        raise NotImplementedError

    def canary_analysis(self) -> list[Threshold]:
        raise NotImplementedError

    def own_switches(self) -> None:
        raise NotImplementedError

    def own_router(self, phase: dict[str, Any], canary: CommentedMap, spec: CommentedMap,
                   weights: list[int]) -> str | None:
        raise NotImplementedError

    def own_ramp(self, phase: dict[str, Any], canary: CommentedMap, stages: list[dict[str, Any]]) -> bool:
        raise NotImplementedError

    def ramp_limits(self) -> None:
        raise NotImplementedError

    def phase_triggers(self, b: Block) -> None:
        raise NotImplementedError

    def traffic_table(self, phase: dict[str, Any], b: Block) -> bool:
        raise NotImplementedError

    def gate_para(self, phase: dict[str, Any], b: Block) -> bool:
        raise NotImplementedError

    def text_fence(self, phase: dict[str, Any], b: Block) -> None:
        raise NotImplementedError

    def procedure_section(self, idx: int, end: int) -> bool:
        raise NotImplementedError

    def prose_section(self, idx: int, end: int) -> bool:
        raise NotImplementedError

    def said_commands(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def prose_after_blocks(self) -> None:
        raise NotImplementedError

    def ramp_said(self, steps: list[Any], weight: int) -> tuple[int, str] | None:
        raise NotImplementedError

    def substeps_as_steps(self, phases: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def signoff_gate(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def signoff_gates(self, phases: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def gate_role(self, phase: dict[str, Any]) -> str | None:
        raise NotImplementedError

    def person_gate(self, phase: dict[str, Any]) -> str | None:
        raise NotImplementedError

    def drop_fragments(self) -> None:
        raise NotImplementedError

    def stepless_gates(self) -> None:
        raise NotImplementedError

    def gates_before_stages(self) -> None:
        raise NotImplementedError


    def build(self, title: str, description: list[str]) -> CommentedMap:
        raise NotImplementedError

    def guard(self, phases: list[dict[str, Any]], levels: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def rollback_criteria(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def rollback_section(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def window_section(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def scan_window_facts(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def signoff(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def contacts(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def range_minutes(self, a: str, b: str) -> float | None:
        raise NotImplementedError

    def phase_fence(self, phase: dict[str, Any], b: Block, name: str | None) -> None:
        raise NotImplementedError

    def rollback_fence_steps(self, b: Block) -> list[dict[str, Any]]:
        raise NotImplementedError

    def phase_table(self, phase: dict[str, Any], b: Block) -> None:
        raise NotImplementedError

    def sql_step(self, query: str, line: int, name: str | None) -> CommentedMap:
        raise NotImplementedError

    def fact_rows(self, b: Block) -> dict[str, str]:
        raise NotImplementedError

    def people_table(self, b: Block) -> bool:
        raise NotImplementedError

    def escalation_table(self, b: Block) -> bool:
        raise NotImplementedError

    def escalation_rows(self, b: Block, header: list[str], order: int | None, who: int) -> None:
        raise NotImplementedError

    def command_step(self, cmd: Any, fallback_name: str | None) -> CommentedMap:
        raise NotImplementedError

    def window_in_prose(self) -> None:
        raise NotImplementedError

    def people_line(self, b: Block) -> bool:
        raise NotImplementedError

    def people_item(self, b: Block, lead: bool = False) -> bool:
        raise NotImplementedError

    def keyed_person(self, b: Block) -> bool:
        raise NotImplementedError

    def stray_people(self) -> None:
        raise NotImplementedError

    def resolve_rungs(self) -> None:
        raise NotImplementedError

    def front_matter_people(self, text: str) -> None:
        raise NotImplementedError

    def env_file(self, b: Block) -> None:
        raise NotImplementedError

    def stray_env(self, start: int = 0, end: int | None = None) -> None:
        raise NotImplementedError

    def env_only(self, start: int, end: int) -> bool:
        raise NotImplementedError

    def inline_roles(self, raw: str, line: int) -> bool:
        raise NotImplementedError

    def add_person(self, role: str, who: str, line: int, key: str) -> None:
        raise NotImplementedError

    def item_span(self, j: int) -> int:
        raise NotImplementedError

    def role_pair(self, key: str, value: str, line: int, any_key: bool = False) -> bool:
        raise NotImplementedError

    def timeboxed(self, text: str) -> bool:
        raise NotImplementedError

    def list_phases(self, idx: int, end: int) -> bool:
        raise NotImplementedError

    def success(self, idx: int, end: int) -> None:
        raise NotImplementedError

    def heading_timebox(self, text: str) -> tuple[str, float | None]:
        raise NotImplementedError

    def command_item(self, b: Block) -> list[CommentedMap] | None:
        raise NotImplementedError

    def expect_step(self, cmd: str, status: int | None, body: str | None, line: int,
                    name: str | None, said: str = "") -> CommentedMap | None:
        raise NotImplementedError

    def sql_expectation(self, b: Block, where: str = "lead") -> dict[str, Any] | None:
        raise NotImplementedError

    def prelude_people(self, b: Block) -> None:
        raise NotImplementedError

    def runs_commands(self, start: int, end: int) -> bool:
        raise NotImplementedError
