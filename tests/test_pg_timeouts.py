"""The PostgreSQL store never blocks forever and survives one lost connection.

Another session holding the run's row (an operator's open transaction, a stuck tool) makes golive fail
cleanly within `lock_timeout`, saying so, instead of hanging; a backend killed under golive is reconnected
once and the append goes through, the chain unbroken."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import golive
from golive.errors import StoreError
from golive.store.base import RunInfo
from golive.store.chain import verify_chain
from golive.store.postgres import PostgresStore
from pgscratch import scratch_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_database("golive_to") as url:
        yield url


def _run(store: PostgresStore, rid: str = "r1") -> None:
    store.create_run(RunInfo(id=rid, service="pgsvc", environment="test", plan_name="p", plan_path="p.yaml",
                             initiator="t", created_at="2026-01-01T00:00:00+00:00", status="created", active=True),
                     {"plan": {}})


PLAN = """\
name: pg timeouts
service: pgtsvc
environment: test
phases:
  - name: One
    steps:
      - name: ok
        shell: "true"
    gate:
      approvals: {count: 1}
"""


def test_a_row_lock_held_elsewhere_fails_cleanly_within_the_timeout(workdir: Path, pg_url: str) -> None:
    (workdir / "plan.yaml").write_text(PLAN, encoding="utf-8")
    env = {"GOLIVE_STORE": pg_url, "GOLIVE_PG_LOCK_TIMEOUT": "1s"}
    started = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env=env)
    assert started.code == 3, started.out + started.err
    run_id = json.loads(golive("runs", "--json", cwd=workdir, env=env).out)[0]["run"]
    with psycopg.connect(pg_url) as other:  # an open transaction holding the run's row
        other.execute("SELECT 1 FROM golive_runs WHERE id=%s FOR UPDATE", (run_id,))
        t0 = time.monotonic()
        res = golive("approve", run_id, "--by", "bob", "--reason", "ok", cwd=workdir, env=env, timeout=60)
        waited = time.monotonic() - t0
        other.rollback()
    assert res.code != 0 and "lock_timeout 1s" in res.err and "Traceback" not in res.err, res.err
    # A bound, not a speed figure: without lock_timeout this call never returns (the harness would time out).
    assert waited < 30, waited
    ok = golive("approve", run_id, "--by", "bob", "--reason", "ok", cwd=workdir, env=env)
    assert ok.code == 0, ok.err


def test_a_killed_backend_is_reconnected_once(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        _run(store)
        store.append("r1", "one", {"n": 1})
        pid = store._db.info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        ev = store.append("r1", "two", {"n": 2})
        assert ev.seq == 3
        assert verify_chain(store.events("r1"), store.get_run("r1").head_seq, store.get_run("r1").head_hash) is None
    finally:
        store.close()


def test_a_statement_past_statement_timeout_fails_cleanly(pg_url: str) -> None:
    store = PostgresStore(pg_url, statement_timeout=0.5)
    try:
        with pytest.raises(StoreError, match="statement_timeout"):
            store._do(lambda: store._db.execute("SELECT pg_sleep(5)"))
    finally:
        store.close()
