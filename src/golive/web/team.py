"""The team config of the console: who holds which role, how people log in, how long a session lasts.

Roles are the plan's roles plus this file. A role the plan names people for (`approvers:`) is held by exactly
those people, so the browser and `golive approve` never disagree; roles the plan leaves open, and the console's
own `viewer` and `operator`, come from here. One person may log in several ways (OIDC, a local account): the
`people` section ties those identities to one name, so separation of duties holds whichever way they came in.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from golive.errors import UsageError
from golive.units import parse_duration

VIEWER, OPERATOR = "viewer", "operator"
#: Seconds, written in the team file as `300`, `15m` or `1h30m` (golive.units.parse_duration).
Seconds = Annotated[float, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OidcSettings(_Strict):
    #: The provider's discovery document (`.../.well-known/openid-configuration`).
    discovery_url: str
    client_id: str
    #: The client secret is read from this environment variable, never from the file.
    client_secret_env: str | None = None
    name_claim: str = "preferred_username"
    groups_claim: str = "groups"
    scope: str = "openid profile groups"
    #: A CA bundle to trust for the provider (a private CA); default: the system's.
    ca_file: str | None = None
    label: str = "single sign-on"
    #: Ask the provider again at most this often while someone only reads (a decision always asks first).
    revalidate: Seconds = 5 * 60


class SessionSettings(_Strict):
    idle: Seconds = 15 * 60
    absolute: Seconds = 12 * 3600


class LoginLimit(_Strict):
    #: Failed logins allowed per window, per source address and per account name.
    failures: int = 5
    window: Seconds = 300


class TeamConfig(_Strict):
    oidc: OidcSettings | None = None
    #: role -> members: a person's name, `group:NAME` (an OIDC group), or `*` (anyone logged in).
    roles: dict[str, list[str]] = Field(default_factory=lambda: {VIEWER: ["*"]})
    #: person -> identities: `local:NAME` or `oidc:SUBJECT` (the provider's subject claim).
    people: dict[str, list[str]] = Field(default_factory=dict)
    session: SessionSettings = SessionSettings()
    login_limit: LoginLimit = LoginLimit()
    #: The directory of plans operators may start from the console (relative to this file); none: no starting.
    plans: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who is acting, as the console authenticated them."""

    person: str
    #: oidc | local | token
    method: str
    groups: tuple[str, ...] = ()
    issuer: str | None = None
    subject: str | None = None
    second_factor: bool = False
    #: An API token acts only in this role, whatever else its person holds.
    token_role: str | None = None
    token_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_session(self) -> dict[str, Any]:
        return {"person": self.person, "method": self.method, "groups": list(self.groups), "issuer": self.issuer,
                "subject": self.subject, "second_factor": self.second_factor}

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Identity:
        return cls(person=str(data["person"]), method=str(data["method"]),
                   groups=tuple(str(g) for g in data.get("groups") or ()), issuer=data.get("issuer"),
                   subject=data.get("subject"), second_factor=bool(data.get("second_factor")))

    def how(self) -> str:
        """How this person was authenticated, in the words of the audit log."""
        if self.method == "oidc":
            return f"OIDC {self.issuer} subject {self.subject}"
        if self.method == "token":
            return f"API token {self.token_id} (role {self.token_role})"
        return "local account" + (" with second factor (TOTP)" if self.second_factor else " (password only)")


class Team:
    """The team config as the console applies it now.

    Loaded from a file, it is read again whenever the file changes: taking a person out of a role must take
    effect on their next request, not at the next restart (the console runs for weeks). A file that no longer
    reads or validates grants nothing until it is fixed, rather than keeping roles someone may just have
    removed. The sign-in settings (OIDC, session limits, login limits, the plans directory) are wired in at
    start, so a change to those is reported and takes effect at the next restart."""

    def __init__(self, config: TeamConfig, base: Path | None = None, path: Path | None = None) -> None:
        self._config = config
        #: Where the team file is: its relative paths (plans) start there.
        self.base = base or Path.cwd()
        self._path = path
        self._stamp = _stamp(path) if path is not None else None

    @property
    def config(self) -> TeamConfig:
        if self._path is not None:
            self._refresh(self._path)
        return self._config

    def _refresh(self, path: Path) -> None:
        stamp = _stamp(path)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        old = self._config
        fixed = {"oidc": old.oidc, "session": old.session, "login_limit": old.login_limit, "plans": old.plans}
        try:
            new = _read(path)
        except UsageError as exc:
            self._config = old.model_copy(update={"roles": {VIEWER: []}, "people": {}})
            _say(f"{exc}; until it is fixed, nobody holds a role from it")
            return
        if any(getattr(new, k) != v for k, v in fixed.items()):
            _say(f"team config {path} changed its sign-in settings (oidc, session, login_limit, plans):"
                 " they take effect when the console restarts; roles and people apply now")
        self._config = new.model_copy(update=fixed)

    @property
    def plans_dir(self) -> Path | None:
        return self.base / self.config.plans if self.config.plans else None

    @property
    def oidc(self) -> OidcSettings | None:
        return self.config.oidc

    def person_for(self, identity_key: str, fallback: str) -> str:
        """The person an identity (`local:ian`, `oidc:SUBJECT`) belongs to; unlisted, the name it gave."""
        for person, keys in self.config.people.items():
            if identity_key in keys:
                return person
        return fallback

    def _member(self, who: Identity, members: list[str]) -> bool:
        wanted = who.person.strip().casefold()
        for m in members:
            if m == "*" or m.strip().casefold() == wanted:
                return True
            if m.startswith("group:") and m[6:] in who.groups:
                return True
        return False

    def holds(self, who: Identity, role: str, plan_approvers: dict[str, list[str]] | None = None) -> bool:
        """Whether `who` holds `role` (for one run's plan when `plan_approvers` is given); a token only its own."""
        if who.token_role is not None and who.token_role != role and role != VIEWER:
            return False
        named = (plan_approvers or {}).get(role)
        if named:
            return self._member(who, list(named))
        if role == VIEWER:
            return self._member(who, self.config.roles.get(VIEWER, ["*"]))
        return self._member(who, self.config.roles.get(role, []))


def _stamp(path: Path) -> bytes | None:
    """The file's bytes: a small read per request, and unlike a modification time it misses no rewrite, however
    quickly it follows the last one."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _say(message: str) -> None:
    print(f"golive web: {message}", file=sys.stderr, flush=True)


def _read(path: Path) -> TeamConfig:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe", pure=False).load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise UsageError(f"cannot read team config {path}: {exc.strerror}") from None
    except YAMLError as exc:
        raise UsageError(f"team config {path} is not YAML: {exc}") from None
    try:
        return TeamConfig.model_validate(data)
    except (ValidationError, ValueError) as exc:
        raise UsageError(f"team config {path}: {exc}") from None


def load_team(path: Path | None) -> Team:
    """The team config at `path` (YAML), followed as it changes; none at all means: anyone who logs in views,
    nobody operates."""
    if path is None:
        return Team(TeamConfig())
    return Team(_read(path), path.parent, path)
