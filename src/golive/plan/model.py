"""The typed plan model. It is the one source of truth: the loader, JSON Schema and docs derive from it.

Shorthand forms (a string for a var or a criterion) are normalised by before-validators instead of
unions, so each place in a plan has exactly one type and errors point at exactly one place.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeGuard

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from golive.core.fields import Duration, Strict
from golive.core.lazyunion import LazyType
from golive.core.stepid import number_steps
from golive.plan.window import parse_day, parse_moment, parse_zone
from golive.steps.base import PLAN_GROUPS, StepBase
from golive.steps.registry import AnyStep

if TYPE_CHECKING:
    from golive.plan.evidence import Change, Contacts, Notifications
    from golive.plan.locks import HostsLock, Lock
    from golive.targets.ssh import HostGroup
    from golive.traffic.registry import RouterConfig
else:  # sections most plans leave out: their models are built when a plan has them (golive.core.lazyunion)
    Change = Annotated[Any, LazyType("golive.plan.evidence:Change")]
    Contacts = Annotated[Any, LazyType("golive.plan.evidence:Contacts")]
    Notifications = Annotated[Any, LazyType("golive.plan.evidence:Notifications")]
    Lock = Annotated[Any, LazyType("golive.plan.locks:Lock")]
    HostGroup = Annotated[Any, LazyType("golive.targets.ssh:HostGroup")]
    RouterConfig = Annotated[Any, LazyType("golive.traffic.registry:RouterConfig")]

Overrun = Literal["warn", "no-go"]


def _var_shorthand(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"value": str(value)}
    return value


class Var(Strict):
    """A plan variable. Secret ones name where the value lives; the value itself is never in a plan."""

    value: str | None = None
    secret: bool = False
    from_env: str | None = None
    from_file: str | None = None
    description: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Var:
        sources = [s for s in ("value", "from_env", "from_file") if getattr(self, s) is not None]
        if self.secret and self.value is not None:
            raise ValueError("a secret var must not carry its value in the plan; use from_env or from_file")
        if self.secret and not sources:
            raise ValueError("a secret var needs from_env or from_file")
        if len(sources) > 1:
            raise ValueError(f"a var has one source, found {' and '.join(sources)}")
        if not sources:
            raise ValueError("a var needs a value, from_env or from_file")
        return self


class Version(Strict):
    from_: str | None = Field(default=None, alias="from")
    to: str


def _moment_text(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


Moment = Annotated[str, BeforeValidator(_moment_text)]
#: `tue`, `Tuesday`: kept as `tue`; each one checked where it stands (`window.days.1`).
Weekday = Annotated[str, AfterValidator(parse_day)]


class Window(Strict):
    start: Moment
    end: Moment
    timezone: str = "UTC"
    rollback_until: Moment | None = None
    #: A time-of-day window open only when it opens on one of these days (`[tue]`, `[sat, sun]`): a runbook's
    #: "Tuesday 02:00-04:00" with no date. A Saturday 22:00-02:00 window runs on into Sunday.
    days: list[Weekday] | None = None

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("`days: []` names no day, so the window would never open; leave `days` out for a"
                             " daily window")
        return list(dict.fromkeys(value))

    @field_validator("start", "end", "rollback_until")
    @classmethod
    def _moment(cls, value: str | None) -> str | None:
        if value is not None:
            parse_moment(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        parse_zone(value)
        return value

    @model_validator(mode="after")
    def _same_kind(self) -> Window:
        kinds = {type(parse_moment(v)) for v in (self.start, self.end)}
        if len(kinds) != 1:
            raise ValueError("start and end must both be date-times or both times of day")
        s, e = parse_moment(self.start), parse_moment(self.end)
        if isinstance(s, datetime) and isinstance(e, datetime) and e <= s:
            raise ValueError("the window ends before it starts")
        if self.days is not None and isinstance(s, datetime):
            raise ValueError("`days` is for a window of times of day (start: '02:00'); a window with dates opens"
                             " once, on its date")
        return self


class Approvals(Strict):
    count: int = Field(default=1, ge=1, le=20)
    role: str | None = None
    #: No decision this long after the gate asked is a NO-GO (a change nobody signs off is backed out);
    #: without it the run waits for a person, and a waiting process gives up after its --wait-timeout.
    timeout: Duration | None = None
    #: No decision by this moment is a NO-GO: "No answer by 10:15 = NO-GO". A date-time, or a time of day in the
    #: window's zone (its first occurrence after the window opens); the earlier of it and `timeout` ends the wait.
    until: Moment | None = None


class Gate(Strict):
    """Go/No-Go: the phase's results, extra read-only checks, and optional named approvals."""

    description: str | None = None
    checks: list[AnyStep] = []
    max_failures: int = Field(default=0, ge=0)
    approvals: Approvals | None = None


