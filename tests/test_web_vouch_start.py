"""Starting a run with signers from the console (issue 15: "an operator starts, resumes, aborts and rolls back"):
the server's key, listed in the signers file to vouch (`golive-web namespaces="golive-vouch@golive" ...`), signs
the start on behalf of the logged-in operator, as it signs the decisions taken in the browser. The operator is
the initiator: separation of duties holds against them in the console and with their own key; `golive audit
verify` (store and bundle) checks the start and says who vouched for whom; a forged start fails it; the report
says the start was vouched for. Against the real server, with local accounts; the audit cases start the run with
`golive run` and the console's voucher (what the console hands its runner), which needs no server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from inproc import cli
from sealkit import VOUCH, public, rehash_from, sql, vouching_team
from webconsole import add_user, serve, team_yaml

PLAN = """name: shop
service: shop
environment: {env}
signers: ../{signers}
separation_of_duties: {sod}
approvers: {{release-managers: [rita, sam, olga]}}
phases:
  - name: Deploy
    steps:
      - name: deploy
        shell: echo "vouch=${{GOLIVE_WEB_VOUCH:-none}}"
        undo: echo undeploy
    gate:
      approvals: {{count: 1, role: release-managers}}
  - name: Verify
    steps: ["echo verified"]
    gate:
      approvals: {{count: 1, role: release-managers}}
