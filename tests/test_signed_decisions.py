"""Decisions people can prove (issue 13): with a signers file every decision is signed, the name is the key's,
separation of duties and approval counts compare keys, and a signature is bound to one run, gate and head."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from inproc import cli
from sealkit import Team, keygen


@pytest.fixture
def team(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    return Team(workdir, monkeypatch)


def test_the_initiator_cannot_approve_under_another_name(team: Team) -> None:
    rid = team.start("alice")
    as_bob = cli("approve", rid, "--by", "bob", "--reason", "x", "--key", str(team.key["alice"]))
    assert as_bob.code == 2 and "belongs to alice, dave, not bob" in as_bob.err
    # dave is a second name of alice's key and holds the role: only comparing keys stops it.
    as_dave = cli("approve", rid, "--by", "dave", "--reason", "x", "--key", str(team.key["alice"]))
    assert as_dave.code == 2, as_dave.out
    assert "separation of duties" in as_dave.err and "under any name" in as_dave.err
    refused = [e for e in team.events(rid) if e["type"] == "decision.refused"]
    assert len(refused) == 2 and all(e["payload"]["os_user"] and e["payload"]["host"] for e in refused)  # type: ignore[index]
    assert "gate.approved" not in team.types(rid)


def test_nobody_starts_a_run_under_another_name(team: Team) -> None:
    r = cli("run", "plan.yaml", "--no-wait", "--as", "bob", "--key", str(team.key["alice"]))
    assert r.code == 2 and "belongs to alice, dave, not bob" in r.err
    assert cli("runs", "--json").out.strip() in ("[]", "")  # nothing was created
    rid = team.start("alice", "--as", "dave")  # the key's own other name is fine, and is what is recorded
    created = team.events(rid)[0]["payload"]
    assert created["initiator"] == "dave"  # type: ignore[index]
    assert cli("approve", rid, "--reason", "x", "--key", str(team.key["alice"])).code == 2  # still alice's key


def test_a_key_outside_the_role_is_refused(team: Team) -> None:
    rid = team.start("alice")
    r = cli("approve", rid, "--reason", "x", "--key", str(team.key["carol"]))
    assert r.code == 2 and "does not hold role 'release-manager'" in r.err
    types = team.types(rid)
    assert "gate.approved" not in types and types[-1] == "decision.refused"  # the attempt is on record


def test_a_key_not_in_the_signers_file_is_refused(team: Team) -> None:
    rid = team.start("alice")
    mallory = keygen(team.root / "keys", "mallory")
    r = cli("approve", rid, "--by", "bob", "--reason", "x", "--key", str(mallory))
    assert r.code == 2, r.out
    assert "gate.approved" not in team.types(rid)


def test_an_unsigned_decision_is_refused_and_recorded(team: Team) -> None:
    rid = team.start("alice")
    r = cli("approve", rid, "--by", "bob", "--reason", "x")
    assert r.code == 2 and "takes only signed decisions" in r.err
    assert team.types(rid)[-1] == "decision.refused"


def test_approvals_count_distinct_keys(team: Team) -> None:
    # bob's key also answers to "dave": two names, one key, one approval.
    team.write_signers((team.root / "signers").read_text().replace("alice,dave", "alice").replace("bob ", "bob,dave "))
    (team.root / "plan.yaml").write_text((team.root / "plan.yaml").read_text().replace("count: 1}", "count: 2}", 1))
    rid = team.start("alice")
    assert cli("approve", rid, "--by", "bob", "--reason", "x", "--key", str(team.key["bob"])).code == 0
    twice = cli("approve", rid, "--by", "dave", "--reason", "x", "--key", str(team.key["bob"]))
    assert twice.code == 2 and "approvals count distinct keys" in twice.err


def _signed_from(team: Team, rid: str, type_: str = "gate.approved") -> object:
    from golive.seal.decision import SignedDecision
    from golive.seal.keys import Signature

    ev = next(e for e in team.events(rid) if e["type"] == type_)
    p = ev["payload"]
    s = p["signature"]  # type: ignore[index]
    return SignedDecision(p["signed"], Signature(s["key"], s["fingerprint"], s["method"], s["sshsig"]))  # type: ignore[index]


def _approve_with(team: Team, rid: str, signed: object) -> None:
    from golive.run.decisions import Decider, approve
    from golive.store.sqlite import SQLiteStore

    store = SQLiteStore(team.db)
    try:
        approve(store, rid, Decider(signed=signed), "fine")  # type: ignore[arg-type]
    finally:
        store.close()


def test_a_signature_replayed_to_another_run_is_refused(team: Team) -> None:
    from golive.errors import DecisionRefused

    first = team.finished_run()
    second = team.start("alice")
    with pytest.raises(DecisionRefused, match=f"signed for run {first}, not {second}"):
        _approve_with(team, second, _signed_from(team, first))
    assert "gate.approved" not in team.types(second)


def test_a_signature_replayed_to_another_gate_is_refused(team: Team) -> None:
    from golive.errors import DecisionRefused

    rid = team.start("alice")
    assert cli("approve", rid, "--reason", "fine", "--key", str(team.key["bob"])).code == 0
    assert cli("resume", rid, "--no-wait").code == 3  # now waiting at phase 2
    with pytest.raises(DecisionRefused, match="signed to approve phase 1, recorded as approve phase 2"):
        _approve_with(team, rid, _signed_from(team, rid))


def test_a_signature_bound_to_an_older_head_is_refused(team: Team) -> None:
    from golive.errors import DecisionRefused
    from golive.seal.decision import payload_for, sign
    from golive.seal.keys import file_signer

    rid = team.start("alice")
    assert cli("approve", rid, "--reason", "fine", "--key", str(team.key["bob"])).code == 0
    assert cli("resume", rid, "--no-wait").code == 3
    events = team.events(rid)
    old = next(e for e in events if e["type"] == "gate.approved")  # a head from before phase 2's question
    created = events[0]["payload"]
    payload = payload_for(rid, str(created["plan_sha256"]), "approve", "phase 2", "fine",  # type: ignore[index]
                          "2026-01-01T00:00:00+00:00", int(old["seq"]), str(old["hash"]))  # type: ignore[call-overload]
    with pytest.raises(DecisionRefused, match="older chain head"):
        _approve_with(team, rid, sign(file_signer(team.key["bob"]), payload))


def test_a_key_file_signs_and_the_report_shows_it(team: Team) -> None:
    rid = team.finished_run()
    approval = next(e for e in team.events(rid) if e["type"] == "gate.approved")["payload"]
    assert approval["by"] == "bob" and approval["signature"]["method"] == "key-file"  # type: ignore[index]
    assert approval["os_user"] and approval["host"]  # type: ignore[index]
    md = cli("report", rid, "--format", "md").out
    assert "Signed decisions, checked against the run's signers file." in md
    assert "| approve phase 1 | bob | SHA256:" in md and "| SSH signature (key-file) | ✓ |" in md
    assert "| PCI-DSS 6.5.1 | Documented change approval by authorized parties | bob" in md
    assert "(verified SSH signatures) | evidence |" in md


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real ssh-agent on a socket of this test, stopped afterwards."""
    sock = tmp_path / "agent.sock"
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        import time

        deadline = time.monotonic() + 10
        while not sock.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "ssh-agent did not start"
            time.sleep(0.01)
        yield str(sock)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def test_keys_come_from_a_real_ssh_agent_first(team: Team, agent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = team.start("alice")
    env = {**os.environ, "SSH_AUTH_SOCK": agent}
    subprocess.run(["ssh-add", "-q", str(team.key["bob"])], env=env, check=True, stdin=subprocess.DEVNULL,
                   capture_output=True)
    monkeypatch.setenv("SSH_AUTH_SOCK", agent)
    r = cli("approve", rid, "--reason", "from the agent")  # no --key: the agent's key, and its name
    assert r.code == 0, r.err
    approval = next(e for e in team.events(rid) if e["type"] == "gate.approved")["payload"]
    assert approval["by"] == "bob" and approval["signature"]["method"] == "ssh-agent"  # type: ignore[index]
    assert "✓" in cli("audit", "verify", rid).out


def test_a_passphrase_protected_key_without_an_agent_is_a_clear_error(team: Team) -> None:
    rid = team.start("alice")
    locked = keygen(team.root / "keys", "locked", passphrase="correct horse")
    r = cli("approve", rid, "--by", "bob", "--reason", "x", "--key", str(locked))
    assert r.code == 2
    assert "protected by a passphrase and no ssh-agent holds it" in r.err and f"ssh-add {locked}" in r.err
    assert "correct horse" not in r.out + r.err


def test_without_signers_it_works_as_before_but_says_so(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    team = Team(workdir, monkeypatch)
    (workdir / "plan.yaml").write_text((workdir / "plan.yaml").read_text().replace("signers: signers\n", ""))
    r = cli("run", "plan.yaml", "--no-wait", "--as", "alice")
    assert r.code == 3, r.err
    rid = team.last_run()
    assert cli("approve", rid, "--by", "bob", "--reason", "x").code == 0
    md = cli("report", rid, "--format", "md").out
    assert "**Approvals not authenticated**" in md
    assert "approvals not authenticated (typed names; no signers file) | **MISSING** |" in md
    lint = cli("lint", "plan.yaml")
    assert "GL121 approvals-not-authenticated" in lint.out


CHECKLIST = """name: signed checklist
service: signedlist
environment: prod
signers: signers
separation_of_duties: true
approvers:
  release-manager: [alice, bob, dave]
phases:
  - name: One
    steps:
      - name: look at the dashboards
        manual: {instruction: the dashboards are green, role: release-manager}
      - shell: echo one
        undo: echo undo one
    gate:
      approvals: {role: release-manager, count: 1}
  - name: Two
    steps:
      - shell: echo two
"""


def _signature_of(team: Team, rid: str, type_: str, who: str) -> dict[str, object]:
    from sealkit import public

    payload = next(e["payload"] for e in team.events(rid) if e["type"] == type_)
    assert isinstance(payload, dict) and payload["by"] == who, payload
    sig = payload["signature"]
    assert sig["method"] == "key-file" and sig["key"] == public(team.key[who]), sig
    assert payload["os_user"] and payload["host"]
    return payload


def _verified(rid: str, *lines: str) -> None:
    r = cli("audit", "verify", rid)
    assert r.code == 0 and "audit chain intact" in r.out and "✗" not in r.out, r.out
    for line in lines:
        assert any(line in x and x.rstrip().endswith("✓") for x in r.out.splitlines()), (line, r.out)


def test_signed_confirm_reject_and_rollback_from_the_cli(team: Team) -> None:
    """Issue 13: every human decision is signed, not only approvals: a manual step confirmed, a gate rejected (by a
    key outside the approvers' role: anyone listed may say NO-GO) and a rollback requested, each from the CLI
    with a key file: exit 0, the signature recorded with the key's name, and `audit verify` checks each one."""
    (team.root / "plan.yaml").write_text(CHECKLIST)
    rid = team.start("alice")
    assert "step.waiting" in team.types(rid)
    unsigned = cli("confirm", rid, "1.1", "--by", "bob")
    assert unsigned.code == 2 and "takes only signed decisions" in unsigned.err
    outside = cli("confirm", rid, "1.1", "--reason", "green", "--key", str(team.key["carol"]))
    assert outside.code == 2 and "does not hold role 'release-manager'" in outside.err, outside.err
    ok = cli("confirm", rid, "1.1", "--reason", "all green", "--key", str(team.key["bob"]))
    assert ok.code == 0 and "confirmed by bob" in ok.out, ok.out + ok.err
    _signature_of(team, rid, "step.confirmed", "bob")
    assert cli("resume", rid, "--no-wait").code == 3  # now at the gate
    no = cli("reject", rid, "--reason", "error budget gone", "--key", str(team.key["carol"]))
    assert no.code == 0 and "NO-GO" in no.out, no.out + no.err
    _signature_of(team, rid, "gate.rejected", "carol")
    assert cli("resume", rid, "--no-wait").code == 1  # rolled back
    _verified(rid, "start run: alice SHA256:", "confirm step 1.1 done: bob SHA256:", "reject phase 1: carol SHA256:")

    second = team.start("alice")
    assert cli("confirm", second, "1.1", "--reason", "green", "--key", str(team.key["bob"])).code == 0
    assert cli("resume", second, "--no-wait").code == 3
    back = cli("rollback", second, "--reason", "customers report errors", "--key", str(team.key["carol"]))
    assert back.code == 0 and "rollback requested by carol" in back.out, back.out + back.err
    _signature_of(team, second, "rollback.requested", "carol")
    assert cli("resume", second, "--no-wait").code == 1
    assert team.types(second)[-2:] == ["run.finished", "audit.checkpoint"]
    _verified(second, "start run: alice SHA256:", "confirm step 1.1 done: bob SHA256:", "rollback run: carol SHA256:")


def test_a_replayed_signature_given_to_the_cli_exits_2_and_is_recorded(team: Team,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The replay refusals through the command, not only the decision code: no option of `golive approve` takes a
    ready-made signature, so the replay comes in where the command builds its decider (what a tampered key
    source would hand over): bob's signature from another run, then from another gate. Exit 2, the attempt on
    record, no approval."""
    import golive.cli.decide as decide
    from golive.seal.sealed import Decider

    first = team.finished_run()
    second = team.start("alice")
    with monkeypatch.context() as m:
        replayed = _signed_from(team, first)
        m.setattr(decide, "_decider", lambda args, store: Decider(signed=replayed))  # type: ignore[arg-type]
        r = cli("approve", second, "--reason", "fine")
    assert r.code == 2 and f"signed for run {first}, not {second}" in r.err, r.out + r.err
    assert team.types(second)[-1] == "decision.refused" and "gate.approved" not in team.types(second)

    assert cli("approve", second, "--reason", "fine", "--key", str(team.key["bob"])).code == 0
    assert cli("resume", second, "--no-wait").code == 3  # now waiting at phase 2
    with monkeypatch.context() as m:
        phase_one = _signed_from(team, second)
        m.setattr(decide, "_decider", lambda args, store: Decider(signed=phase_one))  # type: ignore[arg-type]
        r = cli("approve", second, "--reason", "fine")
    assert r.code == 2 and "signed to approve phase 1, recorded as approve phase 2" in r.err, r.out + r.err
    assert team.types(second)[-1] == "decision.refused"
    assert [e["payload"]["phase"] for e in team.events(second) if e["type"] == "gate.approved"] == [1]  # type: ignore[index]


@pytest.mark.parametrize("source", ["GOLIVE_SIGNERS", "team config"])
def test_signers_from_the_environment_or_the_team_config(team: Team, monkeypatch: pytest.MonkeyPatch,
                                                         source: str) -> None:
    """A plan without `signers:` takes them from $GOLIVE_SIGNERS, else from `signers:` in the team config (relative
    to that file): the run is then strict, as with the plan's own file."""
    (team.root / "plan.yaml").write_text((team.root / "plan.yaml").read_text().replace("signers: signers\n", ""))
    (team.root / "team").mkdir()
    (team.root / "signers").rename(team.root / "team" / "allowed_signers")
    if source == "GOLIVE_SIGNERS":
        monkeypatch.setenv("GOLIVE_SIGNERS", str(team.root / "team" / "allowed_signers"))
    else:
        (team.root / "team" / "team.yaml").write_text("signers: allowed_signers\n")
        monkeypatch.setenv("GOLIVE_TEAM_CONFIG", str(team.root / "team" / "team.yaml"))
    assert "GL121" not in cli("lint", "plan.yaml").out
    rid = team.start("alice")
    created = team.events(rid)[0]["payload"]
    assert str(created["signers"]["source"]).endswith("allowed_signers")  # type: ignore[index]
    unsigned = cli("approve", rid, "--by", "bob", "--reason", "x")
    assert unsigned.code == 2 and "takes only signed decisions" in unsigned.err, unsigned.err
    as_bob = cli("approve", rid, "--by", "bob", "--reason", "x", "--key", str(team.key["alice"]))
    assert as_bob.code == 2 and "belongs to alice, dave, not bob" in as_bob.err
    assert cli("approve", rid, "--reason", "fine", "--key", str(team.key["bob"])).code == 0
    _signature_of(team, rid, "gate.approved", "bob")
    _verified(rid, "start run: alice SHA256:", "approve phase 1: bob SHA256:")
