"""Issue 14, Go/No-Go gates that people decide, as blind sets 8-10 showed them imported as description-only gates
golive passes by itself: a decider named without a role (many languages), silence that is a NO-GO by a clock time
or within a duration, a gate asked before a stage of the ramp, a section that is only its Go/No-Go, non-persons
kept out of approvers, and sibling "Plano A (padrão)" / "Plano B" sections of which only the default runs. A gate
that only restates the phase's success stays a description (seed 000's "Database schema successfully deployed")."""

from __future__ import annotations

from typing import Any

import pytest

from importforms import doc_manual, doc_runs, load, plan_of

SHIP = "## Phase 1: Migrate\n\n```bash\n./ledger migrate\n```\n\n"
NEXT = "\n## Phase 2: Switch\n\n```bash\n./ledger switch\n```\n"
WINDOW = "**Window:** 2026-12-16 09:00–11:00 UTC\n\n"


def gate_of(doc: str, phase: int = 0) -> dict[str, Any]:
    return dict(plan_of(doc)["phases"][phase]["gate"])


@pytest.mark.parametrize(("said", "who"), [
    ("Diego calls GO or NO-GO in #war-room.", "Diego"),
    ("Helen Carter says go before the second server is touched.", "Helen Carter"),
    ("@<Femke Bakker> decides on the Teams call, after the revision check.", "Femke Bakker"),
    ("Se o check passou, Plano A; senão Marcelo escolhe o cancelamento.", "Marcelo"),
    ("Jonas entscheidet nach dem Smoke-Test.", "Jonas"),
    ("Claire décide après les tests.", "Claire"),
    ("第一台升级完成后，由审批人刘洋决定是否继续。", "刘洋"),
    ("Marek decyduje po testach dymnych.", "Marek"),
])
def test_a_person_decides_without_a_role(said: str, who: str) -> None:
    plan = plan_of("# Ledger\n\n" + SHIP + f"**Go/No-Go:** {said}\n" + NEXT)
    gate = plan["phases"][0]["gate"]
    assert gate["approvals"] == {"role": "Go/No-Go approver"}, gate
    assert plan["approvers"]["Go/No-Go approver"] == [who]
    assert "第一台升级完成后" not in str(plan["approvers"])  # "after the first node is upgraded": nobody


def test_a_gate_that_restates_the_phases_success_stays_a_description() -> None:
    plan = plan_of("# Ledger\n\n" + SHIP + "**Go/No-Go:** Database schema successfully deployed\n" + NEXT)
    assert plan["phases"][0]["gate"] == {"description": "Database schema successfully deployed"}
    assert "approvers" not in plan and len(plan["phases"][0]["steps"]) == 1


def test_a_decision_naming_nobody_asks_a_role_to_fill_in_before_the_run() -> None:
    """No longer a person's step with no deadline: the gate's approval by the Go/No-Go approver, a role listing
    nobody that `golive run` refuses to start with until it is filled in (tests/test_import_persons.py)."""
    plan = plan_of("# Ledger\n\n" + SHIP + "**Go/No-Go:** the bridge decides after the smoke tests.\n" + NEXT)
    first = plan["phases"][0]
    assert first["gate"]["approvals"] == {"role": "Go/No-Go approver"}
    assert plan["approvers"] == {"Go/No-Go approver": []}
    assert len(first["steps"]) == 1 and "manual" not in first["steps"][0]


def test_a_decision_in_russian_is_never_a_gate_that_passes_by_itself() -> None:
    plan = plan_of("# Ledger\n\n" + SHIP + "**Go/No-Go:** дежурный SRE принимает решение после проверки.\n" + NEXT)
    first = plan["phases"][0]
    assert "approvals" in first["gate"] or first["steps"][-1]["manual"]["instruction"].startswith("Go/No-Go:")


def test_a_title_and_surname_is_the_documents_person_in_their_role() -> None:
    plan = plan_of("# Lab\n\n- **Clinical approver:** Dr. Helen Okafor\n\n" + SHIP
                   + "**Go/No-Go:** Dr. Okafor decides after the bench tech confirms the test order.\n" + NEXT)
    assert plan["phases"][0]["gate"]["approvals"] == {"role": "Clinical approver"}


