"""Router configurations as written in plans (`routers:` at the top, or inline in a step): each configuration
opens its own Router (`cfg.open(workdir)`), and the union a plan validates against is derived from one list,
`ROUTER_CONFIGS`, the way steps and checks are. Adding a router is one config class here plus its Router."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, model_validator

from golive.core.fields import Duration, Strict
from golive.traffic.router import Router


def _pool_servers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
    return value


Pools = Annotated[dict[str, list[Annotated[str, Field(min_length=1)]]], BeforeValidator(_pool_servers)]


class RouterConfigBase(Strict):
    """What every router configuration does: open its Router, fill in `${VAR}`s, say the pools it knows."""

    #: The YAML `type:` that picks the configuration (a Literal in each one).
    type: str

    def open(self, workdir: Path) -> Router:
        """The live Router; relative paths in the config are relative to the run's working directory."""
        raise NotImplementedError

    def pool_names(self) -> list[str] | None:
        """Pools known from the plan alone (None: the router only knows them at run time)."""
        return None

    def resolved(self, interpolate: Callable[[str], str]) -> Any:
        """`${VAR}` in a router's settings (socket, admin address, pool and server names) are plan vars, read when
        the step runs, so one plan serves several environments and an imported plan's placeholders can be filled
        in."""
        return self.model_copy(update={name: interpolate(value) for name, value in self if isinstance(value, str)})


class _PoolsCheck(RouterConfigBase):
    pools: Pools

    def pool_names(self) -> list[str] | None:
        return list(self.pools)

    def resolved(self, interpolate: Callable[[str], str]) -> Any:
        update: dict[str, Any] = {name: interpolate(value) for name, value in self if isinstance(value, str)}
        update["pools"] = {interpolate(pool): [interpolate(s) for s in servers] for pool, servers in self.pools.items()}
        return self.model_copy(update=update)

    @model_validator(mode="after")
    def _nonempty(self) -> Any:
        pools: dict[str, list[str]] = getattr(self, "pools", {})
        if not pools:
            raise ValueError("a router needs at least one pool")
        empty = [p for p, servers in pools.items() if not servers]
        if empty:
            raise ValueError(f"pool(s) {', '.join(empty)} have no servers")
        return self


class HAProxyConfig(_PoolsCheck):
    """HAProxy runtime API: `socket` is the stats socket path (or HOST:PORT); each pool names servers of
    `backend` as they appear in haproxy.cfg."""

    type: Literal["haproxy"]
    socket: str = Field(min_length=1)
    backend: str = Field(min_length=1)
    pools: Pools
    timeout: Duration = 5.0

    def open(self, workdir: Path) -> Router:
        from golive.traffic.haproxy import HAProxyRouter

        return HAProxyRouter(_path(self.socket, workdir) or self.socket, self.backend, self.pools, self.timeout)


class NginxConfig(_PoolsCheck):
    """nginx: golive owns `upstream_file` (include it inside `http {}`); pools map to server addresses. With
    `in_place`, the file is the team's own and only the named servers' weights change (a runbook's `sed` of
    `weight=`), reloaded by the runbook's own `test_command` / `reload_command`."""

    type: Literal["nginx"]
    upstream: str | None = Field(default=None, min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    upstream_file: str = Field(min_length=1)
    pools: Pools
    nginx: str = "nginx"
    conf: str | None = None
    prefix: str | None = None
    pid_file: str | None = None
    access_log: str | None = None
    extra: str = ""
    timeout: Duration = 10.0
    in_place: bool = False
    test_command: str | None = None
    reload_command: str | None = None

    @model_validator(mode="after")
    def _upstream_named(self) -> Any:
        if self.upstream is None and not self.in_place:
            raise ValueError("an nginx router needs `upstream:` (the block golive writes), unless `in_place: true`")
        if self.extra and self.in_place:
            raise ValueError("`extra:` lines are for the upstream block golive writes; `in_place` changes weights only")
        return self

    def open(self, workdir: Path) -> Router:
        from golive.traffic.nginx import NginxRouter

        return NginxRouter(self.upstream, _path(self.upstream_file, workdir) or self.upstream_file, self.pools,
                           nginx=self.nginx, conf=_path(self.conf, workdir), prefix=_path(self.prefix, workdir),
                           pid_file=_path(self.pid_file, workdir), access_log=_path(self.access_log, workdir),
                           extra=self.extra, timeout=self.timeout, in_place=self.in_place,
                           test_command=self.test_command, reload_command=self.reload_command)


class BuiltinConfig(RouterConfigBase):
    """The built-in proxy, reached through its admin endpoint (HOST:PORT on loopback, or a unix socket)."""

    type: Literal["builtin"]
    admin: str = Field(min_length=1)
    timeout: Duration = 5.0

    def open(self, workdir: Path) -> Router:
        from golive.traffic.proxy.router import BuiltinRouter

        return BuiltinRouter(self.admin if self.admin.startswith("/") or ":" in self.admin
                             else _path(self.admin, workdir) or self.admin, self.timeout)


#: Every router configuration a plan may write; the one place the list lives.
ROUTER_CONFIGS: tuple[type[RouterConfigBase], ...] = (HAProxyConfig, NginxConfig, BuiltinConfig)
if TYPE_CHECKING:
    AnyRouterConfig = RouterConfigBase
else:
    AnyRouterConfig = Union[ROUTER_CONFIGS]  # noqa: UP007
RouterConfig = Annotated[AnyRouterConfig, Field(discriminator="type")]


def _path(text: str | None, workdir: Path) -> str | None:
    if text is None or text.startswith("/") or (":" in text and not text.startswith(".")):
        return text
    return str(workdir / text)


def make_router(cfg: AnyRouterConfig, workdir: Path = Path(".")) -> Router:
    return cfg.open(workdir)


def resolve_config(cfg: AnyRouterConfig, interpolate: Callable[[str], str]) -> AnyRouterConfig:
    resolved: AnyRouterConfig = cfg.resolved(interpolate)
    return resolved


def pool_names(cfg: AnyRouterConfig) -> list[str] | None:
    return cfg.pool_names()
