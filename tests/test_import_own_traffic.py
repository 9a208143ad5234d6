"""A document that moves traffic with its own command (a weight patch, a sed of the load balancer's weights) next to
the ramp it describes got a canary step AND its command as a later shell step: once the canary's router is filled
in, the canary ramps to 100% and the document's command then puts the first weight back (the run ends at 5%).
Where golive cannot drive the router the command acts on (an Istio patch here), there is no canary at all (it could
only run on an invented placeholder router, and would set the first weight a second time): the command is the
ramp's first stage, each later stage a person's step, the holds `wait` steps (tests/test_import_own_router.py)."""

from __future__ import annotations

import yaml

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

PATCH = """```bash
kubectl -n shop patch virtualservice cart --type merge -p \\
  '{"spec":{"http":[{"route":[{"destination":{"host":"cart","subset":"v7"},"weight":95},{"destination":{"host":"cart","subset":"v8"},"weight":5}]}]}}'
```
"""

DOC = """# Cart 8
## Phase 1: Deploy (10 min)
```bash
kubectl -n shop apply -f cart-v8.yaml
```
## Phase 2: Shift traffic (40 min)
Traffic goes 5% → 25% → 100% to v8, holding 10 minutes at each step; the patch below is the first step,
edit the weights for the next ones.
""" + PATCH


def _steps(doc: str) -> list[dict[str, object]]:
    text = import_markdown(doc, "doc.md").yaml_text
    parse_plan_text(text, "doc.yaml")
    steps: list[dict[str, object]] = yaml.safe_load(text)["phases"][1]["steps"]
    return steps


def test_own_weight_command_is_the_first_stage_and_no_canary_runs_it_again() -> None:
    steps = _steps(DOC)
    assert not any("canary" in s for s in steps), steps
    kinds = [next(k for k in s if k != "name") for s in steps]
    assert kinds == ["shell", "wait", "manual", "manual", "wait", "manual", "manual"], kinds
    assert "virtualservice cart" in str(steps[0]["shell"])  # the document's command still runs, as its first stage
    assert [s["wait"]["duration"] for s in steps if "wait" in s] == ["10m", "10m"]  # type: ignore[index]


def test_a_command_that_sets_no_weight_stays_a_shell_step() -> None:
    steps = _steps(DOC.replace(PATCH, "```bash\nkubectl -n shop rollout status deploy/cart-v8\n```\n"))
    assert any("shell" in s and "rollout status" in str(s["shell"]) for s in steps), steps
