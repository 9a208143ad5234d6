"""Console decisions on a run with signers (issues 13 and 15): the web server's key is listed in the signers file to
vouch for people (`golive-web namespaces="golive-vouch@golive" ssh-ed25519 ...`, still a valid allowed_signers
line for ssh-keygen). A decision it signs on behalf of a logged-in person counts when that person holds the role;
separation of duties and the approval count compare people, whichever way they decide (console or own key); a
server key not listed to vouch is refused; `audit verify` says who vouched for whom, and how they logged in.
Through the real server's JSON API, with local accounts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inproc import cli
from sealkit import public, rehash_from, seq_of, sql, vouching_team
from webconsole import add_user, serve, team_yaml

PLAN = """name: shop
service: shop
environment: {env}
signers: {signers}
separation_of_duties: true
approvers: {{release-managers: [rita, sam, ian]}}
phases:
  - name: Deploy
    steps: ["echo deploy"]
    gate:
      approvals: {{count: 2, role: release-managers}}
  - name: Verify
    steps: ["echo verified"]
"""


@pytest.fixture
def setup(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    team = vouching_team(workdir, monkeypatch, ("ian", "rita", "sam"))
    (workdir / "plan.yaml").write_text(PLAN.format(env="prod", signers="signers"))
    (workdir / "plan2.yaml").write_text(PLAN.format(env="staging", signers="signers-novouch"))
    for name in ("rita", "sam", "ian", "vic"):
        add_user(workdir, name)
    (workdir / "golive-team.yaml").write_text(team_yaml(None))
    return team


def _start(plan: str, ian: Path) -> str:
    r = cli("run", plan, "--no-wait", "--key", str(ian))
    assert r.code == 3, r.out + r.err
    return str(json.loads(cli("runs", "--json").out)[0]["run"])


def _events(rid: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in cli("log", rid, "--json").out.splitlines()]


def test_the_server_vouches_for_people_in_the_role(setup: dict[str, Path], workdir: Path) -> None:
    from golive.seal.keys import fingerprint

    server_fp = fingerprint(public(setup["server"]))
    rid = _start("plan.yaml", setup["ian"])
    with serve(workdir) as web:
        api = f"/api/runs/{rid}/actions/approve"
        ian, csrf = web.login("ian")  # ian holds the role, but started the run
        own = ian.post(api, json={"reason": "mine"}, headers={"X-CSRF-Token": csrf})
        assert own.status_code == 409 and "separation of duties" in own.json()["error"], own.text
        rita, csrf = web.login("rita")
        ok = rita.post(api, json={"reason": "canary green"}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200, ok.text
        # rita again with her own key: one person, one approval, whichever way she decides
        again = cli("approve", rid, "--reason", "me again", "--key", str(setup["rita"]))
        assert again.code == 2 and "already approved" in again.err, again.err
        sam, csrf = web.login("sam")  # the same server key, another person: counts
        ok2 = sam.post(api, json={"reason": "metrics fine"}, headers={"X-CSRF-Token": csrf})
        assert ok2.status_code == 200, ok2.text
    events = _events(rid)
    refused = [e["payload"] for e in events if e["type"] == "decision.refused"]
    assert len(refused) == 2 and "separation of duties" in str(refused[0]["why"])  # type: ignore[index]
    approved = [e["payload"] for e in events if e["type"] == "gate.approved"]
    assert [a["by"] for a in approved] == ["rita", "sam"]  # type: ignore[index]
    assert all(a["signed"]["ns"] == "golive-vouch@golive" and a["signature"]["fingerprint"] == server_fp  # type: ignore[index]
               for a in approved)
    assert cli("resume", rid, "--no-wait").code == 0  # two people approved: the gate opened
    audit = cli("audit", "verify", rid)
    assert audit.code == 0, audit.out
    assert f"vouched by server {server_fp} for rita (local account (password only))" in audit.out
    assert f"vouched by server {server_fp} for sam (local account (password only))" in audit.out
    assert "✗" not in audit.out
    # OpenSSH agrees, with the same signers file: the server's key, in the vouching namespace only
    from golive.seal.decision import canonical

    (workdir / "msg").write_bytes(canonical(approved[0]["signed"]))  # type: ignore[index]
    (workdir / "msg.sig").write_text(str(approved[0]["signature"]["sshsig"]))  # type: ignore[index]
    for ns, ok in (("golive-vouch@golive", True), ("golive-decision@golive", False)):
        r = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(workdir / "signers"), "-I", "golive-web",
                            "-n", ns, "-s", str(workdir / "msg.sig")],
                           input=(workdir / "msg").read_bytes(), capture_output=True)
        assert (r.returncode == 0) == ok, (ns, r.stdout, r.stderr)

    # the person a vouched decision names is covered by the server's signature
    seq = seq_of(workdir / ".golive" / "golive.db", rid, "gate.approved")
    db = workdir / ".golive" / "golive.db"
    payload = json.loads(sql(db, "SELECT payload FROM events WHERE run_id=? AND seq=?", rid, seq)[0][0])  # type: ignore[arg-type]
    payload["by"] = "sam"
    sql(db, "UPDATE events SET payload=? WHERE run_id=? AND seq=?",
        json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False), rid, seq)
    rehash_from(db, rid, seq)
    broken = cli("audit", "verify", rid)
    assert broken.code == 1 and f"BROKEN at seq {seq}" in broken.out and "vouched for rita" in broken.out


def test_a_server_key_not_listed_to_vouch_is_refused(setup: dict[str, Path], workdir: Path) -> None:
    rid = _start("plan2.yaml", setup["ian"])
    with serve(workdir) as web:
        rita, csrf = web.login("rita")
        r = rita.post(f"/api/runs/{rid}/actions/approve", json={"reason": "lgtm"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 409 and "to vouch for people" in r.json()["error"], r.text
    assert [e["type"] for e in _events(rid)][-1] == "decision.refused"
    assert "gate.approved" not in [e["type"] for e in _events(rid)]


def test_a_vouching_key_cannot_sign_as_a_person(setup: dict[str, Path], workdir: Path) -> None:
    rid = _start("plan.yaml", setup["ian"])
    r = cli("approve", rid, "--by", "golive-web", "--reason", "x", "--key", str(setup["server"]))
    assert r.code == 2 and "is not in the signers file" in r.err, r.err
    both = (workdir / "signers").read_text().replace('"golive-vouch@golive"',
                                                     '"golive-vouch@golive,golive-decision@golive"')
    (workdir / "signers").write_text(both)
    started = cli("run", "plan.yaml", "--no-wait", "--key", str(setup["ian"]))
    assert started.code == 2 and "either signs as a person" in started.err, started.err


def test_a_vouched_approval_by_the_initiator_is_no_pci_evidence(setup: dict[str, Path], workdir: Path) -> None:
    """Without separation of duties the initiator may approve in the console; the report's PCI-DSS 6.5.1 element
    still wants someone other than the initiator (the server's key is not his, so the person is compared)."""
    from golive.run.decisions import approve
    from golive.store.sqlite import SQLiteStore
    from golive.web.accounts import Accounts
    from golive.web.actions import Origin, decider
    from golive.web.team import Identity

    plan = PLAN.format(env="dev", signers="signers").replace("separation_of_duties: true", "separation_of_duties:"
                                                             " false").replace("count: 2", "count: 1")
    (workdir / "plan3.yaml").write_text(plan)
    rid = _start("plan3.yaml", setup["ian"])
    key = Accounts(workdir / ".golive" / "web").server_key()
    store = SQLiteStore(workdir / ".golive" / "golive.db")
    try:
        who = decider(Identity(person="ian", method="local"), Origin("127.0.0.1", "test"), key)
        approve(store, rid, who, "my own change")
    finally:
        store.close()
    assert cli("resume", rid, "--no-wait").code == 0
    md = cli("report", rid, "--format", "md").out
    row = next(line for line in md.splitlines() if line.startswith("| PCI-DSS 6.5.1 | Documented change approval"))
    assert "ian" in row and "verified SSH signatures" not in row and "**MISSING**" in row, row


def test_audit_verify_checks_the_consoles_seal_of_what_it_vouched(setup: dict[str, Path], workdir: Path) -> None:
    """The `decision.vouched` seal holds what the decision's own signature does not (how the person logged in, from
    which address): an edit to it, or the seal moved onto a decision a person signed with their own key, fails at
    the seal's seq, also while no later checkpoint covers it yet (the run still waits at its gate)."""
    from golive.run.decisions import approve
    from golive.seal.vouch import sign
    from golive.store.sqlite import SQLiteStore
    from golive.web.accounts import Accounts
    from golive.web.actions import Origin, decider, vouch
    from golive.web.team import Identity

    rid = _start("plan.yaml", setup["ian"])
    key = Accounts(workdir / ".golive" / "web").server_key()
    db = workdir / ".golive" / "golive.db"
    store = SQLiteStore(db)
    try:
        rita = Identity(person="rita", method="local")
        approve(store, rid, decider(rita, Origin("10.0.0.7", "phone"), key), "canary green")
        approved = store.events(rid)[-1]
        assert approved.type == "gate.approved"
        vouch(store, rid, key, rita, "approve", "canary green", Origin("10.0.0.7", "phone"), approved)
    finally:
        store.close()
    ok = cli("audit", "verify", rid)
    assert ok.code == 0 and "console seals: 1" in ok.out, ok.out
    seq = seq_of(db, rid, "decision.vouched")
    original = str(sql(db, "SELECT payload FROM events WHERE run_id=? AND seq=?", rid, seq)[0][0])

    def rewrite(change: Any) -> Any:
        payload = json.loads(original)
        change(payload)
        sql(db, "UPDATE events SET payload=? WHERE run_id=? AND seq=?",
            json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False), rid, seq)
        rehash_from(db, rid, seq)
        return cli("audit", "verify", rid)

    edited = rewrite(lambda p: p.update(source="192.0.2.1"))  # another address, the signature left as it was
    assert edited.code == 1 and f"BROKEN at seq {seq}: the console's seal does not verify" in edited.out, edited.out

    start_hash = str(sql(db, "SELECT hash FROM events WHERE run_id=? AND seq=1", rid)[0][0])

    def moved(p: dict[str, Any]) -> None:  # re-signed with the server's own key, onto ian's self-signed start
        p["seals"] = {"seq": 1, "hash": start_hash, "type": "run.created"}
        p["signature"] = sign(rid, p, key)

    onto = rewrite(moved)
    assert onto.code == 1 and f"BROKEN at seq {seq}" in onto.out and "the signed decision it seals" in onto.out, \
        onto.out
