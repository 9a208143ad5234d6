"""nginx weights edited in place in a team's own upstream file, as a runbook's `sed -i 's/weight=.../'` does:
on a real nginx under load, only the named servers' weights (and `down`, nginx refuses `weight=0`) change,
every other byte of the file stays, and a file whose servers cannot be found exactly is refused untouched."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.errors import RouterError
from golive.traffic.loadgen import BackgroundLoad
from golive.traffic.local import LocalBackend, LocalNginx
from golive.traffic.nginx import NginxRouter
from golive.traffic.nginx_weights import edit_weights
from golive.traffic.registry import NginxConfig

TEAM_FILE = """# facturacion: kept by the platform team (not golive)
upstream app {{
    zone app 64k;             # shared memory for the workers
    least_conn;
    server {blue} weight=100 max_fails=3 fail_timeout=5s;
    server {green} max_fails=3 fail_timeout=5s down;
    server 127.0.0.1:9 backup;  # the maintenance page
    keepalive 16;
}}
"""


@pytest.fixture
def backends(tmp_path: Path) -> Iterator[tuple[LocalBackend, LocalBackend]]:
    with LocalBackend(tmp_path, "blue") as blue, LocalBackend(tmp_path, "green") as green:
        yield blue, green


def _without_weights(text: str) -> str:
    return re.sub(r" weight=\d+| down(?=[ ;])", "", text)


def test_in_place_weights_keep_every_other_byte_through_a_ramp_and_a_rollback(
        tmp_path: Path, backends: tuple[LocalBackend, LocalBackend]) -> None:
    blue, green = backends
    with LocalNginx(tmp_path, {"facturacion": blue.address}, {"facturacion": 100}) as ng:
        team = TEAM_FILE.format(blue=blue.address, green=green.address)
        ng.upstream_file.write_text(team)  # the include now holds the team's file, not golive's
        nginx = shlex.join([ng.binary, "-p", str(ng.prefix), "-c", str(ng.conf)])
        router = NginxRouter(None, str(ng.upstream_file), {"v31": [blue.address], "v32": [green.address]},
                             in_place=True, pid_file=str(ng.pid_file), test_command=f"{nginx} -t",
                             reload_command=f"{nginx} -s reload")
        router.set_weights({"v31": 100})  # the team's file, loaded
        assert router.weights() == {"v31": 100, "v32": 0}
        with BackgroundLoad(ng.url, rate=200, concurrency=8, max_requests=100_000, max_seconds=60) as load:
            load.wait_for("blue", 20)
            for w in (10, 50, 100):  # the runbook's ramp
                router.set_weights({"v32": w, "v31": 100 - w})
                assert router.weights() == {"v31": 100 - w, "v32": w}
                text = ng.upstream_file.read_text()
                assert _without_weights(text) == _without_weights(team)
                assert f"server {green.address} max_fails=3 fail_timeout=5s weight={w};" not in text
                load.wait_for("green", load.answered_by("green") + 20)
            assert f"server {blue.address} weight=50 max_fails=3 fail_timeout=5s down;" in text
            router.set_weights({"v31": 100})  # level 1: traffic back
            back = load.answered_by("blue")
            load.wait_for("blue", back + 50)
            report = load.stop()
        assert report.failures == [], report.summary()
        assert [r.backend for r in report.records[-20:]] == ["blue"] * 20
        final = ng.upstream_file.read_text()
    assert final == TEAM_FILE.format(blue=blue.address, green=green.address).replace(
        f"{green.address} max_fails=3 fail_timeout=5s down;", f"{green.address} weight=100 max_fails=3"
        " fail_timeout=5s down;")


def test_a_rejected_edit_restores_the_team_file(tmp_path: Path, backends: tuple[LocalBackend, LocalBackend]) -> None:
    """The runbook's own check (`nginx -t`) refusing the edit leaves the file as it was."""
    blue, green = backends
    with LocalNginx(tmp_path, {"facturacion": blue.address}, {"facturacion": 100}) as ng:
        team = TEAM_FILE.format(blue=blue.address, green=green.address)
        ng.upstream_file.write_text(team)
        router = NginxRouter(None, str(ng.upstream_file), {"v31": [blue.address], "v32": [green.address]},
                             in_place=True, test_command="false", reload_command="true")
        with pytest.raises(RouterError, match="false rejected the new upstream, previous file restored"):
            router.set_weights({"v32": 10, "v31": 90})
        assert ng.upstream_file.read_text() == team


@pytest.mark.parametrize(("upstream", "text", "why"), [
    ("app", "upstream app {\n    server 10.0.0.1:80 weight=5;\n}\n", "has 0 'server 10.0.0.2:80' lines"),
    (None, "upstream app {\n    server 10.0.0.1:80 weight=5;\n}\n", "0 upstream blocks hold servers"),
    ("app", "upstream app {\n    server 10.0.0.1:80;\n    server 10.0.0.2:80;\n    server 10.0.0.2:80 backup;\n}\n",
     "has 2 'server 10.0.0.2:80' lines"),
    ("app", "upstream app {\n    # server 10.0.0.2:80 weight=1;\n    server 10.0.0.1:80;\n}\n",
     "has 0 'server 10.0.0.2:80'"),
    ("app", "# upstream app {\n upstream other {\n    server 10.0.0.1:80; server 10.0.0.2:80;\n}\n",
     "no 'upstream app' block"),
    (None, "upstream a {\n server 10.0.0.1:80; server 10.0.0.2:80;\n}\nupstream b {\n server 10.0.0.1:80;"
     " server 10.0.0.2:80;\n}\n", "2 upstream blocks hold servers"),
])
def test_a_file_whose_servers_are_not_there_exactly_once_is_refused(tmp_path: Path, upstream: str | None, text: str,
                                                                   why: str) -> None:
    path = tmp_path / "upstream.conf"
    path.write_text(text)
    router = NginxRouter(upstream, str(path), {"old": ["10.0.0.1:80"], "new": ["10.0.0.2:80"]}, in_place=True,
                         test_command="true", reload_command="true")
    with pytest.raises(RouterError, match=re.escape(why)):
        router.set_weights({"new": 10, "old": 90})
    assert path.read_text() == text


def test_the_named_upstream_is_the_one_edited() -> None:
    text = ("upstream a {\n server 10.0.0.1:80 weight=1; server 10.0.0.2:80 weight=1;\n}\n"
            "upstream b {\n server 10.0.0.1:80 weight=7; server 10.0.0.2:80 weight=7;\n}\n")
    pools = {"old": ["10.0.0.1:80"], "new": ["10.0.0.2:80"]}
    out = edit_weights(text, "b", pools, {"old": 90, "new": 10}, "f")
    assert out == text.replace("weight=7; server 10.0.0.2:80 weight=7", "weight=90; server 10.0.0.2:80 weight=10")
    with pytest.raises(RouterError, match="no 'upstream c' block"):
        edit_weights(text, "c", pools, {"old": 90, "new": 10}, "f")


def test_config_needs_an_upstream_unless_in_place() -> None:
    with pytest.raises(ValueError, match="unless `in_place: true`"):
        NginxConfig.model_validate({"type": "nginx", "upstream_file": "u.conf", "pools": {"a": "1.2.3.4:80"}})
    cfg = NginxConfig.model_validate({"type": "nginx", "upstream_file": "/etc/nginx/conf.d/u.conf", "in_place": True,
                                      "pools": {"a": "1.2.3.4:80"}, "reload_command": "sudo systemctl reload nginx"})
    assert cfg.upstream is None and cfg.reload_command == "sudo systemctl reload nginx"
