"""`ssh`: one command on every host of a group, in rolling batches.

Batches run one after the other, hosts within a batch in parallel; the first batch with more failed hosts
than `max_failures` stops the step, so later batches are never touched. Each batch is recorded (`ssh.batch`)
before it starts and each host's result (`ssh.host`) after, so the undo, and a person after a crash, know
exactly where the command ran. Plan vars reach the remote shell as quoted `export`s sent on stdin: sshd's
AcceptEnv usually refuses them, and on the command line they would be visible in the remote `ps`.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, ModelWrapValidatorHandler, PrivateAttr, field_validator, model_validator

from golive import interrupts
from golive.core.fields import IntList, Strict
from golive.core.step import StepContext, StepResult
from golive.masking import Masker
from golive.steps.base import COMMAND_TIMEOUT, PLAN_GROUPS, StepBase
from golive.targets.local import DEFAULT_GRACE
from golive.targets.ssh import (
    LOCKED_EXIT,
    LOCKED_MARK,
    UNTAKEN_MARK,
    Connection,
    HostGroup,
    HostResult,
    SshTarget,
    remote_command,
    resolve_connection,
)


def _batch(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value



def undo_text(data: Any) -> tuple[Any, str | None]:
    """A bare-string `undo:` of a step on a host group is a command for the same hosts: take it out of the raw
    step before validation, so the step derives its own undo from it."""
    text = data.get("undo") if isinstance(data, dict) else None
    if isinstance(text, str) and text.strip():
        return {k: v for k, v in data.items() if k != "undo"}, text
    return data, None


def newest_batch_first(ran: list[list[str]]) -> list[list[str]]:
    """An undo goes back over what its step did in reverse: the hosts it reached, newest batch first, and each
    host once even where the log holds it in more than one batch."""
    seen: set[str] = set()
    out: list[list[str]] = []
    for hosts in reversed(ran):
        fresh = [h for h in hosts if h not in seen]
        seen.update(fresh)
        if fresh:
            out.append(fresh)
    return out

class SshSpec(Strict):
    on: str = Field(min_length=1)
    command: str = Field(min_length=1)
    #: Hosts per batch: a count, or a percentage of the group ("25%"); default: the whole group at once.
    batch: Annotated[int | str | None, BeforeValidator(_batch)] = None
    #: Failed hosts a batch may have before the step stops (counted over all batches so far).
    max_failures: int = Field(default=0, ge=0)
    env: dict[str, str] = {}
    shell: str = "/bin/bash"
    expect_exit: IntList = [0]

    @field_validator("on")
    @classmethod
    def _known_group(cls, value: str) -> str:
        groups = PLAN_GROUPS.get()
        if groups is not None and value not in groups:
            import difflib

            close = difflib.get_close_matches(value, sorted(groups), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            known = ", ".join(sorted(groups)) or "none defined (add a top-level `hosts:` mapping)"
            raise ValueError(f"unknown host group '{value}'{hint}; groups: {known}")
        return value

    @field_validator("batch")
    @classmethod
    def _batch_size(cls, value: int | str | None) -> int | str | None:
        if value is None:
            return None
        if isinstance(value, int):
            if value < 1:
                raise ValueError("a batch is at least 1 host")
            return value
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", value)
        if m is None:
            raise ValueError(f"'{value}' is not a batch size (write a host count like 2, or a share like '25%')")
        share = float(m.group(1))
        if not 0 < share <= 100:
            raise ValueError(f"'{value}': a batch share is more than 0% and at most 100%")
        return f"{m.group(1)}%"

    def batches(self, hosts: list[str]) -> list[list[str]]:
        if self.batch is None:
            size = len(hosts)
        elif isinstance(self.batch, int):
            size = self.batch
        else:
            size = max(1, math.ceil(len(hosts) * float(self.batch.rstrip("%")) / 100))
        size = max(1, min(size, len(hosts)))
        return [hosts[i:i + size] for i in range(0, len(hosts), size)]


class SshStep(StepBase):
    kind: ClassVar[str] = "ssh"
    ssh: SshSpec
    _group: HostGroup | None = PrivateAttr(default=None)
    #: The service's lock file on the hosts (golive.targets.hostlock): held by another run, the command does not
    #: start there; free, the command takes it for the run first, in the same remote command (no round trip), and
    #: the run keeps it until it ends (golive.run.locks drops it on the hosts its ssh steps ran on), so a run kept
    #: in another log, from another machine, finds the hosts held while this run may still change or undo them.
    _lock_path: str | None = PrivateAttr(default=None)
    _lock_label: str = PrivateAttr(default="")

    @model_validator(mode="wrap")
    @classmethod
    def _undo_on_same_hosts(cls, data: Any, handler: ModelWrapValidatorHandler[SshStep]) -> SshStep:
        """`undo: "command"` under an ssh step runs on the same group (where the command ran), not on the
        machine running golive; derived after the step validates so a mistake is reported once."""
        data, text = undo_text(data)
        step = handler(data)
        if text is not None:
            step.undo = SshStep(ssh=step.ssh.model_copy(update={"command": text}), timeout=step.timeout)
        return step

    def bind_host_lock(self, paths: dict[str, str], held: set[str], label: str, kept: frozenset[str] = frozenset()
                       ) -> None:
        self._lock_path = paths.get(self.ssh.on)
        self._lock_label = label
        if isinstance(self.undo, SshStep):
            self.undo.bind_host_lock(paths, held, label, kept)

    def bind_hosts(self, groups: dict[str, HostGroup]) -> None:
        """Called by the Plan once every group is known."""
        if self.ssh.on not in groups:
            known = ", ".join(groups) or "none defined (add a top-level `hosts:` mapping)"
            raise ValueError(f"unknown host group '{self.ssh.on}'; groups: {known}")
        self._group = groups[self.ssh.on]
        if isinstance(self.undo, SshStep):
            self.undo.bind_hosts(groups)

    def describe(self) -> str:
        first = self.ssh.command.strip().splitlines()[0]
        batch = f", batches of {self.ssh.batch}" if self.ssh.batch is not None else ""
        return f"ssh {self.ssh.on}{batch}: {first}" + (" ..." if "\n" in self.ssh.command.strip() else "")

    def _connection(self, ctx: StepContext) -> Connection:
        if self._group is None:
            raise ValueError(f"host group '{self.ssh.on}' is not defined in the plan's `hosts:`")
        return resolve_connection(self._group, self.ssh.on, ctx.interpolate, ctx.workdir)

    def _plan_batches(self, ctx: StepContext) -> list[list[str]]:
        assert self._group is not None
        ran = [b.hosts for b in (ctx.undoing.targets if ctx.undoing else []) if b.group == self.ssh.on]
        if ran:  # the undo of an ssh step: only where the command ran
            return newest_batch_first(ran)
        return self.ssh.batches(self._group.hosts)

    def remote_trees(self, ctx: StepContext, batches: list[Any]) -> list[tuple[Connection, list[str], str]]:
        """The attempt's batches on this step's group that carry a tree mark: where resume must look before the
        step may run again (golive.engine.remote_leftovers)."""
        from golive.steps.trees import marked_trees

        return marked_trees(lambda: self._connection(ctx), self.ssh.on, batches)

    def execute(self, ctx: StepContext) -> StepResult:
        spec = self.ssh
        try:
            conn = self._connection(ctx)
        except ValueError as exc:
            return StepResult.failed(str(exc))
        if conn.known_hosts is not None and not conn.known_hosts.is_file():
            return StepResult.failed(f"known_hosts file {conn.known_hosts} does not exist: host keys cannot be"
                                     " checked (write it, or set `known_hosts:` of group"
                                     f" '{spec.on}')")
        timeout = self.timeout if self.timeout is not None else COMMAND_TIMEOUT
        env = {**ctx.vars, "GOLIVE_RUN_ID": ctx.run_id, "GOLIVE_STEP_ID": ctx.step_id}
        env.update({k: ctx.interpolate(v) for k, v in spec.env.items()})
        if self._lock_path is not None:
            env["GOLIVE_LOCK_RECORD"] = lock_record(ctx, self._lock_label)
        batches = self._plan_batches(ctx)
        failures: list[str] = []
        results: list[HostResult] = []
        for index, hosts in enumerate(batches, 1):
            # The batch's tree mark is in the log before any host is contacted: whatever the command starts
            # there can be found and stopped again, by this process or by a resume (golive.targets.remote_tree).
            mark = f"{ctx.run_id}/{ctx.step_id}/{index}/{secrets.token_hex(4)}"
            ctx.emit("ssh.batch", {"group": spec.on, "batch": index, "batches": len(batches), "hosts": hosts,
                                   "tree": mark})
            command = remote_command(spec.command, spec.shell, timeout, respect_lock=self._lock_path, tree=mark,
                                     take_lock=True)
            self._run_batch(ctx, conn, index, hosts, command, env, timeout, mark, results, failures)
            if len(failures) > spec.max_failures:
                skipped = sum(len(b) for b in batches[index:])
                later = f"; {skipped} host(s) in later batches untouched" if skipped else ""
                first = next(r for r in results if r.host == failures[0])
                return StepResult("failed", f"{len(failures)} host(s) failed ({', '.join(failures)}),"
                                  f" {spec.max_failures} allowed; stopped after batch {index}/{len(batches)}"
                                  f"{later}. {failures[0]}: {first.message}", exit_code=first.exit_code,
                                  output=_summary(results, ctx.masker), detail={"failed_hosts": failures})
        note = f" ({len(failures)} failed: {', '.join(failures)})" if failures else ""
        return StepResult("succeeded", f"{len(results)} host(s) in {len(batches)} batch(es){note}",
                          exit_code=0, output=_summary(results, ctx.masker), detail={"failed_hosts": failures})


    def _run_batch(self, ctx: StepContext, conn: Connection, index: int, hosts: list[str], command: str,
                   env: dict[str, str], timeout: float, mark: str, results: list[HostResult],
                   failures: list[str]) -> None:
        """Each host is recorded the moment it finishes: a crash mid-batch keeps what already ran. Hosts whose
        command timed out, and every host still running when golive is stopped, have the batch's tree stopped."""
        from golive.targets.remote_tree import stop

        grace = self.grace if self.grace is not None else DEFAULT_GRACE
        finished: set[str] = set()
        timed_out: list[str] = []
        stale: list[str] = []  # held by a run that is provably over: taken over, then the command runs there
        try:
            hosts_now = self._take_legacy(ctx, conn, index, hosts, env, finished, timed_out, results, failures)
            for attempt in (hosts_now, stale):
                if attempt is stale and stale:
                    attempt = self._take_over(ctx, conn, stale, env, index, hosts, finished, timed_out, results,
                                              failures)
                for ready in SshTarget(conn, attempt, time.time).run_ready(command, env, timeout) if attempt else []:
                    # Hosts that finished together are recorded together: a stop signal waits until the last of
                    # them is in the log (no host is contacted in between), and each but the last shares its flush.
                    with interrupts.shielded():
                        for i, res in enumerate(ready):
                            if attempt is hosts_now and self._over(res):
                                stale.append(res.host)
                                continue
                            self._record_host(ctx, index, res, i < len(ready) - 1, hosts, finished, timed_out,
                                              results, failures)
                    interrupts.check()
        except interrupts.Interrupted:
            with interrupts.shielded():  # golive is being stopped: so is what the batch still runs on its hosts
                stop(conn, [h for h in hosts if h not in finished], mark, grace)
            raise
        if timed_out:  # the remote `timeout` stopped the command's group; what left the group (setsid) goes too
            stop(conn, timed_out, mark, grace)

    def _take_legacy(self, ctx: StepContext, conn: Connection, index: int, hosts: list[str], env: dict[str, str],
                     finished: set[str], timed_out: list[str], results: list[HostResult],
                     failures: list[str]) -> list[str]:
        """The previous version's name of the lock file, for a service or environment whose name changed
        (golive.store.lock_names; one round trip, only then): hosts where it is held are recorded as locked and
        the command runs on the others."""
        from golive.targets.hostlock import legacy_path, pool_runner, take_legacy

        if self._lock_path is None or legacy_path(self._lock_path) is None:
            return hosts
        problems = take_legacy(pool_runner(conn), hosts, self._lock_path, env["GOLIVE_LOCK_RECORD"], ctx.run_id,
                               self._lock_label)
        now = time.time()
        for host, why in problems.items():
            self._record_host(ctx, index, HostResult(host, "locked", None, "", 0.0, now, now, why), False, hosts,
                              finished, timed_out, results, failures)
        return [h for h in hosts if h not in problems]

    def _over(self, res: HostResult) -> bool:
        """The host refused the command for a lock whose run is provably over (golive.targets.hostlock)."""
        if res.exit_code != LOCKED_EXIT or LOCKED_MARK not in res.output:
            return False
        from golive.targets.hostlock import holder_is_over

        record = _held_record(res.output)
        return bool(record.get("run")) and holder_is_over(record)

    def _take_over(self, ctx: StepContext, conn: Connection, stale: list[str], env: dict[str, str], index: int,
                   hosts: list[str], finished: set[str], timed_out: list[str], results: list[HostResult],
                   failures: list[str]) -> list[str]:
        """Rewrite the over run's lock files as this run's (golive.targets.hostlock.take judges each again); the
        hosts taken are where the command now runs; one another run took meanwhile is recorded as locked."""
        from golive.targets.hostlock import pool_runner, take

        assert self._lock_path is not None
        problems = take(pool_runner(conn), stale, self._lock_path, env["GOLIVE_LOCK_RECORD"], ctx.run_id,
                        self._lock_label)
        now = time.time()
        for host, why in problems.items():
            res = HostResult(host, "locked", None, "", 0.0, now, now, why)
            self._record_host(ctx, index, res, False, hosts, finished, timed_out, results, failures)
        return [h for h in stale if h not in problems]

    def _record_host(self, ctx: StepContext, index: int, res: HostResult, more_ready: bool, hosts: list[str],
                     finished: set[str], timed_out: list[str], results: list[HostResult], failures: list[str]) -> None:
        spec = self.ssh
        finished.add(res.host)
        ok = res.status == "ok" and res.exit_code in spec.expect_exit
        if res.exit_code == LOCKED_EXIT and UNTAKEN_MARK in res.output:
            ok, res.status = False, "locked"
            res.message = (f"the lock file {res.host}:{self._lock_path} could not be created (the group's lock_dir"
                           " must be writable by its login), or another run's went meanwhile; nothing ran there")
        elif res.exit_code == LOCKED_EXIT and LOCKED_MARK in res.output:
            ok, res.status, res.message = False, "locked", _locked(res.host, res.output, self._lock_path)
        elif res.status == "locked":
            ok = False
        if not ok:
            failures.append(res.host)
            if res.status == "ok":
                res.message = f"exit code {res.exit_code}, expected {' or '.join(map(str, spec.expect_exit))}"
        if res.status == "timed-out":
            timed_out.append(res.host)
        results.append(res)
        # A result is flushed with the event right after it when that follows at once with nothing done on a
        # host in between: another host's result that had finished with it (`more_ready`), or, for the batch's
        # last result, the next batch's mark or the step's end (one flush fewer from one batch to the next). Not
        # the last when a host timed out: its tree is stopped (a host contacted) before the next event.
        last = len(finished) == len(hosts) and not timed_out
        grouped = more_ready or last
        emit = ctx.emit_grouped if grouped and ctx.emit_grouped is not None else ctx.emit
        emit("ssh.host", {
            "group": spec.on, "batch": index, "host": res.host, "ok": ok, "status": res.status,
            "exit_code": res.exit_code, "duration": round(res.duration, 4), "message": res.message,
            "started": res.started, "finished": res.finished,
            "output": ctx.masker.text(res.output)[-2048:],  # masked, then cut: a cut leaves no piece
        })


