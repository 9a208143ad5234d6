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
import os
import resource
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


#: As an installed golive runs: with its .pyc files (pip compiles them at install; the warm-up round writes them
#: here). With PYTHONDONTWRITEBYTECODE set, as in some shells, every command would compile its sources each time.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time, and CPU time (user + system) of the child: on a shared, loaded machine the CPU time moves far
    less with the load than the wall time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # one untimed warm-up each (page cache, .pyc files)
            timed(argv, Path(tmp))
        for _ in range(args.rounds):
            for name, argv in commands.items():
                wall, used = timed(argv, Path(tmp))
                times[name].append(wall)
                cpu[name].append(used)
    base = statistics.median(times["python -c pass"])
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"run {run}, {args.rounds} rounds, medians (load average after: {load}):")
    print(f"{'command':<20} {'median':>9} {'x python -c pass':>17} {'cpu (user+sys)':>15}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<20} {med * 1000:7.0f} ms {med / base:16.1f}x {statistics.median(cpu[name]) * 1000:12.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
