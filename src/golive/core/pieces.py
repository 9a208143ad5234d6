"""How a payload becomes a typed model and back, unchanged: the msgspec machinery under golive.core.events.

A `Piece` remembers what it was read from (or the fields its constructor was given), so writing it back gives
the payload as stored: no defaults added, extras kept, in the model's field order. `read` is the one way in.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

import msgspec

from golive.core.stepid import StepId

_GIVEN: dict[tuple[str, ...], frozenset[str]] = {}


def _given(names: tuple[str, ...]) -> frozenset[str]:
    """One set per combination of given fields, shared: a 10,000-step run's 30,000 events have a handful of
    combinations, and a set of its own per event cost up to 728 bytes each."""
    key = tuple(sorted(names))
    found = _GIVEN.get(key)
    if found is None:
        found = _GIVEN[key] = frozenset(key)
    return found


class _Recording(msgspec.StructMeta):
    """Remembers which fields a constructor was given (`Piece.has`), so a payload holds only those, as written."""

    def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any], **config: Any) -> Any:
        config.setdefault("kw_only", True)  # msgspec does not inherit it: a required field may follow optional ones
        return super().__new__(mcls, name, bases, ns, **config)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        """Fields go by their Python or stored name (`as_` or `as`); others are extras, kept in the payload."""
        names = dict(zip(cls.__struct_encode_fields__, cls.__struct_fields__, strict=True))
        fields = {names.get(k, k): v for k, v in kwargs.items() if names.get(k, k) in cls.__struct_fields__}
        made = super().__call__(*args, **fields)
        made._given = _given(tuple(fields))
        made._extras = {k: v for k, v in kwargs.items() if names.get(k, k) not in fields}
        return made


class Piece(msgspec.Struct, metaclass=_Recording, kw_only=True, dict=True):
    """A typed part of a payload (or a payload): fields are read by name, written by their stored name."""

    def has(self, name: str) -> bool:
        """Whether the payload gave this field (rather than its default filling it in)."""
        given: frozenset[str] | None = self.__dict__.get("_given")
        return True if given is None else name in given

    def __copy__(self) -> Any:
        made = msgspec.structs.replace(self)
        made.__dict__.update(self.__dict__)
        return made

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """What a piece was given travels with it (dataclasses.asdict deep-copies the report that holds pieces)."""
        made = msgspec.structs.replace(self, **{n: copy.deepcopy(getattr(self, n), memo)
                                                for n in self.__struct_fields__})
        made.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return made

    def extras(self) -> dict[str, Any]:
        """What the payload holds beyond the fields its model names (a newer writer's, a signature...)."""
        stored: dict[str, Any] | None = self.__dict__.get("_stored")
        if stored is None:
            return dict(self.__dict__.get("_extras", {}))
        return {k: v for k, v in stored.items() if k not in self.__struct_encode_fields__}

    def raw(self) -> dict[str, Any]:
        """As stored: the fields it had, none added by defaults."""
        stored: dict[str, Any] | None = self.__dict__.get("_stored")
        if stored is not None:  # the model's fields in its order (then extras), each value as it was stored
            out: dict[str, Any] = {}
            for n, e in zip(self.__struct_fields__, self.__struct_encode_fields__, strict=True):
                if e in stored:
                    value = getattr(self, n)
                    out[e] = as_json(value) if _holds_piece(value) else stored[e]
            out.update((k, v) for k, v in stored.items() if k not in out)
            return out
        names = dict(zip(self.__struct_fields__, self.__struct_encode_fields__, strict=True))
        given = {names[n]: as_json(getattr(self, n)) for n in self.__struct_fields__ if self.has(n)}
        return {**given, **as_json(self.__dict__.get("_extras", {}))}


def _holds_piece(value: Any) -> bool:
    return isinstance(value, Piece) or (isinstance(value, list) and any(isinstance(v, Piece) for v in value))


def as_json(value: Any) -> Any:
    """A value as JSON data, each piece as it was given."""
    if isinstance(value, Piece):
        return value.raw()
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, StepId):
        return str(value)
    return value


def decode_hook(tp: type, value: Any) -> Any:
    if tp is StepId and isinstance(value, str):
        return StepId(value)
    raise NotImplementedError


def _remember(made: Any, raw: Any) -> None:
    """After a read: each piece knows the fields its payload gave (what `has` answers)."""
    if isinstance(made, Piece) and isinstance(raw, dict):
        made.__dict__["_stored"] = raw
        made.__dict__["_given"] = _given(
            tuple(n for n, e in zip(made.__struct_fields__, made.__struct_encode_fields__, strict=True) if e in raw))
        for n, e in zip(made.__struct_fields__, made.__struct_encode_fields__, strict=True):
            if e in raw:
                _remember(getattr(made, n), raw[e])
    elif isinstance(made, list) and isinstance(raw, list):
        for m, r in zip(made, raw, strict=False):
            _remember(m, r)


P = TypeVar("P", bound=Piece)


def read(cls: type[P], payload: dict[str, Any]) -> P:
    """A payload (or a piece of one) as its model; raises msgspec.ValidationError (a ValueError) if it does not fit."""
    made = msgspec.convert(payload, cls, strict=False, dec_hook=decode_hook)
    _remember(made, payload)
    return made
