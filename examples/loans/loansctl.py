"""Start, stop and switch the loans demo services. Every process runs in the background with its pid file
and log under --state (the run's directory), so a plan's undo and rollback steps can stop exactly them.

    loansctl.py setup   --state DIR --old-port 18081 --public-port 18080   # 1.0.0 with sample data + front
    loansctl.py start   --state DIR --version 1.1.0 --port 18082          # waits until /health answers
    loansctl.py switch  --state DIR --port 18082                          # the front now sends traffic there
    loansctl.py stop    --state DIR --name 1.1.0                          # or: front
    loansctl.py purge-smoke --account SMOKE-0001                          # remove smoke-test data
    loansctl.py sample                                                    # three customers (empty database)
    loansctl.py revision                                                  # = flask db current, without Flask
    loansctl.py teardown --state DIR                                      # stop everything started here
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
START_DEADLINE = 90.0  # a Flask app on a loaded machine
STOP_DEADLINE = 10.0


def _pidfile(state: Path, name: str) -> Path:
    return state / f"loans-{name}.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours is not alive
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _read_pid(state: Path, name: str) -> int | None:
    try:
        return int(_pidfile(state, name).read_text().strip())
    except (OSError, ValueError):
        return None


def _health(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
            data = json.loads(resp.read())
            return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def start(state: Path, name: str, port: int, argv: list[str], expect_version: str | None,
          script: Path = HERE / "app.py", cwd: Path | None = None, env: dict[str, str] | None = None) -> int:
    state.mkdir(parents=True, exist_ok=True)
    pid = _read_pid(state, name)
    if pid and _alive(pid):
        health = _health(port)
        if health and (expect_version is None or health.get("version") == expect_version):
            print(f"{name} already running (pid {pid}) on port {port}")
            return 0
        print(f"{name} has a live pid {pid} but does not answer on port {port}", file=sys.stderr)
        return 1
    log = (state / f"loans-{name}.log").open("ab")
    proc = subprocess.Popen([sys.executable, str(script), *argv], stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log, start_new_session=True, cwd=cwd or os.getcwd(), env={**os.environ, **(env or {})})
    _pidfile(state, name).write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _pidfile(state, name).unlink(missing_ok=True)
            tail = (state / f"loans-{name}.log").read_text(errors="replace").strip().splitlines()[-5:]
            print(f"{name} exited with {proc.returncode} while starting:\n" + "\n".join(tail), file=sys.stderr)
            return 1
        health = _health(port) if expect_version is not None else ({} if _port_open(port) else None)
        if health is not None and (expect_version is None or health.get("version") == expect_version):
            print(f"{name} started (pid {proc.pid}) on 127.0.0.1:{port}")
            return 0
        time.sleep(0.1)
    proc.terminate()
    print(f"{name} did not become healthy on port {port} within {START_DEADLINE:g}s", file=sys.stderr)
    return 1


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def stop(state: Path, name: str) -> int:
    pid = _read_pid(state, name)
    if pid is None or not _alive(pid):
        _pidfile(state, name).unlink(missing_ok=True)
        print(f"{name} is not running")
        return 0
    for sig, wait in ((signal.SIGTERM, STOP_DEADLINE), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.05)
        if not _alive(pid):
            break
    if _alive(pid):
        print(f"{name} (pid {pid}) would not stop", file=sys.stderr)
        return 1
    _pidfile(state, name).unlink(missing_ok=True)
    print(f"{name} stopped (pid {pid})")
    return 0


def switch(state: Path, port: int) -> int:
    """Atomically point the front at `port`, after checking something healthy listens there."""
    health = _health(port)
    if health is None:
        print(f"nothing healthy on port {port}; not switching", file=sys.stderr)
        return 1
    tmp = state / "active_port.tmp"
    tmp.write_text(f"{port}\n")
    tmp.replace(state / "active_port")
    print(f"traffic now goes to port {port} (version {health.get('version')})")
    return 0


SAMPLE = [("ACC-1001", "Asha Rao", [("deposit", 250000), ("withdrawal", 40000)]),
          ("ACC-1002", "Ben Okafor", [("deposit", 1200000)]),
          ("ACC-1003", "Chen Wei", [("deposit", 50000), ("deposit", 75000), ("withdrawal", 10000)])]


def sample() -> int:
    """Three customers with their transactions, unless there are customers already."""
    from loansdb import DB

    with DB() as db:
        if not db.all("SELECT id FROM accounts LIMIT 1"):
            for number, owner, moves in SAMPLE:
                aid = db.insert("INSERT INTO accounts (number, owner, balance_cents, created_at)"
                                " VALUES (?, ?, 0, '2025-11-01T00:00:00+00:00')", (number, owner))
                balance = 0
                for kind, amount in moves:
                    balance += amount if kind == "deposit" else -amount
                    db.run("INSERT INTO transactions (account_id, kind, amount_cents, balance_after_cents, memo,"
                           " created_at) VALUES (?, ?, ?, ?, 'sample', '2025-11-01T00:00:00+00:00')",
                           (aid, kind, amount, balance))
                db.run("UPDATE accounts SET balance_cents = ? WHERE id = ?", (balance, aid))
    return 0


def revision() -> int:
    """The schema revision, as `flask db current` prints it (Alembic's alembic_version), without starting Flask."""
    from loansdb import DB

    with DB() as db:
        row = db.one("SELECT version_num FROM alembic_version") if "alembic_version" in db.tables() else None
    print(row["version_num"] if row else "")
    return 0


def setup(state: Path, old_port: int, public_port: int) -> int:
    """The world before the deployment: schema 0001, some customers, 1.0.0 live behind the front."""
    from app import app
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(revision="0001")
    sample()
    if start(state, "1.0.0", old_port, ["--version", "1.0.0", "--port", str(old_port)], "1.0.0"):
        return 1
    if not (state / "active_port").exists():
        (state / "active_port").write_text(f"{old_port}\n")
    return start(state, "front", public_port, ["--port", str(public_port), "--state", str(state)], None,
                 script=HERE / "front.py")


def purge_smoke(account: str) -> int:
    if not account.startswith("SMOKE-"):
        print("refusing: only SMOKE-* test accounts can be purged", file=sys.stderr)
        return 1
    from loansdb import DB

    with DB() as db:
        row = db.one("SELECT id FROM accounts WHERE number = ?", (account,))
        if row is None:
            print(f"no smoke-test account {account}")
            return 0
        if "loans" in db.tables():
            db.run("DELETE FROM loan_events WHERE loan_id IN (SELECT id FROM loans WHERE account_id = ?)", (row["id"],))
            db.run("DELETE FROM loans WHERE account_id = ?", (row["id"],))
        n = db.run("DELETE FROM transactions WHERE account_id = ?", (row["id"],)).rowcount
        db.run("DELETE FROM accounts WHERE id = ?", (row["id"],))
    print(f"removed smoke-test account {account} and its {n} transaction(s)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("setup", "start", "switch", "stop", "teardown", "purge-smoke", "sample", "revision"):
        sp = sub.add_parser(name)
        if name not in ("purge-smoke", "sample", "revision"):
            sp.add_argument("--state", type=Path, required=True)
    sub.choices["setup"].add_argument("--old-port", type=int, required=True)
    sub.choices["setup"].add_argument("--public-port", type=int, required=True)
    sub.choices["start"].add_argument("--version", required=True, choices=["1.0.0", "1.1.0"])
    sub.choices["start"].add_argument("--port", type=int, required=True)
    sub.choices["switch"].add_argument("--port", type=int, required=True)
    sub.choices["stop"].add_argument("--name", required=True)
    sub.choices["purge-smoke"].add_argument("--account", required=True)
    args = ap.parse_args()
    if args.cmd == "setup":
        return setup(args.state, args.old_port, args.public_port)
    if args.cmd == "start":
        return start(args.state, args.version, args.port, ["--version", args.version, "--port", str(args.port)],
                     args.version)
    if args.cmd == "switch":
        return switch(args.state, args.port)
    if args.cmd == "stop":
        return stop(args.state, args.name)
    if args.cmd == "purge-smoke":
        return purge_smoke(args.account)
    if args.cmd == "sample":
        return sample()
    if args.cmd == "revision":
        return revision()
    return main_teardown(args.state)


def main_teardown(state: Path) -> int:
    code = 0
    for pidfile in sorted(state.glob("loans-*.pid")):
        code |= stop(state, pidfile.name[len("loans-"):-len(".pid")])
    return code


if __name__ == "__main__":
    sys.exit(main())
