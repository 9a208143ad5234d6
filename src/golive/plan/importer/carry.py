"""Shell state that crosses blocks. A person types a document's blocks into one shell, so a `cd`, a `source`, an
`eval`, an `export` or a function of an early block is still in force when a later block runs; each imported shell
step runs in a new bash, where it would be silently lost. What a step leaves in its shell (golive.plan.md_shell_state)
is brought, marked, in front of every later shell step:
- forward steps see what the forward steps before them left, in the plan's order;
- an `undo` sees what was in force where its text stands: right after the step it undoes;
- a rollback level's steps see the forward state in force where the level's text stands in the document (a rollback
  section relies on the `cd` and `export` written above it, not on those of phases written after it), then what the
  level's own earlier steps left.
A value worked out by a command (`PREV=$(readlink current)`) is saved by the step that set it and read back, never
worked out again: said again after the switch, it would name the new release and the rollback would change
nothing. A carried `cd` that fails stops the step (`|| exit 1`, or the first status the step does not accept as
success): it never runs where the document did not."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap

from golive.plan.importer.fences import block_text
from golive.plan.md_blocks import Block
from golive.plan.md_commands import BASH_LANGS
from golive.plan.md_shell import looks_like_commands
from golive.plan.md_shell_state import CARRIED_MARK, Item, Left, first_sets, reads, script_state, state_only

#: A comment line marking the carried state in front of a step's own commands.
MARK = CARRIED_MARK
#: Where a run's saved values live: private to the run (its id), under the machine's temporary directory.
STATE_DIR = '"${TMPDIR:-/tmp}/golive-state-${GOLIVE_RUN_ID:?}"'
#: Saved values are read back with `.`, so the folder must be the run user's own: in a shared /tmp another user
#: could make it first (run ids are a time and 16 random bits) or link it elsewhere, and plant what later steps
#: run. Written only into, and read only from, a real folder this user owns (`mkdir -p` keeps one that exists).
OURS = f'[ ! -L {STATE_DIR} ] && [ -O {STATE_DIR} ]'
_BASH = (None, "bash", "/bin/bash", "/usr/bin/bash", "sh", "/bin/sh")
#: Commands said again whose failure means the state is not the document's: the step stops there.
_GUARDED = re.compile(r"^\s*(?:cd|pushd|popd|source|\.|nvm|conda|pyenv|rvm|deactivate)\b")
_SILENCED = re.compile(r"^\s*(?:cd|pushd|popd|source|\.|eval|nvm|conda|pyenv|rvm|deactivate|hash)\b")


@dataclass
class _Source:
    """A step that saves what it worked out, for the steps after it."""

    step: Any
    key: str
    left: Left
    used: bool = False


@dataclass
class Carried:
    """What carry_state did, for the import summary."""

    said: list[str] = field(default_factory=list)
    #: (line of the step that saves, names) for values saved once and read back.
    saved: list[tuple[int, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    undos: int = 0


def _line(step: Any, default: int) -> int:
    """The document line the import wrote next to the step (`# doc.md:12`), else `default`."""
    ca = getattr(step, "ca", None)
    for entry in (ca.items.values() if ca is not None else []):
        for tok in entry if isinstance(entry, list) else []:
            m = re.search(r":(\d+)\s*$", getattr(tok, "value", "") or "")
            if m:
                return int(m.group(1))
    return default


def _shell_text(step: Any) -> str | None:
    """The bash script of a shell step (None for another kind, or another interpreter: PowerShell)."""
    shell: Any = step.get("shell") if isinstance(step, dict) else None
    if isinstance(shell, str):
        return shell
    if isinstance(shell, dict) and isinstance(shell.get("command"), str) and shell.get("shell") in _BASH:
        return str(shell["command"])
    return None


def _set_shell_text(step: Any, text: str) -> None:
    if isinstance(step["shell"], str):
        step["shell"] = block_text(text)
    else:
        step["shell"]["command"] = block_text(text)


class _Carrier:
    def __init__(self, scripts: list[tuple[Any, str]]) -> None:
        self.sources: dict[int, _Source] = {}
        self.keys: set[str] = set()
        self.report = Carried()
        #: Per shell script of the plan (forward, undo, level): the names it reads; and those read in functions.
        self.reads: dict[int, set[str]] = {}
        self.in_functions: set[str] = set()
        #: How many scripts read each name: what the others read is then known without going through them all
        #: for every step (that made import quadratic in the number of steps).
        self.readers: Counter[str] = Counter()
        for step, text in scripts:
            mine, funcs = reads(text)
            self.reads[id(step)] = mine
            self.in_functions |= funcs
        for names in self.reads.values():
            self.readers.update(names)

    def read_elsewhere(self, step: Any) -> set[str]:
        """What another script of the plan reads (a value only the step itself reads needs no saving)."""
        mine = self.reads.get(id(step), set())
        return self.in_functions | {n for n, count in self.readers.items() if count > (1 if n in mine else 0)}

    def own(self, step: Any, text: str, line: int) -> list[tuple[Item, _Source | None]]:
        """The state `step` leaves, as items for the steps after it (its saved values as one read-back item)."""
        src = self.sources.get(id(step))
        if src is None:
            left = script_state(text)
            # `for node in ...`: a loop's variable nobody reads later is not saved; what a later script, a carried
            # saying of this one (`cd "$WORKDIR"`) or a program (an exported name) reads is
            said = set().union(*(reads(it.text)[0] for it in left.items if it.text is not None))
            left.saved_vars &= self.read_elsewhere(step) | said | left.exported
            key = f"line{line}"
            while key in self.keys:
                key += "b"
            self.keys.add(key)
            src = self.sources[id(step)] = _Source(step, key, left)
            self.report.notes += [f"line {line}: {n}" for n in left.notes]
        out: list[tuple[Item, _Source | None]] = []
        read_back = False
        for it in src.left.items:
            if it.text is not None or it.cd:
                out.append((it, src if it.text is None else None))
            elif not read_back and (src.left.saved_vars or src.left.saved_funcs):
                read_back = True
                out.append((Item(None, frozenset(src.left.saved_vars)), src))
        return out

    @staticmethod
    def add(state: list[tuple[Item, _Source | None]], new: list[tuple[Item, _Source | None]]
            ) -> list[tuple[Item, _Source | None]]:
        """`state` followed by `new`; a saying already in force (the same text, nothing since changing what it
        sets or the directory) is not said twice."""
        out = list(state)
        for it, src in new:
            if it.text is not None and not it.cd:
                prev = next((i for i in range(len(out) - 1, -1, -1) if out[i][0].text == it.text), None)
                if prev is not None and not any(o.cd or o.names & it.names or (o.text is None and s is not None
                                                                               and s.left.saved_funcs)
                                                for o, s in out[prev + 1:]):
                    continue
            out.append((it, src))
        return out

    def prefix(self, step: Any, text: str, state: list[tuple[Item, _Source | None]]) -> None:
        """Put `state` in front of the step's own script, marked."""
        first = first_sets(text)  # `V5=50` first in the step: a carried `V5=10` would be said for nothing
        state = [(it, src) for it, src in state if not (it.text is not None and it.names and it.names <= first)]
        if not state:
            return
        spec = next((step[k] for k in ("shell", "ssh") if isinstance(step, dict) and k in step), None)
        accepted = spec.get("expect_exit", [0]) if isinstance(spec, dict) else [0]
        # the carried state's own failure ends the step with a status the step does not accept: a step that takes
        # exit 1 as success (`nomad job plan`, `grep -c` wanting 0) passed when its `cd` had failed
        stop = f"exit {next(n for n in range(1, 256) if n not in accepted)}"
        lines = [MARK]
        for it, src in state:
            if it.text is None and src is not None:
                src.used = True
                what = "the directory it ended in" if it.cd else ", ".join(
                    sorted(src.left.saved_vars | {f + "()" for f in src.left.saved_funcs}))
                saved = f'{STATE_DIR}/{src.key}{".cwd" if it.cd else ""}.sh'
                lines.append(f'{{ {OURS} && . {saved}; }} || {stop}  # {what}, as the'
                             f' step at {src.key.replace("line", "line ")} left it')
                continue
            said = str(it.text)
            if _SILENCED.match(said):
                said += " >/dev/null"  # said once in the document: what it printed was printed then
            if _GUARDED.match(said):
                said += f" || {stop}"
            lines.append(said)
            if it.text not in self.report.said:
                self.report.said.append(str(it.text))
        _set_shell_text(step, "\n".join([*lines, "# this step", text.rstrip("\n")]))

    def save_tails(self) -> None:
        """Each step whose worked-out values a later step reads saves them at its end (keeping its exit status)."""
        for src in self.sources.values():
            if not src.used:
                continue
            text = _shell_text(src.step)
            assert text is not None
            left = src.left
            parts = []
            if left.saved_vars:
                parts.append("declare -p " + " ".join(sorted(left.saved_vars)))
            if left.saved_funcs:
                parts.append("declare -f " + " ".join(sorted(left.saved_funcs)))
            # an unset name fails `declare -p` quietly (`|| :`: no ERR trap, no errexit, nothing written)
            saves = [f"{{ {' || :; '.join(parts)} || :; }} >{STATE_DIR}/{src.key}.sh"] if parts else []
            if left.saved_cwd:
                saves.append(f"printf 'cd -- %q\\n' \"$PWD\" >{STATE_DIR}/{src.key}.cwd.sh")
            tail = ["__golive_status=$?",
                    "# carried: what later steps read, saved as this step left it (read back there, never worked"
                    " out again)",
                    f"(umask 077 && mkdir -p {STATE_DIR}) && {OURS} && {{ {'; '.join(saves)}; }} 2>/dev/null || :",
                    'exit "$__golive_status"']
            _set_shell_text(src.step, text.rstrip("\n") + "\n" + "\n".join(tail))
            self.report.saved.append((int(src.key[4:].rstrip("b")), sorted(left.saved_vars | left.saved_funcs
                                                                           | ({"the directory"} if left.saved_cwd
                                                                              else set()))))

    def run(self, steps: list[Any], state: list[tuple[Item, _Source | None]], default_line: int,
            after: list[tuple[int, list[tuple[Item, _Source | None]]]] | None = None
            ) -> list[tuple[Item, _Source | None]]:
        """Carry `state` through `steps` in order (each step's undo sees the state right after it); returns the
        state after them. `after`: (line, state after that step) appended for each step, when given."""
        for step in steps:
            line = _line(step, default_line)
            text = _shell_text(step)
            if text is not None:
                mine = self.own(step, text, line)
                self.prefix(step, text, state)
                state = self.add(state, mine)
            undo = step.get("undo") if isinstance(step, dict) else None
            if isinstance(undo, str):  # `undo: "cmd"`: a shell step written short
                undo = step["undo"] = CommentedMap({"shell": undo})
            utext = _shell_text(undo) if undo is not None else None
            if utext is not None and state:
                self.prefix(undo, utext, state)
                self.report.undos += 1
            if after is not None:
                after.append((line, state))
        return state