def test_a_roles_abbreviation_in_a_people_table_names_that_role() -> None:
    doc = ("# CMS\n\n## Roles\n\n| Role | Name | Responsibility |\n|---|---|---|\n"
           "| Government Change Approver (GCA) | Denise Holloway | Approves rollback |\n"
           "| Deployment Lead | Aisha Rahman | Executes |\n\n" + SHIP
           + "**Go/No-Go:** The GCA shall render a GO or NO-GO decision.\n" + NEXT)
    assert gate_of(doc)["approvals"] == {"role": "Government Change Approver"}


@pytest.mark.parametrize(("said", "until"), [
    ("Diego calls GO or NO-GO. No answer by 10:15 = NO-GO.", "2026-12-16T10:15"),
    ("Femke Bakker decides. No decision by 09:45 means No-Go.", "2026-12-16T09:45"),
    ("Kavya Nair decides. Keine Antwort bis 10:30 = NO-GO.", "2026-12-16T10:30"),
])
def test_silence_by_a_clock_time_is_a_no_go(said: str, until: str) -> None:
    doc = "# Ledger\n\n" + WINDOW + SHIP + f"**Go/No-Go:** {said}\n" + NEXT
    plan, summary = load(doc)
    approvals = plan.phases[0].gate.approvals
    assert approvals is not None and approvals.until == until and approvals.timeout is None
    assert any("is a NO-GO -> the approval's until" in line for line in summary)


@pytest.mark.parametrize(("said", "until"), [
    ("Maria (release manager) decides. No answer by 10:15 = NO-GO.", "2026-12-16T10:15"),
    ("Diego calls it. If there is no GO by 09:45, we abort.", "2026-12-16T09:45"),
    ("Diego calls it. No decision by 10:30, then we roll back.", "2026-12-16T10:30"),
])
def test_other_wordings_of_a_decider_and_of_silence_keep_the_limit(said: str, until: str) -> None:
    """A decider with a role in brackets is still the decider, and "no GO by 09:45, we abort" is silence as a
    NO-GO: without either the approval had no limit and a late yes went on (review3 M2)."""
    plan, _ = load("# Ledger\n\n" + WINDOW + SHIP + f"**Go/No-Go:** {said}\n" + NEXT)
    approvals = plan.phases[0].gate.approvals
    assert approvals is not None and approvals.until == until, approvals


def test_a_word_starting_with_go_is_no_silence() -> None:
    said = "Diego calls it. No go-live photos before 10:15, we stop the stream."
    doc = "# Ledger\n\n" + WINDOW + SHIP + f"**Go/No-Go:** {said}\n" + NEXT
    assert "until" not in gate_of(doc).get("approvals", {})


def test_silence_within_a_duration_is_a_timeout() -> None:
    doc = "# Ledger\n\n" + SHIP + "**Go/No-Go:** Diego Martín decides. No answer within 15 minutes = NO-GO.\n" + NEXT
    approvals = gate_of(doc)["approvals"]
    assert approvals["timeout"] == "15m" and "until" not in approvals


def test_a_clock_time_without_a_window_names_no_moment() -> None:
    doc = "# Ledger\n\n" + SHIP + "**Go/No-Go:** Diego calls it. No answer by 10:15 = NO-GO.\n" + NEXT
    assert gate_of(doc)["approvals"] == {"role": "Go/No-Go approver"}


def test_a_section_that_is_only_its_go_no_go_gates_the_phase_before() -> None:
    doc = ("# MOP\n\n- **NOC:** Willem de Vries\n\n" + SHIP.replace("Phase 1: Migrate", "Step 4 — Verify")
           + "## Step 5 — Make it permanent\n\nGo/No-Go: Willem de Vries (NOC) gives GO, then type `commit` on"
           " er1-ams. NO-GO: do nothing.\n")
    plan = plan_of(doc)
    verify, permanent = plan["phases"]
    assert verify["gate"]["approvals"] == {"role": "NOC"}
    assert permanent["name"] == "Step 5 — Make it permanent"
    assert "type `commit` on er1-ams" in permanent["steps"][0]["manual"]["instruction"]


