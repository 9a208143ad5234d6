"""The router a runbook moves traffic on with its own commands, read from those commands exactly.

`echo "set weight loans/canary 5" | sudo socat stdio /run/haproxy/admin.sock` is HAProxy's runtime API on that
socket, backend and server; `sudo sed -i 's/(server 10\\.4\\.0\\.31:8000) weight=[0-9]+;/\\1 weight=90;/' FILE`
then `sudo nginx -t && sudo systemctl reload nginx` is nginx weights edited in that file, checked and reloaded
that way. golive's routers do the same (HAProxy through the same API; nginx `in_place`, which changes only those
servers' weights), so a canary on that router moves traffic as the document does, with no placeholder.

A block is read only when every line of it is such a command: a block that does anything else is not a weight
move golive can take over, and the caller keeps it as written (never run a second time by a canary as well).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_HAPROXY = re.compile(r"""^echo\s+(["']?)set\s+weight\s+([\w.-]+)/([\w.-]+)\s+(\d{1,3})%?\1\s*\|\s*(?:sudo\s+)?"""
                      r"""socat\s+(?:stdio|-)\s+(?:unix-connect:)?(\S+)$""")
_SED_SUB = re.compile(r"s(.)(.*?)(?<!\\)\1(.*?)(?<!\\)\1[gI]*")
_SEP = re.compile(r"\s*(?:;\s*|$)")
_SERVER = re.compile(r"server\s+((?:[\w-]|\\\.|\.)+(?::\d+)?)")
_NEW_WEIGHT = re.compile(r"weight=(\d{1,3})\b")
_NGINX_TEST = re.compile(r"^(?:sudo\s+)?nginx\s+-t(?:q)?$")
_NGINX_RELOAD = re.compile(r"^(?:sudo\s+)?(?:systemctl\s+reload\s+nginx(?:\.service)?|nginx\s+-s\s+reload|"
                           r"service\s+nginx\s+reload)$")


@dataclass
class WeightMove:
    """What one block of the document does to traffic: the router it acts on and each server's new weight."""

    router: dict[str, object]
    weights: dict[str, int] = field(default_factory=dict)

    def key(self) -> tuple[object, ...]:
        """The router's identity: two blocks on the same router agree on it."""
        return tuple(sorted((k, str(v)) for k, v in self.router.items()))


def _lines(text: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", text)
    return [ln.strip() for ln in joined.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def weight_move(text: str) -> WeightMove | None:
    """The weight move a shell block is, or None when any line of it is something else."""
    lines = _lines(text)
    if not lines:
        return None
    hap = [_HAPROXY.match(ln) for ln in lines]
    if all(hap):
        found = [m for m in hap if m is not None]
        backends = {m.group(2) for m in found}
        sockets = {m.group(5) for m in found}
        if len(backends) != 1 or len(sockets) != 1:
            return None
        move = WeightMove({"type": "haproxy", "socket": sockets.pop(), "backend": backends.pop()})
        for m in found:
            move.weights[m.group(3)] = int(m.group(4))
        return move
    return _nginx_move(lines)


def _nginx_move(lines: list[str]) -> WeightMove | None:
    """`sed -i` of `server ADDR ... weight=N` on one file, then the document's check and reload of nginx."""
    test: str | None = None
    reload: str | None = None
    path: str | None = None
    weights: dict[str, int] = {}
    for line in lines:
        for part in (p.strip() for p in line.split("&&")):
            if _NGINX_TEST.match(part) and test is None and path is not None:
                test = part
            elif _NGINX_RELOAD.match(part) and reload is None and path is not None:
                reload = part
            elif path is None:
                try:
                    words = shlex.split(part)
                except ValueError:
                    return None
                if words[:1] == ["sudo"]:
                    words = words[1:]
                if not words or words[0] != "sed":
                    return None
                flags = [w for w in words[1:] if w.startswith("-")]
                args = [w for w in words[1:] if not w.startswith("-")]
                if "-i" not in flags or len(args) != 2 or any(f not in ("-i", "-E", "-r") for f in flags):
                    return None
                script, path = args
                at, script = 0, script.strip()
                while at < len(script):
                    m = _SED_SUB.match(script, at)
                    if m is None:
                        return None
                    sep = _SEP.match(script, m.end())
                    at = sep.end() if sep else len(script) + 1
                    if sep is None:
                        return None
                    server, new = _SERVER.search(m.group(2)), _NEW_WEIGHT.search(m.group(3))
                    if server is None or new is None or "weight=" not in m.group(2):
                        return None
                    weights[server.group(1).replace("\\.", ".")] = int(new.group(1))
            else:
                return None
    if path is None or reload is None or not weights:
        return None
    router: dict[str, object] = {"type": "nginx", "in_place": True, "upstream_file": path}
    if test is not None:
        router["test_command"] = test
    router["reload_command"] = reload
    return WeightMove(router, weights)
