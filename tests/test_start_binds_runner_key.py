"""A forger who can write the run log (or a bundle) but holds neither the initiator's key nor the runner's:
on a run whose only person signature is its start (no approval gates), they swap in their own runner key,
rewrite what the run did, re-sign every checkpoint and recompute every hash. The start signature must bind the
runner key and the signers file the run started with, so the swap fails `audit verify` at seq 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inproc import cli
from sealkit import Team, keygen

PLAN = """name: unattended
service: unattended
environment: prod
signers: signers
phases:
  - name: One
    steps:
      - name: the change
        shell: echo REAL-OUTCOME
  - name: Two
    steps:
      - shell: echo two
"""


def _forge(bundle: dict[str, Any], forger_key: Path, edit: Any) -> dict[str, Any]:
    """Swap the runner key, apply `edit` to each payload, re-sign every checkpoint, recompute every hash."""
    from golive.seal.checkpoint import CHECKPOINT, GENESIS, digest_of
    from golive.seal.decision import canonical
    from golive.seal.keys import RUNNER_NAMESPACE, file_signer
    from golive.store.chain import canonical_json, event_hash

    signer = file_signer(forger_key)
    rid = bundle["run"]
    out, prev_hash, prev_digest, hashes = [], GENESIS, GENESIS, {}
    for seq, ts, type_, payload_json, _prev, _hash in bundle["events"]:
        payload = json.loads(payload_json)
        if type_ == "run.created":
            payload["runner_key"] = signer.public_line
        payload = edit(type_, payload)
        if type_ == CHECKPOINT:
            covered = payload["covers"]["seq"]
            body = {"v": payload["v"], "run": rid, "n": payload["n"], "why": payload["why"],
                    "covers": {"seq": covered, "hash": hashes[covered]}, "prev": prev_digest,
                    "at": payload["at"], "key": signer.public_line}
            sig = signer.sign(canonical(body), RUNNER_NAMESPACE)
            prev_digest = digest_of(body)
            payload = {**body, "digest": prev_digest, "fingerprint": sig.fingerprint, "sshsig": sig.sshsig}
        pj = canonical_json(payload)
        digest = event_hash(rid, seq, ts, type_, pj, prev_hash)
        out.append([seq, ts, type_, pj, prev_hash, digest])
        hashes[seq], prev_hash = digest, digest
    return {**bundle, "events": out}


def _rewrite_output(type_: str, payload: dict[str, Any]) -> dict[str, Any]:
    if type_ == "step.finished" and "REAL-OUTCOME" in str(payload.get("output", "")):
        payload["output"] = str(payload["output"]).replace("REAL-OUTCOME", "FORGED-OUTCOME")
    return payload


@pytest.fixture
def team(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    t = Team(workdir, monkeypatch)
    (workdir / "plan.yaml").write_text(PLAN)
    return t


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n")


def _exported(team: Team) -> dict[str, Any]:
    """Alice's run of the plan, exported to bundle.json (what each forger starts from), as read back."""
    r = cli("run", "plan.yaml", "--no-wait", "--key", str(team.key["alice"]))
    assert r.code == 0, r.out + r.err
    assert cli("audit", "export", team.last_run(), "-o", "bundle.json").code == 0
    bundle: dict[str, Any] = json.loads((team.root / "bundle.json").read_text())
    return bundle


def test_a_swapped_runner_key_on_a_run_signed_only_at_its_start_fails_verify(team: Team) -> None:
    from golive.seal.bundle import verify_bundle
    from golive.seal.signers import AllowedSigners

    genuine = _exported(team)
    assert verify_bundle(team.root / "bundle.json").ok
    # the forger's own tools work: re-signing with the REAL runner key verifies (so a failure below is the swap)
    same = _forge(genuine, team.root / "runner" / "runner_ed25519", lambda _t, p: p)
    _write(team.root / "same.json", same)
    assert verify_bundle(team.root / "same.json").ok, verify_bundle(team.root / "same.json").failure

    forged = _forge(genuine, keygen(team.root / "keys", "mallory-runner"), _rewrite_output)
    assert "FORGED-OUTCOME" in json.dumps(forged)
    _write(team.root / "forged.json", forged)
    trusted = AllowedSigners.parse((team.root / "signers").read_text(), "signers")
    for audit in (verify_bundle(team.root / "forged.json"), verify_bundle(team.root / "forged.json", trusted)):
        assert not audit.ok, "a swapped runner key with re-signed checkpoints still verifies"
        assert audit.first_bad_seq == 1, audit.failure
        assert "runner key" in (audit.failure or ""), audit.failure


def test_a_swapped_signers_file_on_a_run_signed_only_at_its_start_fails_verify(team: Team) -> None:
    """The forger also lists their own key in the run's recorded signers file (to sign decisions later)."""
    from golive.seal.bundle import verify_bundle

    genuine = _exported(team)
    mallory = keygen(team.root / "keys", "mallory")
    line = " ".join(mallory.with_name("mallory.pub").read_text().split()[:2])

    def add_signer(type_: str, payload: dict[str, Any]) -> dict[str, Any]:
        if type_ == "run.created":
            payload["signers"] = {**payload["signers"], "text": payload["signers"]["text"] + f"bob {line}\n"}
        return payload

    forged = _forge(genuine, team.root / "runner" / "runner_ed25519", add_signer)
    _write(team.root / "forged.json", forged)
    audit = verify_bundle(team.root / "forged.json")
    assert not audit.ok and audit.first_bad_seq == 1, audit.failure


def test_a_bundle_cut_back_to_a_checkpoint_says_it_holds_no_end(team: Team) -> None:
    """Deleting a bundle's last events down to a checkpoint leaves a consistent log; verify must say the run's end
    is not in it instead of a bare "intact"."""
    from golive.seal.bundle import verify_bundle
    from golive.seal.checkpoint import CHECKPOINT

    whole = _exported(team)
    assert verify_bundle(team.root / "bundle.json").warnings == []
    seals = [i for i, e in enumerate(whole["events"]) if e[2] == CHECKPOINT]
    _write(team.root / "cut.json", {**whole, "events": whole["events"][: seals[-2] + 1]})
    cut = verify_bundle(team.root / "cut.json")
    assert cut.ok and not cut.finished
    assert any("holds no end of the run" in w for w in cut.warnings), cut.warnings
