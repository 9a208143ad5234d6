"""The event catalogue: one msgspec Struct per event type of the run log, chosen by the log's `type` column.

The log stores each payload as canonical JSON, and the hash chain covers those bytes; these models only
read them (`parse`), once per event, so parsing never changes what is stored or hashed. Reading is lenient on
purpose: a field added later has a default, so older logs still read; fields a model does not name are kept
(an event remembers the payload it was read from), so newer logs read too; and a type no model names (or a
payload a model refuses) reads as `OtherEvent`, which the fold ignores and `describe` prints as JSON.

Why msgspec and not pydantic (which plans and plug-in configs use): every read command parses the log, and
importing pydantic and building these models cost a `golive status` about 200 ms before it read anything;
msgspec imports in a few ms and defines these types as fast as dataclasses.

Writing is strict: `checked` (the engine's and decisions' append path) and `body` validate a payload against its
model and refuse a bad one with `golive.errors.EventRefused`, so a writer cannot drift from the catalogue. What a
writer did not give is not written (a default is for reading an older log, not a value to record).

It is one vocabulary in a few modules, each named for what it holds: `base` (`EventBody`, `StepEvent`, the
status words; a model registers itself there when defined), `rollback_plan` (the recorded rollback plan's pieces),
`run`, `gates` (phases and gates), `steps`, `rollback`, `step_kinds` (what step kinds `ctx.emit`), `notify`,
`audit` (evidence, vouched and refused decisions, checkpoints), and `catalogue` (the one registry, `KNOWN` and
`BY_TYPE`, and `parse`, `checked`, `emitted`, `body`). Import from here, `golive.core.events`: every name is
re-exported, so where a model lives is not part of its address.

Adding an event type is one model in the module it belongs to: a subclass of `EventBody` (or `StepEvent`) with
`type: ClassVar[str] = "..."` and a docstring saying when it is written; it joins `KNOWN`, `BY_TYPE` and the
generated doc by being defined (a new module also goes into `catalogue.ORDER`). `docs/events.md` is generated
from this package (`python -m golive.core.events_doc`).
"""

from __future__ import annotations

from golive.core.events.audit import (
    AuditCheckpoint,
    Authenticated,
    ChangeEvidence,
    DecisionRefused,
    DecisionVouched,
    Seal,
)
from golive.core.events.base import (
    Decision,
    EventBody,
    Number,
    Outcome,
    PhaseStatus,
    RollbackStatus,
    RunStatus,
    StepEnd,
    StepEvent,
    StepStatus,
)
from golive.core.events.catalogue import (
    BY_TYPE,
    KNOWN,
    TYPE_OF,
    WAITS,
    OtherEvent,
    body,
    checked,
    emitted,
    parse,
    type_of,
)
from golive.core.events.gates import (
    GateApproved,
    GateDecided,
    GateRejected,
    GateWaiting,
    PhaseOverrun,
    PhaseStarted,
)
from golive.core.events.notify import (
    NotifyFailed,
    NotifySent,
)
from golive.core.events.rollback import (
    RollbackConfirmationNeeded,
    RollbackConfirmed,
    RollbackFailed,
    RollbackFinished,
    RollbackRequested,
    RollbackStarted,
)
from golive.core.events.rollback_plan import (
    OfferedLevel,
    RollbackAction,
    RollbackPreview,
)
from golive.core.events.run import (
    ChangeRecord,
    EvidenceItem,
    Forced,
    RecordedWindow,
    RunAbortRequested,
    RunCreated,
    RunFinished,
    RunNeedsAttention,
    RunNote,
    RunStarted,
    RunTakenOver,
    VersionChange,
)
from golive.core.events.step_kinds import (
    AnalysisVerdict,
    DbRestored,
    RollingBatch,
    RollingHost,
    SshBatch,
    SshHost,
    TrafficWeight,
)
from golive.core.events.steps import (
    StepAwaited,
    StepConfirmed,
    StepFinished,
    StepInterrupted,
    StepProcess,
    StepReaped,
    StepResolved,
    StepStarted,
    StepWaiting,
    StoppedTree,
)
from golive.core.pieces import Piece as Piece
from golive.core.pieces import as_json as as_json
from golive.core.pieces import decode_hook as decode_hook
from golive.core.pieces import read as read
from golive.core.stepid import StepId as StepId

__all__ = [
    "BY_TYPE",
    "KNOWN",
    "TYPE_OF",
    "WAITS",
    "AnalysisVerdict",
    "AuditCheckpoint",
    "Authenticated",
    "ChangeEvidence",
    "ChangeRecord",
    "DbRestored",
    "Decision",
    "DecisionRefused",
    "DecisionVouched",
    "EventBody",
    "EvidenceItem",
    "Forced",
    "GateApproved",
    "GateDecided",
    "GateRejected",
    "GateWaiting",
    "NotifyFailed",
    "NotifySent",
    "Number",
    "OfferedLevel",
    "OtherEvent",
    "Outcome",
    "PhaseOverrun",
    "PhaseStarted",
    "PhaseStatus",
    "Piece",
    "RecordedWindow",
    "RollbackAction",
    "RollbackConfirmationNeeded",
    "RollbackConfirmed",
    "RollbackFailed",
    "RollbackFinished",
    "RollbackPreview",
    "RollbackRequested",
    "RollbackStarted",
    "RollbackStatus",
    "RollingBatch",
    "RollingHost",
    "RunAbortRequested",
    "RunCreated",
    "RunFinished",
    "RunNeedsAttention",
    "RunNote",
    "RunStarted",
    "RunStatus",
    "RunTakenOver",
    "Seal",
    "SshBatch",
    "SshHost",
    "StepAwaited",
    "StepConfirmed",
    "StepEnd",
    "StepEvent",
    "StepFinished",
    "StepInterrupted",
    "StepProcess",
    "StepReaped",
    "StepResolved",
    "StepStarted",
    "StepStatus",
    "StepWaiting",
    "StoppedTree",
    "TrafficWeight",
    "VersionChange",
    "body",
    "checked",
    "emitted",
    "parse",
    "read",
    "type_of",
]
