"""Routers against the real programs: the built-in proxy, HAProxy (runtime API) and nginx (reload), each
with two tiny loopback backends and the bounded load generator running while traffic moves."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from golive.analysis.model import BackendCounters
from golive.errors import RouterError
from golive.traffic.haproxy import HAProxyRouter
from golive.traffic.loadgen import BackgroundLoad, LoadReport, generate
from golive.traffic.local import LocalBackend, LocalHAProxy, LocalNginx, LocalProxy
from golive.traffic.proxy.router import BuiltinRouter
from golive.traffic.router import Router


@pytest.fixture
def backends(tmp_path: Path) -> Iterator[tuple[LocalBackend, LocalBackend]]:
    with LocalBackend(tmp_path, "blue") as blue, LocalBackend(tmp_path, "green") as green:
        yield blue, green


def _load(url: str, n: int) -> LoadReport:
    return asyncio.run(generate(url, rate=None, concurrency=8, max_requests=n, max_seconds=30))


def _counted(read: Callable[[], dict[str, BackendCounters]], total: int) -> dict[str, BackendCounters]:
    """nginx writes a request's access-log line after the client has its answer, so the last lines of a load
    may land a moment after it ends: read until they are all there, with a deadline (the counters add up)."""
    deadline = time.monotonic() + 10
    seen = read()
    while sum(c.requests for c in seen.values()) < total and time.monotonic() < deadline:
        time.sleep(0.02)
        seen = read()
    return seen


def _blue_green_under_load(url: str, router: Router) -> LoadReport:
    """blue -> green -> blue while requests flow; returns what the clients saw."""
    load = BackgroundLoad(url, rate=200.0, concurrency=16, max_requests=5000, max_seconds=30).start()
    try:
        load.wait_for("blue", 50)
        router.set_weights({"green": 100})
        assert router.weights() == {"blue": 0, "green": 100}
        load.wait_for("green", 50)
        router.set_weights({"blue": 100})
        assert router.weights() == {"blue": 100, "green": 0}
        load.wait_for("blue", load.answered_by("blue") + 50)
    finally:
        report = load.stop()
    return report


def _assert_served_by_both_and_no_failure(report: LoadReport) -> None:
    assert report.total >= 150, report.summary()
    assert not report.failures, report.summary()
    seen = report.by_backend()
    assert seen["blue"] > 0 and seen["green"] > 0, report.summary()
    # after the switch back, only blue answers
    tail = [r.backend for r in report.records[-20:]]
    assert set(tail) == {"blue"}, report.summary()


# -- built-in proxy ---------------------------------------------------------------------------------

def test_builtin_proxy_honours_weights_and_counts(tmp_path: Path, backends: tuple[LocalBackend, LocalBackend]) -> None:
    blue, green = backends
    green.control(fail=0.2)
    with LocalProxy(tmp_path, {"blue": [blue.address], "green": [green.address]}, {"blue": 70, "green": 30}) as proxy:
        router = BuiltinRouter(proxy.admin)
        assert router.pools() == ["blue", "green"]
        assert router.weights() == {"blue": 70, "green": 30}
        report = _load(proxy.url, 1000)
        counters = router.counters()
        answered = {"blue": 0, "green": 0}
        for r in report.records:
            assert r.status is not None, r.error
        # smooth weighted round robin is exact: 700 / 300 of 1000
        assert counters["blue"].requests == 700 and counters["green"].requests == 300
        for r in report.records:
            answered["green" if r.status == 500 or r.backend == "green" else "blue"] += 1
        assert answered == {"blue": 700, "green": 300}
        assert counters["blue"].errors == 0
        assert counters["green"].errors == sum(1 for r in report.records if r.status == 500) > 0
        assert sum(counters["blue"].latency_buckets.values()) > 0
        assert counters["blue"].latency_buckets[float("inf")] == 700  # cumulative: the open bucket holds all
        assert router.health() == {"blue": True, "green": True}

        router.set_weights({"green": 100})
        report = _load(proxy.url, 100)
        assert router.counters()["green"].requests == 400
        assert router.counters()["blue"].requests == 700
        with pytest.raises(RouterError, match="unknown pool"):
            router.set_weights({"purple": 100})
        with pytest.raises(RouterError, match="sum to 100"):
            router.set_weights({"blue": 50})
        router.close()
        # the proxy is its own process: closing golive's side leaves traffic where it was
        assert BuiltinRouter(proxy.admin).weights() == {"blue": 0, "green": 100}


def test_builtin_proxy_blue_green_under_load_over_unix_admin(
        tmp_path: Path, backends: tuple[LocalBackend, LocalBackend]) -> None:
    blue, green = backends
    with LocalProxy(tmp_path, {"blue": [blue.address], "green": [green.address]}, admin_socket=True) as proxy:
        router = BuiltinRouter(proxy.admin)
        assert router.weights() == {"blue": 100, "green": 0}
        _assert_served_by_both_and_no_failure(_blue_green_under_load(proxy.url, router))


def test_builtin_proxy_counts_unreachable_upstream_as_error(tmp_path: Path, backends: tuple[LocalBackend,
                                                                                           LocalBackend]) -> None:
    blue, _ = backends
    from golive.traffic.local import free_port

    dead = f"127.0.0.1:{free_port()}"
    with LocalProxy(tmp_path, {"blue": [blue.address], "green": [dead]}, {"blue": 50, "green": 50}) as proxy:
        router = BuiltinRouter(proxy.admin)
        report = _load(proxy.url, 40)
        assert sum(1 for r in report.records if r.status == 502) == 20
        assert router.counters()["green"].errors == 20
        assert router.health() == {"blue": True, "green": False}


# -- HAProxy ----------------------------------------------------------------------------------------

def test_haproxy_blue_green_forward_and_back_without_a_failed_request(
        tmp_path: Path, backends: tuple[LocalBackend, LocalBackend]) -> None:
    blue, green = backends
    with LocalHAProxy(tmp_path, {"blue": blue.address, "green": green.address}, {"blue": 100}) as ha:
        router = HAProxyRouter(ha.socket, "app", {"blue": ["blue"], "green": ["green"]})
        assert router.weights() == {"blue": 100, "green": 0}
        before = router.counters()
        report = _blue_green_under_load(ha.url, router)
        _assert_served_by_both_and_no_failure(report)
        stat = {row.split(",")[1]: row.split(",") for row in router.command("show stat").splitlines()
                if row.startswith("app,")}
        header = router.command("show stat").splitlines()[0][2:].split(",")
        assert stat["blue"][header.index("weight")] == "200" and stat["green"][header.index("weight")] == "0"
        after = router.counters()
        served = report.by_backend()
        assert after["green"].requests - before["green"].requests == served["green"]
        assert after["blue"].requests - before["blue"].requests == served["blue"]


def test_haproxy_reports_bad_backend_and_server_names(tmp_path: Path, backends: tuple[LocalBackend,
                                                                                      LocalBackend]) -> None:
    blue, green = backends
    with LocalHAProxy(tmp_path, {"blue": blue.address, "green": green.address}, {"blue": 100}) as ha:
        with pytest.raises(RouterError, match="no backend 'nope'"):
            HAProxyRouter(ha.socket, "nope", {"blue": ["blue"]}).weights()
        with pytest.raises(RouterError, match="no server"):
            HAProxyRouter(ha.socket, "app", {"blue": ["blue"], "green": ["typo"]}).set_weights({"green": 100})
        assert HAProxyRouter(ha.socket, "app", {"blue": ["blue"], "green": ["green"]}).weights()["blue"] == 100
    with pytest.raises(RouterError, match="unreachable"):
        HAProxyRouter(str(tmp_path / "gone.sock"), "app", {"blue": ["blue"]}).weights()


# -- nginx ------------------------------------------------------------------------------------------

def test_nginx_blue_green_forward_and_back_without_a_failed_request(
        tmp_path: Path, backends: tuple[LocalBackend, LocalBackend]) -> None:
    blue, green = backends
    with LocalNginx(tmp_path, {"blue": blue.address, "green": green.address}, {"blue": 100}) as ng:
        router = ng.router
        assert router.weights() == {"blue": 100, "green": 0}
        report = _blue_green_under_load(ng.url, router)
        _assert_served_by_both_and_no_failure(report)
        assert "server " + green.address + " down;" in ng.upstream_file.read_text()
        served = report.by_backend()
        counters = _counted(router.counters, served["green"] + served["blue"])
        assert counters["green"].requests == served["green"]
        assert counters["blue"].requests == served["blue"]


def test_nginx_rejected_config_keeps_the_previous_upstream(tmp_path: Path, backends: tuple[LocalBackend,
                                                                                          LocalBackend]) -> None:
    blue, green = backends
    with LocalNginx(tmp_path, {"blue": blue.address, "green": green.address}, {"blue": 100}) as ng:
        before = ng.upstream_file.read_text()
        ng.router.extra = "this is not nginx syntax"
        with pytest.raises(RouterError, match="nginx -t rejected"):
            ng.router.set_weights({"green": 100})
        assert ng.upstream_file.read_text() == before
        assert not _load(ng.url, 20).failures


def test_nginx_takes_one_server_out_of_rotation_and_back_under_load(
        tmp_path: Path, backends: tuple[LocalBackend, LocalBackend]) -> None:
    """What a rolling deploy asks of nginx: one server out (`down` + graceful reload; old workers finish
    what they hold), the weights kept, then back; no request fails."""
    blue, green = backends
    with LocalNginx(tmp_path, {"blue": blue.address, "green": green.address}, {"blue": 50, "green": 50}) as ng:
        router = ng.router
        assert router.server_addresses()[blue.address] == "127.0.0.1"
        with BackgroundLoad(ng.url, rate=200, concurrency=8, max_requests=100_000, max_seconds=60) as load:
            load.wait_for("blue", 5)
            router.set_server_state(blue.address, "drain")
            deadline = time.monotonic() + 15
            while router.server_sessions(blue.address):
                assert time.monotonic() < deadline, "old nginx workers never finished"
                time.sleep(0.02)
            out_at = len(load.live.records)
            load.wait_for("green", load.answered_by("green") + 50)
            during = [r.backend for r in list(load.live.records)[out_at:]]
            router.set_weights({"blue": 50, "green": 50})  # a weight change keeps the server out
            assert "server " + blue.address + " down;" in ng.upstream_file.read_text()
            router.set_server_state(blue.address, "ready")
            load.wait_for("blue", load.answered_by("blue") + 5)
            report = load.stop()
        assert "blue" not in during[len(during) // 2:]  # once out, blue took nothing new
        assert report.failures == [], report.summary()
        assert router.weights() == {"blue": 50, "green": 50}


def test_nginx_and_builtin_count_per_server_for_a_rolling_bake(
        tmp_path: Path, backends: tuple[LocalBackend, LocalBackend]) -> None:
    """The bake judges a batch's servers against the rest from per-server counters: nginx reads them from its
    access log (`$upstream_addr`; the pool view reads the same lines, neither steals the other's), the
    built-in proxy counts them itself."""
    blue, green = backends
    green.control(fail=1.0)
    with LocalNginx(tmp_path, {"blue": blue.address, "green": green.address}, {"blue": 50, "green": 50}) as ng:
        _load(ng.url, 40)
        per_server = _counted(ng.router.server_counters, 40)
        pools = ng.router.counters()
        _load(ng.url, 20)
        later = _counted(ng.router.server_counters, 60)
    assert per_server[blue.address].errors == 0 and per_server[blue.address].requests >= 15, per_server
    assert per_server[green.address].errors == per_server[green.address].requests >= 15, per_server
    assert sum(c.requests for c in per_server.values()) == 40
    assert {p: c.requests for p, c in pools.items()} == {"blue": per_server[blue.address].requests,
                                                         "green": per_server[green.address].requests}
    assert sum(c.requests for c in later.values()) == 60
    with LocalProxy(tmp_path, {"all": [blue.address, green.address]}) as proxy:
        router = BuiltinRouter(proxy.admin)
        _load(proxy.url, 40)
        counts = router.server_counters()
        router.close()
    assert counts[blue.address].requests == 20 and counts[blue.address].errors == 0, counts
    assert counts[green.address].requests == counts[green.address].errors == 20, counts
