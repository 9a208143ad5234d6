"""The loans demo plan (seed 000) end to end through the real `golive` command, against SQLite and the real
PostgreSQL on 127.0.0.1:5432 (a database of its own per test): the success path with the sign-off, the
broken build's full rollback, and a corrupted backup that the restore refuses."""

from __future__ import annotations

import json
import os
import re
import secrets
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
from golive.traffic.local import free_ports
from golive.units import format_duration

LOANS = REPO / "examples" / "loans"
PLAN = LOANS / "plan.yaml"
PG = "postgresql://postgres@127.0.0.1:5432"


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
                              text=True, timeout=240, env={**_environ(), **self.env})

    def revision(self) -> str:
        out = subprocess.run([sys.executable, "-m", "flask", "--app", str(LOANS / "app.py"), "db", "current"],
                             cwd=self.cwd, capture_output=True, text=True, timeout=60, env={**_environ(), **self.env})
        assert out.returncode == 0, out.stderr
        return out.stdout.split()[0] if out.stdout.split() else ""

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


SEEDS = Path(os.environ.get("GOLIVE_SEEDS", REPO / "tests" / "seeds"))


def seed_000() -> tuple[list[tuple[int, str, int, str | None]], list[tuple[int, str]]]:
    """Phases (number, name, minutes, Go/No-Go text) and rollback levels (number, name) as seed 000 writes them."""
    found = sorted(SEEDS.glob("000_*.txt"))
    assert found, f"seed 000_*.txt not found in {SEEDS} (set GOLIVE_SEEDS to the seeds folder)"
    text = found[0].read_text(encoding="utf-8")
    heads = list(re.finditer(r"^### Phase (\d+): (.+?) \((\d+) minutes\)", text, re.MULTILINE))
    phases: list[tuple[int, str, int, str | None]] = []
    for i, m in enumerate(heads):
        body = text[m.end():heads[i + 1].start() if i + 1 < len(heads) else text.index("## Post-Deployment")]
        gate = re.search(r"\*\*(?:Final )?Go/No-Go Decision(?: Point)?\*\*: (.+)", body)
        phases.append((int(m.group(1)), m.group(2), int(m.group(3)), gate.group(1).strip() if gate else None))
    levels = [(int(m.group(1)), m.group(2)) for m in re.finditer(r"^### Level (\d+): (.+?) \(", text, re.MULTILINE)]
    return phases, levels


def test_plan_show_has_seed_000_phases_timeboxes_gates_and_levels(tmp_path: Path) -> None:
    phases, levels = seed_000()
    assert len(phases) == 6 and len(levels) == 3  # what seed 000 says; a parse that finds less proves nothing
    r = golive("plan", "show", str(PLAN), cwd=tmp_path)
    assert r.code == 0, r.err
    out = r.out
    rollback_at = out.index("Rollback levels:")
    heads = [f"Phase {n}: {name} [timebox {format_duration(minutes * 60)}" for n, name, minutes, _ in phases]
    assert not [h for h in heads if h not in out], [h for h in heads if h not in out]
    for i, ((n, name, _, gate), head) in enumerate(zip(phases, heads, strict=True)):
        start = out.index(head)
        end = out.index(heads[i + 1]) if i + 1 < len(heads) else rollback_at
        assert start < end, f"phase {n} '{name}' out of order"
        section = out[start:end]
        # the phase's own Go/No-Go decision point, in its own section (seed 000's phase 5 has none)
        assert "GO/NO-GO:" in section, (name, section)
        if gate:
            assert f"GO/NO-GO: {gate}" in section, (name, gate, section)
    final = out[out.index(heads[-1]):rollback_at]
    assert "needs 1 approval(s) from sign-off" in final  # the final decision is a person's sign-off
    rollback = out[rollback_at:]
    for n, name in levels:
        assert f"level {n}: {name.lower()}" in rollback.lower(), (n, name)
    assert "Level 2: Application rollback; covers: Application Deployment, Smoke Testing" in rollback
    assert "Level 3: Database rollback [restores data]; covers: Database Migration" in rollback
    assert "L3.4 restore Restore database from backup" in rollback
    # which level covers which phase: every failure after the migration ends in the database rollback
    for n, name, _, _ in phases:
        line = next((ln for ln in rollback.splitlines() if f"if phase {n} '{name}' fails:" in ln), None)
        assert line is not None and "level 3 'Database rollback'" in line, (n, line)
    # each phase's undo chain is said once and referred to after (the preview stays linear in the plan's size)
    assert "if phase 2 'Application Deployment' fails: undo 2.3, then undo 2.1, then what phase 1 undoes" in rollback
    assert "if phase 1 'Database Migration' fails: undo 1.2, then level 3" in rollback
    assert "if phase 3 'Smoke Testing' fails: what phase 2 undoes, then level 3" in rollback
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
    restore = finished(evs, "L3.4")
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
    evs = events(demo, run_id)
    guard = finished(evs, "L3.1")  # the level's first step checks the backup before stopping anything
    assert guard["status"] == "failed" and "does not match its manifest" in guard["message"]
    assert not [e for e in evs if e["payload"].get("step") in ("L3.2", "L3.3", "L3.4")]
    assert demo.rows("SELECT owner FROM accounts WHERE number = 'ACC-2001'") == [("Late Customer",)]
    # users are still served (by 1.0.0, which the level would have stopped) while a person looks
    with urllib.request.urlopen(f"http://127.0.0.1:{demo.public}/health", timeout=5) as resp:
        assert json.loads(resp.read())["version"] == "1.0.0"


