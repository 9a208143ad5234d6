"""A run's lock in the router it deploys through (`locks: - router: NAME`), so two golives with two run logs
cannot move the same service's traffic at once.

The lock is a lease: the golive driving the run renews it every third of `GOLIVE_LEASE`; a run that stops to
wait for a person parks it (no expiry: held until the run ends); a golive that died stops renewing, and once
its lease ran out another run takes the lock over and records whom it took it from (`run.note`, kind
`lock.taken_over`). A renewal that finds the lock taken over (or its record gone) stops this golive before it
writes or does more, and the run's log says why (`run.note`, kind `lock.lost`; golive.run.runner). The renewing
thread may be late (this process was stopped, or starved, past its lease): then the check before each event
renews the lock itself, so a stopped golive let go on cannot write a single event on a lock it no longer holds.

- Built-in proxy: its admin API checks and sets the record in one step, on its own clock
  (golive.traffic.proxy.locks).
- HAProxy: an entry in a map its configuration loads, through the runtime API. The runtime API has no
  compare-and-set, but `add map` appends and `show map` lists in order, so every taker appends its entry,
  reads the map back, and the first live entry for the key holds; a taker that finds another's first takes
  its own entry out again and is refused. Expiry there is judged on the takers' clocks (keep them in sync).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from golive.errors import GoliveError, LockLost, RunLocked
from golive.plan.locks import RouterLock
from golive.plan.model import Plan
from golive.store.owner import lease_seconds


@dataclass
class _Held:
    """A router lock this process took: what to renew, park and drop."""

    spec: RouterLock
    plan: Plan
    router: Any
    key: str
    record: dict[str, Any]
    ref: str | None = None  # HAProxy: the map entry's reference
    lost: str | None = None
    #: Until when (time.monotonic) the lock is surely ours: the lease from the last renewal the router accepted,
    #: counted from before it was asked.
    sure_until: float = 0.0
    renewing: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class _Renewer:
    held: list[_Held] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


_RUNS: dict[str, _Renewer] = {}


def lock_key(spec: RouterLock, plan: Plan) -> str:
    return spec.key or f"golive:{plan.service}/{plan.environment}"


def _router(spec: RouterLock, plan: Plan, interpolate: Any, workdir: Any) -> Any:
    from golive.traffic.registry import make_router, resolve_config

    return make_router(resolve_config(plan.routers[spec.router], interpolate), workdir)


def _holder_text(plan: Plan, spec: RouterLock, holder: dict[str, Any]) -> str:
    until = holder.get("lease_until") or holder.get("until")
    lease = "held until that run ends (it waits for a person)" if not until else \
        f"lease renewed until {time.strftime('%H:%M:%S', time.localtime(float(until)))}"
    return (f"{plan.service}/{plan.environment}: the lock in router '{spec.router}' is held by run"
            f" {holder.get('run')} (run log {holder.get('store')}, process {holder.get('pid')} on"
            f" {holder.get('host')}; {lease}); finish or roll back that run first")


# -- the built-in proxy ------------------------------------------------------------------------------

def _take_builtin(held: _Held, replaces: str | None) -> dict[str, Any] | None:
    status, answer = held.router.lock_call("POST", held.key, {**held.record, "lease": lease_seconds(),
                                                              "replaces": replaces})
    if status == 409:
        holder = answer.get("holder") or {}
        if replaces is None and holder.get("run") and _over(holder):
            return _take_builtin(held, str(holder["run"]))
        raise RunLocked(_holder_text_for(held, holder))
    if status != 200:
        raise RunLocked(f"router '{held.spec.router}' refused the lock: {answer.get('error', answer)}")
    previous = answer.get("previous")
    return dict(previous) if previous else None


def _renew_builtin(held: _Held, lease: float | None) -> bool:
    status, _ = held.router.lock_call("PUT", held.key, {"run": held.record["run"], "lease": lease})
    return bool(status == 200)


def _drop_builtin(held: _Held) -> None:
    held.router.lock_call("DELETE", held.key, query=urlencode({"run": held.record["run"]}))


# -- HAProxy: a map entry through the runtime API -----------------------------------------------------

def _hap(held: _Held, line: str) -> str:
    return str(held.router.command(line)).strip()


def _entries(held: _Held) -> list[tuple[str, dict[str, Any]]]:
    text = _hap(held, f"show map {held.spec.map}")
    if text.startswith(("Unknown map", "Missing")):
        raise RunLocked(f"router '{held.spec.router}': HAProxy has no map {held.spec.map}; load it in haproxy.cfg"
                        f" (an empty file used by a map() converter, e.g. `http-request set-var(txn.golive)"
                        f" str(x),map({held.spec.map})`) so golive can keep its locks there")
    out: list[tuple[str, dict[str, Any]]] = []
    for line in text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] == held.key:
            out.append((parts[0], dict(parse_qsl(parts[2], keep_blank_values=True))))
    return out


def _value(held: _Held, lease: float | None) -> str:
    until = "" if lease is None else f"{time.time() + lease:.3f}"
    return urlencode({**{k: str(v) for k, v in held.record.items()}, "until": until})


def _live(record: dict[str, Any]) -> bool:
    until = record.get("until")
    return (not until or float(until) > time.time()) and not _over(record)


def _take_haproxy(held: _Held, replaces: str | None = None) -> dict[str, Any] | None:
    run = held.record["run"]

    def first_live() -> tuple[list[tuple[str, dict[str, Any]]], tuple[str, dict[str, Any]] | None]:
        entries = _entries(held)
        return entries, next(((r, e) for r, e in entries if e.get("run") == run or _live(e)), None)

    entries, first = first_live()
    if first is not None and first[1].get("run") != run:
        raise RunLocked(_holder_text_for(held, first[1]))
    if first is None or first[1].get("run") != run:
        answer = _hap(held, f"add map {held.spec.map} {held.key} {_value(held, lease_seconds())}")
        if answer:
            raise RunLocked(f"router '{held.spec.router}': HAProxy refused to add the lock entry: {answer}")
        entries, first = first_live()
        mine = [r for r, e in entries if e.get("run") == run]
        if first is None or first[1].get("run") != run:  # another taker's entry came first
            for ref in mine:
                _hap(held, f"del map {held.spec.map} #{ref}")
            raise RunLocked(_holder_text_for(held, first[1] if first else {}))
    held.ref = first[0]
    if not _renew_haproxy(held, lease_seconds()):
        raise RunLocked(f"router '{held.spec.router}': the lock entry vanished while taking it")
    previous = None
    for ref, entry in entries:  # take out what came before ours (over or expired) and our own duplicates
        if ref == held.ref:
            break
        if entry.get("run") != run:
            previous = entry
        _hap(held, f"del map {held.spec.map} #{ref}")
    for ref, entry in entries:
        if entry.get("run") == run and ref != held.ref:
            _hap(held, f"del map {held.spec.map} #{ref}")
    return previous


def _renew_haproxy(held: _Held, lease: float | None) -> bool:
    return not _hap(held, f"set map {held.spec.map} #{held.ref} {_value(held, lease)}")


def _drop_haproxy(held: _Held) -> None:
    for ref, entry in _entries(held):
        if entry.get("run") == held.record["run"]:
            _hap(held, f"del map {held.spec.map} #{ref}")


# -- both ------------------------------------------------------------------------------------------

def _over(record: dict[str, Any]) -> bool:
    from golive.run.locks import holder_is_over

    return holder_is_over(record)


def _holder_text_for(held: _Held, holder: dict[str, Any]) -> str:
    return _holder_text(held.plan, held.spec, holder)


def take_router_lock(spec: RouterLock, plan: Plan, run_id: str, record: dict[str, Any], interpolate: Any,
                     workdir: Any) -> dict[str, Any] | None:
    """Take (or take again) the run's lock in the router; the holder it replaced (lease over) if another run's."""
    renewer = _RUNS.setdefault(run_id, _Renewer())
    key = lock_key(spec, plan)
    if any(h.key == key and h.spec.router == spec.router for h in renewer.held):
        return None  # this process holds it already (a run started and driven in one process)
    try:
        router = _router(spec, plan, interpolate, workdir)
    except GoliveError as exc:
        raise RunLocked(f"the lock in router '{spec.router}': {exc}") from None
    held = _Held(spec, plan, router, key, record)
    asked = time.monotonic()
    try:
        previous = _take_builtin(held, None) if router.kind == "builtin" else _take_haproxy(held)
    except GoliveError as exc:
        with contextlib.suppress(Exception):
            router.close()
        raise exc if isinstance(exc, RunLocked) else RunLocked(f"the lock in router '{spec.router}': {exc}") from None
    held.sure_until = asked + lease_seconds()
    renewer.held.append(held)
    if renewer.thread is None:
        renewer.thread = threading.Thread(target=_renew_loop, args=(renewer,), name=f"golive-router-lock-{run_id}",
                                          daemon=True)
        renewer.thread.start()
    return previous


def _renew(held: _Held, lease: float | None) -> bool:
    return _renew_builtin(held, lease) if held.router.kind == "builtin" else _renew_haproxy(held, lease)


def _holder_now(held: _Held) -> dict[str, Any] | None:
    """Who holds the lock in the router now (None: nobody, or the router cannot say)."""
    try:
        if held.router.kind == "builtin":
            status, answer = held.router.lock_call("GET", held.key)
            return dict(answer) if status == 200 and isinstance(answer, dict) else None
        return next((e for _, e in _entries(held) if e.get("run") != held.record["run"] and _live(e)), None)
    except GoliveError:
        return None


def _renew_once(held: _Held, lease: float) -> bool | None:
    """Renew now; True: ours for another lease, False: lost (held.lost says how), None: the router did not answer."""
    with held.renewing:
        if held.lost:
            return False
        asked = time.monotonic()
        try:
            ok = _renew(held, lease)
        except GoliveError:
            return None  # unreachable for now: try again; the lease says how long we may
        if ok:
            held.sure_until = max(held.sure_until, asked + lease)
            return True
        holder = _holder_now(held)
        by = (f"taken over by run {holder.get('run')} (run log {holder.get('store')}, process {holder.get('pid')}"
              f" on {holder.get('host')})") if holder and holder.get("run") else \
            "removed from the router (restarted, or the lock deleted there)"
        held.lost = f"the lock in router '{held.spec.router}' was {by} after this process's lease on it ran out"
        return False


def _renew_loop(renewer: _Renewer) -> None:
    lease = lease_seconds()
    while not renewer.stop.wait(lease / 3):
        for held in list(renewer.held):
            _renew_once(held, lease)


def check_router_locks(run_id: str) -> None:
    """Raise if one of this run's router locks is no longer its own; called before each event is written. A lock
    whose lease may have run out since the router last accepted a renewal is renewed here first: the renewing
    thread cannot be trusted to have noticed (this process may just have been let go on after a stop)."""
    renewer = _RUNS.get(run_id)
    for held in renewer.held if renewer else []:
        if not held.lost and time.monotonic() >= held.sure_until:
            if _renew_once(held, lease_seconds()) is None:
                held.lost = (f"the lock in router '{held.spec.router}' could not be renewed before this process's"
                             " lease on it ran out (the router did not answer)")
        if held.lost:
            raise LockLost(f"{held.lost}; this process stops without doing more (see golive status)")


def release_router_locks(run_id: str, ended: bool) -> None:
    """Stop renewing; when the run `ended` let the locks go, else park them (held, no expiry) for its resume."""
    renewer = _RUNS.pop(run_id, None)
    if renewer is None:
        return
    renewer.stop.set()
    if renewer.thread is not None:
        renewer.thread.join(timeout=10)
    for held in renewer.held:
        with contextlib.suppress(Exception):
            if held.lost is None:
                if ended:
                    _drop_builtin(held) if held.router.kind == "builtin" else _drop_haproxy(held)
                else:
                    _renew(held, None)
        with contextlib.suppress(Exception):
            held.router.close()


__all__ = ["check_router_locks", "lock_key", "release_router_locks", "take_router_lock"]
