"""Delivery through apprise (Slack, Teams, e-mail, webhooks...). Apprise is imported lazily: it is heavy and
most commands never notify."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass
class Delivery:
    ok: bool
    error: str = ""


class Sender(Protocol):
    def send(self, urls: list[str], title: str, body: str, config: Path | None = None) -> Delivery: ...


def redact_url(url: str) -> str:
    """What a log may say about a channel: its scheme and host. Tokens live in paths, users and queries."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/?#]*@)?([^/?#:]*)", url.strip())
    if not m:
        return "(unparseable url)"
    scheme, host = m.group(1), m.group(2)
    if scheme.lower() in ("json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos"):
        return f"{scheme}://{host}"
    return f"{scheme}://…"


class AppriseSender:
    """Sends one message to a set of apprise URLs (and an optional apprise config file)."""

    def send(self, urls: list[str], title: str, body: str, config: Path | None = None) -> Delivery:
        import apprise

        ap = apprise.Apprise()
        bad = [redact_url(u) for u in urls if not ap.add(u)]
        if config is not None:
            conf = apprise.AppriseConfig()
            if not conf.add(str(config)):
                bad.append(f"config {config.name}")
            else:
                ap.add(conf)
        if len(ap) == 0:
            return Delivery(False, f"no usable channel ({', '.join(bad) or 'none configured'})")
        try:
            ok = bool(ap.notify(title=title, body=body))
        except Exception as exc:  # a broken channel must never reach the run
            return Delivery(False, f"{type(exc).__name__}: {exc}")
        if bad:
            return Delivery(False, f"unusable url(s): {', '.join(bad)}")
        return Delivery(ok, "" if ok else "at least one channel refused the message")
