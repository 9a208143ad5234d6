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

Adding an event type is one model here: a subclass of `EventBody` (or `StepEvent`) with
`type: ClassVar[str] = "..."` and a docstring saying when it is written; it joins `KNOWN`, `BY_TYPE` and the
generated doc by being defined. `docs/events.md` is generated from this module
(`python -m golive.core.events_doc`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, TypeVar

import msgspec
from msgspec import field

from golive.core.pieces import Piece as Piece
from golive.core.pieces import as_json, decode_hook
from golive.core.pieces import read as read
from golive.core.stepid import StepId
from golive.errors import EventRefused

StepStatus = Literal["pending", "running", "waiting", "interrupted", "needs-attention", "succeeded", "failed"]
#: What a step's execution ended as (the engine never records `pending` or `running` as an end).
StepEnd = Literal["succeeded", "failed"]
PhaseStatus = Literal["pending", "running", "waiting", "go", "no-go"]
Outcome = Literal["succeeded", "rolled-back", "rollback-failed"]
RunStatus = Literal["created", "running", "waiting", "needs-attention", "rolling-back",
                    "succeeded", "rolled-back", "rollback-failed"]
RollbackStatus = Literal["running", "waiting", "failed", "done"]
Decision = Literal["go", "no-go"]
#: JSON numbers stay as written (an int is not turned into a float), so a payload reads back unchanged.
Number = int | float


_MODELS: list[type[EventBody]] = []


class EventBody(Piece):
    """A payload, read. `type` is the log's type column, not part of the stored payload."""

    type: ClassVar[str] = ""
    #: Written by: the engine, a person's decision (`golive approve`...), a step kind, the notifier.
    written_by: ClassVar[str] = "engine"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A model with its own `type` is an event type: defining it is all it takes to add one."""
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("type"):
            _MODELS.append(cls)

    def payload(self) -> dict[str, Any]:
        """The payload as it was stored: the fields it had, extras included, none added by defaults."""
        return self.raw()


class StepEvent(EventBody):
    """An event about one step, which it names."""

    step: StepId


# -- pieces of payloads ----------------------------------------------------------------------------
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


class RollbackAction(Piece):
    """One action of a rollback: an undo (`undoes` names the step) or a rollback level's step (`level`)."""

    id: StepId
    title: str = ""
    undoes: StepId | None = None
    level: int | None = None
    restores_data: bool = False


class OfferedLevel(Piece):
    """A rollback level golive does not apply by itself: the plan states a condition for it (`when`), or it is a
    heavier rung above the level golive applied (`heavier_than`, "level 2 if level 1 is not enough"). A person who
    sees the condition hold, or the lighter level fall short, runs it with `command`."""

    level: int
    name: str = ""
    when: str = ""
    command: str = ""
    #: The level golive applied instead, the lightest enough; absent for a level offered for its condition.
    heavier_than: int | None = None

    def condition(self) -> str:
        """Why it waits for a person, in the words outputs use: its condition, or the lighter level before it."""
        if self.when or self.heavier_than is None:
            return f"when: {self.when}"
        return f"if level {self.heavier_than} is not enough"

    def text(self) -> str:
        """One line for outputs and reports."""
        return f"level {self.level} '{self.name}' ({self.condition()}): {self.command}"


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


class RollbackPreview(Piece):
    """The rollback plan for one phase, as generated before anything runs: what failing in it would undo."""

    phase: int
    name: str = ""
    undo: list[RollbackAction] = []
    level: int | None = None
    level_name: str | None = None
    restores_data: bool = False
    #: Failing here also runs the earlier phases' undo lists (each undo is listed once, in its own phase's entry,
    #: so the record grows with the steps, not phases x steps). Absent in runs recorded before: `undo` was whole.
    then_earlier: bool = False
    #: Levels the chosen one chains to (`then:`), run after its steps in this order.
    then_levels: list[int] = []
    #: Levels the chosen one runs before its steps (`first:`), in this order.
    first_levels: list[int] = []
    #: Levels a failure here leaves to a person: their condition (`when:`), or heavier than the one applied.
    offered: list[OfferedLevel] = []


# -- the run ---------------------------------------------------------------------------------------
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


# -- phases and gates ------------------------------------------------------------------------------
class PhaseStarted(EventBody):
    """A phase begins (`at`: the engine clock)."""

    type: ClassVar[str] = "phase.started"
    phase: int
    name: str = ""
    timebox: Number | None = None
    at: str | None = None


class PhaseOverrun(EventBody):
    """A phase passes its timebox; `action` is what the plan says an overrun means."""

    type: ClassVar[str] = "phase.overrun"
    phase: int
    timebox: Number
    elapsed: Number
    action: str = "warn"


class GateWaiting(EventBody):
    """A gate needs approvals: from whom, how to give them, since when, for how long (`timeout` seconds)."""

    type: ClassVar[str] = "gate.waiting"
    phase: int
    name: str = ""
    needed: int = 1
    role: str | None = None
    candidates: list[str] = []
    description: str | None = None
    command: str = ""
    since: str | None = None
    timeout: Number | None = None


class GateApproved(EventBody):
    """`golive approve`."""

    type: ClassVar[str] = "gate.approved"
    written_by: ClassVar[str] = "person"
    phase: int
    by: str
    role: str | None = None
    reason: str | None = None


class GateRejected(EventBody):
    """`golive reject`."""

    type: ClassVar[str] = "gate.rejected"
    written_by: ClassVar[str] = "person"
    phase: int
    by: str
    role: str | None = None
    reason: str | None = None


class GateDecided(EventBody):
    """Go/No-Go."""

    type: ClassVar[str] = "gate.decided"
    phase: int
    decision: Decision
    reasons: list[str] = []
    approvers: list[str] = []


# -- steps -----------------------------------------------------------------------------------------
class StepStarted(StepEvent):
    """Before a step runs."""

    type: ClassVar[str] = "step.started"
    title: str = ""
    kind: str = ""
    attempt: int = 1


class StepFinished(StepEvent):
    """After it ran: masked and clipped `output`, step-specific `detail`."""

    type: ClassVar[str] = "step.finished"
    status: StepEnd
    message: str = ""
    exit_code: int | None = None
    output: str = ""
    duration: Number | None = None
    detail: dict[str, Any] = {}


class StepProcess(StepEvent):
    """Before a process a step starts may run (it waits at a gate until this is committed), so resume can find
    it after golive died: `pid`, `pgid`, `start` (clock ticks since boot), `host`, `boot`, `cgroup` (path, or null
    in the process-group fallback)."""

    type: ClassVar[str] = "step.process"
    pid: int
    pgid: int
    start: int
    host: str = ""
    boot: str = ""
    cgroup: str | None = None



class StoppedTree(Piece):
    where: str = ""
    gone: bool = False


class StepInterrupted(StepEvent):
    """golive was told to stop (SIGTERM, SIGHUP, SIGINT) while the step ran; its tree was stopped: `released`
    (whether the command had been let run), `stopped` (`where`, `gone` per tree)."""

    type: ClassVar[str] = "step.interrupted"
    signal: str = ""
    released: bool | None = None
    stopped: list[StoppedTree] = []


class StepAwaited(StepEvent):
    """On resume, the cut-off step's old processes still run: waiting for them `until` the step's deadline."""

    type: ClassVar[str] = "step.awaited"
    where: str = ""
    until: str = ""


class StepReaped(StepEvent):
    """On resume, those processes are gone: `killed` (stopped at the deadline, or ended by themselves) after
    `waited` seconds."""

    type: ClassVar[str] = "step.reaped"
    where: str = ""
    killed: bool = False
    waited: Number | None = None
    gone: bool | None = None


class StepWaiting(StepEvent):
    """A manual step waits for a person; `message` says how to confirm it."""

    type: ClassVar[str] = "step.waiting"
    title: str = ""
    message: str = ""


class StepConfirmed(StepEvent):
    """`golive confirm`: done, or marked failed."""

    type: ClassVar[str] = "step.confirmed"
    written_by: ClassVar[str] = "person"
    by: str
    as_: Literal["done", "failed"] = field(default="done", name="as")
    note: str = ""


class StepResolved(StepEvent):
    """`golive resolve`: a person says what became of a step with no recorded end (or a failed rollback action)."""

    type: ClassVar[str] = "step.resolved"
    written_by: ClassVar[str] = "person"
    #: retry: the person judged the step safe to run again (it runs again on resume, its old processes gone).
    as_: Literal["done", "failed", "retry"] = field(name="as")
    by: str
    reason: str = ""


# -- rollback --------------------------------------------------------------------------------------
class RollbackRequested(EventBody):
    """`golive rollback`. With a `level`, also during or after a rollback (a person sees a level's condition
    hold): that level (and what it chains to) runs as a further round once the current one has ended, even on a
    run that had ended rolled back."""

    type: ClassVar[str] = "rollback.requested"
    written_by: ClassVar[str] = "person"
    by: str
    reason: str = ""
    level: int | None = None


class RollbackStarted(EventBody):
    """A failure, NO-GO or request starts the rollback: `actions` are the undo steps newest first, then the
    level's steps (and those of the levels it chains to). `offered`: levels a person may still choose, each with
    its condition and command. A level asked for after a rollback starts a further round (no undos)."""

    type: ClassVar[str] = "rollback.started"
    reason: str
    phase: int | None = None
    level: int | None = None
    level_name: str | None = None
    actions: list[RollbackAction] = []
    offered: list[OfferedLevel] = []


class RollbackConfirmationNeeded(EventBody):
    """A data-restoring level waits for a person: past `rollback_until`, or in a run forced outside its window."""

    type: ClassVar[str] = "rollback.confirmation_needed"
    level: int
    action: StepId | None = None
    reason: str = ""
    command: str = ""


class RollbackConfirmed(EventBody):
    """`golive confirm RUN rollback`."""

    type: ClassVar[str] = "rollback.confirmed"
    written_by: ClassVar[str] = "person"
    level: int
    by: str
    reason: str = ""


class RollbackFailed(EventBody):
    """A rollback action failed: a person must act (exit 4)."""

    type: ClassVar[str] = "rollback.failed"
    action: StepId
    message: str = ""
    command: str = ""


class RollbackFinished(EventBody):
    """The rollback ended (`ok`: every action succeeded)."""

    type: ClassVar[str] = "rollback.finished"
    ok: bool = False
    message: str = ""


# -- events step kinds add (ctx.emit), each naming its step ---------------------------------------
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


# -- notifications and evidence --------------------------------------------------------------------
class NotifySent(EventBody):
    """A notification went out (`key` makes it once-only across processes)."""

    type: ClassVar[str] = "notify.sent"
    written_by: ClassVar[str] = "notifier"
    key: str = ""
    category: str = ""
    title: str = ""
    channels: list[str] = []
    event: str | None = None
    for_seq: int | None = None
    level: int | None = None
    level_name: str | None = None
    waited: Number | None = None


class NotifyFailed(NotifySent):
    """A notification could not be delivered (`error`); never a reason for the run to stop."""

    type: ClassVar[str] = "notify.failed"
    error: str = ""


class ChangeEvidence(EventBody):
    """The change record's testing evidence, hashed again (e.g. for an amended change record)."""

    type: ClassVar[str] = "change.evidence"
    written_by: ClassVar[str] = "person"
    ticket: str | None = None
    testing: list[EvidenceItem] = []


class Seal(Piece):
    seq: int | None = None
    hash: str | None = None
    type: str | None = None


class Authenticated(Piece):
    method: str | None = None
    how: str | None = None
    issuer: str | None = None
    subject: str | None = None
    second_factor: bool | None = None
    token: str | None = None


class DecisionVouched(EventBody):
    """Right after a decision taken in the web console: the server seals it (`seals`: the decision event's seq,
    hash and type) with who it authenticated (`auth`), from where (`source`, `user_agent`), and an Ed25519
    `signature` by its `key` over all of that."""

    type: ClassVar[str] = "decision.vouched"
    written_by: ClassVar[str] = "web"
    seals: Seal = field(default_factory=Seal)
    action: str = ""
    by: str = ""
    reason: str = ""
    auth: Authenticated = field(default_factory=Authenticated)
    source: str = ""
    user_agent: str = ""
    vouches: Any = None
    key: str = ""
    signature: str = ""


class DecisionRefused(EventBody):
    """A decision the signed-decision rules refused (golive.seal: unsigned, a bad signature, a key outside the role,
    the initiator's key, bound to another run, gate or head), recorded with who tried from where. Decision events
    themselves (`gate.approved`...) carry, when signed, `signed` (the canonical payload) and `signature` (`key`,
    `fingerprint`, `method`, `sshsig`), and always `os_user` and `host`."""

    type: ClassVar[str] = "decision.refused"
    written_by: ClassVar[str] = "person"
    decision: str = ""
    subject: str = ""
    claimed_by: str | None = None
    fingerprint: str | None = None
    why: str = ""
    os_user: str = ""
    host: str = ""


class AuditCheckpoint(EventBody):
    """The runner seals the chain head (golive.seal.checkpoint): at each start, gate question and decision, and the
    end. `covers` is the head it signs (`seq`, `hash`), `prev` the previous checkpoint's digest, `digest` the
    SHA-256 of the signed body, `sshsig` the runner key's signature over it."""

    type: ClassVar[str] = "audit.checkpoint"
    n: int
    why: str = ""
    covers: dict[str, Any] = {}
    prev: str = ""
    at: str = ""
    key: str = ""
    digest: str = ""
    fingerprint: str = ""
    sshsig: str = ""


class OtherEvent(EventBody):
    """A type this version has no model for (or a payload its model refuses): kept as read, folded as nothing."""


#: Every event model, in the order they are defined here (the order of docs/events.md).
KNOWN: tuple[type[EventBody], ...] = tuple(_MODELS)
TYPE_OF: dict[type[EventBody], str] = {cls: cls.type for cls in KNOWN}
BY_TYPE: dict[str, type[EventBody]] = {cls.type: cls for cls in KNOWN}

E = TypeVar("E", bound=EventBody)


def parse(type: str, payload: dict[str, Any]) -> EventBody:
    """The typed event for a stored (type, payload)."""
    model = BY_TYPE.get(type)
    if model is not None:
        try:
            return read(model, payload)
        except msgspec.ValidationError:
            pass
    other = read(OtherEvent, payload)
    other.__dict__["type"] = type
    return other


def type_of(cls: type[EventBody]) -> str:
    return TYPE_OF[cls]


def checked(event: E) -> E:
    """An event about to be appended, validated against its model: a payload the catalogue does not describe (a
    field of the wrong type, a required one missing, an unknown type) is refused, never written."""
    if type(event) not in TYPE_OF:
        raise EventRefused(f"{event.type or type(event).__name__}: not an event type of golive.core.events")
    payload = event.payload()
    try:
        msgspec.convert(payload, type(event), strict=False, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        raise EventRefused(f"{event.type}: {exc}") from None
    return event


def emitted(type: str, payload: dict[str, Any]) -> EventBody:
    """A step's `ctx.emit(type, payload)`: the typed event it will append, or EventRefused."""
    model = BY_TYPE.get(type)
    if model is None:
        raise EventRefused(f"{type}: not an event type of golive.core.events (add a model there first)")
    try:
        return read(model, as_json(payload))
    except msgspec.ValidationError as exc:
        raise EventRefused(f"{type}: {exc}") from None


def body(cls: type[E], **fields: Any) -> dict[str, Any]:
    """A payload to append, checked against its model first (so a writer cannot drift from the catalogue). Fields
    go by their stored name or their Python one (`from` or `from_`)."""
    stored = dict(zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True))
    payload = {stored.get(k, k): as_json(v) for k, v in fields.items()}
    try:
        read(cls, payload)
    except msgspec.ValidationError as exc:
        raise EventRefused(f"{TYPE_OF[cls]}: {exc}") from None
    return payload


#: Events that mean "a person must do something now".
WAITS: tuple[type[EventBody], ...] = (GateWaiting, StepWaiting, RunNeedsAttention, RollbackConfirmationNeeded,
                                      RollbackFailed)
