"""Crash harness: drive a plan to its end the way an operator would, killing golive at chosen points.

The CLI is run in forked children of a process that already imported golive, so a kill point costs a
few milliseconds instead of the ~1-3 s interpreter and pydantic start-up of `python -m golive`; the child
runs exactly `golive.cli.main(argv)` in its own process, and SIGKILL (from the store's
`GOLIVE_CRASH_AFTER_EVENT` hook or from a step's `kill -9 $PPID`) kills that process and nothing else.
`subprocess_cli` runs the real command instead, for a sanity sample of kill points.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CRASH_ENV = "GOLIVE_CRASH_AFTER_EVENT"
CRASH_BEFORE_ENV = "GOLIVE_CRASH_BEFORE_EVENT"
#: Exit codes of a golive stopped by SIGHUP, SIGINT, SIGTERM (the run stays resumable).
STOPPED = (129, 130, 143)
#: Honoured by the harness plans' non-idempotent commands: kill golive after the side effect, mid-step.
STEP_CRASH_ENV = "CRASH_IN_STEP"
KILL_HOOK = f'if [ "${STEP_CRASH_ENV}" = "$GOLIVE_STEP_ID" ]; then kill -9 $PPID; fi'


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def killed(self) -> bool:
        return self.code == -signal.SIGKILL


Cli = Callable[[Sequence[str], Path, dict[str, str]], CliResult]


def prewarm() -> None:
    """Import everything the CLI imports lazily, so forked children start instantly."""
    import golive.cli
    import golive.engine.executor
    import golive.plan.loader
    import golive.report.describe
    import golive.run.decisions
    import golive.run.runner
    import golive.store.sqlite  # noqa: F401

    for optional in ("golive.report", "golive.report.runs", "golive.steps.registry"):
        with contextlib.suppress(ImportError):  # loaded lazily by parts of the CLI, when present
            importlib.import_module(optional)
    from golive.checks import CHECKS, check_class
    from golive.steps.registry import kind_classes

    kind_classes()  # every step kind and check is loaded when a plan first names it
    for name in CHECKS:
        check_class(name)


@dataclass
class Forked:
    pid: int
    tmp: Path

    def finish(self, timeout: float = 120.0) -> CliResult:
        try:
            status = _wait(self.pid, timeout)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            return CliResult(code, _read(self.tmp / "out"), _read(self.tmp / "err"))
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def fork_start(argv: Sequence[str], cwd: Path, env: dict[str, str], go: Path | None = None) -> Forked:
    """Start `golive ARGV` in a forked child; with `go`, the child waits until that file exists (so many
    children can be released at the same instant)."""
    sys.stdout.flush()
    sys.stderr.flush()
    tmp = Path(tempfile.mkdtemp(prefix="golive-cli-"))
    out_path, err_path = tmp / "out", tmp / "err"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 70
        try:
            os.chdir(cwd)
            os.environ.update(env)
            for key in [k for k in os.environ if k in (CRASH_ENV, STEP_CRASH_ENV) and k not in env]:
                del os.environ[key]
            out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT, 0o600)
            err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.dup2(out_fd, 1)
            os.dup2(err_fd, 2)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
            from golive.cli import main

            deadline = time.monotonic() + 60
            while go is not None and not go.exists() and time.monotonic() < deadline:
                time.sleep(0.001)
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:
            traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    return Forked(pid, tmp)


def fork_cli(argv: Sequence[str], cwd: Path, env: dict[str, str], timeout: float = 120.0) -> CliResult:
    """`golive ARGV` in a forked child (see module doc). Returns -9 as the code when it was SIGKILLed."""
    return fork_start(argv, cwd, env).finish(timeout)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _wait(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise TimeoutError(f"golive child {pid} did not finish within {timeout}s")
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


def subprocess_cli(argv: Sequence[str], cwd: Path, env: dict[str, str], timeout: float = 120.0) -> CliResult:
    """The real `python -m golive` in a subprocess."""
    full = {k: v for k, v in os.environ.items() if k not in (CRASH_ENV, STEP_CRASH_ENV)}
    full.update(env)
    proc = subprocess.run([sys.executable, "-m", "golive", *argv], cwd=cwd, env=full, capture_output=True,
                          text=True, timeout=timeout)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


# -- reading a run back --------------------------------------------------------------------------------

@dataclass
class Snapshot:
    run_id: str
    head_seq: int
    active: bool
    events: list[dict[str, Any]]
    status: str
    outcome: str | None
    steps: dict[str, str]
    phases: dict[int, str]
    attention_step: str | None
    waiting_kind: str | None
    #: The gate being waited at already has an approval (the run only needs resuming).
    gate_approved: bool
    #: The rollback action that failed (status rollback-failed).
    failed_action: str | None = None


def snapshot(store_path: Path, run_id: str | None = None) -> Snapshot | None:
    """The run as the log says it is (in-process, read-only; the connection is closed before returning)."""
    from golive.core.events import GateWaiting
    from golive.engine.state import fold, waiting_view
    from golive.store.sqlite import SQLiteStore

    if not store_path.exists():
        return None
    store = SQLiteStore(store_path)
    try:
        runs = store.list_runs(5)
        if not runs:
            return None
        info = store.get_run(run_id) if run_id else runs[0]
        evs = store.events(info.id)
    finally:
        store.close()
    st = fold(evs)
    return Snapshot(
        run_id=info.id, head_seq=info.head_seq, active=info.active,
        events=[{"seq": e.seq, "type": e.type, "payload": e.payload} for e in evs],
        status=st.status, outcome=st.outcome,
        steps={sid: rec.status for sid, rec in sorted(st.steps.items())},
        phases={p.index: p.status for p in st.phases},
        attention_step=st.attention.step if st.attention else None,
        waiting_kind=(waiting_view(st.waiting) or {}).get("kind"),
        gate_approved=bool(isinstance(st.waiting, GateWaiting) and st.phase(st.waiting.phase).approvals),
        failed_action=str(st.rollback.failed_action) if st.rollback and st.rollback.failed_action else None,
    )


# -- the operator ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Effect:
    """A non-idempotent step's side effect: the counter file it appends one line to, and how it ends."""

    counter: str
    ok: bool = True
    #: What the operator runs (bash, in the run's directory) to do the step by hand when golive was killed
    #: before the step did anything; default: append a line to the counter file.
    by_hand: str | None = None


