"""Helpers for the tests of written forms (windows, traffic, gates, rollback): a fragment of Markdown imported
into a whole plan with one forward phase, validated as `golive run` would validate it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.model import Plan

GO = "## Phase 1: Go\n```bash\n./app deploy 2.0\n```\n"
#: A release that migrates then deploys, for the tests of what rollback levels written under it become.
SHOP_RELEASE = """# Shop release 4.2

## 1. Migrate
```bash
./manage migrate up
```

## 2. Deploy
```bash
./deploy.sh 4.2
```
"""


def load(text: str) -> tuple[Plan, list[str]]:
    """The validated plan, and the import's summary lines followed by what it left unplaced."""
    result = import_markdown(text, "doc.md")
    return parse_plan_text(result.yaml_text, "p.yaml"), result.summary + [f"{u.what}: {u.reason}"
                                                                          for u in result.unplaced]


def plan_of(text: str) -> dict[str, Any]:
    """The plan the import makes of `text`, as plain data."""
    data = YAML(typ="safe").load(import_markdown(text, "doc.md").yaml_text)
    assert isinstance(data, dict)
    return data


def doc_steps(doc: str) -> list[dict[str, Any]]:
    """Every step the import makes of `doc`, forward phases first, then the rollback levels, as plain data."""
    plan = YAML(typ="safe").load(import_markdown(doc, "doc.md").yaml_text)
    out: list[dict[str, Any]] = []
    for phase in plan.get("phases") or []:
        out += phase.get("steps") or []
    for level in (plan.get("rollback") or {}).get("levels") or []:
        out += level.get("steps") or []
    return out


def doc_runs(doc: str) -> str:
    """The text of every step that runs something (not manual), joined."""
    return "\n".join(str(s) for s in doc_steps(doc) if "manual" not in s)


def doc_manual(doc: str) -> str:
    """The instructions of every person's step, joined."""
    return "\n".join(str(s["manual"].get("instruction", "")) for s in doc_steps(doc) if "manual" in s)


def window(text: str) -> tuple[str, str, str, str | None]:
    """The window read from `text` placed under a title: start, end, zone and rollback-until."""
    plan, _ = load(f"# T\n\n{text}\n\n{GO}")
    w = plan.window
    assert w is not None, text
    return str(w.start), str(w.end), w.timezone, None if w.rollback_until is None else str(w.rollback_until)


def canary(doc: str) -> tuple[list[tuple[int, float | None]], dict[str, Any]]:
    """The one canary step the document makes: (weight, hold) per stage, and the analysis limits it sets."""
    plan, _ = load(doc)
    steps = [s for p in plan.phases for s in p.steps if s.kind == "canary"]
    assert len(steps) == 1, [s.kind for p in plan.phases for s in p.steps]
    spec = steps[0].canary  # type: ignore[attr-defined]
    limits = spec.analysis.model_dump(exclude_none=True, exclude_defaults=True) if spec.analysis else {}
    return [(s.weight, s.hold) for s in spec.stages], limits


def run_imported(doc: str, tmp_path: Path, step: str = "1.1") -> str:
    """The status step `step` of the imported plan ends in, run for real (a memory store) in `tmp_path`: what an
    import rule means is what the run does with it."""
    from golive.engine.executor import EngineOptions
    from golive.run.runner import DriveOptions, drive_run, load_state
    from golive.run.start import StartRequest, start_run
    from golive.store.memory import MemoryStore
    from golive.testing import FakeClock

    text = import_markdown(doc, "doc.md").yaml_text
    plan = parse_plan_text(text, "plan.yaml")
    store, clock = MemoryStore(), FakeClock()
    rid = start_run(StartRequest(plan=plan, plan_path=tmp_path / "plan.yaml", plan_text=text, initiator="alice",
                                 environ={}), store, clock)
    drive_run(store, rid, clock, DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path)))
    return load_state(store, rid).step(step).status
