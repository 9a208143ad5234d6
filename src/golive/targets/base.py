"""Where a step's commands run: the `Target` protocol, and what one command did in one place.

Two targets: `LocalTarget` (golive.targets.local: this machine, each command in its own contained process tree)
and `SshTarget` (golive.targets.ssh: the hosts of a group, over the run's pooled SSH connections). A step opens
the target it runs on and reads one `HostResult` per place, as each finishes; how a command is started, stopped
at its deadline and cleaned up is the target's business, not the step's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from msgspec import Struct


class HostResult(Struct):
    """One command in one place (`host`: the SSH host, or `local`)."""

    host: str
    #: ok | failed | timed-out | error (could not connect, host key refused, ...)
    status: str
    exit_code: int | None
    output: str
    duration: float
    started: float
    finished: float
    message: str = ""


class Target(Protocol):
    def run(self, command: str, env: dict[str, str], timeout: float) -> Iterator[HostResult]:
        """Run `command` everywhere this target stands for, with `env`, each place stopped after `timeout`
        seconds; one result per place as it finishes. A place's own trouble is its result, never an exception."""
        ...
