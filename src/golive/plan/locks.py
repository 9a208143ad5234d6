"""The plan's `locks:` section: what else a run locks while it changes things, beyond its own run log.

The run log's one-active-run rule holds only among runs sharing that log. These locks live where the change
happens, so runs kept in two logs (two `--store`s, two machines, two working directories) still exclude each
other. Each entry is one of:

    locks:
      - local: true              # a lock file on this machine, keyed by service/environment (per-user state
                                 #   directory; or give a directory shared by every user: local: /var/lock/golive)
      - postgres: ${APP_DB}      # a PostgreSQL advisory lock in the application's own database
        key: loans/prod          #   (default: golive:<service>/<environment>)
      - hosts: web               # a lock file on each SSH host of a group (path below is the default)
        path: /tmp/golive-<service>.<environment>.lock
      - router: edge             # a lock in a router of the plan's `routers:` (the built-in proxy's admin API;
        map: /etc/haproxy/golive-locks.map   # HAProxy: a map its config loads, through the runtime API)
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from golive.core.fields import Strict


class LocalLock(Strict):
    #: true: the user's state directory; a path: that directory (shared by every user of the machine).
    local: bool | str = True


class PostgresLock(Strict):
    #: The application's database (a DSN; `${VAR}`s from the plan's vars, a secret var included).
    postgres: str = Field(min_length=1)
    key: str | None = None


class HostsLock(Strict):
    #: A host group from the plan's `hosts:`.
    hosts: str = Field(min_length=1)
    path: str | None = None


class RouterLock(Strict):
    #: A router from the plan's `routers:` (the built-in proxy, or HAProxy with `map:`).
    router: str = Field(min_length=1)
    key: str | None = Field(default=None, pattern=r"^[^\s;#]+$")
    #: HAProxy: the map file its configuration loads (e.g. `map(/etc/haproxy/golive-locks.map)`), whose entries
    #: golive adds and removes through the runtime API.
    map: str | None = Field(default=None, pattern=r"^[^\s;#]+$")


def _lock_kind(value: Any) -> Any:
    """Picks the model by its key, so an error names the one entry kind the author meant."""
    if isinstance(value, dict):
        for key, model in (("postgres", PostgresLock), ("hosts", HostsLock), ("router", RouterLock),
                           ("local", LocalLock)):
            if key in value:
                return model.model_validate(value)
        raise ValueError("a lock is one of: local: true, postgres: DSN, hosts: GROUP, router: NAME")
    return value


Lock = Annotated[LocalLock | PostgresLock | HostsLock | RouterLock, BeforeValidator(_lock_kind)]
