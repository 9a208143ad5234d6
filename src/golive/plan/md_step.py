"""What reading a fenced block gives the importer: steps-to-be, before they become plan YAML.

Kept apart from the readers (md_commands for shell, md_sql for SQL) so each reader builds the same records and
the importer's placing code depends on the records, not on how a block was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Command:
    """One step-to-be: kind is shell, sql, http or manual; spec is the YAML value of that kind."""

    kind: str
    spec: Any
    line: int
    name: str | None = None
    note: str | None = None
    #: The command as the document wrote it, where the step is golive's own kind and may have to go back to it.
    source: str | None = None


@dataclass
class CommandBlock:
    commands: list[Command] = field(default_factory=list)
    #: Env var names the commands mention (for `vars`), and those they reference with `$`.
    words: set[str] = field(default_factory=set)
    refs: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    #: `export NAME=value` lines lifted out of the block: (source line, name, value as written).
    exports: list[tuple[int, str, str]] = field(default_factory=list)
    #: Never-ending commands left out: (source line, first line of the command).
    dropped: list[tuple[int, str]] = field(default_factory=list)
    #: `<placeholder>` words that became plan vars to fill in.
    placeholders: list[str] = field(default_factory=list)
