"""A bundle made from scratch: someone runs golive on their own machine with their own keys, a signers file
naming those keys "alice" and "bob", and exports the run. Verified with the bundle alone it is consistent by
itself, so `audit verify --bundle` must not tell the auditor that alice and bob signed it: it says the keys were
checked only against the signers file the log carries. Given the team's own signers file, it fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from inproc import cli
from sealkit import Team, keygen, public


def test_a_bundle_signed_by_keys_it_names_itself_is_not_taken_for_the_teams(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forger = Team(workdir, monkeypatch)  # every key in it is the forger's, under the team's names
    rid = forger.finished_run()
    assert cli("audit", "export", rid, "-o", "bundle.json").code == 0
    elsewhere = workdir / "auditor"
    elsewhere.mkdir()
    shutil.copy(workdir / "bundle.json", elsewhere / "b.json")
    real = {n: keygen(elsewhere, n) for n in ("alice", "bob")}
    (elsewhere / "team_signers").write_text("".join(f"{n} {public(k)}\n" for n, k in real.items()))
    monkeypatch.chdir(elsewhere)

    alone = cli("audit", "verify", "--bundle", "b.json")
    assert alone.code == 0, alone.out  # consistent by itself: nothing in it was changed after it was written
    assert "checked against the signers file the log itself carries" in alone.out, alone.out
    assert "--signers FILE" in alone.out
    assert "signers file the log carries)" in alone.out, alone.out
    assert "signed, checked against the signers file\n" not in alone.out

    checked = cli("audit", "verify", "--bundle", "b.json", "--signers", "team_signers")
    assert checked.code == 1, checked.out
    assert "the key does not belong to alice" in checked.out, checked.out
    assert "the log itself carries" not in checked.out
