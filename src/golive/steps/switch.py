"""`switch`: blue-green. All new traffic moves to one pool at once; the old pool is left running (warm),
so the derived undo — switching back — is one router call, not a redeploy."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, PrivateAttr, model_validator

from golive.core.fields import Duration, Strict
from golive.core.step import StepContext, StepResult
from golive.errors import GoliveError, StepConfigError
from golive.steps.base import StepBase
from golive.traffic.registry import AnyRouterConfig, RouterConfig, make_router, pool_names, resolve_config
from golive.traffic.router import Router


class RouterRef:
    """Mixin for traffic steps: `router:` is a name from the plan's `routers:` or an inline config."""

    _router_cfg: AnyRouterConfig | None

    def router_ref(self) -> str | AnyRouterConfig:
        raise NotImplementedError

    def router_label(self) -> str:
        ref = self.router_ref()
        return ref if isinstance(ref, str) else ref.type

    def bind_routers(self, routers: dict[str, AnyRouterConfig]) -> None:
        """Called by the Plan once all routers are known: resolves names, checks pool names."""
        ref = self.router_ref()
        if isinstance(ref, str):
            if ref not in routers:
                known = ", ".join(routers) or "none defined (add a top-level `routers:` mapping)"
                raise ValueError(f"unknown router '{ref}'; routers: {known}")
            self._router_cfg = routers[ref]
        else:
            self._router_cfg = ref

    def config(self) -> AnyRouterConfig:
        if self._router_cfg is None:
            ref = self.router_ref()
            if isinstance(ref, str):
                raise StepConfigError(f"router '{ref}' is not defined in the plan's `routers:`")
            self._router_cfg = ref
        return self._router_cfg

    def open_router(self, ctx: StepContext) -> Router:
        return make_router(resolve_config(self.config(), ctx.interpolate), ctx.workdir)


def check_pools(cfg: AnyRouterConfig, *names: str) -> None:
    pools = pool_names(cfg)
    if pools is not None:
        unknown = [n for n in names if n not in pools]
        if unknown:
            raise ValueError(f"pool(s) {', '.join(unknown)} not in the router's pools ({', '.join(pools)})")


def set_and_record(router: Router, ctx: StepContext, weights: dict[str, int], reason: str, label: str,
                   **extra: Any) -> None:
    """Change the split, then record what the router reports back (the evidence is the router's word). Not at all
    when this process lost the run or its router lock: another run may be moving this router's traffic now."""
    ctx.guard()
    router.set_weights(weights)
    ctx.emit("traffic.weight", {"router": label, "weights": router.weights(), "reason": reason, **extra})


def traffic_left(undo: object, moved: dict[str, Any] | None, cut_off: bool) -> bool:
    """A traffic step's failed attempt still holds a split its undo must move back: a canary cut off at stage 1
    (golive killed, then resolved as failed), an abort or a switch that the router answered with a split the
    step did not ask for. Not when the router last reported 100% on the pool the undo returns to (an abort
    that worked), and not for a step that failed before it moved anything. A cut-off attempt may have moved
    traffic after its last record (set, then killed before it was written), so it counts whatever the log
    says: moving traffic back to where it was is harmless."""
    back = undo.switch.to if isinstance(undo, SwitchStep) else None
    if moved is not None and back is not None and moved.get(back, 0) >= 100:
        return False
    return cut_off or moved is not None


class SwitchSpec(Strict):
    router: str | RouterConfig
    to: str = Field(min_length=1)
    from_: str | None = Field(default=None, alias="from")
    #: Refuse to switch when no server of the target pool answers a health check.
    require_healthy: bool = True
    #: Hold after the switch (connection draining, caches), through the engine clock.
    settle: Duration = 0.0
    #: Derive the switch-back undo (off for the derived undo itself).
    auto_undo: bool = True

    @model_validator(mode="after")
    def _distinct(self) -> SwitchSpec:
        if self.from_ is not None and self.from_ == self.to:
            raise ValueError(f"switch from '{self.from_}' to itself")
        return self


