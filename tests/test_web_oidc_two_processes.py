"""Two `golive web` processes on one state directory, one OIDC session, a provider that rotates refresh tokens
(each is good once; presenting a used one is refused and revokes the grant). When both processes find the session
due for a revalidation at the same moment, one asks the provider and the other uses its answer and its new refresh
token: the session lives on in both. And logging out revokes the session's tokens at the provider (RFC 7009).

The real OpenID provider (oidc-provider on Node.js, tests/oidc/provider.mjs): its barrier holds token requests
until two have arrived (or 5 s passed) and then lets them through one after another, as a provider's database
takes them, so two processes refreshing at once are seen at once, and one alone goes through after the deadline.
Every wait is a condition with a deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from test_web_oidc_revalidate import DEADLINE, Provider, sessions_of, sso_login, until
from webconsole import OIDC_SECRET, Server, console_ports, oidc_provider, serve, team_yaml, waiting_run


@contextmanager
def two_consoles(workdir: Path, rotate: bool = True, revalidate: str = "1s", token_only: bool = False) -> Iterator[
        tuple[Server, Server, Provider]]:
    waiting_run(workdir)
    oidc_port, console_port = console_ports()
    (workdir / "golive-team.yaml").write_text(team_yaml(oidc_port, revalidate=revalidate))
    env = {"OIDC_ROTATE": "1"} if rotate else {}
    if token_only:  # revoking a refresh token revokes it alone, not the grant with every token of it
        env["OIDC_REVOKE_TOKEN_ONLY"] = "1"
    with ExitStack() as stack:
        provider = Provider(stack.enter_context(oidc_provider(oidc_port, console_port, env=env)), stack)
        first = stack.enter_context(serve(workdir, "--port", str(console_port)))  # the provider's callback
        second = stack.enter_context(serve(workdir))  # the same state directory: sessions, secret, keys
        yield first, second, provider


def _due(workdir: Path) -> None:
    """Until rita's session is due for a revalidation (1 s after the provider was last asked)."""
    def due() -> bool:
        [rec] = sessions_of(workdir, "rita")
        return time.time() - float(rec["oidc"]["checked"]) > 1.2
    until(due, "the session to be due for a revalidation")


def _both_at_once(first: httpx.Client, second: httpx.Client) -> list[int]:
    codes: dict[int, int] = {}

    def read(i: int, c: httpx.Client) -> None:
        codes[i] = c.get("/api/runs").status_code

    threads = [threading.Thread(target=read, args=(i, c)) for i, c in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE)
    return [codes.get(0, 0), codes.get(1, 0)]


def test_two_processes_refresh_a_session_once_and_both_use_the_answer(workdir: Path) -> None:
    with two_consoles(workdir) as (first, second, provider):
        rita, _ = sso_login(first, "rita")
        elsewhere = second.client()
        elsewhere.cookies = rita.cookies  # the same browser, its requests balanced over the two processes
        assert elsewhere.get("/api/runs").status_code == 200
        _due(workdir)
        assert httpx.post(f"{provider.url}/test/barrier", params={"n": "2"}, timeout=30).status_code == 204
        assert _both_at_once(rita, elsewhere) == [200, 200]
        calls = httpx.get(f"{provider.url}/test/token-calls", timeout=30).json()["calls"]
        assert calls == 1, f"{calls} refreshes of one session (one process must ask, the other use its answer)"
        # the rotated refresh token both now hold is the one the provider will take next time, in either process
        _due(workdir)
        assert elsewhere.get("/api/runs").status_code == 200
        _due(workdir)
        assert rita.get("/api/runs").status_code == 200
        assert len(sessions_of(workdir, "rita")) == 1


def _login_tokens(provider: Provider, server: Server, login: str) -> tuple[httpx.Client, str, str, str]:
    """Logged in; the client, its CSRF token, and the access and refresh tokens the login was given (its token
    response adds access, refresh and ID token to the provider's list, in that order)."""
    before = len(provider.issued())
    client, csrf = sso_login(server, login)
    access, refresh, _id_token = provider.issued()[before:before + 3]
    return client, csrf, access, refresh


def _refresh_works(provider: Provider, refresh: str) -> bool:
    r = httpx.post(f"{provider.url}/token", data={"grant_type": "refresh_token", "refresh_token": refresh},
                   auth=("golive", OIDC_SECRET), timeout=30)
    return r.status_code == 200


def _access_works(provider: Provider, access: str) -> bool:
    return httpx.get(f"{provider.url}/me", headers={"Authorization": f"Bearer {access}"}, timeout=30).status_code == 200


