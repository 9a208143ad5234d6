"""`golive lint`: the weak spots of a valid plan, found before the night of the deployment.

A plan that does not validate is bad input (PlanError, exit 2); lint looks at valid plans for what will
hurt at 2 AM: a secret printed to the terminal, a migration with no backup before it, a command that
never ends, timeboxes that do not fit the window. Positions come from re-reading the YAML with ruamel.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from golive import __version__
from golive.plan.loader import load_plan
from golive.plan.model import Plan
from golive.steps.base import StepBase
from golive.steps.rolling import RollingStep
from golive.units import format_duration

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
    Rule("GL118", "sql-does-not-parse", "error", "An sql step's query is not exactly one statement that parses."),
    Rule("GL119", "level-covers-nothing", "warning",
         "A rollback level covers no phase, so no failure ever applies it automatically."),
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


# -- positions ----------------------------------------------------------------------------------

def _position(tree: Any, path: Path_) -> tuple[int, int]:
    """1-based line/col of the deepest node of `path` present in the ruamel tree."""
    node, line, col = tree, 1, 1
    for seg in path:
        lc: Any = None
        try:
            if isinstance(node, CommentedMap) and seg in node:
                lc = node.lc.key(seg)
                node = node[seg]
            elif isinstance(node, CommentedSeq) and isinstance(seg, int) and 0 <= seg < len(node):
                lc = node.lc.item(seg)
                node = node[seg]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
        if lc is not None:
            line, col = lc[0] + 1, lc[1] + 1
    return line, col


# -- what commands do ----------------------------------------------------------------------------

_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL|DATABASE_URL)")
_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_READ_ONLY_CMD = re.compile(
    r"^\s*(sudo\s+)?(ls|cat|grep|egrep|head|tail|less|echo|printf|env|printenv|pwd|whoami|id|date|df|du|free|uptime|"
    r"ps|top|curl\s+(-[sSfLI]+\s+)*(-X\s*GET\s+)?https?|wget\s+--spider|test|\[|stat|file|wc|which|type|"
    r"git\s+(status|log|diff|show|rev-parse|describe)|pip\s+(list|show|freeze)|systemctl\s+(status|is-active)|"
    r"kubectl\s+(get|describe|logs|rollout\s+status|top)|docker\s+(ps|images|inspect|logs)|journalctl|"
    r"nslookup|dig|ping|nc\s+-z|psql\s.*-c\s+['\"]?select|sha256sum|md5sum)\b", re.I)
_MIGRATION_CMD = re.compile(r"\bmigrat|\bdb\s+upgrade\b|database\s+update|alembic\s+upgrade|flyway\s+migrate|"
                            r"liquibase\s+update|db:migrate", re.I)
_MIGRATION_MANUAL = re.compile(r"^(run|apply|execute|perform|start)\b.*\bmigrat", re.I)
_ROLLBACK_WORDS = re.compile(r"roll\s*back|revert|undo|downgrade|migrations\s+remove", re.I)
_BACKUP_CMD = re.compile(r"pg_dump|pg_basebackup|mysqldump|mongodump|xtrabackup|\bbackup\b", re.I)
_BACKUP_MANUAL = re.compile(r"(creat|tak|mak|run|perform)\w*\b.*\bbackup|backup\w*\b.*\b(creat|taken|verif|done|"
                            r"complet)", re.I)
_PLACEHOLDER = re.compile(r"<[A-Za-z_][A-Za-z0-9_ -]*>|YYYY|\byour[-_][\w.-]*|\byourdomain\.\w+|"
                          r"\bexample\.(com|org|net)\b|\bchangeme\b|\bTODO\b|xxx+", re.I)
_FOLLOW = re.compile(r"(^|\s)(tail|kubectl\s+logs|docker\s+logs|journalctl)\b[^|;&]*\s(-f|--follow|-F)\b|"
                     r"\s(-w|--watch)\b|^\s*watch\s|\btop\s*$", re.I)
_CRED_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@$]+@", re.I)
_PRINTERS = ("echo", "printf", "print")
_ENV_DUMPERS = ("env", "printenv", "set", "export", "declare")


def _step_text(step: StepBase) -> str:
    spec = getattr(step, step.kind, None)
    if step.kind == "shell":
        return str(getattr(spec, "command", ""))
    if step.kind == "manual":
        return str(getattr(spec, "instruction", ""))
    if step.kind == "sql":
        return str(getattr(spec, "query", "") or "")
    if step.kind == "http":
        return str(getattr(spec, "url", ""))
    return json.dumps(step.model_dump(mode="json", exclude_none=True), default=str)


def _pipeline(command: str) -> list[tuple[list[str], str]]:
    """Simple commands of a shell text, each as words with the operator that ends it (`|`, `;`, `&&`...).

    Split at |, ;, & and newlines outside quotes; redirections (`>`, `>>`, `2>&1`) stay words of their command.
    """
    out: list[tuple[list[str], str]] = []
    for line in command.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        try:
            tokens = list(lexer)
        except ValueError:
            tokens = line.split()
        for tok in [*tokens, ";"]:
            if tok and set(tok) <= set(";&|"):
                while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                    words = words[1:]  # NAME=value prefix: environment, not arguments
                if words and words[0] == "sudo":
                    words = words[1:]
                if words:
                    out.append((words, tok))
                words = []
            else:
                words.append(tok)
    return out


def _segments(command: str) -> list[list[str]]:
    return [words for words, _sep in _pipeline(command)]


_TERMINAL = ("/dev/stdout", "/dev/stderr", "/dev/tty")


def _to_terminal(words: list[str], sep: str) -> bool:
    """Whether a command's standard output reaches the terminal (and so the run log): not piped, not to a file."""
    if sep == "|":
        return False
    for i, w in enumerate(words):
        if w in (">", ">>", ">|", "&>", "&>>"):
            if w.startswith(">") and i > 0 and words[i - 1] == "2":
                continue  # only stderr goes to the file
            if (words[i + 1] if i + 1 < len(words) else "") not in _TERMINAL:
                return False
    return True


