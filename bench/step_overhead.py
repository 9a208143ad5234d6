"""Per-step overhead: N `/bin/true` steps through golive, bash, pyinfra (@local) and Ansible (local).

Each tool runs twice, with N steps and with a handful, in this one process tree; the per-step cost is the
slope (T_N - T_small) / (N - small), which cancels interpreter start-up and the tools' fixed costs. golive
commits (fsyncs) two events per step to its SQLite log; bash, pyinfra and Ansible persist nothing.

    .venv/bin/python bench/step_overhead.py [--steps 300] [--repeat 3] [--skip ansible,pyinfra]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def golive_plan(n: int) -> str:
    steps = "\n".join(f"      - shell: /bin/true\n        name: step {i}" for i in range(n))
    return (f"name: overhead\nservice: bench\nenvironment: bench-{n}\nphases:\n  - name: all\n    steps:\n{steps}\n")


def bash_script(n: int) -> str:
    return "#!/bin/bash\nset -e\n" + "/bin/true\n" * n


def pyinfra_deploy(n: int) -> str:
    return "from pyinfra.operations import server\n" + "".join(
        f"server.shell(name='step {i}', commands=['/bin/true'])\n" for i in range(n))


def ansible_playbook(n: int) -> str:
    tasks = "".join(f"    - name: step {i}\n      ansible.builtin.command: /bin/true\n" for i in range(n))
    return f"- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n{tasks}"


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=1800)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return elapsed


def run_golive(n: int, work: Path) -> float:
    plan = work / f"golive-{n}.yaml"
    plan.write_text(golive_plan(n))
    store = work / f"golive-{n}-{time.monotonic_ns()}.db"
    env = {**os.environ, "GOLIVE_USER": "bench"}
    return timed([str(VENV_BIN / "golive"), "--store", str(store), "run", str(plan), "--no-wait"], work, env)


def run_bash(n: int, work: Path) -> float:
    script = work / f"bash-{n}.sh"
    script.write_text(bash_script(n))
    return timed(["bash", str(script)], work, dict(os.environ))


def run_pyinfra(n: int, work: Path) -> float:
    deploy = work / f"pyinfra_{n}.py"
    deploy.write_text(pyinfra_deploy(n))
    return timed([str(VENV_BIN / "pyinfra"), "-y", "@local", str(deploy)], work, dict(os.environ))


def run_ansible(n: int, work: Path) -> float:
    book = work / f"ansible-{n}.yml"
    book.write_text(ansible_playbook(n))
    env = {**os.environ, "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
           "ANSIBLE_PYTHON_INTERPRETER": sys.executable, "ANSIBLE_HOME": str(work / "ansible-home")}
    return timed([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", str(book)], work, env)


TOOLS: dict[str, Callable[[int, Path], float]] = {
    "bash": run_bash, "golive": run_golive, "pyinfra": run_pyinfra, "ansible": run_ansible}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--small", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", default="", help="comma-separated tools to skip")
    args = ap.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    slopes: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="golive-bench-") as tmp:
        work = Path(tmp)
        for name, fn in TOOLS.items():
            if name in skip:
                continue
            if name in ("pyinfra", "ansible") and not (VENV_BIN / ("pyinfra" if name == "pyinfra"
                                                                  else "ansible-playbook")).exists():
                print(f"{name}: not installed in {VENV_BIN} (pip install -e '.[bench]')", file=sys.stderr)
                return 1
            per_step = []
            for _ in range(args.repeat):
                big = fn(args.steps, work)
                small = fn(args.small, work)
                per_step.append((big - small) / (args.steps - args.small))
            slopes[name] = statistics.median(per_step)
            print(f"{name:>8}: {slopes[name] * 1000:8.2f} ms/step  (runs: "
                  + ", ".join(f"{x * 1000:.2f}" for x in per_step) + ")", flush=True)
        shutil.rmtree(work, ignore_errors=True)
    if "golive" in slopes and "bash" in slopes:
        print(f"\ngolive above bash: {(slopes['golive'] - slopes['bash']) * 1000:.2f} ms/step (target <= 5 ms)")
    for peer in ("bash", "pyinfra", "ansible"):
        if peer in slopes and "golive" in slopes:
            print(f"ratio {peer}/golive per step: {slopes[peer] / slopes['golive']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
