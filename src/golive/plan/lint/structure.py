"""Rules about the plan's shape: Go/No-Go criteria and undo coverage, the window, roles and signers, traffic
steps' routers and pools, host groups, rolling steps, imported shapes (SQL, bash, levels), the change record."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.plan.level_chains import reached
from golive.plan.level_choice import chain, choose_level, touched_if_failing
from golive.plan.lint.base import LinterBase
from golive.plan.lint.commands import _PLACEHOLDER, _REF, _changes_state
from golive.plan.lint.rules import Path_
from golive.plan.md_meaning import people_decide
from golive.steps.canary import CanaryStep
from golive.steps.rolling import RollingStep
from golive.units import format_duration


class StructureRules(LinterBase):
    def phases(self) -> None:
        covered = {name for level in self.plan.rollback.levels for name in level.covers}
        for pi, phase in enumerate(self.plan.phases):
            gate = phase.gate
            if not gate.description and not gate.checks and gate.approvals is None:
                self.add("GL104", ("phases", pi, "name"),
                         f"phase '{phase.name}' has no explicit Go/No-Go criterion: add gate.description,"
                         " gate.checks or gate.approvals")
            if gate.approvals is None and gate.description and people_decide(gate.description):
                self.add("GL166", ("phases", pi, "gate", "description"),
                         f"the Go/No-Go of '{phase.name}' has a person decide ('{gate.description[:80]}') but no"
                         " approvals: golive passes it by itself once the steps succeed; add gate.approvals"
                         " (role, and timeout/until where silence is a NO-GO)")
            if gate.approvals is not None and not gate.approvals.role:
                self.add("GL105", ("phases", pi, "gate", "approvals"),
                         "approvals with no role: anyone may approve; set approvals.role to a role of `approvers`")
            if phase.name in covered:
                self._covered_by_conditions_only(pi)
                continue
            for si, step in enumerate(phase.steps):
                if step.undo is None and _changes_state(step):
                    self.add("GL101", ("phases", pi, "steps", si),
                             f"'{step.title()}' changes state, has no undo, and no rollback level covers phase"
                             f" '{phase.name}'")

    def _covered_by_conditions_only(self, pi: int) -> None:
        """Levels with a condition (`when`) wait for a person: if only such levels cover a phase that changes
        something, a failure there runs its undos and nothing more by itself."""
        phase = self.plan.phases[pi]
        levels = [lv for lv in self.plan.rollback.levels if phase.name in lv.covers]
        if any(lv.when is None for lv in levels) or not any(_changes_state(s) for s in phase.steps):
            return
        named = "; ".join(f"level {lv.level} '{lv.name}' (when: {lv.when})" for lv in levels)
        self.add("GL123", ("phases", pi, "name"),
                 f"only levels with a condition cover phase '{phase.name}' ({named}): a failure there runs only the"
                 " undos by itself; each level waits for a person (golive rollback RUN --level N)")

    def window(self) -> None:
        w = self.plan.window
        total = sum(p.timebox or 0 for p in self.plan.phases)
        untimed = [p.name for p in self.plan.phases if p.timebox is None]
        if w is None:
            self.add("GL114", ("name",), "no deployment window: nothing stops a run at the wrong time")
            return
        from golive.plan.window import resolve

        try:
            iv = resolve(w.start, w.end, w.timezone, w.rollback_until, datetime.now(UTC), w.days)
        except ValueError:
            return
        length = iv.seconds()
        note = f" ({len(untimed)} phases have no timebox)" if untimed else ""
        if total > length:
            self.add("GL109", ("window",), f"timeboxes add up to {format_duration(total)} but the window is"
                     f" {format_duration(length)}{note}")
        if iv.rollback_until is not None:
            rb = (iv.rollback_until.astimezone(UTC) - iv.start.astimezone(UTC)).total_seconds()
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
        from golive.plan.importer.coverage import NOT_UNDERSTOOD
        from golive.plan.shellcheck import bash_like, parse_problems, sql_problems
        from golive.steps.shell import ShellStep
        from golive.steps.sql import SqlStep

        for path, step, _pi in self.all_steps():
            if isinstance(step, SqlStep) and step.sql.query:
                for problem in sql_problems(step.sql.query):
                    self.add("GL118", (*path, "sql", "query"), f"'{step.title()}': {problem}")
            if isinstance(step, ShellStep) and bash_like(step.shell.shell):
                for problem in parse_problems(step.shell.command):
                    self.add("GL120", (*path, "shell"), f"'{step.title()}': {problem}")
        for path, step, _pi in self.all_steps():  # the importer's person's step of lines it did not understand
            said = str(getattr(getattr(step, "manual", None), "instruction", "") or "")
            if step.kind == "manual" and said.startswith(NOT_UNDERSTOOD):
                where = said[len(NOT_UNDERSTOOD):].partition(":")[0].strip(" ()")
                self.add("GL169", (*path, "manual"), f"golive did not understand {where}: a person does them as"
                         " written or confirms they do not apply; write them as steps where they are work golive"
                         " can do")
        for li, level in enumerate(self.plan.rollback.levels):
            if not level.covers and level.when is None:  # a level with a condition is offered after any failure
                self.add("GL119", ("rollback", "levels", li, "covers"),
                         f"level {level.level} '{level.name}' covers no phase: no failure applies it automatically"
                         " (list the phases it undoes under `covers:`)")
        self._chains_into_conditions()
        self._never_applied()

    def _chains_into_conditions(self) -> None:
        """A level golive applies by itself (no `when`) that runs, through `first`/`then`, a level only a person
        may choose: golive then runs that level whatever its condition."""
        by_number = {lv.level: lv for lv in self.plan.rollback.levels}

        def runs(n: int) -> list[int]:
            return [*by_number[n].first, *by_number[n].then] if n in by_number else []

        for li, level in enumerate(self.plan.rollback.levels):
            if level.when is not None:
                continue
            for n in reached([*level.first, *level.then], runs, seen={level.level}):
                other = by_number.get(n)
                if other is not None and other.when is not None:
                    self.add("GL165", ("rollback", "levels", li),
                             f"level {level.level} '{level.name}' has no condition, so golive applies it by itself, and"
                             f" it runs level {other.level} '{other.name}' (first/then), whose condition only a person"
                             f" can see ({other.when}): give level {level.level} that `when` too, or drop the chain")

    def _never_applied(self) -> None:
        """golive applies the lightest level that is enough (golive.plan.level_choice.choose_level) and only offers
        the heavier ones: a level without `when` whose phases all have a lighter one is, whatever fails, never
        applied by itself (nor run by a chosen level's `first`/`then`). Asked of the engine's own rule, for a
        failure in each phase; a level covering nothing is GL119's, one covering only read-only phases is not this."""
        applied: set[int] = set()
        for n in range(1, len(self.plan.phases) + 1):
            chosen = choose_level(self.plan, touched_if_failing(self.plan, n))
            applied |= {lv.level for lv in chain(self.plan, chosen)} if chosen is not None else set()
        changing = set(touched_if_failing(self.plan, len(self.plan.phases)))
        for li, level in enumerate(self.plan.rollback.levels):
            if level.when is not None or level.level in applied or not set(level.covers) & changing:
                continue
            lightest = [choose_level(self.plan, [name]) for name in level.covers if name in changing]
            if any(lv is None or lv.level >= level.level for lv in lightest):
                continue  # never applied for another reason (a heavier level always wins): not this warning
            lighter = sorted({(lv.level, lv.name) for lv in lightest if lv is not None})
            named = ", ".join(f"level {n} '{nm}'" for n, nm in lighter)
            self.add("GL168", ("rollback", "levels", li),
                     f"level {level.level} '{level.name}' has no condition, but golive never applies it by itself:"
                     f" every phase it covers has a lighter level ({named}), which a failure applies instead, and"
                     f" offers it only as the next rung; a person can still take it with"
                     f" `golive rollback RUN --level {level.level}`")

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

    def held_canaries(self) -> None:
        """A canary that holds its split (`promote: false`) leaves the rest of the move to a later step, after
        the gate: without one, the run ends with users split between the old and the new build."""
        steps = [(path, step) for path, step, pi in self.all_steps()
                 if pi is not None and path[-1] != "undo" and path[2] == "steps"]
        for i, (path, step) in enumerate(steps):
            if not isinstance(step, CanaryStep) or step.canary.promote:
                continue
            mine = _router_key(step.canary.router)
            if not any(later.kind in ("canary", "switch")
                       and _router_key(getattr(later, later.kind).router) == mine for _p, later in steps[i + 1:]):
                self.add("GL167", (*path, "canary", "promote"),
                         f"'{step.title()}' holds {step.canary.held()}% on the canary (promote: false) and no later"
                         " step moves traffic on its router: the run would end with traffic split. Add a `switch`"
                         " to the canary pool (or another canary) after the gate that decides")

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


def _router_key(router: Any) -> str:
    """A step's router as comparable text: its name, or its inline configuration."""
    return router if isinstance(router, str) else repr(router.model_dump())
