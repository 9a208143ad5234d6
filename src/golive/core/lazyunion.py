"""A tagged union whose members are imported the first time a value names them.

A plan's step list is a union of thirteen step kinds, and a check step's `check:` a union of eleven checks. Built
eagerly, the union imports every member's module and builds every member's model (about 0.2 s), although a plan
uses a few: `golive plan show` of a shell-only plan would build canary, rolling and PostgreSQL models first.
Here the union's members are named (tag -> "module:Class"); validating a value picks the member by its tag as a
discriminated union does, imports it then, and validates the value with the member's own validator.

Nothing a plan author sees changes: the same tags are tried in the same order, so the errors (and their
locations, which include the tag as pydantic's `<shell>` / `disk`) are the ones the eager union gave; a member's
errors keep their locations because pydantic-core passes a ValidationError raised inside a validator through as
its line errors. The JSON Schema is the eager union's (it loads every member: only `golive schema` asks).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic_core import core_schema

if TYPE_CHECKING:
    from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue


class LazyUnion:
    """Pydantic metadata (`Annotated[Any, LazyUnion(...)]`): a tagged union of models imported on first use."""

    def __init__(self, members: Mapping[str, str], discriminator: str | Callable[[Any], str | None]) -> None:
        #: tag -> "module:Class", in the order an error lists the expected tags.
        self.members = dict(members)
        self.discriminator = discriminator
        self._loaded: dict[str, type[BaseModel]] = {}
        self._describing: set[str] = set()

    def member(self, tag: str) -> type[BaseModel]:
        cls = self._loaded.get(tag)
        if cls is None:
            module, _, name = self.members[tag].partition(":")
            # __import__, not importlib.import_module: `python -X importtime` reports only the former, and that is
            # how tests/test_cli_imports.py sees what a command loads.
            cls = self._loaded[tag] = getattr(__import__(module, fromlist=(name,)), name)
        return cls

    def _validator(self, tag: str) -> Callable[[Any, core_schema.ValidationInfo], Any]:
        def validate(value: Any, info: core_schema.ValidationInfo) -> Any:
            # A ValidationError raised here reaches the caller as the member's own errors, under this place.
            return self.member(tag).__pydantic_validator__.validate_python(value, context=info.context)

        return validate

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # What pydantic builds for `Annotated[Union[...], Discriminator(...)]` / `Field(discriminator=...)`, with
        # each member's schema replaced by a function that loads it; serialising a member is by its own model.
        choices: dict[Any, core_schema.CoreSchema] = {
            tag: core_schema.with_info_plain_validator_function(self._validator(tag)) for tag in self.members}
        return core_schema.tagged_union_schema(choices, self.discriminator, strict=False, from_attributes=True)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # Pydantic hands over the schema of the whole annotated type (with the before-validators around the union,
        # whose shorthands golive.plan.schema reads): describe it with the eager union in place of this one. Each
        # member goes once under $defs, and here a $ref to each; a member refers back to this union (a step's
        # `undo`), so while it is being described it is only referred to.
        outermost = not self._describing
        try:
            return handler(self._with_eager_union(schema))
        finally:
            if outermost:
                self._describing.clear()

    def _with_eager_union(self, schema: Any) -> Any:
        if schema.get("type") in ("function-before", "function-after", "function-wrap"):
            return {**schema, "schema": self._with_eager_union(schema["schema"])}
        if schema.get("type") != "tagged-union":
            raise TypeError(f"LazyUnion describes the union it made, not a {schema.get('type')} schema")
        refs: dict[Any, core_schema.CoreSchema] = {}
        described: list[core_schema.CoreSchema] = []
        for tag in self.members:
            member = self.member(tag).__pydantic_core_schema__
            if tag not in self._describing:
                self._describing.add(tag)
                described.append(member)
            ref = member["schema"]["ref"] if member["type"] == "definitions" else member["ref"]
            refs[tag] = core_schema.definition_reference_schema(ref)
        union = core_schema.tagged_union_schema(refs, self.discriminator, strict=False, from_attributes=True)
        return core_schema.definitions_schema(union, described) if described else union


def _named(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(__import__(module, fromlist=(name,)), name)


class LazyType:
    """Pydantic metadata (`Annotated[Any, LazyType("module:Name")]`): a value validated as the named type (a model,
    or any annotated type), imported when a value is first given. For plan sections most plans leave out (routers,
    host groups, locks, contacts): the plan model then does not build the router, SSH and lock models for them.
    Errors, dumps and the JSON Schema are the named type's, as for LazyUnion."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._validator: Any = None

    def resolve(self) -> Any:
        """The named type (what walks the model's fields, such as the loader's "did you mean" hints, looks at)."""
        return _named(self.target)

    @staticmethod
    def of(schema: Any) -> LazyType | None:
        """The LazyType that made this core schema, if one did (for JSON Schema generators deciding on titles)."""
        function = schema.get("function", {}).get("function") if schema.get("type") == "function-plain" else None
        owner = getattr(function, "__self__", None)
        return owner if isinstance(owner, LazyType) else None

    def core(self) -> core_schema.CoreSchema:
        """The core schema of the named type (building it)."""
        from pydantic import BaseModel, TypeAdapter

        tp = self.resolve()
        return tp.__pydantic_core_schema__ if isinstance(tp, type) and issubclass(tp, BaseModel) \
            else TypeAdapter(tp).core_schema

    def _validate(self, value: Any, info: core_schema.ValidationInfo) -> Any:
        if self._validator is None:
            from pydantic import BaseModel, TypeAdapter

            tp = self.resolve()
            self._validator = tp.__pydantic_validator__ if isinstance(tp, type) and issubclass(tp, BaseModel) \
                else TypeAdapter(tp).validator
        return self._validator.validate_python(value, context=info.context)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(self._validate)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        real: Any = self.core()
        if "ref" in real:  # a model: its own $defs entry and a $ref here, as a model field gets
            real = core_schema.definitions_schema(core_schema.definition_reference_schema(real["ref"]), [real])
        return handler(real)
