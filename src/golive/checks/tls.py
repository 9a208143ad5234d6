"""`tls`: a server's certificate is valid and does not expire within `min_days`.

With `verify: true` (the default) the handshake must succeed against the system CAs (or `cafile`) and the
certificate must match `server_name` (default: `host`). With `verify: false` nothing is verified; only
the expiry date is read, straight from the certificate's DER encoding.
"""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from golive.checks._common import CheckBase
from golive.core.step import StepContext, StepResult


class _DerError(ValueError):
    pass


def _der_item(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at `pos`."""
    if pos + 2 > len(data):
        raise _DerError("truncated certificate")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise _DerError("bad length in certificate")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise _DerError("truncated certificate")
    return tag, pos, pos + length


def der_not_after(der: bytes) -> datetime:
    """`notAfter` of an X.509 certificate in DER form (RFC 5280 4.1: Certificate -> tbsCertificate ->
    [version], serialNumber, signature, issuer, validity{notBefore, notAfter})."""
    _, cert, _ = _der_item(der, 0)
    _, pos, _ = _der_item(der, cert)  # tbsCertificate
    tag, _, end = _der_item(der, pos)
    if tag == 0xA0:  # explicit [0] version
        pos = end
    for _ in range(3):  # serialNumber, signature, issuer
        _, _, pos = _der_item(der, pos)
    tag, validity, _ = _der_item(der, pos)
    if tag != 0x30:
        raise _DerError("no validity in certificate")
    _, _, after = _der_item(der, validity)  # skip notBefore
    tag, start, end = _der_item(der, after)
    text = der[start:end].decode("ascii")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ; years 50-99 are 19xx (RFC 5280 4.1.2.5.1)
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        raise _DerError("unknown time format in certificate")
    return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)


class TlsCheck(CheckBase):
    type: Literal["tls"]
    host: str = Field(min_length=1)
    port: int = Field(default=443, ge=1, le=65535)
    min_days: float = Field(default=14, ge=0)
    #: Name sent in SNI and matched against the certificate; default `host`.
    server_name: str | None = None
    verify: bool = True
    #: CA bundle (PEM) to verify against instead of the system store, e.g. an internal CA.
    cafile: str | None = None

    def describe(self) -> str:
        return f"tls certificate of {self.host}:{self.port} valid for at least {self.min_days:g} days"

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        host = ctx.interpolate(self.host)
        name = ctx.interpolate(self.server_name) if self.server_name else host
        where = f"{host}:{self.port}"
        if self.verify:
            cafile = ctx.interpolate(self.cafile) if self.cafile else None
            if cafile and not (ctx.workdir / cafile).is_file():
                return StepResult.failed(f"{where}: cafile {cafile} not found")
            tls = ssl.create_default_context(cafile=str(ctx.workdir / cafile) if cafile else None)
        else:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            tls.check_hostname = False
            tls.verify_mode = ssl.CERT_NONE
        try:
            with socket.create_connection((host, self.port), timeout=timeout) as raw, \
                    tls.wrap_socket(raw, server_hostname=name) as conn:
                if self.verify:
                    peer = conn.getpeercert() or {}
                    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(peer["notAfter"])), UTC)
                else:
                    der = conn.getpeercert(binary_form=True)
                    if not der:
                        return StepResult.failed(f"{where}: server sent no certificate")
                    not_after = der_not_after(der)
        except ssl.SSLCertVerificationError as exc:
            return StepResult.failed(f"{where}: certificate not trusted: {exc.verify_message or exc}")
        except ssl.SSLError as exc:
            return StepResult.failed(f"{where}: TLS handshake failed: {exc.reason or exc}")
        except (_DerError, KeyError, ValueError) as exc:
            return StepResult.failed(f"{where}: cannot read the certificate's expiry: {exc}")
        except TimeoutError:
            return StepResult.failed(f"{where}: no answer within {timeout:g}s")
        except OSError as exc:
            return StepResult.failed(f"{where}: cannot connect: {exc.strerror or exc}")
        days = (not_after - ctx.clock.now()).total_seconds() / 86400
        detail: dict[str, Any] = {"not_after": not_after.isoformat(), "days_left": round(days, 1),
                                  "verified": self.verify}
        expiry = f"expires {not_after:%Y-%m-%d %H:%M} UTC"
        if days < self.min_days:
            left = "expired" if days < 0 else f"{days:.1f} days left"
            return StepResult.failed(f"{where}: certificate {expiry} ({left}), need at least {self.min_days:g}"
                                     " days", **detail)
        return StepResult.passed(f"{where}: certificate {expiry} ({days:.1f} days left,"
                                 f" need {self.min_days:g})", **detail)
