"""An OIDC session is asked about again at its provider: before each decision, and every `oidc.revalidate` while its
person only reads. The real `golive web` over HTTP, the real OpenID provider (oidc-provider on Node.js, see
webconsole.py) logged in through its own login form, and what an administrator does there (disable an account,
revoke its grants, take the provider down) done to it while the person is logged in.

Every wait polls a condition with a deadline; the 1 s revalidation interval is the condition, not luck."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import golive
from golive.web.actions import ACTIONS
from golive.web.oidc import OidcLogin, ProviderTokens, Verdict
from golive.web.revalidate import TokenSeal
from golive.web.team import OidcSettings, Team, TeamConfig
from test_web_revoke import until_ended
from webconsole import Server, console_ports, oidc_provider, serve, team_yaml, waiting_run

DEADLINE = 60.0  # seconds: a deadline, not an expectation


@dataclass
class Provider:
    """The running provider, and what its administrator can do to it."""

    url: str
    stack: ExitStack

    def admin(self, what: str, login: str, **params: str) -> None:
        assert httpx.post(f"{self.url}/test/{what}/{login}", params=params, timeout=30).status_code == 204

    def issued(self) -> list[str]:
        return [str(t) for t in httpx.get(f"{self.url}/test/issued", timeout=30).json()]

    def stop(self) -> None:
        self.stack.close()


@contextmanager
def console(workdir: Path, revalidate: str = "5m") -> Iterator[tuple[Server, Provider, str]]:
    """The console and its provider over a run waiting at the gate rita may approve; yields the run's id too."""
    rid, _ = waiting_run(workdir)
    oidc_port, console_port = console_ports()
    (workdir / "golive-team.yaml").write_text(team_yaml(oidc_port, revalidate=revalidate))
    with ExitStack() as stack:
        provider = Provider(stack.enter_context(oidc_provider(oidc_port, console_port)), stack)
        with serve(workdir, "--port", str(console_port)) as server:
            yield server, provider, rid


def sso_login(server: Server, login: str) -> tuple[httpx.Client, str]:
    """Logged in through the provider's own login form, as a browser would; the client and its CSRF token."""
    c = server.client()
    form = c.get("/auth/oidc/start", follow_redirects=True)
    found = re.search(r'<form[^>]*action="([^"]+)"', form.text)
    assert form.status_code == 200 and found, form.text[:500]
    r = c.post(str(form.url.join(found.group(1))), data={"prompt": "login", "login": login, "password": "any"},
               follow_redirects=True)
    assert r.status_code == 200 and str(r.url) == server.url + "/", (r.status_code, str(r.url))
    session = c.get("/api/session").json()
    assert session["who"]["how"].startswith("OIDC "), session
    return c, str(session["csrf"])


def approve(c: httpx.Client, csrf: str, rid: str) -> httpx.Response:
    return c.post(f"/api/runs/{rid}/actions/approve", json={"reason": "dashboards are green"},
                  headers={"X-CSRF-Token": csrf})


def approvals(workdir: Path, rid: str) -> list[dict[str, Any]]:
    events = [json.loads(line) for line in golive("log", rid, "--json", cwd=workdir).out.splitlines()]
    return [e for e in events if e["type"] == "gate.approved"]


def sessions_of(workdir: Path, person: str) -> list[dict[str, Any]]:
    data = json.loads((workdir / ".golive" / "web" / "sessions.json").read_text())
    return [rec for rec in data.values() if rec["who"]["person"] == person]


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)  # polls the console; bounded by the deadline


def test_a_person_disabled_at_the_provider_cannot_approve(workdir: Path) -> None:
    with console(workdir) as (server, provider, rid):  # reading asks the provider again only every 5 minutes
        rita, csrf = sso_login(server, "rita")
        assert rita.get(f"/api/runs/{rid}").json()["can"]["approve"]
        provider.admin("disable", "rita")
        assert rita.get("/api/runs").status_code == 200  # reading goes on until the next revalidation...
        r = approve(rita, csrf, rid)  # ...but a decision asks first
        assert r.status_code == 401, r.text
        assert "invalid_grant" in r.json()["error"] and "no longer accepts your sign-in" in r.json()["error"]
        assert rita.get("/api/runs").status_code == 401  # the session has ended on the server
        assert sessions_of(workdir, "rita") == []
        assert approvals(workdir, rid) == []