def rollback_preambles(blocks: list[Block], phase_lines: list[int], level_lines: list[int]) -> list[Block]:
    """Blocks nobody placed that only set shell state (`cd /srv/app`, `export KUBECONFIG=...`) and stand in a
    rollback section above its levels, with no forward phase between: "All of this runs from /srv/app:". The levels
    after them run with that state, as the document's shell would."""
    out: list[Block] = []
    for b in blocks:
        if b.placed or b.kind != "fence" or not (b.info in BASH_LANGS or (not b.info and looks_like_commands(b.text))):
            continue
        nxt = min((n for n in level_lines if n > b.line), default=None)
        if nxt is None or any(b.line < p < nxt for p in phase_lines) or not state_only(b.text):
            continue
        out.append(b)
    return out


def carry_state(phases: list[dict[str, Any]], levels: list[dict[str, Any]],
                preambles: list[tuple[int, str]] | None = None) -> Carried:
    """Carry state through the forward phases (and into each step's undo), then into each rollback level from
    where its text stands in the document (after the state-only blocks of its section above it: `preambles`,
    as (line, script))."""
    scripts = [(st, text) for p in [*phases, *levels] for top in p["steps"]
               for st in (top, top.get("undo") if isinstance(top, dict) else None)
               if st is not None and (text := _shell_text(st)) is not None]
    c = _Carrier(scripts)
    state: list[tuple[Item, _Source | None]] = []
    snapshots: list[tuple[int, list[tuple[Item, _Source | None]]]] = []
    for p in phases:
        state = c.run(p["steps"], state, int(p.get("line", 0)), snapshots)
    phase_lines = [int(p.get("line", 0)) for p in phases]
    for lv in levels:
        at = int(lv.get("line", 0))
        before = [(line, s) for line, s in snapshots if line < at]
        start, base = before[-1] if before else (0, [])
        for line, script in preambles or []:  # the section's own `cd`/`export` above the level, after the forward ones
            if start < line < at and not any(line < p < at for p in phase_lines):
                base = c.add(base, [(it, None) for it in script_state(script).items if it.text is not None])
        c.run(lv["steps"], base, at)
    c.save_tails()
    return c.report
