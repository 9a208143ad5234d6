"""nginx weights edited in place in a file a team already has (`server 10.4.0.31:8000 weight=90;`).

A runbook that moves traffic with `sed -i 's/weight=.*/.../' /etc/nginx/conf.d/app-upstream.conf` owns that file:
keepalive, max_fails, other servers and comments are the team's. golive's own mode rewrites the whole upstream
block from a template, which would drop them; this mode changes only the weight (and the `down` flag, since nginx
refuses `weight=0`) of the servers a plan names, and keeps every other byte. A file in which a named server is
not found exactly once, in exactly one upstream block, is refused: a weight is never written to a guessed line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from golive.errors import RouterError

_UPSTREAM = re.compile(r"\bupstream\s+([^\s{;#]+)\s*\{")
_WEIGHT = re.compile(r"(?<=\s)weight=(\d+)(?=[\s;])")
_DOWN = re.compile(r"\s+down(?=[\s;])")


@dataclass
class ServerLine:
    """One `server ADDRESS params;` directive: where its parameters stand in the file, and what they say."""

    address: str
    params_start: int  # just after the address
    end: int  # the `;`
    params: str

    @property
    def weight(self) -> int:
        """The share nginx gives it: 0 when `down`, else `weight=` (1 when not written)."""
        if _DOWN.search(self.params + ";"):
            return 0
        m = _WEIGHT.search(self.params + ";")
        return int(m.group(1)) if m else 1


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Parts of text[start:end] outside `#` comments and quoted strings."""
    spans: list[tuple[int, int]] = []
    i, from_ = start, start
    while i < end:
        c = text[i]
        if c == "#":
            spans.append((from_, i))
            nl = text.find("\n", i, end)
            i = from_ = end if nl < 0 else nl
            continue
        if c in "\"'":
            close = text.find(c, i + 1, end)
            i = end if close < 0 else close + 1
            continue
        i += 1
    spans.append((from_, end))
    return spans


def _blocks(text: str) -> list[tuple[str, int, int]]:
    """(name, body start, body end) of every upstream block outside comments."""
    out: list[tuple[str, int, int]] = []
    for a, b in _code_spans(text, 0, len(text)):
        for m in _UPSTREAM.finditer(text, a, b):
            depth, i = 1, m.end()
            while i < len(text) and depth:
                if text[i] == "#":
                    nl = text.find("\n", i)
                    i = len(text) if nl < 0 else nl
                    continue
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            if depth:
                raise RouterError(f"upstream '{m.group(1)}' has no closing brace")
            out.append((m.group(1), m.end(), i - 1))
    return out


def _servers(text: str, start: int, end: int) -> list[ServerLine]:
    out: list[ServerLine] = []
    for a, b in _code_spans(text, start, end):
        for m in re.finditer(r"(?:(?<=[;{}\s])|^)server\s+([^\s;]+)([^;]*);", text[a:b], re.M):
            out.append(ServerLine(m.group(1), a + m.start(2), a + m.end(2), m.group(2)))
    return out


def find_servers(text: str, upstream: str | None, addresses: list[str], where: str) -> dict[str, ServerLine]:
    """Each named address's `server` line: in the upstream block named `upstream` (or, with none named, the one
    block that holds them all). Refused, naming what is missing or repeated, unless each is there exactly once."""
    blocks = _blocks(text)
    if upstream is not None:
        chosen = [blk for blk in blocks if blk[0] == upstream]
        if len(chosen) != 1:
            raise RouterError(f"{where}: {'no' if not chosen else len(chosen)} 'upstream {upstream}' block(s);"
                              " golive edits weights only in a file where the upstream is written exactly once")
    else:
        chosen = [blk for blk in blocks
                  if {s.address for s in _servers(text, blk[1], blk[2])} >= set(addresses)]
        if len(chosen) != 1:
            raise RouterError(f"{where}: {len(chosen)} upstream blocks hold servers {', '.join(addresses)};"
                              " name the upstream (`upstream:`)")
    name, a, b = chosen[0]
    lines = _servers(text, a, b)
    found: dict[str, ServerLine] = {}
    for addr in addresses:
        same = [s for s in lines if s.address == addr]
        if len(same) != 1:
            raise RouterError(f"{where}: upstream '{name}' has {len(same)} 'server {addr}' lines, not one;"
                              " golive will not guess which weight to change")
        found[addr] = same[0]
    return found


def read_weights(text: str, upstream: str | None, pools: Mapping[str, list[str]], where: str) -> dict[str, float]:
    """Each pool's nginx weight as the file has it (its servers carry the same one when golive wrote them)."""
    found = find_servers(text, upstream, [s for servers in pools.values() for s in servers], where)
    return {pool: float(max(found[s].weight for s in servers)) for pool, servers in pools.items()}


def edit_weights(text: str, upstream: str | None, pools: Mapping[str, list[str]], weights: Mapping[str, int],
                 where: str) -> str:
    """The file with each pool's servers at `weights[pool]`: `weight=N` changed (or added after the address) and
    `down` taken away; at 0, `down` added and the weight left as it was. Nothing else in the file changes."""
    found = find_servers(text, upstream, [s for servers in pools.values() for s in servers], where)
    edits: list[tuple[int, int, str]] = []
    for pool, servers in pools.items():
        w = weights[pool]
        for addr in servers:
            line = found[addr]
            params = line.params
            if w > 0:
                params = _DOWN.sub("", params + ";")[:-1]
                if _WEIGHT.search(params + ";"):
                    params = _WEIGHT.sub(f"weight={w}", params + ";", count=1)[:-1]
                else:
                    params = f" weight={w}{params}"
            elif not _DOWN.search(params + ";"):
                params = params.rstrip() + " down" + params[len(params.rstrip()):]
            edits.append((line.params_start, line.end, params))
    for a, b, new in sorted(edits, reverse=True):
        text = text[:a] + new + text[b:]
    return text
