"""Secrets never leave golive: a secret var with a marker value, used in a shell step's environment, in HTTP
headers (and a query string), in SQL connection strings and queries, and printed by steps on purpose, appears
nowhere: not in the command's stdout/stderr, not in the SQLite store (the file's bytes, WAL and shared memory
included), not in any report (html/md/json), the debug log or any other file golive wrote. `golive log` shows
`***` where it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import golive
from golive.engine.executor import Engine
from inproc import cli
from localhttp import JsonHandler, serving

MARK = b"MARKER"
TOKEN = "tok-MARKER-5f1e2d"
PASSWORD = "pw-MARKER-9c8b7a"


class _Echo(JsonHandler):
    """Answers every request with what it received (headers, path) and echoes the token in a header."""

    def do_GET(self) -> None:
        self.reply_json({"path": self.path, "authorization": self.headers.get("Authorization", ""),
                         "db": self.headers.get("X-Db", "")}, {"X-Echo": self.headers.get("Authorization", "")})


@pytest.fixture
def echo() -> Iterator[int]:
    with serving(_Echo) as port:
        yield port


PLAN = """\
name: secrets
service: secretsvc
environment: test
vars:
  API_TOKEN: {{secret: true, from_env: GOLIVE_TEST_TOKEN}}
  DB_PASSWORD: {{secret: true, from_file: db_password.txt}}
  PORT: {{value: "{port}"}}
phases:
  - name: Use the secrets
    steps:
      - name: print them on purpose
        shell: 'echo "token is $API_TOKEN"; echo "again $API_TOKEN" >&2; printf "%s\\n" "$DB_PASSWORD"'
        undo: 'echo "undoing with $API_TOKEN and $DB_PASSWORD"'
      - name: dump the environment
        shell: env
      - name: call the API with it (headers and query string)
        http:
          url: "http://127.0.0.1:${{PORT}}/echo?token=${{API_TOKEN}}"
          headers: {{Authorization: "Bearer ${{API_TOKEN}}", X-Db: "${{DB_PASSWORD}}"}}
          expect: {{status: 200, body_contains: "${{API_TOKEN}}"}}
      - name: an expectation that quotes it and fails
        http:
          url: "http://127.0.0.1:${{PORT}}/echo"
          headers: {{Authorization: "Bearer ${{API_TOKEN}}"}}
          expect: {{json: {{"$.authorization": "not ${{API_TOKEN}}"}}}}
        continue_on_error: true
      - name: the password in a connection string, and selected back
        sql:
          database: "postgresql://postgres:${{DB_PASSWORD}}@127.0.0.1:5432/postgres"
          query: "SELECT '${{DB_PASSWORD}}' AS leaked, current_user AS who"
          expect: {{rows: 1, value: "nope"}}
        continue_on_error: true
      - name: a connection string that cannot connect
        sql: {{database: "postgresql://postgres:${{DB_PASSWORD}}@127.0.0.1:1/postgres", query: "SELECT 1"}}
        continue_on_error: true
      - name: a connection string that is not one
        sql: {{database: "postgresql://postgres:${{DB_PASSWORD}}@127.0.0.1:port/postgres", query: "SELECT 1"}}
        continue_on_error: true
      - name: fail saying it
        shell: 'echo "failing with $API_TOKEN"; exit 1'
"""


def _scan(root: Path, skip: set[Path]) -> list[str]:
    """Every file under root (any depth, any kind, binary) that contains the marker."""
    return [str(p) for p in sorted(root.rglob("*")) if p.is_file() and p not in skip and MARK in p.read_bytes()]


def test_a_secret_appears_nowhere(workdir: Path, echo: int) -> None:
    (workdir / "plan.yaml").write_text(PLAN.format(port=echo))
    secret_file = workdir / "db_password.txt"
    secret_file.write_text(PASSWORD + "\n")
    env = {"GOLIVE_TEST_TOKEN": TOKEN, "XDG_STATE_HOME": str(workdir / "state")}
    run = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env=env)
    assert run.code == 1, run.out + run.err  # the last step fails: rolled back, undo printing the secrets too
    outputs = {"run": run}
    run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    # the steps really had the secrets (so masking, not absence, is what keeps them out)
    log = cli("log", run_id)
    assert log.code == 0, log.err
    assert "$.authorization is 'Bearer ***', expected 'not ***'" in log.out, log.out
    assert "value '***', expected 'nope'" in log.out, log.out
    events = json.loads("[" + ",".join(cli("log", run_id, "--json").out.splitlines()) + "]")
    finished = {e["payload"]["step"]: e["payload"] for e in events if e["type"] == "step.finished"}
    assert "token is ***" in finished["1.1"]["output"] and "again ***" in finished["1.1"]["output"], finished["1.1"]
    assert "API_TOKEN=***" in finished["1.2"]["output"] and "DB_PASSWORD=***" in finished["1.2"]["output"]
    assert "undoing with *** and ***" in finished["1.1.undo"]["output"], finished["1.1.undo"]
    assert finished["1.3"]["status"] == "succeeded", finished["1.3"]  # the server got the real token
    assert "***" in json.dumps(finished["1.5"]), finished["1.5"]  # the password came back from PostgreSQL
    for args in (("log", run_id), ("log", run_id, "--json"), ("status", run_id), ("runs",), ("audit", "verify", run_id),
                 ("report", run_id, "--format", "html"), ("report", run_id, "--format", "md"),
                 ("report", run_id, "--format", "json")):
        outputs[" ".join(args)] = cli(*args)
    for fmt in ("html", "md", "json"):
        assert cli("report", run_id, "--format", fmt, "-o", str(workdir / f"report.{fmt}")).code == 0
    leaks = [name for name, res in outputs.items() if MARK.decode() in res.out + res.err]
    assert not leaks, {n: (outputs[n].out + outputs[n].err)[:3000] for n in leaks}
    store_files = list((workdir / ".golive").glob("golive.db*"))
    assert any(p.name == "golive.db" for p in store_files), store_files
    # every byte golive wrote: store (+ -wal/-shm while present), reports, debug log, state files
    assert not _scan(workdir, {secret_file}), _scan(workdir, {secret_file})


def test_a_secret_in_an_internal_error_stays_out_of_stderr_and_the_debug_log(
        workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug whose message carries a secret (a driver error quoting a DSN, say) ends as one line plus the debug
    log: neither may hold the secret."""
    (workdir / "plan.yaml").write_text(PLAN.format(port=1))
    (workdir / "db_password.txt").write_text(PASSWORD + "\n")
    monkeypatch.setenv("GOLIVE_TEST_TOKEN", TOKEN)
    monkeypatch.setenv("XDG_STATE_HOME", str(workdir / "state"))

    def broken(self: Engine) -> int:
        raise RuntimeError(f"driver said: cannot connect to postgresql://postgres:{PASSWORD}@db/x ({TOKEN})")

    monkeypatch.setattr(Engine, "drive", broken)
    res = cli("run", "plan.yaml", "--no-wait")
    assert res.code == 70, res
    assert "internal error" in res.err and "***" in res.err, res.err
    debug = workdir / "state" / "golive" / "debug.log"
    assert debug.exists() and "RuntimeError" in debug.read_text()
    assert MARK.decode() not in res.out + res.err, res.err
    assert not _scan(workdir, {workdir / "db_password.txt"}), debug.read_text()
