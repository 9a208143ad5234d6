"""The run's lifecycle: created (with the plan, the change record and the rollback preview), started, resumed,
taken over, aborted, needing a person, finished.

Every other event of a run happens between its `run.created` (the run's one copy of its plan) and its
`run.finished`; the pieces only `run.created` records (version, window, forced, change record) live here too.
"""

from __future__ import annotations

from typing import Any, ClassVar

from msgspec import field

from golive.core.events.base import EventBody, Outcome, StepEvent
from golive.core.events.rollback_plan import RollbackPreview
from golive.core.pieces import Piece


class VersionChange(Piece):
    from_: str | None = field(default=None, name="from")
    to: str | None = None


class RecordedWindow(Piece):
    start: str | None = None
    end: str | None = None
    rollback_until: str | None = None


class Forced(Piece):
    by: str = ""
    reason: str = ""
    window: str = ""


class EvidenceItem(Piece):
    """One testing evidence item of the change record: a link, or a file hashed when the run started."""

    description: str | None = None
    url: str | None = None
    file: str | None = None
    sha256: str | None = None
    size: int | None = None
    error: str | None = None


class ChangeRecord(Piece):
    ticket: str | None = None
    testing: list[EvidenceItem] = []


class RunCreated(EventBody):
    """The run is created, in the same commit as its row in the run index. `plan` is the validated plan as
    JSON (the run's one copy of it; the state validates it once), `rollback_plan` the generated preview."""

    type: ClassVar[str] = "run.created"
    plan: dict[str, Any]
    plan_path: str = ""
    plan_sha256: str = ""
    plan_text: str = ""
    initiator: str = ""
    service: str | None = None
    environment: str | None = None
    version: VersionChange | None = None
    window: RecordedWindow | None = None
    forced: Forced | None = None
    rollback_plan: list[RollbackPreview] = []
    dry_run: bool = False
    golive_version: str = ""
    overrides: list[str] = []
    #: `--var` values (None for one withheld because it holds a password); absent in logs from before.
    override_values: dict[str, str | None] | None = None
    change_evidence: ChangeRecord | None = None


class RunStarted(EventBody):
    """A process starts or resumes executing the run."""

    type: ClassVar[str] = "run.started"
    resumed: bool = False
    dry_run: bool = False


class RunFinished(EventBody):
    """The run ended."""

    type: ClassVar[str] = "run.finished"
    outcome: Outcome
    message: str = ""


class RunNote(EventBody):
    """Something worth knowing that changes nothing (e.g. `kind: window.exceeded`)."""

    type: ClassVar[str] = "run.note"
    kind: str = ""
    message: str = ""


class RunTakenOver(EventBody):
    """`golive resume --take-over`: `by` (on process `pid`, `host`) took the run over from the owner in `from`
    (`pid`, `host`, `lease_until`; empty when nobody held it), whose ownership lease had run out without being
    renewed, or onto another machine. `runner_key` is the runner key that seals the log from here on; with signers
    the decision is signed (`signed`, `signature`, as `gate.approved`), so that person vouches for it."""

    type: ClassVar[str] = "run.taken_over"
    written_by: ClassVar[str] = "person"
    by: str = ""
    pid: int | None = None
    host: str = ""
    from_: dict[str, Any] = field(default_factory=dict, name="from")
    runner_key: str = ""
    reason: str = ""


class RunAbortRequested(EventBody):
    """An operator aborted the run from the web console: `by`, with `reason`, stopped the process executing it
    (`pid` on `host`) with `signal`, as Ctrl-C or a CI cancel would. The run stays resumable; the runner records
    what it stopped (`step.interrupted`)."""

    type: ClassVar[str] = "run.abort_requested"
    written_by: ClassVar[str] = "web"
    by: str = ""
    reason: str = ""
    pid: int | None = None
    host: str = ""
    signal: str = ""


class RunNeedsAttention(StepEvent):
    """On resume, a non-idempotent step started without a recorded end: a person must say what happened."""

    type: ClassVar[str] = "run.needs_attention"
    title: str = ""
    reason: str = ""
