"""`golive runs`: past runs with outcome, duration and who, from each run's log (the index only caches status).
The result word comes from the report's own rule (golive.report.outcome), so a run is never "Success" in one place
and "Partial" in another, read from the folded state: no plan is validated, no report built."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from golive.engine.state import RunState, fold
from golive.masking import safe
from golive.report.outcome import outcome_notes, outcome_word, unmet_criteria
from golive.store.base import Store
from golive.units import format_duration


def run_rows(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for info in store.list_runs(limit):
        events = store.events(info.id)
        st = fold(events)
        end = st.finished_at or (events[-1].ts if events else info.created_at)
        start = st.created_at or info.created_at
        duration = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
        approvers = sorted({by for p in st.phases for by in p.approvers()})
        rows.append({
            "run": info.id, "plan": info.plan_name, "service": info.service, "environment": info.environment,
            "initiator": info.initiator, "approvers": approvers, "created_at": info.created_at,
            "finished_at": st.finished_at, "status": st.status, "outcome": st.outcome,
            "result": _result(st), "duration": round(duration, 3),
        })
    return rows


def _result(st: RunState) -> str:
    if not st.outcome:
        return st.status
    # the notes' wording (step titles, criteria descriptions) is the report's business; whether there are any is not
    return outcome_word(st, outcome_notes(st, str, unmet_criteria(st)))


def runs_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no runs yet\n"
    head = ["RUN", "STARTED (UTC)", "SERVICE/ENV", "RESULT", "DURATION", "BY", "APPROVED BY", "PLAN"]
    body = [[safe(c) for c in (r["run"], r["created_at"][:19].replace("T", " "), f"{r['service']}/{r['environment']}",
                               r["result"], format_duration(r["duration"]), r["initiator"],
                               ", ".join(r["approvers"]) or "-", r["plan"])]
            for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=False)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in [head, *body]]
    return "\n".join(lines) + "\n"
