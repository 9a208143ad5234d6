"""Which SSH keys sign decisions: Ed25519 and RSA (the `sshsig` library verifies them), ECDSA on the three NIST
curves (golive.seal.ecdsa, with `cryptography`), each interchangeable with OpenSSH's `ssh-keygen -Y sign/verify`;
security keys (sk-) are refused when the signers file is read, with a message that says so."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from inproc import cli
from sealkit import Team, public


@pytest.fixture
def team(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    return Team(workdir, monkeypatch)


def _ecdsa(directory: Path, name: str, bits: int) -> Path:
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-b", str(bits), "-N", "", "-C", name, "-f", str(path)],
                   check=True, stdin=subprocess.DEVNULL)
    return path


@pytest.mark.parametrize("bits", [256, 384, 521])
def test_ecdsa_signatures_verify_both_ways_with_openssh(tmp_path: Path, bits: int) -> None:
    from golive.seal.decision import verify_signature
    from golive.seal.keys import NAMESPACE, file_signer

    key = _ecdsa(tmp_path, f"p{bits}", bits)
    signer = file_signer(key)
    ours = signer.sign(b"approve phase 1", NAMESPACE)
    assert verify_signature(b"approve phase 1", ours.sshsig, NAMESPACE) == signer.fingerprint
    with pytest.raises(ValueError, match="does not verify"):
        verify_signature(b"approve phase 2", ours.sshsig, NAMESPACE)
    with pytest.raises(ValueError, match="does not verify"):
        verify_signature(b"approve phase 1", ours.sshsig, "git")
    # OpenSSH accepts ours...
    (tmp_path / "allowed").write_text(f"bob {public(key)}\n")
    (tmp_path / "sig").write_text(ours.sshsig)
    r = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(tmp_path / "allowed"), "-I", "bob", "-n", NAMESPACE,
                        "-s", str(tmp_path / "sig")], input=b"approve phase 1", capture_output=True)
    assert r.returncode == 0, r.stderr
    # ...and we accept OpenSSH's.
    (tmp_path / "msg").write_bytes(b"approve phase 1")
    subprocess.run(["ssh-keygen", "-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(tmp_path / "msg")],
                   check=True, capture_output=True)
    theirs = (tmp_path / "msg.sig").read_text()
    assert verify_signature(b"approve phase 1", theirs, NAMESPACE) == signer.fingerprint


def test_an_ecdsa_key_approves_and_the_log_verifies(team: Team) -> None:
    bob = _ecdsa(team.root / "keys", "bob-ecdsa", 256)
    text = (team.root / "signers").read_text()
    team.write_signers(text.replace(f"bob {public(team.key['bob'])}", f"bob {public(bob)}"))
    rid = team.start("alice")
    r = cli("approve", rid, "--reason", "fine", "--key", str(bob))
    assert r.code == 0, r.err
    audit = cli("audit", "verify", rid)
    assert audit.code == 0 and "approve phase 1: bob SHA256:" in audit.out and "✗" not in audit.out, audit.out
    # a key that is not bob's, on the same curve, is still refused
    eve = _ecdsa(team.root / "keys", "eve", 256)
    assert cli("reject", rid, "--by", "bob", "--reason", "x", "--key", str(eve)).code == 2


def test_a_security_key_in_the_signers_file_is_refused_clearly(team: Team) -> None:
    team.write_signers((team.root / "signers").read_text()
                       + "erin sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t\n")
    r = cli("run", "plan.yaml", "--no-wait", "--key", str(team.key["alice"]))
    assert r.code == 2 and "signers:4:1: unsupported key type 'sk-ssh-ed25519@openssh.com'" in r.err, r.err
    assert "security-key (sk-)" in r.err and "Traceback" not in r.err


def test_an_ed25519_key_file_signs_without_asyncssh_and_as_asyncssh_does(tmp_path: Path) -> None:
    """The runner's key (Ed25519, OpenSSH format) is loaded and used through cryptography: the same public key and,
    Ed25519 being deterministic, the very bytes asyncssh's key would sign. Other keys still go through asyncssh."""
    from golive.lazy import load_asyncssh
    from golive.seal.keys import NAMESPACE, RUNNER_NAMESPACE, Signer, file_signer

    path = tmp_path / "ed"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ed", "-f", str(path)], check=True,
                   stdin=subprocess.DEVNULL)
    ours = file_signer(path, method="runner-key")
    assert type(ours._key).__module__ == "golive.seal.keys"
    theirs_key = load_asyncssh().import_private_key(path.read_bytes())
    theirs = Signer(theirs_key.public_data, theirs_key.get_algorithm(), "runner-key", key=theirs_key)
    assert (ours.public_line, ours.fingerprint) == (theirs.public_line, theirs.fingerprint)
    assert ours.public_line == " ".join(public(path).split()[:2])
    for namespace in (NAMESPACE, RUNNER_NAMESPACE):
        assert ours.sign(b"checkpoint 1", namespace) == theirs.sign(b"checkpoint 1", namespace)
    # an ECDSA key is not Ed25519: asyncssh's, as before
    assert type(file_signer(_ecdsa(tmp_path, "p256", 256))._key).__module__.startswith("asyncssh")
