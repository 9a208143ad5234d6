"""One run per service across machines that share a PostgreSQL run log, with clocks that disagree. Leases are
written and judged in each machine's wall-clock time: a machine whose clock ran 10 minutes ahead saw a live
owner's lease (another host, renewed a moment ago) as run out, and `golive resume --take-over` took the run away
from the process executing it. A machine whose clock is off from the log's server by more than a quarter of the
lease now takes no run (start, resume or take-over), saying why."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from inproc import cli
from pgscratch import scratch_database

PLAN = """\
name: skew
service: skewsvc
environment: test
phases:
  - name: One
    steps:
      - shell: "true"
    gate:
      approvals: {count: 1}
"""


@pytest.fixture
def pg(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with scratch_database("golive_skew") as url:
        monkeypatch.setenv("GOLIVE_STORE", url)
        (workdir / "plan.yaml").write_text(PLAN)
        yield url


def _owned_elsewhere(url: str, rid: str) -> None:
    """The run is being executed on another host, whose lease (by the true time) runs for another minute."""
    until = (datetime.now(UTC) + timedelta(seconds=60)).isoformat(timespec="milliseconds")
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("UPDATE golive_runs SET owner_pid=4242, owner_started='77', owner_host='ci-pod-7',"
                    " owner_lease=%s WHERE id=%s", (until, rid))


def _owner_host(url: str, rid: str) -> str:
    with psycopg.connect(url, autocommit=True) as con:
        row = con.execute("SELECT owner_host FROM golive_runs WHERE id=%s", (rid,)).fetchone()
    return str(row[0]) if row else ""


@pytest.mark.parametrize("skew", [timedelta(minutes=10), timedelta(minutes=-10)])
def test_a_machine_with_a_skewed_clock_takes_no_run(pg: str, monkeypatch: pytest.MonkeyPatch,
                                                     skew: timedelta) -> None:
    assert cli("run", "plan.yaml", "--no-wait", "--as", "alice").code == 3
    rid = str(json.loads(cli("runs", "--json").out)[0]["run"])
    _owned_elsewhere(pg, rid)
    held = cli("resume", rid, "--take-over", "--reason", "pod gone?", "--no-wait")
    assert held.code != 0 and "being executed by process 4242 on ci-pod-7" in held.err, held.out + held.err

    import golive.store.owner as owner

    monkeypatch.setattr(owner, "wall_now", lambda: datetime.now(UTC) + skew)
    r = cli("resume", rid, "--take-over", "--reason", "pod gone?", "--no-wait")
    assert r.code != 0 and "clock" in r.err and "NTP" in r.err, r.out + r.err
    assert _owner_host(pg, rid) == "ci-pod-7"  # still the live owner's
    assert "run.taken_over" not in cli("log", rid, "--json").out
