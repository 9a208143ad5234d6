"""One run as people look at it (status, phases, what it waits for): shared by `golive status` and the dashboard,
so the terminal and the browser never disagree about a run."""

from __future__ import annotations

from typing import Any

from golive.engine.state import RunState, fold, waiting_view
from golive.store.base import Event, RunInfo, Store
from golive.store.owner import is_alive, may_claim

#: Step states worth showing while a run is under way (a finished one's steps are in its report).
NOTABLE = ("running", "waiting", "interrupted", "needs-attention", "failed")


def _needs_take_over(info: RunInfo) -> bool:
    """An owner whose lease ran out but whose death cannot be seen from here (another host) needs --take-over."""
    from golive.errors import RunLocked
    from golive.store.owner import current_owner

    try:
        may_claim(info.id, info.owner, current_owner(), take_over=False)
    except RunLocked:
        return True
    return False


def _titles(events: list[Event], st: RunState, wanted: list[str]) -> dict[str, str]:
    """Step titles as each step.started event recorded them (Step.title() when it ran); the plan model is read
    only for a step that never started, so `golive status` does not load every step kind to name one."""
    titles = {str(e.payload["step"]): str(e.payload["title"]) for e in events
              if e.type == "step.started" and e.payload.get("title")}
    if any(sid not in titles for sid in wanted):
        titles = {sid: step.title() for sid, step in st.plan.steps_by_id().items()} | titles
    return titles


def _decided(st: RunState) -> str | None:
    """A gate whose people have spoken still shows as waiting until some golive acts on it (a run that exited 3
    needs `golive resume`): what they decided, so `status` stops asking for an approval already given."""
    from golive.core.events import GateWaiting

    if not isinstance(st.waiting, GateWaiting):
        return None
    ph = st.phase(st.waiting.phase)
    if ph.rejections:
        return f"rejected by {ph.rejections[0].event.by}: NO-GO"
    have = len(ph.approver_keys())
    return f"approved ({have} of {st.waiting.needed}): GO" if have >= st.waiting.needed else None


def run_summary(store: Store, info: RunInfo) -> dict[str, Any]:
    events = store.events(info.id)
    st = fold(events)
    alive = info.owner is not None and is_alive(info.owner)
    orphaned = not st.terminal and not alive and st.status in ("running", "rolling-back")
    notable = [(sid, rec) for sid, rec in st.steps.items() if rec.status in NOTABLE]
    titles = _titles(events, st, [sid for sid, _ in notable]) if notable else {}
    return {
        "run": info.id, "plan": info.plan_name, "service": info.service, "environment": info.environment,
        "initiator": info.initiator, "created_at": info.created_at, "finished_at": st.finished_at,
        "status": st.status, "outcome": st.outcome,
        "process": info.owner.pid if alive and info.owner else None,
        "host": info.owner.host if alive and info.owner else None,
        "lease_until": info.owner.lease_until if alive and info.owner else None,
        "orphaned": orphaned,
        "resume": (f"golive resume {info.id}" + (" --take-over" if _needs_take_over(info) else ""))
        if orphaned else None,
        "phases": [{"phase": p.index, "name": p.name, "status": p.status} for p in st.phases],
        "steps": [{"step": sid, "name": titles.get(sid, sid), "status": rec.status, "message": rec.message}
                  for sid, rec in notable],
        "waiting": waiting_view(st.waiting), "attention": waiting_view(st.attention), "decided": _decided(st),
        "head_seq": st.last_seq, "head_hash": st.head_hash,
    }

