"""How import time grows with a runbook's length: one section of N blocks (a sentence and a fenced command, N/2
times), imported once; prints the time and how often the per-block readers ran (importer/run_as.py's
opened_shell, importer/alternatives.py's _markers). Linear reading means about one call per block each.

    .venv/bin/python bench/import_blocks.py [--blocks 2000] [--blocks 4000 ...]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from golive.plan.importer import alternatives, import_markdown, run_as


def runbook(blocks: int) -> str:
    parts = ["# Big release", "## 1. Deploy"]
    for i in range(blocks // 2):
        parts += [f"Restart worker {i}:", f"```bash\nsystemctl restart app-worker@{i}\n```"]
    return "\n\n".join(parts) + "\n"


def counted(module: Any, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    setattr(module, name, wrapper)
    return calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, action="append")
    sizes = ap.parse_args().blocks or [2000]
    shells, markers = counted(run_as, "opened_shell"), counted(alternatives, "_markers")
    for n in sizes:
        shells[0] = markers[0] = 0
        start = time.perf_counter()
        steps = len(import_markdown(runbook(n), "big.md").data["phases"][0]["steps"])
        took = time.perf_counter() - start
        print(f"{n} blocks ({steps} steps): {took:.1f} s; opened_shell {shells[0]} calls, _markers {markers[0]} calls")


if __name__ == "__main__":
    main()
