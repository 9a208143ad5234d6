"""A rollback level of an ended run is refused once a later run of its service and environment started, however
many runs of other services the log holds since: `golive.run.reopen.later_runs` looked only at the log's newest
200 runs, so in a shared, busy log a level (a database restore) of an old run could undo a later run's work."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from enginekit import HEAD, T0, Harness
from golive.errors import DecisionRefused
from golive.run.decisions import request_rollback
from golive.store.base import RunInfo
from golive.store.owner import current_owner
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock
from test_rollback_conditions import LADDER

LATER = HEAD + "phases:\n  - name: One\n    steps: [\"echo later >> trail.log\"]\n"


def _other_service_runs(store: SQLiteStore, count: int) -> None:
    """`count` ended runs of another service, all after the two of svc/prod."""
    for i in range(count):
        at = (T0 + timedelta(days=1, seconds=i)).isoformat()
        rid = f"other-{i:04d}"
        store.create_run(RunInfo(id=rid, service="other", environment="prod", plan_name="o", plan_path="o.yaml",
                                 initiator="bob", created_at=at, status="succeeded", active=True), {})
        store.release(rid, current_owner(), active=False)


@pytest.mark.parametrize("others", [3, 250])
def test_a_later_run_of_the_service_refuses_the_level_in_a_busy_log(tmp_path: Path, others: int) -> None:
    store = SQLiteStore(tmp_path / "golive.db")
    try:
        h = Harness(tmp_path, store, FakeClock(T0))
        rid = h.start(LADDER)
        assert h.drive(rid) == 1 and h.state(rid).outcome == "rolled-back"
        h.clock.advance(60)
        later = h.start(LATER)
        assert h.drive(later) == 0
        _other_service_runs(store, others)
        with pytest.raises(DecisionRefused, match=f"run {later} of svc/prod started after run {rid}"):
            request_rollback(store, rid, "dba", "orders table lost rows", 3)
        assert not store.get_run(rid).active
    finally:
        store.close()
