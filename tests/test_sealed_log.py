"""The sealed log (issue 13): someone who can write the store rewrites, cuts back or splices a run's log and
recomputes every hash; `audit verify` still names the first seq that fails and `resume` refuses to act on it.
The exported bundle verifies with no store, and one changed byte fails it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from inproc import cli
from sealkit import Team, rehash_from, seq_of, sql


@pytest.fixture
def team(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    return Team(workdir, monkeypatch)


def _broken_at(run_id: str) -> int:
    r = cli("audit", "verify", run_id)
    assert r.code == 1, f"not detected:\n{r.out}"
    line = r.out.splitlines()[0]
    assert line.startswith(f"run {run_id}: audit chain BROKEN at seq "), line
    return int(line.split("BROKEN at seq ")[1].split(":")[0])


def _resume_refused(run_id: str) -> None:
    r = cli("resume", run_id, "--no-wait")
    assert r.code == 2 and "does not verify" in r.err and "refusing to act on it" in r.err, r.out + r.err


def test_a_finished_signed_run_verifies_and_says_who_signed_what(team: Team) -> None:
    rid = team.finished_run()
    r = cli("audit", "verify", rid)
    assert r.code == 0, r.out
    assert "audit chain intact" in r.out and "runner checkpoint(s)" in r.out
    assert "start run: alice SHA256:" in r.out and "approve phase 1: bob SHA256:" in r.out
    assert r.out.count("✓") == 3 and "✗" not in r.out
    types = team.types(rid)
    assert types[-1] == "audit.checkpoint" and types[-2] == "run.finished"


def test_rewriting_an_approval_and_recomputing_every_hash_is_detected(team: Team) -> None:
    rid = team.finished_run()
    seq = seq_of(team.db, rid, "gate.approved")
    payload = json.loads(sql(team.db, "SELECT payload FROM events WHERE run_id=? AND seq=?", rid, seq)[0][0])  # type: ignore[arg-type]
    payload["by"] = "dave"
    sql(team.db, "UPDATE events SET payload=? WHERE run_id=? AND seq=?",
        json.dumps(payload, sort_keys=True, separators=(",", ":")), rid, seq)
    rehash_from(team.db, rid, seq)
    assert _broken_at(rid) == seq  # the signature's key belongs to bob, not dave
    md = cli("report", rid, "--format", "md").out
    assert "The log does not verify" in md and "(verified SSH signatures)" not in md.split("dave")[-1]


def test_rewriting_an_unsigned_run_is_caught_by_the_runner_checkpoints(workdir: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    team = Team(workdir, monkeypatch)
    (workdir / "plan.yaml").write_text((workdir / "plan.yaml").read_text().replace("signers: signers\n", ""))
    assert cli("run", "plan.yaml", "--no-wait", "--as", "alice").code == 3
    rid = team.last_run()
    assert cli("approve", rid, "--by", "bob", "--reason", "ok").code == 0
    assert cli("resume", rid, "--no-wait").code == 3
    seq = seq_of(team.db, rid, "gate.approved")
    sql(team.db, "UPDATE events SET payload=replace(payload, '\"by\":\"bob\"', '\"by\":\"dave\"')"
                 " WHERE run_id=? AND seq=?", rid, seq)
    rehash_from(team.db, rid, seq)
    later = [s for s in [int(r[0]) for r in sql(team.db, "SELECT seq FROM events WHERE run_id=? AND type=?",  # type: ignore[call-overload]
                                                  rid, "audit.checkpoint")] if s > seq]
    assert _broken_at(rid) == later[0]  # the first checkpoint that signed the old head
    _resume_refused(rid)


def _truncate(team: Team, rid: str, drop: int, status: str | None) -> None:
    (last,) = sql(team.db, "SELECT max(seq) FROM events WHERE run_id=?", rid)[0]
    sql(team.db, "DELETE FROM events WHERE run_id=? AND seq>?", rid, int(last) - drop)  # type: ignore[call-overload]
    rehash_from(team.db, rid, 1)  # fixes the head columns
    if status is not None:
        sql(team.db, "UPDATE runs SET status=?, active=1 WHERE id=?", status, rid)


def test_truncating_and_fixing_the_head_is_caught_by_the_witness(team: Team) -> None:
    rid = team.finished_run()
    _truncate(team, rid, 6, status="waiting")  # the index looks like a paused run
    assert _broken_at(rid) > 0
    assert "held outside the store" in cli("audit", "verify", rid).out
    _resume_refused(rid)


def test_truncating_with_the_witness_gone_is_caught_by_the_index(team: Team) -> None:
    rid = team.finished_run()
    (team.root / "witness" / f"{rid}.json").unlink()
    _truncate(team, rid, 6, status=None)  # the index still says succeeded
    assert "the run index says succeeded but the log has no end" in cli("audit", "verify", rid).out
    _resume_refused(rid)


def test_dropping_only_the_final_checkpoint_is_caught(team: Team) -> None:
    rid = team.finished_run()
    (team.root / "witness" / f"{rid}.json").unlink()
    _truncate(team, rid, 1, status=None)
    out = cli("audit", "verify", rid).out
    assert "the run ended but its log does not end with the runner's final checkpoint" in out


def test_copying_an_approval_from_another_run_is_detected(team: Team) -> None:
    first = team.finished_run()
    second = team.start("alice")
    (row,) = sql(team.db, "SELECT ts, type, payload FROM events WHERE run_id=? AND type='gate.approved'"
                          " ORDER BY seq LIMIT 1", first)
    (last,) = sql(team.db, "SELECT max(seq) FROM events WHERE run_id=?", second)[0]
    seq = int(last) + 1  # type: ignore[call-overload]
    sql(team.db, "INSERT INTO events (run_id, seq, ts, type, payload, prev_hash, hash) VALUES (?,?,?,?,?,'','')",
        second, seq, *row)
    rehash_from(team.db, second, seq)
    assert _broken_at(second) == seq
    assert f"signed for run {first}" in cli("audit", "verify", second).out
    _resume_refused(second)


def test_the_bundle_verifies_with_no_store_and_one_changed_byte_fails(team: Team, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    rid = team.finished_run()
    assert cli("audit", "export", rid, "-o", "bundle.json").code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(team.root / "bundle.json", elsewhere / "b.json")
    shutil.rmtree(team.root / ".golive")
    shutil.rmtree(team.root / "witness")
    monkeypatch.chdir(elsewhere)
    ok = cli("audit", "verify", "--bundle", "b.json")
    assert ok.code == 0, ok.out
    assert "audit chain intact" in ok.out and "approve phase 2: bob" in ok.out
    from golive.seal.bundle import verify_bundle

    raw = (elsewhere / "b.json").read_bytes()
    changed = elsewhere / "changed.json"
    step = max(1, len(raw) // 400)
    for at in range(0, len(raw), step):
        for new in {raw[at] ^ 0x01, ord(" ") if raw[at] != ord(" ") else ord("\t")}:
            changed.write_bytes(raw[:at] + bytes([new]) + raw[at + 1:])
            assert not verify_bundle(changed).ok, f"byte {at} changed ({raw[at]!r} -> {new!r}) still verifies"
    changed.write_bytes(raw[:-1] + b" ")  # still JSON with the same content: only the canonical form catches it
    assert not verify_bundle(changed).ok
    changed.write_bytes(raw[: len(raw) // 2] + raw[len(raw) // 2 + 1:])
    bad = cli("audit", "verify", "--bundle", str(changed))
    assert bad.code == 1 and "BROKEN" in bad.out


def test_a_gate_checkpoint_digest_from_a_notification_must_be_in_the_log(team: Team) -> None:
    rid = team.start("alice")
    digests = [e["payload"]["digest"] for e in team.events(rid) if e["type"] == "audit.checkpoint"]  # type: ignore[index]
    assert cli("audit", "verify", rid, "--checkpoint", str(digests[-1])).code == 0
    assert cli("audit", "verify", rid, "--checkpoint", "ab" * 32).code == 1


def test_the_fast_event_hash_is_the_canonical_json_hash() -> None:
    """event_hash builds its JSON by hand for speed; it must stay byte-for-byte canonical_json's."""
    import hashlib
    import random

    from golive.store.chain import canonical_json, event_hash

    rng = random.Random(13)
    alphabet = "aZ9é\u2028\x00\x1f\"\\/\n\t😀<>&\u202e "
    for _ in range(2000):
        parts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(5)]
        args = (parts[0], rng.randint(0, 10**12), parts[1], parts[2], parts[3], parts[4])
        assert event_hash(*args) == hashlib.sha256(canonical_json(list(args)).encode("utf-8")).hexdigest()


def test_a_checkpoint_sealed_while_the_log_is_audited_is_not_taken_for_a_cut(team: Team,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen in CI: ten resumes of one run at once; one sealed a checkpoint (append, then witness) while another
    audited the run. Read after the log, the witness named a checkpoint the log it had read did not hold yet."""
    import golive.seal.checkpoint as checkpoint
    from golive.seal.keys import runner_signer
    from golive.seal.verify import audit_run
    from golive.store.factory import open_store

    rid = team.start("alice")
    store = open_store(str(team.db))
    read = checkpoint.read_witness

    def sealed_meanwhile(run_id: str) -> dict[str, object] | None:
        checkpoint.Sealer(store, run_id, runner_signer()).seal("concurrent")  # the other process, at the worst time
        return read(run_id)

    monkeypatch.setattr(checkpoint, "read_witness", sealed_meanwhile)
    audit = audit_run(store, rid)
    assert audit.failure is None, audit.failure
    assert audit.checkpoints == len([t for t in team.types(rid) if t == "audit.checkpoint"])
