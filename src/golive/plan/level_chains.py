"""Walking rollback levels through their `first` and `then`: which levels a level runs, and whether that leads back
to itself. The loader (a loop is an error), lint (GL165) and the importer (carried conditions, chains and `first:`
that loop stay as written) all ask it, of a plan's models or of the importer's dicts, so the walk is written once
and takes the edges as a function."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator


def reached(todo: Iterable[int], after: Callable[[int], Iterable[int]], seen: Iterable[int] = ()) -> Iterator[int]:
    """Every level met from `todo`, breadth first and each once (`seen` are never met), following `after`: a level's
    `first` and `then` (nothing for a number the plan has no level for). Lazy, so a caller may stop at the first
    level it looks for."""
    queue, met = deque(todo), set(seen)
    while queue:
        n = queue.popleft()
        if n not in met:
            met.add(n)
            yield n
            queue.extend(after(n))


def leads_back(level: int, todo: Iterable[int], after: Callable[[int], Iterable[int]]) -> bool:
    """Whether following `after` from `todo` (what `level` runs) comes back to `level`: a loop."""
    return level in reached(todo, after)
