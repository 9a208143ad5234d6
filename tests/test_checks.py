"""Built-in checks against real things: the filesystem, /proc/meminfo, sockets, a loopback HTTP server,
the PostgreSQL at 127.0.0.1:5432, the Redis at 127.0.0.1:6379 and a TLS server with a CA made here.

Missing services make the tests fail (not skip): these checks exist to talk to them.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis

from golive.checks import CHECK_TYPES
from golive.checks.tls import der_not_after
from golive.core.step import StepContext, StepResult
from golive.errors import PlanError
from golive.plan.loader import parse_plan_text
from golive.steps.check import CheckStep
from golive.testing import FakeClock
from test_http_step import Reply, TestServer, make_ctx, server

__all__ = ["server"]  # the fixture, shared with test_http_step

PG_DSN = os.environ.get("GOLIVE_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GOLIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def check(spec: dict[str, Any], **common: Any) -> CheckStep:
    return CheckStep.model_validate({"check": spec, **common})


def run(spec: dict[str, Any], ctx: StepContext, **common: Any) -> StepResult:
    return check(spec, **common).execute(ctx)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- model ---------------------------------------------------------------------------------------

def test_every_check_type_is_in_the_union() -> None:
    assert set(CHECK_TYPES) == {"disk", "memory", "port", "http", "postgres", "redis", "tls", "env", "file",
                                "backup", "command"}


def test_check_steps_are_read_only() -> None:
    step = check({"type": "env", "names": ["A"]})
    assert step.is_read_only and step.is_idempotent


def test_unknown_setting_in_a_check() -> None:
    with pytest.raises(ValueError, match="did you mean 'min_free'"):
        check({"type": "disk", "path": "/", "min_fre": "1GB"})


# -- disk ----------------------------------------------------------------------------------------

def test_disk_passes_with_room(tmp_path: Path) -> None:
    res = run({"type": "disk", "path": str(tmp_path), "min_free": "1KB", "max_used_percent": 100},
              make_ctx(tmp_path))
    assert res.ok, res.message
    assert res.message.startswith(f"{tmp_path}: ")
    assert ", need 1 KB" in res.message and "% used, limit 100%" in res.message
    assert res.detail["free_bytes"] > 1000
    assert 0 <= res.detail["used_percent"] <= 100


def test_disk_fails_below_min_free(tmp_path: Path) -> None:
    res = run({"type": "disk", "path": "${DIR}", "min_free": "1000TB"}, make_ctx(tmp_path, {"DIR": str(tmp_path)}))
    assert not res.ok
    assert res.message.startswith(f"{tmp_path}: ")
    assert res.message.endswith(" free, need 1000 TB")
    assert res.detail["free_bytes"] < 1000**5


def test_disk_fails_above_max_used_percent(tmp_path: Path) -> None:
    res = run({"type": "disk", "path": str(tmp_path), "max_used_percent": 0}, make_ctx(tmp_path))
    assert not res.ok
    assert res.message.endswith("% used, limit 0%")


def test_disk_missing_path_and_missing_threshold(tmp_path: Path) -> None:
    res = run({"type": "disk", "path": str(tmp_path / "nope"), "min_free": 1}, make_ctx(tmp_path))
    assert res.message == f"{tmp_path / 'nope'}: cannot read disk usage: No such file or directory"
    with pytest.raises(ValueError, match="needs min_free, max_used_percent or both"):
        check({"type": "disk", "path": "/"})


# -- memory --------------------------------------------------------------------------------------

def test_memory(tmp_path: Path) -> None:
    ok = run({"type": "memory", "min_available": "1MB"}, make_ctx(tmp_path))
    assert ok.ok, ok.message
    assert ok.message.startswith("memory: ") and ok.message.endswith(" available, need 1 MB")
    meminfo = Path("/proc/meminfo").read_text()
    kb = int(next(ln for ln in meminfo.splitlines() if ln.startswith("MemAvailable")).split()[1])
    assert abs(ok.detail["available_bytes"] - kb * 1024) < 512 * 1024**2  # the same reading, give or take
    bad = run({"type": "memory", "min_available": "1000TB"}, make_ctx(tmp_path))
    assert not bad.ok
    assert bad.message.endswith("available, need 1000 TB")


# -- port ----------------------------------------------------------------------------------------

@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as srv:
        yield int(srv.getsockname()[1])


def test_port_open(tmp_path: Path, listening_port: int) -> None:
    res = run({"type": "port", "port": listening_port}, make_ctx(tmp_path))
    assert res.ok, res.message
    assert res.message == f"127.0.0.1:{listening_port} is open"
    bad = run({"type": "port", "port": listening_port, "expect": "closed"}, make_ctx(tmp_path))
    assert bad.message == f"127.0.0.1:{listening_port} is open, expected closed"


def test_port_closed(tmp_path: Path) -> None:
    port = free_port()
    res = run({"type": "port", "host": "127.0.0.1", "port": port, "expect": "closed"}, make_ctx(tmp_path))
    assert res.ok, res.message
    bad = run({"type": "port", "port": port, "connect_timeout": "1s"}, make_ctx(tmp_path))
    assert bad.message == f"127.0.0.1:{port} is closed (connection refused), expected open"
    assert bad.detail["state"] == "closed"


# -- http ----------------------------------------------------------------------------------------

def test_http_check(server: TestServer, tmp_path: Path) -> None:
    url = server.on("/health", Reply(200, "status: ready"))
    step = check({"type": "http", "url": url, "contains": "ready"})
    assert step.describe() == f"check GET {url} -> 200 containing 'ready'"
    res = step.execute(make_ctx(tmp_path))
    assert res.ok, res.message
    assert res.detail["status"] == 200
    assert run({"type": "http", "url": url, "contains": "degraded"}, make_ctx(tmp_path)).message \
        == "body does not contain 'degraded'"
    down = server.on("/down", Reply(502, "bad gateway"))
    res = run({"type": "http", "url": down}, make_ctx(tmp_path))
    assert res.message == "status 502, expected 200"
    assert res.output == "bad gateway"
    assert run({"type": "http", "url": down, "status": [200, 502]}, make_ctx(tmp_path)).ok


# -- postgres ------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pg_dsn() -> str:
    try:
        with psycopg.connect(PG_DSN, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        pytest.fail(f"these tests need PostgreSQL at {PG_DSN} (set GOLIVE_TEST_PG_DSN): {exc}")
    return PG_DSN


def test_postgres_select_1(tmp_path: Path, pg_dsn: str) -> None:
    res = run({"type": "postgres", "dsn": pg_dsn}, make_ctx(tmp_path))
    assert res.ok, res.message
    assert res.message == "postgres 127.0.0.1:5432/test: select 1 -> 1"
    assert res.detail["value"] == 1
    assert res.detail["latency_ms"] >= res.detail["connect_ms"] > 0


def test_postgres_expected_value(tmp_path: Path, pg_dsn: str) -> None:
    ctx = make_ctx(tmp_path, {"DB": "test"})
    ok = run({"type": "postgres", "dsn": pg_dsn, "query": "select current_database()", "expect": "${DB}"}, ctx)
    assert ok.ok, ok.message
    assert run({"type": "postgres", "dsn": pg_dsn, "query": "select 40 + 2", "expect": 42}, ctx).ok
    assert run({"type": "postgres", "dsn": pg_dsn, "query": "select 42::numeric", "expect": "42"}, ctx).ok
    bad = run({"type": "postgres", "dsn": pg_dsn, "query": "select 'degraded'", "expect": "ok"}, ctx)
    assert bad.message == "postgres 127.0.0.1:5432/test: select 'degraded' returned 'degraded', expected 'ok'"
    none = run({"type": "postgres", "dsn": pg_dsn, "query": "select 1 where false", "expect": 1}, ctx)
    assert none.message == "postgres 127.0.0.1:5432/test: select 1 where false returned no rows, expected 1"


def test_postgres_query_errors_are_one_line(tmp_path: Path, pg_dsn: str) -> None:
    res = run({"type": "postgres", "dsn": pg_dsn, "query": "select no_such_column"}, make_ctx(tmp_path))
    assert res.message == 'postgres 127.0.0.1:5432/test: query failed: column "no_such_column" does not exist'


def test_postgres_check_cannot_write(tmp_path: Path, pg_dsn: str) -> None:
    res = run({"type": "postgres", "dsn": pg_dsn, "query": "create table golive_check_probe (a int)"},
              make_ctx(tmp_path))
    assert not res.ok
    assert "read-only transaction" in res.message


def test_postgres_statement_timeout_follows_the_step_timeout(tmp_path: Path, pg_dsn: str) -> None:
    res = run({"type": "postgres", "dsn": pg_dsn, "query": "select pg_sleep(5)"}, make_ctx(tmp_path),
              timeout="500ms")
    assert res.message.endswith("canceling statement due to statement timeout")


def test_postgres_unreachable(tmp_path: Path) -> None:
    port = free_port()
    res = run({"type": "postgres", "dsn": f"postgresql://postgres@127.0.0.1:{port}/test"}, make_ctx(tmp_path))
    assert res.message.startswith(f"postgres 127.0.0.1:{port}/test: cannot connect:")
    assert "Connection refused" in res.message


def test_postgres_password_never_appears_in_failures(tmp_path: Path, pg_dsn: str) -> None:
    secret = "Hunter2%zz-s3cret"  # a bare '%' makes libpq quote the password in its error
    ctx = make_ctx(tmp_path, vars={"PGPASS": secret}, secrets=[secret])
    res = run({"type": "postgres", "dsn": "postgresql://postgres:${PGPASS}@127.0.0.1:5432/test"}, ctx)
    assert not res.ok
    assert res.message.startswith("postgres: invalid DSN: invalid percent-encoded token")
    assert secret not in res.message and "Hunter2" not in res.message
    # Written into the plan (not a secret var): still kept out of the message and the description.
    literal = "postgresql://postgres:Hunter2%zz-lit@127.0.0.1:5432/test"
    step = check({"type": "postgres", "dsn": literal})
    res = step.execute(make_ctx(tmp_path))
    assert not res.ok
    assert "Hunter2" not in res.message
    assert "Hunter2" not in step.describe()
    # A well-formed DSN whose database is missing: the server error, without the password.
    res = run({"type": "postgres", "dsn": "postgresql://postgres:${PGPASS}@127.0.0.1:5432/no_such_db"},
              make_ctx(tmp_path, vars={"PGPASS": "plain-s3cret"}, secrets=["plain-s3cret"]))
    assert 'database "no_such_db" does not exist' in res.message
    assert "plain-s3cret" not in res.message + json.dumps(res.detail)


# -- redis ---------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_timeout=5, socket_connect_timeout=5) as client:
            client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"these tests need Redis at {REDIS_URL} (set GOLIVE_TEST_REDIS_URL): {exc}")
    return REDIS_URL


def test_redis_ping(tmp_path: Path, redis_url: str) -> None:
    res = run({"type": "redis", "url": redis_url}, make_ctx(tmp_path))
    assert res.ok, res.message
    assert res.message.startswith("redis 127.0.0.1:6379/0: PONG in ")
    assert run({"type": "redis"}, make_ctx(tmp_path)).ok  # the default URL


def test_redis_role(tmp_path: Path, redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        actual = str(client.info("replication")["role"])
    other = "replica" if actual == "master" else "master"
    ok = run({"type": "redis", "url": redis_url, "expect_role": actual}, make_ctx(tmp_path))
    assert ok.ok, ok.message
    assert ok.detail["role"] == actual
    bad = run({"type": "redis", "url": redis_url, "expect_role": other}, make_ctx(tmp_path))
    assert bad.message == f"redis 127.0.0.1:6379/0: role is {actual}, expected {other}"


def test_redis_unreachable_hides_the_password(tmp_path: Path) -> None:
    port = free_port()
    res = run({"type": "redis", "url": f"redis://:redis-s3cret@127.0.0.1:{port}/0"}, make_ctx(tmp_path), timeout=2)
    assert not res.ok
    assert res.message.startswith(f"redis 127.0.0.1:{port}/0: ConnectionError")
    assert "redis-s3cret" not in res.message


# -- tls -----------------------------------------------------------------------------------------

@dataclass
class Pki:
    ca: Path
    leaf_cert: Path
    leaf_key: Path
    far_cert: Path


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, f"openssl {' '.join(args)} failed:\n{proc.stderr}"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA and a 30-day server certificate for localhost/127.0.0.1 signed by it, made by `openssl`."""
    d = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "365", "-subj",
             "/CN=golive test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    _openssl("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                               "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                               "authorityKeyIdentifier=keyid\n")
    _openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "leaf.pem", "-days", "30", "-extfile", "ext.cnf", cwd=d)
    # Past 2049 X.509 switches from UTCTime to GeneralizedTime: exercise both encodings.
    _openssl("req", "-x509", *ec, "-keyout", "far.key", "-out", "far.pem", "-days", "12000", "-subj", "/CN=far",
             cwd=d)
    return Pki(d / "ca.pem", d / "leaf.pem", d / "leaf.key", d / "far.pem")


