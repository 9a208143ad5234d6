"""HAProxy through its runtime API (the stats socket): weights change live, no reload, so requests in
flight are never cut and a connection already open keeps its server until it finishes."""

from __future__ import annotations

import csv
import io
import socket
from collections.abc import Mapping

from golive.analysis.model import BackendCounters
from golive.errors import RouterError
from golive.traffic.router import ServerState, normalize_weights, percent_shares

#: HAProxy server weights go 0-256; a pool's percentage is spread over its servers at this scale.
_SCALE = 2


class HAProxyRouter:
    kind = "haproxy"

    def __init__(self, socket_path: str, backend: str, pools: Mapping[str, list[str]], timeout: float = 5.0) -> None:
        if not pools:
            raise RouterError("an haproxy router needs at least one pool (pool name -> server names)")
        self.socket_path = socket_path
        self.backend = backend
        self._pools = {k: list(v) for k, v in pools.items()}
        self.timeout = timeout

    # -- the runtime API ---------------------------------------------------------------------------
    def command(self, line: str) -> str:
        """One command per connection (non-interactive mode): HAProxy answers and closes."""
        addr: str | tuple[str, int]
        family = socket.AF_UNIX
        addr = self.socket_path
        if not self.socket_path.startswith("/") and ":" in self.socket_path:
            host, port = self.socket_path.rsplit(":", 1)
            family, addr = socket.AF_INET, (host, int(port))
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(self.timeout)
                s.connect(addr)
                s.sendall(line.encode() + b"\n")
                chunks: list[bytes] = []
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    chunks.append(data)
        except OSError as exc:
            raise RouterError(f"haproxy runtime API at {self.socket_path} unreachable: {exc}") from None
        return b"".join(chunks).decode("utf-8", errors="replace")

    def _stat_rows(self) -> list[dict[str, str]]:
        text = self.command("show stat")
        if not text.startswith("# "):
            raise RouterError(f"unexpected answer to 'show stat': {text.strip()[:200]}")
        reader = csv.DictReader(io.StringIO(text[2:]))
        return [row for row in reader if row.get("pxname") == self.backend]

    def _servers(self) -> dict[str, dict[str, str]]:
        rows = {r["svname"]: r for r in self._stat_rows() if r["svname"] not in ("FRONTEND", "BACKEND")}
        if not rows:
            raise RouterError(f"haproxy has no backend '{self.backend}' (or it has no servers)")
        missing = [s for srv in self._pools.values() for s in srv if s not in rows]
        if missing:
            raise RouterError(f"haproxy backend '{self.backend}' has no server(s) {', '.join(missing)}")
        return rows

    # -- Router ------------------------------------------------------------------------------------
    def pools(self) -> list[str]:
        return list(self._pools)

    def server_states(self) -> dict[str, ServerState]:
        rows = self._servers()
        return {name: ServerState(name, int(r.get("weight") or 0), r.get("status", ""),
                                  r.get("status", "").startswith("UP") or r.get("status") == "no check")
                for name, r in rows.items()}

    def weights(self) -> dict[str, int]:
        rows = self._servers()
        raw = {p: float(sum(int(rows[s].get("weight") or 0) for s in srv)) for p, srv in self._pools.items()}
        return percent_shares(raw)

    def set_weights(self, weights: Mapping[str, int]) -> None:
        wanted = normalize_weights(self.pools(), weights)
        self._servers()  # fail before changing anything if a server is missing
        # raise first, lower second: at no instant do all pools have weight 0
        order = sorted(wanted, key=lambda p: wanted[p], reverse=True)
        for pool in order:
            servers = self._pools[pool]
            per = 0 if wanted[pool] == 0 else max(1, (wanted[pool] * _SCALE) // len(servers))
            for srv in servers:
                answer = self.command(f"set weight {self.backend}/{srv} {per}").strip()
                if answer:
                    raise RouterError(f"haproxy refused 'set weight {self.backend}/{srv} {per}': {answer}")
                if per > 0:
                    answer = self.command(f"set server {self.backend}/{srv} state ready").strip()
                    if answer:
                        raise RouterError(f"haproxy refused 'set server {self.backend}/{srv} state ready': {answer}")

    def set_state(self, pool: str, state: str) -> None:
        """ready / drain / maint for every server of a pool (drain: no new traffic, health checks go on)."""
        if state not in ("ready", "drain", "maint"):
            raise RouterError(f"server state must be ready, drain or maint, got '{state}'")
        for srv in self._pools[pool]:
            answer = self.command(f"set server {self.backend}/{srv} state {state}").strip()
            if answer:
                raise RouterError(f"haproxy refused 'set server {self.backend}/{srv} state {state}': {answer}")

    # -- ServerControl (rolling deploys) --------------------------------------------------------
    def server_addresses(self) -> dict[str, str]:
        out = {}
        for name, row in self._stat_servers().items():
            addr = row.get("addr") or ""
            host = addr.rsplit(":", 1)[0] if ":" in addr else addr
            out[name] = host.strip("[]")
        return out

    def set_server_state(self, server: str, state: str) -> None:
        if state not in ("ready", "drain", "maint"):
            raise RouterError(f"server state must be ready, drain or maint, got '{state}'")
        answer = self.command(f"set server {self.backend}/{server} state {state}").strip()
        if answer:
            raise RouterError(f"haproxy refused 'set server {self.backend}/{server} state {state}': {answer}")

    def server_sessions(self, server: str) -> int:
        row = self._stat_servers().get(server)
        if row is None:
            raise RouterError(f"haproxy backend '{self.backend}' has no server '{server}'")
        return _int(row.get("scur"))

    def server_counters(self) -> dict[str, BackendCounters]:
        """Per server, for comparing a rolling batch against the rest of the fleet."""
        return {name: BackendCounters(_int(r.get("req_tot")) or _int(r.get("stot")),
                                      _int(r.get("hrsp_5xx")) + _int(r.get("econ")) + _int(r.get("eresp")))
                for name, r in self._stat_servers().items()}

    def _stat_servers(self) -> dict[str, dict[str, str]]:
        return {r["svname"]: r for r in self._stat_rows() if r["svname"] not in ("FRONTEND", "BACKEND")}

    def counters(self) -> dict[str, BackendCounters]:
        """Requests (`req_tot`), errors (`hrsp_5xx` + `econ` + `eresp`). HAProxy keeps no latency histogram
        per server (only a moving average), so latency analysis behind HAProxy needs Prometheus."""
        rows = self._servers()
        out: dict[str, BackendCounters] = {}
        for pool, servers in self._pools.items():
            c = BackendCounters(0, 0)
            for srv in servers:
                r = rows[srv]
                c.requests += _int(r.get("req_tot")) or _int(r.get("stot"))
                c.errors += _int(r.get("hrsp_5xx")) + _int(r.get("econ")) + _int(r.get("eresp"))
            out[pool] = c
        return out

    def health(self) -> dict[str, bool]:
        states = self.server_states()
        return {p: any(states[s].healthy for s in srv) for p, srv in self._pools.items()}

    def close(self) -> None:
        return None


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
