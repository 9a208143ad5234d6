"""Delivery through apprise (Slack, Teams, e-mail, webhooks...). Apprise is imported lazily: it is heavy and
most commands never notify."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from golive.masking import redact


@dataclass
class Delivery:
    ok: bool
    error: str = ""


class Sender(Protocol):
    def send(self, urls: list[str], title: str, body: str, config: Path | None = None) -> Delivery: ...


class AppriseSender:
    """Sends one message to a set of apprise URLs (and an optional apprise config file)."""

    def send(self, urls: list[str], title: str, body: str, config: Path | None = None) -> Delivery:
        import apprise

        ap = apprise.Apprise()
        bad = [redact(u, whole_url=True) for u in urls if not ap.add(u)]
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
