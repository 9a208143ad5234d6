"""The one interface every router (HAProxy, nginx, the built-in proxy) offers to the traffic steps.

Weights are whole percentages per *pool* (a named group of servers, e.g. `stable` and `canary`) and
always sum to 100; each router maps them onto its own notion (HAProxy server weights, nginx upstream
weights, the proxy's pool weights). Counters are cumulative since the router started, so a reader takes
the difference between two snapshots; that keeps routers stateless about who reads them and when.
Routers satisfy golive.analysis.model.CounterReader, so RouterSource reads any of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from golive.analysis.model import BackendCounters
from golive.errors import RouterError


@dataclass
class ServerState:
    name: str
    weight: int
    state: str  # ready / drain / maint / down / up
    healthy: bool | None = None


@runtime_checkable
class Router(Protocol):
    """What moves user traffic. Implementations must make `set_weights` safe under load: requests in
    flight finish where they started and no request fails because of the change."""

    kind: str

    def pools(self) -> list[str]:
        """Pool names this router knows, in configuration order."""

    def weights(self) -> dict[str, int]:
        """Current share of new requests per pool, in percent (summing to 100)."""

    def set_weights(self, weights: Mapping[str, int]) -> None:
        """Send `weights[pool]`% of new requests to each pool; pools not named get 0."""

    def counters(self) -> dict[str, BackendCounters]:
        """Cumulative counters per pool (errors: 5xx answers and requests the router could not deliver;
        latency histogram empty when the router keeps none, as with HAProxy and nginx)."""

    def health(self) -> dict[str, bool]:
        """Per pool: at least one of its servers is up."""

    def close(self) -> None: ...


def normalize_weights(pools: list[str], weights: Mapping[str, int]) -> dict[str, int]:
    """Checks a requested split against the router's pools; a typo is an error, not a silent 0%."""
    unknown = [p for p in weights if p not in pools]
    if unknown:
        raise RouterError(f"unknown pool(s) {', '.join(unknown)}; this router has {', '.join(pools)}")
    out = {p: int(weights.get(p, 0)) for p in pools}
    if any(w < 0 or w > 100 for w in out.values()):
        raise RouterError(f"weights are percentages 0-100, got {out}")
    if sum(out.values()) != 100:
        raise RouterError(f"weights must sum to 100, got {out} (sum {sum(out.values())})")
    return out


def percent_shares(raw: Mapping[str, float]) -> dict[str, int]:
    """Router-native weights -> percentages summing to 100 (largest remainder, so 1/3 each is 34/33/33)."""
    total = sum(raw.values())
    if total <= 0:
        return {p: 0 for p in raw}
    exact = {p: 100.0 * w / total for p, w in raw.items()}
    out = {p: math.floor(v) for p, v in exact.items()}
    rest = 100 - sum(out.values())
    for p in sorted(exact, key=lambda k: exact[k] - out[k], reverse=True)[:rest]:
        out[p] += 1
    return out


@runtime_checkable
class ServerControl(Protocol):
    """Per-server control for rolling deploys: take one server out of rotation and put it back.

    `drain`: no new requests, those in flight finish; `maint`: out entirely; `ready`: back in rotation."""

    def server_addresses(self) -> dict[str, str]:
        """Server name -> the address (IP or host name, no port) it forwards to."""

    def set_server_state(self, server: str, state: str) -> None:
        """ready / drain / maint for one server."""

    def server_sessions(self, server: str) -> int:
        """Requests or connections the server still has from the router (0 once drained)."""


def server_for(control: ServerControl, host: str, explicit: Mapping[str, str] | None = None) -> str:
    """The router's server for a fleet host: named in the plan, else the server whose address is the host's."""
    if explicit and host in explicit:
        return explicit[host]
    matches = [name for name, addr in control.server_addresses().items() if addr == host]
    if len(matches) != 1:
        found = "no server" if not matches else f"servers {', '.join(matches)}"
        raise RouterError(f"router has {found} at address {host}; name it under `servers:` (host: server)")
    return matches[0]
