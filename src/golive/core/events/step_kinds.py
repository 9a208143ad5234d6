"""Events step kinds add themselves (`ctx.emit`), each naming its step: traffic weights and a canary's verdicts,
`ssh` and `rolling` batches and hosts, a database restored.

A step kind may only emit a type modelled here (`golive.core.events.emitted` refuses any other), so what a
plug-in writes is as described as what the engine writes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from golive.core.events.base import Number, StepEvent


class TrafficWeight(StepEvent):
    """A `switch` or `canary` step changed the split: `weights` as the router reports them back; a canary adds
    `stage`/`stages`, and `because` (the verdict that allowed a promotion)."""

    type: ClassVar[str] = "traffic.weight"
    written_by: ClassVar[str] = "step"
    router: str = ""
    weights: dict[str, Number] = {}
    reason: str = ""
    stage: int | None = None
    stages: int | None = None
    because: str | None = None


class AnalysisVerdict(StepEvent):
    """A canary's judge looked: `outcome` (pass / fail / inconclusive), `reason`, and the numbers it used
    (`canary_error_rate`, `baseline_error_rate`, `canary_p95_ms`, `baseline_p95_ms`, counts...)."""

    type: ClassVar[str] = "analysis.verdict"
    written_by: ClassVar[str] = "step"
    outcome: str = "?"
    reason: str = ""
    stage: int | None = None
    weight: Number | None = None
    canary_error_rate: Number | None = None
    baseline_error_rate: Number | None = None
    canary_p95_ms: Number | None = None
    baseline_p95_ms: Number | None = None


class SshBatch(StepEvent):
    """An `ssh` step is about to start a batch (before any host of it is contacted)."""

    type: ClassVar[str] = "ssh.batch"
    written_by: ClassVar[str] = "step"
    group: str = ""
    batch: int = 0
    batches: int = 0
    hosts: list[str] = []
    #: The mark every process the batch's command starts carries (`GOLIVE_TREE`), to find and stop them later.
    tree: str = ""


class SshHost(StepEvent):
    """One host of a batch finished: `status` ok / timed-out / error (no connection, host key refused),
    `started`/`finished` epoch seconds, masked tail of `output`."""

    type: ClassVar[str] = "ssh.host"
    written_by: ClassVar[str] = "step"
    group: str = ""
    batch: int = 0
    host: str = ""
    ok: bool = False
    status: str = ""
    exit_code: int | None = None
    duration: Number | None = None
    message: str = ""
    started: Number | None = None
    finished: Number | None = None
    output: str = ""


class RollingBatch(SshBatch):
    """A `rolling` step is about to start a batch (before any host of it is touched)."""

    type: ClassVar[str] = "rolling.batch"


class RollingHost(StepEvent, kw_only=True):
    """One action of a `rolling` step on one host (`drain`, `drained`, `deploy`, `health`, `ready`, an undo's...),
    with what it found (`ok`, `status`, `exit_code`, `server`, `attempts`, `message`...): where a resumed run
    picks up."""

    type: ClassVar[str] = "rolling.host"
    written_by: ClassVar[str] = "step"
    group: str = ""
    batch: int = 0
    host: str
    action: str = ""
    ok: bool | None = None
    message: str | None = ""


class DbRestored(StepEvent):
    """A `restore` step brought a database back from a backup (`rows_lost`: written since, now gone)."""

    type: ClassVar[str] = "db.restored"
    written_by: ClassVar[str] = "step"
    database: str = ""
    file: str = ""
    rows_lost: Any = None
