"""`rolling`: deploy a host group behind a router a few hosts at a time, with no failed request.

Per batch: drain each host in the router (no new requests; `maint` once its sessions end or the drain
timeout passes), run the deploy command on it, wait until it is healthy on its own, put it back (`ready`),
then bake (optionally judging the batch's servers against the rest). Past `max_failures` the step stops:
later hosts are never contacted, and the failed hosts stay out of rotation. The undo (`undo: COMMAND`) runs
on the touched hosts only, newest batch first, each drained, redeployed and returned only when healthy.

Every host's drain, deploy/undo, health and return is a `rolling.host` event recorded the moment it
happens (intent before the router is touched), so a run that died mid-batch is resumed from the log: hosts
already returned are left alone, a host left drained is finished (deployed again, checked, returned).
"""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any, ClassVar, Literal

from pydantic import Field, ModelWrapValidatorHandler, PrivateAttr, model_validator

from golive import interrupts
from golive.core.events import RollingHost, SshBatch
from golive.core.fields import Duration, Strict
from golive.core.step import StepContext, StepResult
from golive.errors import RouterError
from golive.steps.base import COMMAND_TIMEOUT, StepBase
from golive.steps.canary import Fraction
from golive.steps.rolling_parts import Drain, Health, check_health, controls, drain_many, judge_problem
from golive.steps.ssh import SshSpec, newest_batch_first, undo_text
from golive.steps.trees import marked_trees, stop_unfinished, tree_mark
from golive.targets.local import DEFAULT_GRACE
from golive.targets.ssh import Connection, HostGroup, SshTarget, remote_command, resolve_connection
from golive.traffic.router import ServerControl, server_for


class Bake(Strict):
    """Hold after each batch; with `max_error_rate`, judge the batch's servers against the rest each `interval`."""

    time: Duration
    interval: Duration = 5.0
    max_error_rate: Fraction | None = None
    min_requests: int = Field(default=20, ge=1)


class RollingSpec(SshSpec):
    #: Router in front of the group (a name from `routers:`); default: the group's `router:`.
    router: str | None = None
    #: Host -> the router's server name, where the server's address is not the host's.
    servers: dict[str, str] = {}
    #: `false` turns draining off (lint warns when the group sits behind a router).
    drain: Drain | Literal[False] = Drain()
    health: Health | None = None
    bake: Bake | None = None


