"""The event catalogue: one pydantic model per event type of the run log, and their discriminated union.

The log stores each payload as canonical JSON, and the hash chain covers those bytes; these models only
read them (`parse`), once per event, so parsing never changes what is stored or hashed. Reading is lenient on
purpose: a field added later has a default, so older logs still read; fields a model does not name are kept
(`extra="allow"`), so newer logs read too; and a type no model names (or a payload a model refuses) reads as
`OtherEvent`, which the fold ignores and `describe` prints as JSON.

Adding an event type is one model here: a subclass of `EventBody` (or `StepEvent`) with
`type: Literal["..."] = "..."` and a docstring saying when it is written; it joins `KNOWN`, the union and the
generated doc by being defined. `docs/events.md` is generated from this module
(`python -m golive.core.events_doc`).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from golive.core.stepid import StepId

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


class EventBody(BaseModel):
    """A payload, read. `type` is the log's type column, not part of the stored payload."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True, defer_build=True)

    type: str
    #: Written by: the engine, a person's decision (`golive approve`...), a step kind, the notifier.
    written_by: ClassVar[str] = "engine"

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """A model with a literal `type` is an event type: defining it is all it takes to add one."""
        super().__pydantic_init_subclass__(**kwargs)
        if isinstance(cls.model_fields["type"].default, str):
            _MODELS.append(cls)

    def payload(self) -> dict[str, Any]:
        """The payload as it was stored: the fields it had, extras included, none added by defaults."""
        return self.model_dump(by_alias=True, exclude_unset=True, exclude={"type"})


class StepEvent(EventBody):
    """An event about one step, which it names."""

    step: StepId


