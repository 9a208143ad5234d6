"""What the console's pages show, as JSON: the runs list a team needs at 2 AM, and one run's page.

Everything comes from the run log through the report model, the same one the HTML report and `golive status`
use, so the browser never tells a different story. Text is data: the page script puts it in with textContent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from golive.engine.state import RunState, fold, waiting_view
from golive.report.builder import build
from golive.report.model import as_dict
from golive.run.view import run_summary
from golive.store.base import Event, RunInfo, Store

ACTIVE = ("running", "waiting", "needs-attention", "rolling-back", "created")
#: Events that make a run wait for a person; the newest one tells since when.
WAIT_EVENTS = ("gate.waiting", "step.waiting", "rollback.confirmation_needed", "run.needs_attention")
FILTERS = ("service", "environment", "status", "person")


def _since(events: list[Event]) -> str | None:
    for ev in reversed(events):
        if ev.type in WAIT_EVENTS:
            return ev.ts
    return None


def waits_for(waiting: dict[str, Any] | None, attention: dict[str, Any] | None) -> str | None:
    """One line: what a person must do for this run to go on."""
    if waiting:
        kind = waiting.get("kind")
        if kind == "gate":
            who = f" from {waiting['role']}" if waiting.get("role") else ""
            return f"Go/No-Go at phase {waiting.get('phase')} {waiting.get('name') or ''}: " \
                   f"{waiting.get('needed', 1)} approval(s){who}".replace("  ", " ")
        if kind == "step":
            return f"manual step {waiting.get('step')}: {waiting.get('message') or 'a person must confirm it'}"
        if kind == "rollback":
            return f"confirmation of rollback level {waiting.get('level')} (restores data)"
        return str(waiting.get("message") or "a person")
    if attention:
        return f"a person to resolve step {attention.get('step')}: {attention.get('reason') or ''}".rstrip(": ")
    return None


def _left(end: str | None, now: datetime) -> float | None:
    if not end:
        return None
    return round((datetime.fromisoformat(end) - now).total_seconds(), 1)


def _people(events: list[Event]) -> set[str]:
    """Everyone a run names as having acted: initiator, approvers, confirmers, deciders."""
    found: set[str] = set()
    for ev in events:
        p = ev.payload
        for key in ("initiator", "by"):
            if isinstance(p.get(key), str):
                found.add(p[key].casefold())
    return found


#: (run id, head seq) -> the run's row and the people it names: a row changes only when its log grows.
RowCache = dict[tuple[str, int], tuple[dict[str, Any], set[str]]]


def run_row(store: Store, info: RunInfo, now: datetime,
            cache: RowCache | None = None) -> tuple[dict[str, Any], set[str]]:
    if cache is not None and info.head_seq:
        key = (info.id, info.head_seq)
        if key not in cache:
            for old in [k for k in cache if k[0] == info.id]:
                del cache[old]
            cache[key] = run_row(store, info, now)
        row, people = cache[key]
        left = _left(row["window_end"], now) if row["window_left"] is not None else None
        return {**row, "window_left": left}, people
    events = store.events(info.id)
    st = fold(events)
    rep = build(events)
    waiting = waits_for(waiting_view(st.waiting), waiting_view(st.attention))
    row = {
        "run": info.id, "plan": info.plan_name, "service": info.service, "environment": info.environment,
        "initiator": info.initiator, "created_at": info.created_at, "finished_at": st.finished_at,
        "status": st.status, "result": rep.outcome_word if st.outcome else st.status,
        "approvers": sorted({by for p in st.phases for by in p.approvers()}),
        "waits_for": waiting, "waiting_since": _since(events) if waiting else None,
        "window_start": rep.window_start, "window_end": rep.window_end,
        "window_left": _left(rep.window_end, now) if not st.outcome else None,
    }
    return row, _people(events)


def runs_list(store: Store, filters: dict[str, str], limit: int = 200, cache: RowCache | None = None,
              infos: list[RunInfo] | None = None) -> list[dict[str, Any]]:
    """Active runs first (oldest wait first: it has waited longest), then the rest, newest first."""
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    wanted = {k: v.strip().casefold() for k, v in filters.items() if k in FILTERS and v.strip()}
    for info in store.list_runs(limit) if infos is None else infos:
        if "service" in wanted and info.service.casefold() != wanted["service"]:
            continue
        if "environment" in wanted and info.environment.casefold() != wanted["environment"]:
            continue
        row, people = run_row(store, info, now, cache)
        if "status" in wanted and row["status"].casefold() != wanted["status"]:
            continue
        if "person" in wanted and wanted["person"] not in people:
            continue
        rows.append(row)
    active = sorted((r for r in rows if r["status"] in ACTIVE),
                    key=lambda r: r["waiting_since"] or r["created_at"])
    done = sorted((r for r in rows if r["status"] not in ACTIVE), key=lambda r: r["created_at"], reverse=True)
    return active + done


def run_view(store: Store, info: RunInfo) -> dict[str, Any]:
    """One run's page: summary, timeline with gates and timeboxes, canary weights and verdicts, rollback plan,
    the sign-off sheet as it fills in. Step output is included (masked when recorded, as in the report)."""
    return run_view_and_state(store, info)[0]


class ViewCache:
    """Run pages by (head, owner, whether it lives): the page asks again at every load and every event, and the
    report model is the console's most expensive answer; it changes only when one of those does."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._views: dict[str, tuple[Any, dict[str, Any], RunState]] = {}

    def get(self, store: Store, info: RunInfo) -> tuple[dict[str, Any], RunState]:
        from golive.store.owner import is_alive

        key = (info.head_seq, info.owner, info.owner is not None and is_alive(info.owner))
        hit = self._views.get(info.id)
        if hit is None or hit[0] != key:
            view, st = run_view_and_state(store, info)
            if len(self._views) >= self.size:
                self._views.pop(next(iter(self._views)))
            hit = self._views[info.id] = (key, view, st)
        view = dict(hit[1])
        if view["window_left"] is not None:
            view["window_left"] = _left(view["window_end"], datetime.now(UTC))
        return view, hit[2]


def run_view_and_state(store: Store, info: RunInfo) -> tuple[dict[str, Any], RunState]:
    events = store.events(info.id)
    rep = build(events)
    summary = run_summary(store, info)
    st = fold(events)
    summary.update({
        "waits_for": waits_for(waiting_view(st.waiting), waiting_view(st.attention)), "waiting_since": _since(events),
        "version_from": rep.version_from, "version_to": rep.version_to, "description": rep.description,
        "window_start": rep.window_start, "window_end": rep.window_end, "rollback_until": rep.rollback_until,
        "window_left": _left(rep.window_end, datetime.now(UTC)) if not st.outcome else None,
        "timeline": as_dict(rep.phases), "gates": as_dict(rep.gates),
        "all_steps": as_dict(rep.steps), "canary": as_dict(rep.canary),
        "rollback_plan": [p.raw() for p in rep.rollback_plan],
        "rollback": as_dict(rep.rollback) if rep.rollback else None,
        "signoff": as_dict(rep.signoff), "outcome_word": rep.outcome_word,
        # the event's fields: the event itself is no JSON (a run's page answered 500 while a rollback was pending)
        "rollback_requested": st.rollback_requested.payload() if st.rollback_requested is not None else None,
    })
    return summary, st
