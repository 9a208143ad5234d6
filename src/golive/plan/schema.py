"""The JSON Schema of plan files, derived from the plan model (never written by hand).

Pydantic's schema describes the *validated* shape. Plans may also use the shorthands that the model's
before-validators normalise (`shell: cmd`, `timebox: 30m`, a bare string as a step, a string var).
Those validators are probed with sample inputs: when one turns a string (or number) into a different
type, that input type is added to the schema at that place. So a new shorthand in the model shows up
in the schema without anyone editing this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

SCHEMA_ID = "https://golive.dev/schema/plan.json"
#: Draft-07, not 2020-12: the YAML language server behind most editors' YAML support (VS Code's YAML extension,
#: yamlls) validates draft-07 and below and warns on a 2020-12 `$schema`. Pydantic's output needs nothing newer:
#: `$defs` is reached through plain JSON pointers, and no `$ref` carries sibling constraints (which draft-07
#: would ignore); tests/test_schema.py checks both.
DIALECT = "http://json-schema.org/draft-07/schema#"

#: JSON type of a sample -> samples tried on each before-validator.
_SAMPLES: tuple[tuple[str, Any], ...] = (
    ("string", "1m"), ("string", "1%"), ("string", "x"), ("integer", 1), ("number", 1.5),
)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if value is None:
        return "null"
    return "object"


def shorthand_inputs(fn: Callable[[Any], Any]) -> list[str]:
    """JSON types a normaliser accepts and turns into something else (its shorthand inputs)."""
    found: list[str] = []
    for jtype, sample in _SAMPLES:
        if jtype in found:
            continue
        try:
            result = fn(sample)
        except Exception:  # a probe: a validator refusing this sample just means no shorthand of this type
            continue
        rtype = _json_type(result)
        if rtype != jtype and not (jtype == "integer" and rtype == "number"):
            found.append(jtype)
    return found


class _PlanSchema(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: Any) -> bool:
        """As for the named type itself where a section is validated lazily (golive.core.lazyunion.LazyType):
        pydantic gives a model field no title of its own."""
        from golive.core.lazyunion import LazyType

        inner = schema
        while inner.get("type") in ("model-field", "default", "nullable"):
            inner = inner["schema"]
        lazy = LazyType.of(inner)
        return super().field_title_should_be_set(lazy.core() if lazy is not None else schema)

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        inner = super().function_before_schema(schema)
        info = schema.get("function", {})
        if info.get("type") != "no-info":
            return inner
        extra = shorthand_inputs(info["function"])  # type: ignore[arg-type]
        if not extra:
            return inner
        return {"anyOf": [inner, *({"type": t} for t in extra)]}


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _fix_bounds(node: Any) -> None:
    """Pydantic leaves `ge`/`le` of some Annotated numbers as-is; JSON Schema spells them minimum/maximum."""
    if isinstance(node, dict):
        if "type" in node or "anyOf" in node:
            for old, new in _BOUNDS.items():
                value = node.get(old)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    node.setdefault(new, node.pop(old))
        for value in node.values():
            _fix_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _fix_bounds(value)


def _cross_field_rules(defs: dict[str, Any]) -> None:
    """What the model checks in validators but JSON Schema can also say, so editors flag it while typing: time
    zones from the zone database itself (and offered for completion), no inline value for a secret var."""
    import zoneinfo

    window = defs.get("Window", {}).get("properties", {})
    if "timezone" in window:
        window["timezone"]["enum"] = sorted(zoneinfo.available_timezones())
    var = defs.get("Var")
    if var is not None and {"secret", "value"} <= set(var.get("properties", {})):
        var["if"] = {"properties": {"secret": {"const": True}}, "required": ["secret"]}
        var["then"] = {"properties": {"value": {"type": "null"}}}


def plan_schema() -> dict[str, Any]:
    """The schema editors load (`golive schema`); built from the model each time, so it cannot drift."""
    from golive.plan.model import Plan
    from golive.steps.registry import kind_classes

    schema = Plan.model_json_schema(by_alias=True, schema_generator=_PlanSchema)
    _fix_bounds(schema)
    defs = schema.get("$defs", {})
    # Each step kind requires its own key and forbids the others (extra="forbid"), so exactly one
    # alternative of the `oneOf` matches; give editors a description to show for the kind key.
    for kind, cls in kind_classes().items():
        d = defs.get(cls.__name__)
        if d is not None and kind in d.get("properties", {}):
            doc = (cls.__doc__ or "").strip().splitlines()
            d.setdefault("description", f"`{kind}` step" + (f": {doc[0]}" if doc else ""))
    _cross_field_rules(defs)
    return {"$schema": DIALECT, "$id": SCHEMA_ID,
            "title": "golive plan", **{k: v for k, v in schema.items() if k != "title"}}
