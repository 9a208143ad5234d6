"""Runner checkpoints: the runner signs the chain head at the start, at each gate and at the end, each checkpoint
covering the previous one (CloudTrail's digest chain). A copy of the latest goes to a witness file outside the
store ($GOLIVE_WITNESS_DIR, default ~/.local/state/golive/witness), so cutting the log back is noticed.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.seal.decision import canonical
from golive.seal.keys import RUNNER_NAMESPACE, Signer
from golive.store.base import Event, Store

CHECKPOINT = "audit.checkpoint"
GENESIS = "0" * 64
BODY_KEYS = ("v", "run", "n", "why", "covers", "prev", "at", "key")
#: Events after which the runner seals: the start, each gate's question and decision, the end.
SEAL_AFTER = {"run.started": "start", "gate.waiting": "gate", "gate.decided": "gate", "run.finished": "end"}


def body_of(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: payload.get(k) for k in BODY_KEYS}


def digest_of(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body)).hexdigest()


def witness_dir() -> Path:
    env = os.environ.get("GOLIVE_WITNESS_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "golive" / "witness"


def witness_path(run_id: str) -> Path:
    return witness_dir() / f"{run_id}.json"


def read_witness(run_id: str) -> dict[str, Any] | None:
    try:
        value = json.loads(witness_path(run_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class Sealer:
    """Appends signed checkpoints for one run; also a listener for the engine (seals after SEAL_AFTER events)."""

    def __init__(self, store: Store, run_id: str, signer: Signer) -> None:
        self.store = store
        self.run_id = run_id
        self.signer = signer
        self.n = 0
        self.prev = GENESIS
        self.latest: dict[str, Any] | None = None
        events = store.events(run_id)
        #: Events up to here were sealed (or not) by earlier drives; the engine replays them to its listeners.
        self.seen = events[-1].seq if events else 0
        for ev in events:
            if ev.type == CHECKPOINT:
                p = ev.payload
                self.n, self.prev, self.latest = int(p["n"]), str(p["digest"]), {**p, "seq": ev.seq}

    def seal(self, why: str) -> Event:
        info = self.store.get_run(self.run_id)
        body = {"v": 1, "run": self.run_id, "n": self.n + 1, "why": why,
                "covers": {"seq": info.head_seq, "hash": info.head_hash}, "prev": self.prev,
                "at": datetime.now(UTC).isoformat(timespec="seconds"), "key": self.signer.public_line}
        digest = digest_of(body)
        sig = self.signer.sign(canonical(body), RUNNER_NAMESPACE)
        ev = self.store.append(self.run_id, CHECKPOINT, {**body, "digest": digest, "fingerprint": sig.fingerprint,
                                                         "sshsig": sig.sshsig})
        self.n, self.prev = self.n + 1, digest
        self.latest = {**ev.payload, "seq": ev.seq}
        self._witness(ev.seq, digest, body)
        return ev

    def _witness(self, seq: int, digest: str, body: dict[str, Any]) -> None:
        """Best effort: the store is the record; the witness only makes cutting it back visible."""
        path = witness_path(self.run_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"run": self.run_id, "n": body["n"], "seq": seq, "digest": digest,
                                       "covers": body["covers"]}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass

    def seal_if_open(self, why: str) -> None:
        """Seal unless the log already ends with a checkpoint (the drive stopped: paused, failed or ended)."""
        events = self.store.events(self.run_id, after=max(0, self.store.get_run(self.run_id).head_seq - 1))
        if events and events[-1].type != CHECKPOINT:
            self.seal(why)

    def __call__(self, ev: Event, state: Any) -> None:  # an engine listener (RunState)
        why = SEAL_AFTER.get(ev.type)
        if why is not None and ev.seq > self.seen:
            self.seal(why)