class RollingStep(StepBase):
    kind: ClassVar[str] = "rolling"
    rolling: RollingSpec
    _group: HostGroup | None = PrivateAttr(default=None)
    _routers: dict[str, Any] = PrivateAttr(default_factory=dict)
    _router_cfg: Any = PrivateAttr(default=None)
    #: (lock file path, "service/environment") when the step locks its hosts itself (golive.targets.hostlock).
    _host_lock: tuple[str, str] | None = PrivateAttr(default=None)
    #: The plan's `ssh` steps run on this group: they hold its hosts' lock files until the run ends, so this step,
    #: which takes them too, leaves them for the run's end (golive.run.locks) instead of letting them go when done.
    _keep_lock: bool = PrivateAttr(default=False)

    @model_validator(mode="wrap")
    @classmethod
    def _undo_on_same_hosts(cls, data: Any, handler: ModelWrapValidatorHandler[RollingStep]) -> RollingStep:
        """`undo: "command"` redeploys on the touched hosts the same careful way (drain, health, return)."""
        data, text = undo_text(data)
        step = handler(data)
        if text is not None:
            step.undo = RollingStep(rolling=step.rolling.model_copy(update={"command": text}), timeout=step.timeout)
        return step

    @property
    def is_idempotent(self) -> bool:
        """It resumes from its own log (see the module doc), so running it again after a crash is safe."""
        return self.idempotent if self.idempotent is not None else True

    def bind_routers(self, routers: dict[str, Any]) -> None:
        self._routers = routers
        if isinstance(self.undo, RollingStep):
            self.undo.bind_routers(routers)

    def bind_host_lock(self, paths: dict[str, str], held: set[str], label: str, kept: frozenset[str] = frozenset()
                       ) -> None:
        """Called by the Plan: the group's lock file, which this step takes unless the run holds it (`held`);
        `kept`: groups the plan's `ssh` steps lock until the run ends."""
        path = paths.get(self.rolling.on)
        self._host_lock = (path, label) if path and self.rolling.on not in held else None
        self._keep_lock = self.rolling.on in kept
        if isinstance(self.undo, RollingStep):
            self.undo.bind_host_lock(paths, held, label, kept)

    def bind_hosts(self, groups: dict[str, HostGroup]) -> None:
        spec = self.rolling
        if spec.on not in groups:
            known = ", ".join(groups) or "none defined (add a top-level `hosts:` mapping)"
            raise ValueError(f"unknown host group '{spec.on}'; groups: {known}")
        self._group = groups[spec.on]
        name = spec.router or self._group.router
        if name is not None:
            if name not in self._routers:
                known = ", ".join(self._routers) or "none defined (add a top-level `routers:` mapping)"
                raise ValueError(f"unknown router '{name}'; routers: {known}")
            self._router_cfg = self._routers[name]
        if isinstance(self.undo, RollingStep):
            self.undo.bind_hosts(groups)

    @property
    def router_name(self) -> str | None:
        return self.rolling.router or (self._group.router if self._group else None)

    def describe(self) -> str:
        first = self.rolling.command.strip().splitlines()[0]
        batch = f", batches of {self.rolling.batch}" if self.rolling.batch is not None else ""
        return f"rolling {self.rolling.on}{batch}: {first}"

    def _batches(self, ctx: StepContext) -> list[list[str]]:
        assert self._group is not None
        ran = [b.hosts for b in (ctx.undoing.targets if ctx.undoing else []) if b.group == self.rolling.on]
        if ctx.undoing is not None:  # the undo: only where the deploy reached; nothing if it reached nowhere
            return newest_batch_first(ran)
        return self.rolling.batches(self._group.hosts)

    def remote_trees(self, ctx: StepContext, batches: list[Any]) -> list[tuple[Connection, list[str], str]]:
        """Where a resume must look before the step deploys again: the cut-off attempt's marked batches
        (golive.engine.remote_leftovers), so a resumed batch never overlaps the deploy a dead run left running."""
        group = self._group
        assert group is not None
        return marked_trees(lambda: resolve_connection(group, self.rolling.on, ctx.interpolate, ctx.workdir),
                            self.rolling.on, batches)

    def execute(self, ctx: StepContext) -> StepResult:
        spec = self.rolling
        if self._group is None:
            return StepResult.failed(f"host group '{spec.on}' is not defined in the plan's `hosts:`")
        conn = resolve_connection(self._group, spec.on, ctx.interpolate, ctx.workdir)
        if conn.known_hosts is not None and not conn.known_hosts.is_file():
            return StepResult.failed(f"known_hosts file {conn.known_hosts} does not exist: host keys cannot be"
                                     f" checked (write it, or set `known_hosts:` of group '{spec.on}')")
        if spec.bake is not None and spec.bake.max_error_rate is not None and not ctx.undoing:
            problem = judge_problem(self._router_cfg, spec.drain is not False)
            if problem:  # before any host is touched: a bake that cannot judge must not pass silently
                return StepResult.failed(f"cannot bake: {problem}")
        control: ServerControl | None = None
        if self._router_cfg is not None and spec.drain is not False:
            from golive.traffic.registry import make_router, resolve_config

            control = controls(make_router(resolve_config(self._router_cfg, ctx.interpolate), ctx.workdir))
        return _Roll(self, ctx, conn, control).run()


