"""What the console keeps on disk, beside the run log: local accounts (argon2id hashes and TOTP seeds), personal API
tokens (only their SHA-256 is kept: a token is 256 random bits, so a slow hash adds nothing), the session
cookie's signing secret and the server's Ed25519 key (OpenSSH format) that seals decisions made in the browser.

Files are written whole (temporary file + rename) with mode 0600; the server reads them at each use, so
`golive web user add` takes effect without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from golive.errors import UsageError

TOKEN_PREFIX = "glv_"
_HASHER = PasswordHasher()  # argon2id with the library's current parameters
#: Verified against when the account does not exist, so a wrong name costs the same time as a wrong password.
_DUMMY = _HASHER.hash(secrets.token_hex(16))


_READ: dict[Path, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _READ.pop(path, None)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> dict[str, Any]:
    """The file as it is on disk now (read again when its inode, mtime or size changed: files are replaced whole,
    so a change always shows): every request checks the session's account, and a stat is cheaper than a parse."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
    hit = _READ.get(path)
    if hit is None or hit[0] != stamp:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        hit = _READ[path] = (stamp, data)
    return dict(hit[1])


@dataclass(frozen=True)
class TokenGrant:
    token_id: str
    person: str
    role: str
    expires: str
    #: The local accounts the token was made for, each with its epoch then (empty: a person without one).
    accounts: tuple[tuple[str, str], ...] = ()


