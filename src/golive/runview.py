"""One run as people look at it (status, phases, what it waits for): shared by `golive status` and the dashboard,
so the terminal and the browser never disagree about a run."""

from __future__ import annotations

from typing import Any

from golive.engine.state import RunState, fold
from golive.store.base import RunInfo, Store
from golive.store.owner import is_alive

#: Step states worth showing while a run is under way (a finished one's steps are in its report).
NOTABLE = ("running", "waiting", "needs-attention", "failed")


def run_summary(store: Store, info: RunInfo, state: RunState | None = None) -> dict[str, Any]:
    st = state if state is not None else fold(store.events(info.id))
    alive = info.owner is not None and is_alive(info.owner)
    orphaned = not st.terminal and not alive and st.status in ("running", "rolling-back")
    names = _step_names(st.plan)
    return {
        "run": info.id, "plan": info.plan_name, "service": info.service, "environment": info.environment,
        "initiator": info.initiator, "created_at": info.created_at, "finished_at": st.finished_at,
        "status": st.status, "outcome": st.outcome,
        "process": info.owner.pid if alive and info.owner else None,
        "orphaned": orphaned, "resume": f"golive resume {info.id}" if orphaned else None,
        "phases": [{"phase": p.index, "name": p.name, "status": p.status} for p in st.phases],
        "steps": [{"step": sid, "name": names.get(sid, sid), "status": rec.status, "message": rec.message}
                  for sid, rec in st.steps.items() if rec.status in NOTABLE],
        "waiting": st.waiting, "attention": st.attention,
        "head_seq": st.last_seq, "head_hash": st.head_hash,
    }


def _step_names(plan: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pi, phase in enumerate(plan.get("phases", []), start=1):
        for si, step in enumerate(phase.get("steps", []), start=1):
            if isinstance(step, dict) and step.get("name"):
                out[f"{pi}.{si}"] = str(step["name"])
    return out
