"""Values from outside the plan never become shell code.

File contents (a var `from_file`), the environment (`from_env`), a migration tool's version string (the
revision golive records and hands to the `down` command), HTTP responses and an approver's reason all carry
`$(touch pwned)`, backticks and `; rm -f victim` payloads. golive passes values to commands as environment
variables, never pasted into the command text, so even a plan that writes `${VAR}` unquoted runs no payload:
no `pwned` file appears and `victim` survives. The values still arrive intact (the steps print them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import golive
from inproc import cli
from localhttp import JsonHandler, serving

PAYLOAD = "1.2.3$(touch pwned)`touch pwned`; rm -f victim; touch pwned #"


class _Evil(JsonHandler):
    def do_GET(self) -> None:
        self.reply_json({"version": PAYLOAD, "status": "ok"}, {"X-Version": PAYLOAD})


@pytest.fixture
def evil_server() -> Iterator[int]:
    with serving(_Evil) as port:
        yield port


PLAN = """\
name: injection
service: injsvc
environment: test
vars:
  FROM_FILE: {{from_file: payload.txt}}
  FROM_ENV: {{from_env: GOLIVE_TEST_PAYLOAD}}
  PORT: {{value: "{port}"}}
phases:
  - name: Outside values
    steps:
      - name: a value read from a file, unquoted and quoted
        shell: 'echo ${{FROM_FILE}}; echo $FROM_FILE; echo "got: $FROM_FILE"'
      - name: a value from the environment, through env and a nested shell
        shell:
          command: |
            echo ${{FROM_ENV}}; echo $NESTED; sh -c 'echo "$NESTED"'
          env: {{NESTED: "${{FROM_ENV}}"}}
      - name: a command check on it
        check: {{type: command, command: 'test -n "${{FROM_FILE}}" && echo ${{FROM_FILE}}'}}
      - name: an HTTP response carrying it
        http:
          url: "http://127.0.0.1:${{PORT}}/version"
          expect: {{json: {{"$.status": ok}}, body_contains: "touch pwned"}}
      - name: a migration whose tool reports a hostile version string
        migrate:
          up: 'echo up from ${{GOLIVE_MIGRATE_FROM}}; echo 2 > revision.txt'
          down: 'echo down to ${{GOLIVE_MIGRATE_TARGET}}; echo $GOLIVE_MIGRATE_TARGET; cp payload.txt revision.txt'
          revision: cat revision.txt
          revision_pattern: '(?s)(.*)'
    gate:
      approvals: {{count: 1}}
  - name: Fails, so the migration is undone with the hostile revision as its target
    steps:
      - shell: 'echo "$FROM_ENV"; exit 1'
"""


def test_outside_values_never_run_as_shell_code(workdir: Path, evil_server: int) -> None:
    (workdir / "plan.yaml").write_text(PLAN.format(port=evil_server))
    (workdir / "payload.txt").write_text(PAYLOAD + "\n")
    (workdir / "revision.txt").write_text(PAYLOAD + "\n")  # the migration tool's "version string"
    (workdir / "victim").write_text("still here\n")
    env = {"GOLIVE_TEST_PAYLOAD": PAYLOAD}
    first = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env=env)
    assert first.code == 3, first.out + first.err  # at the gate
    run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    approve = cli("approve", run_id, "--by", "alice", "--reason", PAYLOAD)
    assert approve.code == 0, approve.err
    rest = golive("resume", run_id, "--no-wait", cwd=workdir, env=env)
    assert rest.code == 1, rest.out + rest.err  # phase 2 fails; the rollback runs `down` with the hostile target
    for args in (("log", run_id), ("log", run_id, "--json"), ("status", run_id), ("report", run_id, "--format", "md"),
                 ("report", run_id, "--format", "html"), ("report", run_id, "--format", "json")):
        assert cli(*args).code == 0, args
    assert not (workdir / "pwned").exists(), "a payload ran as shell code"
    assert (workdir / "victim").read_text() == "still here\n"
    # ... and the values really reached the commands, intact
    events = [json.loads(line) for line in cli("log", run_id, "--json").out.splitlines()]
    out = {e["payload"]["step"]: e["payload"].get("output", "") for e in events if e["type"] == "step.finished"}
    assert out["1.1"].count(PAYLOAD) == 3, out["1.1"]
    assert out["1.2"].count(PAYLOAD) == 3, out["1.2"]
    assert PAYLOAD in out["1.3"], out["1.3"]
    assert f"up from {PAYLOAD}" in out["1.5"], out["1.5"]
    assert f"down to {PAYLOAD}" in out["1.5.undo"], out["1.5.undo"]
    approvals = [e for e in events if e["type"] == "gate.approved"]
    assert approvals and approvals[0]["payload"]["reason"] == PAYLOAD
