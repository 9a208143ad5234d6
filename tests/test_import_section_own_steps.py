"""A section whose parts are phases ("**Stage 2 — 5 %**", "**Stage 3 — 25 %**" under "## Flag rollout") may run
commands of its own before the first part: there the flag was switched on and set to 1 %. Left to the parts, those
blocks had no phase and were dropped, so the rollout began at stage 2 (whose JSON patch tests that the flag is on,
and fails). They are a phase of their own, named after the section, before its parts."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Flag rollout

## Flag rollout (1% → 5% → 100%)

Hold 15 minutes at each stage.

**Stage 1 — 1 %** (this also turns the flag on)

```bash
curl -fsS -X PATCH "$FLAG_URL" -d '[{"op": "replace", "path": "/rollout/percentage", "value": 1}]'
```

**Stage 2 — 5 %**

```bash
curl -fsS -X PATCH "$FLAG_URL" -d '[{"op": "replace", "path": "/rollout/percentage", "value": 5}]'
```

**Stage 3 — 100 %**

```bash
curl -fsS -X PATCH "$FLAG_URL" -d '[{"op": "replace", "path": "/rollout/percentage", "value": 100}]'
```
"""


def test_commands_before_a_sections_first_part_are_a_phase_before_the_parts() -> None:
    plan = parse_plan_text(import_markdown(DOC, "doc.md").yaml_text, "doc.yaml")
    runs = [getattr(getattr(s, "shell", None), "command", "") for p in plan.phases for s in p.steps]
    values = [v for r in runs for v in ('"value": 1}', '"value": 5}', '"value": 100}') if v in r]
    assert values == ['"value": 1}', '"value": 5}', '"value": 100}'], runs
    assert plan.phases[0].name.startswith("Flag rollout")
    assert not any(getattr(s, "canary", None) for p in plan.phases for s in p.steps)  # no router for a flag


def test_a_hold_at_each_stage_ends_every_stage_with_a_wait() -> None:
    """"Hold 15 minutes at each stage": without a wait the stages' PATCHes ran back to back, 1 % to 100 % in
    seconds with nobody watching; each stage's phase now ends with the hold."""
    plan = parse_plan_text(import_markdown(DOC, "doc.md").yaml_text, "doc.yaml")
    assert len(plan.phases) == 3
    for phase in plan.phases:
        wait = getattr(phase.steps[-1], "wait", None)
        assert wait is not None and wait.duration == 900, phase.name
    one = DOC.replace("Hold 15 minutes at each stage.", "Watch the dashboard.")
    plan = parse_plan_text(import_markdown(one, "doc.md").yaml_text, "doc.yaml")
    assert not any(getattr(s, "wait", None) for p in plan.phases for s in p.steps)