def test_logout_revokes_the_sessions_tokens_at_the_provider(workdir: Path) -> None:
    with two_consoles(workdir, rotate=False, revalidate="5m") as (first, second, provider):
        rita, csrf, access, refresh = _login_tokens(provider, first, "rita")
        vic, vic_csrf, vic_access, vic_refresh = _login_tokens(provider, first, "vic.sso")
        r = rita.post("/api/logout", json={}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200 and r.json()["provider"] == "revoked at the identity provider", r.text
        assert not _access_works(provider, access)  # revoked: a copy of either token is worth nothing now
        assert not _refresh_works(provider, refresh)
        assert _access_works(provider, vic_access)  # another person's session is not touched
        elsewhere = second.client()  # logging out in the other process revokes the same way
        elsewhere.cookies = vic.cookies
        r = elsewhere.post("/api/logout", json={}, headers={"X-CSRF-Token": vic_csrf})
        assert r.status_code == 200 and r.json()["provider"] == "revoked at the identity provider", r.text
        assert not _refresh_works(provider, vic_refresh)


def _revocations_held(provider: Provider) -> int:
    return int(httpx.get(f"{provider.url}/test/revocations-held", timeout=30).json()["held"])


def test_logout_ends_the_session_before_the_provider_answers_the_revocation(workdir: Path) -> None:
    """A slow provider: while it holds logout's revocation, a copy of the cookie (in the other process too) is
    already refused; the revocation then goes through and logout reports it."""
    with two_consoles(workdir, rotate=False, revalidate="5m") as (first, second, provider):
        rita, csrf, _access, refresh = _login_tokens(provider, first, "rita")
        copied = second.client()
        copied.cookies = rita.cookies
        assert copied.get("/api/runs").status_code == 200
        assert httpx.post(f"{provider.url}/test/hold-revocation", timeout=30).status_code == 204
        answer: dict[str, httpx.Response] = {}
        out = threading.Thread(target=lambda: answer.setdefault("r", rita.post(
            "/api/logout", json={}, headers={"X-CSRF-Token": csrf})))
        out.start()
        try:
            until(lambda: _revocations_held(provider) >= 1, "logout's revocation to reach the provider")
            assert copied.get("/api/runs").status_code == 401  # ended while the provider has not answered
            assert out.is_alive() and _revocations_held(provider) >= 1  # (the logout is still waiting for it)
            assert sessions_of(workdir, "rita") == []
        finally:
            httpx.post(f"{provider.url}/test/release-revocation", timeout=30)
            out.join(DEADLINE)
        r = answer["r"]
        assert r.status_code == 200 and r.json()["provider"] == "revoked at the identity provider", r.text
        assert not _refresh_works(provider, refresh)


def test_logout_ends_the_session_when_the_lock_directory_cannot_be_made(workdir: Path) -> None:
    """An OSError around the provider's side (here: the per-session lock directory is a file) never keeps a session
    alive: the session ends, the reply is 200."""
    with two_consoles(workdir, rotate=False, revalidate="5m") as (first, _second, provider):
        rita, csrf, _access, _refresh = _login_tokens(provider, first, "rita")
        locks = workdir / ".golive" / "web" / "oidc-locks"
        if locks.is_dir():
            for f in locks.iterdir():
                f.unlink()
            locks.rmdir()
        locks.parent.mkdir(parents=True, exist_ok=True)
        locks.write_text("")
        r = rita.post("/api/logout", json={}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        assert sessions_of(workdir, "rita") == []
        assert rita.get("/api/runs").status_code == 401


def _token_answers_held(provider: Provider) -> int:
    return int(httpx.get(f"{provider.url}/test/token-answers-held", timeout=30).json()["held"])


def test_tokens_a_refresh_brings_back_after_logout_are_revoked(workdir: Path) -> None:
    """A refresh under way in one process when the person logs out in the other: the provider has granted new
    tokens, logout ends the session and revokes the tokens it kept, then the refresh's answer arrives. Nobody keeps
    those new tokens (the session is gone), so they are revoked too, and the request is refused. The provider
    revokes a refresh token alone (not its grant), so logout's revocation does not take the new ones with it."""
    with two_consoles(workdir, rotate=True, revalidate="1s", token_only=True) as (first, second, provider):
        rita, csrf, _access, _refresh = _login_tokens(provider, first, "rita")
        elsewhere = second.client()
        elsewhere.cookies = rita.cookies
        _due(workdir)
        before = len(provider.issued())
        assert httpx.post(f"{provider.url}/test/hold-token-answers", timeout=30).status_code == 204
        answer: dict[str, int] = {}
        reading = threading.Thread(target=lambda: answer.setdefault("code", elsewhere.get("/api/runs").status_code))
        reading.start()
        try:
            until(lambda: _token_answers_held(provider) >= 1, "the refresh to be granted and its answer held")
            out = rita.post("/api/logout", json={}, headers={"X-CSRF-Token": csrf})
            assert out.status_code == 200 and out.json()["provider"] == "revoked at the identity provider", out.text
        finally:
            httpx.post(f"{provider.url}/test/release-token-answers", timeout=30)
            reading.join(DEADLINE)
        assert answer.get("code") == 401  # the refresh found the session ended (it had answered 200 before)
        access, refresh = provider.issued()[before:before + 2]  # what the refresh was given
        assert not _access_works(provider, access)
        assert not _refresh_works(provider, refresh)
        assert sessions_of(workdir, "rita") == []
