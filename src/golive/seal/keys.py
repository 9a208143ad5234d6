"""Whose key signs: a key held by ssh-agent (tried first), or a private key file; and the runner's own key.

The SSHSIG blob is built here (the format is a few length-prefixed strings, RFC-style); the signature inside
it comes from asyncssh, from the agent or the loaded key, so no private key material passes through our code
when an agent holds it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from cryptography.exceptions import UnsupportedAlgorithm
from msgspec import Struct
from sshsig.sshsig import ssh_enarmor_sshsig

from golive.errors import UsageError
from golive.lazy import load_asyncssh

if TYPE_CHECKING:
    import asyncssh
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
# asyncssh is loaded on first signature only (load_asyncssh: importing it directly runs ldconfig and gcc, see
# golive.lazy): verifying, which `audit verify` and every read of a log do, never needs it (~0.1 s of CPU).

NAMESPACE = "golive-decision@golive"
RUNNER_NAMESPACE = "golive-checkpoint@golive"
#: A server (the web console) vouching that it authenticated a person who made a decision: a key listed in the
#: signers file with `namespaces="golive-vouch@golive"` signs in this namespace only, never as a person.
VOUCH_NAMESPACE = "golive-vouch@golive"


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def signed_blob(message: bytes, namespace: str) -> bytes:
    """What SSHSIG actually signs: magic, namespace, reserved, hash algorithm, H(message)."""
    return (b"SSHSIG" + _string(namespace.encode()) + _string(b"") + _string(b"sha512")
            + _string(hashlib.sha512(message).digest()))


def armor(public_blob: bytes, namespace: str, signature: bytes) -> str:
    raw = (b"SSHSIG" + struct.pack(">I", 1) + _string(public_blob) + _string(namespace.encode()) + _string(b"")
           + _string(b"sha512") + _string(signature))
    return str(ssh_enarmor_sshsig(raw))


def fingerprint(public_line_or_blob: str | bytes) -> str:
    """OpenSSH's SHA256:... fingerprint of a public key (an `ssh-ed25519 AAAA...` line or the raw blob)."""
    if isinstance(public_line_or_blob, str):
        blob = base64.b64decode(public_line_or_blob.split()[1])
    else:
        blob = public_line_or_blob
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


class Signature(Struct, frozen=True):
    """One SSHSIG signature as the log keeps it: who (public key, fingerprint), how, and the armored text."""

    key: str  # "ssh-ed25519 AAAA..." (no comment)
    fingerprint: str
    method: str  # "ssh-agent" | "key-file" | "runner-key"
    sshsig: str


class _KeyInMemory(Protocol):
    """What `Signer` uses of a loaded private key: asyncssh's SSHKey, or `_Ed25519Key`."""

    @property
    def sig_algorithms(self) -> Sequence[bytes]: ...

    def sign(self, data: bytes, sig_algorithm: bytes) -> bytes: ...


class _Ed25519Key:
    """An Ed25519 private key signing through cryptography (already loaded: sshsig needs it), giving the bytes
    asyncssh's SSHKey.sign gives: string("ssh-ed25519") + string(64-byte signature). Ed25519 signatures are
    deterministic, so the signature is the very same. Why: loading asyncssh costs ~0.1 s of CPU, which a run
    whose plan contacts no host over SSH (a local shell plan) paid only to sign its checkpoints with the
    runner's Ed25519 key."""

    sig_algorithms: Sequence[bytes] = (b"ssh-ed25519",)

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, data: bytes, sig_algorithm: bytes) -> bytes:
        if sig_algorithm != b"ssh-ed25519":
            raise ValueError("Unrecognized signature algorithm")
        return _string(sig_algorithm) + _string(self._key.sign(data))


class Signer:
    """Signs with one key. `sign` is synchronous for callers (the CLI, the web console's handlers)."""

    def __init__(self, public_blob: bytes, algorithm: str, method: str,
                 key: asyncssh.SSHKey | _KeyInMemory | None = None, agent_path: str | None = None) -> None:
        self.public_blob = public_blob
        self.algorithm = algorithm
        self.method = method
        self._key = key
        self._agent_path = agent_path

    @property
    def public_line(self) -> str:
        return f"{self.algorithm} {base64.b64encode(self.public_blob).decode()}"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_blob)

    def sign(self, message: bytes, namespace: str = NAMESPACE) -> Signature:
        blob = signed_blob(message, namespace)
        if self._key is not None:
            alg = b"rsa-sha2-512" if self.algorithm == "ssh-rsa" else self._key.sig_algorithms[0]
            raw = self._key.sign(blob, alg)
        else:
            import asyncio  # only for an agent: reading and verifying signatures never loads it

            raw = asyncio.run(self._agent_sign(blob))
        return Signature(self.public_line, self.fingerprint, self.method, armor(self.public_blob, namespace, raw))

    async def _agent_sign(self, blob: bytes) -> bytes:
        ssh = load_asyncssh()
        agent = await ssh.connect_agent(self._agent_path)
        if agent is None:
            raise UsageError("ssh-agent went away while signing (SSH_AUTH_SOCK)")
        try:
            for pair in await agent.get_keys():
                if pair.public_data == self.public_blob and isinstance(pair, ssh.agent.SSHAgentKeyPair):
                    if self.algorithm == "ssh-rsa":
                        pair.set_sig_algorithm(b"rsa-sha2-512")
                    return bytes(await pair.sign_async(blob))
            raise UsageError("the key is no longer in ssh-agent")
        finally:
            agent.close()


