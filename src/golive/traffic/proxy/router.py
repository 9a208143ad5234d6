"""The Router interface over the built-in proxy's admin endpoint, from the process that runs golive."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive.analysis.model import BackendCounters
from golive.errors import RouterError
from golive.traffic.proxy.server import parse_address


class BuiltinRouter:
    """The Router interface over the proxy's admin endpoint (`http://127.0.0.1:PORT` or a unix socket)."""

    kind = "builtin"

    def __init__(self, admin: str, timeout: float = 5.0) -> None:
        import httpx

        self.admin = admin
        self._client: httpx.Client
        if admin.startswith("/"):
            self._client = httpx.Client(transport=httpx.HTTPTransport(uds=admin), base_url="http://proxy",
                                        timeout=timeout)
        else:
            host, port = parse_address(admin.removeprefix("http://").rstrip("/"))
            self._client = httpx.Client(base_url=f"http://{host}:{port}", timeout=timeout)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        import httpx

        try:
            resp = self._client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise RouterError(f"built-in proxy admin at {self.admin} unreachable: {exc}") from None
        try:
            data = resp.json()
        except ValueError:
            raise RouterError(f"built-in proxy admin at {self.admin} answered {resp.status_code}"
                              f" with non-JSON") from None
        if resp.status_code != 200:
            raise RouterError(f"built-in proxy refused {method} {path}: {data.get('error', data)}")
        return data

    def lock_call(self, method: str, key: str, body: Any = None, query: str = "") -> tuple[int, Any]:
        """The admin API's run locks (golive.traffic.proxy.locks): the status and answer, 409 included."""
        from urllib.parse import quote

        import httpx

        path = f"/locks/{quote(key, safe='')}" + (f"?{query}" if query else "")
        try:
            resp = self._client.request(method, path, json=body)
            return resp.status_code, resp.json()
        except httpx.HTTPError as exc:
            raise RouterError(f"built-in proxy admin at {self.admin} unreachable: {exc}") from None
        except ValueError:
            raise RouterError(f"built-in proxy admin at {self.admin} answered {method} {path} with non-JSON"
                              " (a proxy without run locks? upgrade it)") from None

    def pools(self) -> list[str]:
        return list(self._call("GET", "/pools"))

    def weights(self) -> dict[str, int]:
        return {k: int(v) for k, v in self._call("GET", "/weights").items()}

    def set_weights(self, weights: Mapping[str, int]) -> None:
        self._call("PUT", "/weights", dict(weights))

    def counters(self) -> dict[str, BackendCounters]:
        return {k: BackendCounters(int(v["requests"]), int(v["errors"]),
                                   {float(le): int(n) for le, n in v["latency_buckets"]}, float(v["latency_sum_ms"]))
                for k, v in self._call("GET", "/counters").items()}

    def health(self) -> dict[str, bool]:
        return {k: bool(v["healthy"]) for k, v in self._call("GET", "/health").items()}

    # -- ServerControl (rolling deploys): servers are named HOST:PORT, as given to the proxy's pools ----------
    def server_addresses(self) -> dict[str, str]:
        return {name: parse_address(name)[0] for name in self._call("GET", "/servers")}

    def set_server_state(self, server: str, state: str) -> None:
        self._call("PUT", f"/servers/{server}", {"state": state})

    def server_sessions(self, server: str) -> int:
        """Requests the proxy is still forwarding to the server (each is counted from the moment it is chosen)."""
        servers = self._call("GET", "/servers")
        if server not in servers:
            raise RouterError(f"built-in proxy has no server '{server}'; servers: {', '.join(servers)}")
        return int(servers[server]["inflight"])

    def server_counters(self) -> dict[str, BackendCounters]:
        """Per server, for comparing a rolling batch against the rest of the fleet."""
        return {name: BackendCounters(int(s["requests"]), int(s["errors"]))
                for name, s in self._call("GET", "/servers").items()}

    def close(self) -> None:
        self._client.close()
