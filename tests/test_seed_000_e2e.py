"""Seed 000 end to end, as imported: `golive import` of tests/seeds/000_*.txt with one small overrides file for
the demo host, run on that host (examples/loans/host.py: the Flask app deployed from a git checkout of its
origin, Flask-Migrate, PostgreSQL database `banking_app`, a stand-in for `systemctl`), with people answering
the checklists truthfully: they do what each item says against the live service and say no when it fails.

The good build reaches `succeeded`; the broken build is caught by the people at the smoke tests, and golive
rolls back to 1.0.0, schema 0001, every row as before.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from conftest import REPO, Result, golive
from golive.plan.loader import parse_plan_text
from golive.traffic.local import free_ports

LOANS = REPO / "examples" / "loans"
PG = "postgresql://postgres@127.0.0.1:5432"
DATABASE = "banking_app"  # the name seed 000 gives it (`pg_dump -h $DB_HOST -U $DB_USER banking_app`)
SEED = sorted((REPO / "tests" / "seeds").glob("000_*.txt"))

# Everything the document cannot know about this host. Counted in the notes: 7 lines.
OVERRIDES = """\
service: banking-app
environment: demo
window: null
approvers: {{Database Administrator: [dana], DevOps Engineer: [devon], QA Lead: [quinn]}}
replace:
  https://app.example.com: http://127.0.0.1:{port}
  sudo systemctl: {python} {loans}/host.py --home {home}
