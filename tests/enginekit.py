"""The engine test harness shared by the engine, rollback and reopen tests: a plan, a store and a fake clock, and
runs started and driven as the CLI would (`h` in conftest.py is one over a MemoryStore)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.engine.executor import EngineOptions
from golive.engine.state import RunState
from golive.plan.loader import parse_plan_text
from golive.run.runner import DriveOptions, drive_run, load_state
from golive.run.start import StartRequest, start_run
from golive.store.base import Store
from golive.testing import FakeClock

HEAD = "name: demo\nservice: svc\nenvironment: prod\n"
T0 = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)


@dataclass
class Harness:
    """One plan, one store, one fake clock; start and drive runs as the CLI would."""

    dir: Path
    store: Store
    clock: FakeClock
    environ: dict[str, str] = field(default_factory=dict)
    executor: Any = None

    def start(self, text: str, initiator: str = "alice", force_reason: str | None = None) -> str:
        path = self.dir / "plan.yaml"
        path.write_text(text, encoding="utf-8")
        plan = parse_plan_text(text, str(path))
        req = StartRequest(plan=plan, plan_path=path, plan_text=text, initiator=initiator, environ=self.environ,
                           force_reason=force_reason)
        return start_run(req, self.store, self.clock)

    def drive(self, run_id: str) -> int:
        opts = DriveOptions(environ=self.environ, options=EngineOptions(workdir=self.dir), executor=self.executor)
        return drive_run(self.store, run_id, self.clock, opts)

    def state(self, run_id: str) -> RunState:
        return load_state(self.store, run_id)

    def types(self, run_id: str) -> list[str]:
        return [e.type for e in self.store.events(run_id)]

    def trail(self) -> list[str]:
        path = self.dir / "trail.log"
        return path.read_text().split() if path.exists() else []


def mark(word: str) -> str:
    return f"echo {word} >> trail.log"


def gated(sod: bool = False, count: int = 1) -> str:
    return HEAD + f"""
approvers:
  release: [bob, carol, alice]
separation_of_duties: {'true' if sod else 'false'}
phases:
  - name: Deploy
    steps:
      - shell: {mark('deploy')}
        undo: {mark('undeploy')}
    gate:
      description: smoke tests look right
      approvals: {{count: {count}, role: release}}
  - name: Finish
    steps: ["{mark('finish')}"]
"""