def _held_record(output: str) -> dict[str, Any]:
    import json

    try:
        record = json.loads(output.split(LOCKED_MARK, 1)[1].strip())
    except (ValueError, IndexError):
        return {}
    return record if isinstance(record, dict) else {}


def _locked(host: str, output: str, path: str | None) -> str:
    from golive.targets.hostlock import refusal

    record = _held_record(output)
    return refusal(f"{record.get('service', 'the service')} on {host}", record, f"{host}:{path}")


def lock_record(ctx: StepContext, label: str) -> str:
    """The record an ssh step's command writes as the hosts' lock (golive.targets.hostlock.lock_record)."""
    from golive.targets.hostlock import lock_record as record

    return record(ctx.run_id, ctx.environ.get("GOLIVE_RUN_LOG", ""), label, ctx.step_id)


def _summary(results: list[HostResult], masker: Masker) -> str:
    """Each host's last 2 KB, masked before it is cut: a cut through a secret would leave a piece of it."""
    parts = []
    for r in results:
        code = f"exit {r.exit_code}" if r.exit_code is not None else r.status
        parts.append(f"== {r.host}: {code} ({r.duration:.1f}s){': ' + r.message if r.message else ''}\n"
                     f"{masker.text(r.output)[-2048:]}")
    return "\n".join(parts)
