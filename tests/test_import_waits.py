"""An imported command that waits longer than golive's default step timeout (10 minutes) keeps its own time:
`helm upgrade --wait --timeout 15m`, `kubectl wait --timeout=20m`, `timeout 30m ./migrate.sh`, `sleep 900`.
Without it golive killed the command while it did what the document asks, and rolled the change back (set 11's
03: helm's 15 minutes were cut to 600 s)."""

from __future__ import annotations

import pytest

from golive.plan.md_waits import own_waits
from golive.units import parse_duration
from importforms import load, plan_of


def _doc(block: str) -> str:
    # (a 10-minute timebox: a longer one is the steps' timeout too, importer/step_time.py)
    return f"# Rel\n\n## 1. Upgrade (10 min)\n\n```bash\n{block}\n```\n\n## 2. Check (5 min)\n\n```bash\nls /srv\n```\n"


@pytest.mark.parametrize(("block", "at_least"), [
    ("helm upgrade temporal ./chart --wait --timeout 15m", 900),
    ("kubectl wait --for=condition=Ready pod -l app=web --timeout=20m", 1200),
    ("timeout -k 5s 30m ./migrate.sh", 1800),
    ("./drain.sh\nsleep 900\n./check.sh", 900),
    ("helm upgrade x ./c --wait --timeout 1h30m", 5400),
])
def test_a_command_that_waits_longer_keeps_its_time(block: str, at_least: float) -> None:
    plan, summary = load(_doc(block))
    step = plan.phases[0].steps[0]
    assert step.timeout is not None and step.timeout >= at_least + 600  # its own wait plus the usual ten minutes
    assert any("timeout" in line and "default of 10 minutes" in line for line in summary)


@pytest.mark.parametrize("block", ["helm upgrade x ./c --wait", "./deploy.sh; sleep 30", "ls  # --timeout 40m",
                                   "curl --timeout 5 https://x.test/"])
def test_a_command_within_the_default_gets_no_timeout(block: str) -> None:
    assert "timeout" not in plan_of(_doc(block))["phases"][0]["steps"][0]


def test_waits_add_up_in_a_script() -> None:
    assert own_waits("sleep 300\nkubectl rollout status deploy/x --timeout 5m\nsleep 1m") == 300 + 300 + 60
    assert parse_duration("25m00s") == 1500
