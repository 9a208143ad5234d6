"""The lease check before each event does not trust the renewing thread to have noticed a take-over: a golive
stopped past its lease (SIGSTOP, a paused VM) and let go on may reach its next event before its thread runs.
Here the thread never runs at all (the heartbeat is not entered), on the real SQLite run log."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from conftest import golive
from golive.errors import RunLocked
from golive.store.base import Owner
from golive.store.lease import Heartbeat
from golive.store.owner import is_alive, lease_until
from golive.store.sqlite import SQLiteStore

PLAN = """\
name: late
service: latesvc
environment: test
phases:
  - name: One
    steps: [{manual: check it}]
"""


def _until_expired(store: SQLiteStore, run_id: str) -> None:
    deadline = time.monotonic() + 30
    while (owner := store.get_run(run_id).owner) is not None and is_alive(owner):
        assert time.monotonic() < deadline, "the lease never ran out"
        time.sleep(0.05)  # waits for the lease to run out, bounded by the deadline


def test_a_late_heartbeat_is_caught_up_by_the_check_before_the_next_event(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN, encoding="utf-8")
    assert golive("run", "plan.yaml", "--no-wait", cwd=workdir).code == 3  # waits for a person, owner released
    run_id = str(json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"])
    store = SQLiteStore(workdir / ".golive" / "golive.db")
    try:
        # "otherhost": judged by its lease alone, as a golive on another machine (or a stopped one) is
        me = Owner(pid=os.getpid(), started="1", host="otherhost", lease_until=lease_until(1.0))
        store.claim(run_id, me)
        heartbeat = Heartbeat(store, run_id, me, lease=1.0)  # never entered: its thread is as late as can be
        heartbeat.check()
        _until_expired(store, run_id)
        heartbeat.check()  # late, but nobody took the run: the check renews the lease itself and goes on
        renewed = store.get_run(run_id).owner
        assert renewed is not None and is_alive(renewed) and renewed.lease_until != me.lease_until
        _until_expired(store, run_id)
        other = Owner(pid=1, started="2", host="elsewhere", lease_until=lease_until(60.0))
        assert store.claim(run_id, other, take_over=True) is not None  # `golive resume --take-over` elsewhere
        with pytest.raises(RunLocked, match="taken over by another process"):
            heartbeat.check()
        stored = store.get_run(run_id).owner
        assert stored is not None and stored.host == "elsewhere"  # the loser's check did not take it back
    finally:
        store.close()
