"""Notifications through apprise to a real local webhook receiver, and escalation timing on an injected clock."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import golive
from golive.engine.state import fold
from golive.masking import Masker, redact
from golive.notify import Notifier, escalate_runs
from golive.plan.model import Plan
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock


class Receiver:
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.posts.append((self.path, json.loads(body or b"{}")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def to(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [p for where, p in self.posts if where == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    try:
        yield r
    finally:
        r.server.shutdown()
        r.server.server_close()


PLAN = """
name: Payments 3.1
service: payments
environment: prod
version: {{from: "3.0", to: "3.1"}}
vars:
  TOKEN: {{secret: true, from_env: PAY_TOKEN}}
approvers:
  release-managers: [rita, sam]
notifications:
  channels:
    - urls: ["json://127.0.0.1:{port}/team"]
    - urls: ["json://127.0.0.1:{port}/managers"]
      on: [run.finished, escalation]
contacts:
  escalation:
    - {{level: 1, name: On-call, people: [olga], notify: ["json://127.0.0.1:{port}/l1"]}}
    - {{level: 2, name: Technical lead, people: [tom], after: 15m, notify: ["json://127.0.0.1:{port}/l2"]}}
    - {{level: 3, name: Engineering manager, after: 1h, notify: ["json://127.0.0.1:{port}/l3"]}}
phases:
  - name: Deploy
    timebox: 1m
    steps:
      - name: Ship
        shell: echo "shipping with $TOKEN"
    gate:
      description: "token in use: $TOKEN"
      approvals: {{count: 1, role: release-managers}}