def late_customer(demo: Demo, number: str) -> None:
    """A real customer's write through the front while the run waits for its sign-off."""
    with urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{demo.public}/api/accounts", method="POST",
            data=json.dumps({"number": number, "owner": "Late Customer", "deposit": 5}).encode()),
            timeout=5) as resp:
        assert resp.status == 201


def test_rows_written_between_backup_and_restore_are_reported_lost_in_the_run_log(demo: Demo) -> None:
    before = demo.snapshot()
    r = golive("run", str(PLAN), *demo.args(), cwd=demo.cwd, timeout=300)
    assert r.code == 3, r.out + r.err
    run_id = run_id_of(r.out)
    late_customer(demo, "ACC-2001")  # an account and its opening deposit, written after the backup
    rej = golive("reject", run_id, "--by", "release-manager", "--reason", "numbers look off", cwd=demo.cwd)
    assert rej.code == 0, rej.out + rej.err
    res = golive("resume", run_id, "--no-wait", cwd=demo.cwd, timeout=180)
    assert res.code == 1, res.out + res.err  # rolled back
    assert demo.snapshot() == before  # the database is the backup again: the late customer is gone
    evs = events(demo, run_id)
    restore = finished(evs, "L3.4")
    assert restore["status"] == "succeeded"
    assert restore["detail"]["rows_lost"] == {"accounts": 1, "transactions": 1}
    assert restore["detail"]["tables"]["accounts"] == {"before": 4, "after": 3, "lost": 1}
    assert restore["detail"]["rows_lost_total"] == 2
    restored = [e["payload"] for e in evs if e["type"] == "db.restored"]
    assert restored and restored[-1]["rows_lost"] == {"accounts": 1, "transactions": 1}
    # what a person reads: the human log and the run report both say it
    text = golive("log", run_id, cwd=demo.cwd)
    assert "rows written since the backup and now lost: accounts 1, transactions 1" in text.out
    report = (demo.cwd / ".golive" / "reports" / f"{run_id}.md").read_text(encoding="utf-8")
    assert "now lost: accounts 1, transactions 1" in report
    assert golive("audit", "verify", run_id, cwd=demo.cwd).code == 0


def test_resume_keeps_the_vars_the_run_started_with(demo: Demo) -> None:
    """A resumed run (and the rollback it may do) must use the database and ports it started with, not the plan's
    defaults: a different --var is refused, and a value holding a password is not written to the log."""
    r = golive("run", str(PLAN), *demo.args(), cwd=demo.cwd, timeout=300)
    assert r.code == 3, r.out + r.err
    run_id = run_id_of(r.out)
    created = events(demo, run_id)[0]
    assert created["type"] == "run.created"
    assert created["payload"]["override_values"]["DATABASE_URL"] == demo.url
    other = golive("resume", run_id, "--no-wait", "--var", "PUBLIC_PORT=1", cwd=demo.cwd)
    assert other.code == 2 and "a run keeps the vars it started with" in other.err, other.out + other.err
    same = golive("resume", run_id, "--no-wait", "--var", f"PUBLIC_PORT={demo.public}", cwd=demo.cwd)
    assert same.code == 3, same.out + same.err  # still waiting for the sign-off, nothing changed
    ok = golive("approve", run_id, "--by", "release-manager", "--reason", "fine", cwd=demo.cwd)
    assert ok.code == 0, ok.out + ok.err
    done = golive("resume", run_id, "--no-wait", cwd=demo.cwd, timeout=120)
    assert done.code == 0, done.out + done.err  # the success criterion's sql ran against the run's own database
    assert finished(events(demo, run_id), "criterion.4")["status"] == "succeeded"