def test_a_revoked_grant_ends_the_session_at_the_next_revalidation(workdir: Path) -> None:
    with console(workdir, revalidate="1s") as (server, provider, _):
        rita, _ = sso_login(server, "rita")
        vic, _ = sso_login(server, "vic.sso")
        provider.admin("revoke", "rita")
        seen: list[httpx.Response] = []

        def rita_refused() -> bool:
            assert vic.get("/api/runs").status_code == 200  # another person's session is asked again and stands
            seen.append(rita.get("/api/runs"))
            return seen[-1].status_code == 401

        until(rita_refused, "rita's session outlived its revoked grant")
        assert "invalid_grant" in seen[-1].json()["error"]
        assert all(r.status_code == 200 for r in seen[:-1])
        assert sessions_of(workdir, "rita") == [] and len(sessions_of(workdir, "vic")) == 1
        assert rita.get("/", follow_redirects=False).status_code in (302, 303, 307)  # pages send to the login form


def test_without_a_refresh_token_userinfo_is_asked(workdir: Path) -> None:
    with console(workdir) as (server, provider, rid):
        provider.admin("no-refresh", "rita")
        rita, csrf = sso_login(server, "rita")
        assert len(provider.issued()) == 2  # an access token and an ID token: nothing to refresh with
        provider.admin("disable", "rita")
        r = approve(rita, csrf, rid)
        assert r.status_code == 401 and "HTTP 401" in r.json()["error"], r.text
        assert approvals(workdir, rid) == [] and sessions_of(workdir, "rita") == []


def test_groups_taken_away_at_the_provider_take_the_role_away(workdir: Path) -> None:
    with console(workdir, revalidate="1s") as (server, provider, _):
        team = workdir / "golive-team.yaml"
        team.write_text(team.read_text().replace("operator: [olga]", 'operator: [olga, "group:sre"]'))
        provider.admin("groups", "vic.sso", set="sre")
        vic, _ = sso_login(server, "vic.sso")
        assert vic.get("/api/session").json()["who"]["operator"]
        provider.admin("groups", "vic.sso", set="dev")

        def not_an_operator() -> bool:
            assert vic.get("/api/runs").status_code == 200  # asks the provider once the interval has passed
            who = vic.get("/api/session").json()["who"]
            return bool(who["groups"] == ["dev"] and not who["operator"])

        until(not_an_operator, "vic kept the role his provider group gave him")


def test_an_open_stream_ends_when_the_provider_refuses(workdir: Path) -> None:
    with console(workdir, revalidate="1s") as (server, provider, _):
        rita, _ = sso_login(server, "rita")
        with rita.stream("GET", "/api/runs/stream", timeout=60) as stream:
            assert stream.status_code == 200
            provider.admin("revoke", "rita")
            until_ended(stream)
        assert rita.get("/api/runs").status_code == 401


def test_provider_down_refuses_a_decision_and_reading_goes_on(workdir: Path) -> None:
    with console(workdir, revalidate="1s") as (server, provider, rid):
        rita, csrf = sso_login(server, "rita")
        provider.stop()
        r = approve(rita, csrf, rid)
        assert r.status_code == 503, r.text
        message = r.json()["error"]
        assert "cannot reach the identity provider" in message and "refused" in message
        assert "reading the console goes on" in message
        assert approvals(workdir, rid) == []
        changes = [f"/api/runs/{rid}/actions/{a}" for a in ACTIONS] + [f"/api/runs/{rid}/resume",
                                                                       f"/api/runs/{rid}/abort", "/api/plans/0/start"]
        for url in changes:  # every change made in the console's name waits for the provider, not only approve
            r = rita.post(url, json={"reason": "r", "level": 1, "typed": "shop"}, headers={"X-CSRF-Token": csrf})
            assert r.status_code == 503 and "identity provider" in r.json()["error"], (url, r.text)
        tried = sessions_of(workdir, "rita")[0]["oidc"]["tried"]

        def asked_again_while_reading() -> bool:  # a read past the interval asks, gets no answer, and goes on
            assert rita.get("/api/runs").status_code == 200
            return bool(sessions_of(workdir, "rita")[0]["oidc"]["tried"] > tried)

        until(asked_again_while_reading, "reading never asked the provider again")
        assert rita.get("/api/runs").status_code == 200
        assert rita.get("/", follow_redirects=False).status_code == 200
        assert approve(rita, csrf, rid).status_code == 503


