"""Event log and run index. The log is the truth; everything else is derived from it."""

from golive.store.base import Event, Owner, RunInfo, Store
from golive.store.chain import GENESIS, event_hash, verify_chain

__all__ = ["GENESIS", "Event", "Owner", "RunInfo", "Store", "event_hash", "verify_chain"]