class Accounts:
    """The console's state directory (default `web/` beside the run log)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.users_file = directory / "users.json"
        self.tokens_file = directory / "tokens.json"

    # -- local accounts ---------------------------------------------------------------------------------
    def add_user(self, name: str, password: str, totp: bool) -> str | None:
        """Create or replace a local account; returns the TOTP seed (base32) when a second factor is wanted."""
        import pyotp

        name = name.strip()
        if not name or any(c.isspace() for c in name):
            raise UsageError("an account name is one word")
        if len(password) < 12:
            raise UsageError("a password has at least 12 characters")
        users = _read_json(self.users_file)
        seed = pyotp.random_base32() if totp else None
        users[name] = {"argon2id": _HASHER.hash(password), "totp": seed,
                       "created": datetime.now(UTC).isoformat(timespec="seconds"), "epoch": secrets.token_hex(8)}
        write_private(self.users_file, json.dumps(users, indent=2))
        return seed

    def set_password(self, name: str, password: str) -> None:
        """A new password for an existing account; a new epoch, so every session of the account ends."""
        if len(password) < 12:
            raise UsageError("a password has at least 12 characters")
        users = _read_json(self.users_file)
        if name not in users:
            raise UsageError(f"no local account {name}")
        users[name] = {**users[name], "argon2id": _HASHER.hash(password), "epoch": secrets.token_hex(8),
                       "changed": datetime.now(UTC).isoformat(timespec="seconds")}
        write_private(self.users_file, json.dumps(users, indent=2))

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (or enable again) an account: a disabled one cannot log in, and its sessions end at once."""
        users = _read_json(self.users_file)
        if name not in users:
            raise UsageError(f"no local account {name} in {self.users_file}")
        users[name] = {**users[name], "disabled": disabled, "epoch": secrets.token_hex(8)}
        write_private(self.users_file, json.dumps(users, indent=2))

    def epoch(self, name: str) -> str | None:
        """What a session of this account must have recorded to stay valid; None when the account is gone or
        disabled. Changes with each new password, each disable and each re-creation."""
        user = _read_json(self.users_file).get(name)
        if not user or user.get("disabled"):
            return None
        return str(user.get("epoch") or user.get("created") or "")

    def check_password(self, name: str, password: str) -> bool:
        user = _read_json(self.users_file).get(name)
        if user and user.get("disabled"):
            user = None  # the same work and the same answer as a wrong password
        try:
            return _HASHER.verify(user["argon2id"] if user else _DUMMY, password) and user is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_totp(self, name: str) -> bool:
        user = _read_json(self.users_file).get(name)
        return bool(user and user.get("totp"))

    def check_totp(self, name: str, code: str, used: set[tuple[str, int]]) -> bool:
        """A current code (one step of clock skew either way), each usable once (`used` remembers them)."""
        import pyotp

        user = _read_json(self.users_file).get(name)
        if not user or not user.get("totp") or not code.strip().isdigit():
            return False
        totp = pyotp.TOTP(user["totp"])
        now = datetime.now(UTC)
        for drift in (-1, 0, 1):
            at = now + timedelta(seconds=30 * drift)
            step = totp.timecode(at)
            if hmac.compare_digest(totp.at(at), code.strip()) and (name, step) not in used:
                used.add((name, step))
                return True
        return False

    # -- API tokens -------------------------------------------------------------------------------------
    def has_user(self, name: str) -> bool:
        return name in _read_json(self.users_file)

    def add_token(self, person: str, role: str, lifetime: float,
                  accounts: tuple[str, ...] = ()) -> tuple[str, TokenGrant]:
        """A new personal token: returned once, kept only as its SHA-256. It records the epoch of each local
        account of its person (`accounts`), so disabling one, or a new password, ends it as it ends sessions."""
        bound: dict[str, str] = {}
        for name in accounts:
            epoch = self.epoch(name)
            if epoch is None:
                raise UsageError(f"local account {name} is disabled: no token for it")
            bound[name] = epoch
        token_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        expires = (datetime.now(UTC) + timedelta(seconds=lifetime)).isoformat(timespec="seconds")
        tokens = _read_json(self.tokens_file)
        tokens[token_id] = {"sha256": hashlib.sha256(secret.encode()).hexdigest(), "person": person,
                            "role": role, "expires": expires, "accounts": bound,
                            "created": datetime.now(UTC).isoformat(timespec="seconds")}
        write_private(self.tokens_file, json.dumps(tokens, indent=2))
        return f"{TOKEN_PREFIX}{token_id}_{secret}", TokenGrant(token_id, person, role, expires,
                                                                tuple(bound.items()))

    def revoke_token(self, token_id: str) -> bool:
        tokens = _read_json(self.tokens_file)
        if tokens.pop(token_id, None) is None:
            return False
        write_private(self.tokens_file, json.dumps(tokens, indent=2))
        return True

    def check_token(self, presented: str) -> TokenGrant | None:
        if not presented.startswith(TOKEN_PREFIX) or "_" not in presented[len(TOKEN_PREFIX):]:
            return None
        token_id, secret = presented[len(TOKEN_PREFIX):].split("_", 1)
        rec = _read_json(self.tokens_file).get(token_id)
        if not rec:
            return None
        digest = hashlib.sha256(secret.encode()).hexdigest()
        if not hmac.compare_digest(digest, str(rec["sha256"])):
            return None
        if datetime.fromisoformat(rec["expires"]) <= datetime.now(UTC):
            return None
        bound = rec.get("accounts")
        if not isinstance(bound, dict):
            # Made before tokens recorded their accounts: an account of the same name must at least not be
            # disabled (its epoch then is unknown, so a new password cannot be told from here).
            user = _read_json(self.users_file).get(str(rec["person"]))
            if user and user.get("disabled"):
                return None
            bound = {}
        if any(self.epoch(name) != epoch for name, epoch in bound.items()):
            return None  # an account it was made for is disabled, gone, re-created or has a new password
        return TokenGrant(token_id, rec["person"], rec["role"], rec["expires"],
                          tuple((str(k), str(v)) for k, v in bound.items()))

    # -- server secrets ---------------------------------------------------------------------------------
    def session_secret(self) -> str:
        path = self.dir / "session.secret"
        if not path.exists():
            write_private(path, secrets.token_urlsafe(48))
        return path.read_text(encoding="utf-8").strip()

    def server_key(self) -> Ed25519PrivateKey:
        """The key that seals browser decisions, in OpenSSH format (`server-key`, public half in `server-key.pub`),
        so the same key can sign SSHSIG decisions and be listed in an allowed_signers file."""
        path = self.dir / "server-key"
        if not path.exists():
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                    serialization.NoEncryption())
            write_private(path, pem.decode())
            public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
            (self.dir / "server-key.pub").write_text(public.decode() + " golive-web\n", encoding="utf-8")
        loaded = serialization.load_ssh_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise UsageError(f"{path} is not an Ed25519 key")
        return loaded
