"""How long the read commands of `golive` take, against `python -c pass` timed in the same run.

    .venv/bin/python bench/cli_latency.py [--store .golive/demo/golive.db] [--rounds 7]

Run `./scripts/demo` first: it leaves a finished run in .golive/demo/golive.db. The log is copied to a
temporary directory so the timings never touch it. Each round runs every command once, in turn, as a fresh
process (the way a person or a script calls golive), and the medians are printed with their ratio to
`python -c pass`. `approve` is timed on the finished run: it loads the run, finds no gate waiting and
exits 2, which is the whole read path a real approval takes before it appends its one event.
Targets: every command at most 100 ms median, `--version` at most 50 ms.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "examples" / "loans" / "plan.yaml"


def last_run(db: Path) -> str:
    with sqlite3.connect(db) as con:
        row = con.execute("SELECT id FROM runs ORDER BY created_at DESC LIMIT 1").fetchone()
    if row is None:
        raise SystemExit(f"no run in {db}: run ./scripts/demo first")
    return str(row[0])


def timed(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", default=str(ROOT / ".golive" / "demo" / "golive.db"))
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    source = Path(args.store)
    if not source.exists():
        raise SystemExit(f"no run log at {source}: run ./scripts/demo first")
    golive = [sys.executable, "-m", "golive"]
    console = Path(sys.executable).with_name("golive")
    if console.exists():
        golive = [str(console)]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "golive.db"
        shutil.copy(source, db)
        run = last_run(db)
        store = ["--store", str(db)]
        commands: dict[str, list[str]] = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "golive --version": [*golive, "--version"],
            "golive status": [*golive, *store, "status", run],
            "golive runs": [*golive, *store, "runs"],
            "golive log": [*golive, *store, "log", run],
            "golive plan show": [*golive, "plan", "show", str(PLAN)],
            "golive report": [*golive, *store, "report", run, "--format", "html", "-o", str(Path(tmp) / "r.html")],
            "golive approve": [*golive, *store, "approve", run, "--by", "bench", "--reason", "timing"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # one untimed warm-up each (page cache, .pyc files)
            timed(argv, Path(tmp))
        for _ in range(args.rounds):
            for name, argv in commands.items():
                times[name].append(timed(argv, Path(tmp)))
    base = statistics.median(times["python -c pass"])
    print(f"run {run}, {args.rounds} rounds, medians:")
    print(f"{'command':<20} {'median':>9} {'x python -c pass':>17}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<20} {med * 1000:7.0f} ms {med / base:16.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
