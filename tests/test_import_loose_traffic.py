"""Issue 14, a traffic progression written away from the phase that moves traffic, as set 4 of the blind runbooks
showed it missed, here in other words: in the overview as bare weights ("HAProxy weights 5 => 30 => 100"), or in a
list of decisions ("Traffic moves 10% → 40% → 100%, with 5 minutes after each of the first two"). When exactly one
phase is about moving traffic and gives no stages of its own, the progression, its holds and its limits are that
phase's canary; with two such phases nothing is guessed."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from golive.plan.importer import import_markdown

PHASES = ("## Phase 1: Deploy the new pool\n\n```bash\n./pool deploy green\n```\n\n"
          "## Phase 2: Ramp the new pool\n\n```bash\n./pool weights --from-plan\n```\n\n"
          "## Phase 3: Check\n\n- [ ] Orders go through\n")


def canaries(text: str) -> dict[str, dict[str, Any]]:
    data = YAML(typ="safe").load(import_markdown(text, "doc.md").yaml_text)
    return {p["name"]: s["canary"] for p in data["phases"] for s in p.get("steps", []) if "canary" in s}


def test_bare_weights_in_the_overview_are_the_ramp_phase_canary() -> None:
    found = canaries("# Orders 6.1\n\nClients move over by HAProxy weights 5 => 30 => 100, holding 15 minutes per "
                     "step; abort if 5xx > 2%.\n\n" + PHASES)
    assert list(found) == ["Phase 2: Ramp the new pool"]
    canary = found["Phase 2: Ramp the new pool"]
    assert canary["stages"] == [{"weight": 5, "hold": "15m"}, {"weight": 30, "hold": "15m"}, {"weight": 100}]
    assert canary["analysis"]["max_error_rate"] in ("2%", 0.02)


def test_a_progression_agreed_in_a_list_of_decisions() -> None:
    found = canaries("# Orders 6.1\n\n## Decisions\n\n- Traffic moves 10% → 40% → 100%, with 5 minutes after each "
                     "of the first two.\n\n" + PHASES)
    assert list(found) == ["Phase 2: Ramp the new pool"]
    assert found["Phase 2: Ramp the new pool"]["stages"] == [
        {"weight": 10, "hold": "5m"}, {"weight": 40, "hold": "5m"}, {"weight": 100}]


def test_two_phases_about_traffic_take_none() -> None:
    two = PHASES.replace("## Phase 3: Check", "## Phase 3: Shift the read traffic")
    assert canaries("# Orders 6.1\n\nTraffic moves 10% → 40% → 100%.\n\n" + two) == {}
