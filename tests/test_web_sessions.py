"""Session rules of the console without a server: idle and absolute timeouts on a controlled clock, the login
limiter's window, roles from the plan and the team config, and identities tied to one person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request

from golive.web.accounts import Accounts
from golive.web.auth import LoginLimiter, Sessions
from golive.web.team import Identity, Team, TeamConfig


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def request(session: dict[str, Any], headers: dict[str, str] | None = None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "session": session})


def team(**config: Any) -> Team:
    return Team(TeamConfig.model_validate(config))


def test_idle_and_absolute_timeouts(tmp_path: Path) -> None:
    clock = Clock()
    s = Sessions(team(session={"idle": "10m", "absolute": "1h"}), Accounts(tmp_path), clock)
    data: dict[str, Any] = {}
    s.start(request(data), Identity("rita", "local"))
    for _ in range(6):  # active every 9 minutes: the idle timeout never strikes...
        clock.now += 9 * 60
        assert s.who(request(data)) is not None
    clock.now += 9 * 60  # ...but 63 minutes after login the absolute one does
    assert s.who(request(data)) is None
    assert data == {}  # and the session is emptied, not just refused
    s.start(request(data), Identity("rita", "local"))
    clock.now += 10 * 60 + 1
    assert s.who(request(data)) is None


def test_looking_at_the_session_does_not_keep_it_alive(tmp_path: Path) -> None:
    clock = Clock()
    s = Sessions(team(session={"idle": "10m"}), Accounts(tmp_path), clock)
    data: dict[str, Any] = {}
    s.start(request(data), Identity("rita", "local"))
    clock.now += 6 * 60
    assert s.who(request(data), touch=False) is not None
    clock.now += 6 * 60
    assert s.who(request(data)) is None


def test_limiter_counts_failures_in_a_sliding_window() -> None:
    clock = Clock()
    lim = LoginLimiter(3, 60, clock)
    for _ in range(3):
        assert lim.retry_after("addr:1", "name:rita") == 0
        lim.failed("addr:1", "name:rita")
    assert lim.retry_after("addr:1") > 0 and lim.retry_after("name:rita") > 0
    assert lim.retry_after("addr:2", "name:sam") == 0  # others are not locked out
    clock.now += 61
    assert lim.retry_after("addr:1", "name:rita") == 0


def test_roles_from_plan_and_team_config() -> None:
    t = team(roles={"viewer": ["*"], "operator": ["olga", "group:sre"], "dba": ["group:db"]},
             people={"ian": ["local:ian", "oidc:abc-123"]})
    plan_roles = {"release-managers": ["rita", "sam"]}
    rita, olga = Identity("rita", "local"), Identity("olga", "local")
    sre = Identity("Sue", "oidc", groups=("sre",), issuer="https://id", subject="s")
    assert t.holds(rita, "release-managers", plan_roles) and not t.holds(olga, "release-managers", plan_roles)
    assert t.holds(olga, "operator") and t.holds(sre, "operator") and not t.holds(rita, "operator")
    assert t.holds(Identity("x", "oidc", groups=("db",)), "dba", plan_roles)
    # a role the plan names people for is theirs alone: a team group cannot add to it
    t2 = team(roles={"release-managers": ["group:release"]})
    assert not t2.holds(Identity("eve", "oidc", groups=("release",)), "release-managers", plan_roles)
    assert t2.holds(Identity("eve", "oidc", groups=("release",)), "release-managers", {})
    token = Identity("rita", "token", token_role="viewer", token_id="t1")
    assert t.holds(token, "viewer") and not t.holds(token, "release-managers", plan_roles)
    assert t.person_for("oidc:abc-123", "Ian Initiator") == "ian"
    assert t.person_for("oidc:someone-else", "Ian Initiator") == "Ian Initiator"


def test_one_log_reader_per_watched_run_and_none_once_nobody_watches() -> None:
    import asyncio

    from golive.web.feed import Feeds

    class Log:
        def __init__(self) -> None:
            self.reads = 0

        def events(self, run_id: str, after: int = 0) -> list[Any]:
            self.reads += 1
            return []

    async def scenario() -> None:
        log = Log()
        feeds = Feeds(log, lambda ev: {}, poll=0.01)  # type: ignore[arg-type]
        watched = [feeds.of("r1") for _ in range(50)]
        for f in watched:
            f.join()
        assert len({id(f) for f in watched}) == 1 and len(feeds) == 1
        await asyncio.sleep(0.2)
        assert log.reads < 50  # fifty viewers, one reader (about 20 polls in 0.2 s, not 50 x 20)
        for f in watched:
            feeds.left(f)
        assert len(feeds) == 0

    asyncio.run(scenario())
