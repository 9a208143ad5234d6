"""The plan: typed model, YAML loading with positions, step ids."""

from golive.plan.loader import load_plan, parse_plan_text
from golive.plan.model import Phase, Plan

__all__ = ["Phase", "Plan", "load_plan", "parse_plan_text"]