@pytest.fixture
def tls_port(pki: Pki) -> Iterator[int]:
    """A TLS server on loopback that completes handshakes with the leaf certificate, then hangs up."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.leaf_cert, pki.leaf_key)
    srv = socket.create_server(("127.0.0.1", 0))
    srv.settimeout(0.05)  # so the loop sees `stop`
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                with ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(srv.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        srv.close()


def _enddate(cert: Path) -> datetime:
    out = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-enddate"], capture_output=True,
                         text=True, check=True).stdout
    return datetime.strptime(out.strip().removeprefix("notAfter="), "%b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC)


def now_clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


def test_der_not_after_matches_openssl(pki: Pki) -> None:
    for cert in (pki.leaf_cert, pki.far_cert):
        der = ssl.PEM_cert_to_DER_cert(cert.read_text())
        assert der_not_after(der) == _enddate(cert)
    assert der_not_after(ssl.PEM_cert_to_DER_cert(pki.far_cert.read_text())).year > 2050


def test_tls_verified_against_own_ca(tmp_path: Path, pki: Pki, tls_port: int) -> None:
    ctx = make_ctx(tmp_path, clock=now_clock())
    res = run({"type": "tls", "host": "127.0.0.1", "port": tls_port, "cafile": str(pki.ca)}, ctx)
    assert res.ok, res.message
    assert 29 <= res.detail["days_left"] <= 30.1
    assert res.detail["not_after"] == _enddate(pki.leaf_cert).isoformat()
    assert "days left, need 14" in res.message
    by_name = run({"type": "tls", "host": "127.0.0.1", "server_name": "localhost", "port": tls_port,
                   "cafile": str(pki.ca)}, ctx)
    assert by_name.ok, by_name.message


def test_tls_expiring_too_soon(tmp_path: Path, pki: Pki, tls_port: int) -> None:
    res = run({"type": "tls", "host": "127.0.0.1", "port": tls_port, "cafile": str(pki.ca), "min_days": 60},
              make_ctx(tmp_path, clock=now_clock()))
    assert not res.ok
    assert res.message.startswith(f"127.0.0.1:{tls_port}: certificate expires ")
    assert res.message.endswith("days left), need at least 60 days")
    # 31 days on: the same certificate has expired
    clock = now_clock()
    clock.advance(31 * 86400)
    res = run({"type": "tls", "host": "127.0.0.1", "port": tls_port, "verify": False}, make_ctx(tmp_path, clock=clock))
    assert "(expired)" in res.message


def test_tls_untrusted_or_wrong_name(tmp_path: Path, pki: Pki, tls_port: int) -> None:
    ctx = make_ctx(tmp_path, clock=now_clock())
    untrusted = run({"type": "tls", "host": "127.0.0.1", "port": tls_port}, ctx)
    assert untrusted.message.startswith(f"127.0.0.1:{tls_port}: certificate not trusted:")
    assert "unable to get local issuer certificate" in untrusted.message
    wrong = run({"type": "tls", "host": "127.0.0.1", "port": tls_port, "server_name": "api.example.com",
                 "cafile": str(pki.ca)}, ctx)
    assert wrong.message.startswith(f"127.0.0.1:{tls_port}: certificate not trusted: Hostname mismatch")


def test_tls_without_verification_still_reads_the_expiry(tmp_path: Path, pki: Pki, tls_port: int) -> None:
    res = run({"type": "tls", "host": "127.0.0.1", "port": tls_port, "verify": False},
              make_ctx(tmp_path, clock=now_clock()))
    assert res.ok, res.message
    assert res.detail["verified"] is False
    assert res.detail["not_after"] == _enddate(pki.leaf_cert).isoformat()


def test_tls_nothing_listening(tmp_path: Path) -> None:
    port = free_port()
    res = run({"type": "tls", "host": "127.0.0.1", "port": port}, make_ctx(tmp_path))
    assert res.message == f"127.0.0.1:{port}: cannot connect: Connection refused"


# -- env -----------------------------------------------------------------------------------------

def test_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_T_FROM_ENV", "env-VALUE-1")
    monkeypatch.setenv("GOLIVE_T_EMPTY", "")
    monkeypatch.delenv("GOLIVE_T_MISSING", raising=False)
    ctx = make_ctx(tmp_path, vars={"FROM_VARS": "var-VALUE-2"})
    ok = run({"type": "env", "names": ["GOLIVE_T_FROM_ENV", "FROM_VARS"]}, ctx)
    assert ok.ok, ok.message
    assert ok.message == "all 2 set: GOLIVE_T_FROM_ENV, FROM_VARS"
    bad = run({"type": "env", "names": ["GOLIVE_T_FROM_ENV", "GOLIVE_T_EMPTY", "GOLIVE_T_MISSING", "FROM_VARS"]}, ctx)
    assert bad.message == "2 of 4 not set or empty: GOLIVE_T_EMPTY, GOLIVE_T_MISSING"
    assert bad.detail["missing"] == ["GOLIVE_T_EMPTY", "GOLIVE_T_MISSING"]
    shown = ok.message + bad.message + json.dumps(ok.detail) + json.dumps(bad.detail) + bad.output
    assert "VALUE" not in shown


# -- file ----------------------------------------------------------------------------------------

def test_file(tmp_path: Path) -> None:
    data = b"backup " * 1000
    f = tmp_path / "backup.sql"
    f.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    clock = now_clock()
    ok = run({"type": "file", "path": "backup.sql", "max_age": "1h", "min_size": "5KB", "sha256": digest.upper()},
             make_ctx(tmp_path, clock=clock))
    assert ok.ok, ok.message
    assert ok.message.startswith(f"{f}: 7 KB, modified ")
    assert ok.message.endswith("sha256 matches")
    assert ok.detail["size_bytes"] == 7000 and ok.detail["sha256"] == digest

    clock.advance(2 * 3600)
    old = run({"type": "file", "path": str(f), "max_age": "1h"}, make_ctx(tmp_path, clock=clock))
    assert old.message.startswith(f"{f}: modified 2h0")
    assert old.message.endswith(" ago, max age 1h00m")

    bad = run({"type": "file", "path": str(f), "min_size": "1MB", "sha256": "0" * 64}, make_ctx(tmp_path))
    assert bad.message == f"{f}: size 7 KB, need at least 1 MB; sha256 {digest}, expected {'0' * 64}"


def test_file_missing_or_not_a_file(tmp_path: Path) -> None:
    assert run({"type": "file", "path": "nope"}, make_ctx(tmp_path)).message == f"{tmp_path / 'nope'}: does not exist"
    assert run({"type": "file", "path": str(tmp_path)}, make_ctx(tmp_path)).message \
        == f"{tmp_path}: is not a regular file"
    with pytest.raises(ValueError, match="64 hexadecimal"):
        check({"type": "file", "path": "x", "sha256": "abc"})


# -- command -------------------------------------------------------------------------------------

def test_command(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, vars={"WANT": "ready"})
    ok = run({"type": "command", "command": 'test "$WANT" = ready && echo fine'}, ctx)
    assert ok.ok, ok.message
    assert ok.message == "exit code 0"
    assert ok.output == "fine\n"
    bad = run({"type": "command", "command": "echo broken; exit 3"}, ctx)
    assert bad.message == "exit code 3, expected 0"
    assert bad.exit_code == 3 and bad.output == "broken\n"
    assert run({"type": "command", "command": "true; exit 3", "expect_exit": [0, 3]}, ctx).ok
    slow = run({"type": "command", "command": "sleep 5"}, ctx, timeout="300ms")
    assert slow.message == "timed out after 300ms; process tree killed"


# -- through the plan loader ---------------------------------------------------------------------

PLAN = """\
name: checks
service: api
environment: prod
phases:
  - name: p
    steps:
{steps}
"""


def plan_with(steps: str) -> str:
    return PLAN.format(steps="\n".join("      " + line for line in steps.strip("\n").splitlines()))


def test_plan_loader_accepts_every_check() -> None:
    plan = parse_plan_text(plan_with("""
