"""What may leave golive: secrets masked (`mask`), credentials cut out of URLs and connection strings (`redact`),
and plan- or step-supplied text made inert for a terminal (`safe`). Every string that reaches an event, a report
or a screen passes through one or more of them."""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, quote_plus, unquote

MASK = "***"
#: Shorter values (or lines of a multi-line value) would mask half of every output and hide nothing worth hiding.
MIN_SECRET = 3
#: A piece of a secret at least this long is masked wherever it appears (`${TOKEN:0:20}`, a line of `fold`, the
#: tail left where output was cut). Shorter pieces are not: secrets people choose are often words and years
#: ("Summer2024!"), and masking every 5-7 character piece of one would hide "Summer" and "2024" in all output, and
#: the masks themselves would tell a reader which words the secret holds. A secret shorter than this is masked
#: only whole (also across line breaks), never split into pieces.
PART = 8
#: A piece of a secret at least this long is masked where golive cut an output (right after a truncation marker):
#: keeping only a tail can cut through a secret and leave its end there.
EDGE = 4
#: What golive writes where it kept only the tail of a long output (golive.targets, golive.core.step).
CUT_MARKERS = ("[... output truncated ...]\n", "[... earlier output omitted ...]\n")
_URLSAFE = str.maketrans("+/", "-_")

#: Every secret any Masker of this process was given: for the last-resort paths (an internal error's one line
#: and its debug log) that run outside any run and have no Masker at hand.
_SEEN: set[str] = set()


def secret_forms(secret: str) -> list[str]:
    """The strings to hide for one secret: itself, and each of its lines. A step that prints part of a key
    (`tail -n +2`, `head -c`...) prints whole lines of it, so a multi-line value is hidden line by line too."""
    forms = [secret] if len(secret) >= MIN_SECRET else []
    if "\n" in secret or "\r" in secret:
        for line in secret.splitlines():
            line = line.strip()
            if len(line) >= MIN_SECRET and line not in forms:
                forms.append(line)
    return forms


