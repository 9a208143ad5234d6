"""The one name a service and environment's lock files carry, on this machine and on SSH hosts alike.

Two different services must never meet in one lock file, nor one service be split over two. The old name joined
the two with '.', which the plan model allows inside either: `a.b`/`c` and `a`/`b.c` both became `a.b.c` (one
was refused for the other's run), and a name longer than a file name may be could not be created at all (an `ssh`
step then ran unlocked). Now each part keeps letters, digits, '_' and '-' and writes every other byte as %XX
(UTF-8), so '.' joins parts that contain none; a name past NAME_MAX is cut and ends with a hash of the whole.

Names made only of letters, digits, '_' and '-' (most services) are the same as before, so a golive of the
previous version running during the upgrade and this one lock the very same file. For a name with '.', the
previous version's name (`legacy_name`) is still read: a record there for this service and environment holds
as before (and this version writes its record there too when it is free, so a previous version's golive
started later is refused in turn); a record there for another pair is that pair's, not ours, and is left alone.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

#: A file name of at most this many bytes (NAME_MAX is 255; room for a prefix and '.lock' or a draft's '.$$').
NAME_MAX = 180
_KEEP = re.compile(r"[A-Za-z0-9_-]")


def _escape(part: str) -> str:
    return "".join(ch if _KEEP.fullmatch(ch) else "".join(f"%{b:02X}" for b in ch.encode()) for ch in part)


def lock_name(service: str, environment: str) -> str:
    """`service.environment`, each part escaped: one name per pair and one pair per name (a hash past NAME_MAX)."""
    name = f"{_escape(service)}.{_escape(environment)}"
    if len(name) <= NAME_MAX:
        return name
    digest = hashlib.sha256(f"{service}\0{environment}".encode()).hexdigest()[:32]
    return f"{name[:NAME_MAX - 34]}~{digest}"  # '~' is escaped in names, so a cut name meets no whole one


def legacy_name(service: str, environment: str) -> str | None:
    """The previous version's name when it differs from `lock_name` (None: the same file, nothing to do)."""
    old = f"{service}.{environment}".replace("/", "%2F")
    return old if old != lock_name(service, environment) and len(old.encode()) <= 240 else None


def unescape_name(name: str) -> tuple[str, str] | None:
    """The pair a `lock_name` stands for (None: a cut, hashed name, or not one of ours)."""
    if "~" in name or name.count(".") != 1:
        return None
    parts = name.split(".")
    try:
        out = [re.sub(r"(%[0-9A-F]{2})+", lambda m: bytes.fromhex(m.group(0).replace("%", "")).decode(), p)
               for p in parts]
    except (UnicodeDecodeError, ValueError):
        return None
    return (out[0], out[1]) if lock_name(out[0], out[1]) == name else None


def names_pair(record: dict[str, Any], service: str, environment: str) -> bool | None:
    """Whether a lock record is for this service and environment (None: it does not say). Records name the pair
    as `service` + `environment`, or as one `service: "svc/env"` label (ssh and rolling steps)."""
    svc, env = record.get("service"), record.get("environment")
    if isinstance(svc, str) and isinstance(env, str):
        return (svc, env) == (service, environment)
    if isinstance(svc, str) and "/" in svc:
        return svc == f"{service}/{environment}"
    return None
