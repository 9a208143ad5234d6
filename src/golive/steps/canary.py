"""`canary`: shift traffic to a new pool in stages, judge it at every analysis interval against the
stable pool running at the same time, promote at the end, and abort at the first failing verdict.

With `promote: false` the step ends holding its last stage's split instead of promoting: runbooks put a
person's Go/No-Go before the last stage (Argo Rollouts' `pause: {}`), so the plan's gate decides and a later
step (a `switch`, or another canary) finishes the move. Its undo is the same: all traffic back to stable.

On abort the step itself puts 100% of traffic back on the stable pool *before* it returns `failed`, so
users are off the bad build within one router call of the verdict; the engine then runs the rest of the
rollback. Every weight change and every verdict is an event with the numbers behind it.
"""

from __future__ import annotations

import contextlib
import math
import threading
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, PrivateAttr, model_validator

from golive.analysis.config import MetricSourceConfig
from golive.analysis.model import Sample, Thresholds, Verdict
from golive.core.fields import Duration, Strict
from golive.core.step import StepContext, StepResult
from golive.errors import GoliveError, StepConfigError
from golive.steps.base import StepBase
from golive.steps.switch import RouterRef, SwitchSpec, SwitchStep, check_pools, set_and_record, traffic_left
from golive.traffic.registry import AnyRouterConfig, RouterConfig
from golive.traffic.router import Router
from golive.units import format_duration

if TYPE_CHECKING:
    from golive.analysis.judge import Judge
    from golive.analysis.sources import MetricSource

#: Attempts to put traffic back on stable when aborting (a router hiccup must not leave users on a bad build).
ABORT_ATTEMPTS = 3


def _fraction(value: Any) -> Any:
    """`1%`, `0.5 %` or a fraction `0.01`."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text[:-1].strip()) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"expected a rate like '1%' or 0.01, got '{value}'") from None
    return value


Fraction = Annotated[float, BeforeValidator(_fraction), Field(ge=0, lt=1)]


def _warm_statistics() -> threading.Thread:
    """Start importing the judge's statistics library in the background when the canary starts: loading it takes
    seconds on a busy machine, and they pass during the first stage's hold instead of before traffic moves (the
    judge's first use joins the import in progress, Python's import lock makes that safe)."""

    def load() -> None:
        with contextlib.suppress(ImportError):
            import scipy.stats  # noqa: F401

    warm = threading.Thread(target=load, name="golive-warm-scipy", daemon=True)
    warm.start()
    return warm


class Stage(Strict):
    weight: int = Field(ge=1, le=100, description="percent of new requests sent to the canary pool")
    hold: Duration = 0.0


class Analysis(Strict):
    """What a good canary looks like. Absolute limits are optional; the comparison with the stable pool
    (proportion test for errors, Mann-Whitney U for latency) runs whenever `baseline` is on."""

    #: `router` (its own per-pool counters), or a configured source: `{prometheus: {...}}` or `{json: {...}}`.
    source: Literal["router"] | MetricSourceConfig = "router"
    max_error_rate: Fraction | None = None
    max_p95: Duration | None = None
    max_p99: Duration | None = None
    min_requests: int = Field(default=50, ge=1)
    max_inconclusive: int = Field(default=3, ge=1)
    baseline: bool = True
    alpha: float = Field(default=0.01, gt=0, lt=0.5)
    #: Ignore canary-vs-baseline differences smaller than these (a huge baseline makes tiny ones significant).
    min_error_rate_increase: Fraction = 0.0
    min_latency_increase: Duration = 0.0


class CanarySpec(Strict):
    router: str | RouterConfig
    stable: str = Field(min_length=1)
    canary: str = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    interval: Duration = Field(default=60.0, gt=0)
    analysis: Analysis = Analysis()
    #: False: the last stage's split stays as it is, for a later step to go on after a Go/No-Go ("Go/No-Go before
    #: stage 4"); a canary that promoted at its end would send all traffic before anyone decided.
    promote: bool = Field(default=True, description="false: end holding the last stage's split; a gate and a"
                                                      " later step (a switch, another canary) finish the move")

    @model_validator(mode="after")
    def _shape(self) -> CanarySpec:
        if self.stable == self.canary:
            raise ValueError("stable and canary must be different pools")
        weights = [s.weight for s in self.stages]
        if weights != sorted(weights) or len(set(weights)) != len(weights):
            raise ValueError(f"stage weights must increase, got {weights}")
        if not self.promote and weights[-1] == 100:
            raise ValueError("promote: false holds the last stage for a later step, but its weight is 100 (all"
                             " traffic already on the canary): end the stages below 100, or drop `promote: false`")
        return self

    def held(self) -> int | None:
        """The canary's share the step ends at when it does not promote (None: it promotes to 100%)."""
        return None if self.promote else self.stages[-1].weight

    def planned_looks(self) -> int:
        return max(1, sum(math.ceil(s.hold / self.interval) for s in self.stages if s.weight < 100 or s.hold))


