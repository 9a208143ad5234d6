"""The web console's seal (`decision.vouched`): who it authenticated, how, from where, for which event of the log.

The console appends it right after each event it caused (a decision, a start, an abort), signed with its server
key over the run id and the whole seal. The event it seals carries its own SSHSIG by the same key; the seal
adds what that signature does not: the login method, OIDC issuer and subject, source address and user agent.
`audit verify` checks both, so none of that can be edited, and a seal cannot be moved onto another event or run.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from golive.seal.keys import _string, fingerprint

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PREFIX = "ed25519:"


def canonical(run_id: str, payload: dict[str, Any]) -> bytes:
    body = {k: v for k, v in payload.items() if k != "signature"}
    return json.dumps({"run": run_id, **body}, sort_keys=True, separators=(",", ":")).encode()


def public_key_text(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return PREFIX + base64.b64encode(raw).decode()


def sign(run_id: str, payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.sign(canonical(run_id, payload))).decode()


def key_fingerprint(key_text: str) -> str:
    """The OpenSSH fingerprint of a seal's key, to compare with the SSHSIG signer of the event it seals."""
    raw = base64.b64decode(key_text[len(PREFIX):])
    return fingerprint(_string(b"ssh-ed25519") + _string(raw))


def verify(run_id: str, payload: dict[str, Any]) -> bool:
    """Whether a seal is signed by the key it names (the caller compares that key with the one it trusts)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key_text = str(payload.get("key", ""))
    if not key_text.startswith(PREFIX):
        return False
    try:
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_text[len(PREFIX):]))
        pub.verify(base64.b64decode(str(payload.get("signature", ""))), canonical(run_id, payload))
        return True
    except (InvalidSignature, ValueError):
        return False
