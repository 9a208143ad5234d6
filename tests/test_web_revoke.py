"""An account's state is checked on every request, whichever way its identity came in: disabling a local account,
or giving it a new password, ends its API tokens and its open event streams at once, as it ends its cookie
sessions. The real `golive web` over HTTP, accounts and tokens made with the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import golive
from webconsole import Server, add_user, serve, team_yaml, waiting_run


@pytest.fixture
def web(workdir: Path) -> Iterator[Server]:
    waiting_run(workdir)
    for name in ("rita", "ian", "vic", "olga"):
        add_user(workdir, name)
    team = team_yaml(None).replace("people:\n", 'people:\n  "Olga Petrova": ["local:olga"]\n')
    (workdir / "golive-team.yaml").write_text(team)
    with serve(workdir) as server:
        yield server


def token(workdir: Path, name: str, role: str = "viewer") -> str:
    r = golive("web", "token", "add", name, "--role", role, cwd=workdir)
    assert r.code == 0, r.err
    return r.out.split()[-1]


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def until_ended(stream: httpx.Response, within: float = 40) -> list[str]:
    """The frames' event names and data lines until the server says the session ended. The server sends a
    heartbeat every 15 s, so the deadline is checked even when no event comes: a stream that goes on for a
    disabled account fails the test."""
    deadline = time.monotonic() + within
    seen: list[str] = []
    for line in stream.iter_lines():
        if line.startswith(("event: ", "data: ")):
            seen.append(line)
        if line == "event: session-ended":
            return seen
        assert time.monotonic() < deadline, f"the stream went on after the account was disabled: {seen}"
    raise AssertionError(f"the stream closed without ending the session: {seen}")


def test_disabling_an_account_ends_its_tokens_and_open_streams_at_once(web: Server, workdir: Path) -> None:
    c = web.client()
    rid = str(c.get("/api/runs", headers=bearer(token(workdir, "rita"))).json()[0]["run"])
    vic_token = token(workdir, "vic")
    olga_token = token(workdir, "olga")
    person_token = token(workdir, "Olga Petrova")  # a person: follows the local account the team ties to them
    vic, _ = web.login("vic")
    for headers in (bearer(vic_token), bearer(olga_token), bearer(person_token)):
        assert c.get("/api/runs", headers=headers).status_code == 200
    # a token for a local account acts as the person the team ties it to, as that account's login does
    assert c.get("/api/session", headers=bearer(olga_token)).json()["who"]["person"] == "Olga Petrova"
    head = vic.get(f"/api/runs/{rid}").json()["head_seq"]
    timeout = httpx.Timeout(60)
    with vic.stream("GET", f"/api/runs/{rid}/events/stream", headers={"Last-Event-ID": str(head)},
                    timeout=timeout) as by_cookie, \
            c.stream("GET", "/api/runs/stream", headers=bearer(vic_token), timeout=timeout) as by_token:
        assert by_cookie.status_code == 200 and by_token.status_code == 200  # both accepted when they opened
        disabled = golive("web", "user", "disable", "vic", cwd=workdir)
        assert disabled.code == 0 and "API tokens" in disabled.out
        assert golive("approve", rid, "--by", "rita", "--reason", "green", cwd=workdir).code == 0  # new events
        run_events = until_ended(by_cookie)
        runs_frames = until_ended(by_token)
    assert run_events == ["event: session-ended"]  # the approval was not sent to a disabled account
    assert runs_frames.count("event: runs") == 1  # the list when it opened, not the change after the disable
    assert c.get("/api/runs", headers=bearer(vic_token)).status_code == 401
    assert vic.get("/api/runs").status_code == 401
    assert c.get("/api/runs", headers=bearer(olga_token)).status_code == 200  # others' tokens go on

    assert golive("web", "user", "enable", "vic", cwd=workdir).code == 0
    assert c.get("/api/runs", headers=bearer(vic_token)).status_code == 401  # enabling does not bring it back
    assert golive("web", "user", "disable", "olga", cwd=workdir).code == 0
    for headers in (bearer(olga_token), bearer(person_token)):
        assert c.get("/api/runs", headers=headers).status_code == 401
    refused = golive("web", "token", "add", "olga", "--role", "viewer", cwd=workdir)
    assert refused.code != 0 and "disabled" in refused.err and "glv_" not in refused.out


def test_a_new_password_ends_the_accounts_tokens(web: Server, workdir: Path) -> None:
    vic_token, rita_token = token(workdir, "vic"), token(workdir, "rita")
    c = web.client()
    assert c.get("/api/runs", headers=bearer(vic_token)).status_code == 200
    changed = subprocess.run([sys.executable, "-m", "golive", "web", "user", "passwd", "vic", "--password-stdin"],
                             cwd=workdir, input="a brand new passphrase\n", capture_output=True, text=True,
                             timeout=60)
    assert changed.returncode == 0, changed.stderr
    assert c.get("/api/runs", headers=bearer(vic_token)).status_code == 401
    assert c.get("/api/runs", headers=bearer(rita_token)).status_code == 200
    assert c.get("/api/runs", headers=bearer(token(workdir, "vic"))).status_code == 200  # a new one works


def test_a_token_made_before_tokens_recorded_their_account_ends_when_it_is_disabled(web: Server,
                                                                                  workdir: Path) -> None:
    """tokens.json from an earlier golive has no `accounts`: an account of the token's name still counts."""
    rita_token = token(workdir, "rita")
    path = workdir / ".golive" / "web" / "tokens.json"
    tokens = json.loads(path.read_text())
    for rec in tokens.values():
        del rec["accounts"]
    path.write_text(json.dumps(tokens))
    c = web.client()
    assert c.get("/api/runs", headers=bearer(rita_token)).status_code == 200
    assert golive("web", "user", "disable", "rita", cwd=workdir).code == 0
    assert c.get("/api/runs", headers=bearer(rita_token)).status_code == 401


def test_the_team_config_applies_as_it_changes_and_a_broken_one_grants_nothing(web: Server, workdir: Path) -> None:
    """Taking a person out of a role in the team file takes effect on their next request, without a restart;
    a team file that no longer validates grants no role until it is fixed."""
    olga, _ = web.login("olga")
    vic, _ = web.login("vic")
    team_file = workdir / "golive-team.yaml"
    named = team_file.read_text()  # olga logs in as the person "Olga Petrova", whom the operators do not name
    assert olga.get("/api/session").json()["who"]["operator"] is False
    original = named.replace("operator: [olga]", 'operator: ["Olga Petrova"]')
    team_file.write_text(original)
    assert olga.get("/api/session").json()["who"]["operator"] is True
    assert olga.get("/api/plans").status_code == 404  # an operator, on a console that starts nothing
    team_file.write_text(named)
    assert olga.get("/api/session").json()["who"]["operator"] is False
    assert olga.get("/api/plans").status_code == 403
    team_file.write_text(original)
    assert olga.get("/api/plans").status_code == 404
    assert vic.get("/api/runs").status_code == 200
    team_file.write_text(original.replace("roles:", "roles: [not, a, mapping]\nrolez:"))
    assert olga.get("/api/plans").status_code == 403
    assert vic.get("/api/runs").status_code == 403
    team_file.write_text(original)
    assert vic.get("/api/runs").status_code == 200