class CanaryStep(StepBase, RouterRef):
    kind: ClassVar[str] = "canary"
    canary: CanarySpec
    _router_cfg: AnyRouterConfig | None = PrivateAttr(default=None)

    def router_ref(self) -> str | AnyRouterConfig:
        return self.canary.router

    @model_validator(mode="after")
    def _derive_undo(self) -> CanaryStep:
        if not isinstance(self.canary.router, str):
            check_pools(self.canary.router, self.canary.stable, self.canary.canary)
        if self.undo is None:
            back = SwitchSpec.model_validate({"router": self.canary.router, "to": self.canary.stable,
                                              "from": self.canary.canary, "auto_undo": False,
                                              "require_healthy": False})
            self.undo = SwitchStep(name=f"all traffic back to {self.canary.stable}", switch=back, idempotent=True)
        return self

    def bind_routers(self, routers: dict[str, AnyRouterConfig]) -> None:
        super().bind_routers(routers)
        check_pools(self.config(), self.canary.stable, self.canary.canary)
        if isinstance(self.undo, SwitchStep):
            self.undo.bind_routers(routers)

    def left_after_failure(self, moved: dict[str, Any] | None, cut_off: bool) -> bool:
        return traffic_left(self.undo, moved, cut_off)

    def describe(self) -> str:
        stages = " -> ".join(f"{s.weight}%" + (f" for {format_duration(s.hold)}" if s.hold else "")
                             for s in self.canary.stages)
        held = self.canary.held()
        then = f", then held at {held}% (promote: false)" if held is not None else ""
        return f"canary {self.canary.canary} vs {self.canary.stable}: {stages}{then} ({self.router_label()})"

    # -- running -----------------------------------------------------------------------------------
    def thresholds(self) -> Thresholds:
        a = self.canary.analysis
        return Thresholds(
            max_error_rate=a.max_error_rate,
            max_p95_ms=a.max_p95 * 1000 if a.max_p95 is not None else None,
            max_p99_ms=a.max_p99 * 1000 if a.max_p99 is not None else None,
            min_requests=a.min_requests, max_inconclusive=a.max_inconclusive,
            max_looks=self.canary.planned_looks(),
            min_error_rate_increase=a.min_error_rate_increase,
            min_latency_increase_ms=a.min_latency_increase * 1000,
        )

    def resolved(self, ctx: StepContext) -> CanarySpec:
        """Pool names may be plan vars (`${CANARY_POOL}`), read when the step runs."""
        return self.canary.model_copy(update={"stable": ctx.interpolate(self.canary.stable),
                                              "canary": ctx.interpolate(self.canary.canary)})

    def _source(self, router: Router, ctx: StepContext) -> MetricSource:
        from golive.analysis import sources

        src = self.canary.analysis.source
        made = sources.RouterSource.of(router) if src == "router" else src.open(ctx.interpolate)
        spec = self.resolved(ctx)
        made.prime([spec.stable, spec.canary])
        return made

    def execute(self, ctx: StepContext) -> StepResult:
        spec = self.resolved(ctx)
        router = self.open_router(ctx)
        label = self.router_label()
        try:
            from golive.analysis.judge import Judge  # numpy: loaded when a canary runs, not at every start

            judge = Judge(self.thresholds(), alpha=spec.analysis.alpha)
        except ValueError as exc:
            raise StepConfigError(f"canary analysis: {exc}") from None
        verdicts = 0
        stage_no = 0
        because: dict[str, Any] = {}
        _warm_statistics()
        try:
            source = self._source(router, ctx)
            for stage_no, stage in enumerate(spec.stages, 1):
                weights = {spec.canary: stage.weight, spec.stable: 100 - stage.weight}
                set_and_record(router, ctx, weights, f"stage {stage_no}/{len(spec.stages)}", label,
                               stage=stage_no, stages=len(spec.stages), **because)
                looks_before = judge.interval
                verdict = self._hold(ctx, judge, source, stage, stage_no)
                verdicts = judge.interval
                if verdict is not None and verdict.outcome == "fail":
                    return self._abort(router, ctx, label, f"stage {stage_no} ({stage.weight}%): {verdict.reason}",
                                       stage_no, verdict)
                because = {"because": self._promotion(stage_no, stage, verdict, judge.interval - looks_before)}
            if spec.promote and spec.stages[-1].weight != 100:
                set_and_record(router, ctx, {spec.canary: 100}, "promote", label, stage=len(spec.stages),
                               stages=len(spec.stages), **because)
        except GoliveError as exc:
            return self._abort(router, ctx, label, f"stage {stage_no}: {exc}", stage_no, None)
        finally:
            router.close()
        held = spec.held()
        if held is not None:
            return StepResult.passed(f"held {spec.canary} at {held}%: the plan promotes later ({spec.stable} at"
                                     f" {100 - held}%, after {len(spec.stages)} stage(s) and {verdicts} passing or"
                                     " inconclusive verdict(s))", stages=len(spec.stages), verdicts=verdicts,
                                     held=held)
        return StepResult.passed(f"promoted {spec.canary} to 100% after {len(spec.stages)} stage(s) and"
                                 f" {verdicts} passing or inconclusive verdict(s)", stages=len(spec.stages),
                                 verdicts=verdicts)

    @staticmethod
    def _promotion(stage_no: int, stage: Stage, verdict: Verdict | None, looks: int) -> str:
        """Why the canary moves on from a stage, with the numbers of the verdict that let it (for `golive log`)."""
        if verdict is None:
            return f"stage {stage_no} ({stage.weight}%) had no hold, so no analysis"
        return (f"stage {stage_no} ({stage.weight}%) held {format_duration(stage.hold)}, {looks} verdict(s),"
                f" last {verdict.reason}")

    def _hold(self, ctx: StepContext, judge: Judge, source: MetricSource, stage: Stage,
              stage_no: int) -> Verdict | None:
        """Hold the stage, judging every `interval`; returns the first failing verdict, else the last one.

        A stage ends on a pass only: when its hold is over and the last verdict is inconclusive, judging
        goes on at the same weight until a verdict passes, or `max_inconclusive` in a row fail it. Too
        little data must never promote a canary."""
        spec = self.resolved(ctx)
        clock = ctx.clock
        end = clock.monotonic() + stage.hold
        since = clock.now().timestamp()
        last: Verdict | None = None
        while ((remaining := end - clock.monotonic()) > 1e-9
               or (last is not None and last.outcome == "inconclusive")):
            clock.sleep(min(spec.interval, remaining) if remaining > 1e-9 else spec.interval)
            until = clock.now().timestamp()
            try:
                canary = source.sample(spec.canary, since, until)
                baseline = source.sample(spec.stable, since, until) \
                    if spec.analysis.baseline and stage.weight < 100 else None
                verdict = judge.evaluate(canary, baseline)
            except (GoliveError, ValueError, OSError) as exc:
                verdict = judge.evaluate(Sample(0, 0, []), None)
                verdict.reason = f"metric source failed ({exc}); {verdict.reason}"
            since = until
            ctx.emit("analysis.verdict", {**verdict.numbers, "outcome": verdict.outcome, "reason": verdict.reason,
                                          "stage": stage_no, "weight": stage.weight})
            last = verdict
            if verdict.outcome == "fail":
                return verdict
        return last

    def _abort(self, router: Router, ctx: StepContext, label: str, why: str, stage_no: int,
               verdict: Verdict | None) -> StepResult:
        spec = self.resolved(ctx)
        errors: list[str] = []
        for attempt in range(1, ABORT_ATTEMPTS + 1):
            try:
                set_and_record(router, ctx, {spec.stable: 100}, f"abort: {why}", label, stage=stage_no,
                               attempt=attempt)
                break
            except GoliveError as exc:
                errors.append(str(exc))
                ctx.clock.sleep(0.5 * attempt)
        else:
            return StepResult.failed(f"canary aborted ({why}) and traffic could NOT be moved back to"
                                     f" {spec.stable}: {errors[-1]}", stage=stage_no)
        detail: dict[str, Any] = {"stage": stage_no}
        if verdict is not None:
            detail["numbers"] = verdict.numbers
        return StepResult.failed(f"canary aborted, 100% of traffic back on {spec.stable}: {why}", **detail)
