"""Every store keeps the same promises: one unbroken chain, one active run per service/environment,
ownership that a dead process cannot keep. Runs against SQLite, PostgreSQL (the real server) and memory."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from golive.errors import RunLocked, RunNotFound
from golive.store.base import Owner, RunInfo
from golive.store.chain import verify_chain
from golive.store.memory import MemoryStore
from golive.store.owner import _start_time, current_owner
from golive.store.postgres import PostgresStore
from golive.store.sqlite import SQLiteStore
from pgscratch import scratch_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_database("golive_store") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres", "memory"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    opened: list[Any] = []
    if request.param == "sqlite":
        def make() -> Any:
            opened.append(SQLiteStore(tmp_path / "log.db"))
            return opened[-1]
    elif request.param == "postgres":
        url = request.getfixturevalue("pg_url")

        def make() -> Any:
            opened.append(PostgresStore(url))
            return opened[-1]
    else:
        shared = MemoryStore()

        def make() -> Any:
            return shared
    yield make
    for s in opened:
        s.close()


def info(run_id: str, service: str = "svc", env: str = "prod") -> RunInfo:
    return RunInfo(id=run_id, service=service, environment=env, plan_name="p", plan_path="p.yaml",
                   initiator="tester", created_at=f"2026-01-01T00:00:00+00:00-{run_id}", status="created",
                   active=True)


def test_chain_appends_from_two_handles_stay_one_chain(make_store: Any) -> None:
    a, b = make_store(), make_store()
    a.create_run(info("r1"), {"plan": {}})
    for i in range(10):
        (a if i % 2 else b).append("r1", "x", {"i": i})
    events = a.events("r1")
    assert [e.seq for e in events] == list(range(1, 12))
    run = a.get_run("r1")
    assert verify_chain(events, run.head_seq, run.head_hash) is None
    assert a.events("r1", after=9)[0].seq == 10


def test_a_run_is_named_by_its_id_or_a_prefix_only_it_has(make_store: Any) -> None:
    """`golive status 2026…` takes an id's prefix: the exact id wins over the longer ids it prefixes, a prefix of
    one run names that run, and a prefix of several names none (never the first one found)."""
    s = make_store()
    s.create_run(info("ab1", service="one"), {})
    s.create_run(info("ab12", service="two"), {})
    s.create_run(info("cd3", service="three"), {})
    assert s.get_run("ab1").service == "one"
    assert s.get_run("ab12").service == "two"
    assert s.get_run("cd").id == "cd3"
    with pytest.raises(RunNotFound):
        s.get_run("ab")
    with pytest.raises(RunNotFound):
        s.get_run("zz")


def test_one_active_run_per_service_and_environment(make_store: Any) -> None:
    s = make_store()
    s.create_run(info("r1"), {})
    with pytest.raises(RunLocked, match="r1"):
        s.create_run(info("r2"), {})
    s.create_run(info("r3", env="staging"), {})  # another environment is free
    owner = current_owner()
    s.claim("r1", owner)
    s.release("r1", owner, active=False)
    s.create_run(info("r4"), {})  # freed once r1 ended
    with pytest.raises(RunNotFound):
        s.get_run("nope")
    assert s.get_run("r4").active


def test_an_ended_run_reopened_holds_its_service_again(make_store: Any) -> None:
    """A further rollback level after a run ended (golive.run.reopen): the run holds its service again, unless
    another active run does; released as at any end."""
    s = make_store()
    s.create_run(info("r1"), {})
    owner = current_owner()
    s.claim("r1", owner)
    s.release("r1", owner, active=False)
    s.reopen("r1")
    s.reopen("r1")  # holding it already: still held
    assert s.get_run("r1").active
    with pytest.raises(RunLocked, match="r1"):
        s.create_run(info("r2"), {})
    s.release("r1", owner, active=False)
    s.create_run(info("r3"), {})
    with pytest.raises(RunLocked, match="held by run r3"):
        s.reopen("r1")
    assert not s.get_run("r1").active and s.get_run("r3").active


def test_claim_refuses_a_live_owner_and_takes_over_from_a_dead_one(make_store: Any) -> None:
    s = make_store()
    s.create_run(info("r1"), {})
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = Owner(pid=child.pid, started=_start_time(child.pid), host=socket.gethostname())
        s.claim("r1", alive)
        with pytest.raises(RunLocked, match=str(child.pid)):
            s.claim("r1", current_owner())
    finally:
        child.kill()
        child.wait()
    s.claim("r1", current_owner())  # the holder died: its claim is stale
    assert s.get_run("r1").owner == current_owner()


def test_concurrent_creates_let_exactly_one_in(make_store: Any, request: pytest.FixtureRequest) -> None:
    if "memory" in request.node.name:
        return  # the memory store is single-process by design (dry runs)

    def attempt(i: int) -> str:
        s = make_store()
        try:
            s.create_run(info(f"c{i}"), {})
            return "ok"
        except RunLocked:
            return "locked"

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(attempt, range(20)))
    assert results.count("ok") == 1
    assert results.count("locked") == 19
