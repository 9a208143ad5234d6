"""The lint rules: id, name, severity and what each means (the SARIF rule metadata), and a finding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]
Path_ = tuple[int | str, ...]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    description: str


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("GL101", "no-undo", "warning",
         "A step that changes state has no `undo` and no rollback level covers its phase."),
    Rule("GL102", "migration-without-backup", "error", "A database migration runs with no backup taken before it."),
    Rule("GL103", "rollback-window-short", "warning",
         "The rollback window ends before the phases' timeboxes are used up."),
    Rule("GL104", "no-go-criterion", "warning",
         "A phase has no explicit Go/No-Go criterion (no gate description, checks or approvals)."),
    Rule("GL105", "approvals-without-role", "warning", "A gate asks for approvals but names no approver role."),
    Rule("GL106", "secret-printed", "error", "A command prints a secret to the terminal (and into the run log)."),
    Rule("GL107", "secret-on-command-line", "error",
         "A secret is passed on a command line (visible in `ps`, shell history and logs)."),
    Rule("GL108", "curl-without-timeout", "warning", "`curl` without --max-time/-m can hang until the step timeout."),
    Rule("GL109", "timeboxes-exceed-window", "error",
         "The phases' timeboxes add up to more than the deployment window."),
    Rule("GL110", "placeholder", "warning", "A command or URL still contains a placeholder from a template."),
    Rule("GL111", "never-ends", "warning", "A command follows output forever (`-f`, `--watch`) and only the timeout"
         " stops it."),
    Rule("GL112", "export-has-no-effect", "warning",
         "An `export` alone in a shell step changes nothing: every step runs in its own shell."),
    Rule("GL113", "role-without-people", "warning", "An approver role lists nobody."),
    Rule("GL114", "no-window", "note", "The plan has no deployment window."),
    Rule("GL115", "change-record-incomplete", "warning",
         "A run of this plan cannot give evidence for an element of PCI-DSS 6.5.1/6.5.2 change control"
         " (reason, security impact, approval, testing, back-out, verification) or segregation of duties."),
    Rule("GL116", "traffic-placeholder", "error",
         "A canary or switch step names its router or pools with template text, or with a `${VAR}` that is not"
         " a plan var: it cannot move traffic."),
    Rule("GL118", "sql-does-not-parse", "error", "An sql step's query has a statement that does not parse."),
    Rule("GL119", "level-covers-nothing", "warning",
         "A rollback level without a condition covers no phase, so no failure ever applies it automatically."),
    Rule("GL123", "levels-only-by-condition", "warning",
         "Only rollback levels with a condition (`when`) cover a phase that changes something: a failure there"
         " runs only the undos by itself, and each level waits for a person to see its condition."),
    Rule("GL131", "read-only-claim-writes", "error",
         "A step says `read_only: true` but its command can change things: it would get no undo, and no rollback"
         " level would need to cover its phase."),
    Rule("GL165", "chain-runs-conditional-level", "warning",
         "A rollback level without a condition (`when`) runs, through `first` or `then`, a level with one: golive"
         " applies the first by itself, so it runs the second whatever its condition."),
    Rule("GL168", "level-never-applied", "warning",
         "A rollback level without a condition (`when`) is never applied by golive itself: every phase it covers has"
         " a lighter level without one, which a failure applies instead (the heavier is only offered). A person can"
         " still take it with `golive rollback RUN --level N`."),
    Rule("GL169", "lines-not-understood", "warning",
         "An imported plan's person's step holds lines of the document golive did not understand (a leftover"
         " instruction, or a page it read as broken markup): a person does them as written or confirms they do not"
         " apply; write them as steps where they are work golive can do."),
    Rule("GL166", "gate-decision-without-approval", "warning",
         "A gate's description has a person or a meeting decide (decides, signs off, approves, 'Go?', no answer is"
         " a NO-GO) but the gate has no `approvals`: golive passes it by itself once the phase's steps succeed."),
    Rule("GL120", "shell-does-not-parse", "error", "A shell step's script does not parse as bash."),
    Rule("GL117", "host-key-check-off", "warning",
         "A host group sets `known_hosts: none`: its SSH host keys are not checked, so a man in the middle gets"
         " the commands and the secrets."),
    Rule("GL121", "approvals-not-authenticated", "warning",
         "People decide on this plan's runs but no signers file is configured: approvals are typed names anyone"
         " can type, and the report says 'approvals not authenticated'."),
    Rule("GL122", "approver-without-key", "error",
         "A person named in an approver role has no key in the signers file, so cannot sign a decision."),
    Rule("GL161", "rolling-without-health", "warning",
         "A rolling step has no health check: hosts go back into rotation without anyone asking them."),
    Rule("GL162", "rolling-all-at-once", "warning",
         "A rolling step deploys the whole group in one batch without saying how many failures it accepts."),
    Rule("GL163", "rolling-without-drain", "warning",
         "A rolling step on a group behind a router does not drain hosts there: users reach hosts mid-deploy."),
    Rule("GL164", "rolling-bake-cannot-judge", "error",
         "A rolling step's bake has max_error_rate but no router per-server counters to judge it by."),
    Rule("GL167", "canary-held-never-promoted", "warning",
         "A canary with `promote: false` holds its last stage's split, and no later step moves traffic on that"
         " router: the run would end with traffic split between the two pools."),
)}


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    col: int
    rule: str
    severity: Severity
    message: str

    @property
    def name(self) -> str:
        return RULES[self.rule].name

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity} {self.rule} {self.name}: {self.message}"