def encoded_forms(secret: str) -> list[str]:
    """How a step prints a secret without printing it as written: percent-encoded (a URL, a form body),
    JSON-escaped (as Python, Go and PHP write it), hex (lower and upper case), and base64 (an `Authorization:
    Basic` header, a Kubernetes secret).
    Inside a longer base64 text a secret starts at one of three alignments; for each, the characters that depend
    on the secret's bytes alone (whole 3-byte groups) are what appears whatever surrounds it, so those are the
    forms."""
    raw = secret.encode("utf-8")
    quoted = json.dumps(secret, ensure_ascii=False)[1:-1]
    # JSON as the tools people deploy with write it: Python's json.dumps (\u00e4 for non-ASCII), Go's
    # encoding/json in terraform, kubectl, helm, docker (\u0026 \u003c \u003e for & < >), PHP's json_encode
    # (\/ and \u00e4): a generated password's symbols would otherwise cut it into pieces shorter than PART
    ascii_quoted = json.dumps(secret)[1:-1]
    go = quoted
    for c in "&<>\u2028\u2029":
        go = go.replace(c, f"\\u{ord(c):04x}")
    # hex (`xxd -p`, `od`, `printf %x`, a hash tool's input echoed, `hexdump -e`), either case: byte-aligned, so the
    # whole encoding appears as is inside a longer hex text
    forms = [quote(secret, safe=""), quote_plus(secret), quoted, ascii_quoted, go, ascii_quoted.replace("/", "\\/"),
             raw.hex(), raw.hex().upper()]
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        stable = encoded[4 if offset else 0: 4 * ((offset + len(raw)) // 3)]
        forms += [stable, stable.translate(_URLSAFE)]
    return [f for f in dict.fromkeys(forms) if len(f) >= PART and f != secret]


def mask(text: str, secrets: Sequence[str]) -> str:
    """`text` with each of `secrets` replaced by `***`; `secrets` must be longest first, so a whole multi-line
    value goes before its lines and a secret containing another is not half-masked. Then the pieces
    (_mask_pieces): a secret split across lines, a part of one, and what a cut through one left."""
    for s in secrets:
        if s in text:
            text = text.replace(s, MASK)
    return _mask_pieces(text, secrets) if secrets and len(text) >= EDGE else text


def _mask_pieces(text: str, secrets: Sequence[str]) -> str:
    """Mask, in `text` read with its line breaks removed (`fold -w 8`, `base64 -w 76` and a PEM body split a
    value across lines): every whole secret, every piece of one at least PART long, and right after a
    truncation marker the end of one at least EDGE long. Line breaks stay; each hidden run of a line becomes
    `***`."""
    keep = [i for i, c in enumerate(text) if c not in "\r\n"]
    joined = "".join(text[i] for i in keep) if len(keep) != len(text) else text
    hide = bytearray(len(joined))

    def mark(start: int, end: int) -> None:
        hide[start:end] = b"\x01" * (end - start)

    for s in secrets:  # whole, whatever its length: a short secret split by a line break is still the secret
        at = joined.find(s)
        while at >= 0:
            mark(at, at + len(s))
            at = joined.find(s, at + 1)
    grams = _grams(tuple(secrets))
    if grams:
        for i in range(len(joined) - PART + 1):
            if joined[i:i + PART] in grams:
                mark(i, i + PART)
    for start in _cut_starts(text, keep):
        piece = next((n for n in range(min(len(joined) - start, max(map(len, secrets)) - 1), EDGE - 1, -1)
                      if any(s.endswith(joined[start:start + n]) for s in secrets)), 0)
        mark(start, start + piece)
    if not any(hide):
        return text
    hidden = [False] * len(text)
    for j, i in enumerate(keep):
        hidden[i] = bool(hide[j])
    out: list[str] = []
    for i, c in enumerate(text):
        if not hidden[i]:
            out.append(c)
        elif i == 0 or not hidden[i - 1]:
            out.append(MASK)
    return "".join(out)


@functools.lru_cache(maxsize=16)
def _grams(secrets: tuple[str, ...]) -> frozenset[str]:
    """Every PART-long piece of the secrets, built once per set of secrets: masking runs on every string of every
    event and output, and a PEM key's forms alone have thousands of pieces (building them on each call cost
    milliseconds per string)."""
    return frozenset(s[i:i + PART] for s in secrets if len(s) >= PART for i in range(len(s) - PART + 1))


def _cut_starts(text: str, keep: list[int]) -> list[int]:
    """Where in the joined text a cut output resumes: right after each truncation marker."""
    if not any(m in text for m in CUT_MARKERS):
        return []
    index = {i: j for j, i in enumerate(keep)}
    out = []
    for marker in CUT_MARKERS:
        at = text.find(marker)
        while at >= 0:
            after = at + len(marker)
            if after in index:
                out.append(index[after])
            at = text.find(marker, after)
    return out


def mask_known(text: str) -> str:
    """`text` with every secret this process has seen masked."""
    return mask(text, sorted(_SEEN, key=len, reverse=True))


class Masker:
    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: list[str] = []
        for s in secrets or []:
            self.add(s)

    def add(self, secret: str) -> None:
        forms = secret_forms(secret)
        for form in [*forms, *(e for f in forms for e in encoded_forms(f))]:
            if form not in self._secrets:
                _SEEN.add(form)
                self._secrets.append(form)
        self._secrets.sort(key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def text(self, value: str) -> str:
        return mask(value, self._secrets)

    def data(self, value: Any) -> Any:
        """Mask every string inside nested dicts/lists (keys too)."""
        if not self._secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value


# -- credentials in URLs and connection strings ---------------------------------------------------------------

#: `scheme://user:PASSWORD@host`, as redact cuts it out of running text.
_URL_PASSWORD = re.compile(r"(://[^/@:\s]*:)([^@/\s]*)@")
#: The same in a string known to be one URL, where a password may hold `/` (libpq reads it so).
_URL_PASSWORD_WHOLE = re.compile(r"(://[^:/@?#\s]*:)([^@]*)@")
#: `password=PASSWORD` in a key=value DSN, quoted or not (an unterminated quote runs to the end).
_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)", re.IGNORECASE)
#: `scheme://[user@]host` of a URL whose user, path and query may all be tokens.
_URL_HEAD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/?#]*@)?([^/?#:]*)")
#: Notification schemes that post to a plain web address: naming its host tells where messages went, no more.
_WEBHOOK_SCHEMES = ("json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos")


def redact(text: str, whole_url: bool = False) -> str:
    """`text` with the credentials written into it cut out, for every message, event and screen that names a
    database, a store or a channel. The one redaction golive has.

    By default passwords in URLs and DSNs become `***` (`scheme://user:***@host`, `password=***`) and the rest
    stays readable. `whole_url=True` is for a string that is one URL whose user, path and query may all be
    credentials (a notification channel: `slack://T1/B2/token`): only `scheme://host` of a webhook-style URL
    remains, otherwise `scheme://…`."""
    if whole_url:
        m = _URL_HEAD.match(text.strip())
        if not m:
            return "(unparseable url)"
        scheme, host = m.group(1), m.group(2)
        return f"{scheme}://{host}" if scheme.lower() in _WEBHOOK_SCHEMES else f"{scheme}://…"
    return _KV_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


def passwords(url: str) -> list[str]:
    """The passwords written in one URL or DSN, in each form a driver's error may quote them (as written,
    unquoted, percent-decoded), longest first: for a Masker, when a message about a connection string may
    repeat part of it that `redact` would not recognise any more."""
    found: list[str] = []
    for pattern in (_URL_PASSWORD_WHOLE, _KV_PASSWORD):
        m = pattern.search(url)
        if m and m.group(2):
            found += [m.group(2), m.group(2).strip("'"), unquote(m.group(2))]
    return sorted({p for p in found if len(p) >= MIN_SECRET}, key=len, reverse=True)


# -- terminal safety ------------------------------------------------------------------------------------------

def _escape_table(keep: str) -> dict[int, str]:
    table: dict[int, str] = {}
    for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)):
        if chr(c) not in keep:
            table[c] = f"\\x{c:02x}"
    # Bidirectional overrides/isolates and marks reorder what follows them ("Trojan Source"); line and paragraph
    # separators break a line for some terminals and viewers.
    for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029):
        table[c] = f"\\u{c:04x}"
    return table


_ONE_LINE = _escape_table(keep="")
_MULTI_LINE = _escape_table(keep="\n\t")


def safe(text: object, multiline: bool = False) -> str:
    """`text` with every control character (C0, DEL, C1) and bidi control written as a visible escape (`\\x1b`,
    `\\u202e`), so a plan name, a step name or a step's output cannot move the cursor, retitle the window, clear
    the screen or forge a line. `multiline` keeps newlines and tabs (for a block of output shown as such)."""
    return str(text).translate(_MULTI_LINE if multiline else _ONE_LINE)
