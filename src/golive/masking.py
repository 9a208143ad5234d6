"""Secret masking: every string that leaves golive (events, output, reports) passes through a Masker."""

from __future__ import annotations

from typing import Any

MASK = "***"

#: Every secret any Masker of this process was given: for the last-resort paths (an internal error's one line
#: and its debug log) that run outside any run and have no Masker at hand.
_SEEN: set[str] = set()


def mask_known(text: str) -> str:
    """`text` with every secret this process has seen replaced by `***` (longest first)."""
    for s in sorted(_SEEN, key=len, reverse=True):
        if s in text:
            text = text.replace(s, MASK)
    return text


class Masker:
    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: list[str] = []
        for s in secrets or []:
            self.add(s)

    def add(self, secret: str) -> None:
        # Very short values would mask half of every output and hide nothing worth hiding.
        if len(secret) >= 3 and secret not in self._secrets:
            _SEEN.add(secret)
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def text(self, value: str) -> str:
        for s in self._secrets:
            if s in value:
                value = value.replace(s, MASK)
        return value

    def data(self, value: Any) -> Any:
        """Mask every string inside nested dicts/lists (keys too)."""
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value
