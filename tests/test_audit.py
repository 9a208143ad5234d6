"""Tampering with a run's log on disk is caught by `golive audit verify`, which names the first bad event."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from conftest import golive
from inproc import cli

PLAN = """name: audited
service: audited
environment: prod
phases:
  - name: One
    steps:
      - shell: echo "MARK""ER-ALPHA-7"
      - shell: echo "MARK""ER-BRAVO-8"
      - shell: echo done
"""


@pytest.fixture
def run(workdir: Path) -> tuple[Path, str]:
    """A finished run in .golive/golive.db, with every store closed and the WAL folded into the main file."""
    (workdir / "plan.yaml").write_text(PLAN)
    r = cli("run", "plan.yaml", "--no-wait")
    assert r.code == 0, r.out + r.err
    db = workdir / ".golive" / "golive.db"
    with contextlib.closing(sqlite3.connect(db)) as con:
        run_id = con.execute("SELECT id FROM runs").fetchone()[0]
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert cli("audit", "verify", run_id).code == 0
    return db, run_id


def seq_with(db: Path, run_id: str, text: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as con:
        rows = con.execute("SELECT seq FROM events WHERE run_id=? AND payload LIKE ?", (run_id, f"%{text}%")).fetchall()
    assert len(rows) == 1, rows
    return int(rows[0][0])


def edit(db: Path, sql: str, *params: object) -> None:
    with contextlib.closing(sqlite3.connect(db)) as con:
        con.execute(sql, params)
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_one_flipped_byte_in_the_file_is_caught(run: tuple[Path, str], workdir: Path) -> None:
    db, run_id = run
    seq = seq_with(db, run_id, "MARKER-BRAVO-8")
    raw = db.read_bytes()
    assert raw.count(b"MARKER-BRAVO-8") == 1
    at = raw.index(b"MARKER-BRAVO-8") + len("MARKER-")
    db.write_bytes(raw[:at] + b"C" + raw[at + 1:])  # BRAVO -> CRAVO, the same length
    r = golive("audit", "verify", run_id, cwd=workdir)
    assert r.code == 1, r.out + r.err
    assert f"audit chain BROKEN at seq {seq}: content does not match its hash" in r.out
    assert "Traceback" not in r.err


def test_deleted_event_is_caught(run: tuple[Path, str]) -> None:
    db, run_id = run
    seq = seq_with(db, run_id, "MARKER-ALPHA-7")
    edit(db, "DELETE FROM events WHERE run_id=? AND seq=?", run_id, seq)
    r = cli("audit", "verify", run_id)
    assert r.code == 1
    assert f"BROKEN at seq {seq}: missing or out of order (found seq {seq + 1})" in r.out


def test_swapped_payloads_are_caught(run: tuple[Path, str]) -> None:
    db, run_id = run
    a, b = seq_with(db, run_id, "MARKER-ALPHA-7"), seq_with(db, run_id, "MARKER-BRAVO-8")
    with contextlib.closing(sqlite3.connect(db)) as con:
        pa = con.execute("SELECT payload FROM events WHERE run_id=? AND seq=?", (run_id, a)).fetchone()[0]
        pb = con.execute("SELECT payload FROM events WHERE run_id=? AND seq=?", (run_id, b)).fetchone()[0]
    edit(db, "UPDATE events SET payload=? WHERE run_id=? AND seq=?", pb, run_id, a)
    edit(db, "UPDATE events SET payload=? WHERE run_id=? AND seq=?", pa, run_id, b)
    r = cli("audit", "verify", run_id)
    assert r.code == 1
    assert f"BROKEN at seq {min(a, b)}: content does not match its hash" in r.out


def test_truncated_tail_is_caught(run: tuple[Path, str]) -> None:
    db, run_id = run
    with contextlib.closing(sqlite3.connect(db)) as con:
        (last,) = con.execute("SELECT max(seq) FROM events WHERE run_id=?", (run_id,)).fetchone()
    edit(db, "DELETE FROM events WHERE run_id=? AND seq>=?", run_id, last - 1)
    r = cli("audit", "verify", run_id)
    assert r.code == 1
    assert f"BROKEN at seq {last - 1}: log truncated (index records {last} events)" in r.out


def test_rehashed_tail_with_a_stale_index_is_caught(run: tuple[Path, str]) -> None:
    """Dropping the last event and pointing the index at the new last one is only caught by the head hash."""
    db, run_id = run
    with contextlib.closing(sqlite3.connect(db)) as con:
        (last,) = con.execute("SELECT max(seq) FROM events WHERE run_id=?", (run_id,)).fetchone()
    edit(db, "DELETE FROM events WHERE run_id=? AND seq=?", run_id, last)
    edit(db, "UPDATE runs SET head_seq=? WHERE id=?", last - 1, run_id)
    r = cli("audit", "verify", run_id)
    assert r.code == 1
    assert f"BROKEN at seq {last - 1}: head hash does not match the run index" in r.out


def test_verify_unknown_run_is_bad_input(run: tuple[Path, str]) -> None:
    r = cli("audit", "verify", "no-such-run")
    assert r.code == 2
    assert "no run 'no-such-run'" in r.err