"""


@dataclass
class Host:
    home: Path
    port: int
    env: dict[str, str]
    broken: bool
    confirmations: int = 0
    answers: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def app(self) -> Path:
        return self.home / "app"

    def golive(self, *args: str, timeout: float = 600) -> Result:
        return golive(*args, cwd=self.app, env=self.env, timeout=timeout)

    def call(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method="GET" if body is None else "POST",
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def revision(self) -> str:
        import subprocess

        env = {**os.environ, **self.env, "DATABASE_URL": self.env["PRODUCTION_DATABASE_URL"]}
        out = subprocess.run([sys.executable, "-m", "flask", "db", "current"], cwd=self.app, env=env,
                             capture_output=True, text=True, timeout=300, check=True)
        return out.stdout.split()[0] if out.stdout.split() else ""

    def rows(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], set[str]]:
        with psycopg.connect(f"{PG}/{DATABASE}") as conn:
            accounts = conn.execute("SELECT id, number, owner, balance_cents FROM accounts ORDER BY id").fetchall()
            moves = conn.execute("SELECT id, account_id, kind, amount_cents, balance_after_cents FROM transactions"
                                 " ORDER BY id").fetchall()
            tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables"
                                                 " WHERE table_schema = 'public'")}
        return [tuple(r) for r in accounts], [tuple(r) for r in moves], tables


def _ok(status: int, want: int, what: str, data: Any) -> str | None:
    return None if status == want else f"{what} answered {status}, expected {want}: {data}"


def truthful_answers(h: Host) -> dict[str, Callable[[], str | None]]:
    """What a person does for each item a program here can do too: None = yes, text = no, and why. Items not
    listed (look at dashboards, brief the support team...) are done by hand and answered yes."""
    loan = {"reference": "SMOKE-LOAN-0001", "account": "SMOKE-0001", "principal": 12000, "annualInterestRate": 12,
            "tenureMonths": 12}

    def step(path: str, want: int, body: dict[str, Any] | None = None) -> Callable[[], str | None]:
        def do() -> str | None:
            status, data = h.call(path, body)
            return _ok(status, want, f"{'GET' if body is None else 'POST'} {path}", data)
        return do

    def emi() -> str | None:
        status, data = h.call("/api/loans/emi", {"principal": 500000, "annualInterestRate": 12, "tenureMonths": 12})
        return None if status == 200 and data["emi"] == 44424.39 else f"EMI of 500000 at 12% over 12: {data}"

    def logs() -> str | None:
        text = (h.home / "run" / "loans-banking-app.log").read_text(errors="replace")
        return "a traceback in the service's log" if "Traceback" in text else None

    return {
        "Verify application responds to HTTP requests": step("/health", 200),
        "Check application logs for errors": logs,
        "Verify database connectivity": step("/health", 200),
        "Create test account": step("/api/accounts", 201, {"number": "SMOKE-0001", "owner": "Smoke", "deposit": 1000}),
        "Submit test loan application": step("/api/loans", 201, loan),
        "Approve test loan": step("/api/loans/SMOKE-LOAN-0001/approve", 200, {}),
        "Disburse test loan": step("/api/loans/SMOKE-LOAN-0001/disburse", 200, {}),
        "Make test payment": step("/api/loans/SMOKE-LOAN-0001/pay", 200, {}),
        "View transaction history": step("/api/accounts/SMOKE-0001/transactions", 200),
        "Test loan calculation accuracy": emi,
        "Verify transaction recording": step("/api/loans/SMOKE-LOAN-0001/history", 200),
    }


def drive(h: Host, plan: Path) -> tuple[str, int]:
    """Run the plan and answer every checklist as the people would, until the run ends."""
    parsed = parse_plan_text(plan.read_text(encoding="utf-8"), str(plan))
    checks = truthful_answers(h)
    r = h.golive("run", str(plan), "--no-wait")
    run = next(w for line in r.out.splitlines() for w in line.split() if w.count("-") == 2 and w[:8].isdigit())
    code = r.code
    while code == 3:
        status = json.loads(h.golive("status", run, "--json").out)
        waiting = status["waiting"]
        assert waiting and waiting.get("step"), (status, r.out + r.err)
        pi, si = (int(x) for x in waiting["step"].split("."))
        items = [(f"{pi}.{n}", s.manual.instruction) for n, s in enumerate(parsed.phases[pi - 1].steps, 1)
                 if n >= si and s.kind == "manual" and not s.manual.done]  # type: ignore[attr-defined]
        answers: list[tuple[str, str | None]] = []
        for sid, text in items:  # the phase's checklist, gone through in order; a "no" ends it
            answers.append((sid, checks[text]() if text in checks else None))
            h.answers.append((text, answers[-1][1]))
            if answers[-1][1] is not None:
                break
        if all(no is None for _, no in answers):
            c = h.golive("confirm", run, "--phase", str(pi), "--by", "quinn", "--reason", "done and checked")
            assert c.code == 0, c.out + c.err
            h.confirmations += 1
        else:
            for sid, no in answers:  # one by one up to the failed item (confirm takes the item the run waits at)
                args = ["--failed", "--reason", no] if no else ["--reason", "done and checked"]
                c = h.golive("confirm", run, sid, "--by", "quinn", *args)
                assert c.code == 0, c.out + c.err
                h.confirmations += 1
                r = h.golive("resume", run, "--no-wait")
                if no is None:
                    assert r.code == 3, r.out + r.err
            code = r.code
            break
        r = h.golive("resume", run, "--no-wait")
        code = r.code
    assert code in (0, 1), r.out + r.err
    return run, code


@pytest.fixture(params=["good", "broken"])
def host(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Host]:
    """The demo host with 1.0.0 serving and the 1.1.0 release staged. The database has seed 000's name, so
    tests that use it take turns (a PostgreSQL advisory lock held for the whole test)."""
    assert SEED, "tests/seeds/000_*.txt is missing"
    try:
        lock = psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable on 127.0.0.1:5432 (this test needs the real server): {exc}")
    lock.execute("SELECT pg_advisory_lock(hashtext('golive-test-banking_app'))")
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE))
    lock.execute(drop)
    lock.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    bin_dir = str(Path(sys.executable).parent)
    home, port = tmp_path / "host", free_ports(1)[0]
    url = f"{PG}/{DATABASE}"
    env = {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "GOLIVE_STORE": str(tmp_path / "golive.db"),
           # what the document reads from the operator's environment ($DB_HOST, $PRODUCTION_SECRET_KEY, ...)
           "DB_HOST": "127.0.0.1", "DB_USER": "postgres", "PRODUCTION_DATABASE_URL": url,
           "PRODUCTION_SECRET_KEY": "new-secret-key-0001", "PREVIOUS_SECRET_KEY": "old-secret-key-0000",
           "PREVIOUS_RELEASE_TAG": "v1.0.0"}
    import subprocess

    ctl = [sys.executable, str(LOANS / "host.py"), "--home", str(home)]
    try:
        setup = subprocess.run([*ctl, "setup", "--port", str(port), "--database", url,
                                *(["--broken"] if request.param == "broken" else [])],
                               env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        yield Host(home, port, {**env}, broken=request.param == "broken")
    finally:
        subprocess.run([*ctl, "teardown"], capture_output=True, timeout=120)
        lock.execute(drop)
        lock.close()


def imported(h: Host) -> tuple[Path, Result]:
    overrides = h.home / "overrides.yaml"
    overrides.write_text(OVERRIDES.format(port=h.port, python=sys.executable, loans=LOANS, home=h.home))
    plan = h.home / "plan.yaml"
    r = golive("import", str(SEED[0]), "--overrides", str(overrides), "-o", str(plan), cwd=h.home)
    assert r.code == 0, r.out + r.err
    return plan, r


def test_overrides_are_few() -> None:
    assert len(OVERRIDES.splitlines()) <= 10


def test_seed_000_imported_runs_on_the_demo_host(host: Host) -> None:
    plan, imp = imported(host)
    assert "(6 places)" in imp.out and "(2 places)" in imp.out  # every `sudo systemctl` and every URL
    before = host.rows()
    assert host.call("/health")[1]["version"] == "1.0.0" and host.revision() == "0001"
    run, code = drive(host, plan)
    evs = [json.loads(line) for line in host.golive("log", run, "--json").out.splitlines() if line.strip()]
    done = {e["payload"]["step"]: e["payload"] for e in evs if e["type"] == "step.finished"}
    assert done["2.1"]["detail"]["verified"] is True  # pg_dump became golive's verified backup
    assert (done["2.2"]["detail"]["revision_before"], done["2.2"]["detail"]["revision_after"]) == ("0001", "0002")
    if not host.broken:
        assert code == 0, host.golive("log", run).out
        assert host.call("/health")[1]["version"] == "1.1.0" and host.revision() == "0002"
        assert {"loans", "loan_events"} <= host.rows()[2]
        assert host.confirmations == 5  # one checklist per phase with open items, not one command per item
        return
    # the broken build: "Submit test loan application" fails for the person doing it, who says so
    assert code == 1, host.golive("log", run).out
    failed = [t for t, no in host.answers if no]
    assert failed == ["Submit test loan application"], host.answers
    assert done["4.5"]["status"] == "failed" and "POST /api/loans answered 500" in done["4.5"]["message"]
    started = next(e["payload"] for e in evs if e["type"] == "rollback.started")
    assert started["level"] == 3 and started["actions"][0]["id"] == "2.2.undo"
    assert host.call("/health")[1]["version"] == "1.0.0"
    assert host.revision() == "0001"
    accounts, moves, tables = host.rows()
    assert (accounts, moves) == before[:2]  # the smoke test's account is gone with the restore; customers kept
    assert "loans" not in tables
    assert done["L3.2"]["detail"]["rows_lost"] == {"accounts": 1, "transactions": 1}
    assert host.golive("audit", "verify", run).code == 0
