"""The README demo, driven the way a person would at a terminal: seed 000's plan (plan.yaml) on the embedded
default (SQLite run log, local target, SQLite bank database), every golive command printed before it runs.

    python demo.py            # 1.0.0 -> 1.1.0, signed sign-off by a second person, audit verified (exit 0)
    python demo.py --broken   # the broken 1.1.0 build: smoke tests fail, full rollback, checked (exit 0)

Each demo lives in one directory (.golive/demo or .golive/demo-broken under the repository) that is reset
first, so it can be run again and again; services it starts are stopped when it ends. Ports are picked free,
so it does not collide with anything else on the machine. The demo makes two people's SSH keys (demo-operator,
release-manager) and the runner's key in that directory, lists them in an allowed_signers file, and every
decision is signed with them: the log verifies offline (audit export + verify --bundle).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from golive.traffic.local import free_ports

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PLAN = HERE / "plan.yaml"
INITIATOR = "demo-operator"
APPROVER = "release-manager"  # the plan's sign-off role; separation of duties: not the initiator
Rows = list[tuple[Any, ...]]


class Demo:
    def __init__(self, directory: Path, golive: Path) -> None:
        self.dir = directory
        self.state = directory / "loans"
        self.store = directory / "golive.db"
        self.golive = golive
        self.url = f"sqlite:///{self.state / 'loans.db'}"  # absolute path: sqlite:////...
        self.public, self.old, self.new = free_ports(3)
        self.keys = directory / "keys"
        self.env = {**os.environ, "GOLIVE_USER": INITIATOR, "GOLIVE_STORE": str(self.store),
                    "DATABASE_URL": self.url, "GOLIVE_SIGNERS": str(self.keys / "allowed_signers"),
                    "GOLIVE_RUNNER_KEY": str(self.keys / "runner_ed25519"),
                    "GOLIVE_WITNESS_DIR": str(directory / "witness")}
        self.env.pop("SSH_AUTH_SOCK", None)  # sign with the demo's key files, not whatever the agent holds

    # -- helpers --------------------------------------------------------------------------------
    def sh(self, argv: list[str], *, show: bool = True, quiet: bool = False, **env: str) -> int:
        """Run a command in the demo directory, printing it first as the person would type it."""
        if show:
            shown = " ".join(shlex.quote(a) for a in argv).replace(str(self.golive), "golive")
            prefix = " ".join(f"{k}={v}" for k, v in env.items())
            print(f"\n$ {prefix + ' ' if prefix else ''}{shown}", flush=True)
        out = subprocess.DEVNULL if quiet else None
        return subprocess.run(argv, cwd=self.dir, env={**self.env, **env}, stdout=out, check=False).returncode

    def ctl(self, *args: str) -> int:
        return self.sh([sys.executable, str(HERE / "loansctl.py"), *args], show=False, quiet=True)

    def vars(self, *extra: str) -> list[str]:
        out: list[str] = []
        for k, v in {"LOANS": str(HERE), "PYTHON": sys.executable, "STATE": str(self.state),
                     "DATABASE_URL": self.url, "PUBLIC_PORT": str(self.public), "OLD_PORT": str(self.old),
                     "NEW_PORT": str(self.new)}.items():
            out += ["--var", f"{k}={v}"]
        return [*out, *extra]

    def rows(self, query: str) -> Rows:
        conn = sqlite3.connect(self.state / "loans.db")
        try:
            return [tuple(r) for r in conn.execute(query).fetchall()]
        finally:
            conn.close()

    def snapshot(self) -> tuple[Rows, Rows]:
        return (self.rows("SELECT id, number, owner, balance_cents FROM accounts ORDER BY id"),
                self.rows("SELECT id, account_id, kind, amount_cents, balance_after_cents FROM transactions"
                          " ORDER BY id"))

    def live_version(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.public}/health", timeout=5) as resp:
            return str(json.loads(resp.read())["version"])

    def revision(self) -> str:
        rows = self.rows("SELECT version_num FROM alembic_version")  # what `flask db current` prints
        return str(rows[0][0]) if rows else "(none)"

    def last_run(self) -> str:
        out = subprocess.run([str(self.golive), "runs", "--json", "--limit", "1"], cwd=self.dir, env=self.env,
                             capture_output=True, text=True, timeout=60, check=True)
        return str(json.loads(out.stdout)[0]["run"])

    def events(self, run_id: str) -> list[dict[str, Any]]:
        out = subprocess.run([str(self.golive), "log", run_id, "--json"], cwd=self.dir, env=self.env,
                             capture_output=True, text=True, timeout=60, check=True)
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    # -- life cycle -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Stop what an earlier demo left running, then start from nothing: a second demo works like the first."""
        if self.state.is_dir():
            self.ctl("teardown", "--state", str(self.state))
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)

    def make_keys(self) -> None:
        """Two people's keys and the runner's, as a team would have them, and the allowed_signers file naming them."""
        print(f"==> keys: {INITIATOR} and {APPROVER} (ssh-keygen), the runner's (golive keygen), in {self.keys}",
              flush=True)
        self.keys.mkdir(parents=True, exist_ok=True)
        lines = []
        for who in (INITIATOR, APPROVER):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f", str(self.keys / who)],
                           check=True, stdin=subprocess.DEVNULL)
            lines.append(f"{who} {' '.join((self.keys / f'{who}.pub').read_text().split()[:2])}")
        subprocess.run([str(self.golive), "keygen", "-o", str(self.keys / "runner_ed25519")], env=self.env,
                       check=True, stdout=subprocess.DEVNULL)
        runner = (self.keys / "runner_ed25519.pub").read_text().split()[:2]
        lines.append(f"golive-runner {' '.join(runner)}")
        (self.keys / "allowed_signers").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def setup(self) -> None:
        print(f"==> 1.0.0 live with three customers: front 127.0.0.1:{self.public} -> 1.0.0 on port {self.old}"
              f" (database {self.state / 'loans.db'})", flush=True)
        if self.ctl("setup", "--state", str(self.state), "--old-port", str(self.old),
                    "--public-port", str(self.public)):
            raise SystemExit(f"could not start the demo service; see {self.state}/loans-*.log")

    def teardown(self) -> None:
        if self.state.is_dir() and any(self.state.glob("loans-*.pid")):
            self.ctl("teardown", "--state", str(self.state))
            print("\n==> demo services stopped", flush=True)

    def where(self, run_id: str) -> None:
        rel = self.store.relative_to(ROOT) if self.store.is_relative_to(ROOT) else self.store
        print(f"\nrun log: {self.store}")
        print(f"  read it:  .venv/bin/golive --store {rel} log {run_id}")
        print(f"  verify:   .venv/bin/golive --store {rel} audit verify {run_id}")
        reports = sorted((self.dir / "reports").glob(f"{run_id}.*"))
        if reports:
            print("  report:   " + ", ".join(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
                                           for p in reports))