"""
HOW = "local account (password only)"


@pytest.fixture
def team(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    team = vouching_team(workdir, monkeypatch, ("olga", "rita", "sam"))
    plans = workdir / "plans"
    plans.mkdir()
    (plans / "shop.yaml").write_text(PLAN.format(env="prod", signers="signers", sod="true"))
    (plans / "novouch.yaml").write_text(PLAN.format(env="staging", signers="signers-novouch", sod="true"))
    (plans / "nosod.yaml").write_text(PLAN.format(env="dev", signers="signers", sod="false"))
    return team


def _events(rid: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in cli("log", rid, "--json").out.splitlines()]


def _until(c: httpx.Client, rid: str, check: Callable[[Any], bool], what: str) -> Any:
    deadline = time.monotonic() + 120
    while True:
        view = c.get(f"/api/runs/{rid}").json()
        events = c.get(f"/api/runs/{rid}/events").json()
        if check({**view, "events": [e["type"] for e in events]}):
            return view
        assert time.monotonic() < deadline, f"{what}: {view.get('status')} {view.get('runner')}"
        time.sleep(0.2)  # polls the run's state, bounded by the deadline


def test_an_operator_starts_a_signed_run_the_console_vouching_for_them(team: dict[str, Path],
                                                                       workdir: Path) -> None:
    from golive.seal.keys import fingerprint

    server_line = public(team["server"])
    server_fp = fingerprint(server_line)
    for name in ("olga", "rita"):
        add_user(workdir, name)
    (workdir / "golive-team.yaml").write_text(team_yaml(None) + "plans: plans\n")
    with serve(workdir) as web:
        olga, csrf = web.login("olga")
        shown = olga.get("/api/plans/shop.yaml").json()
        assert shown["signed"] is True and shown["refused"] is None, shown
        # the console's key is not listed to vouch in this plan's signers: a clear refusal saying what to add,
        # before any runner is started
        assert f"{VOUCH} {server_line}" in olga.get("/api/plans/novouch.yaml").json()["refused"]
        r = olga.post("/api/plans/novouch.yaml/start", json={"confirm": "shop"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 409 and f"'{VOUCH} {server_line}'" in r.json()["error"], r.text
        assert "signers-novouch" in r.json()["error"]
        assert not list((workdir / ".golive" / "web").glob("runners/*.log")), "a runner was started"

        r = olga.post("/api/plans/shop.yaml/start", json={"confirm": "shop"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        rid = r.json()["run"]
        view = _until(olga, rid, lambda v: v["status"] == "waiting", "never reached its gate")
        assert view["initiator"] == "olga"
        created = _events(rid)[0]["payload"]
        start = created["initiator_signature"]
        assert created["initiator"] == "olga"
        assert start["signed"]["ns"] == "golive-vouch@golive" and start["signed"]["on_behalf_of"] == "olga"
        assert start["signed"]["auth"] == HOW and start["signature"]["fingerprint"] == server_fp
        assert start["via"] == "golive web" and start["source"] == "127.0.0.1" and "python-httpx" in start["user_agent"]

        # separation of duties: the initiator cannot approve, in the console or with her own key
        approve = f"/api/runs/{rid}/actions/approve"
        own = olga.post(approve, json={"reason": "mine"}, headers={"X-CSRF-Token": csrf})
        assert own.status_code == 409 and "separation of duties" in own.json()["error"], own.text
        by_key = cli("approve", rid, "--reason", "mine too", "--key", str(team["olga"]))
        assert by_key.code == 2 and "separation of duties" in by_key.err, by_key.err

        # abort and resume, from the console, on a run with signers
        r = olga.post(f"/api/runs/{rid}/abort", json={"reason": "wrong build"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        view = _until(olga, rid, lambda v: v["runner"]["exit_code"] is not None, "the runner never stopped")
        assert view["runner"]["exit_code"] == 143 and view["can"]["resume"]
        r = olga.post(f"/api/runs/{rid}/resume", json={}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        _until(olga, rid, lambda v: v["runner"]["exit_code"] is None and v["can"]["abort"], "never resumed")

        # another person approves in the console (the server's key is not the initiator's key)
        rita, rita_csrf = web.login("rita")
        r = rita.post(approve, json={"reason": "green"}, headers={"X-CSRF-Token": rita_csrf})
        assert r.status_code == 200, r.text
        _until(olga, rid, lambda v: v["events"].count("gate.waiting") == 2 and v["can"]["rollback"],
               "never reached the second gate")
        # and the operator rolls back, typed to confirm
        r = olga.post(f"/api/runs/{rid}/actions/rollback", json={"reason": "errors up", "typed": "shop"},
                      headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        _until(olga, rid, lambda v: v["status"] == "rolled-back", "never rolled back")

    events = _events(rid)
    assert "vouch=none" in json.dumps(events)  # the voucher never reaches a step's environment
    seals = [(e["payload"]["action"], e["payload"]["by"]) for e in events if e["type"] == "decision.vouched"]
    assert seals == [("start", "olga"), ("abort", "olga"), ("approve", "rita"), ("rollback", "olga")]
    start_row = f"start run: olga {server_fp} [vouched by server {server_fp} for olga ({HOW})] ✓"
    audit = cli("audit", "verify", rid)
    assert audit.code == 0 and start_row in audit.out and "✗" not in audit.out, audit.out
    assert cli("audit", "export", rid, "-o", str(workdir / "bundle.json")).code == 0
    bundle = cli("audit", "verify", "--bundle", str(workdir / "bundle.json"))
    assert bundle.code == 0 and start_row in bundle.out, bundle.out

    md = cli("report", rid, "--format", "md").out
    initiator = next(line for line in md.splitlines() if line.startswith("| Initiator |"))
    assert f"olga — start vouched by server {server_fp} for olga ({HOW}) ✓" in initiator, initiator
    pci = next(line for line in md.splitlines() if line.startswith("| PCI-DSS 6.5.1 | Documented change approval"))
    assert "rita" in pci and "verified SSH signatures" in pci and "**MISSING**" not in pci, pci


def _vouched_start(plan: str, server: Path, monkeypatch: pytest.MonkeyPatch, person: str = "olga") -> str:
    """`golive run` as the console starts it: the voucher in its environment (golive.run.start.web_vouch_env)."""
    from golive.run.start import web_vouch_env

    for k, v in web_vouch_env(server, person, HOW, {"via": "golive web", "auth": HOW, "source": "127.0.0.1",
                                                    "user_agent": "test"}).items():
        monkeypatch.setenv(k, v)
    r = cli("run", plan, "--no-wait")
    assert r.code == 3, r.out + r.err
    return str(json.loads(cli("runs", "--json").out)[0]["run"])


def _rewrite_created(db: Path, rid: str, change: Callable[[dict[str, Any]], None]) -> None:
    payload = json.loads(str(sql(db, "SELECT payload FROM events WHERE run_id=? AND seq=1", rid)[0][0]))
    change(payload)
    sql(db, "UPDATE events SET payload=? WHERE run_id=? AND seq=1",
        json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False), rid)
    rehash_from(db, rid, 1)


def test_a_forged_or_unlisted_console_start_is_refused(team: dict[str, Path], workdir: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.seal.decision import payload_for, sign
    from golive.seal.keys import file_signer

    # the runner itself refuses a voucher whose key the signers file does not list to vouch (here: rita's own key)
    monkeypatch.setenv("GOLIVE_WEB_VOUCH", json.dumps({"key": str(team["rita"]), "person": "olga", "auth": HOW}))
    refused = cli("run", "plans/shop.yaml", "--no-wait")
    assert refused.code == 2 and "not listed there to vouch" in refused.err, refused.err
    assert not (workdir / ".golive" / "golive.db").exists() or cli("runs", "--json").out.strip() in ("", "[]")

    rid = _vouched_start("plans/shop.yaml", team["server"], monkeypatch)
    assert cli("audit", "verify", rid).code == 0
    # an auditor's own signers file without the console's vouching line: the start does not count
    mine = cli("audit", "verify", rid, "--signers", str(workdir / "signers-novouch"))
    assert mine.code == 1 and "BROKEN at seq 1" in mine.out and "not listed in the signers file to vouch" in mine.out

    db = workdir / ".golive" / "golive.db"
    original = str(sql(db, "SELECT payload FROM events WHERE run_id=? AND seq=1", rid)[0][0])

    def restore() -> None:
        sql(db, "UPDATE events SET payload=? WHERE run_id=? AND seq=1", original, rid)
        rehash_from(db, rid, 1)
        assert cli("audit", "verify", rid).code == 0

    # the initiator rewritten: the server vouched for olga, not rita
    _rewrite_created(db, rid, lambda p: p.update(initiator="rita"))
    broken = cli("audit", "verify", rid)
    assert broken.code == 1 and "BROKEN at seq 1" in broken.out and "server vouched for olga" in broken.out
    restore()
    # the start's signature removed
    _rewrite_created(db, rid, lambda p: p.pop("initiator_signature"))
    broken = cli("audit", "verify", rid)
    assert broken.code == 1 and "BROKEN at seq 1" in broken.out and "start is not signed" in broken.out
    restore()

    # a person's key signing as if it were the console, vouching for someone: forged past the runner's check
    def forge(p: dict[str, Any]) -> None:
        signed = p["initiator_signature"]["signed"]
        again = payload_for(rid, p["plan_sha256"], "start", "run", "", signed["at"], 0, "0" * 64, ("olga", HOW))
        p["initiator_signature"].update(sign(file_signer(team["rita"]), again).record())

    _rewrite_created(db, rid, forge)
    broken = cli("audit", "verify", rid)
    assert broken.code == 1 and "BROKEN at seq 1" in broken.out and "to vouch for people" in broken.out, broken.out


def test_an_initiator_approving_a_console_started_run_with_their_own_key_is_no_pci_evidence(
        team: dict[str, Path], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without separation of duties olga may approve the run the console started for her; the report's PCI-DSS
    6.5.1 element still wants someone other than the initiator, though her key is not the key that signed the
    start (the console's is): the person is compared."""
    rid = _vouched_start("plans/nosod.yaml", team["server"], monkeypatch)
    monkeypatch.delenv("GOLIVE_WEB_VOUCH", raising=False)
    r = cli("approve", rid, "--reason", "my own change", "--key", str(team["olga"]))
    assert r.code == 0, r.err
    md = cli("report", rid, "--format", "md").out
    pci = next(line for line in md.splitlines() if line.startswith("| PCI-DSS 6.5.1 | Documented change approval"))
    assert "olga" in pci and "verified SSH signatures" not in pci and "**MISSING**" in pci, pci
