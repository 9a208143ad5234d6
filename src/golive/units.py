"""Durations and sizes as people write them in plans: `30m`, `1h30m`, `500ms`, `10GB`, `512MiB`."""

from __future__ import annotations

import math
import re

_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)(ms|milliseconds?|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)(?![a-z])"
)
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _unit(word: str) -> float:
    if word.startswith("mil") or word == "ms":
        return _UNITS["ms"]
    if word.startswith("mi") or word == "m":
        return _UNITS["m"]
    return _UNITS[word[0]]


def parse_duration(value: str | int | float) -> float:
    """Seconds from `90`, `90s`, `1h30m`, `500ms`. Raises ValueError with a readable message."""
    if isinstance(value, bool):
        raise ValueError("expected a duration like '30s', '5m' or '1h30m'")
    if isinstance(value, int | float):
        try:
            seconds = float(value)
        except OverflowError:
            raise ValueError("the duration is too large") from None
        if not math.isfinite(seconds):  # `.inf`, `1e999`, `.nan`: no deadline at all is not a duration
            raise ValueError("a duration must be a finite number of seconds")
        if seconds < 0:
            raise ValueError("a duration cannot be negative")
        return seconds
    text = value.strip().lower().replace(" ", "").replace("and", "").replace(",", "")
    if not text:
        raise ValueError("expected a duration like '30s', '5m' or '1h30m'")
    pos = 0
    total = 0.0
    for m in _DURATION_PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _unit(m.group(2))
        pos = m.end()
    if not math.isfinite(total):
        raise ValueError("the duration is too large")
    if pos != len(text):
        try:
            return parse_duration(float(text))
        except ValueError:
            raise ValueError(f"'{value}' is not a duration (write e.g. '30s', '5m', '1h30m')") from None
    return total


def format_duration(seconds: float) -> str:
    """Short human form: `850ms`, `42s`, `5m03s`, `2h05m`."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{seconds:.0f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgtp]?i?b?)?$")
_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "kib": 1024, "ki": 1024,
    "m": 1000**2, "mb": 1000**2, "mib": 1024**2, "mi": 1024**2,
    "g": 1000**3, "gb": 1000**3, "gib": 1024**3, "gi": 1024**3,
    "t": 1000**4, "tb": 1000**4, "tib": 1024**4, "ti": 1024**4,
}


def parse_size(value: str | int | float) -> int:
    """Bytes from `10GB`, `512MiB`, `1024`."""
    if isinstance(value, bool):
        raise ValueError("expected a size like '10GB' or '512MiB'")
    if isinstance(value, int | float):
        return int(value)
    m = _SIZE.match(value.strip().lower())
    if not m or (m.group(2) or "") not in _SIZE_UNITS:
        raise ValueError(f"'{value}' is not a size (write e.g. '10GB', '512MiB')")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2) or ""])
