"""`golive audit export RUN -o FILE` / `golive audit verify --bundle FILE`: the run's whole log in one canonical JSON
file (events with their hashes, decisions with their signatures, the signers file and the runner's key as
recorded in run.created, the checkpoints). It verifies with no store; every byte counts, because the file must
be exactly the canonical form of its content and that content is covered by the chain and the checkpoints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from golive.errors import UsageError
from golive.seal.checkpoint import CHECKPOINT
from golive.seal.signers import AllowedSigners
from golive.seal.verify import Audit, audit_events
from golive.store.base import Event

FORMAT = "golive-audit-bundle/1"


def _encode(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")


def export(store: Any, run_id: str) -> tuple[str, bytes]:
    info = store.get_run(run_id)
    events = store.events(info.id)
    doc = {"format": FORMAT, "run": info.id,
           "events": [[e.seq, e.ts, e.type, e.payload_json, e.prev_hash, e.hash] for e in events]}
    return info.id, _encode(doc)


def write(store: Any, run_id: str, out: Path) -> str:
    rid, data = export(store, run_id)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    return rid


def verify_bundle(path: Path, trusted: AllowedSigners | None = None,
                  known_checkpoints: list[str] | None = None) -> Audit:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
        rid = str(doc["run"])
        events = [Event(rid, int(s), str(ts), str(t), str(p), str(prev), str(h))
                  for s, ts, t, p, prev, h in doc["events"]]
        ok_format = doc.get("format") == FORMAT
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        audit = Audit(run_id="?")
        audit.failure = f"seq 0: the bundle is not readable ({type(exc).__name__}: {exc})"
        return audit
    last = events[-1] if events else None
    audit = audit_events(rid, events, head_seq=last.seq if last else 0, head_hash=last.hash if last else "",
                         trusted=trusted, known_checkpoints=known_checkpoints)
    if not ok_format:
        audit.fail(0, f"not a {FORMAT} file")
    if _encode(doc) != raw:
        audit.fail(0, "the bundle was edited (its bytes are not the canonical form of its content)")
    if last is not None and last.type != CHECKPOINT:
        audit.warnings.append(f"the bundle's last events (after seq {audit.sealed_through}) are not sealed by a"
                              " checkpoint: they may have been cut off before export")
    elif last is not None and not audit.finished:
        # Cut back to any checkpoint, a log is consistent by itself: say that its end is not in it.
        audit.warnings.append(f"the bundle holds no end of the run (it stops at seq {last.seq}, before"
                              " run.finished): exported while the run went on, or cut back after a checkpoint;"
                              " a checkpoint digest held outside (--checkpoint) tells which")
    return audit