@dataclass
class Scenario:
    name: str
    #: Kill after these event numbers, in order (each one applies to the next process that gets that far).
    crash_after: list[int] = field(default_factory=list)
    #: Kill golive from inside this step, after its side effect happened and before its end is recorded.
    crash_in_step: str | None = None
    #: The points of crash_after are killed before their event commits instead (GOLIVE_CRASH_BEFORE_EVENT): what
    #: the event records has happened (an in-process step's change: a router's weights), the log does not say so.
    before: bool = False


@dataclass
class Outcome:
    scenario: str
    outcome: str | None
    steps: dict[str, str]
    phases: dict[str, str]
    counters: dict[str, int]
    events: list[dict[str, Any]]
    kills: int
    resolutions: list[str]
    by_hand: list[str]
    audit_code: int
    audit_out: str
    log: list[str] = field(default_factory=list)
    error: str | None = None
    #: The world after the run, as `drive(inspect=...)` saw it (database, router, files).
    state: dict[str, Any] = field(default_factory=dict)


def counters(workdir: Path) -> dict[str, int]:
    out = workdir / "out"
    if not out.exists():
        return {}
    return {p.stem: len(p.read_text(encoding="utf-8").splitlines()) for p in sorted(out.glob("*.count"))}


def drive(workdir: Path, plan_file: str, effects: dict[str, Effect], scenario: Scenario, cli: Cli = fork_cli,
          max_steps: int = 60, inspect: Callable[[Path], dict[str, Any]] | None = None) -> Outcome:
    """Start the run and keep it going like an operator until it ends.

    Needs-attention on a non-idempotent step: look at its counter file; if the side effect did not happen,
    do it by hand (append a line), then `golive resolve --as done|failed` as that step would have ended.
    A gate waiting for approval: `golive approve`. Anything else: `golive resume`.
    """
    store = workdir / ".golive" / "golive.db"
    pending = list(scenario.crash_after)
    kills = 0
    resolutions: list[str] = []
    by_hand: list[str] = []
    log: list[str] = []
    in_step = scenario.crash_in_step

    def env_for(head: int) -> dict[str, str]:
        while pending and pending[0] <= head:
            pending.pop(0)  # that point is behind us (the event was written by a process that was not armed)
        # scenarios run side by side, each a deployment of its own: each its own host-wide service lock too
        env = {"GOLIVE_USER": "deployer", "GOLIVE_TESTING_HOST_LOCK_DIR": str(workdir / ".host-locks")}
        if pending:
            env[CRASH_BEFORE_ENV if scenario.before else CRASH_ENV] = str(pending[0])
        if in_step:
            env[STEP_CRASH_ENV] = in_step
        return env

    def call(argv: list[str], head: int) -> CliResult:
        nonlocal kills, in_step
        res = cli(argv, workdir, env_for(head))
        log.append(f"{' '.join(argv[:2])} -> {res.code}")
        if res.killed:
            kills += 1
            snap = snapshot(store)
            if pending and snap is not None and snap.head_seq >= pending[0] - (1 if scenario.before else 0):
                pending.pop(0)
            elif in_step:
                in_step = None
        elif res.code not in (0, 1, 3, 4, *STOPPED):
            raise AssertionError(f"golive {' '.join(argv)} exited {res.code}:\n{res.out}\n{res.err}")
        if "Traceback" in res.err or "Traceback" in res.out:
            raise AssertionError(f"traceback from golive {' '.join(argv)}:\n{res.err}")
        return res

    call(["run", plan_file, "--no-wait"], 0)
    snap = snapshot(store)
    assert snap is not None, "the run was never created"
    run_id = snap.run_id
    for _ in range(max_steps):
        snap = snapshot(store, run_id)
        assert snap is not None
        if snap.outcome is not None:
            if snap.events and snap.events[-1]["type"] != "audit.checkpoint":
                # golive died between the run's end and its final seal: `audit verify` says so and names the
                # command that seals it late (resume, with the run's runner key)
                call(["resume", run_id, "--no-wait"], snap.head_seq)
                continue
            break
        undo_of_by_hand = (snap.status == "rollback-failed" and snap.failed_action in effects
                           and snap.failed_action.removesuffix(".undo") in by_hand)
        if (snap.status == "needs-attention" and snap.attention_step) or undo_of_by_hand:
            # A step the operator did by hand (golive never learnt what it saw then, e.g. a migration's revision
            # before) may leave its undo to the operator too: golive fails that rollback action and asks.
            sid = snap.attention_step or str(snap.failed_action)
            eff = effects[sid]
            path = workdir / "out" / f"{eff.counter}.count"
            if not path.exists() or not path.read_text(encoding="utf-8").strip():
                path.parent.mkdir(exist_ok=True)
                if eff.by_hand:
                    done = subprocess.run(["bash", "-e", "-c", eff.by_hand], cwd=workdir, capture_output=True,
                                          text=True, timeout=60)
                    assert done.returncode == 0, f"doing {sid} by hand failed: {done.stdout}{done.stderr}"
                else:
                    with path.open("a", encoding="utf-8") as f:
                        f.write("by-hand\n")
                by_hand.append(sid)
            resolutions.append(sid)
            call(["resolve", run_id, sid, "--as", "done" if eff.ok else "failed", "--by", "operator",
                  "--reason", "checked the counter file"], snap.head_seq)
        elif snap.waiting_kind == "gate" and not snap.gate_approved:
            call(["approve", run_id, "--by", "alice", "--reason", "looks right"], snap.head_seq)
        elif snap.status == "rollback-failed":
            raise AssertionError(f"rollback failed unexpectedly: {snap.events[-3:]}")
        else:
            call(["resume", run_id, "--no-wait"], snap.head_seq)
    else:
        raise AssertionError(f"run {run_id} did not end after {max_steps} operator actions: {log}")
    audit = cli(["audit", "verify", run_id], workdir, {})
    return Outcome(
        scenario=scenario.name, outcome=snap.outcome, steps=snap.steps,
        phases={str(k): v for k, v in snap.phases.items()}, counters=counters(workdir), events=snap.events,
        kills=kills, resolutions=resolutions, by_hand=by_hand, audit_code=audit.code, audit_out=audit.out.strip(),
        log=log, state=inspect(workdir) if inspect else {},
    )


