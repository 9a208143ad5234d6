"""`migrate`: run the application's own migration tool, record the schema revision before and after, and
undo with its `down` command back to exactly the revision recorded before.

    - migrate:
        up: flask db upgrade                      # or: alembic upgrade head / dotnet ef database update / ...
        down: flask db downgrade "$GOLIVE_MIGRATE_TARGET"
        revision: flask db current                # prints the current revision
        database: ${DATABASE_URL}                 # optional: also record tables and row counts

Commands run like `shell` steps (plan vars as environment). The revision is the first word of the last
non-empty line the `revision` command prints (Alembic's `abc123 (head)` -> `abc123`), or the first group
of `revision_pattern`.

Undo: unless the plan gives its own `undo`, the step's undo is the same migration with `action: down`.
The revision to go back to is `target` if the plan names one; otherwise the revision this step recorded
before running `up`, kept in a state file under the run's directory (`.golive/state/<run>/`). A state file
rather than an environment variable because the undo may run in another process much later (a resumed
run); and the plan cannot know the revision in advance. The down command receives it as
`$GOLIVE_MIGRATE_TARGET`, and golive checks afterwards that the schema really is at that revision.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, model_validator

from golive.core.fields import Regex, Strict
from golive.core.step import StepContext, StepResult
from golive.core.stepid import StepId
from golive.db.database import Database, compare_counts, counts_of
from golive.db.runfiles import read_json, state_dir, write_json
from golive.masking import redact
from golive.steps.base import StepBase

if TYPE_CHECKING:
    from golive.targets.local import ProcResult

DEFAULT_TIMEOUT = 1800.0


class MigrateSpec(Strict):
    up: str = Field(min_length=1)
    down: str = Field(min_length=1)
    revision: str = Field(min_length=1)
    #: `up` applies `up`; `down` goes back to `target` (or the revision recorded before this step's `up`).
    action: Literal["up", "down"] = "up"
    #: The revision `down` returns to, when known in advance.
    target: str | None = None
    revision_pattern: Regex | None = None
    #: Optional database URL: tables and row counts are recorded before and after (what a `down` drops).
    database: str | None = None
    env: dict[str, str] = {}
    cwd: str | None = None
    shell: str = "/bin/bash"


def parse_revision(output: str, pattern: str | None) -> str:
    if pattern:
        m = re.search(pattern, output, re.MULTILINE)
        if not m:
            return ""
        return (m.group(1) if m.groups() else m.group(0)).strip()
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    return lines[-1].split()[0] if lines else ""


class MigrateStep(StepBase):
    kind: ClassVar[str] = "migrate"
    migrate: MigrateSpec

    @model_validator(mode="after")
    def _derived_undo(self) -> MigrateStep:
        # The migration tool already knows how to go back: make that the undo unless the plan says otherwise.
        if self.undo is None and self.migrate.action == "up":
            down = self.migrate.model_copy(update={"action": "down"})
            self.undo = MigrateStep(name=f"Migrate down: {self.migrate.down.strip().splitlines()[0]}", migrate=down,
                                    timeout=self.timeout)
        return self

    def describe(self) -> str:
        spec = self.migrate
        if spec.action == "down":
            to = spec.target or "the revision recorded before the migration"
            return f"migrate down to {to}: $ {spec.down.strip().splitlines()[0]}"
        return f"migrate: $ {spec.up.strip().splitlines()[0]} (revision: $ {spec.revision.strip().splitlines()[0]})"

    # -- running commands ----------------------------------------------------------------------------
    def _run(self, ctx: StepContext, command: str, extra: dict[str, str] | None = None) -> ProcResult:
        from golive.targets.local import argv_for, run_command  # here, not at the top: reading a plan runs nothing

        spec = self.migrate
        cwd = Path(ctx.interpolate(spec.cwd)) if spec.cwd else ctx.workdir
        if not cwd.is_absolute():
            cwd = ctx.workdir / cwd
        env = ctx.env(spec.env)
        env.update(extra or {})
        return run_command(argv_for(command, spec.shell), env=env, cwd=cwd,
                           timeout=self.timeout if self.timeout is not None else DEFAULT_TIMEOUT)

    def _revision(self, ctx: StepContext) -> tuple[str | None, str]:
        res = self._run(ctx, self.migrate.revision)
        if res.timed_out or res.exit_code != 0:
            why = "timed out" if res.timed_out else f"exit code {res.exit_code}"
            return None, f"the revision command failed ({why}): {ctx.masker.text(res.output.strip())[-500:]}"
        return parse_revision(res.output, self.migrate.revision_pattern), ""

    def _counts(self, ctx: StepContext) -> dict[str, int] | None:
        if not self.migrate.database:
            return None
        db = Database.parse(ctx.interpolate(self.migrate.database), ctx.workdir)
        return counts_of(db) if db.exists() else {}

    def _state_file(self, ctx: StepContext, step_id: str) -> Path:
        return state_dir(ctx.workdir, ctx.run_id) / f"migrate-{step_id}.json"

    def execute(self, ctx: StepContext) -> StepResult:
        return self._up(ctx) if self.migrate.action == "up" else self._down(ctx)

    def _up(self, ctx: StepContext) -> StepResult:
        before, problem = self._revision(ctx)
        if before is None:
            return StepResult.failed(f"before migrating: {problem}")
        # written before `up` runs: whatever happens next, the way back is known
        write_json(self._state_file(ctx, ctx.step_id), {"revision_before": before})
        counts_before = self._counts(ctx)
        res = self._run(ctx, self.migrate.up, {"GOLIVE_MIGRATE_FROM": before})
        detail: dict[str, Any] = {"revision_before": before, "duration": round(res.duration, 4)}
        if res.timed_out or res.exit_code != 0:
            after, _ = self._revision(ctx)
            detail["revision_after"] = after
            why = "timed out" if res.timed_out else f"exit code {res.exit_code}"
            return StepResult("failed", f"migration up failed ({why}); schema revision was {before or '(none)'},"
                              f" now {after or '(unknown)'}", exit_code=res.exit_code, output=res.output,
                              detail=detail)
        after, problem = self._revision(ctx)
        if after is None:
            return StepResult("failed", f"after migrating: {problem}", exit_code=res.exit_code, output=res.output,
                              detail=detail)
        detail["revision_after"] = after
        detail["changed"] = after != before
        if counts_before is not None:
            detail["tables"] = compare_counts(counts_before, self._counts(ctx) or {})
        said = f"schema revision {before or '(none)'} -> {after}" if after != before else \
            f"schema already at revision {after or '(none)'}; nothing to apply"
        return StepResult("succeeded", said, exit_code=res.exit_code, output=res.output, detail=detail)

    def _down(self, ctx: StepContext) -> StepResult:
        spec = self.migrate
        target = ctx.interpolate(spec.target) if spec.target else None
        if target is None:
            forward = StepId(ctx.step_id).forward()
            saved = read_json(self._state_file(ctx, forward))
            if not isinstance(saved, dict) or "revision_before" not in saved:
                return StepResult.failed("migrate down: no target revision (the plan names no `target` and no"
                                         f" revision was recorded by step {forward} in this run)")
            target = str(saved["revision_before"])
        current, problem = self._revision(ctx)
        if current is None:
            return StepResult.failed(f"before migrating down: {problem}")
        if current == target:
            return StepResult.passed(f"schema already at revision {target or '(none)'}; nothing to undo",
                                     revision_before=current, revision_after=current, target=target)
        counts_before = self._counts(ctx)
        res = self._run(ctx, spec.down, {"GOLIVE_MIGRATE_TARGET": target})
        after, _ = self._revision(ctx)
        detail: dict[str, Any] = {"revision_before": current, "revision_after": after, "target": target,
                                  "duration": round(res.duration, 4)}
        if counts_before is not None:
            tables = compare_counts(counts_before, self._counts(ctx) or {})
            detail["tables"] = tables
            detail["rows_dropped"] = {t: c["lost"] for t, c in tables.items() if c["lost"]}
        if res.timed_out or res.exit_code != 0:
            why = "timed out" if res.timed_out else f"exit code {res.exit_code}"
            return StepResult("failed", f"migration down failed ({why}); schema at {after or '(unknown)'},"
                              f" wanted {target or '(none)'}", exit_code=res.exit_code, output=res.output,
                              detail=detail)
        if after != target:
            return StepResult("failed", f"migration down finished but the schema is at {after or '(none)'},"
                              f" not {target or '(none)'}", exit_code=res.exit_code, output=res.output, detail=detail)
        said = f"schema revision {current} -> {target or '(none)'}"
        dropped = {t: c["before"] for t, c in detail.get("tables", {}).items() if c["after"] is None}
        if dropped:
            said += "; dropped tables (rows they held): " + ", ".join(f"{t} ({n})" for t, n in dropped.items())
        return StepResult("succeeded", said, exit_code=res.exit_code, output=res.output, detail=detail)


__all__ = ["MigrateSpec", "MigrateStep", "parse_revision", "redact"]