# -- pieces of payloads ----------------------------------------------------------------------------
class Piece(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True, defer_build=True)

    def raw(self) -> dict[str, Any]:
        """As stored: the fields it had, none added by defaults."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class VersionChange(Piece):
    from_: str | None = Field(default=None, alias="from")
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


# -- the run ---------------------------------------------------------------------------------------
class RunCreated(EventBody):
    """The run is created, in the same commit as its row in the run index. `plan` is the validated plan as
    JSON (the run's one copy of it; the state validates it once), `rollback_plan` the generated preview."""

    type: Literal["run.created"] = "run.created"
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

    type: Literal["run.started"] = "run.started"
    resumed: bool = False
    dry_run: bool = False


class RunFinished(EventBody):
    """The run ended."""

    type: Literal["run.finished"] = "run.finished"
    outcome: Outcome
    message: str = ""


class RunNote(EventBody):
    """Something worth knowing that changes nothing (e.g. `kind: window.exceeded`)."""

    type: Literal["run.note"] = "run.note"
    kind: str = ""
    message: str = ""


class RunTakenOver(EventBody):
    """`golive resume --take-over`: `by` (on process `pid`, `host`) took the run over from the owner in `from`
    (`pid`, `host`, `lease_until`; empty when nobody held it), whose ownership lease had run out without being
    renewed, or onto another machine. `runner_key` is the runner key that seals the log from here on; with signers
    the decision is signed (`signed`, `signature`, as `gate.approved`), so that person vouches for it."""

    type: Literal["run.taken_over"] = "run.taken_over"
    written_by: ClassVar[str] = "person"
    by: str = ""
    pid: int | None = None
    host: str = ""
    from_: dict[str, Any] = Field(default_factory=dict, alias="from")
    runner_key: str = ""
    reason: str = ""


class RunAbortRequested(EventBody):
    """An operator aborted the run from the web console: `by`, with `reason`, stopped the process executing it
    (`pid` on `host`) with `signal`, as Ctrl-C or a CI cancel would. The run stays resumable; the runner records
    what it stopped (`step.interrupted`)."""

    type: Literal["run.abort_requested"] = "run.abort_requested"
    written_by: ClassVar[str] = "web"
    by: str = ""
    reason: str = ""
    pid: int | None = None
    host: str = ""
    signal: str = ""


class RunNeedsAttention(StepEvent):
    """On resume, a non-idempotent step started without a recorded end: a person must say what happened."""

    type: Literal["run.needs_attention"] = "run.needs_attention"
    title: str = ""
    reason: str = ""


# -- phases and gates ------------------------------------------------------------------------------
class PhaseStarted(EventBody):
    """A phase begins (`at`: the engine clock)."""

    type: Literal["phase.started"] = "phase.started"
    phase: int
    name: str = ""
    timebox: Number | None = None
    at: str | None = None


class PhaseOverrun(EventBody):
    """A phase passes its timebox; `action` is what the plan says an overrun means."""

    type: Literal["phase.overrun"] = "phase.overrun"
    phase: int
    timebox: Number
    elapsed: Number
    action: str = "warn"


class GateWaiting(EventBody):
    """A gate needs approvals: from whom, how to give them, since when, for how long (`timeout` seconds)."""

    type: Literal["gate.waiting"] = "gate.waiting"
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

    type: Literal["gate.approved"] = "gate.approved"
    written_by: ClassVar[str] = "person"
    phase: int
    by: str
    role: str | None = None
    reason: str | None = None


class GateRejected(EventBody):
    """`golive reject`."""

    type: Literal["gate.rejected"] = "gate.rejected"
    written_by: ClassVar[str] = "person"
    phase: int
    by: str
    role: str | None = None
    reason: str | None = None


class GateDecided(EventBody):
    """Go/No-Go."""

    type: Literal["gate.decided"] = "gate.decided"
    phase: int
    decision: Decision
    reasons: list[str] = []
    approvers: list[str] = []


# -- steps -----------------------------------------------------------------------------------------
class StepStarted(StepEvent):
    """Before a step runs."""

    type: Literal["step.started"] = "step.started"
    title: str = ""
    kind: str = ""
    attempt: int = 1


class StepFinished(StepEvent):
    """After it ran: masked and clipped `output`, step-specific `detail`."""

    type: Literal["step.finished"] = "step.finished"
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

    type: Literal["step.process"] = "step.process"
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

    type: Literal["step.interrupted"] = "step.interrupted"
    signal: str = ""
    released: bool | None = None
    stopped: list[StoppedTree] = []


class StepAwaited(StepEvent):
    """On resume, the cut-off step's old processes still run: waiting for them `until` the step's deadline."""

    type: Literal["step.awaited"] = "step.awaited"
    where: str = ""
    until: str = ""


class StepReaped(StepEvent):
    """On resume, those processes are gone: `killed` (stopped at the deadline, or ended by themselves) after
    `waited` seconds."""

    type: Literal["step.reaped"] = "step.reaped"
    where: str = ""
    killed: bool = False
    waited: Number | None = None
    gone: bool | None = None


class StepWaiting(StepEvent):
    """A manual step waits for a person; `message` says how to confirm it."""

    type: Literal["step.waiting"] = "step.waiting"
    title: str = ""
    message: str = ""


class StepConfirmed(StepEvent):
    """`golive confirm`: done, or marked failed."""

    type: Literal["step.confirmed"] = "step.confirmed"
    written_by: ClassVar[str] = "person"
    by: str
    as_: Literal["done", "failed"] = Field(default="done", alias="as")
    note: str = ""


class StepResolved(StepEvent):
    """`golive resolve`: a person says what became of a step with no recorded end (or a failed rollback action)."""

    type: Literal["step.resolved"] = "step.resolved"
    written_by: ClassVar[str] = "person"
    as_: Literal["done", "failed"] = Field(alias="as")
    by: str
    reason: str = ""


# -- rollback --------------------------------------------------------------------------------------
class RollbackRequested(EventBody):
    """`golive rollback`."""

    type: Literal["rollback.requested"] = "rollback.requested"
    written_by: ClassVar[str] = "person"
    by: str
    reason: str = ""
    level: int | None = None


class RollbackStarted(EventBody):
    """A failure, NO-GO or request starts the rollback: `actions` are the undo steps newest first, then the
    level's steps."""

    type: Literal["rollback.started"] = "rollback.started"
    reason: str
    phase: int | None = None
    level: int | None = None
    level_name: str | None = None
    actions: list[RollbackAction] = []


class RollbackConfirmationNeeded(EventBody):
    """A data-restoring level after `rollback_until` waits for a person."""

    type: Literal["rollback.confirmation_needed"] = "rollback.confirmation_needed"
    level: int
    action: StepId | None = None
    reason: str = ""
    command: str = ""


class RollbackConfirmed(EventBody):
    """`golive confirm RUN rollback`."""

    type: Literal["rollback.confirmed"] = "rollback.confirmed"
    written_by: ClassVar[str] = "person"
    level: int
    by: str
    reason: str = ""


class RollbackFailed(EventBody):
    """A rollback action failed: a person must act (exit 4)."""

    type: Literal["rollback.failed"] = "rollback.failed"
    action: StepId
    message: str = ""
    command: str = ""


class RollbackFinished(EventBody):
    """The rollback ended (`ok`: every action succeeded)."""

    type: Literal["rollback.finished"] = "rollback.finished"
    ok: bool = False
    message: str = ""


# -- events step kinds add (ctx.emit), each naming its step ---------------------------------------
class TrafficWeight(StepEvent):
    """A `switch` or `canary` step changed the split: `weights` as the router reports them back; a canary adds
    `stage`/`stages`, and `because` (the verdict that allowed a promotion)."""

    type: Literal["traffic.weight"] = "traffic.weight"
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

    type: Literal["analysis.verdict"] = "analysis.verdict"
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

    type: Literal["ssh.batch"] = "ssh.batch"
    written_by: ClassVar[str] = "step"
    group: str = ""
    batch: int = 0
    batches: int = 0
    hosts: list[str] = []


class SshHost(StepEvent):
    """One host of a batch finished: `status` ok / timed-out / error (no connection, host key refused),
    `started`/`finished` epoch seconds, masked tail of `output`."""

    type: Literal["ssh.host"] = "ssh.host"
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

    type: Literal["rolling.batch"] = "rolling.batch"  # type: ignore[assignment]


class RollingHost(StepEvent):
    """One action of a `rolling` step on one host (`drain`, `drained`, `deploy`, `health`, `ready`, an undo's...),
    with what it found (`ok`, `status`, `exit_code`, `server`, `attempts`, `message`...): where a resumed run
    picks up."""

    type: Literal["rolling.host"] = "rolling.host"
    written_by: ClassVar[str] = "step"
    group: str = ""
    batch: int = 0
    host: str
    action: str = ""
    ok: bool | None = None
    message: str | None = ""


class DbRestored(StepEvent):
    """A `restore` step brought a database back from a backup (`rows_lost`: written since, now gone)."""

    type: Literal["db.restored"] = "db.restored"
    written_by: ClassVar[str] = "step"
    database: str = ""
    file: str = ""
    rows_lost: Any = None


# -- notifications and evidence --------------------------------------------------------------------
class NotifySent(EventBody):
    """A notification went out (`key` makes it once-only across processes)."""

    type: Literal["notify.sent"] = "notify.sent"
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

    type: Literal["notify.failed"] = "notify.failed"  # type: ignore[assignment]
    error: str = ""


class ChangeEvidence(EventBody):
    """The change record's testing evidence, hashed again (e.g. for an amended change record)."""

    type: Literal["change.evidence"] = "change.evidence"
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

    type: Literal["decision.vouched"] = "decision.vouched"
    written_by: ClassVar[str] = "web"
    seals: Seal = Seal()
    action: str = ""
    by: str = ""
    reason: str = ""
    auth: Authenticated = Authenticated()
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

    type: Literal["decision.refused"] = "decision.refused"
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

    type: Literal["audit.checkpoint"] = "audit.checkpoint"
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
TYPE_OF: dict[type[EventBody], str] = {cls: str(cls.model_fields["type"].default) for cls in KNOWN}
BY_TYPE: dict[str, type[EventBody]] = {t: cls for cls, t in TYPE_OF.items()}
#: The discriminated union of every model, on `type`; built from KNOWN so a new model needs no other edit.
AnyEvent: Any = Annotated[Union[KNOWN], Field(discriminator="type")]  # noqa: UP007


def adapter() -> TypeAdapter[EventBody]:
    """The union as one validator (for tools and schemas); reading the log picks the model by `type` directly,
    so a command only builds the models of the events it reads."""
    return TypeAdapter(AnyEvent)

E = TypeVar("E", bound=EventBody)


def parse(type: str, payload: dict[str, Any]) -> EventBody:
    """The typed event for a stored (type, payload)."""
    if type in BY_TYPE:
        try:
            return BY_TYPE[type].model_validate({**payload, "type": type})
        except ValidationError:
            pass
    return OtherEvent.model_validate({**payload, "type": type})


def type_of(cls: type[EventBody]) -> str:
    return TYPE_OF[cls]


def body(cls: type[E], **fields: Any) -> dict[str, Any]:
    """A payload to append, checked against its model first (so a writer cannot drift from the catalogue)."""
    return cls.model_validate({**fields, "type": TYPE_OF[cls]}).payload()


#: Events that mean "a person must do something now".
WAITS: tuple[type[EventBody], ...] = (GateWaiting, StepWaiting, RunNeedsAttention, RollbackConfirmationNeeded,
                                      RollbackFailed)