# -- what must hold ------------------------------------------------------------------------------

ONCE_PER_RUN = ("run.created", "run.finished", "rollback.started", "rollback.finished")
ONCE_PER_PHASE = ("phase.started", "gate.decided", "gate.waiting")
PER_ATTEMPT = ("step.process",)


def _key(event: dict[str, Any]) -> tuple[str, str]:
    p = event["payload"]
    kind = "step.finished" if event["type"] == "step.resolved" else event["type"]  # a person said how it ended
    return kind, str(p.get("step", p.get("phase", p.get("action", ""))))


def problems(got: Outcome, ref: Outcome, effects: dict[str, Effect], idempotent_counters: set[str]) -> list[str]:
    """Everything that differs from the uninterrupted run or breaks a log invariant; empty if it holds."""
    out: list[str] = []
    if got.outcome != ref.outcome:
        out.append(f"outcome {got.outcome} != {ref.outcome}")
    if got.steps != ref.steps:
        diff = {k: (got.steps.get(k), ref.steps.get(k)) for k in set(got.steps) | set(ref.steps)
                if got.steps.get(k) != ref.steps.get(k)}
        out.append(f"step statuses differ (got, want): {diff}")
    if got.phases != ref.phases:
        out.append(f"phase statuses {got.phases} != {ref.phases}")
    for name, want in ref.counters.items():
        have = got.counters.get(name, 0)
        if name in idempotent_counters:
            if have < want:
                out.append(f"idempotent step {name} ran {have} times, fewer than {want}")
        elif have != want:
            out.append(f"side effect {name} happened {have} times, expected {want}")
    for name in set(got.counters) - set(ref.counters):
        out.append(f"side effect {name} happened {got.counters[name]} times, never in the uninterrupted run")
    if got.state != ref.state:
        diff = {k: (got.state.get(k), ref.state.get(k)) for k in set(got.state) | set(ref.state)
                if got.state.get(k) != ref.state.get(k)}
        out.append(f"final state differs (got, want): {diff}")
    if got.audit_code != 0:
        out.append(f"audit verify failed: {got.audit_out}")
    # Nothing the uninterrupted run recorded is missing (a resumed run may add resumes and retries).
    # (A step.process event is evidence of one attempt's processes: a step golive was killed in before it
    # started any, and that a person then resolved, has none.)
    recorded = {_key(e) for e in got.events}
    out.extend(f"no {t} event for {what} (the uninterrupted run has one)"
               for t, what in sorted({_key(e) for e in ref.events if e["type"] not in PER_ATTEMPT} - recorded,
                                     key=str))
    seqs = [e["seq"] for e in got.events]
    if seqs != list(range(1, len(seqs) + 1)):
        out.append(f"event seqs not contiguous: {seqs}")
    types = Counter(e["type"] for e in got.events)
    for t in ONCE_PER_RUN:
        if types[t] > 1 or (t in ("run.created", "run.finished") and types[t] != 1):
            out.append(f"{t} recorded {types[t]} times")
    per_phase = Counter((e["type"], e["payload"].get("phase")) for e in got.events if e["type"] in ONCE_PER_PHASE)
    out.extend(f"{t} for phase {p} recorded {n} times" for (t, p), n in per_phase.items() if n > 1)
    # Each step: an end (finished/resolved) only after a start, and a non-idempotent step starts once.
    open_: dict[str, bool] = {}
    starts: Counter[str] = Counter()
    ended: set[str] = set()
    failed_last: set[str] = set()
    for e in got.events:
        sid = e["payload"].get("step")
        if e["type"] == "step.started":
            starts[sid] += 1
            open_[sid] = True
        elif e["type"] in ("step.finished", "step.resolved"):
            # a rollback action that failed is resolved by a person (`rollback.failed` names the command)
            after_failure = e["type"] == "step.resolved" and sid in failed_last
            if not open_.get(sid) and not after_failure:
                out.append(f"seq {e['seq']}: {e['type']} for {sid} without a new step.started")
            open_[sid] = False
            ended.add(sid)
            failed_last.discard(sid)
            if e["type"] == "step.finished" and e["payload"].get("status") == "failed" \
                    and str(sid).endswith(".undo"):
                failed_last.add(sid)
    # An attempt golive stopped at the gate, before its command was released, did nothing: it may run again.
    for e in got.events:
        if e["type"] == "step.interrupted" and e["payload"].get("released") is False:
            starts[e["payload"]["step"]] -= 1
    for sid in effects:
        if starts[sid] > 1:
            out.append(f"non-idempotent step {sid} started {starts[sid]} times")
    for sid, status in got.steps.items():
        if status in ("succeeded", "failed") and sid not in ended:
            out.append(f"step {sid} is {status} but no step.finished/resolved event says so")
        if status not in ("succeeded", "failed"):
            out.append(f"step {sid} left {status}")
    return out


