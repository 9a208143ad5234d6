"""Abort limits written with "pasa(n) de/del" (Spanish) or "passa(m) de" (Portuguese) were not read, so the canary
ran its stages with no analysis limits at all: a 5xx storm would not stop the ramp."""

from __future__ import annotations

import pytest

from golive.plan.md_traffic import thresholds_in


@pytest.mark.parametrize(("text", "rate", "p95"), [
    ("Si la tasa de 5xx pasa del 2 % o la latencia p99 pasa de 900 ms, volver al nivel 1.", 0.02, None),
    ("Vuelta atrás si los errores 5xx pasan de 0,5 %.", 0.005, None),
    ("Se o p95 passar de 700 ms ou a taxa de erros passa de 3 %, voltar.", 0.03, 700.0),
    ("Si el p95 de `/api/cobro` sobrepasa 650 ms, se regresa.", None, 650.0),
])
def test_pass_over_wordings_are_limits(text: str, rate: float | None, p95: float | None) -> None:
    found = {t.key: t for t in thresholds_in(text, 7)}
    if rate is not None:
        assert "max_error_rate" in found and abs(found["max_error_rate"].amount - rate) < 1e-9, found
    if p95 is not None:
        assert "max_p95" in found and abs(found["max_p95"].amount - p95 / 1000) < 1e-9, found


DOC = """# Cobros 5
## Paso 2 — Pasar tráfico (40 min)
El tráfico pasa al 10 %, después al 50 % y luego al 100 %, 10 minutos en cada paso. Si los errores 5xx pasan del
2 % o el p95 pasa de 700 ms, se regresa al nivel 1.

- [ ] Cobro de prueba aceptado
"""


def test_spanish_limits_of_a_ramp_are_the_canarys_analysis() -> None:
    import yaml

    from golive.plan.importer import import_markdown

    steps = yaml.safe_load(import_markdown(DOC, "doc.md").yaml_text)["phases"][0]["steps"]
    canary = next(s["canary"] for s in steps if "canary" in s)
    assert canary.get("analysis", {}).get("max_error_rate") == "2%", canary
    assert canary["analysis"].get("max_p95") == "700ms", canary
