"""Issue 14, timeboxes written as an upper bound, as set 4 of the blind runbooks showed them missed, here in other
words: "(no more than 25 min)", "(22:05, 40 minutes tops)", "— max. 12 min", "(durata massima di 35 minuti)",
"(höchstens 15 Min.)". A bound is the phase's timebox; the words around it stay out of the phase's name."""

from __future__ import annotations

import pytest

from importforms import plan_of


@pytest.mark.parametrize(("heading", "name", "timebox"), [
    ("Phase 2: Reindex (no more than 25 min)", "Phase 2: Reindex", "25m"),
    ("2. Reindex (22:05, 40 minutes tops)", "2. Reindex (22:05)", "40m"),
    ("Phase 2: Reindex — max. 12 min", "Phase 2: Reindex", "12m"),
    ("Fase 2 – Reindicizzazione (durata massima di 35 minuti)", "Fase 2 – Reindicizzazione", "35m"),
    ("Phase 2: Neuindizierung (höchstens 15 Min.)", "Phase 2: Neuindizierung", "15m"),
    ("Phase 2: Reindex (at most 2 hours)", "Phase 2: Reindex", "2h"),
    ("Phase 2: Reindex (30 minutes at most)", "Phase 2: Reindex", "30m"),
    ("Phase 2: Reindex (T+10, max. 20 min)", "Phase 2: Reindex (T+10)", "20m"),
])
def test_an_upper_bound_in_a_heading_is_the_timebox(heading: str, name: str, timebox: str) -> None:
    plan = plan_of(f"# Search reindex\n\n## Phase 1: Freeze\n\n```bash\n./indexer pause\n```\n\n## {heading}\n\n"
                   "```bash\n./indexer rebuild --all\n```\n")
    phase = plan["phases"][1]
    assert (phase["name"], phase.get("timebox")) == (name, timebox)
