"""`golive resume --take-over` is a signed decision (issue 13). A runner dies on another host (`unshare -u` gives it
its own hostname) with its own runner key; here, with a different runner key, taking the run over needs a person's
key from the signers file (refused and recorded otherwise), and that signed decision names this machine's runner
key, so the checkpoints after it verify, in the store and in an exported bundle. Swapping the runner key that a
take-over names, and re-sealing every later checkpoint with it, is detected."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import until
from inproc import cli
from sealkit import Team, keygen, seq_of, sql

PLAN = """name: signed
service: signed
environment: prod
signers: signers
separation_of_duties: true
approvers:
  release-manager: [alice, bob, dave]
phases:
  - name: One
    steps:
      - shell: echo one
    gate:
      approvals: {role: release-manager, count: 1}
  - name: Two
    steps:
      - shell: echo two
"""


@pytest.fixture
def team(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    t = Team(workdir, monkeypatch)
    (workdir / "plan.yaml").write_text(PLAN)
    monkeypatch.setenv("GOLIVE_LEASE", "2s")
    return t


def _died_on_another_host(team: Team) -> str:
    """alice starts the run on `otherhost` with that host's runner key; it waits at the gate; the host is lost."""
    env = {**os.environ, "GOLIVE_RUNNER_KEY": str(team.root / "otherhost" / "runner_ed25519")}
    child = subprocess.Popen(
        ["unshare", "-u", "sh", "-c", f"hostname otherhost && exec {sys.executable} -m golive run plan.yaml --wait"
                                      f" --key {team.key['alice']}"],
        cwd=team.root, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        def waiting() -> bool:
            assert child.poll() is None, child.stdout.read() if child.stdout else ""
            rows = json.loads(cli("runs", "--json").out or "[]") if team.db.exists() else []
            return bool(rows) and rows[0]["status"] == "waiting"
        until("the run to wait at its gate", waiting, timeout=90)
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the pod is gone, no goodbye
        child.wait(timeout=30)
    rid = team.last_run()
    until("the lost owner's lease to run out",
          lambda: json.loads(cli("status", rid, "--json").out)["process"] is None, timeout=90)
    return rid


def _runner_line(path: Path) -> str:
    return " ".join(path.with_name(path.name + ".pub").read_text().split()[:2])


def test_take_over_on_another_machine_is_signed_and_hands_over_the_runner_key(team: Team, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    rid = _died_on_another_host(team)
    created = team.events(rid)[0]["payload"]
    assert created["runner_key"] == _runner_line(team.root / "otherhost" / "runner_ed25519")  # type: ignore[index]

    plain = cli("resume", rid, "--no-wait")
    assert plain.code == 2 and "--take-over" in plain.err, plain.err
    assert cli("resume", rid, "--take-over", "--no-wait", "--key", str(team.key["bob"])).code == 2  # no reason

    unsigned = cli("resume", rid, "--take-over", "--no-wait", "--reason", "pod gone")
    assert unsigned.code == 2 and "takes only signed decisions" in unsigned.err, unsigned.err
    mallory = keygen(team.root / "keys", "mallory")
    outsider = cli("resume", rid, "--take-over", "--no-wait", "--reason", "pod gone", "--key", str(mallory))
    assert outsider.code == 2 and "is not in the signers file" in outsider.err, outsider.err
    as_other = cli("resume", rid, "--take-over", "--no-wait", "--reason", "pod gone", "--by", "bob",
                   "--key", str(team.key["carol"]))
    assert as_other.code == 2 and "belongs to carol, not bob" in as_other.err, as_other.err
    refused = [e["payload"] for e in team.events(rid) if e["type"] == "decision.refused"]
    assert [p["decision"] for p in refused] == ["take-over"] * 3  # type: ignore[index]
    assert "run.taken_over" not in team.types(rid)

    took = cli("resume", rid, "--take-over", "--no-wait", "--reason", "pod gone", "--key", str(team.key["carol"]))
    assert took.code == 3, took.out + took.err  # still at the gate, now owned here
    here = _runner_line(team.root / "runner" / "runner_ed25519")
    events = team.events(rid)
    taken = next(e for e in events if e["type"] == "run.taken_over")
    p = taken["payload"]
    assert p["by"] == "carol" and p["runner_key"] == here and p["from"]["host"] == "otherhost"  # type: ignore[index]
    assert p["signature"]["method"] == "key-file" and p["signed"]["decision"] == "take-over"  # type: ignore[index]
    assert p["signed"]["reason"] == "pod gone" and p["signed"]["run"] == rid  # type: ignore[index]
    after = [e["payload"]["key"] for e in events if e["type"] == "audit.checkpoint"  # type: ignore[index]
             and int(e["seq"]) > int(taken["seq"])]  # type: ignore[call-overload]
    assert after and set(after) == {here}

    assert cli("approve", rid, "--reason", "fine", "--key", str(team.key["bob"])).code == 0
    done = cli("resume", rid, "--no-wait")
    assert done.code == 0, done.out + done.err
    audit = cli("audit", "verify", rid)
    assert audit.code == 0, audit.out
    assert "take-over run, runner key SHA256:" in audit.out and "carol SHA256:" in audit.out
    assert ", then SHA256:" in audit.out and "✗" not in audit.out
    md = cli("report", rid, "--format", "md").out
    assert "| take-over run, runner key SHA256:" in md and "| carol |" in md

    # the bundle verifies on a machine with no store and no witness
    assert cli("audit", "export", rid, "-o", "bundle.json").code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(team.root / "bundle.json", elsewhere / "b.json")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("GOLIVE_WITNESS_DIR", str(elsewhere / "no-witness"))
    offline = cli("audit", "verify", "--bundle", "b.json")
    assert offline.code == 0 and "take-over run" in offline.out, offline.out


def _reseal(db: Path, rid: str, from_seq: int, runner_key: Path) -> None:
    """A forger who holds a runner key of their own: recompute every hash from `from_seq` and re-sign each later
    checkpoint (covers, prev, key, digest, signature) with that key, so the chain and checkpoints are consistent."""
    from golive.seal.checkpoint import GENESIS, body_of, digest_of
    from golive.seal.decision import canonical
    from golive.seal.keys import RUNNER_NAMESPACE, file_signer
    from golive.store.chain import GENESIS as CHAIN_GENESIS
    from golive.store.chain import event_hash

    signer = file_signer(runner_key, method="runner-key")
    prev_hash, prev_digest, hashes = CHAIN_GENESIS, GENESIS, {}
    with contextlib.closing(sqlite3.connect(db)) as con:
        rows = con.execute("SELECT seq, ts, type, payload, hash FROM events WHERE run_id=? ORDER BY seq",
                           (rid,)).fetchall()
        for seq, ts, type_, payload, digest in rows:
            if type_ == "audit.checkpoint":
                p = json.loads(payload)
                if seq > from_seq:
                    body = {**body_of(p), "covers": {"seq": p["covers"]["seq"], "hash": hashes[p["covers"]["seq"]]},
                            "prev": prev_digest, "key": signer.public_line}
                    sig = signer.sign(canonical(body), RUNNER_NAMESPACE)
                    p = {**body, "digest": digest_of(body), "fingerprint": sig.fingerprint, "sshsig": sig.sshsig}
                    payload = json.dumps(p, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                    con.execute("UPDATE events SET payload=? WHERE run_id=? AND seq=?", (payload, rid, seq))
                prev_digest = p["digest"]
            if seq >= from_seq:
                digest = event_hash(rid, seq, ts, type_, payload, prev_hash)
                con.execute("UPDATE events SET prev_hash=?, hash=? WHERE run_id=? AND seq=?",
                            (prev_hash, digest, rid, seq))
            hashes[seq] = digest
            prev_hash = digest
        con.execute("UPDATE runs SET head_seq=?, head_hash=? WHERE id=?", (rows[-1][0], prev_hash, rid))
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def test_a_take_over_rewritten_to_another_runner_key_fails_verify(team: Team,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Same host here (the runner key is what matters): a paused run continued with another runner key needs a
    take-over, which names it; a forger swaps in their own runner key and re-seals everything after it."""
    rid = team.start("alice")
    assert cli("approve", rid, "--reason", "fine", "--key", str(team.key["bob"])).code == 0
    monkeypatch.setenv("GOLIVE_RUNNER_KEY", str(team.root / "second" / "runner_ed25519"))
    refused = cli("resume", rid, "--no-wait")
    assert refused.code == 2 and "another runner key" in refused.err and "--take-over" in refused.err
    took = cli("resume", rid, "--take-over", "--no-wait", "--reason", "moved", "--key", str(team.key["bob"]))
    assert took.code == 0, took.err  # no person's decision after it: only the runner's events and checkpoints
    taken = team.events(rid)[seq_of(team.db, rid, "run.taken_over") - 1]
    assert taken["payload"]["from"] == {}  # type: ignore[index]  # nobody held it: the runner key moved
    assert cli("audit", "verify", rid).code == 0

    seq = int(taken["seq"])  # type: ignore[call-overload]
    forged = keygen(team.root / "keys", "forged-runner")
    payload = json.loads(sql(team.db, "SELECT payload FROM events WHERE run_id=? AND seq=?", rid, seq)[0][0])  # type: ignore[arg-type]
    payload["runner_key"] = " ".join(forged.with_name("forged-runner.pub").read_text().split()[:2])
    sql(team.db, "UPDATE events SET payload=? WHERE run_id=? AND seq=?",
        json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False), rid, seq)
    _reseal(team.db, rid, seq, forged)
    (team.root / "witness" / f"{rid}.json").unlink()  # and the copy outside the store is gone too
    r = cli("audit", "verify", rid)
    assert r.code == 1 and r.out.startswith(f"run {rid}: audit chain BROKEN at seq {seq}: take-over"), r.out
    assert "signed to take-over run, runner key" in r.out


def test_without_signers_a_take_over_is_recorded_unauthenticated(workdir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    team = Team(workdir, monkeypatch)
    (workdir / "plan.yaml").write_text(PLAN.replace("signers: signers\n", ""))
    assert cli("run", "plan.yaml", "--no-wait", "--as", "alice").code == 3
    rid = team.last_run()
    monkeypatch.setenv("GOLIVE_RUNNER_KEY", str(workdir / "second" / "runner_ed25519"))
    assert cli("resume", rid, "--take-over", "--by", "bob", "--no-wait").code == 3
    assert cli("approve", rid, "--by", "bob", "--reason", "ok").code == 0
    assert cli("resume", rid, "--no-wait").code == 0
    r = cli("audit", "verify", rid)
    assert r.code == 0 and "take-over run, runner key SHA256:" in r.out and "[unauthenticated]" in r.out, r.out