async def _agent_keys(path: str) -> list[tuple[bytes, str]]:
    agent = await load_asyncssh().connect_agent(path)
    if agent is None:
        return []
    try:
        return [(pair.public_data, pair.algorithm.decode()) for pair in await agent.get_keys()]
    finally:
        agent.close()


def agent_signer(wanted: set[str] | None) -> Signer | None:
    """A key held by ssh-agent ($SSH_AUTH_SOCK): the first whose fingerprint is in `wanted` (the keys the signers
    file allows), or the first key at all when nothing narrows it. None without an agent or a fitting key."""
    path = os.environ.get("SSH_AUTH_SOCK", "").strip()
    if not path or not Path(path).exists():
        return None
    import asyncio

    try:
        keys = asyncio.run(_agent_keys(path))
    except (OSError, load_asyncssh().Error):
        return None
    for blob, algorithm in keys:
        if algorithm.startswith("ssh-rsa") or algorithm.startswith("rsa-sha2"):
            algorithm = "ssh-rsa"
        if wanted is None or fingerprint(blob) in wanted:
            return Signer(blob, algorithm, "ssh-agent", agent_path=path)
    return None


def key_signer(private_key: bytes, method: str) -> Signer:
    """A signer over a private key already in memory (PEM: OpenSSH or PKCS#8), e.g. the web console's server key
    sealing decisions made in the browser (method "server-key"): `Decider(name=person, signer=key_signer(...))`."""
    key = load_asyncssh().import_private_key(private_key)
    algorithm = key.get_algorithm()
    return Signer(key.public_data, "ssh-rsa" if algorithm.startswith("ssh-rsa") else algorithm, method, key=key)


def file_signer(path: Path, method: str = "key-file") -> Signer:
    """A private key file. An encrypted one is refused with a clear message: golive never prompts for a
    passphrase (it may run unattended); such a key belongs in ssh-agent."""
    try:
        data = path.expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the signing key {path}: {exc.strerror or exc}") from None
    fast = _ed25519_signer(data, method)
    if fast is not None:
        return fast
    ssh = load_asyncssh()
    try:
        key = ssh.import_private_key(data)
    except ssh.KeyImportError as exc:
        if "assphrase" in str(exc):
            raise UsageError(f"the signing key {path} is protected by a passphrase and no ssh-agent holds it;"
                             f" add it to the agent (ssh-add {path}) and try again") from None
        raise UsageError(f"{path} is not a private key golive can use: {exc}") from None
    algorithm = key.get_algorithm()
    public_blob = key.public_data
    return Signer(public_blob, "ssh-rsa" if algorithm.startswith("ssh-rsa") else algorithm, method, key=key)


_OPENSSH_PEM = b"-----BEGIN OPENSSH PRIVATE KEY-----"


def _ed25519_signer(data: bytes, method: str) -> Signer | None:
    """An unencrypted OpenSSH-format Ed25519 key (what `golive keygen` and `ssh-keygen -t ed25519` write) as a
    signer without asyncssh (see `_Ed25519Key`); None for anything else (another key type, a passphrase, PKCS#8,
    a file cryptography cannot read), which asyncssh then loads as before, with its messages."""
    if not data.lstrip().startswith(_OPENSSH_PEM):
        return None
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_ssh_private_key

    try:
        key = load_ssh_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    if not isinstance(key, Ed25519PrivateKey):
        return None
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return Signer(_string(b"ssh-ed25519") + _string(raw), "ssh-ed25519", method, key=_Ed25519Key(key))


def load_signer(key_path: str | None, wanted: set[str] | None) -> Signer | None:
    """The person's signer: ssh-agent first, then `--key PATH` (or $GOLIVE_KEY). None if neither is there."""
    from_agent = agent_signer(wanted)
    if from_agent is not None:
        return from_agent
    key_path = key_path or os.environ.get("GOLIVE_KEY", "").strip() or None
    if key_path:
        return file_signer(Path(key_path))
    return None


def default_runner_key_path() -> Path:
    env = os.environ.get("GOLIVE_RUNNER_KEY", "").strip()
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "golive" / "runner_ed25519"


def keygen(path: Path, comment: str) -> str:
    """Write a new unencrypted Ed25519 key (mode 600) and its .pub; returns the public line."""
    key = load_asyncssh().generate_private_key("ssh-ed25519", comment=comment)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key())
    public: str = key.export_public_key().decode().strip()
    path.with_name(path.name + ".pub").write_text(public + "\n", encoding="utf-8")
    return public


def runner_signer() -> Signer:
    """The runner's key for checkpoints: $GOLIVE_RUNNER_KEY or ~/.config/golive/runner_ed25519, made on first use
    (like an SSH host key) so every run is sealed; `golive keygen` makes it explicitly."""
    path = default_runner_key_path()
    if not path.exists():
        import socket

        try:
            keygen(path, f"golive-runner@{socket.gethostname()}")
        except FileExistsError:
            pass  # another run made it meanwhile
        except OSError as exc:
            raise UsageError(f"cannot create the runner's signing key {path}: {exc.strerror or exc}") from None
    return file_signer(path, method="runner-key")