RAMP = """# Checkout

## Deploy

```bash
./deploy green
```

## Ramp traffic

| Stage | Green weight | Hold |
|---|---|---|
| 1 | 5% | 10 min |
| 2 | 25% | 10 min |
| 3 | 50% | 15 min |
| 4 | 100% | — |

**Go/No-Go {where}:** Marcus Lee, on the release call.

## Handoff

- [ ] Post in #checkout-oncall
"""


@pytest.mark.parametrize("where", ["before stage 4", "before the 100% stage", "vor Stufe 4", "antes da etapa 4",
                                   "before the final stage"])
def test_a_go_no_go_before_a_stage_gates_that_stage(where: str) -> None:
    plan = plan_of(RAMP.replace("{where}", where))
    names = [p["name"] for p in plan["phases"]]
    ramp = plan["phases"][names.index("Ramp traffic")]
    after = plan["phases"][names.index("Ramp traffic") + 1]
    held = next(s["canary"] for s in ramp["steps"] if "canary" in s)
    assert [s["weight"] for s in held["stages"]] == [5, 25, 50] and held["promote"] is False
    assert plan["approvers"][ramp["gate"]["approvals"]["role"]] == ["Marcus Lee"]
    rest = next(s["canary"] for s in after["steps"] if "canary" in s)
    assert [s["weight"] for s in rest["stages"]] == [100] and "promote" not in rest
    assert "after the Go/No-Go" in after["name"]


def test_a_go_no_go_after_the_ramp_leaves_it_whole() -> None:
    plan = plan_of(RAMP.replace("{where}", "after the ramp"))
    canaries = [s["canary"] for p in plan["phases"] for s in p["steps"] if "canary" in s]
    assert len(canaries) == 1 and [s["weight"] for s in canaries[0]["stages"]] == [5, 25, 50, 100]


PLANS = """# Upgrade

## 2. Check

```bash
./pg_upgrade --check
```

**Go/No-Go (Marcelo Lima):** se o check passou, **{a}**. Se falhou, Marcelo escolhe o **{b}** ou o cancelamento.

## 3. {a} — pg_upgrade de verdade{default}

```bash
./pg_upgrade --link
```

## 4. {b} — replicação lógica (só se o Marcelo escolher)

```sql
CREATE PUBLICATION pub_pedidos FOR ALL TABLES;
```

## 5. Depois

```bash
./smoke
```
"""


@pytest.mark.parametrize(("a", "b"), [("Plano A", "Plano B"), ("Plan A", "Plan B"), ("Opção 1", "Opção 2"),
                                      ("Variante A", "Variante B")])
def test_only_the_default_of_sibling_alternatives_runs(a: str, b: str) -> None:
    doc = PLANS.replace("{a}", a).replace("{b}", b).replace("{default}", " (padrão)")
    runs, manual = doc_runs(doc), doc_manual(doc)
    assert "pg_upgrade --link" in runs and "./smoke" in runs
    assert "CREATE PUBLICATION" not in runs  # it ran after Plano A: both alternatives, one after the other
    assert "CREATE PUBLICATION pub_pedidos FOR ALL TABLES;" in manual and f"instead of {a}" in manual


def test_with_no_default_no_alternative_runs() -> None:
    doc = PLANS.replace("{a}", "Plano A").replace("{b}", "Plano B").replace("{default}", "")
    runs, manual = doc_runs(doc), doc_manual(doc)
    assert "pg_upgrade --link" not in runs and "CREATE PUBLICATION" not in runs and "./smoke" in runs
    assert "pg_upgrade --link" in manual and "CREATE PUBLICATION" in manual
    # "**Go/No-Go (Marcelo Lima):**": who decides is written beside the words
    assert plan_of(doc)["approvers"]["Go/No-Go approver"] == ["Marcelo Lima"]
