"""The plan: typed model, YAML loading with positions, step ids."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from golive.plan.loader import load_plan, parse_plan_text
    from golive.plan.model import Phase, Plan

__all__ = ["Phase", "Plan", "load_plan", "parse_plan_text"]


def __getattr__(name: str) -> Any:
    """The names above, imported on first use: what reads a recorded run needs golive.plan.model, not the YAML
    loader (ruamel), which importing this package would otherwise load first."""
    if name in ("load_plan", "parse_plan_text"):
        from golive.plan import loader

        return getattr(loader, name)
    if name in ("Phase", "Plan"):
        from golive.plan import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
