"""How golive tells that two spellings of a name are one person: the one comparison every place that decides who
may act uses (the approval check, the separation of duties, the waiting line's list of who may approve), so what
golive shows and what it accepts never disagree."""

from __future__ import annotations


def same_person(name: str, names: list[str]) -> str | None:
    """The entry of `names` that is `name`, ignoring case and surrounding space (people type both)."""
    wanted = name.strip().casefold()
    return next((n for n in names if n.strip().casefold() == wanted), None)
