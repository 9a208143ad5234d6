"""`backup`: the backup exists, is fresh, and is still byte for byte what was backed up (its manifest's SHA-256).

Seed 002's step 7 as a check. Before a change: is there a backup to come back to? At the head of a rollback level,
before anything is stopped: will the restore accept it? (A restore refuses a file that fails its manifest; finding
that out after the service was stopped leaves users without it.)

    - check: {type: backup, file: backups/app.dump, max_age: 24h}
    - check: {type: backup, database: "${DATABASE_URL}"}     # this run's latest backup of that database
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from golive.checks._common import CheckBase
from golive.core.fields import Duration
from golive.core.step import StepContext, StepResult
from golive.units import format_duration


class BackupCheck(CheckBase):
    type: Literal["backup"]
    #: The backup file (relative to the run's directory); or
    file: str | None = None
    #: the database whose latest backup in this run is meant (as the `restore` step finds it).
    database: str | None = None
    max_age: Duration | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BackupCheck:
        if (self.file is None) == (self.database is None):
            raise ValueError("a backup check names either `file` or `database` (this run's latest backup of it)")
        return self

    def describe(self) -> str:
        from golive.masking import redact

        what = self.file or f"this run's latest backup of {redact(self.database or '')}"
        fresh = f", younger than {format_duration(self.max_age)}" if self.max_age is not None else ""
        return f"backup {what} matches its manifest{fresh}"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        from golive.db.backups import check_backup, expand, latest_backup, resolve_path
        from golive.db.database import Database

        if self.file is not None:
            file = resolve_path(ctx, self.file)
        else:
            db = Database.parse(expand(ctx, self.database or ""), ctx.workdir)
            found = latest_backup(ctx, db.public_url)
            if found is None:
                return StepResult.failed(f"this run took no backup of {db.where}")
            file = found
        return check_backup(file, self.max_age, ctx.clock.now())