def _changes_state(step: StepBase) -> bool:
    if step.kind in ("manual", "wait", "check"):
        return False
    if step.kind == "shell":
        command = _step_text(step)
        return not all(_READ_ONLY_CMD.match(" ".join(seg)) for seg in _segments(command))
    if step.kind == "http":
        return str(getattr(step.http, "method", "GET")) not in ("GET", "HEAD", "OPTIONS")  # type: ignore[attr-defined]
    if step.kind == "sql":
        query = _step_text(step).strip().lower()
        return not re.match(r"^(select|with|show|explain|--)", query) or not query
    return not step.read_only


class _Linter:
    def __init__(self, plan: Plan, tree: Any, file: str) -> None:
        self.plan, self.tree, self.file = plan, tree, file
        self.findings: list[Finding] = []
        self.secrets = set(plan.secret_names())

    def add(self, rule: str, path: Path_, message: str) -> None:
        line, col = _position(self.tree, path)
        self.findings.append(Finding(self.file, line, col, rule, RULES[rule].severity, message))

    def is_secret(self, name: str) -> bool:
        return name in self.secrets or (name.upper() == name and bool(_SECRET_NAME.search(name)))

    def all_steps(self) -> list[tuple[Path_, StepBase, int | None]]:
        """Every step with its YAML path and phase index (None for rollback levels and criteria)."""
        out: list[tuple[Path_, StepBase, int | None]] = []
        for pi, phase in enumerate(self.plan.phases):
            for si, step in enumerate(phase.steps):
                out.append((("phases", pi, "steps", si), step, pi))
                if step.undo is not None:
                    out.append((("phases", pi, "steps", si, "undo"), step.undo, pi))
            for ci, check in enumerate(phase.gate.checks):
                out.append((("phases", pi, "gate", "checks", ci), check, pi))
        for li, level in enumerate(self.plan.rollback.levels):
            for si, step in enumerate(level.steps):
                out.append((("rollback", "levels", li, "steps", si), step, None))
        return out

    def run(self) -> list[Finding]:
        self.phases()
        self.commands()
        self.migrations()
        self.window()
        self.roles()
        self.signers()
        self.traffic()
        self.host_groups()
        self.rolling()
        self.imported_shapes()
        self.compliance()
        self.findings.sort(key=lambda f: (f.line, f.col, f.rule))
        return self.findings

    def phases(self) -> None:
        covered = {name for level in self.plan.rollback.levels for name in level.covers}
        for pi, phase in enumerate(self.plan.phases):
            gate = phase.gate
            if not gate.description and not gate.checks and gate.approvals is None:
                self.add("GL104", ("phases", pi, "name"),
                         f"phase '{phase.name}' has no explicit Go/No-Go criterion: add gate.description,"
                         " gate.checks or gate.approvals")
            if gate.approvals is not None and not gate.approvals.role:
                self.add("GL105", ("phases", pi, "gate", "approvals"),
                         "approvals with no role: anyone may approve; set approvals.role to a role of `approvers`")
            if phase.name in covered:
                continue
            for si, step in enumerate(phase.steps):
                if step.undo is None and _changes_state(step):
                    self.add("GL101", ("phases", pi, "steps", si),
                             f"'{step.title()}' changes state, has no undo, and no rollback level covers phase"
                             f" '{phase.name}'")

    def commands(self) -> None:
        for path, step, _pi in self.all_steps():
            text = _step_text(step)
            if step.kind == "shell":
                self.shell(path, text)
                env = getattr(step.shell, "env", {})  # type: ignore[attr-defined]
                for value in env.values():
                    if _CRED_URL.search(value):
                        self.add("GL107", path, "a password is written into the plan (user:password@ in a URL);"
                                 " use a secret var")
            if step.kind in ("shell", "http", "sql") and _PLACEHOLDER.search(text):
                found = _PLACEHOLDER.search(text)
                assert found is not None
                self.add("GL110", path, f"'{found.group(0)}' looks like a placeholder left from a template:"
                         f" {text.strip().splitlines()[0][:100]}")
            if step.kind == "http" and _CRED_URL.search(text):
                self.add("GL107", path, "credentials in the URL; put them in a secret var and a header")

    def shell(self, path: Path_, command: str) -> None:
        pipeline = _pipeline(command)
        segs = [words for words, _sep in pipeline]
        first = command.strip().splitlines()[0][:100] if command.strip() else ""
        for i, (words, sep) in enumerate(pipeline):
            prog = words[0]
            refs = [m.group(1) for w in words[1:] for m in _REF.finditer(w)]
            secret_refs = [r for r in refs if self.is_secret(r)]
            nxt = segs[i + 1] if i + 1 < len(segs) and sep == "|" else None
            if prog in _PRINTERS and secret_refs:
                # Piped (`echo "$PASS" | docker login --password-stdin`) or written to a file, the value stays
                # off the terminal; a builtin's arguments are not visible in ps either.
                if _to_terminal(words, sep) or (nxt is not None and nxt[0] == "tee"):
                    self.add("GL106", path, f"`{prog}` prints secret {', '.join(sorted(set(secret_refs)))}:"
                             f" {first}")
            elif prog in _ENV_DUMPERS and (len(words) == 1 or prog == "printenv"):
                named = [w for w in words[1:] if self.is_secret(w)]
                grep_names = [n for w in (nxt or [])[1:] for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", w)
                              if self.is_secret(n)] if nxt and nxt[0] in ("grep", "egrep", "rg") else []
                if nxt is not None and grep_names and not _to_terminal(nxt, pipeline[i + 1][1]):
                    grep_names = []  # filtered into a file or another command, not onto the terminal
                if named or grep_names:
                    names = ", ".join(sorted(set(named + grep_names)))
                    self.add("GL106", path, f"prints secret {names} to the terminal and the run log: {first}")
                elif nxt is None and len(words) == 1:
                    self.add("GL106", path, f"`{prog}` prints the whole environment, secrets included: {first}")
            elif secret_refs and prog not in ("export",):
                self.add("GL107", path, f"secret {', '.join(sorted(set(secret_refs)))} passed on the command line"
                         f" of `{prog}` (visible in ps and logs); pass it through the environment or a file:"
                         f" {first}")
            if prog == "curl" and not any(w in ("-m", "--max-time") or w.startswith("--max-time=")
                                          or re.fullmatch(r"-[a-zA-Z]*m\d*", w) for w in words[1:]):
                self.add("GL108", path, f"curl without --max-time: {first}")
        if _CRED_URL.search(command):
            self.add("GL107", path, "a password is written into the command (user:password@ in a URL)")
        if _FOLLOW.search(command):
            self.add("GL111", path, f"never ends by itself; only the step timeout stops it: {first}")
        if segs and all(w[0] == "export" for w in segs):
            self.add("GL112", path, "`export` alone does nothing for later steps (each step is its own shell);"
                     " use the step's `env:` or a plan var")

    def migrations(self) -> None:
        backed_up = False
        for pi, phase in enumerate(self.plan.phases):
            for si, step in enumerate(phase.steps):
                text = _step_text(step)
                if step.kind == "backup" or (step.kind == "shell" and _BACKUP_CMD.search(text)) or (
                        step.kind == "manual" and _BACKUP_MANUAL.search(text)):
                    backed_up = True
                    continue
                is_migration = step.kind == "migrate" or (
                    step.kind == "shell" and _MIGRATION_CMD.search(text) and not _ROLLBACK_WORDS.search(text)) or (
                    step.kind == "manual" and _MIGRATION_MANUAL.match(text.strip()))
                if is_migration and not backed_up:
                    self.add("GL102", ("phases", pi, "steps", si),
                             f"migration '{step.title()}' with no backup step before it")

    def window(self) -> None:
        w = self.plan.window
        total = sum(p.timebox or 0 for p in self.plan.phases)
        untimed = [p.name for p in self.plan.phases if p.timebox is None]
        if w is None:
            self.add("GL114", ("name",), "no deployment window: nothing stops a run at the wrong time")
            return
        from golive.plan.window import resolve

        try:
            iv = resolve(w.start, w.end, w.timezone, w.rollback_until, datetime.now(UTC))
        except ValueError:
            return
        length = (iv.end - iv.start).total_seconds()
        note = f" ({len(untimed)} phases have no timebox)" if untimed else ""
        if total > length:
            self.add("GL109", ("window",), f"timeboxes add up to {format_duration(total)} but the window is"
                     f" {format_duration(length)}{note}")
        if iv.rollback_until is not None:
            rb = (iv.rollback_until - iv.start).total_seconds()
            if rb < total:
                self.add("GL103", ("window", "rollback_until"),
                         f"rollback is possible for {format_duration(rb)} from the start, the phases take up to"
                         f" {format_duration(total)}")

    def roles(self) -> None:
        for role, people in self.plan.approvers.items():
            if not people:
                self.add("GL113", ("approvers", role), f"role '{role}' lists nobody")

    def signers(self) -> None:
        from golive.seal.signers import lint_findings

        for rule, path, message in lint_findings(self.plan, Path(self.file).resolve().parent):
            self.add(rule, path, message)

    def traffic(self) -> None:
        """Router and pool names of traffic steps are read as written: a `${VAR}` or template text there is a
        router nobody filled in (the Markdown importer leaves ROUTER_ADMIN / STABLE_POOL / CANARY_POOL)."""
        for path, step, _pi in self.all_steps():
            if step.kind not in ("canary", "switch") or path[-1] == "undo":
                continue  # a derived undo repeats its step's router and pools
            spec: Any = getattr(step, step.kind)
            pools = [("stable", spec.stable), ("canary", spec.canary)] if step.kind == "canary" else [
                ("to", spec.to), ("from", spec.from_)]
            router = spec.router
            router_path: Path_ = ("routers", router) if isinstance(router, str) else (*path, step.kind, "router")
            cfg: Any = self.plan.routers.get(router) if isinstance(router, str) else router
            found: list[tuple[Path_, str, str]] = []
            for field in ("admin", "socket", "backend", "upstream", "upstream_file"):
                value = getattr(cfg, field, None)
                if isinstance(value, str):
                    found.append(((*router_path, field), f"router {field}", value))
            for pool, servers in (getattr(cfg, "pools", None) or {}).items():
                found += [((*router_path, "pools", pool), f"pool {pool}", v) for v in (pool, *servers)]
            found += [((*path, step.kind, key), key, value) for key, value in pools if value is not None]
            bad = [(where, what, value) for where, what, value in found
                   if _PLACEHOLDER.search(value) or any(m.group(1) not in self.plan.vars for m in _REF.finditer(value))]
            if bad:
                named = ", ".join(f"{what} '{value}'" for _where, what, value in bad)
                verb = "is still a placeholder" if len(bad) == 1 else "are still placeholders"
                self.add("GL116", bad[0][0], f"'{step.title()}': {named} {verb}, so this step cannot move traffic."
                         " Write the real router and pool names, or declare the ${VAR} it names under `vars:`")

    def imported_shapes(self) -> None:
        """SQL that does not parse, scripts bash would refuse, rollback levels nothing applies."""
        from golive.plan.shellcheck import parse_problems, sql_problems
        from golive.steps.shell import ShellStep
        from golive.steps.sql import SqlStep

        for path, step, _pi in self.all_steps():
            if isinstance(step, SqlStep) and step.sql.query:
                for problem in sql_problems(step.sql.query):
                    self.add("GL118", (*path, "sql", "query"), f"'{step.title()}': {problem}")
            if isinstance(step, ShellStep):
                for problem in parse_problems(step.shell.command):
                    self.add("GL120", (*path, "shell"), f"'{step.title()}': {problem}")
        for li, level in enumerate(self.plan.rollback.levels):
            if not level.covers:
                self.add("GL119", ("rollback", "levels", li, "covers"),
                         f"level {level.level} '{level.name}' covers no phase: no failure applies it automatically"
                         " (list the phases it undoes under `covers:`)")

    def host_groups(self) -> None:
        for name, group in self.plan.hosts.items():
            if not group.checks_host_keys:
                self.add("GL117", ("hosts", name, "known_hosts"),
                         f"host group '{name}' does not check host keys (known_hosts: none): write their keys to a"
                         " known_hosts file (ssh-keyscan, after checking the fingerprints) and name it")

    def rolling(self) -> None:
        for path, step, _pi in self.all_steps():
            if not isinstance(step, RollingStep) or path[-1] == "undo":
                continue  # a derived undo repeats its step's settings
            spec = step.rolling
            group = self.plan.hosts.get(spec.on)
            where: Path_ = (*path, "rolling")
            if spec.health is None:
                self.add("GL161", where, f"'{step.title()}' puts hosts back with no health check: add `health:`"
                         " (http: a URL with {host}, or command:)")
            size = len(group.hosts) if group else 0
            whole = spec.batch is None or spec.batch == "100%" or (isinstance(spec.batch, int) and spec.batch >= size)
            if whole and "max_failures" not in spec.model_fields_set:
                self.add("GL162", where, f"'{step.title()}' deploys every host of '{spec.on}' at once with no"
                         " `max_failures`: set a smaller `batch:` (2, or 25%), or say `max_failures:` explicitly")
            behind = self._router_in_front(spec.on)
            drains = spec.drain is not False and (spec.router or (group.router if group else None))
            if behind and not drains:
                self.add("GL163", where, f"'{step.title()}': group '{spec.on}' sits behind router '{behind}' but"
                         " hosts are not drained there: name it (`router:`) and keep `drain:` on")
            if spec.bake is not None and spec.bake.max_error_rate is not None:
                from golive.steps.rolling_parts import judge_problem

                problem = judge_problem(step._router_cfg, spec.drain is not False)
                if problem:
                    self.add("GL164", (*where, "bake"), f"'{step.title()}' cannot judge its bake: {problem}")

    def _router_in_front(self, group_name: str) -> str | None:
        """The router a group sits behind: its declared `router:`, or a router whose servers are its hosts."""
        group = self.plan.hosts.get(group_name)
        if group is None:
            return None
        if group.router:
            return group.router
        names = {h.rsplit("@", 1)[-1].split(":")[0] for h in group.hosts}
        for name, cfg in self.plan.routers.items():
            servers = {s.split(":")[0] for pool in (getattr(cfg, "pools", None) or {}).values() for s in pool}
            if names & servers:
                return name
        return None

    def compliance(self) -> None:
        """The change record an auditor asks for; the elements themselves live with the report (issue 8)."""
        from golive.plan.compliance import compliance_findings

        for f in compliance_findings(self.plan):
            path: Path_ = tuple(int(seg) if seg.isdigit() else seg for seg in f.path.split(".") if seg)
            self.add("GL115", path, f"{f.requirement} ({f.element}): {f.message}")


