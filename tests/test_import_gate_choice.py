"""A Go/No-Go that is a decision has its deciders, and alternatives a person chooses between never all run.

Deciders named only by the role the document gave them in passing ("**Driver** (Aoife Byrne) types;
**Navigator** (…)" then "Navigator and Driver both say go"; "- **审批人**：陈静" then "由审批人陈静…选择方案")
are the gate's approval (both of two: an approval each). Alternatives ("### 方案A" / "### 方案B" under a
decision point, "### Plan A" / "### Plan B" with "choose one", "**Variante A** …:" paragraphs, "### Opción 1/2")
become one person's step showing each with its exact commands. Before, the gate had no decider (the run went on
with nobody saying go) and both the rolling upgrade and the blue-green switch ran."""

from __future__ import annotations

from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

PREP = """## Prepare

```bash
./bin/check-replicas --all
```

"""

PAIR = """# search 3.8 pair run sheet

**Driver** (Aoife Byrne) types; **Navigator** (Kwame Mensah) checks every output.

""" + PREP + """## Upgrade

```bash
clush -bw @search 'sudo dnf install -y /tmp/search-3.8.rpm'
```

**GO / NO-GO:** Navigator and Driver both say "go" out loud; Rui is asked only if they disagree.

## Switch

```bash
./bin/switch --to v42
```
"""

ZH = """# 订单服务上线

- **变更负责人**：王磊
- **审批人（Go/No-Go 决策）**：陈静

""" + PREP + """## 决策点（Go/No-Go）

由审批人陈静根据主从延迟选择方案：

- 延迟 < 5 秒：走 **方案A**
- 延迟 ≥ 5 秒：走 **方案B**

只执行其中一个方案！

### 方案A：原地滚动升级

```bash
for h in app-01 app-02; do ssh "$h" 'sudo systemctl restart order-svc'; done
```

### 方案B：蓝绿切换

```bash
sudo /usr/local/bin/lb-switch --pool order --to green
```

## 验证

```bash
curl -fsS http://order.internal/health
```
"""

EN = """# Cutover

""" + PREP + """## Cutover

Choose one; the release manager decides on the replica lag:

### Plan A: rolling restart

```bash
./bin/rolling-restart --batch 2
```

### Plan B: blue-green

```bash
./bin/lb-switch --to green
```
"""

DE = """# Umstellung

""" + PREP + """## Umstellung

Die Release-Managerin wählt nur eine Variante:

**Variante A** (wenig Last):

```bash
./bin/rolling-restart --batch 2
```

**Variante B** (viel Last):

```bash
./bin/lb-switch --to green
```
"""

ES = """# Cambio

""" + PREP + """## Decisión

El jefe de turno elige solo una opción.

### Opción 1: reinicio escalonado

```bash
./bin/rolling-restart --batch 2
```

### Opción 2: azul-verde

```bash
./bin/lb-switch --to green
```
"""

ITEMS = """# Cutover

""" + PREP + """## Cutover

The release manager picks one, by the replica lag:

- **Plan A** (lag under 5 s): `./bin/rolling-restart --batch 2`
- **Plan B** (lag 5 s or more): `./bin/lb-switch --to green`
"""

PT = """# Troca

""" + PREP + """## Troca

O gerente escolhe só uma:

1. **Opção A** (pouca carga): `./bin/rolling-restart --batch 2`
2. **Opção B** (muita carga): `./bin/lb-switch --to green`
"""

ALTERNATIVES = {"zh": (ZH, "ssh \"$h\"", "lb-switch --pool order"), "en": (EN, "rolling-restart", "lb-switch"),
                "de": (DE, "rolling-restart", "lb-switch"), "es": (ES, "rolling-restart", "lb-switch"),
                "items": (ITEMS, "rolling-restart", "lb-switch"), "pt-items": (PT, "rolling-restart", "lb-switch")}


def _plan(md: str) -> Any:
    return parse_plan_text(import_markdown(md, "r.md").yaml_text, "r.yaml")


def _runs(plan: Any) -> str:
    """What the plan's phases run by themselves (not what a person is shown)."""
    out = []
    for ph in plan.phases:
        for st in ph.steps:
            spec = st.model_dump()
            if not spec.get("manual"):
                out.append(str(spec))
    return "\n".join(out)


@pytest.mark.parametrize("key", ALTERNATIVES)
def test_alternatives_a_person_chooses_never_run_and_each_is_shown(key: str) -> None:
    md, a, b = ALTERNATIVES[key]
    plan = _plan(md)
    assert a not in _runs(plan) and b not in _runs(plan), _runs(plan)
    shown = [st.model_dump()["manual"] for ph in plan.phases for st in ph.steps if st.model_dump().get("manual")]
    choice = [m for m in shown if a in str(m) and b in str(m)]
    assert len(choice) == 1, shown  # ONE step shows both: the person runs the one they chose
    assert "./bin/check-replicas --all" in _runs(plan)  # the phase before still runs


def test_a_decision_point_is_the_gate_of_the_phase_before_with_its_decider() -> None:
    plan = _plan(ZH)
    gate = plan.phases[0].gate
    assert gate.approvals is not None and gate.approvals.role is not None
    assert "审批人" in gate.approvals.role
    assert plan.approvers[gate.approvals.role] == ["陈静"]


def test_both_roles_saying_go_is_an_approval_each() -> None:
    plan = _plan(PAIR)
    gate = next(ph.gate for ph in plan.phases if ph.gate.description and "go" in ph.gate.description)
    assert gate.approvals is not None and gate.approvals.role is not None
    assert "Navigator" in gate.approvals.role and "Driver" in gate.approvals.role
    assert gate.approvals.count == 2
    assert sorted(plan.approvers[gate.approvals.role]) == ["Aoife Byrne", "Kwame Mensah"]


def test_sections_that_are_not_alternatives_still_run() -> None:
    md = EN.replace("Choose one; the release manager decides on the replica lag:", "Both, in this order:").replace(
        "### Plan A: rolling restart", "### Restart").replace("### Plan B: blue-green", "### Switch")
    runs = _runs(_plan(md))
    assert "rolling-restart" in runs and "lb-switch" in runs
