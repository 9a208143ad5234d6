"""Rollback latency: from the moment a real canary starts failing to the moment HAProxy sends 100% of
traffic to stable, end to end through the real `golive run`, the real HAProxy and a 2 s analysis interval.

Each repetition starts two loopback backends behind a fresh haproxy, drives a bounded load through it,
and runs a canary plan (10% for up to 120 s, interval 2 s, limit 1% errors) with `golive run --json`. Once
the canary is at 10% and its first verdict passed, the canary backend is told to fail a share of its
requests (t0). The bench then polls HAProxy's runtime API until the canary server's weight is 0 (t1), and
reads from the run's own events when golive gave the failing verdict and when it recorded the abort.
Flagger's fastest configuration needs at least one 10 s interval plus its failure threshold; the target
here is under 10 s.

    .venv/bin/python bench/rollback_latency.py [--reps 5] [--fail 0.05] [--rate 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from golive.traffic.haproxy import HAProxyRouter
from golive.traffic.loadgen import BackgroundLoad
from golive.traffic.local import LocalBackend, LocalHAProxy

TARGET_S = 10.0
PLAN = """\
name: rollback latency
service: bench
environment: bench
routers:
  edge: {{type: haproxy, socket: '{socket}', backend: app, pools: {{stable: stable, canary: canary}}}}
phases:
  - name: Canary
    steps:
      - name: canary
        canary:
          router: edge
          stable: stable
          canary: canary
          interval: 2s
          stages: [{{weight: 10, hold: 120s}}, {{weight: 100}}]
          analysis: {{max_error_rate: 1%, min_requests: 20, max_inconclusive: 3}}
"""


@dataclass
class Rep:
    detect_s: float  # fault injected -> golive's failing verdict (event time)
    act_s: float  # failing verdict -> abort recorded (router already changed; event time)
    total_s: float  # fault injected -> HAProxy seen at canary weight 0 through `show stat`
    verdicts_to_detect: int  # verdicts after the fault, the failing one included
    canary_requests_after: int  # requests the clients got answered by the canary after t0
    failed_requests: int


class Events:
    """Reads `golive run --json` lines from the child as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.items: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        self._proc = proc
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.startswith("{"):
                with self.cond:
                    self.items.append(json.loads(line))
                    self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait(self, what: str, pred: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                hit = next((e for e in self.items if pred(e)), None)
                if hit is not None:
                    return hit
                left = deadline - time.monotonic()
                if left <= 0 or (self._proc.poll() is not None and not self._thread.is_alive()):
                    raise RuntimeError(f"timed out waiting for {what}; events so far: "
                                       f"{[e['type'] for e in self.items]}")
                self.cond.wait(min(left, 0.2))


def _ts(ev: dict[str, Any]) -> float:
    return datetime.fromisoformat(ev["ts"]).timestamp()


def one(directory: Path, fail: float, rate: float) -> Rep:
    with LocalBackend(directory, "stable") as stable, LocalBackend(directory, "canary") as canary, \
            LocalHAProxy(directory, {"stable": stable.address, "canary": canary.address}, {"stable": 100}) as ha:
        router = HAProxyRouter(ha.socket, "app", {"stable": ["stable"], "canary": ["canary"]})
        (directory / "plan.yaml").write_text(PLAN.format(socket=ha.socket))
        env = {**os.environ, "GOLIVE_USER": "bench"}
        env.pop("CI", None)
        with BackgroundLoad(ha.url, rate=rate, concurrency=32, max_requests=200_000, max_seconds=300) as load:
            load.wait_for("stable", 20)
            proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "plan.yaml", "--json", "--no-wait"],
                                    cwd=directory, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, stdin=subprocess.DEVNULL)
            try:
                events = Events(proc)
                events.wait("the first passing verdict", lambda e: e["type"] == "analysis.verdict"
                            and e["payload"]["outcome"] == "pass", 120)
                t0_mono, t0_wall = time.monotonic(), time.time()
                canary.control(fail=fail)
                while router.weights().get("canary", 100) != 0:
                    if time.monotonic() - t0_mono > 120:
                        raise RuntimeError("HAProxy still sends traffic to the canary 120 s after the fault")
                    time.sleep(0.005)
                total = time.monotonic() - t0_mono
                verdict = events.wait("the failing verdict", lambda e: e["type"] == "analysis.verdict"
                                      and e["payload"]["outcome"] == "fail", 30)
                abort = events.wait("the abort", lambda e: e["type"] == "traffic.weight"
                                    and str(e["payload"].get("reason", "")).startswith("abort"), 30)
                code = proc.wait(120)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
            report = load.stop()
        if code != 1:
            raise RuntimeError(f"golive run exited {code}, expected 1 (rolled back)")
        after = [r for r in report.records if r.started >= t0_mono]
        n_verdicts = sum(1 for e in events.items if e["type"] == "analysis.verdict" and _ts(e) >= t0_wall)
        return Rep(detect_s=_ts(verdict) - t0_wall, act_s=_ts(abort) - _ts(verdict), total_s=total,
                   verdicts_to_detect=n_verdicts,
                   canary_requests_after=sum(1 for r in after if r.backend == "canary"),
                   failed_requests=sum(1 for r in after if r.failed))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--fail", type=float, default=0.05, help="share of canary requests failing after the fault")
    ap.add_argument("--rate", type=float, default=300.0, help="requests per second through HAProxy")
    args = ap.parse_args(argv)
    print(f"canary 10% behind real HAProxy, {args.rate:.0f} req/s (~{args.rate * 0.1 * 2:.0f} canary requests per"
          f" 2 s interval), limit 1% errors; after the first passing verdict the canary fails {args.fail:.0%}")
    print(f"{'rep':>3} {'fault->verdict':>15} {'verdict->abort':>15} {'fault->HAProxy 0%':>18} {'verdicts':>9}"
          f" {'canary reqs after':>18} {'failed reqs':>12}")
    reps: list[Rep] = []
    for i in range(1, args.reps + 1):
        with tempfile.TemporaryDirectory(prefix="golive-rollback-") as tmp:
            r = one(Path(tmp), args.fail, args.rate)
        reps.append(r)
        print(f"{i:>3} {r.detect_s:>14.2f}s {r.act_s:>14.3f}s {r.total_s:>17.2f}s {r.verdicts_to_detect:>9}"
              f" {r.canary_requests_after:>18} {r.failed_requests:>12}", flush=True)
    totals = [r.total_s for r in reps]
    med, worst = statistics.median(totals), max(totals)
    print(f"fault -> HAProxy at 100% stable: median {med:.2f} s, max {worst:.2f} s over {len(reps)} runs"
          f" (target < {TARGET_S:.0f} s: {'met' if worst < TARGET_S else 'NOT met'});"
          f" detection median {statistics.median(r.detect_s for r in reps):.2f} s,"
          f" verdict -> abort median {statistics.median(r.act_s for r in reps) * 1000:.0f} ms")
    return 0 if worst < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
