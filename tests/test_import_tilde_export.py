"""`export KUBECONFIG=~/.kube/prod` lifted into a plan var kept a literal `~` (bash expands it at the export; an
environment value is never expanded), so kubectl read no kubeconfig. The var is read from the environment instead,
and the plan says what the document sets."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# K
## Phase 1: Context (5 min)
```bash
export KUBECONFIG=~/.kube/prod-apse2
export APP_ENV=production
kubectl config use-context prod-apse2
```
## Phase 2: Deploy (10 min)
```bash
kubectl -n payments rollout restart deploy/api
```
"""


def test_an_export_with_a_tilde_is_read_from_the_environment() -> None:
    plan = parse_plan_text(import_markdown(DOC, "doc.md").yaml_text, "doc.yaml")
    var = plan.vars["KUBECONFIG"]
    assert var.value is None and var.from_env == "KUBECONFIG", var
    assert "~/.kube/prod-apse2" in str(var.description)
    assert plan.vars["APP_ENV"].value == "production"  # a plain value stays a value
