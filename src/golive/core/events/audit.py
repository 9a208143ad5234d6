"""What makes the log evidence: the change record's testing evidence, decisions the web console vouched for or the
signed-decision rules refused, and the runner's signed checkpoints of the chain head.

`golive audit verify` and `golive.seal` read these; the hash chain itself is the store's
(`golive.store.base`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from msgspec import field

from golive.core.events.base import EventBody
from golive.core.events.run import EvidenceItem
from golive.core.pieces import Piece


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
