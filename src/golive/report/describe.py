"""How events read to people: one line each, for logs, plain output, reports and the web console."""

from __future__ import annotations

import json
from typing import Any

from golive.masking import safe
from golive.store.base import Event
from golive.units import format_duration


def _dur(value: Any) -> str:
    return f" ({format_duration(float(value))})" if isinstance(value, int | float) else ""


def describe(ev: Event) -> str:
    p = ev.payload
    t = ev.type
    step = f"[{p['step']}] " if "step" in p else ""
    if t == "run.created":
        v = p.get("version") or {}
        change = f", {v.get('from') or '?'} -> {v.get('to')}" if v else ""
        forced = f"; started outside the window by {p['forced']['by']}: {p['forced']['reason']}" if p.get(
            "forced") else ""
        return (f"run {ev.run_id} created by {p.get('initiator')}: plan '{p['plan'].get('name')}'"
                f" ({p.get('service')}/{p.get('environment')}{change}){forced}")
    if t == "run.started":
        return "resumed" if p.get("resumed") else ("dry run started" if p.get("dry_run") else "started")
    if t == "phase.started":
        box = f" (timebox {format_duration(p['timebox'])})" if p.get("timebox") else ""
        return f"phase {p['phase']} '{p['name']}' started{box}"
    if t == "phase.overrun":
        return (f"phase {p['phase']} overran its timebox {format_duration(p['timebox'])}"
                f" ({format_duration(p['elapsed'])} elapsed): {p['action']}")
    if t == "step.started":
        again = f" (attempt {p['attempt']})" if p.get("attempt", 1) > 1 else ""
        return f"{step}start: {p.get('title')}{again}"
    if t == "step.finished":
        if p["status"] == "succeeded":
            return f"{step}ok{_dur(p.get('duration'))}" + (f": {p['message']}" if p.get("message") else "")
        code = f" (exit {p['exit_code']})" if p.get("exit_code") is not None else ""
        return f"{step}FAILED{_dur(p.get('duration'))}: {p.get('message')}{code}"
    if t == "decision.vouched":
        sealed, auth = p.get("seals") or {}, p.get("auth") or {}
        return (f"sealed #{sealed.get('seq')} ({p.get('action')} by {p.get('by')}): {auth.get('how')},"
                f" from {p.get('source')}")
    if t == "step.waiting":
        return f"{step}waiting: {p.get('message')}"
    if t == "step.confirmed":
        return f"{step}{'marked failed' if p.get('as') == 'failed' else 'confirmed'} by {p['by']}" + (
            f": {p['note']}" if p.get("note") else "")
    if t == "step.resolved":
        return f"{step}resolved as {p['as']} by {p['by']}" + (f": {p['reason']}" if p.get("reason") else "")
    if t == "run.needs_attention":
        return f"NEEDS ATTENTION {step}{p.get('reason')}"
    if t == "gate.waiting":
        role = f" from {p['role']}" if p.get("role") else ""
        who = f" ({', '.join(p['candidates'])})" if p.get("candidates") else ""
        return (f"phase {p['phase']} gate: waiting for {p['needed']} approval(s){role}{who}:"
                f" {p.get('command')}")
    if t == "gate.approved":
        role = f" ({p['role']})" if p.get("role") else ""
        signed = f" [signed {p['signature'].get('fingerprint')}]" if isinstance(p.get("signature"), dict) else ""
        return f"phase {p['phase']} approved by {p['by']}{role}{signed}: {p.get('reason')}"
    if t == "gate.rejected":
        return f"phase {p['phase']} rejected by {p['by']}: {p.get('reason')}"
    if t == "gate.decided":
        if p["decision"] == "go":
            by = f" (approved by {', '.join(p['approvers'])})" if p.get("approvers") else ""
            return f"phase {p['phase']} GO{by}"
        return f"phase {p['phase']} NO-GO: {'; '.join(p.get('reasons', []))}"
    if t == "rollback.requested":
        return f"rollback requested by {p['by']}: {p['reason']}"
    if t == "rollback.started":
        level = f", then level {p['level']} '{p.get('level_name')}'" if p.get("level") else ""
        undo = sum(1 for a in p["actions"] if "undoes" in a)
        return f"ROLLBACK: {p['reason']} -> {undo} undo step(s){level}"
    if t == "rollback.confirmation_needed":
        return f"rollback level {p['level']} waits for confirmation ({p['reason']}): {p.get('command')}"
    if t == "rollback.confirmed":
        return f"rollback level {p['level']} confirmed by {p['by']}: {p.get('reason')}"
    if t == "rollback.failed":
        return f"ROLLBACK FAILED at [{p['action']}]: {p.get('message')}; a person must act: {p.get('command')}"
    if t == "rollback.finished":
        return ("rollback finished" if p.get("ok") else "rollback stopped") + f": {p.get('message')}"
    if t == "run.finished":
        words = {"succeeded": "SUCCEEDED", "rolled-back": "ROLLED BACK", "rollback-failed": "ROLLBACK FAILED"}
        return f"run {words.get(p['outcome'], p['outcome'])}: {p.get('message', '')}"
    if t == "traffic.weight":
        split = " / ".join(f"{k} {v}%" for k, v in p.get("weights", {}).items())
        stage = f" (stage {p['stage']}/{p['stages']})" if p.get("stages") else ""
        why = p.get("reason", "")
        head = f"{step}traffic via {p.get('router')}: {split}"
        if p.get("because"):  # a canary promotion: the verdict (with its numbers) that allowed it
            return head + (stage if why.startswith("stage") else "") + f" -- promoted after {p['because']}"
        return head + (f"{stage}" if why.startswith("stage") else f" -- {why}")
    if t == "analysis.verdict":
        where = f" at stage {p['stage']} ({p['weight']}%)" if p.get("stage") else ""
        return f"{step}verdict {str(p.get('outcome', '?')).upper()}{where}: {p.get('reason')}"
    if t == "ssh.batch":
        hosts = ", ".join(p.get("hosts", []))
        return f"{step}ssh {p.get('group')}: batch {p.get('batch')}/{p.get('batches')} on {hosts}"
    if t == "ssh.host":
        code = f"exit {p['exit_code']}" if p.get("exit_code") is not None else str(p.get("status"))
        head = f"{step}ssh {p.get('host')} (batch {p.get('batch')}): {'ok' if p.get('ok') else 'FAILED'} {code}"
        why = f" {p['message']}" if p.get("message") and not p.get("ok") else ""
        tail = str(p.get("output") or "").strip().splitlines()
        return f"{head}{_dur(p.get('duration'))}{';' + why if why else ''}" + (f" | {tail[-1][:160]}" if tail else "")
    if t == "step.process":
        where = f"cgroup {p['cgroup']}" if p.get("cgroup") else f"process group {p.get('pgid')}"
        return f"{step}process {p.get('pid')} in {where}"
    if t == "step.interrupted":
        gone = all(s.get("gone") for s in p.get("stopped", []))
        left = "its processes stopped" if gone else "SOME OF ITS PROCESSES COULD NOT BE STOPPED"
        return f"{step}INTERRUPTED by {p.get('signal')}: {left}; golive resume continues the run"
    if t == "step.awaited":
        return (f"{step}the previous golive's processes still run ({p.get('where')}): waiting for them up to"
                f" {p.get('until')}, then stopping them")
    if t == "step.reaped":
        how = "stopped them at the step's deadline" if p.get("killed") else "they ended"
        return f"{step}previous processes ({p.get('where')}): {how} after {format_duration(p.get('waited') or 0)}"
    if t == "run.note":
        return str(p.get("message", ""))
    if t == "audit.checkpoint":
        covers = p.get("covers") or {}
        return (f"sealed: checkpoint {p.get('n')} ({p.get('why')}) over seq {covers.get('seq')},"
                f" digest {str(p.get('digest'))[:16]}")
    if t == "decision.refused":
        return f"REFUSED {p.get('decision')} {p.get('subject')} ({p.get('os_user')}@{p.get('host')}): {p.get('why')}"
    rest = {k: v for k, v in p.items() if k != "step"}
    text = json.dumps(rest, sort_keys=True)
    return f"{step}{t} {text[:200]}"


def event_json(ev: Event) -> str:
    return json.dumps({"run": ev.run_id, "seq": ev.seq, "ts": ev.ts, "type": ev.type, "payload": ev.payload,
                       "hash": ev.hash}, sort_keys=True)


def log_line(ev: Event) -> str:
    """One line whatever the event holds: plan and step text is escaped, so it cannot forge another line."""
    ts = ev.ts[11:19]
    return f"{ev.seq:>4} {ts} {safe(describe(ev))}"
