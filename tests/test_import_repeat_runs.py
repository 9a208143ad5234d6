"""A block the document runs several times with another value each time ("run it three times: `V5=10`, then
`V5=50`, then `V5=100`, waiting 15 minutes between steps") is run once per value, in order, with the sentence as a
person's step between the runs; one step ran only the first value and left 90% of traffic on the old version."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.importer.repeat import runs_of
from golive.plan.loader import parse_plan_text

DOC = """# P
## Phase 1: Shift traffic (45 min)

Run it three times: `V5=10`, then `V5=50`, then `V5=100`, waiting 15 minutes between steps.

```bash
V5=10
kubectl patch vs api --type merge -p "weight: ${V5}"
```
"""


def test_the_block_runs_once_per_value_with_a_persons_step_between() -> None:
    plan = parse_plan_text(import_markdown(DOC, "doc.md").yaml_text, "doc.yaml")
    steps = plan.phases[0].steps
    assert [s.kind for s in steps] == ["shell", "manual", "shell", "manual", "shell"], steps
    commands = [str(s.shell.command) for s in steps if s.kind == "shell"]  # type: ignore[attr-defined]
    assert [c.splitlines()[0] for c in commands] == ["V5=10", "V5=50", "V5=100"]
    assert "15 minutes" in str(steps[1].model_dump())


def test_no_repeat_without_a_count_that_matches_the_values() -> None:
    script = "V5=10\nkubectl patch vs api"
    assert runs_of("Run it three times: `V5=10`, then `V5=50`.", script) is None  # two values for three runs
    assert runs_of("Set `V5=10` and run it.", script) is None
    assert runs_of("Run it twice: `V5=10`, then `V5=50`.", "kubectl patch vs api") is None  # nothing to set
    assert runs_of("Run it twice: `V5=10`, then `V5=50`.", script) == [script, script.replace("V5=10", "V5=50")]
