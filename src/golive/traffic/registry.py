"""Router configurations as written in plans (`routers:` at the top, or inline in a step) and the one
place that turns a configuration into a live Router."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from golive.core.fields import Duration, Strict
from golive.traffic.router import Router


def _pool_servers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
    return value


Pools = Annotated[dict[str, list[Annotated[str, Field(min_length=1)]]], BeforeValidator(_pool_servers)]


class _PoolsCheck(Strict):
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


class NginxConfig(_PoolsCheck):
    """nginx: golive owns `upstream_file` (include it inside `http {}`); pools map to server addresses."""

    type: Literal["nginx"]
    upstream: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    upstream_file: str = Field(min_length=1)
    pools: Pools
    nginx: str = "nginx"
    conf: str | None = None
    prefix: str | None = None
    pid_file: str | None = None
    access_log: str | None = None
    extra: str = ""
    timeout: Duration = 10.0


class BuiltinConfig(Strict):
    """The built-in proxy, reached through its admin endpoint (HOST:PORT on loopback, or a unix socket)."""

    type: Literal["builtin"]
    admin: str = Field(min_length=1)
    timeout: Duration = 5.0


#: Every router configuration a plan may write; the one place the list lives.
AnyRouterConfig = HAProxyConfig | NginxConfig | BuiltinConfig
RouterConfig = Annotated[AnyRouterConfig, Field(discriminator="type")]


def _path(text: str | None, workdir: Path) -> str | None:
    if text is None or text.startswith("/") or (":" in text and not text.startswith(".")):
        return text
    return str(workdir / text)


def make_router(cfg: AnyRouterConfig, workdir: Path = Path(".")) -> Router:
    """Relative paths in a router config are relative to the run's working directory."""
    if isinstance(cfg, HAProxyConfig):
        from golive.traffic.haproxy import HAProxyRouter

        return HAProxyRouter(_path(cfg.socket, workdir) or cfg.socket, cfg.backend, cfg.pools, cfg.timeout)
    if isinstance(cfg, NginxConfig):
        from golive.traffic.nginx import NginxRouter

        return NginxRouter(cfg.upstream, _path(cfg.upstream_file, workdir) or cfg.upstream_file, cfg.pools,
                           nginx=cfg.nginx, conf=_path(cfg.conf, workdir), prefix=_path(cfg.prefix, workdir),
                           pid_file=_path(cfg.pid_file, workdir), access_log=_path(cfg.access_log, workdir),
                           extra=cfg.extra, timeout=cfg.timeout)
    from golive.traffic.proxy.router import BuiltinRouter

    return BuiltinRouter(cfg.admin if cfg.admin.startswith("/") or ":" in cfg.admin
                         else _path(cfg.admin, workdir) or cfg.admin, cfg.timeout)


def resolve_config(cfg: AnyRouterConfig, interpolate: Callable[[str], str]) -> AnyRouterConfig:
    """`${VAR}` in a router's settings (socket, admin address, pool and server names) are plan vars, read when
    the step runs, so one plan serves several environments and an imported plan's placeholders can be filled in."""
    update: dict[str, Any] = {name: interpolate(value) for name, value in cfg if isinstance(value, str)}
    if isinstance(cfg, HAProxyConfig | NginxConfig):
        update["pools"] = {interpolate(pool): [interpolate(s) for s in servers] for pool, servers in cfg.pools.items()}
    return cfg.model_copy(update=update)


def pool_names(cfg: AnyRouterConfig) -> list[str] | None:
    """Pools known from the plan alone (the built-in proxy only knows its pools at run time)."""
    return list(cfg.pools) if isinstance(cfg, HAProxyConfig | NginxConfig) else None