"""


def _run_id(out: str) -> str:
    m = re.search(r"run (\d{8}-\d{6}-[0-9a-f]{4})", out)
    assert m, out
    return m.group(1)


def test_webhooks_and_escalation_timing(workdir: Path, receiver: Receiver) -> None:
    plan = workdir / "plan.yaml"
    plan.write_text(PLAN.format(port=receiver.port))
    env = {"PAY_TOKEN": "pay-secret-token-42", "GOLIVE_USER": "ian"}
    r = golive("run", str(plan), "--no-wait", cwd=workdir, env=env)
    assert r.code == 3, r.out + r.err
    run = _run_id(r.out)

    team = receiver.to("/team")
    assert [p["title"].split(": ", 1)[1] for p in team] == ["started", "waiting for approval at phase 1"]
    assert "started by ian" in team[0]["message"]
    waiting = team[1]["message"]
    assert "rita, sam" in waiting and f"golive approve {run} --by NAME --reason TEXT" in waiting
    # level 1 is told at once, the others not yet; the managers' channel only hears finishes and escalations
    assert len(receiver.to("/l1")) == 1 and "olga" in receiver.to("/l1")[0]["message"]
    assert receiver.to("/l2") == [] and receiver.to("/l3") == [] and receiver.to("/managers") == []

    store = SQLiteStore(workdir / ".golive" / "golive.db")
    try:
        events = store.events(run)
        opened = next(e for e in events if e.type == "gate.waiting")
        sent = [e.payload for e in events if e.type == "notify.sent"]
        assert {s["key"] for s in sent} >= {f"esc:{opened.seq}:1"}
        assert all("127.0.0.1" in c and "/l1" not in c for s in sent for c in s["channels"])
        clock = FakeClock(datetime.fromisoformat(opened.ts))
        plan_model = Plan.model_validate(fold(events).plan)
        notifier = Notifier(store, run, plan_model, Masker(["pay-secret-token-42"]), clock)

        clock.advance(14 * 60 + 59)
        assert notifier.tick(force=True) == []
        clock.advance(1)
        assert notifier.tick(force=True) == [2]
        assert len(receiver.to("/l2")) == 1 and "tom" in receiver.to("/l2")[0]["message"]
        assert "unanswered for 15m" in receiver.to("/l2")[0]["message"]
        assert len(receiver.to("/managers")) == 1
        clock.advance(60)
        assert notifier.tick(force=True) == [], "a level is told once"
        # a cron tick in another "process" (a new notifier) does not repeat level 2 either
        clock.advance(44 * 60)
        assert escalate_runs(store, clock, run, environ=env) == {run: [3]}
        assert len(receiver.to("/l2")) == 1 and len(receiver.to("/l3")) == 1

        assert golive("approve", run, "--by", "rita", "--reason", "ok", cwd=workdir).code == 0
        r = golive("resume", run, "--no-wait", cwd=workdir, env=env)
        assert r.code == 0, r.out + r.err
        clock.advance(3600)
        assert escalate_runs(store, clock, run, environ=env) == {}, "a finished run is not escalated"
        done = [p for p in receiver.to("/team") if "SUCCEEDED" in p["title"]]
        assert len(done) == 1 and len(receiver.to("/team")) == 3, "nothing is told twice after resume"
        assert any("SUCCEEDED" in p["title"] for p in receiver.to("/managers"))
        events = store.events(run)
    finally:
        store.close()
    everything = json.dumps(receiver.posts) + json.dumps([e.payload for e in events])
    assert "pay-secret-token-42" not in everything
    kinds = [e.payload["category"] for e in events if e.type == "notify.sent"]
    assert kinds.count("escalation") == 3 and "run.finished" in kinds
    # every message that reached the receiver is an event naming its channel, and nothing failed
    assert sum(len(e.payload["channels"]) for e in events if e.type == "notify.sent") == len(receiver.posts)
    assert not [e for e in events if e.type == "notify.failed"]


def test_failing_channel_never_fails_the_run(workdir: Path, receiver: Receiver) -> None:
    receiver.server.shutdown()
    receiver.server.server_close()
    plan = workdir / "plan.yaml"
    text = PLAN.format(port=receiver.port).replace("      approvals: {count: 1, role: release-managers}\n", "")
    text = text.replace("json://", "json://user:${HOOK_PW}@").replace(
        "vars:\n", "vars:\n  HOOK_PW: {secret: true, from_env: HOOK_PW}\n")
    plan.write_text(text)
    started = time.monotonic()
    r = golive("run", str(plan), "--no-wait", cwd=workdir, env={"PAY_TOKEN": "pay-secret-token-42",
                                                               "HOOK_PW": "pw-in-url"})
    assert r.code == 0, r.out + r.err
    assert time.monotonic() - started < 60
    store = SQLiteStore(workdir / ".golive" / "golive.db")
    try:
        events = store.events(_run_id(r.out))
    finally:
        store.close()
    failed = [e.payload for e in events if e.type == "notify.failed"]
    assert failed and all(f["error"] for f in failed)
    assert "pw-in-url" not in json.dumps([e.payload for e in events])
    assert fold(events).outcome == "succeeded"


def test_redacted_channel_names() -> None:
    assert redact("slack://T1/B2/secrettoken", whole_url=True) == "slack://…"
    assert redact("json://u:p@hooks.local:8080/x?token=1", whole_url=True) == "json://hooks.local"
    assert redact("not a url", whole_url=True) == "(unparseable url)"


SIMPLE = """
name: Search 7
service: search
environment: prod
notifications:
  config: hooks/team.txt
phases:
  - name: Deploy
    steps:
      - name: Ship
        shell: echo shipped
