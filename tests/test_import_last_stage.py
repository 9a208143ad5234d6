"""The last stage written "y por último el 100 %" (or "e por fim", "finalement", "schließlich", "infine") was lost:
the canary ended at 50% and the run finished with half the traffic on the old version."""

from __future__ import annotations

import pytest

from golive.plan.md_traffic import stages_in


@pytest.mark.parametrize("text", [
    "primero el 5 %, luego el 30 % y por\núltimo el 100 %, 10 minutos en cada paso.",
    "primeiro 5 %, depois 30 % e por fim 100 %.",
    "d'abord 5 %, puis 30 % et finalement 100 %.",
    "zuerst 5 %, dann 30 % und schließlich 100 %.",
    "prima il 5 %, poi il 30 % e infine il 100 %.",
])
def test_the_last_stage_is_kept(text: str) -> None:
    assert [w for w, _at in stages_in(text, "traffic")] == [5, 30, 100], stages_in(text, "traffic")
