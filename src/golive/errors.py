"""The one exception hierarchy. Each error knows the exit code the CLI should end with."""

from __future__ import annotations

from dataclasses import dataclass


class ExitCode:
    """Documented exit codes of the `golive` command."""

    SUCCEEDED = 0
    FAILED_ROLLED_BACK = 1
    BAD_INPUT = 2
    WAITING = 3
    ROLLBACK_FAILED = 4
    INTERNAL = 70


def exit_code_for(outcome: str | None) -> int:
    """The exit code of a run that ended so (or that still waits: no outcome)."""
    return {
        "succeeded": ExitCode.SUCCEEDED,
        "rolled-back": ExitCode.FAILED_ROLLED_BACK,
        "rollback-failed": ExitCode.ROLLBACK_FAILED,
    }.get(outcome or "", ExitCode.WAITING)


class GoliveError(Exception):
    """Base of every error golive raises on purpose."""

    exit_code: int = ExitCode.FAILED_ROLLED_BACK


class UsageError(GoliveError):
    """The user asked for something that cannot be done as asked (bad argument, unknown run...)."""

    exit_code = ExitCode.BAD_INPUT


@dataclass(frozen=True)
class PlanIssue:
    """One problem in a plan file, with the place it was found."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}:{self.col}: {where}{self.message}"


class PlanError(UsageError):
    """A plan file is invalid; carries every issue found in it, not just the first."""

    def __init__(self, issues: list[PlanIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class RunNotFound(UsageError):
    pass


class RunLocked(UsageError):
    """Another run holds the service/environment, or another process is executing this run."""


class LockWaitExpired(RunLocked):
    """A lock file's flock stayed with another process past its deadline (a golive stopped with ^Z, a hung
    filesystem): said, with the file, instead of hanging a CI job forever."""


class LockLost(RunLocked):
    """A lock this run holds outside its log (in a router) is no longer its own: taken over by another run after
    this process's lease ran out, or its record removed. The process stops before it writes or changes more."""


class WindowClosed(UsageError):
    """Now is outside the plan's deployment window and the run was not forced."""


class DecisionRefused(UsageError):
    """An approval, rejection, confirmation or resolution that the rules do not allow."""


class AuditFailed(UsageError):
    """A run's log does not verify (rewritten, cut back, copied between runs): nothing acts on it."""


class EventRefused(GoliveError, ValueError):
    """An event about to be appended that the catalogue (golive.core.events) does not describe: an unknown type or
    a payload its model refuses. A bug in the writer (a step plug-in's `ctx.emit`...), so nothing is written."""

    exit_code = ExitCode.INTERNAL


class StoreError(GoliveError):
    """The run log could not be read or written (disk full, corrupt file, permission)."""

    exit_code = ExitCode.INTERNAL


class StoreLost(StoreError):
    """The run log file was deleted or replaced under a running golive: stop before writing into the void."""


class SecretError(UsageError):
    """A secret variable could not be read from where the plan says it lives."""


class StepConfigError(GoliveError):
    """A step cannot run as configured (detected at run time, e.g. an unreadable file)."""


class RouterError(GoliveError):
    """A router (HAProxy, nginx, the built-in proxy) refused a change or could not be reached."""


class MetricSourceError(GoliveError):
    """A metric source (Prometheus, a router's counters, a JSON endpoint) could not be read or answered
    with something that is not metrics (bad query, wrong path, non-number)."""