class Phase(Strict):
    name: str = Field(min_length=1)
    description: str | None = None
    timebox: Duration | None = None
    on_overrun: Overrun | None = None
    steps: list[AnyStep] = Field(min_length=1)
    gate: Gate = Gate()


def _one_or_more(value: Any) -> Any:
    return [value] if isinstance(value, int) and not isinstance(value, bool) else value


class RollbackLevel(Strict):
    level: int = Field(ge=1)
    name: str = Field(min_length=1)
    description: str | None = None
    #: Phases whose changes this level reverts. A failure applies the lightest level that is enough: for each
    #: touched phase the lightest level (no `when`) covering it, and the heaviest of those (3 includes 2's job).
    #: Heavier levels covering a touched phase are the next rungs ("level 2 if that is not enough"): offered to a
    #: person with `golive rollback RUN --level N`, never applied first (golive.engine.rollback.choose_level).
    covers: list[str] = []
    #: Brings data back (e.g. a database restore): past `rollback_until` a person must confirm it.
    restores_data: bool = False
    #: The condition the runbook states for this level ("only if data is wrong"). Only a person can see it hold,
    #: so golive never applies such a level by itself: a failure runs the undos and the level `covers` says,
    #: and names this one with its condition and the `golive rollback RUN --level N` to run it.
    when: str | None = Field(default=None, min_length=1)
    #: Levels to run after this one's steps ("then level 1"), in this order; each level's steps run once.
    then: Annotated[list[int], BeforeValidator(_one_or_more)] = []
    #: Levels to run before this one's steps ("Run level 1 first"), in this order: choosing this level (golive or a
    #: person) runs them, then this level's steps, then `then`; each level's steps run once.
    first: Annotated[list[int], BeforeValidator(_one_or_more)] = []
    steps: list[AnyStep] = Field(min_length=1)


class Rollback(Strict):
    levels: list[RollbackLevel] = []


def _criterion_shorthand(value: Any) -> Any:
    return {"description": value} if isinstance(value, str) else value


class Criterion(Strict):
    description: str
    check: AnyStep | None = None


def _is_hosts_lock(lock: Lock) -> TypeGuard[HostsLock]:
    from golive.plan.locks import HostsLock

    return isinstance(lock, HostsLock)