# -- running many scenarios at once ----------------------------------------------------------------

def parallel_map(fn: Callable[[Any], Any], items: list[Any], workers: int, timeout: float = 600.0) -> list[Any]:
    """`[fn(x) for x in items]` across forked worker processes; results must be JSON-serialisable."""
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    sys.stdout.flush()
    sys.stderr.flush()
    tmp = Path(tempfile.mkdtemp(prefix="golive-par-"))
    pids: dict[int, int] = {}
    for w in range(workers):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 0
            try:
                results = {i: fn(items[i]) for i in range(w, len(items), workers)}
                (tmp / f"{w}.json").write_text(json.dumps(results), encoding="utf-8")
            except BaseException:
                (tmp / f"{w}.err").write_text(traceback.format_exc(), encoding="utf-8")
                code = 1
            os._exit(code)
        pids[pid] = w
    deadline = time.monotonic() + timeout
    try:
        for pid in list(pids):
            _wait(pid, max(1.0, deadline - time.monotonic()))
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    merged: dict[int, Any] = {}
    errors = [p.read_text(encoding="utf-8") for p in sorted(tmp.glob("*.err"))]
    if errors:
        raise AssertionError("crash harness worker failed:\n" + "\n".join(errors))
    for w in range(workers):
        path = tmp / f"{w}.json"
        if not path.exists():
            raise AssertionError(f"crash harness worker {w} left no results")
        merged.update({int(k): v for k, v in json.loads(path.read_text(encoding="utf-8")).items()})
    return [merged[i] for i in range(len(items))]


