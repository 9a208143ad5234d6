"""The built-in proxy's run locks: one record per key (`golive:<service>/<environment>`), checked and set in
the proxy's single event loop, so two golives deploying the same service through the same proxy cannot both
take it, whatever run logs they keep.

A record carries a lease measured on the proxy's own clock (one clock for every taker). The golive driving
the run renews it; a run that parks for a person sets no expiry (held until the run ends); a golive that
died stops renewing, and once the lease ran out another run may take the lock over, which the answer says
so the taker can record it. The table lives in the proxy's memory: a restarted proxy holds no locks.

Admin routes: `GET /locks`, `GET /locks/KEY`, `POST /locks/KEY` (take), `PUT /locks/KEY` (renew or park),
`DELETE /locks/KEY?run=ID` (let go).
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, unquote


class LockTable:
    def __init__(self) -> None:
        self._held: dict[str, dict[str, Any]] = {}

    def _live(self, record: dict[str, Any]) -> bool:
        until = record.get("lease_until")
        return until is None or float(until) > time.time()

    def answer(self, method: str, target: str, body: bytes) -> tuple[int, Any]:
        path, _, query = target.partition("?")
        key = unquote(path.removeprefix("/locks").strip("/"))
        if not key:
            if method == "GET":
                return 200, self._held
            return 404, {"error": f"no admin route {method} /locks"}
        current = self._held.get(key)
        if method == "GET":
            return (200, current) if current is not None else (404, {"error": f"no lock {key}"})
        if method == "DELETE":
            run = parse_qs(query).get("run", [""])[0]
            if current is not None and current.get("run") == run:
                del self._held[key]
            return 200, {"released": key}
        data = json.loads(body or b"{}")
        if not isinstance(data, dict) or not isinstance(data.get("run"), str) or not data["run"]:
            return 400, {"error": "expected a JSON object with the taking run's id"}
        run = data["run"]
        lease = data.get("lease")
        until = None if lease is None else time.time() + float(lease)
        if method == "PUT":  # renew (lease: seconds) or park (lease: null) a lock this run holds
            if current is None or current.get("run") != run:
                return 409, {"error": "not held by this run", "holder": current}
            current["lease_until"] = until
            return 200, {"held": current}
        if method != "POST":
            return 404, {"error": f"no admin route {method} {path}"}
        previous = None
        if current is not None and current.get("run") != run:
            over = data.get("replaces") == current.get("run")  # the taker saw that run end (its own log)
            if self._live(current) and not over:
                return 409, {"error": "held", "holder": current}
            previous = current
        record = {**{k: v for k, v in data.items() if k not in ("lease", "replaces")}, "lease_until": until,
                  "taken": time.time()}
        if previous is not None:
            record["taken_over_from"] = {k: previous.get(k) for k in ("run", "store", "host", "pid", "lease_until")}
        self._held[key] = record
        return 200, {"held": record, "previous": previous}
