"""`golive web`, the team console, over HTTP: the real server in a subprocess over the real run log. Who may do what
(anonymous 401, viewer 403, CSRF 403, initiator refused, roles from the plan and the team config), how people log
in (argon2id local accounts, TOTP, rate limits, timeouts, API tokens), how each decision is sealed into the log,
and that the live stream and the JSON API tell what the log holds and nothing secret."""

from __future__ import annotations

import base64
import json
import re
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from conftest import golive
from golive.seal.vouch import public_key_text
from golive.seal.vouch import verify as verify_seal
from golive.store.sqlite import SQLiteStore
from golive.web.accounts import Accounts
from webconsole import MARKER, PASSWORD, PLAN, Server, add_user, own_staging_run, serve, team_yaml, waiting_run


@pytest.fixture
def web(workdir: Path) -> Iterator[Server]:
    waiting_run(workdir)
    for name in ("rita", "ian", "vic", "olga"):
        add_user(workdir, name)
    (workdir / "golive-team.yaml").write_text(team_yaml(None))
    with serve(workdir) as server:
        yield server


def run_id(server: Server) -> str:
    c, _ = server.login("vic")
    return str(c.get("/api/runs").json()[0]["run"])


def log_of(workdir: Path, rid: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in golive("log", rid, "--json", cwd=workdir).out.splitlines()]


def test_anonymous_gets_401_and_pages_send_to_login(web: Server) -> None:
    anon = web.client()
    rid = run_id(web)
    for path in ("/api/runs", f"/api/runs/{rid}", f"/api/runs/{rid}/events", f"/api/runs/{rid}/events/stream",
                 f"/runs/{rid}/report"):
        assert anon.get(path).status_code == 401, path
    assert anon.post(f"/api/runs/{rid}/actions/approve", json={"reason": "x"}).status_code == 401
    page = anon.get(f"/runs/{rid}")
    assert page.status_code == 303 and page.headers["location"] == f"/login?next=/runs/{rid}"
    assert anon.get("/login").status_code == 200
    bad = web.client().get("/api/runs", headers={"Authorization": "Bearer glv_nope_nope"})
    assert bad.status_code == 401


def test_session_cookie_is_httponly_samesite_and_signed(web: Server) -> None:
    c = web.client()
    csrf = c.get("/api/session").json()["csrf"]
    r = c.post("/api/login", json={"name": "vic", "password": PASSWORD}, headers={"X-CSRF-Token": csrf})
    cookie = r.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain HTTP on loopback: a Secure cookie would never come back
    assert r.json()["csrf"] != csrf  # a new session gets a new CSRF token: one planted before login is void
    forged = web.client()
    forged.cookies.set("golive_session", base64.b64encode(json.dumps({"who": {"person": "rita", "method": "local"},
                                                                     "since": 1e12, "seen": 1e12}).encode()).decode())
    assert forged.get("/api/runs").status_code == 401


