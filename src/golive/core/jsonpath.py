"""A tiny JSONPath and JSON value comparison, shared by the http step and check, the postgres check and the
JSON metric source: one reading of `$.a.b[0]` everywhere."""

from __future__ import annotations

import json
import re
from typing import Any

_PATH_TOKEN = re.compile(r"""\.([^.\[\]'"\s]+)|\[\s*(-?\d+)\s*\]|\[\s*(?:'([^']*)'|"([^"]*)")\s*\]""")

PathPart = str | int


def parse_json_path(path: str) -> list[PathPart]:
    """Parse the JSONPath subset golive supports: `$` (the document), `.key`, `[index]` (negative counts
    from the end), `['key']` / `["key"]` (keys with dots or spaces). No wildcards, filters or slices:
    a check names exactly one value. Raises ValueError with a readable message."""
    text = path.strip()
    if not text.startswith("$"):
        raise ValueError(f"JSON path '{path}' must start with '$' (e.g. '$.status', '$.items[0].id')")
    parts: list[PathPart] = []
    pos = 1
    while pos < len(text):
        m = _PATH_TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"JSON path '{path}': cannot read '{text[pos:]}'"
                             " (supported: $, .key, [0], ['key'])")
        key, index, quoted1, quoted2 = m.groups()
        if index is not None:
            parts.append(int(index))
        else:
            parts.append(next(p for p in (key, quoted1, quoted2) if p is not None))
        pos = m.end()
    return parts


def _path_text(parts: list[PathPart]) -> str:
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[^.\[\]'\"\s]+", p):
            out += f".{p}"
        else:
            out += f"['{p}']"
    return out


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    return "a number"


class PathNotFound(LookupError):
    pass


def resolve_json_path(doc: Any, path: str) -> Any:
    """The value at `path` in `doc`; PathNotFound says which step of the path failed and why."""
    parts = parse_json_path(path)
    value = doc
    for i, part in enumerate(parts):
        here = _path_text(parts[:i])
        if isinstance(part, int):
            if not isinstance(value, list):
                raise PathNotFound(f"{path}: {here} is {_kind(value)}, not a list")
            if not -len(value) <= part < len(value):
                raise PathNotFound(f"{path}: no index {part} ({here} has {len(value)} items)")
            value = value[part]
        else:
            if not isinstance(value, dict):
                raise PathNotFound(f"{path}: {here} is {_kind(value)}, not an object")
            if part not in value:
                keys = ", ".join(str(k) for k in list(value)[:10]) + (", ..." if len(value) > 10 else "")
                raise PathNotFound(f"{path}: no key '{part}' in {here} (keys: {keys or 'none'})")
            value = value[part]
    return value


def show_value(value: Any, limit: int = 80) -> str:
    """A JSON value as it should read in a message: strings quoted, true/false/null as in JSON."""
    if isinstance(value, str):
        text = f"'{value}'"
    else:
        try:
            text = json.dumps(value, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def values_equal(actual: Any, expected: Any) -> bool:
    """JSON equality: `true` is not `1`, `1` equals `1.0`, containers compare element-wise."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual == expected
    if isinstance(actual, dict) and isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(values_equal(actual[k], expected[k]) for k in actual)
    if isinstance(actual, list) and isinstance(expected, list):
        return len(actual) == len(expected) and all(values_equal(a, e) for a, e in zip(actual, expected, strict=True))
    return bool(actual == expected)
