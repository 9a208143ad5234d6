"""Tampering with a finished run's log is detected by `golive audit verify`: exit 1, naming the first bad seq.

Each test edits the SQLite file directly, the way someone with write access to it could.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from crash_harness import fork_cli, prewarm

PLAN = """\
name: tamper
service: tampersvc
environment: test
phases:
  - name: One
    steps:
      - shell: echo one
      - shell: echo two
      - shell: echo three
"""


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    prewarm()


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, str, int]:
    """A finished run: (working directory, run id, number of events)."""
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    res = fork_cli(["run", "plan.yaml", "--no-wait"], tmp_path, {})
    assert res.code == 0, res
    db = sqlite3.connect(tmp_path / ".golive" / "golive.db")
    run_id, n = db.execute("SELECT id, head_seq FROM runs").fetchone()
    db.close()
    assert n >= 10
    ok = fork_cli(["audit", "verify", run_id], tmp_path, {})
    assert ok.code == 0 and "intact" in ok.out, ok
    return tmp_path, run_id, n


def _edit(workdir: Path, fn: Callable[[sqlite3.Connection], object]) -> None:
    db = sqlite3.connect(workdir / ".golive" / "golive.db", isolation_level=None)
    db.execute("BEGIN")
    fn(db)
    db.execute("COMMIT")
    db.close()


def _verify_fails_at(workdir: Path, run_id: str, seq: int) -> str:
    res = fork_cli(["audit", "verify", run_id], workdir, {})
    assert res.code == 1, f"tampering not detected: {res}"
    assert re.search(rf"\bseq {seq}\b", res.out), res.out
    assert "BROKEN" in res.out and "Traceback" not in res.out + res.err
    return res.out


def _rehash(db: sqlite3.Connection, run_id: str, from_seq: int) -> None:
    """What a careful forger does: recompute every hash from `from_seq` on (the index head stays as it was)."""
    from golive.store.chain import GENESIS, event_hash

    prev = GENESIS
    rows = db.execute("SELECT seq, ts, type, payload FROM events WHERE run_id=? ORDER BY seq", (run_id,)).fetchall()
    for seq, ts, type_, payload in rows:
        if seq >= from_seq:
            digest = event_hash(run_id, seq, ts, type_, payload, prev)
            db.execute("UPDATE events SET prev_hash=?, hash=? WHERE run_id=? AND seq=?", (prev, digest, run_id, seq))
            prev = digest
        else:
            prev = db.execute("SELECT hash FROM events WHERE run_id=? AND seq=?", (run_id, seq)).fetchone()[0]


def test_deleting_an_event(run: tuple[Path, str, int]) -> None:
    wd, rid, _ = run
    _edit(wd, lambda db: db.execute("DELETE FROM events WHERE run_id=? AND seq=5", (rid,)))
    assert "missing" in _verify_fails_at(wd, rid, 5)


def test_reordering_two_events(run: tuple[Path, str, int]) -> None:
    wd, rid, _ = run

    def swap(db: sqlite3.Connection) -> None:
        db.execute("UPDATE events SET seq=-1 WHERE run_id=? AND seq=4", (rid,))
        db.execute("UPDATE events SET seq=4 WHERE run_id=? AND seq=5", (rid,))
        db.execute("UPDATE events SET seq=5 WHERE run_id=? AND seq=-1", (rid,))

    _edit(wd, swap)
    _verify_fails_at(wd, rid, 4)


def test_editing_an_event_payload(run: tuple[Path, str, int]) -> None:
    wd, rid, _ = run

    def edit(db: sqlite3.Connection) -> None:
        payload = json.loads(db.execute("SELECT payload FROM events WHERE run_id=? AND seq=6", (rid,)).fetchone()[0])
        payload["output"] = "nothing to see here\n"
        db.execute("UPDATE events SET payload=? WHERE run_id=? AND seq=6",
                   (json.dumps(payload, sort_keys=True, separators=(",", ":")), rid))

    _edit(wd, edit)
    assert "content does not match" in _verify_fails_at(wd, rid, 6)


def test_editing_the_timestamp_only(run: tuple[Path, str, int]) -> None:
    wd, rid, _ = run
    _edit(wd, lambda db: db.execute("UPDATE events SET ts='2020-01-01T00:00:00.000000+00:00' WHERE run_id=? AND seq=3",
                                    (rid,)))
    _verify_fails_at(wd, rid, 3)


def test_editing_and_rehashing_the_chain_breaks_the_index_head(run: tuple[Path, str, int]) -> None:
    wd, rid, n = run

    def forge(db: sqlite3.Connection) -> None:
        db.execute("UPDATE events SET type='run.note' WHERE run_id=? AND seq=7", (rid,))
        _rehash(db, rid, 7)

    _edit(wd, forge)
    assert "head hash" in _verify_fails_at(wd, rid, n)


def test_editing_and_rehashing_one_event_breaks_the_next_link(run: tuple[Path, str, int]) -> None:
    wd, rid, _ = run
    from golive.store.chain import event_hash

    def forge(db: sqlite3.Connection) -> None:
        ts, type_, prev = db.execute("SELECT ts, type, prev_hash FROM events WHERE run_id=? AND seq=4",
                                     (rid,)).fetchone()
        payload = '{"forged":true}'
        db.execute("UPDATE events SET payload=?, hash=? WHERE run_id=? AND seq=4",
                   (payload, event_hash(rid, 4, ts, type_, payload, prev), rid))

    _edit(wd, forge)
    assert "previous-hash link broken" in _verify_fails_at(wd, rid, 5)


def test_inserting_an_event(run: tuple[Path, str, int]) -> None:
    wd, rid, n = run
    from golive.store.chain import event_hash

    def insert(db: sqlite3.Connection) -> None:
        for seq in range(n, 3, -1):  # make room at seq 4
            db.execute("UPDATE events SET seq=? WHERE run_id=? AND seq=?", (seq + 1, rid, seq))
        ts, prev = db.execute("SELECT ts, hash FROM events WHERE run_id=? AND seq=3", (rid,)).fetchone()
        payload = '{"message":"approved by the CEO"}'
        db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                   (rid, 4, ts, "run.note", payload, prev, event_hash(rid, 4, ts, "run.note", payload, prev)))

    _edit(wd, insert)
    # the inserted event itself is consistent; the one it displaced no longer links to it
    assert "previous-hash link broken" in _verify_fails_at(wd, rid, 5)


def test_appending_a_forged_event_at_the_end(run: tuple[Path, str, int]) -> None:
    wd, rid, n = run
    from golive.store.chain import event_hash

    def append(db: sqlite3.Connection) -> None:
        ts, prev = db.execute("SELECT ts, hash FROM events WHERE run_id=? AND seq=?", (rid, n)).fetchone()
        payload = '{"message":"all good"}'
        db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                   (rid, n + 1, ts, "run.note", payload, prev, event_hash(rid, n + 1, ts, "run.note", payload, prev)))

    _edit(wd, append)
    # a valid-looking extra event: the index head (seq n) no longer matches the last event
    out = _verify_fails_at(wd, rid, n + 1)
    assert "index" in out


def test_truncating_the_log(run: tuple[Path, str, int]) -> None:
    wd, rid, n = run
    _edit(wd, lambda db: db.execute("DELETE FROM events WHERE run_id=? AND seq>?", (rid, n - 3)))
    assert "truncated" in _verify_fails_at(wd, rid, n - 2)


def test_truncating_everything(run: tuple[Path, str, int]) -> None:
    wd, rid, _ = run
    _edit(wd, lambda db: db.execute("DELETE FROM events WHERE run_id=?", (rid,)))
    assert "truncated" in _verify_fails_at(wd, rid, 1)


def test_swapping_the_file_for_another_runs_log(run: tuple[Path, str, int],
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    """Events copied from another run do not verify: the run id is inside every hash."""
    wd, rid, _ = run
    other = tmp_path_factory.mktemp("other")
    (other / "plan.yaml").write_text(PLAN, encoding="utf-8")
    assert fork_cli(["run", "plan.yaml", "--no-wait"], other, {}).code == 0
    src = sqlite3.connect(other / ".golive" / "golive.db")
    rows = src.execute("SELECT seq, ts, type, payload, prev_hash, hash FROM events ORDER BY seq").fetchall()
    src.close()

    def replace(db: sqlite3.Connection) -> None:
        db.execute("DELETE FROM events WHERE run_id=?", (rid,))
        for row in rows:
            db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)", (rid, *row))

    _edit(wd, replace)
    _verify_fails_at(wd, rid, 1)


def test_hash_covers_the_previous_hash() -> None:
    """The chain's primitive: the same content after a different predecessor hashes differently."""
    from golive.store.chain import GENESIS, event_hash

    a = event_hash("r", 1, "t", "x", "{}", GENESIS)
    b = event_hash("r", 1, "t", "x", "{}", hashlib.sha256(b"other").hexdigest())
    assert a != b