def test_viewer_post_is_403_and_post_without_csrf_is_403(web: Server, workdir: Path) -> None:
    rid = run_id(web)
    viewer, csrf = web.login("vic")
    r = viewer.post(f"/api/runs/{rid}/actions/approve", json={"reason": "lgtm"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403 and "release-managers" in r.json()["error"]
    rita, rita_csrf = web.login("rita")
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": csrf}):  # vic's token is not rita's
        r = rita.post(f"/api/runs/{rid}/actions/approve", json={"reason": "lgtm"}, headers=headers)
        assert r.status_code == 403 and "CSRF" in r.json()["error"], headers
    assert not any(e["type"] == "gate.approved" for e in log_of(workdir, rid))
    r = rita.post(f"/api/runs/{rid}/actions/approve", json={"reason": ""}, headers={"X-CSRF-Token": rita_csrf})
    assert r.status_code == 400 and "reason" in r.json()["error"]
    r = rita.post(f"/api/runs/{rid}/actions/approve", json={"reason": "dashboards green"},
                  headers={"X-CSRF-Token": rita_csrf})
    assert r.status_code == 200, r.text


def test_initiator_cannot_approve_whichever_way_he_logs_in(web: Server, workdir: Path) -> None:
    rid = run_id(web)
    # ian holds the approver role here (the team names him), so only separation of duties stands in the way
    rid2 = own_staging_run(workdir, "plan2.yaml")
    ian, csrf = web.login("ian")
    for run in (rid, rid2):
        r = ian.post(f"/api/runs/{run}/actions/approve", json={"reason": "mine"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code in (403, 409), r.text
    r = ian.post(f"/api/runs/{rid2}/actions/approve", json={"reason": "mine"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 409 and "separation of duties" in r.json()["error"]
    token = golive("web", "token", "add", "ian", "--role", "release-managers", cwd=workdir).out.split()[-1]
    r = web.client().post(f"/api/runs/{rid2}/actions/approve", json={"reason": "via chat-ops"},
                          headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 409 and "separation of duties" in r.json()["error"]


def test_a_decision_is_sealed_with_identity_method_source_and_agent(web: Server, workdir: Path) -> None:
    rid = run_id(web)
    rita, csrf = web.login("rita")
    r = rita.post(f"/api/runs/{rid}/actions/approve", json={"reason": "canary is green"},
                  headers={"X-CSRF-Token": csrf, "User-Agent": "phone <b>browser</b>"})
    assert r.status_code == 200, r.text
    events = log_of(workdir, rid)
    approved = next(e for e in events if e["type"] == "gate.approved")
    seal = next(e for e in events if e["type"] == "decision.vouched")
    p = seal["payload"]
    assert isinstance(p, dict) and isinstance(approved["payload"], dict)
    assert approved["payload"]["by"] == "rita" and approved["payload"]["reason"] == "canary is green"
    # the decision itself is SSHSIG-signed by the server's key, as a CLI user's key would sign it
    assert approved["payload"]["signature"]["method"] == "server-key" and approved["payload"]["via"] == "golive web"
    assert "password only" in approved["payload"]["auth"] and approved["payload"]["source"] == "127.0.0.1"
    assert p["seals"] == {"seq": approved["seq"], "hash": approved["hash"], "type": "gate.approved"}
    assert p["by"] == "rita" and p["source"] == "127.0.0.1" and p["user_agent"] == "phone <b>browser</b>"
    assert p["auth"]["method"] == "local" and p["auth"]["second_factor"] is False
    assert "password only" in p["auth"]["how"]
    key = Accounts(workdir / ".golive" / "web").server_key()
    assert p["key"] == public_key_text(key)
    assert verify_seal(rid, p)
    assert not verify_seal(rid, {**p, "by": "sam"})  # the signature covers who
    assert not verify_seal(rid, {**p, "seals": {**p["seals"], "seq": 1}})  # and what it seals
    assert golive("audit", "verify", rid, cwd=workdir).code == 0


def test_totp_second_factor_and_each_code_once(workdir: Path) -> None:
    waiting_run(workdir)
    out = add_user(workdir, "sam", totp=True)
    seed = re.search(r"secret=([A-Z2-7]+)", out)
    assert seed, out
    (workdir / "golive-team.yaml").write_text(team_yaml(None))
    with serve(workdir) as web:
        c = web.client()
        csrf = c.get("/api/session").json()["csrf"]
        r = c.post("/api/login", json={"name": "sam", "password": PASSWORD}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 401 and r.json()["totp"] is True
        assert c.get("/api/runs").status_code == 401  # a password alone is not a session
        code = pyotp.TOTP(seed.group(1)).now()
        r = c.post("/api/login", json={"name": "sam", "password": PASSWORD, "code": "000000" if code != "000000"
                                       else "111111"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 401
        r = c.post("/api/login", json={"name": "sam", "password": PASSWORD, "code": code},
                   headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200
        assert "with second factor" in c.get("/api/session").json()["who"]["how"]
        again = web.client()
        csrf2 = again.get("/api/session").json()["csrf"]
        r = again.post("/api/login", json={"name": "sam", "password": PASSWORD, "code": code},
                       headers={"X-CSRF-Token": csrf2})
        assert r.status_code == 401, "a TOTP code works once"
    users = (workdir / ".golive" / "web" / "users.json").read_text()
    assert "$argon2id$" in users and PASSWORD not in users
    assert oct((workdir / ".golive" / "web" / "users.json").stat().st_mode & 0o777) == "0o600"


def test_login_is_rate_limited_even_for_the_right_password(web: Server) -> None:
    c = web.client()
    csrf = c.get("/api/session").json()["csrf"]
    codes = [c.post("/api/login", json={"name": "rita", "password": f"wrong-{i}"},
                    headers={"X-CSRF-Token": csrf}).status_code for i in range(5)]
    assert codes == [401] * 5
    r = c.post("/api/login", json={"name": "rita", "password": PASSWORD}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 429 and r.json()["retry_after"] > 0
    r = c.post("/api/login", json={"name": "nobody", "password": "x"}, headers={})
    assert r.status_code == 403  # the login form needs its CSRF token too


def test_idle_session_ends(workdir: Path) -> None:
    waiting_run(workdir)
    add_user(workdir, "vic")
    # idle long enough for the login's answer and one more request to reach a server on a busy machine
    (workdir / "golive-team.yaml").write_text(team_yaml(None, idle="5s"))
    with serve(workdir) as web:
        c, _ = web.login("vic")
        assert c.get("/api/runs").status_code == 200
        deadline = time.monotonic() + 30
        while c.get("/api/session").json()["who"] is not None:  # /api/session does not count as activity
            assert time.monotonic() < deadline
            time.sleep(0.2)  # waits for the idle timeout, bounded by the deadline
        assert c.get("/api/runs").status_code == 401


def test_api_tokens_are_hashed_role_scoped_and_expire(web: Server, workdir: Path) -> None:
    rid = run_id(web)
    viewer_token = golive("web", "token", "add", "rita", "--role", "viewer", cwd=workdir).out.split()[-1]
    expired = golive("web", "token", "add", "rita", "--role", "release-managers", "--expires", "1s",
                     cwd=workdir).out.split()[-1]
    tokens_file = (workdir / ".golive" / "web" / "tokens.json").read_text()
    assert viewer_token.split("_", 2)[2] not in tokens_file and expired.split("_", 2)[2] not in tokens_file
    as_viewer = {"Authorization": f"Bearer {viewer_token}"}
    c = web.client()
    assert c.get("/api/runs", headers=as_viewer).status_code == 200
    r = c.post(f"/api/runs/{rid}/actions/approve", json={"reason": "x"}, headers=as_viewer)
    assert r.status_code == 403  # rita holds the role, but this token only views
    deadline = time.monotonic() + 30
    while c.get("/api/runs", headers={"Authorization": f"Bearer {expired}"}).status_code != 401:
        assert time.monotonic() < deadline
        time.sleep(0.2)  # waits for the token's expiry, bounded by the deadline
    good = golive("web", "token", "add", "rita", "--role", "release-managers", cwd=workdir).out.split()[-1]
    r = c.post(f"/api/runs/{rid}/actions/approve", json={"reason": "from chat"},
               headers={"Authorization": f"Bearer {good}"})
    assert r.status_code == 200, r.text
    seal = next(e for e in log_of(workdir, rid) if e["type"] == "decision.vouched")["payload"]
    assert isinstance(seal, dict) and seal["auth"]["method"] == "token"
    assert golive("web", "token", "revoke", good.split("_")[1], cwd=workdir).code == 0
    assert c.get("/api/runs", headers={"Authorization": f"Bearer {good}"}).status_code == 401


def test_runs_list_filters_and_puts_waiting_first(web: Server, workdir: Path) -> None:
    (workdir / "done.yaml").write_text("name: quick\nservice: cart\nenvironment: prod\nphases:\n"
                                       "  - name: one\n    steps: ['echo ok']\n")
    assert golive("run", "done.yaml", cwd=workdir, env={"GOLIVE_USER": "olga"}).code == 0
    now = datetime.now(UTC).replace(microsecond=0)
    window = f"{{start: '{(now - timedelta(hours=1)).isoformat()}', end: '{(now + timedelta(hours=2)).isoformat()}'}}"
    (workdir / "windowed.yaml").write_text(f"name: windowed\nservice: pay\nenvironment: prod\nwindow: {window}\n"
                                           "phases:\n  - name: one\n    steps: [{manual: check it}]\n")
    assert golive("run", "windowed.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_USER": "olga"}).code == 3
    c, _ = web.login("vic")
    rows = c.get("/api/runs").json()
    assert [(r["service"], r["status"]) for r in rows] == [("shop", "waiting"), ("pay", "waiting"),
                                                          ("cart", "succeeded")]  # the longest wait first
    assert "release-managers" in rows[0]["waits_for"] and rows[0]["waiting_since"]
    assert rows[0]["window_end"] is None and "manual step 1.1" in rows[1]["waits_for"]
    assert 3600 < rows[1]["window_left"] <= 7200 and rows[2]["window_left"] is None
    assert [r["service"] for r in c.get("/api/runs", params={"service": "cart"}).json()] == ["cart"]
    assert [r["service"] for r in c.get("/api/runs", params={"status": "waiting"}).json()] == ["shop", "pay"]
    assert [r["service"] for r in c.get("/api/runs", params={"person": "olga"}).json()] == ["pay", "cart"]
    assert c.get("/api/runs", params={"environment": "staging"}).json() == []


def test_stream_delivers_the_approval_and_the_end_and_nothing_secret(web: Server, workdir: Path) -> None:
    rid = run_id(web)
    c, _ = web.login("vic")
    head = c.get(f"/api/runs/{rid}").json()["head_seq"]
    seen: list[dict[str, object]] = []
    with c.stream("GET", f"/api/runs/{rid}/events/stream", headers={"Last-Event-ID": str(head)},
                  timeout=httpx.Timeout(60)) as stream:
        assert golive("approve", rid, "--by", "rita", "--reason", "dashboards are green", cwd=workdir).code == 0
        assert golive("resume", rid, "--no-wait", cwd=workdir, env={"SHOP_TOKEN": MARKER}).code == 0
        data = ""
        for line in stream.iter_lines():  # ends at run.finished; httpx's read timeout is the deadline
            if line.startswith("data: "):
                data = line[6:]
            elif line == "" and data:
                seen.append(json.loads(data))
                data = ""
                if seen[-1]["type"] == "run.finished":
                    break
    assert [e["seq"] for e in seen] == list(range(head + 1, head + 1 + len(seen)))
    assert seen[0]["type"] == "gate.approved" and seen[-1]["type"] == "run.finished"
    bodies = [c.get(p) for p in ("/", f"/runs/{rid}", "/static/golive.js", f"/api/runs/{rid}",
                                 f"/api/runs/{rid}/events", f"/runs/{rid}/report", "/api/runs")]
    assert all(b.status_code == 200 for b in bodies), [b.status_code for b in bodies]
    assert not any(MARKER in b.text for b in bodies)
    assert "***" in bodies[4].text
    assert "onerror" not in bodies[1].text  # pages carry no data
    assert "script-src 'self'" in bodies[1].headers["content-security-policy"]
    assert c.get(f"/api/runs/{rid}").json()["status"] == "succeeded"


def test_tls_from_certificate_files_and_secure_cookie(workdir: Path) -> None:
    waiting_run(workdir)
    add_user(workdir, "vic")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"], cwd=workdir, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with serve(workdir, "--tls-cert", "cert.pem", "--tls-key", "key.pem") as web:
        assert web.url.startswith("https://127.0.0.1:")
        c = httpx.Client(base_url=web.url, verify=ssl.create_default_context(cafile=str(workdir / "cert.pem")))
        csrf = c.get("/api/session").json()["csrf"]
        r2 = c.post("/api/login", json={"name": "vic", "password": PASSWORD}, headers={"X-CSRF-Token": csrf})
        assert r2.status_code == 200 and "secure" in r2.headers["set-cookie"].lower()
        c.close()
    bad = golive("web", "--tls-cert", "cert.pem", cwd=workdir, timeout=60)
    assert bad.code == 2 and "go together" in bad.err


def test_refuses_a_port_it_cannot_have(web: Server, workdir: Path) -> None:
    port = web.url.rsplit(":", 1)[1]
    r = golive("web", "--port", port, cwd=workdir, timeout=60)
    assert r.code == 2 and f"cannot listen on 127.0.0.1:{port}" in r.err


def test_without_a_run_log_it_says_where_it_looked(workdir: Path) -> None:
    r = golive("web", "--port", "0", cwd=workdir, timeout=60)
    assert r.code == 2 and "no run log at .golive/golive.db" in r.err


def test_user_add_refuses_a_short_password(workdir: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "golive", "web", "user", "add", "bob", "--password-stdin"],
                          cwd=workdir, input="short\n", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "12 characters" in proc.stderr


def test_store_is_untouched_by_a_refused_action(web: Server, workdir: Path) -> None:
    rid = run_id(web)
    store = SQLiteStore(workdir / ".golive" / "golive.db")
    try:
        before = store.get_run(rid).head_seq
    finally:
        store.close()
    olga, csrf = web.login("olga")
    r = olga.post(f"/api/runs/{rid}/actions/rollback", json={"reason": "bad canary", "typed": "wrong"},
                  headers={"X-CSRF-Token": csrf})
    assert r.status_code == 409 and "type the service name" in r.json()["error"]
    store = SQLiteStore(workdir / ".golive" / "golive.db")
    try:
        assert store.get_run(rid).head_seq == before
    finally:
        store.close()
    r = olga.post(f"/api/runs/{rid}/actions/rollback", json={"reason": "bad canary", "typed": "shop"},
                  headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    assert [e["type"] for e in log_of(workdir, rid)][-2:] == ["rollback.requested", "decision.vouched"]


def test_operator_confirms_a_manual_step_and_resumes_the_run(workdir: Path) -> None:
    (workdir / "manual.yaml").write_text("name: checklist\nservice: cart\nenvironment: prod\nphases:\n"
                                         "  - name: one\n    steps:\n"
                                         "      - manual: {instruction: 'look at the <i>dashboard</i>'}\n"
                                         "      - echo after\n")
    started = golive("run", "manual.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_USER": "ian"})
    assert started.code == 3, started.out + started.err
    rid = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    for name in ("olga", "vic"):
        add_user(workdir, name)
    (workdir / "golive-team.yaml").write_text(team_yaml(None))
    with serve(workdir) as web:
        vic, vic_csrf = web.login("vic")
        view = vic.get(f"/api/runs/{rid}").json()
        assert view["waiting"]["kind"] == "step" and not any(view["can"].values())
        assert vic.post(f"/api/runs/{rid}/resume", headers={"X-CSRF-Token": vic_csrf}).status_code == 403
        olga, csrf = web.login("olga")
        can = olga.get(f"/api/runs/{rid}").json()["can"]
        assert can["confirm"] and can["resume"] and not can["approve"]
        r = olga.post(f"/api/runs/{rid}/actions/confirm", json={"step": "1.1", "reason": "dashboard is fine"},
                      headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        r = olga.post(f"/api/runs/{rid}/resume", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        deadline = time.monotonic() + 120
        while olga.get(f"/api/runs/{rid}").json()["status"] != "succeeded":  # the resumed process finishes it
            assert time.monotonic() < deadline, olga.get(f"/api/runs/{rid}").json()["status"]
            time.sleep(0.2)  # polls the run's state, bounded by the deadline
    types = [e["type"] for e in log_of(workdir, rid)]
    assert types.index("step.confirmed") + 1 == types.index("decision.vouched")


def test_logging_out_ends_the_session_on_the_server_a_replayed_cookie_gets_401(web: Server, workdir: Path) -> None:
    rid = run_id(web)
    vic, csrf = web.login("vic")
    copied = vic.cookies["golive_session"]  # what a thief (or a shared computer) keeps
    assert vic.get("/api/runs").status_code == 200
    assert vic.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    replay = web.client()
    replay.cookies.set("golive_session", copied)
    assert replay.get("/api/runs").status_code == 401
    assert replay.get(f"/api/runs/{rid}/events/stream").status_code == 401
    page = replay.get(f"/runs/{rid}")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert replay.get("/api/session").json()["who"] is None


def test_log_out_everywhere_ends_every_session_of_the_person(web: Server) -> None:
    first, csrf = web.login("vic")
    second, _ = web.login("vic")
    rita, _ = web.login("rita")
    assert second.get("/api/runs").status_code == 200
    r = first.post("/api/logout/everywhere", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["ended"] == 2
    assert first.get("/api/runs").status_code == 401 and second.get("/api/runs").status_code == 401
    assert rita.get("/api/runs").status_code == 200  # only vic's
    third, _ = web.login("vic")
    assert third.post("/api/logout/everywhere").status_code == 403  # a change like any other: CSRF token
    assert third.get("/api/runs").status_code == 200


def test_disabling_an_account_or_changing_its_password_ends_its_sessions(web: Server, workdir: Path) -> None:
    vic, _ = web.login("vic")
    copied = vic.cookies["golive_session"]
    assert golive("web", "user", "disable", "vic", cwd=workdir).code == 0
    assert vic.get("/api/runs").status_code == 401
    c = web.client()
    csrf = c.get("/api/session").json()["csrf"]
    r = c.post("/api/login", json={"name": "vic", "password": PASSWORD}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 401  # a disabled account cannot log in
    assert golive("web", "user", "enable", "vic", cwd=workdir).code == 0
    replay = web.client()
    replay.cookies.set("golive_session", copied)
    assert replay.get("/api/runs").status_code == 401  # enabling again does not bring old sessions back
    vic, _ = web.login("vic")
    assert vic.get("/api/runs").status_code == 200
    new = "a brand new passphrase"
    changed = subprocess.run([sys.executable, "-m", "golive", "web", "user", "passwd", "vic", "--password-stdin"],
                             cwd=workdir, input=new + "\n", capture_output=True, text=True, timeout=60)
    assert changed.returncode == 0, changed.stderr
    assert vic.get("/api/runs").status_code == 401
    again, _ = web.login("vic", password=new)
    assert again.get("/api/runs").status_code == 200


def _until(c: httpx.Client, rid: str, check: Callable[[Any], bool], what: str) -> Any:
    deadline = time.monotonic() + 120
    while True:
        view = c.get(f"/api/runs/{rid}").json()
        if check(view):
            return view
        assert time.monotonic() < deadline, f"{what}: {view.get('status')} {view.get('runner')}"
        time.sleep(0.2)  # polls the run's state, bounded by the deadline


def test_an_operator_starts_aborts_and_resumes_a_run_from_the_console(workdir: Path) -> None:
    plans = workdir / "plans"
    plans.mkdir()
    (plans / "shop.yaml").write_text(PLAN.replace("[rita, sam]", "[rita, sam, olga]"))
    (workdir / "outside.yaml").write_text(PLAN)
    (plans / "link.yaml").symlink_to(workdir / "outside.yaml")  # a way out of the directory: not offered
    for name in ("rita", "vic", "olga"):
        add_user(workdir, name)
    (workdir / "golive-team.yaml").write_text(team_yaml(None) + "plans: plans\n")
    assert not (workdir / ".golive" / "golive.db").exists()  # a console that starts runs makes the log
    with serve(workdir) as web:
        vic, vic_csrf = web.login("vic")
        assert vic.get("/api/plans").status_code == 403
        r = vic.post("/api/plans/shop.yaml/start", json={"confirm": "shop"}, headers={"X-CSRF-Token": vic_csrf})
        assert r.status_code == 403
        olga, csrf = web.login("olga")
        assert olga.post("/api/plans/shop.yaml/start", json={"confirm": "shop"}).status_code == 403  # no CSRF
        assert [p["id"] for p in olga.get("/api/plans").json()] == ["shop.yaml"]
        for bad in ("../outside.yaml", "..%2Foutside.yaml", "%2Fetc%2Fpasswd", "plans/shop.yaml"):
            assert olga.get(f"/api/plans/{bad}").status_code == 404, bad
            assert olga.post(f"/api/plans/{bad}/start", json={"confirm": "shop"},
                             headers={"X-CSRF-Token": csrf}).status_code == 404, bad
        shown = olga.get("/api/plans/shop.yaml").json()
        assert "Deploy" in shown["show"] and "echo undeploy" in json.dumps(shown["rollback_plan"])
        assert shown["vars"] == [{"name": "TOKEN", "secret": True, "description": None, "settable": True,
                                  "default": None, "from_env": "SHOP_TOKEN", "from_file": None, "on_server": False}]
        r = olga.post("/api/plans/shop.yaml/start", json={"confirm": "cart"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 400 and "type the service name" in r.json()["error"]
        r = olga.post("/api/plans/shop.yaml/start", json={"confirm": "shop", "vars": {"TOKEN": MARKER}},
                      headers={"X-CSRF-Token": csrf})
        assert r.status_code == 400 and "secret" in r.json()["error"]  # never as a --var (process list, log)
        r = olga.post("/api/plans/shop.yaml/start", json={"confirm": "shop"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 409 and "SHOP_TOKEN" in r.json()["error"]  # the runner's own refusal, shown
        r = olga.post("/api/plans/shop.yaml/start", json={"confirm": "shop", "secrets": {"TOKEN": MARKER}},
                      headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        rid = r.json()["run"]
        view = _until(olga, rid, lambda v: v['status'] == 'waiting', "never reached its gate")
        assert view["initiator"] == "olga" and view["can"]["abort"] and not view["can"]["resume"]
        r = olga.post(f"/api/runs/{rid}/actions/approve", json={"reason": "mine"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 409 and "separation of duties" in r.json()["error"]
        # abort: an operator's, with a reason; the runner stops as on SIGTERM and the run stays resumable
        assert vic.post(f"/api/runs/{rid}/abort", json={"reason": "x"},
                        headers={"X-CSRF-Token": vic_csrf}).status_code == 403
        assert olga.post(f"/api/runs/{rid}/abort", json={"reason": "x"}).status_code == 403
        assert olga.post(f"/api/runs/{rid}/abort", json={"reason": " "},
                         headers={"X-CSRF-Token": csrf}).status_code == 400
        r = olga.post(f"/api/runs/{rid}/abort", json={"reason": "wrong build"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        view = _until(olga, rid, lambda v: v['runner']['exit_code'] is not None, "the runner never stopped")
        assert view["runner"]["exit_code"] == 143 and view["status"] == "waiting" and view["can"]["resume"]
        assert [v["name"] for v in view["secrets"]] == ["TOKEN"]  # what the page's Resume asks for
        r = olga.post(f"/api/runs/{rid}/resume", json={}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 409 and "SHOP_TOKEN" in r.json()["error"], r.text  # the runner's refusal, shown
        r = olga.post(f"/api/runs/{rid}/resume", json={"secrets": {"TOKEN": MARKER}}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        _until(olga, rid, lambda v: v['runner']['exit_code'] is None and v['can']['abort'], "never resumed")
        rita, rita_csrf = web.login("rita")  # an approver: decides the gate, starts and aborts nothing
        assert rita.post("/api/plans/shop.yaml/start", json={"confirm": "shop"},
                         headers={"X-CSRF-Token": rita_csrf}).status_code == 403
        assert rita.post(f"/api/runs/{rid}/abort", json={"reason": "x"},
                         headers={"X-CSRF-Token": rita_csrf}).status_code == 403
        r = rita.post(f"/api/runs/{rid}/actions/approve", json={"reason": "green"},
                      headers={"X-CSRF-Token": rita_csrf})
        assert r.status_code == 200, r.text
        _until(olga, rid, lambda v: v['status'] == 'succeeded', "the resumed runner never finished")
        answers = [olga.get(p).text for p in (f"/api/runs/{rid}", f"/api/runs/{rid}/events", "/api/plans/shop.yaml")]
    events = log_of(workdir, rid)
    assert not any(MARKER in a for a in answers) and MARKER not in json.dumps(events)
    for f in (workdir / ".golive").rglob("*"):
        assert not f.is_file() or MARKER.encode() not in f.read_bytes(), f
    types = [e["type"] for e in events]
    assert types[types.index("run.abort_requested") + 1] == "decision.vouched"
    seals = [e["payload"] for e in events if e["type"] == "decision.vouched"]
    assert [(s["action"], s["by"], s["seals"]["type"]) for s in seals] == [  # type: ignore[index]
        ("start", "olga", "run.created"), ("abort", "olga", "run.abort_requested"),
        ("approve", "rita", "gate.approved")]
    assert all(verify_seal(rid, s) for s in seals)  # type: ignore[arg-type]
    audit = golive("audit", "verify", rid, cwd=workdir)
    # no signers file: the console's key still signs the start for the person it authenticated
    assert audit.code == 0 and "start run: olga SHA256:" in audit.out and "for olga (local account" in audit.out
    assert "] ✓" in next(line for line in audit.out.splitlines() if "start run: olga" in line), audit.out


def _runs_events(stream: Any) -> Iterator[list[dict[str, Any]]]:
    event, data = "", ""
    for line in stream.iter_lines():  # httpx's read timeout is the deadline
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "" and event == "runs":
            yield json.loads(data)
            event = data = ""


def test_the_runs_list_is_live_new_runs_and_status_changes_arrive_as_events(web: Server, workdir: Path) -> None:
    rid = run_id(web)
    assert web.client().get("/api/runs/stream").status_code == 401
    c, _ = web.login("vic")
    (workdir / "done.yaml").write_text("name: quick\nservice: cart\nenvironment: prod\nphases:\n"
                                       "  - name: one\n    steps: ['echo ok']\n")
    with c.stream("GET", "/api/runs/stream", timeout=httpx.Timeout(120)) as all_runs, \
            c.stream("GET", "/api/runs/stream", params={"service": "shop"}, timeout=httpx.Timeout(120)) as shop:
        lists, shops = _runs_events(all_runs), _runs_events(shop)
        assert [(r["run"], r["status"]) for r in next(lists)] == [(rid, "waiting")]
        assert [r["run"] for r in next(shops)] == [rid]
        assert golive("run", "done.yaml", cwd=workdir, env={"GOLIVE_USER": "olga"}).code == 0
        seen = next(lists)
        while not any(r["service"] == "cart" and r["status"] == "succeeded" for r in seen):
            seen = next(lists)  # the new run appears, then its end (each change is one event)
        assert golive("approve", rid, "--by", "rita", "--reason", "fine", cwd=workdir).code == 0
        assert golive("resume", rid, "--no-wait", cwd=workdir, env={"SHOP_TOKEN": MARKER}).code == 0
        mine = next(shops)
        while mine[0]["status"] != "succeeded":  # the filtered stream follows its run to the end, and only it
            assert [r["service"] for r in mine] == ["shop"]
            mine = next(shops)
        assert [r["service"] for r in mine] == ["shop"] and mine[0]["approvers"] == ["rita"]


def _sealed(workdir: Path, rid: str, type_: str) -> dict[str, Any]:
    """The decision event of `type_` and the `decision.vouched` right after it, sealing it under the server's key."""
    events = log_of(workdir, rid)
    i = next(i for i, e in enumerate(events) if e["type"] == type_)
    decision, seal = events[i], events[i + 1]
    assert seal["type"] == "decision.vouched", [e["type"] for e in events[i:]]
    p, d = seal["payload"], decision["payload"]
    assert isinstance(p, dict) and isinstance(d, dict)
    assert p["seals"] == {"seq": decision["seq"], "hash": decision["hash"], "type": type_}
    assert d["signature"]["method"] == "server-key" and d["via"] == "golive web"
    assert p["key"] == public_key_text(Accounts(workdir / ".golive" / "web").server_key())
    assert verify_seal(rid, p)
    return d


def test_reject_and_resolve_from_the_console_are_sealed_a_viewer_gets_403(web: Server, workdir: Path) -> None:
    """Issue 15: reject and resolve taken in the console, accepted (200) with the events the CLI would record and
    each sealed by a `decision.vouched`; a viewer's reject and resolve are 403 and change nothing."""
    rid = run_id(web)
    vic, vic_csrf = web.login("vic")
    r = vic.post(f"/api/runs/{rid}/actions/reject", json={"reason": "no"}, headers={"X-CSRF-Token": vic_csrf})
    assert r.status_code == 403, r.text
    rita, csrf = web.login("rita")
    r = rita.post(f"/api/runs/{rid}/actions/reject", json={"reason": "error budget burnt"},
                  headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and "NO-GO" in r.json()["message"], r.text
    rejected = _sealed(workdir, rid, "gate.rejected")
    assert rejected["by"] == "rita" and rejected["reason"] == "error budget burnt" and rejected["phase"] == 1

    # a step stopped by SIGTERM (CI cancel, systemd): interrupted, nobody executes the run; an operator resolves it
    (workdir / "slow.yaml").write_text("name: slow\nservice: slow\nenvironment: prod\nphases:\n  - name: one\n"
                                       "    steps:\n      - name: migrate\n        shell: touch started; sleep 300\n")
    proc = subprocess.Popen([sys.executable, "-m", "golive", "run", "slow.yaml", "--no-wait"], cwd=workdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while not (workdir / "started").exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the step never started"
        time.sleep(0.05)  # waits for the step's first command, bounded by the deadline
    proc.terminate()
    assert proc.wait(timeout=60) == 143
    slow = next(x["run"] for x in json.loads(golive("runs", "--json", cwd=workdir).out) if x["service"] == "slow")
    assert "step.interrupted" in [e["type"] for e in log_of(workdir, slow)]
    ask = {"step": "1.1", "outcome": "failed", "reason": "the migration never finished"}
    before = len(log_of(workdir, slow))
    r = vic.post(f"/api/runs/{slow}/actions/resolve", json=ask, headers={"X-CSRF-Token": vic_csrf})
    assert r.status_code == 403, r.text
    assert len(log_of(workdir, slow)) == before
    olga, olga_csrf = web.login("olga")
    r = olga.post(f"/api/runs/{slow}/actions/resolve", json=ask, headers={"X-CSRF-Token": olga_csrf})
    assert r.status_code == 200 and "resolved as failed by olga" in r.json()["message"], r.text
    resolved = _sealed(workdir, slow, "step.resolved")
    assert (resolved["by"], resolved["step"], resolved["as"]) == ("olga", "1.1", "failed")
