"""Turns run events into notifications and escalates unanswered waits.

Each message is keyed (`ev:SEQ` for an event, `esc:SEQ:LEVEL` for an escalation) and the key is recorded in a
`notify.sent` / `notify.failed` event, so a resumed run, the waiting process and a cron `golive notify tick`
never tell the same thing twice. Escalation time is measured from the timestamp of the event that opened the
wait, against an injectable clock, so it works in any process that looks at the run.
"""

from __future__ import annotations

import contextlib
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from golive.core.clock import Clock
from golive.core.events import (
    WAITS,
    GateWaiting,
    NotifySent,
    PhaseOverrun,
    RollbackConfirmationNeeded,
    RollbackFailed,
    RollbackFinished,
    RollbackStarted,
    RunFinished,
    RunNeedsAttention,
    RunStarted,
    StepWaiting,
)
from golive.engine.state import RunState, fold
from golive.masking import Masker, redact
from golive.notify.config import user_config_path
from golive.notify.send import AppriseSender, Sender
from golive.plan.evidence import Channel, EscalationLevel
from golive.plan.model import Plan
from golive.store.base import Event, Store
from golive.units import format_duration

#: Event type -> notification category (the names a channel's `on:` list uses).
__all__ = ["CATEGORY", "Notifier", "TickingClock", "escalate_runs", "message_for", "user_config_path"]

CATEGORY = {
    "run.started": "run.started", "gate.waiting": "gate.waiting", "step.waiting": "attention",
    "run.needs_attention": "attention", "rollback.confirmation_needed": "attention",
    "rollback.failed": "attention", "phase.overrun": "phase.overrun", "rollback.started": "rollback.started",
    "rollback.finished": "rollback.finished", "run.finished": "run.finished",
}


def message_for(ev: Event, st: RunState) -> tuple[str, str] | None:
    """(title, body) for an event worth telling people about, else None."""
    plan = st.plan
    head = f"[golive] {plan.name} ({st.run_id})"
    match ev.data:
        case RunStarted() as e:
            if e.resumed or e.dry_run:
                return None
            v = plan.version
            change = f" {v.from_ or '?'} -> {v.to}" if v is not None else ""
            return f"{head}: started", (f"Run {st.run_id} of '{plan.name}' ({plan.service}/"
                                        f"{plan.environment}{change}) started by {st.initiator}.")
        case GateWaiting() as e:
            who = ", ".join(e.candidates) or "anyone allowed to approve"
            role = f" ({e.role})" if e.role else ""
            return f"{head}: waiting for approval at phase {e.phase}", (
                f"Phase {e.phase} '{e.name}' waits for {e.needed} approval(s){role}."
                f" Who can approve: {who}.\nApprove: {e.command}\n"
                f"Reject: golive reject {st.run_id} --by NAME --reason TEXT")
        case StepWaiting() as e:
            cmd = f"golive confirm {st.run_id} {e.step} --by NAME"
            return f"{head}: needs attention step {e.step}", f"{e.message}\n{cmd}".strip()
        case RunNeedsAttention() as e:
            return f"{head}: needs attention step {e.step}", e.reason.strip()
        case RollbackConfirmationNeeded() as e:
            return f"{head}: needs attention", f"{e.reason}\n{e.command}".strip()
        case RollbackFailed() as e:
            return f"{head}: ROLLBACK FAILED", f"{e.message}\n{e.command}".strip()
        case PhaseOverrun() as e:
            return f"{head}: phase {e.phase} overran its timebox", (
                f"Phase {e.phase} exceeded its timebox of {format_duration(float(e.timebox))}"
                f" ({format_duration(float(e.elapsed))} elapsed); plan says: {e.action}.")
        case RollbackStarted() as e:
            return f"{head}: ROLLBACK started", f"Rolling back: {e.reason} ({len(e.actions)} action(s))."
        case RollbackFinished() as e:
            return f"{head}: rollback {'finished' if e.ok else 'STOPPED'}", e.message
        case RunFinished() as e:
            words = {"succeeded": "SUCCEEDED", "rolled-back": "ROLLED BACK", "rollback-failed": "ROLLBACK FAILED"}
            return f"{head}: {words.get(e.outcome, e.outcome)}", e.message
    return None