def success(d: Demo) -> int:
    d.sh([str(d.golive), "plan", "show", str(PLAN)])
    code = d.sh([str(d.golive), "run", str(PLAN), "--no-wait", "--key", str(d.keys / INITIATOR), *d.vars()],
                GOLIVE_USER=INITIATOR)
    if code != 3:
        print(f"demo: expected the run to wait for the sign-off (exit 3), got exit {code}", file=sys.stderr)
        return 1
    run_id = d.last_run()
    print(f"\n==> the run waits at the final Go/No-Go for the sign-off; {INITIATOR} started it with their key, so"
          f" by the plan's separation of duties their key cannot approve it, under any name:")
    if d.sh([str(d.golive), "approve", run_id, "--reason", "looks fine to me", "--key", str(d.keys / INITIATOR)]) != 2:
        print("demo: the initiator's key was not refused", file=sys.stderr)
        return 1
    print(f"\n==> someone else ({APPROVER}) approves from their own shell, signing with their key")
    code = d.sh([str(d.golive), "approve", run_id, "--reason", "smoke tests, loan maths and monitoring hold all fine",
                 "--key", str(d.keys / APPROVER)], GOLIVE_USER=APPROVER)
    if code != 0:
        return code
    code = d.sh([str(d.golive), "resume", run_id, "--no-wait"])
    if code != 0:
        print(f"demo: the run did not succeed (exit {code})", file=sys.stderr)
        return code
    if d.sh([str(d.golive), "audit", "verify", run_id]) != 0:
        return 1
    bundle = d.dir / f"{run_id}.audit.json"
    print("\n==> the evidence in one file, checked with no run log at all (as an auditor elsewhere would)")
    if d.sh([str(d.golive), "audit", "export", run_id, "-o", str(bundle)]) != 0 or \
            d.sh([str(d.golive), "audit", "verify", "--bundle", str(bundle)], GOLIVE_STORE="/nonexistent/none.db") != 0:
        return 1
    print(f"\n==> users now reach {d.live_version()}; schema revision {d.revision()}")
    d.teardown()
    d.where(run_id)
    return 0


def broken(d: Demo) -> int:
    before = d.snapshot()
    code = d.sh([str(d.golive), "run", str(PLAN), "--no-wait", "--key", str(d.keys / INITIATOR),
                 *d.vars("--var", "BROKEN=1")], GOLIVE_USER=INITIATOR)
    run_id = d.last_run()
    problems: list[str] = []
    if code != 1:
        problems.append(f"golive run exited {code}, expected 1 (failed and rolled back)")
    if d.sh([str(d.golive), "audit", "verify", run_id]) != 0:
        problems.append("the audit chain does not verify")
    version, revision, after = d.live_version(), d.revision(), d.snapshot()
    evs = d.events(run_id)
    lost = [e["payload"] for e in evs if e["type"] == "db.restored"]
    print("\n==> after the rollback")
    print(f"  users reach version {version} (expected 1.0.0)")
    print(f"  schema revision {revision} (expected 0001, as before the migration)")
    print(f"  accounts {len(after[0])} and transactions {len(after[1])} exactly as before the deployment:"
          f" {'yes' if after == before else 'NO'}")
    if lost:
        print(f"  the restore reported as lost (written after the backup, e.g. the smoke test's account):"
              f" {lost[-1]['rows_lost'] or 'nothing'}")
    if version != "1.0.0":
        problems.append(f"users reach {version}, not 1.0.0")
    if revision != "0001":
        problems.append(f"schema revision is {revision}, not 0001")
    if after != before:
        problems.append("accounts or transactions differ from before the deployment")
    d.teardown()
    for p in problems:
        print(f"demo-broken: {p}", file=sys.stderr)
    if not problems:
        print("\n==> the broken build was caught by the smoke tests and rolled back as designed")
    d.where(run_id)
    return 1 if problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--broken", action="store_true", help="deploy the broken 1.1.0 build and show the rollback")
    ap.add_argument("--dir", type=Path, help="demo directory (reset first); default .golive/demo[-broken]")
    ap.add_argument("--golive", type=Path, default=Path(sys.executable).parent / "golive")
    args = ap.parse_args()
    directory = (args.dir or ROOT / ".golive" / ("demo-broken" if args.broken else "demo")).resolve()
    d = Demo(directory, args.golive.resolve())
    d.reset()
    try:
        d.make_keys()
        d.setup()
        return broken(d) if args.broken else success(d)
    finally:
        d.teardown()


if __name__ == "__main__":
    sys.exit(main())
