"""Who holds which key: an OpenSSH allowed_signers file (`alice ssh-ed25519 AAAA...`), as git uses for SSH-signed
commits. Found, in order, at the plan's `signers:` (relative to the plan), $GOLIVE_SIGNERS, or the team config
(`signers:` in $GOLIVE_TEAM_CONFIG or ~/.config/golive/team.yaml, relative to that file).

A run copies the text it started with into `run.created`, so later decisions and `audit verify` judge by the
same list the run began with (an auditor can compare it with their own copy: `audit verify --signers FILE`).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from sshsig.allowed_signers import AllowedSigner

from golive.errors import UsageError
from golive.seal.ecdsa import ECDSA_TYPES
from golive.seal.keys import NAMESPACE, VOUCH_NAMESPACE, fingerprint

#: What golive verifies: `sshsig` (Ed25519, RSA) and golive.seal.ecdsa (the three NIST curves).
_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", *ECDSA_TYPES)


class Entry(Struct, frozen=True):
    principals: tuple[str, ...]
    key: str  # "ssh-ed25519 AAAA..."
    fingerprint: str
    #: A server key that only vouches for people it authenticated (`namespaces="golive-vouch@golive"`).
    vouches: bool = False


class AllowedSigners(Struct):
    text: str
    source: str
    entries: list[Entry] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, source: str) -> AllowedSigners:
        out = cls(text=text, source=source)
        for no, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                item = AllowedSigner.parse(line)
            except (ValueError, NotImplementedError) as exc:
                raise UsageError(f"{source}:{no}:1: not an allowed_signers line: {exc}") from None
            if item.key_type not in _KEY_TYPES:
                raise UsageError(f"{source}:{no}:1: unsupported key type '{item.key_type}' (golive verifies"
                                 f" {', '.join(_KEY_TYPES)}; security-key (sk-) and DSA keys are not supported)")
            listed = [n.strip().strip('"') for n in ((item.options or {}).get("namespaces") or "").split(",")]
            vouches = VOUCH_NAMESPACE in listed
            if vouches and NAMESPACE in listed:
                raise UsageError(f"{source}:{no}:1: a key either signs as a person ({NAMESPACE}) or vouches for"
                                 f" people ({VOUCH_NAMESPACE}), not both")
            if listed != [""] and not vouches and NAMESPACE not in listed:
                continue  # a key limited to other namespaces (git's) does not sign golive decisions
            try:
                base64.b64decode(item.base64_key, validate=True)
            except ValueError:
                raise UsageError(f"{source}:{no}:1: the key is not valid base64") from None
            key = f"{item.key_type} {item.base64_key}"
            names = tuple(p.strip() for p in item.principals.split(",") if p.strip())
            out.entries.append(Entry(names, key, fingerprint(key), vouches))
        return out

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def keys_of(self, name: str) -> set[str]:
        """Fingerprints of the keys that may sign as `name` (case-insensitive, as people type names)."""
        wanted = name.strip().casefold()
        return {e.fingerprint for e in self.entries
                if not e.vouches and any(p.casefold() == wanted for p in e.principals)}

    def names_of(self, fp: str) -> list[str]:
        """The people a key signs as (a vouching server key is nobody)."""
        return [p for e in self.entries if e.fingerprint == fp and not e.vouches for p in e.principals]

    def vouchers_of(self, fp: str) -> list[str]:
        """The names under which a server key is listed to vouch for people (empty: it may not)."""
        return [p for e in self.entries if e.fingerprint == fp and e.vouches for p in e.principals]

    def aliases(self, name: str) -> set[str]:
        """Everyone `name` may be: the name and every other name of the keys it holds (casefolded)."""
        out = {name.strip().casefold()}
        for fp in self.keys_of(name):
            out.update(n.casefold() for n in self.names_of(fp))
        return out

    def has_key(self, fp: str) -> bool:
        return any(e.fingerprint == fp for e in self.entries)

    def all_fingerprints(self) -> set[str]:
        return {e.fingerprint for e in self.entries if not e.vouches}


def team_config_path(environ: Mapping[str, str]) -> Path:
    env = environ.get("GOLIVE_TEAM_CONFIG", "").strip()
    if env:
        return Path(env).expanduser()
    return Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "golive" / "team.yaml"


def _from_team_config(environ: Mapping[str, str]) -> Path | None:
    path = team_config_path(environ)
    if not path.is_file():
        return None
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # a broken team config is the user's to fix: say where
        raise UsageError(f"{path}: cannot read the team config: {exc}") from None
    value = data.get("signers") if isinstance(data, dict) else None
    if not value:
        return None
    return (path.parent / str(value)).expanduser()


def signers_path(plan_signers: str | None, plan_dir: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    environ = os.environ if environ is None else environ
    if plan_signers:
        return (plan_dir / plan_signers).expanduser()
    env = environ.get("GOLIVE_SIGNERS", "").strip()
    if env:
        return Path(env).expanduser()
    return _from_team_config(environ)


def load_file(path: Path) -> AllowedSigners:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the signers file {path}: {exc.strerror or exc}") from None
    return AllowedSigners.parse(text, str(path))


def signers_for_plan(plan_signers: str | None, plan_dir: Path,
                     environ: Mapping[str, str] | None = None) -> AllowedSigners | None:
    """The signers a run of this plan starts with, or None (decisions then stay unauthenticated, as before)."""
    path = signers_path(plan_signers, plan_dir, environ)
    return None if path is None else load_file(path)


def lint_findings(plan: Any, plan_dir: Path) -> list[tuple[str, tuple[str | int, ...], str]]:
    """GL121 (no signers: approvals not authenticated) and GL122 (a role names someone with no key)."""
    try:
        found = signers_for_plan(plan.signers, plan_dir)
    except UsageError as exc:
        return [("GL122", ("signers",), str(exc))]
    if found is None:
        if plan.approvers or any(ph.gate.approvals for ph in plan.phases):
            return [("GL121", ("approvers",) if plan.approvers else ("name",), "no signers file (plan `signers:`,"
                     " $GOLIVE_SIGNERS or the team config): approvals are not authenticated")]
        return []
    return [("GL122", ("approvers", role, i), f"{name} (role '{role}') has no key in {found.source}")
            for role, people in plan.approvers.items() for i, name in enumerate(people) if not found.keys_of(name)]