def _open_wait(events: list[Event], st: RunState) -> Event | None:
    """The event that started the wait the run is in now, if it waits for a person."""
    if st.terminal or not (st.waiting or st.attention or st.status == "rollback-failed"):
        return None
    for ev in reversed(events):
        if isinstance(ev.data, WAITS):
            return ev
    return None


class Notifier:
    """An engine listener plus an escalation `tick()`. Never raises: a failing channel never fails the run."""

    def __init__(self, store: Store, run_id: str, plan: Plan, masker: Masker, clock: Clock, *,
                 sender: Sender | None = None, base_dir: Path | None = None,
                 user_config: Path | None = None, tick_every: float = 10.0,
                 vars: dict[str, str] | None = None) -> None:
        self.store = store
        self.run_id = run_id
        self.plan = plan
        self.masker = masker
        self.clock = clock
        self.sender = sender or AppriseSender()
        #: Plan vars for `${NAME}` in channel URLs, so tokens live in (secret) vars, never in the plan or log.
        self.vars = vars or {}
        self.channels: list[Channel] = list(plan.notifications.channels) if plan.notifications else []
        self.levels: list[EscalationLevel] = sorted(plan.contacts.escalation if plan.contacts else [],
                                                    key=lambda lv: lv.level)
        conf = plan.notifications.config if plan.notifications else None
        self.config: Path | None = None
        if conf:
            path = Path(conf).expanduser()
            self.config = path if path.is_absolute() else (base_dir or Path(".")) / path
        self.user_config = user_config
        self.tick_every = tick_every
        self._last_tick: float | None = None
        self._done: set[str] = set()
        self._loaded = False

    @property
    def enabled(self) -> bool:
        return bool(self.channels or self.config or self.user_config or any(lv.notify for lv in self.levels))

    # -- bookkeeping -----------------------------------------------------------------------------
    def _load(self) -> None:
        if not self._loaded:
            for ev in self.store.events(self.run_id):
                self._note(ev)
            self._loaded = True

    def _note(self, ev: Event) -> None:
        if isinstance(ev.data, NotifySent) and ev.data.key:
            self._done.add(ev.data.key)

    def _deliver(self, key: str, category: str, urls: list[str], config: list[Path], title: str, body: str,
                 extra: dict[str, Any] | None = None) -> None:
        if key in self._done or not (urls or config):
            return
        self._done.add(key)
        title, body = self.masker.text(title), self.masker.text(body)
        errors: list[str] = []
        targets = [redact(u, whole_url=True) for u in urls] + [f"config {c.name}" for c in config]
        if urls:
            d = self.sender.send([self._expand(u) for u in urls], title, body)
            if not d.ok:
                errors.append(d.error)
        for c in config:
            d = self.sender.send([], title, body, config=c)
            if not d.ok:
                errors.append(d.error)
        payload = {"key": key, "category": category, "title": title, "channels": targets, **(extra or {})}
        if errors:
            payload["error"] = "; ".join(errors)[:500]
        with contextlib.suppress(Exception):
            self.store.append(self.run_id, "notify.failed" if errors else "notify.sent", self.masker.data(payload))

    def _expand(self, url: str) -> str:
        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: self.vars.get(m.group(1), m.group(0)), url)

    def _channel_urls(self, category: str) -> list[str]:
        urls: list[str] = []
        for ch in self.channels:
            if not ch.on or category in ch.on:
                urls.extend(u for u in ch.urls if u not in urls)
        return urls

    def _configs(self) -> list[Path]:
        return [c for c in (self.config, self.user_config) if c is not None]

    # -- the listener ----------------------------------------------------------------------------
    def __call__(self, ev: Event, st: RunState) -> None:
        try:
            self._load()
            self._note(ev)
            if ev.type.startswith("notify.") or st.dry_run:
                return
            msg = message_for(ev, st)
            category = CATEGORY.get(ev.type)
            if msg is not None and ev.type == "gate.waiting":
                msg = (msg[0], msg[1] + self._seal_line(ev))
            if msg is not None and category is not None:
                self._deliver(f"ev:{ev.seq}", category, self._channel_urls(category), self._configs(), *msg,
                              extra={"event": ev.type, "for_seq": ev.seq})
            if isinstance(ev.data, WAITS):
                self.tick(force=True)
        except Exception:  # notifications are best effort by design
            pass

    def _seal_line(self, ev: Event) -> str:
        """The runner's checkpoint sealing this question: a copy of the chain head outside the store, so cutting
        the log back later is detectable (golive audit verify RUN --checkpoint DIGEST)."""
        for later in self.store.events(self.run_id, after=ev.seq):
            if later.type == "audit.checkpoint":
                p = later.payload
                return (f"\nSealed: checkpoint {p.get('n')} at seq {later.seq}, digest {p.get('digest')}"
                        f"\nCheck: golive audit verify {self.run_id} --checkpoint {p.get('digest')}")
        return ""

    # -- escalation ------------------------------------------------------------------------------
    def tick(self, force: bool = False) -> list[int]:
        """Tell every escalation level whose delay has passed since the open wait began. Returns levels told."""
        told: list[int] = []
        try:
            mono = self.clock.monotonic()
            if not force and self._last_tick is not None and mono - self._last_tick < self.tick_every:
                return told
            self._last_tick = mono
            if not self.levels:
                return told
            self._load()
            events = self.store.events(self.run_id)
            for ev in events:
                self._note(ev)
            st = fold(events)
            opened = _open_wait(events, st)
            if opened is None or st.dry_run:
                return told
            elapsed = (self.clock.now() - datetime.fromisoformat(opened.ts)).total_seconds()
            msg = message_for(opened, st) or (f"[golive] {st.run_id}: waiting", "")
            for lv in self.levels:
                key = f"esc:{opened.seq}:{lv.level}"
                if lv.after > elapsed or key in self._done:
                    continue
                people = f" ({', '.join(lv.people)})" if lv.people else ""
                waited = f"unanswered for {format_duration(elapsed)}; " if lv.after > 0 else ""
                title = f"{msg[0]} — escalation level {lv.level}: {lv.name}"
                body = f"{waited}escalated to level {lv.level} {lv.name}{people}.\n{msg[1]}"
                # channels that subscribe to escalations hear when the first level did not answer
                watchers = [u for ch in self.channels if "escalation" in ch.on for u in ch.urls] \
                    if lv.level > self.levels[0].level else []
                self._deliver(key, "escalation", list(dict.fromkeys([*lv.notify, *watchers])), [], title, body,
                              extra={"event": "escalation", "level": lv.level, "level_name": lv.name,
                                     "for_seq": opened.seq, "waited": round(elapsed, 1)})
                told.append(lv.level)
        except Exception:  # best effort, like every notification
            pass
        return told


