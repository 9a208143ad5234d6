"""One run as people look at it (status, phases, what it waits for): shared by `golive status` and the dashboard,
so the terminal and the browser never disagree about a run."""

from __future__ import annotations

from typing import Any

from golive.engine.state import fold, waiting_view
from golive.store.base import RunInfo, Store
from golive.store.owner import is_alive

#: Step states worth showing while a run is under way (a finished one's steps are in its report).
NOTABLE = ("running", "waiting", "interrupted", "needs-attention", "failed")


def run_summary(store: Store, info: RunInfo) -> dict[str, Any]:
    st = fold(store.events(info.id))
    alive = info.owner is not None and is_alive(info.owner)
    orphaned = not st.terminal and not alive and st.status in ("running", "rolling-back")
    notable = [(sid, rec) for sid, rec in st.steps.items() if rec.status in NOTABLE]
    titles = {sid: step.title() for sid, step in st.plan.steps_by_id().items()} if notable else {}
    return {
        "run": info.id, "plan": info.plan_name, "service": info.service, "environment": info.environment,
        "initiator": info.initiator, "created_at": info.created_at, "finished_at": st.finished_at,
        "status": st.status, "outcome": st.outcome,
        "process": info.owner.pid if alive and info.owner else None,
        "orphaned": orphaned, "resume": f"golive resume {info.id}" if orphaned else None,
        "phases": [{"phase": p.index, "name": p.name, "status": p.status} for p in st.phases],
        "steps": [{"step": sid, "name": titles.get(sid, sid), "status": rec.status, "message": rec.message}
                  for sid, rec in notable],
        "waiting": waiting_view(st.waiting), "attention": waiting_view(st.attention),
        "head_seq": st.last_seq, "head_hash": st.head_hash,
    }