class Plan(Strict):
    name: str = Field(min_length=1)
    service: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    environment: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str | None = None
    version: Version | None = None
    vars: dict[str, Annotated[Var, BeforeValidator(_var_shorthand)]] = {}
    window: Window | None = None
    #: Role name -> the people who hold it.
    approvers: dict[str, list[str]] = {}
    separation_of_duties: bool = False
    #: An OpenSSH allowed_signers file (relative to the plan): decisions must then be signed (golive.seal).
    signers: str | None = None
    on_overrun: Overrun = "warn"
    phases: list[Phase] = Field(min_length=1)
    rollback: Rollback = Rollback()
    success_criteria: list[Annotated[Criterion, BeforeValidator(_criterion_shorthand)]] = []
    #: Who to tell and whom to escalate to (golive.plan.evidence).
    contacts: Contacts | None = None
    notifications: Notifications | None = None
    #: The change record (ticket, reason, security impact, testing evidence) for compliance reports.
    change: Change | None = None
    #: Router name -> how to reach it; `switch` and `canary` steps name one (golive.traffic.registry).
    routers: dict[str, RouterConfig] = {}
    #: Host group name -> its SSH hosts; `ssh` steps name one with `on:` (golive.targets.ssh).
    hosts: dict[str, HostGroup] = {}
    #: What else a run locks while it runs, beyond its run log (golive.plan.locks).
    locks: list[Lock] = []

    @model_validator(mode="wrap")
    @classmethod
    def _host_groups(cls, data: Any, handler: Any) -> Any:
        """Makes the group names known while the steps validate, so `on: typo` is reported at that `on:`."""
        groups = data.get("hosts") if isinstance(data, dict) else None
        names = frozenset(str(k) for k in groups) if isinstance(groups, dict) else None
        token = PLAN_GROUPS.set(names)
        try:
            return handler(data)
        finally:
            PLAN_GROUPS.reset(token)

    @model_validator(mode="after")
    def _lock_groups(self) -> Plan:
        if not self.locks:
            return self
        from golive.plan.locks import HostsLock, RouterLock

        for lock in self.locks:
            if isinstance(lock, HostsLock) and lock.hosts not in self.hosts:
                known = ", ".join(self.hosts) or "none defined"
                raise ValueError(f"locks: no host group '{lock.hosts}' (hosts: {known})")
            if isinstance(lock, RouterLock):
                router = self.routers.get(lock.router)
                if router is None:
                    known = ", ".join(self.routers) or "none defined"
                    raise ValueError(f"locks: no router '{lock.router}' (routers: {known})")
                if router.type == "nginx":
                    raise ValueError(f"locks: router '{lock.router}' is nginx, which has no runtime state to hold a"
                                     " lock; lock the built-in proxy or HAProxy, or use local/hosts/postgres")
                if router.type == "haproxy" and not lock.map:
                    raise ValueError(f"locks: router '{lock.router}' is HAProxy: name the map its configuration"
                                     " loads for golive's locks (map: /etc/haproxy/golive-locks.map)")
        return self

    @model_validator(mode="after")
    def _bind_host_locks(self) -> Plan:
        """Steps that change hosts lock them (golive.targets.hostlock) at the path the plan's `locks: hosts`
        names for the group, else the service's default; `held`: groups the run locks from its start."""
        declared = {lock.hosts: lock.path for lock in self.locks if _is_hosts_lock(lock)}
        paths: dict[str, str] = {}
        if self.hosts:  # (a plan without host groups has no step that locks one)
            from golive.targets.hostlock import default_path

            paths = {g: declared.get(g) or default_path(self.service, self.environment, group.lock_dir)
                     for g, group in self.hosts.items()}
        steps = self.steps_by_id().values()
        # groups an `ssh` step runs on: it keeps their lock files until the run ends (golive.steps.ssh)
        kept = frozenset(str(on) for step in steps if (on := getattr(getattr(step, "ssh", None), "on", None)))
        for step in steps:
            bind = getattr(step, "bind_host_lock", None)
            if bind is not None:
                bind(paths, set(declared), f"{self.service}/{self.environment}", kept)
        return self

    @model_validator(mode="after")
    def _bind_routers(self) -> Plan:
        """Traffic steps name a router; resolve the names now so a typo fails validation, not the run."""
        for sid, step in self.steps_by_id().items():
            for name, arg in (("bind_routers", self.routers), ("bind_hosts", self.hosts)):
                bind = getattr(step, name, None)
                if bind is not None:
                    try:
                        bind(arg)
                    except ValueError as exc:
                        raise ValueError(f"step {sid} '{step.title()}': {exc}") from None
        return self

    @field_validator("vars")
    @classmethod
    def _var_names(cls, value: dict[str, Var]) -> dict[str, Var]:
        import re

        for name in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"var name '{name}' must be letters, digits and _ (usable as ${{{name}}})")
        return value

    # -- step identity ----------------------------------------------------------------------
    def steps_by_id(self) -> dict[str, StepBase]:
        """Every executable step under a stable id: `2.3` (phase 2, step 3), `2.3.undo`, `2.gate.1`, `L3.1`."""
        return number_steps(self)

    def secret_names(self) -> list[str]:
        return [k for k, v in self.vars.items() if v.secret]
