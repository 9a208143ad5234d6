"""Scale: peak memory, log size and time of whole runs of big plans, against bash running the same commands.

Three plans of `/bin/true` steps, each with an `undo` (so the rollback preview has something to list):
1,000 steps in one phase, 10,000 in one phase, and 10,000 in 1,000 phases of 10. Each runs through the real
`golive run` in a child process (its peak RSS from wait4), with its SQLite log in a fresh directory; the same
commands run as one bash script, for a time ratio. Goals: 10,000 steps <= 300 MB peak, <= 3 KB log per step.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,10000/1000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def plan_text(steps: int, phases: int) -> str:
    per = steps // phases
    out = [f"name: scale {steps} in {phases}", "service: scale", f"environment: s{steps}-{phases}", "phases:"]
    for p in range(phases):
        out += [f"  - name: phase {p + 1}", "    steps:"]
        out += [f"      - name: step {p + 1}.{s + 1}\n        shell: /bin/true\n        undo: /bin/true"
                for s in range(per)]
    return "\n".join(out) + "\n"


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, float, int]:
    """Exit status, seconds, peak RSS in bytes of one child (ru_maxrss is in KiB on Linux)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 and proc.stderr is not None:
        sys.stderr.write(proc.stderr.read().decode(errors="replace")[-2000:])
    return proc.returncode, took, usage.ru_maxrss * 1024


def one(steps: int, phases: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="golive-scale-"))
    try:
        (work / "plan.yaml").write_text(plan_text(steps, phases), encoding="utf-8")
        (work / "plan.sh").write_text("set -e\n" + "/bin/true\n" * steps, encoding="utf-8")
        env = {**os.environ, "GOLIVE_USER": "bench", "GOLIVE_STORE": str(work / "log.db"),
               "XDG_STATE_HOME": str(work / "state")}
        env.pop("CI", None)
        code, secs, rss = measure([str(VENV_BIN / "golive"), "run", "plan.yaml", "--no-wait"], work, env)
        if code != 0:
            raise SystemExit(f"golive run exited {code} for {steps} steps in {phases} phases")
        log = sum(p.stat().st_size for p in work.glob("log.db*"))
        _, bash_secs, _ = measure(["bash", "plan.sh"], work, env)
        return {"steps": steps, "phases": phases, "seconds": secs, "rss": rss, "log": log,
                "bash_seconds": bash_secs}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,10000/1000", help="STEPS or STEPS/PHASES, comma-separated")
    args = ap.parse_args()
    print(f"{'plan':>22} {'peak RSS':>10} {'log bytes':>12} {'log/step':>9} {'seconds':>8} {'bash s':>7}"
          f" {'ratio':>6}")
    for size in args.sizes.split(","):
        steps, _, phases = size.partition("/")
        r = one(int(steps), int(phases or 1))
        label = f"{int(r['steps'])} steps / {int(r['phases'])} ph"
        print(f"{label:>22} {r['rss'] / 2**20:>8.1f}MB {int(r['log']):>12,} {r['log'] / r['steps']:>8.0f}B"
              f" {r['seconds']:>8.1f} {r['bash_seconds']:>7.2f} {r['seconds'] / r['bash_seconds']:>5.0f}x",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
