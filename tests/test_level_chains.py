"""The one walk of rollback levels through `first`/`then` that the loader, lint and the importer share."""

from __future__ import annotations

from golive.plan.level_chains import leads_back, reached

RUNS = {1: [2], 2: [3, 1], 3: [], 4: [5]}


def after(n: int) -> list[int]:
    return RUNS.get(n, [])


def test_reached_is_breadth_first_each_once_and_skips_seen() -> None:
    assert list(reached([2, 9], after)) == [2, 9, 3, 1]
    assert list(reached([2], after, seen={1})) == [2, 3]


def test_leads_back_finds_a_loop_and_only_a_loop() -> None:
    assert leads_back(1, [2], after)
    assert not leads_back(4, [5], after)
    assert not leads_back(3, [], after)