class SwitchStep(StepBase, RouterRef):
    kind: ClassVar[str] = "switch"
    switch: SwitchSpec
    _router_cfg: AnyRouterConfig | None = PrivateAttr(default=None)

    def router_ref(self) -> str | AnyRouterConfig:
        return self.switch.router

    @model_validator(mode="after")
    def _derive_undo(self) -> SwitchStep:
        if not isinstance(self.switch.router, str):
            check_pools(self.switch.router, *(p for p in (self.switch.to, self.switch.from_) if p))
            if self.switch.from_ is None:
                self._infer_from(self.switch.router)
        self._make_undo()
        return self

    def _infer_from(self, cfg: AnyRouterConfig) -> None:
        pools = pool_names(cfg)
        if pools is not None and len(pools) == 2 and self.switch.to in pools:
            self.switch.from_ = next(p for p in pools if p != self.switch.to)

    def _make_undo(self) -> None:
        if self.undo is None and self.switch.auto_undo and self.switch.from_ is not None:
            back = self.switch.model_copy(update={"to": self.switch.from_, "from_": self.switch.to,
                                                  "auto_undo": False, "settle": 0.0})
            self.undo = SwitchStep(name=f"switch traffic back to {self.switch.from_}", switch=back,
                                   idempotent=True)

    def bind_routers(self, routers: dict[str, AnyRouterConfig]) -> None:
        super().bind_routers(routers)
        cfg = self.config()
        check_pools(cfg, *(p for p in (self.switch.to, self.switch.from_) if p))
        if self.switch.from_ is None:
            self._infer_from(cfg)
        if self.switch.from_ is None and self.switch.auto_undo and self.undo is None:
            raise ValueError("switch needs `from:` (the pool to switch back to on rollback) unless the router"
                             " has exactly two pools")
        self._make_undo()
        if isinstance(self.undo, SwitchStep):
            self.undo.bind_routers(routers)

    @property
    def is_idempotent(self) -> bool:
        return True if self.idempotent is None else self.idempotent  # setting weights twice is harmless

    def left_after_failure(self, moved: dict[str, Any] | None, cut_off: bool) -> bool:
        return traffic_left(self.undo, moved, cut_off)

    def describe(self) -> str:
        frm = f"{self.switch.from_} -> " if self.switch.from_ else ""
        return f"switch traffic {frm}{self.switch.to} ({self.router_label()})"

    def execute(self, ctx: StepContext) -> StepResult:
        to = ctx.interpolate(self.switch.to)  # a pool name may be a plan var
        router = self.open_router(ctx)
        label = self.router_label()
        try:
            before = router.weights()
            if self.switch.require_healthy:
                health = router.health()
                if not health.get(to, False):
                    return StepResult.failed(f"pool '{to}' has no healthy server; traffic left as it was"
                                             f" ({_split(before)})", weights=before)
            set_and_record(router, ctx, {to: 100}, f"switch to {to}", label,
                           previous=before)
            after = router.weights()
            if after.get(to) != 100:
                return StepResult.failed(f"router reports {_split(after)} after the switch, expected 100% to"
                                         f" {to}", weights=after)
        except GoliveError as exc:
            return StepResult.failed(f"switch to {to} failed: {exc}")
        finally:
            router.close()
        if self.switch.settle:
            ctx.clock.sleep(self.switch.settle)
        kept = [p for p, w in before.items() if w > 0 and p != to]
        warm = f"; {', '.join(kept)} kept running for a switch back" if kept else ""
        return StepResult.passed(f"100% of traffic to {to} (was {_split(before)}){warm}",
                                 weights=after, previous=before)


def _split(weights: dict[str, int]) -> str:
    return " / ".join(f"{p} {w}%" for p, w in weights.items() if w > 0) or "no traffic"
