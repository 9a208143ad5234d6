"""SSHSIG over ECDSA keys (`ecdsa-sha2-nistp256/384/521`), which the `sshsig` library does not verify: the SSHSIG
envelope is read with that library's own parser, the signature checked with `cryptography`, as OpenSSH does
(RFC 5656: the curve's hash over the SSHSIG "to be signed" blob; r and s as two mpints).
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sshsig.binary_io import SshReader
from sshsig.sshsig import SshsigSignature, SshsigWrapper

_CURVES: dict[bytes, tuple[ec.EllipticCurve, hashes.HashAlgorithm]] = {
    b"nistp256": (ec.SECP256R1(), hashes.SHA256()),
    b"nistp384": (ec.SECP384R1(), hashes.SHA384()),
    b"nistp521": (ec.SECP521R1(), hashes.SHA512()),
}
ECDSA_TYPES = tuple(f"ecdsa-sha2-{name.decode()}" for name in _CURVES)


def is_ecdsa(outer: SshsigSignature) -> bool:
    return SshReader.from_bytes(outer.public_key).read_string().decode("ascii", "replace") in ECDSA_TYPES


def verify_ecdsa(message: bytes, outer: SshsigSignature, namespace: str) -> None:
    """Raises ValueError unless `outer` is a valid ECDSA SSHSIG over `message` in `namespace`."""
    if outer.namespace != namespace.encode("ascii"):
        raise ValueError(f"namespace of signature {outer.namespace!r} is not {namespace}")
    algo = outer.hash_algo.decode("ascii", "replace").lower()
    if algo not in ("sha256", "sha512"):  # what SSHSIG allows
        raise ValueError(f"SSHSIG hash algorithm {algo} is not sha256 or sha512")
    signed = SshsigWrapper(namespace=outer.namespace, hash_algo=outer.hash_algo,
                           hash=hashlib.new(algo, message).digest()).to_bytes()
    key = SshReader.from_bytes(outer.public_key)
    key_type, curve_name, point = key.read_string(), key.read_string(), key.read_string()
    if curve_name not in _CURVES or key_type != b"ecdsa-sha2-" + curve_name:
        raise ValueError(f"not an ECDSA key golive knows ({key_type!r}, {curve_name!r})")
    curve, digest = _CURVES[curve_name]
    sig = SshReader.from_bytes(outer.signature)
    if sig.read_string() != key_type:
        raise ValueError("the signature's algorithm is not the key's")
    rs = SshReader.from_bytes(sig.read_string())
    r, s = rs.read_mpint(), rs.read_mpint()
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        public.verify(encode_dss_signature(r, s), signed, ec.ECDSA(digest))
    except InvalidSignature:
        raise ValueError("bad ECDSA signature") from None
