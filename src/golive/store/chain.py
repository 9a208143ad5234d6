"""The hash chain: each event's SHA-256 covers its content and its predecessor's hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from golive.store.base import Event, event_time

GENESIS = "0" * 64


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_quote = json.encoder.encode_basestring  # the C encoder json.dumps(ensure_ascii=False) uses for strings


def event_hash(run_id: str, seq: int, ts: str, type: str, payload_json: str, prev_hash: str) -> str:
    """SHA-256 of canonical_json([run_id, seq, ts, type, payload_json, prev_hash]), built without a JSON encoder
    per call (the same bytes, about three times faster: `audit verify` hashes every event of a run)."""
    material = (f"[{_quote(run_id)},{int(seq)},{_quote(ts)},{_quote(type)},{_quote(payload_json)},"
                f"{_quote(prev_hash)}]")
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def chained_event(run_id: str, seq: int, prev_hash: str, type: str, payload: dict[str, Any]) -> Event:
    """The next event of a run, stamped now and hashed onto `prev_hash`: every store seals an event the same way,
    so a log moved between stores (or checked by `audit verify`) holds one chain."""
    payload_json = canonical_json(payload)
    ts = event_time()
    digest = event_hash(run_id, seq, ts, type, payload_json, prev_hash)
    return Event(run_id, seq, ts, type, payload_json, prev_hash, digest)


def verify_chain(events: Iterable[Event], head_seq: int | None = None, head_hash: str | None = None) -> str | None:
    """None if intact, else a message naming the first bad seq.

    `head_seq`/`head_hash` (kept in the run index) catch truncation of the log's tail, which a chain
    alone cannot see.
    """
    prev = GENESIS
    expected_seq = 1
    last: Event | None = None
    for ev in events:
        if ev.seq != expected_seq:
            return f"seq {expected_seq}: missing or out of order (found seq {ev.seq})"
        if ev.prev_hash != prev:
            return f"seq {ev.seq}: previous-hash link broken"
        if event_hash(ev.run_id, ev.seq, ev.ts, ev.type, ev.payload_json, ev.prev_hash) != ev.hash:
            return f"seq {ev.seq}: content does not match its hash"
        prev = ev.hash
        expected_seq += 1
        last = ev
    if head_seq is not None:
        if head_seq > 0 and (last is None or last.seq < head_seq):
            return f"seq {(last.seq if last else 0) + 1}: log truncated (index records {head_seq} events)"
        if last is not None and last.seq > head_seq:
            return f"seq {head_seq + 1}: event(s) beyond the head the run index records ({head_seq} events)"
        if last is not None and last.seq == head_seq and head_hash and last.hash != head_hash:
            return f"seq {head_seq}: head hash does not match the run index"
    return None
