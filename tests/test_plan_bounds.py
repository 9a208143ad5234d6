"""Bounded by design: a plan nested absurdly deep or holding absurdly many values is refused with
`file:line:col` and exit 2 by every command that reads it (it crashed the YAML composer with SIGSEGV), and
what a run records grows linearly with its steps (the rollback preview once grew with phases x undo steps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import golive
from golive.core.clock import SystemClock
from golive.plan.loader import MAX_NODES, parse_plan_text
from golive.run.start import StartRequest, start_run
from golive.store.memory import MemoryStore

HEAD = "name: x\nservice: s\nenvironment: e\nphases:\n"


@pytest.mark.parametrize("shape", ["dashes", "indented", "flow-in-block"])
def test_deep_nesting_is_refused_with_a_place_by_every_command(workdir: Path, shape: str) -> None:
    if shape == "dashes":  # 30,000 nested `- ` in a 60 KB plan: the crash
        body = "  " + "- " * 30_000 + "x\n"
    elif shape == "indented":
        body = "".join(" " * (i + 2) + f"k{i}:\n" for i in range(2_000)) + " " * 2_002 + "x\n"
    else:
        body = "  " + "- " * 40 + "[" * 40 + "x" + "]" * 40 + "\n"  # each kind alone under its own limit
    (workdir / "deep.yaml").write_text(HEAD + body, encoding="utf-8")
    commands = [("plan", "validate"), ("lint",), ("plan", "show"), ("run", "--dry-run"), ("run", "--no-wait")]
    for args in commands if shape == "dashes" else commands[:1]:
        res = golive(*args, "deep.yaml", cwd=workdir)
        assert res.code == 2, (args, res.code, res.err[-500:])
        first = res.err.splitlines()[0]
        assert first.startswith("deep.yaml:") and "nested" in first and "Traceback" not in res.err, res.err[-500:]
        line, col = (int(x) for x in first.split(":")[1:3])
        assert line >= 5 and col >= 1


def test_too_many_values_are_refused_with_a_place() -> None:
    text = HEAD + "  - name: p\n    steps: [" + ", ".join(["1"] * (MAX_NODES + 10)) + "]\n"
    with pytest.raises(Exception) as err:
        parse_plan_text(text, "big.yaml")
    first = str(err.value).splitlines()[0]
    assert first.startswith("big.yaml:6:") and f"more than {MAX_NODES} values" in first, first


def _big(steps: int, phases: int) -> str:
    per = steps // phases
    out = [HEAD.rstrip("\n")]
    for p in range(phases):
        out += [f"  - name: phase {p}", "    steps:"]
        out += [f"      - shell: 'true'\n        undo: 'true'\n        name: s{p}.{s}" for s in range(per)]
    return "\n".join(out) + "\n"


def _first_event_bytes(text: str) -> int:
    plan = parse_plan_text(text)
    store = MemoryStore()
    rid = start_run(StartRequest(plan=plan, plan_path=Path("plan.yaml").resolve(), plan_text=text, initiator="t",
                                 environ={}, dry_run=True), store, SystemClock())
    return len(store.events(rid)[0].payload_json)


def test_what_a_run_records_at_start_grows_linearly_with_steps() -> None:
    """10,000 steps in 1,000 phases (the issue's 545 KB plan that made a 27 MB first event) against 1,000 in
    100: ten times the steps may make at most about ten times the record."""
    small, big = _first_event_bytes(_big(1_000, 100)), _first_event_bytes(_big(10_000, 1_000))
    assert big <= 11 * small, (small, big)
    assert big / 10_000 < 1_000, f"{big / 10_000:.0f} bytes per step in run.created"


def test_a_ten_thousand_step_plan_loads_and_shows(workdir: Path) -> None:
    (workdir / "big.yaml").write_text(_big(10_000, 1_000), encoding="utf-8")
    res = golive("plan", "show", "big.yaml", "--json", cwd=workdir)
    assert res.code == 0, res.err[-500:]
    shown = json.loads(res.out)
    assert sum(len(p["undo"]) for p in shown["rollback_plan"]) == 10_000