def test_a_var_holding_a_password_is_not_stored_and_resume_asks_for_it(workdir: Path) -> None:
    plan = workdir / "plan.yaml"
    plan.write_text(
        "name: vars\nservice: s\nenvironment: e\n"
        "vars:\n  DB: {value: 'sqlite:///x.db'}\n"
        "approvers: {ok: [boss]}\n"
        "phases:\n"
        "  - name: One\n"
        "    steps: ['printf %s \"$DB\" > seen.txt']\n"
        "    gate: {description: sign, approvals: {count: 1, role: ok}}\n")
    url = "postgresql://app:hunter2secret@127.0.0.1:5432/app"
    r = golive("run", "plan.yaml", "--no-wait", "--var", f"DB={url}", cwd=workdir)
    assert r.code == 3, r.out + r.err
    run_id = run_id_of(r.out)
    assert (workdir / "seen.txt").read_text() == url
    written = [f for f in (workdir / ".golive").rglob("*") if f.is_file()]
    assert written and not [f for f in written if b"hunter2secret" in f.read_bytes()]  # the log, its WAL, reports
    assert golive("approve", run_id, "--by", "boss", "--reason", "ok", cwd=workdir).code == 0
    missing = golive("resume", run_id, "--no-wait", cwd=workdir)
    assert missing.code == 2 and "holds a password" in missing.err, missing.out + missing.err
    again = golive("resume", run_id, "--no-wait", "--var", f"DB={url}", cwd=workdir)
    assert again.code == 0, again.out + again.err


def test_a_failure_before_the_migration_rolls_back_nothing_in_the_database(demo: Demo) -> None:
    """The backup fails (its folder cannot be made): no step changed anything yet, so no rollback level runs:
    no restore, the schema never moved, and 1.0.0 keeps serving without being stopped and restarted."""
    (demo.cwd / ".golive").mkdir(exist_ok=True)
    (demo.cwd / ".golive" / "backups").write_text("not a folder\n")
    before = demo.snapshot()
    live_pid = (demo.cwd / ".golive" / "loans" / "loans-1.0.0.pid").read_text()
    r = golive("run", str(PLAN), *demo.args(), cwd=demo.cwd, timeout=300)
    assert r.code == 1, r.out + r.err
    run_id = run_id_of(r.out)
    evs = events(demo, run_id)
    backup = finished(evs, "1.1")
    assert backup["status"] == "failed" and "backup of" in backup["message"], backup
    assert not [e for e in evs if e["type"] == "step.started" and e["payload"]["step"] != "1.1"]
    started = [e["payload"] for e in evs if e["type"] == "rollback.started"]
    assert all(s.get("level") is None and not s.get("actions") for s in started), started
    assert demo.revision() == "0001" and "loans" not in demo.tables()
    assert demo.snapshot() == before
    assert demo.version() == "1.0.0"
    assert (demo.cwd / ".golive" / "loans" / "loans-1.0.0.pid").read_text() == live_pid  # never bounced
    assert golive("audit", "verify", run_id, cwd=demo.cwd).code == 0


def demo_script(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """examples/loans/demo.py, what ./scripts/demo and ./scripts/demo-broken run, with no stdin (as in CI)."""
    env = {k: v for k, v in _environ().items() if k not in ("GOLIVE_USER", "GOLIVE_STORE")}
    return subprocess.run([sys.executable, str(LOANS / "demo.py"), "--dir", str(directory), *args],
                          cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


def test_the_readme_demo_succeeds_twice_and_ends_with_the_run_log(tmp_path: Path) -> None:
    for _ in range(2):  # the second run resets the first one's state
        r = demo_script(tmp_path / "demo")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "run log: " in r.stdout and "succeeded" in r.stdout and "audit chain intact" in r.stdout
        tail = r.stdout.strip().splitlines()
        where = max(i for i, line in enumerate(tail) if line.startswith("run log: "))
        assert tail[where] == f"run log: {tmp_path / 'demo' / 'golive.db'}"
        assert all(line.startswith("  ") for line in tail[where + 1:]), tail[where:]  # nothing after but its hints
        assert "separation of duties" in (r.stdout + r.stderr)
    assert not list((tmp_path / "demo" / "loans").glob("loans-*.pid"))  # services stopped


def test_the_broken_build_demo_exits_0_after_the_full_rollback(tmp_path: Path) -> None:
    r = demo_script(tmp_path / "broken", "--broken")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "users reach version 1.0.0" in r.stdout and "schema revision 0001" in r.stdout
    assert "exactly as before the deployment: yes" in r.stdout
    assert "rolled back as designed" in r.stdout