class _Roll:
    """One execution of a rolling step (or of its undo)."""

    def __init__(self, step: RollingStep, ctx: StepContext, conn: Connection, control: ServerControl | None) -> None:
        self.step, self.spec, self.ctx, self.conn, self.control = step, step.rolling, ctx, conn, control
        self.undo = ctx.undoing is not None
        self.timeout = step.timeout if step.timeout is not None else COMMAND_TIMEOUT
        self.env = {**ctx.vars, "GOLIVE_RUN_ID": ctx.run_id, "GOLIVE_STEP_ID": ctx.step_id}
        self.env.update({k: ctx.interpolate(v) for k, v in self.spec.env.items()})
        prev = ctx.resuming
        self.prev_hosts: dict[str, RollingHost] = prev.hosts if prev else {}
        self.prev_targets: list[SshBatch] = prev.targets if prev else []
        self.failures = [h for h, r in self.prev_hosts.items() if r.ok is False]
        self.returned = [h for h, r in self.prev_hosts.items() if r.action == "ready"]
        self._why: dict[str, str] = {}

    def emit(self, host: str, batch: int, action: str, **extra: Any) -> None:
        self.ctx.emit("rolling.host", {"group": self.spec.on, "batch": batch, "host": host, "action": action,
                                       **extra})

    def run(self) -> StepResult:
        spec = self.spec
        batches = self.step._batches(self.ctx)
        resumed = f" (resumed: {len(self.returned)} host(s) already returned)" if self.prev_hosts else ""
        for index, hosts in enumerate(batches, 1):
            if len(self.failures) > spec.max_failures:
                return self._stopped(index - 1, batches)
            todo = [h for h in hosts if h not in self.returned and h not in self.failures]
            if not todo:
                continue
            refused = self._lock(todo)
            if refused:  # another run holds one of them: this batch is left untouched
                return StepResult("failed", f"{refused}. Stopped before batch {index}/{len(batches)}; its hosts"
                                  " were not touched", detail={"failed_hosts": [], "returned": self.returned})
            logged = next((t for t in self.prev_targets if t.batch == index and t.hosts == hosts), None)
            # As for `ssh`: the batch's tree mark is in the log before any host is touched, so what the deploy
            # starts there can be found and stopped again (by this process, or by a resume after a crash).
            mark = logged.tree if logged is not None else tree_mark(self.ctx, index)
            if logged is None:
                self.ctx.emit("rolling.batch", {"group": spec.on, "batch": index, "batches": len(batches),
                                                "hosts": hosts, "tree": mark})
            good = self._batch(index, todo, mark)
            if len(self.failures) > spec.max_failures:
                return self._stopped(index, batches)
            if spec.bake is not None and good and not self.undo:
                why = self._bake(index, good)
                if why:
                    self.failures += good
                    return self._stopped(index, batches, why)
        self._unlock([h for b in batches for h in b])  # every host it reached is back in a known state
        note = f" ({len(self.failures)} failed: {', '.join(self.failures)})" if self.failures else ""
        verb = "undone on" if self.undo else "deployed to"
        return StepResult("succeeded", f"{verb} {len(self.returned)} host(s) in {len(batches)} batch(es){note}"
                          f"{resumed}", exit_code=0,
                          detail={"failed_hosts": self.failures, "returned": self.returned})

    def _stopped(self, index: int, batches: list[list[str]], why: str = "") -> StepResult:
        untouched = sum(len(b) for b in batches[index:])
        later = f"; {untouched} host(s) in later batches untouched" if untouched else ""
        first = self.failures[0]
        last = self.prev_hosts.get(first)
        reason = why or str(last.message or "" if last else "") or self._why.get(first, "")
        return StepResult("failed", f"{len(self.failures)} host(s) failed ({', '.join(self.failures)}),"
                          f" {self.spec.max_failures} allowed; stopped after batch {index}/{len(batches)}{later}."
                          f" {first}: {reason}", detail={"failed_hosts": self.failures, "returned": self.returned})

    def _lock(self, hosts: list[str]) -> str:
        """Takes the hosts' lock files just before the batch is drained (hosts never reached are never
        contacted); kept when the step fails, so no other run rolls them until the undo has put them back.
        Returns why another run holds one, or ''."""
        if self.step._host_lock is None:
            return ""
        from golive.targets.hostlock import lock_record, pool_runner, take

        path, label = self.step._host_lock
        record = lock_record(self.ctx.run_id, self.ctx.environ.get("GOLIVE_RUN_LOG", ""), label, self.ctx.step_id)
        problems = take(pool_runner(self.conn), hosts, path, record, self.ctx.run_id, label)
        return next(iter(problems.values()), "")

    def _unlock(self, hosts: list[str]) -> None:
        if self.step._host_lock is not None and not self.step._keep_lock:
            from golive.targets.hostlock import drop, pool_runner

            drop(pool_runner(self.conn), hosts, self.step._host_lock[0], self.ctx.run_id)

    def _fail(self, host: str, why: str) -> None:
        self.failures.append(host)
        self._why[host] = why

    def _batch(self, index: int, hosts: list[str], mark: str) -> list[str]:
        """Drain, deploy, check and return `hosts`; returns the ones back in rotation. Hosts whose command timed
        out, and every host still deploying when golive is stopped, have the batch's tree stopped."""
        servers: dict[str, str] = {}
        if self.control is not None:
            for h in hosts:
                servers[h] = server_for(self.control, self.conn.address(h).host, self.spec.servers)
                self.emit(h, index, "drain", server=servers[h])
            assert isinstance(self.spec.drain, Drain)
            for h, info in drain_many(self.control, [servers[h] for h in hosts], self.spec.drain, hosts).items():
                self.emit(h, index, "drained", server=servers[h], **info)
        action = "undo" if self.undo else "deploy"
        command = remote_command(self.spec.command, self.spec.shell, self.timeout, tree=mark or None)
        good: list[str] = []
        health = self.spec.health
        finished: set[str] = set()
        timed_out: list[str] = []
        grace = self.step.grace if self.step.grace is not None else DEFAULT_GRACE
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(hosts))) as checks:
            waiting: dict[concurrent.futures.Future[tuple[bool, int, str]], str] = {}
            try:
                for res in SshTarget(self.conn, hosts, time.time).run(command, self.env, self.timeout):
                    finished.add(res.host)
                    if res.status == "timed-out":
                        timed_out.append(res.host)
                    ok = res.status == "ok" and res.exit_code in self.spec.expect_exit
                    message = res.message or ("" if ok else f"exit code {res.exit_code}")
                    self.emit(res.host, index, action, ok=ok, status=res.status, exit_code=res.exit_code,
                              duration=round(res.duration, 4), message=message,
                              output=self.ctx.masker.text(res.output)[-2048:])
                    if not ok:
                        self._fail(res.host, f"{action} failed: {message}")
                    elif health is not None:
                        addr = self.conn.address(res.host).host
                        waiting[checks.submit(check_health, health, res.host, addr, self.conn, self.env)] = res.host
                    else:
                        good.append(self._return(index, res.host, servers))
            except interrupts.Interrupted:
                if mark:
                    stop_unfinished(self.conn, hosts, finished, mark, grace)
                raise
            if timed_out and mark:  # the remote `timeout` stopped the command's group; what left it goes too
                from golive.targets.remote_tree import stop

                stop(self.conn, timed_out, mark, grace)
            for fut in concurrent.futures.as_completed(waiting):
                host = waiting[fut]
                healthy, attempts, answer = fut.result()
                self.emit(host, index, "health", ok=healthy, attempts=attempts, message=answer)
                if healthy:
                    good.append(self._return(index, host, servers))
                else:
                    self._fail(host, f"unhealthy after {attempts} attempt(s): {answer}")
        return good

    def _return(self, index: int, host: str, servers: dict[str, str]) -> str:
        if self.control is not None:
            self.control.set_server_state(servers[host], "ready")
        self.emit(host, index, "ready", server=servers.get(host))
        self.returned.append(host)
        return host

    def _bake(self, index: int, batch: list[str]) -> str:
        """Holds the bake time; returns why the batch fails it, or ''."""
        bake = self.spec.bake
        assert bake is not None
        clock = self.ctx.clock
        if bake.max_error_rate is None:
            clock.sleep(bake.time)
            return ""
        counters = getattr(self.control, "server_counters", None)
        if self.control is None or counters is None:  # judge_problem let through a router without them
            raise RouterError(f"the {getattr(self.control, 'kind', '?')} router keeps no per-server counters:"
                              " the bake cannot judge the batch")
        from golive.analysis.judge import Judge
        from golive.analysis.model import Sample, Thresholds

        servers = {server_for(self.control, self.conn.address(h).host, self.spec.servers) for h in batch}
        judge = Judge(Thresholds(bake.max_error_rate, None, None, min_requests=bake.min_requests))
        end = clock.monotonic() + bake.time
        before = counters()
        while (remaining := end - clock.monotonic()) > 1e-9:
            clock.sleep(min(bake.interval, remaining))
            now = counters()

            def side(names: set[str], now: dict[str, Any] = now, before: dict[str, Any] = before) -> Sample:
                req = sum(now[n].requests - before[n].requests for n in names)
                err = sum(now[n].errors - before[n].errors for n in names)
                return Sample(req, err, [], source="router")

            verdict = judge.evaluate(side(servers), side(set(now) - servers))
            before = now
            self.ctx.emit("analysis.verdict", {**verdict.numbers, "outcome": verdict.outcome,
                                               "reason": verdict.reason, "batch": index})
            if verdict.outcome == "fail":
                return f"bake of batch {index} failed: {verdict.reason}"
        return ""
