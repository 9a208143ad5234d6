"""The one registry of event types, and the doors a payload goes through: `parse` to read a stored one, `checked`,
`body` and `emitted` to write one.

Every model registers itself when defined (`golive.core.events.base`); this module imports every module that
defines them, so `KNOWN` and `BY_TYPE` are complete whoever imports it first, and orders them by `ORDER` (then by
definition), so docs/events.md lists them in the same order whatever order the modules were imported in.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from golive.core.events import audit, gates, notify, rollback, run, step_kinds, steps
from golive.core.events.base import _MODELS, EventBody
from golive.core.pieces import as_json, decode_hook, read
from golive.errors import EventRefused

#: The modules that define event types, in the order docs/events.md lists them. A module defining an event type
#: that is not here fails at import (`KNOWN`), so a new one cannot be left out of the doc by accident.
ORDER = (run, gates, steps, rollback, step_kinds, notify, audit)


class OtherEvent(EventBody):
    """A type this version has no model for (or a payload its model refuses): kept as read, folded as nothing."""


def _place(cls: type[EventBody]) -> int:
    """Where a model goes in `KNOWN`: its module's place in `ORDER` (definition order within a module)."""
    names = [module.__name__ for module in ORDER]
    if cls.__module__ not in names:
        raise ImportError(f"{cls.__module__}.{cls.__name__} defines an event type, but golive.core.events.catalogue"
                          f" does not list its module in ORDER")
    return names.index(cls.__module__)


#: Every event model: by module (`ORDER`), then in the order they are defined (the order of docs/events.md).
KNOWN: tuple[type[EventBody], ...] = tuple(sorted(_MODELS, key=_place))
TYPE_OF: dict[type[EventBody], str] = {cls: cls.type for cls in KNOWN}
BY_TYPE: dict[str, type[EventBody]] = {cls.type: cls for cls in KNOWN}

E = TypeVar("E", bound=EventBody)


def parse(type: str, payload: dict[str, Any]) -> EventBody:
    """The typed event for a stored (type, payload)."""
    model = BY_TYPE.get(type)
    if model is not None:
        try:
            return read(model, payload)
        except msgspec.ValidationError:
            pass
    other = read(OtherEvent, payload)
    other.__dict__["type"] = type
    return other


def type_of(cls: type[EventBody]) -> str:
    return TYPE_OF[cls]


def checked(event: E) -> E:
    """An event about to be appended, validated against its model: a payload the catalogue does not describe (a
    field of the wrong type, a required one missing, an unknown type) is refused, never written."""
    if type(event) not in TYPE_OF:
        raise EventRefused(f"{event.type or type(event).__name__}: not an event type of golive.core.events")
    payload = event.payload()
    try:
        msgspec.convert(payload, type(event), strict=False, dec_hook=decode_hook)
    except msgspec.ValidationError as exc:
        raise EventRefused(f"{event.type}: {exc}") from None
    return event


def emitted(type: str, payload: dict[str, Any]) -> EventBody:
    """A step's `ctx.emit(type, payload)`: the typed event it will append, or EventRefused."""
    model = BY_TYPE.get(type)
    if model is None:
        raise EventRefused(f"{type}: not an event type of golive.core.events (add a model there first)")
    try:
        return read(model, as_json(payload))
    except msgspec.ValidationError as exc:
        raise EventRefused(f"{type}: {exc}") from None


def body(cls: type[E], **fields: Any) -> dict[str, Any]:
    """A payload to append, checked against its model first (so a writer cannot drift from the catalogue). Fields
    go by their stored name or their Python one (`from` or `from_`)."""
    stored = dict(zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True))
    payload = {stored.get(k, k): as_json(v) for k, v in fields.items()}
    try:
        read(cls, payload)
    except msgspec.ValidationError as exc:
        raise EventRefused(f"{TYPE_OF[cls]}: {exc}") from None
    return payload




#: Events that mean "a person must do something now".
WAITS: tuple[type[EventBody], ...] = (gates.GateWaiting, steps.StepWaiting, run.RunNeedsAttention,
                                      rollback.RollbackConfirmationNeeded, rollback.RollbackFailed)
