"""Starting, resuming and aborting runs from the console.

A run started in the browser is a CLI run: the server starts `golive run PLAN --wait --json` as its own process
(its own session, so stopping the console stops no deployment), with GOLIVE_USER set to the authenticated person
(the run's initiator, so separation of duties holds against them), and watches it. Everything that makes a CLI
run safe comes with it unchanged: the run's lease and locks, step processes contained in their cgroups,
SIGTERM recorded and the run left resumable, the sealed log. The process waits at gates for decisions taken in
the page and goes on by itself.

Plans are picked from the configured plans directory only: a request names a plan by its place in that
directory's listing, never by a path. Declared vars are passed as `--var NAME=VALUE` (what the CLI records);
secret vars read from the environment get the value typed in the page in the runner's environment only: never
stored, never sent back, masked out of any error shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.core.events import RunAbortRequested, body
from golive.errors import DecisionRefused, PlanError, UsageError
from golive.masking import mask_known, safe
from golive.plan.model import Plan
from golive.store.base import Event, Store
from golive.store.owner import is_alive

SUFFIXES = (".yaml", ".yml")
#: How long a started runner has to create its run (imports, reading secrets, taking locks) on a busy machine.
START_DEADLINE = 120.0


class StartFailed(UsageError):
    """The runner stopped before creating its run; the message is what it said (masked)."""


class PlanLibrary:
    """The plans an operator may start: YAML files under one directory (hidden ones and symlinks out skipped)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root.resolve() if root is not None else None

    def files(self) -> dict[str, Path]:
        if self.root is None or not self.root.is_dir():
            return {}
        out: dict[str, Path] = {}
        for path in sorted(self.root.rglob("*")):
            rel = path.relative_to(self.root)
            if path.suffix not in SUFFIXES or any(p.startswith(".") for p in rel.parts) or not path.is_file():
                continue
            real = path.resolve()
            if real.is_relative_to(self.root):
                out[rel.as_posix()] = real
        return out

    def load(self, plan_id: str) -> tuple[Path, Plan, str]:
        """The plan listed as `plan_id`; KeyError when the listing has no such entry."""
        from golive.plan.loader import parse_plan_text, read_source

        path = self.files()[plan_id]
        text = read_source(path)
        return path, parse_plan_text(text, plan_id), text

    def listing(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for plan_id in self.files():
            try:
                _, plan, _ = self.load(plan_id)
                rows.append({"id": plan_id, "name": plan.name, "service": plan.service,
                             "environment": plan.environment, "error": None})
            except (PlanError, KeyError) as exc:
                rows.append({"id": plan_id, "name": plan_id, "service": None, "environment": None,
                             "error": str(exc).splitlines()[0] if str(exc) else "unreadable"})
        return rows


def preview(plan_id: str, plan: Plan) -> dict[str, Any]:
    """What `golive plan show` says about the plan, its rollback plan, and the vars one may set."""
    from golive.engine.rollback import preview as rollback_preview
    from golive.report.planview import render_plan

    return {"id": plan_id, "name": plan.name, "service": plan.service, "environment": plan.environment,
            "show": render_plan(plan, datetime.now(UTC)), "rollback_plan": [p.raw() for p in rollback_preview(plan)],
            "vars": var_rows(plan)}


def var_rows(plan: Plan, secret_only: bool = False) -> list[dict[str, Any]]:
    """The plan's vars as the page asks for them (a secret's value never: whether the server has one)."""
    variables = []
    for name, var in plan.vars.items():
        if secret_only and not var.secret:
            continue
        settable = not var.secret or var.from_env is not None
        variables.append({
            "name": name, "secret": var.secret, "description": var.description, "settable": settable,
            "default": None if var.secret else var.value, "from_env": var.from_env, "from_file": var.from_file,
            # whether the server's own environment holds the secret already (never its value)
            "on_server": bool(var.secret and var.from_env and os.environ.get(var.from_env)),
        })
    return variables


def var_arguments(plan: Plan, given: dict[str, Any], secret_values: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """`--var` arguments for declared plain vars, environment entries for secret ones read from the environment.
    Blank means "the plan's own source"."""
    args: list[str] = []
    env: dict[str, str] = {}
    for name, value in given.items():
        var = plan.vars.get(name)
        if var is None:
            raise UsageError(f"the plan declares no var {name}")
        if var.secret:
            raise UsageError(f"{name} is secret: send it under secrets, never as a plain var")
        if str(value) != "":
            args += ["--var", f"{name}={value}"]
    for name, value in secret_values.items():
        var = plan.vars.get(name)
        if var is None or not var.secret:
            raise UsageError(f"the plan declares no secret var {name}")
        if var.from_env is None:
            raise UsageError(f"secret var {name} is read from a file on the server; it cannot be set here")
        if str(value) != "":
            env[var.from_env] = str(value)
    return args, env


@dataclass
class Runner:
    """A runner process this server started and watches."""

    pid: int
    by: str
    log: Path
    started: float
    run_id: str | None = None
    exit_code: int | None = None

    def view(self) -> dict[str, Any]:
        return {"pid": self.pid, "by": self.by, "started": self.started, "exit_code": self.exit_code}


def _first_run_id(log: Path) -> str | None:
    try:
        with log.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.endswith("\n"):
                    return None
                with contextlib.suppress(ValueError):
                    data = json.loads(line)
                    run = data.get("run") if isinstance(data, dict) else None
                    if isinstance(run, str):
                        return run
    except OSError:
        return None
    return None


def _told(log: Path, hide: list[str]) -> str:
    """What a runner said before it stopped: its last lines, masked (and never a value typed in the page)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("{")][-12:]
    out = mask_known("\n".join(lines))
    for value in hide:
        if value:
            out = out.replace(value, "***")
    return safe(out)


class Supervisor:
    """Starts runner processes, reaps them and remembers how each ended (shown on the run's page)."""

    def __init__(self, state_dir: Path, store_location: str | None,
                 on_change: Callable[[str], None] = lambda run_id: None) -> None:
        self.dir = state_dir / "runners"
        self.store_location = store_location
        #: Called with the run's id when its runner ends (the run's page shows it at once).
        self.on_change = on_change
        self.by_run: dict[str, Runner] = {}
        self._watchers: set[asyncio.Task[None]] = set()

    async def _spawn(self, args: list[str], person: str, env_extra: dict[str, str]) -> tuple[Any, Path]:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        log = self.dir / f"{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}.log"
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        env = {**os.environ, **env_extra, "GOLIVE_USER": person}
        if self.store_location:
            env["GOLIVE_STORE"] = self.store_location
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "golive", *args, stdin=asyncio.subprocess.DEVNULL, stdout=fd,
                stderr=asyncio.subprocess.STDOUT, env=env, start_new_session=True)
        finally:
            os.close(fd)
        named = log.with_name(f"{log.stem}-pid{proc.pid}.log")  # which process wrote it, for whoever looks later
        log.rename(named)
        return proc, named

    def _watch(self, proc: Any, runner: Runner) -> None:
        async def reap() -> None:
            runner.exit_code = await proc.wait()
            print(f"golive web: runner {runner.pid} of run {runner.run_id or '(not created)'} (started by"
                  f" {runner.by}) exited with {runner.exit_code}", file=sys.stderr, flush=True)
            if runner.run_id is not None:
                self.on_change(runner.run_id)

        task = asyncio.get_running_loop().create_task(reap())
        self._watchers.add(task)
        task.add_done_callback(self._watchers.discard)

    async def start(self, path: Path, var_args: list[str], env_extra: dict[str, str], person: str,
                    vouch: dict[str, str]) -> str:
        """Start a run of the plan at `path` as `person`, the server's key vouching for them (`vouch`:
        golive.run.start.web_vouch_env); its id once the runner has created it."""
        proc, log = await self._spawn(["run", str(path), "--wait", "--json", *var_args], person,
                                      {**env_extra, **vouch})
        runner = Runner(proc.pid, person, log, time.time())
        self._watch(proc, runner)
        run_id = await _first_event(runner, log, list(env_extra.values()), "created no run")
        runner.run_id = run_id
        self.by_run[run_id] = runner
        return run_id

    async def resume(self, run_id: str, env_extra: dict[str, str], person: str) -> Runner:
        """Continue the run in a new runner; returned once it drives the run (its first new event), or StartFailed
        with what it said when it stops before (a secret it needs, a log that does not verify, another owner)."""
        proc, log = await self._spawn(["resume", run_id, "--wait", "--json"], person, env_extra)
        runner = Runner(proc.pid, person, log, time.time(), run_id=run_id)
        self.by_run[run_id] = runner
        self._watch(proc, runner)
        await _first_event(runner, log, list(env_extra.values()), "did not take the run over")
        return runner


async def _first_event(runner: Runner, log: Path, hide: list[str], what: str) -> str:
    """The run id in the runner's first event (it drives the run), or StartFailed with what it said if it ended."""
    deadline = asyncio.get_running_loop().time() + START_DEADLINE
    while True:
        run_id = _first_run_id(log)
        if run_id is not None:
            return run_id
        if runner.exit_code is not None:
            told = _told(log, hide)
            raise StartFailed(told or f"the runner exited with {runner.exit_code} before it began")
        if asyncio.get_running_loop().time() > deadline:
            raise StartFailed(f"the runner {what} within {START_DEADLINE:.0f} s (its output: {log})")
        await asyncio.sleep(0.05)  # the runner writes the run's first event; polled up to the deadline


def abortable(store: Store, run_id: str) -> bool:
    """A process on this host executes the run (one this console can stop)."""
    owner = store.get_run(run_id).owner
    return owner is not None and owner.host == socket.gethostname() and is_alive(owner)


def abort(store: Store, run_id: str, person: str, reason: str,
          seal: Callable[[Event], dict[str, int]]) -> tuple[dict[str, int], str]:
    """Record the abort and `seal` it, then stop the run's process with SIGTERM (what Ctrl-C or a CI cancel does:
    the run records what it stopped and stays resumable). The process is addressed by a pidfd opened before its
    identity (pid and start time) is checked again, so a recycled pid is never signalled."""
    if not reason.strip():
        raise UsageError("a reason is required (it goes into the audit log)")
    owner = store.get_run(run_id).owner
    if owner is None or not is_alive(owner):
        raise DecisionRefused(f"no process is executing run {run_id}: resume it, or roll it back")
    if owner.host != socket.gethostname():
        raise DecisionRefused(f"run {run_id} is executed on {owner.host} (process {owner.pid}): stop it there")
    fd = os.pidfd_open(owner.pid)
    try:
        if not is_alive(owner):
            raise DecisionRefused(f"run {run_id}: its process ended meanwhile")
        ev = store.append(run_id, "run.abort_requested", body(
            RunAbortRequested, by=person, reason=reason.strip(), pid=owner.pid, host=owner.host, signal="SIGTERM"))
        sealed = seal(ev)  # before the signal: the runner's own record of its stop comes after the seal
        signal.pidfd_send_signal(fd, signal.SIGTERM)
    finally:
        os.close(fd)
    return sealed, f"abort requested by {person}: process {owner.pid} stopped with SIGTERM; the run can be resumed"