"""


def test_plan_config_file_and_user_config_file(workdir: Path, receiver: Receiver) -> None:
    """Channels can live in an apprise config file next to the plan (`notifications.config`) and in the
    user's own file ($GOLIVE_NOTIFY_CONFIG, else ~/.config/golive/apprise.yml); both are told."""
    (workdir / "hooks").mkdir()
    (workdir / "hooks" / "team.txt").write_text(f"json://127.0.0.1:{receiver.port}/plan-config\n")
    user = workdir / "me" / "apprise.yml"
    user.parent.mkdir()
    user.write_text(f"version: 1\nurls:\n  - json://127.0.0.1:{receiver.port}/user-config\n")
    (workdir / "plan.yaml").write_text(SIMPLE)
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_NOTIFY_CONFIG": str(user)})
    assert r.code == 0, r.out + r.err
    for path in ("/plan-config", "/user-config"):
        assert [p["title"].split(": ", 1)[1] for p in receiver.to(path)] == ["started", "SUCCEEDED"], path
    store = SQLiteStore(workdir / ".golive" / "golive.db")
    try:
        sent = [e.payload for e in store.events(_run_id(r.out)) if e.type == "notify.sent"]
    finally:
        store.close()
    assert [s["category"] for s in sent] == ["run.started", "run.finished"]
    assert all(s["channels"] == ["config team.txt", "config apprise.yml"] for s in sent)

    # the user's file is found in ~/.config/golive/ without the variable, too
    (workdir / "xdg" / "golive").mkdir(parents=True)
    user.rename(workdir / "xdg" / "golive" / "apprise.yml")
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"XDG_CONFIG_HOME": str(workdir / "xdg"),
                                                             "GOLIVE_NOTIFY_CONFIG": ""})
    assert r.code == 0, r.out + r.err
    assert len(receiver.to("/user-config")) == 4 and len(receiver.to("/plan-config")) == 4


def test_a_plan_naming_no_channel_still_tells_the_user_s_own_config(workdir: Path, receiver: Receiver) -> None:
    """A run builds its notifier only when someone may be told (golive.notify.config.may_notify): a plan without
    notifications or contacts is still told to the person's own apprise file."""
    user = workdir / "apprise.yml"
    user.write_text(f"version: 1\nurls:\n  - json://127.0.0.1:{receiver.port}/user-only\n")
    (workdir / "plan.yaml").write_text(SIMPLE.replace("notifications:\n  config: hooks/team.txt\n", ""))
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_NOTIFY_CONFIG": str(user)})
    assert r.code == 0, r.out + r.err
    assert [p["title"].split(": ", 1)[1] for p in receiver.to("/user-only")] == ["started", "SUCCEEDED"]


def test_a_gate_s_notification_carries_the_checkpoint_that_catches_a_cut_log(
        workdir: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13: each gate's notification carries the runner's checkpoint digest, a copy of the chain head outside
    the store. The digest the webhook received is the one the log holds at the seq it names, `audit verify
    --checkpoint` accepts it, and once the log is cut back before it (the witness file gone too, head fixed) that
    digest from the notification is what catches it."""
    from inproc import cli
    from sealkit import Team, rehash_from, sql

    team = Team(workdir, monkeypatch)
    plan = (workdir / "plan.yaml").read_text()
    (workdir / "plan.yaml").write_text(plan.replace(
        "phases:\n", f"notifications:\n  channels:\n    - urls: [\"json://127.0.0.1:{receiver.port}/team\"]\n"
                     "phases:\n", 1))
    rid = team.start("alice")
    waiting = [p for p in receiver.to("/team") if "waiting for approval at phase 1" in p["title"]]
    assert len(waiting) == 1, receiver.to("/team")
    m = re.search(r"Sealed: checkpoint (\d+) at seq (\d+), digest ([0-9a-f]{64})\n"
                  rf"Check: golive audit verify {rid} --checkpoint ([0-9a-f]{{64}})", waiting[0]["message"])
    assert m, waiting[0]["message"]
    n, seq, digest = int(m.group(1)), int(m.group(2)), m.group(3)
    assert m.group(4) == digest
    events = team.events(rid)
    at = next(e for e in events if e["seq"] == seq)
    question = next(e for e in events if e["type"] == "gate.waiting")
    assert at["type"] == "audit.checkpoint" and at["payload"]["digest"] == digest  # type: ignore[index]
    assert at["payload"]["n"] == n and seq > int(question["seq"])  # type: ignore[index,call-overload]
    assert cli("audit", "verify", rid, "--checkpoint", digest).code == 0

    # someone who can write the store cuts the log back to before that checkpoint and removes the witness file
    (team.root / "witness" / f"{rid}.json").unlink()
    sql(team.db, "DELETE FROM events WHERE run_id=? AND seq>=?", rid, seq)
    rehash_from(team.db, rid, 1)
    cut = cli("audit", "verify", rid, "--checkpoint", digest)
    assert cut.code == 1 and f"checkpoint {digest[:16]}... (given) is not in the log" in cut.out, cut.out
