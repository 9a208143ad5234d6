"""A sentence in a forward phase that introduces the next block as the way back ("Undo, if needed, is the same Job
with `down`:") makes that block the undo of the step before it, never a forward step run right after the migration;
and its code span (`down`) is a word of the sentence, never a command (`undo: {shell: down}` exits 127)."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# payments 5.0

## 1. Migration Job (10:00, 15 min max)

```bash
kubectl apply -f migrate-up.yaml
kubectl wait --for=condition=complete job/migrate-up --timeout=900s
```

{lead}

```bash
kubectl delete job migrate-up --ignore-not-found
kubectl apply -f migrate-down.yaml
```

## 2. Deploy (10:20)

```bash
helm upgrade --install api-v5 ./chart
```
"""


def _plan(lead: str):  # type: ignore[no-untyped-def]
    return parse_plan_text(import_markdown(DOC.format(lead=lead), "doc.md").yaml_text, "doc.yaml")


def test_the_block_after_an_undo_sentence_is_the_undo_of_the_step_before() -> None:
    for lead in ["Undo, if needed, is the same Job with `down`:", "To roll it back:",
                 "If it has to go back, run:", "Para deshacerlo, el mismo Job con `down`:"]:
        plan = _plan(lead)
        steps = plan.phases[0].steps
        assert len(steps) == 1, (lead, [s for s in steps])
        undo = steps[0].undo
        assert undo is not None, lead
        assert "migrate-down.yaml" in str(undo.shell.command), (lead, undo)  # type: ignore[union-attr]
        forward = " ".join(str(getattr(getattr(s, "shell", None), "command", "")) for p in plan.phases for s in p.steps)
        assert "migrate-down" not in forward, (lead, forward)


def test_an_ordinary_sentence_before_a_block_still_runs_it() -> None:
    for lead in ["Then clean up the old job:", "Undo the maintenance flag first:", "Revert the config:"]:
        plan = _plan(lead)  # an order ("Undo the maintenance flag first:") is a forward step
        assert len(plan.phases[0].steps) == 2, lead
