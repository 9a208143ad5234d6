"""`golive resume --take-over`: a person's decision like an approval. On a run with signers it is signed (run, plan,
the chain head they were shown, the reason) by a key in the signers file, or refused and the attempt recorded.

The signed decision names the new runner's public key: the person vouches for the machine that seals the log from
then on, so a run started on one host can be taken over on another with its own runner key, and its later
checkpoints still verify (offline too, from a bundle). A take-over is recorded when an owner whose lease ran out
is displaced, or when the runner key changes (a paused run continued on another machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from golive.core.events import RunTakenOver, body
from golive.engine.state import fold
from golive.seal.sealed import Decider, authenticate
from golive.store.base import Owner, Store


@dataclass(frozen=True)
class TakeOver:
    """A take-over that passed the rules, to be recorded once the run is claimed."""

    by: str
    runner_key: str
    reason: str
    sealed: dict[str, Any]


def decide(store: Store, run_id: str, who: Decider, reason: str, runner_key: str) -> TakeOver:
    """Check (and sign) the take-over before the run is claimed; DecisionRefused (recorded) otherwise."""
    state = fold(store.events(run_id))
    payload: dict[str, Any] = {"runner_key": runner_key, "reason": reason}
    name, sealed = authenticate(store, run_id, state, state.plan, "run.taken_over", payload, who, role=None)
    return TakeOver(name, runner_key, reason, sealed)


def record(store: Store, run_id: str, take: TakeOver, owner: Owner, previous: Owner | None) -> None:
    prev = {} if previous is None else {"host": previous.host, "pid": previous.pid,
                                        "lease_until": previous.lease_until}
    fields = {**take.sealed, "by": take.by, "host": owner.host, "pid": owner.pid, "from": prev,
              "runner_key": take.runner_key, "reason": take.reason}
    store.append(run_id, "run.taken_over", body(RunTakenOver, **fields))
