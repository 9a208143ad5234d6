"""Plan sections that exist for the people around a run: who to tell, who to escalate to, and the change record
an auditor asks for (PCI-DSS 6.5.1/6.5.2, SOX change management)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from golive.core.fields import Duration, Strict

#: Events a notification can be sent for (the `on:` list of a channel).
NOTIFY_EVENTS = ("run.started", "gate.waiting", "attention", "phase.overrun", "rollback.started",
                 "rollback.finished", "run.finished", "escalation")


class EscalationLevel(Strict):
    """One rung of the escalation ladder: who, how to reach them, and after how long without an answer."""

    level: int = Field(ge=1)
    name: str = Field(min_length=1)
    #: People at this level (names as used with --by), shown in the notification.
    people: list[str] = []
    #: Apprise URLs (slack://, msteams://, mailto://, json://...) reaching this level.
    notify: list[str] = []
    #: Time since a run started waiting for a person after which this level is told (0: at once).
    after: Duration = 0


class Contacts(Strict):
    escalation: list[EscalationLevel] = []

    @model_validator(mode="after")
    def _ordered(self) -> Contacts:
        levels = [lv.level for lv in self.escalation]
        if len(set(levels)) != len(levels):
            raise ValueError("escalation levels must be distinct")
        return self


class Channel(Strict):
    """Apprise URLs told about run events; `on` narrows which events (default: all of them)."""

    urls: list[str] = Field(min_length=1)
    on: list[Literal["run.started", "gate.waiting", "attention", "phase.overrun", "rollback.started",
                     "rollback.finished", "run.finished", "escalation"]] = []


class Notifications(Strict):
    channels: list[Channel] = []
    #: An apprise configuration file (text or YAML) with more channels; relative to the plan.
    config: str | None = None


class EvidenceItem(Strict):
    """A link, or a file whose SHA-256 is recorded when the run starts."""

    description: str | None = None
    url: str | None = None
    file: str | None = None

    @model_validator(mode="after")
    def _one(self) -> EvidenceItem:
        if (self.url is None) == (self.file is None):
            raise ValueError("testing evidence needs exactly one of url or file")
        return self


def _testing_shorthand(value: Any) -> Any:
    if isinstance(value, str):
        return {"url": value} if "://" in value else {"file": value}
    return value


class Change(Strict):
    """The change record: what a change board or an auditor needs next to the run log."""

    ticket: str | None = None
    reason: str | None = None
    description: str | None = None
    security_impact: str | None = None
    testing: list[EvidenceItem] = []

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("testing"), list):
            data = {**data, "testing": [_testing_shorthand(v) for v in data["testing"]]}
        return data