# -- a built-in proxy of its own per scenario ------------------------------------------------------

@dataclass
class ProxyProc:
    """`golive proxy serve` with two pools (blue, green) whose servers answer on loopback, forked from
    this (already warm) process; `admin` is its admin address."""

    pid: int
    admin: str

    def weights(self) -> dict[str, int]:
        from golive.traffic.proxy.router import BuiltinRouter

        router = BuiltinRouter(self.admin)
        try:
            return router.weights()
        finally:
            router.close()

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def start_proxy(workdir: Path, timeout: float = 30.0) -> ProxyProc:
    import asyncio

    from golive.traffic.proxy.server import Proxy, serve

    ready = workdir / "proxy.json"
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        code = 0
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)

            async def main() -> None:
                async def hang_up(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
                    w.close()

                servers = {name: await asyncio.start_server(hang_up, "127.0.0.1", 0) for name in ("blue", "green")}
                pools = {name: [("127.0.0.1", int(s.sockets[0].getsockname()[1]))] for name, s in servers.items()}
                await serve(Proxy(pools), "127.0.0.1:0", "127.0.0.1:0", str(ready))

            asyncio.run(main())
        except BaseException:
            code = 1
        os._exit(code)
    deadline = time.monotonic() + timeout
    while not ready.exists():
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            raise AssertionError("the built-in proxy exited before it was ready")
        if time.monotonic() > deadline:
            ProxyProc(pid, "").stop()
            raise AssertionError(f"the built-in proxy was not ready within {timeout}s")
        time.sleep(0.005)
    return ProxyProc(pid, json.loads(ready.read_text(encoding="utf-8"))["admin"])