class TickingClock:
    """Wraps the engine's clock so a process waiting at a gate (`--wait`) escalates while it sleeps."""

    def __init__(self, inner: Clock, notifier: Notifier) -> None:
        self.inner = inner
        self.notifier = notifier

    def now(self) -> datetime:
        return self.inner.now()

    def monotonic(self) -> float:
        return self.inner.monotonic()

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)
        self.notifier.tick()


def escalate_runs(store: Store, clock: Clock, run_id: str | None = None, sender: Sender | None = None,
                  environ: dict[str, str] | None = None) -> dict[str, list[int]]:
    """For cron (`golive notify tick`): escalate every active run (or one) that waits for a person."""
    from golive.plan.vars import resolve_vars

    infos = [store.get_run(run_id)] if run_id else [r for r in store.list_runs(500) if r.active]
    out: dict[str, list[int]] = {}
    for info in infos:
        events = store.events(info.id)
        if not events:
            continue
        st = fold(events)
        if st.terminal:
            continue
        plan = st.plan
        base = Path(st.plan_path).parent
        try:
            values, masker = resolve_vars(plan, environ if environ is not None else dict(os.environ), base,
                                          need_secrets=False)
        except Exception:
            values, masker = {}, Masker()
        n = Notifier(store, info.id, plan, masker, clock, sender=sender, base_dir=base,
                     user_config=user_config_path(), vars=values)
        out[info.id] = n.tick(force=True)
    return out
