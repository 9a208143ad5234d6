"""A document that moves traffic with its own command (a weight patch, a sed of the load balancer's weights) next to
the ramp it describes got a canary step AND its command as a later shell step: once the canary's router is filled
in, the canary ramps to 100% and the document's command then puts the first weight back (the run ends at 5%). The
command is the ramp's first stage: it runs before the canary, which carries the ramp on."""

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


def test_own_weight_command_never_runs_after_the_ramp() -> None:
    steps = _steps(DOC)
    at = next(i for i, s in enumerate(steps) if "canary" in s)
    for s in steps[at + 1:]:
        shell = s.get("shell")
        cmd = str(shell.get("command") if isinstance(shell, dict) else shell or "")
        assert "virtualservice cart" not in cmd, s
    before = [s for s in steps[:at] if "shell" in s and "virtualservice cart" in str(s["shell"])]
    assert before, steps  # the document's command still runs, as its first stage


def test_a_command_that_sets_no_weight_stays_a_shell_step() -> None:
    steps = _steps(DOC.replace(PATCH, "```bash\nkubectl -n shop rollout status deploy/cart-v8\n```\n"))
    assert any("shell" in s and "rollout status" in str(s["shell"]) for s in steps), steps