def lint_plan(plan: Plan, text: str, file: str) -> list[Finding]:
    try:
        tree = YAML(typ="rt").load(text)
    except (YAMLError, RecursionError):
        tree = None
    return _Linter(plan, tree, file).run()


def lint_file(path: str | Path) -> list[Finding]:
    plan = load_plan(path)  # PlanError for anything invalid: bad input, exit 2
    text = Path(path).read_text(encoding="utf-8")
    return lint_plan(plan, text, str(path))


# -- output ---------------------------------------------------------------------------------------

def to_sarif(findings: list[Finding]) -> dict[str, Any]:
    ids = list(RULES)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "golive", "version": __version__,
                "rules": [{"id": r.id, "name": r.name, "shortDescription": {"text": r.description},
                           "defaultConfiguration": {"level": r.severity}} for r in RULES.values()],
            }},
            "results": [{
                "ruleId": f.rule, "ruleIndex": ids.index(f.rule), "level": f.severity,
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": Path(f.file).as_posix()},
                    "region": {"startLine": f.line, "startColumn": f.col},
                }}],
            } for f in findings],
        }],
    }


def render(findings: list[Finding], fmt: str) -> str:
    if fmt == "sarif":
        return json.dumps(to_sarif(findings), indent=2) + "\n"
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")
    if fmt == "json":
        return json.dumps({"findings": [{**asdict(f), "name": f.name} for f in findings],
                           "errors": errors, "warnings": warnings}, indent=2) + "\n"
    lines = [str(f) for f in findings]
    lines.append(f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''},"
                 f" {len(findings) - errors - warnings} notes")
    return "\n".join(lines) + "\n"
