"""The loans demo plan (seed 000) end to end through the real `golive` command, against SQLite and the real
PostgreSQL on 127.0.0.1:5432 (a database of its own per test): the success path with the sign-off, the
broken build's full rollback, and a corrupted backup that the restore refuses."""

from __future__ import annotations

import json
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from conftest import REPO, golive

LOANS = REPO / "examples" / "loans"
PLAN = LOANS / "plan.yaml"
PG = "postgresql://postgres@127.0.0.1:5432"


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class Demo:
    cwd: Path
    url: str
    public: int
    old: int
    new: int

    @property
    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url}

    def args(self, *extra: str) -> list[str]:
        out = ["--no-wait"]
        for k, v in {"LOANS": str(LOANS), "PYTHON": sys.executable, "DATABASE_URL": self.url,
                     "PUBLIC_PORT": str(self.public), "OLD_PORT": str(self.old), "NEW_PORT": str(self.new)}.items():
            out += ["--var", f"{k}={v}"]
        return [*out, *extra]

    def ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(LOANS / "loansctl.py"), *args], cwd=self.cwd, capture_output=True,
                              text=True, timeout=60, env={**_environ(), **self.env})

    def revision(self) -> str:
        out = subprocess.run([sys.executable, str(LOANS / "migrate.py"), "current"], cwd=self.cwd,
                             capture_output=True, text=True, timeout=60, env={**_environ(), **self.env})
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite:///"):
            conn = sqlite3.connect(self.cwd / self.url[len("sqlite:///"):])
            try:
                return [tuple(r) for r in conn.execute(query).fetchall()]
            finally:
                conn.close()
        with psycopg.connect(self.url) as pconn:
            return [tuple(r) for r in pconn.execute(query).fetchall()]

    def tables(self) -> set[str]:
        if self.url.startswith("sqlite:///"):
            return {r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {r[0] for r in self.rows("SELECT table_name FROM information_schema.tables"
                                        " WHERE table_schema = 'public'")}

    def version(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.public}/health", timeout=5) as resp:
            return str(json.loads(resp.read())["version"])

    def snapshot(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        return (self.rows("SELECT id, number, owner, balance_cents FROM accounts ORDER BY id"),
                self.rows("SELECT id, account_id, kind, amount_cents, balance_after_cents FROM transactions"
                          " ORDER BY id"))


def _environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}


def run_id_of(out: str) -> str:
    m = re.search(r"run (\d{8}-\d{6}-[0-9a-f]{4})", out)
    assert m, f"no run id in output:\n{out}"
    return m.group(1)


def events(demo: Demo, run_id: str) -> list[dict[str, Any]]:
    r = golive("log", run_id, "--json", cwd=demo.cwd)
    assert r.code == 0, r.err
    return [json.loads(line) for line in r.out.splitlines() if line.strip()]


def finished(evs: list[dict[str, Any]], step: str) -> dict[str, Any]:
    found = [e["payload"] for e in evs if e["type"] == "step.finished" and e["payload"]["step"] == step]
    assert found, f"step {step} never finished"
    return found[-1]


@pytest.fixture(params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, workdir: Path) -> Iterator[Demo]:
    """1.0.0 live with sample customers behind the front, as the plan expects to find it."""
    dbname = None
    if request.param == "postgresql":
        dbname = f"golive_test_{secrets.token_hex(4)}"
        try:
            with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        except psycopg.OperationalError as exc:
            pytest.fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 (this test needs the real server): {exc}")
        url = f"{PG}/{dbname}"
    else:
        url = "sqlite:///.golive/loans/loans.db"
    public, old, new = free_ports(3)
    d = Demo(workdir, url, public, old, new)
    try:
        setup = d.ctl("setup", "--state", ".golive/loans", "--old-port", str(old), "--public-port", str(public))
        assert setup.returncode == 0, setup.stdout + setup.stderr
        yield d
    finally:
        d.ctl("teardown", "--state", ".golive/loans")
        if dbname:
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


def test_plan_show_has_seed_000_phases_timeboxes_gates_and_levels(tmp_path: Path) -> None:
    r = golive("plan", "show", str(PLAN), cwd=tmp_path)
    assert r.code == 0, r.err
    out = r.out
    phases = [("Database Migration", "30m00s", "Database schema successfully deployed"),
              ("Application Deployment", "45m00s", "Application successfully deployed and running"),
              ("Smoke Testing", "30m00s", "All smoke tests passing"),
              ("Feature Validation", "45m00s", "All validations passing"),
              ("Monitoring Setup", "30m00s", None),
              ("Final Validation", "1h00m", "Production deployment successful")]
    pos = 0
    for i, (name, box, gate) in enumerate(phases, 1):
        head = f"Phase {i}: {name} [timebox {box}"
        assert head in out, head
        assert out.index(head) > pos, f"phase {name} out of order"
        pos = out.index(head)
        if gate:
            assert gate in out[pos:]
    assert "needs 1 approval(s) from sign-off" in out
    assert "Level 1: Configuration rollback" in out
    assert "Level 2: Application rollback; covers: Application Deployment, Smoke Testing" in out
    assert "Level 3: Database rollback [restores data]; covers: Database Migration" in out
    assert "L3.3 restore Restore database from backup" in out
    assert "if phase 3 'Smoke Testing' fails: undo 2.3, then undo 2.1, then undo 1.2, then level 3" in out
    assert "undo: migrate down to the revision recorded before the migration" in out


def test_success_path_with_sign_off(demo: Demo) -> None:
    before = demo.snapshot()
    r = golive("run", str(PLAN), *demo.args(), cwd=demo.cwd, timeout=300)
    assert r.code == 3, r.out + r.err  # waiting for the sign-off
    run_id = run_id_of(r.out)
    own = golive("approve", run_id, "--by", "tester", "--reason", "me", cwd=demo.cwd)
    assert own.code != 0 and "separation of duties" in (own.out + own.err)
    ok = golive("approve", run_id, "--by", "release-manager", "--reason", "smoke and maths fine", cwd=demo.cwd)
    assert ok.code == 0, ok.out + ok.err
    done = golive("resume", run_id, "--no-wait", cwd=demo.cwd, timeout=120)
    assert done.code == 0, done.out + done.err
    assert demo.version() == "1.1.0"
    assert demo.revision() == "0002"
    assert {"accounts", "loans", "loan_events", "transactions"} <= demo.tables()
    assert demo.snapshot() == before  # customers untouched, smoke-test data removed
    evs = events(demo, run_id)
    backup = finished(evs, "1.1")["detail"]
    assert backup["verified"] is True and len(backup["sha256"]) == 64 and backup["size"] > 0
    assert backup["tables"]["accounts"] == 3 and backup["tables"]["transactions"] == 6
    migrate = finished(evs, "1.2")["detail"]
    assert (migrate["revision_before"], migrate["revision_after"]) == ("0001", "0002")
    assert golive("audit", "verify", run_id, cwd=demo.cwd).code == 0


def test_broken_build_rolls_back_everything_and_keeps_every_row(demo: Demo) -> None:
    before = demo.snapshot()
    r = golive("run", str(PLAN), *demo.args("--var", "BROKEN=1"), cwd=demo.cwd, timeout=300)
    assert r.code == 1, r.out + r.err
    assert "3.3" in r.out and "status 500" in r.out
    assert "run ROLLED BACK" in r.out
    run_id = run_id_of(r.out)
    assert demo.version() == "1.0.0"
    assert demo.revision() == "0001"
    assert "loans" not in demo.tables()
    assert demo.snapshot() == before
    assert not (demo.cwd / ".golive" / "loans" / "loans-1.1.0.pid").exists()
    evs = events(demo, run_id)
    started = next(e["payload"] for e in evs if e["type"] == "rollback.started")
    assert started["level"] == 3
    assert [a["id"] for a in started["actions"]][:3] == ["2.3.undo", "2.1.undo", "1.2.undo"]
    assert finished(evs, "1.2.undo")["detail"]["revision_after"] == "0001"
    # the smoke test's account and its opening deposit were written after the backup: reported as lost
    restore = finished(evs, "L3.3")
    assert restore["status"] == "succeeded"
    assert restore["detail"]["rows_lost"] == {"accounts": 1, "transactions": 1}
    assert "now lost: accounts 1, transactions 1" in restore["message"]
    assert golive("audit", "verify", run_id, cwd=demo.cwd).code == 0


def test_corrupted_backup_is_refused_and_nothing_is_overwritten(demo: Demo) -> None:
    r = golive("run", str(PLAN), *demo.args(), cwd=demo.cwd, timeout=300)
    assert r.code == 3, r.out + r.err
    run_id = run_id_of(r.out)
    backups = [p for p in (demo.cwd / ".golive" / "backups" / run_id).iterdir() if not p.name.endswith(".json")]
    assert len(backups) == 1
    data = bytearray(backups[0].read_bytes())
    data[len(data) // 2] ^= 0x55
    backups[0].write_bytes(bytes(data))
    # a customer arrives while the sign-off is pending
    with urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{demo.public}/api/accounts", method="POST",
            data=json.dumps({"number": "ACC-2001", "owner": "Late Customer", "deposit": 5}).encode()),
            timeout=5) as resp:
        assert resp.status == 201
    rej = golive("reject", run_id, "--by", "release-manager", "--reason", "numbers look off", cwd=demo.cwd)
    assert rej.code == 0, rej.out + rej.err
    res = golive("resume", run_id, "--no-wait", cwd=demo.cwd, timeout=180)
    assert res.code == 4, res.out + res.err  # rollback failed: a person must look
    restore = finished(events(demo, run_id), "L3.3")
    assert restore["status"] == "failed"
    assert "restore refused" in restore["message"] and "does not match its manifest" in restore["message"]
    assert demo.rows("SELECT owner FROM accounts WHERE number = 'ACC-2001'") == [("Late Customer",)]