def test_no_token_value_reaches_the_cookie_the_state_the_logs_or_the_events(workdir: Path,
                                                                          capfd: pytest.CaptureFixture[str]) -> None:
    with console(workdir, revalidate="1s") as (server, provider, rid):
        rita, csrf = sso_login(server, "rita")
        r = approve(rita, csrf, rid)  # asks the provider (the refresh grant) first, then records the approval
        assert r.status_code == 200, r.text
        tokens = provider.issued()
        cookie = str(rita.cookies["golive_session"])
        state = (workdir / ".golive" / "web" / "sessions.json").read_text()
    assert len(tokens) >= 5  # access, refresh and ID token at login; a new access and ID token from the refresh
    payload = json.loads(base64.b64decode(cookie.split(".")[0] + "=="))
    assert set(payload) <= {"sid", "seen", "csrf"}  # the cookie names the session; the server keeps the rest
    assert "sealed" in state
    assert server.proc.stdout is not None and server.proc.stderr is not None
    outputs = {
        "cookie": json.dumps(payload), "sessions.json": state,
        "console stdout": server.proc.stdout.read(), "console stderr": server.proc.stderr.read(),
        "events": golive("log", rid, "--json", cwd=workdir).out,
        "report": golive("report", rid, cwd=workdir).out,
        # every file in the directory: the run log's database (and its WAL), the console's state, runner logs
        "files": "".join(p.read_bytes().decode("latin-1") for p in workdir.rglob("*") if p.is_file()),
    }
    captured = capfd.readouterr()
    outputs["test output"] = captured.out + captured.err
    assert len(approvals(workdir, rid)) == 1
    for token in tokens:
        pieces = [token] if "." in token else [token, token[:12], token[-12:]]  # an opaque token, in part too
        for where, text in outputs.items():
            assert not any(p in text for p in pieces), f"a token value is in the {where}"


def test_sealed_tokens_open_only_for_their_session_and_never_print() -> None:
    tokens = ProviderTokens(access_token="at-value-1234567890", refresh_token="rt-value-1234567890", expires_at=5.0)
    seal = TokenSeal("the session secret")
    sealed = seal.seal("sid-1", tokens)
    assert "value" not in sealed and "value" not in repr(tokens)
    assert seal.open("sid-1", sealed, 5.0) == tokens
    assert seal.open("sid-2", sealed, 5.0) is None  # moved to another session: does not open
    assert TokenSeal("another secret").open("sid-1", sealed, 5.0) is None


def test_an_expired_access_token_without_a_refresh_token_is_refused_without_asking() -> None:
    """Nothing listens on port 9: had it asked, the answer would be "unanswered", not "refused"."""
    settings = OidcSettings(discovery_url="http://127.0.0.1:9/.well-known/openid-configuration", client_id="c")
    login = OidcLogin(settings, Team(TeamConfig()))
    expired = ProviderTokens(access_token="at-value", expires_at=100.0)
    answer = asyncio.run(login.reconfirm(expired, "rita", now=101.0))
    assert answer.verdict is Verdict.REFUSED and "expired" in answer.reason
    assert asyncio.run(login.reconfirm(ProviderTokens(access_token="at-value", expires_at=200.0), "rita",
                                       now=101.0)).verdict is Verdict.UNANSWERED


class _Answers:
    """What a provider answers to the refresh grant and to userinfo (the shapes authlib returns)."""

    def __init__(self, userinfo: dict[str, Any]) -> None:
        self.said = userinfo

    async def fetch_access_token(self, **_: Any) -> dict[str, Any]:
        return {"access_token": "at-new-1234567890", "expires_in": 300, "token_type": "Bearer"}

    async def userinfo(self, **_: Any) -> dict[str, Any]:
        return self.said


@pytest.mark.parametrize(("userinfo", "groups"), [
    ({"sub": "rita", "preferred_username": "rita", "groups": ["release"]}, ("release",)),
    ({"sub": "rita", "preferred_username": "rita", "groups": []}, ()),  # every group taken away: said so
    ({"sub": "rita", "preferred_username": "rita"}, None),  # groups only in the ID token: userinfo says nothing
])
def test_groups_follow_userinfo_only_when_it_speaks_of_them(userinfo: dict[str, Any],
                                                             groups: tuple[str, ...] | None) -> None:
    """Azure AD (by default) and Okta's custom claims put groups in the ID token only: an empty list read from a
    userinfo without the claim had taken every role by group away at the first check, five minutes after login."""
    settings = OidcSettings(discovery_url="http://127.0.0.1:9/.well-known/openid-configuration", client_id="c")
    login = OidcLogin(settings, Team(TeamConfig()))
    login.client = _Answers(userinfo)  # type: ignore[assignment]
    tokens = ProviderTokens(access_token="at-old-1234567890", refresh_token="rt-1234567890", expires_at=200.0)
    answer = asyncio.run(login.reconfirm(tokens, "rita", now=101.0))
    assert answer.verdict is Verdict.CONFIRMED
    assert answer.groups == groups