- check: {type: disk, path: /var, min_free: 10GB, max_used_percent: 80}
- check: {type: memory, min_available: 512MiB}
- check: {type: port, port: 5432}
- check: {type: http, url: "https://api/health", contains: ok}
- check: {type: postgres, dsn: "postgresql://app:${DB_PASSWORD}@db/app", query: select 1, expect: 1}
- check: {type: redis, expect_role: master}
- check: {type: tls, host: api.example.com}
- check: {type: env, names: [DB_PASSWORD, API_TOKEN]}
- check: {type: file, path: /backups/latest.sql.gz, max_age: 1h, min_size: 1MB}
- check: {type: backup, file: backups/app.dump, max_age: 24h}
- name: migrations applied
  timeout: 2m
  check: {type: command, command: ./manage.py migrate --check}
"""))
    steps = plan.phases[0].steps
    assert all(isinstance(s, CheckStep) for s in steps)
    assert [s.check.type for s in steps if isinstance(s, CheckStep)] == list(CHECK_TYPES)
    described = [s.describe() for s in steps]
    assert described[0] == "check disk /var: at least 10 GB free, at most 80% used"
    assert described[1] == "check memory: at least 537 MB available"
    assert described[2] == "check port 127.0.0.1:5432 open"
    assert described[4] == "check postgres db:5432/app: select 1 = 1"
    assert described[6] == "check tls certificate of api.example.com:443 valid for at least 14 days"
    assert described[9] == "check backup backups/app.dump matches its manifest, younger than 24h00m"
    assert steps[10].title() == "migrations applied" and steps[10].timeout == 120


def test_plan_loader_suggests_the_check_type() -> None:
    with pytest.raises(PlanError) as err:
        parse_plan_text(plan_with("- check: {type: postgress, dsn: x}"))
    text = str(err.value)
    assert "unknown type 'postgress'" in text
    assert "did you mean 'postgres'" in text


def test_plan_loader_check_without_type_and_misspelt_setting() -> None:
    with pytest.raises(PlanError) as err:
        parse_plan_text(plan_with("- check: {path: /var}"))
    assert "a check needs 'type': one of disk, memory" in str(err.value)
    with pytest.raises(PlanError) as err:
        parse_plan_text(plan_with("- check: {type: port, prot: 80}"))
    assert "did you mean 'port'" in str(err.value)
