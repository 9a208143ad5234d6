"""`ssh` steps on host groups, against real OpenSSH servers: one `sshd` per "host" on its own loopback port,
host keys checked strictly against a known_hosts file the fixture writes, a client key in the run directory.
"""

from __future__ import annotations

import getpass
import json
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import golive
from golive.errors import PlanError
from golive.plan.loader import parse_plan_text
from golive.traffic.local import free_port, free_ports

SSHD = "/usr/sbin/sshd"
START_DEADLINE = 15.0


@dataclass
class SshHosts:
    ports: list[int]
    key: Path
    known_hosts: Path

    @property
    def hosts(self) -> list[str]:
        return [f"127.0.0.1:{p}" for p in self.ports]


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"sshd on port {port} exited with {proc.returncode}: {log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"sshd did not listen on 127.0.0.1:{port} within {START_DEADLINE:g}s:"
                f" {log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshHosts]:
    """Four real sshd processes (four "hosts"); never skipped: no sshd is a failure with its reason."""
    if not Path(SSHD).exists():
        pytest.fail(f"{SSHD} is missing: install openssh-server (scripts/system-packages.txt)")
    tmp = tmp_path_factory.mktemp("sshd")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    for name in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(tmp / name)],
                       check=True)
    (tmp / "authorized_keys").write_text((tmp / "client.pub").read_text())
    host_pub = " ".join((tmp / "host.pub").read_text().split()[:2])
    ports = free_ports(4)  # four distinct ports (one at a time, the same free port can come back twice)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            cfg = tmp / f"sshd-{port}.conf"
            cfg.write_text(f"ListenAddress 127.0.0.1:{port}\nHostKey {tmp / 'host'}\n"
                           f"AuthorizedKeysFile {tmp / 'authorized_keys'}\nPidFile {tmp / f'sshd-{port}.pid'}\n"
                           "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
                           "PasswordAuthentication no\nKbdInteractiveAuthentication no\n")
            log = tmp / f"sshd-{port}.log"
            with log.open("wb") as out:
                proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT)
            procs.append(proc)
            _wait_listening(port, proc, log)
        known = tmp / "known_hosts"
        known.write_text("".join(f"[127.0.0.1]:{p} {host_pub}\n" for p in ports))
        yield SshHosts(ports, tmp / "client", known)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _plan(hosts: SshHosts, workdir: Path, steps: str, group: str = "", vars_: str = "") -> Path:
    """A plan whose group `web` is the four sshd hosts, with the client key copied into the run directory."""
    (workdir / "keys").mkdir(exist_ok=True)
    shutil.copy(hosts.key, workdir / "keys" / "id_ed25519")
    group = group or (f"  web:\n    hosts: [{', '.join(hosts.hosts)}]\n    user: {getpass.getuser()}\n"
                      f"    identity: keys/id_ed25519\n    known_hosts: {hosts.known_hosts}\n"
                      "    connect_timeout: 5s\n")
    if "lock_dir:" not in group:  # the run's lock files on the hosts: this test's own (they share this filesystem)
        group += f"    lock_dir: {workdir / '.remote-locks'}\n"
    text = (f"name: ssh demo\nservice: web\nenvironment: test\n{vars_}hosts:\n{group}"
            f"phases:\n  - name: Deploy\n    steps:\n{steps}")
    (workdir / "plan.yaml").write_text(text)
    return workdir / "plan.yaml"


def _events(workdir: Path, type_: str | None = None) -> list[dict[str, Any]]:
    with sqlite3.connect(workdir / ".golive" / "golive.db") as db:
        rows = db.execute("SELECT seq, type, payload FROM events ORDER BY run_id, seq").fetchall()
    out = [{"seq": seq, "type": t, **json.loads(payload)} for seq, t, payload in rows]
    return [e for e in out if type_ is None or e["type"] == type_]


def _run(workdir: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env=env)
    return res.code, res.out + res.err


def _marks(workdir: Path) -> set[str]:
    return {p.name for p in (workdir / "marks").iterdir()}


def test_rolling_batches_run_in_order_and_undo_runs_newest_batch_first(sshd: SshHosts, workdir: Path) -> None:
    (workdir / "marks").mkdir()
    h = sshd.hosts
    _plan(sshd, workdir, f"""\
      - name: Deploy web
        ssh: {{on: web, batch: 2, command: 'touch {workdir}/marks/ran-$GOLIVE_HOST; echo on $GOLIVE_HOST'}}
        undo: 'touch {workdir}/marks/undo-$GOLIVE_HOST'
      - shell: "false"
""")
    code, out = _run(workdir)
    assert code == 1, out  # the shell step fails: rolled back
    assert _marks(workdir) == {f"ran-{x}" for x in h} | {f"undo-{x}" for x in h}
    batches = [(e["step"], e["hosts"]) for e in _events(workdir, "ssh.batch")]
    assert batches == [("1.1", h[:2]), ("1.1", h[2:]), ("1.1.undo", h[2:]), ("1.1.undo", h[:2])]
    per_host = [e for e in _events(workdir, "ssh.host") if e["step"] == "1.1"]
    # each host is recorded as it finishes: in completion order within its batch
    order = [e["host"] for e in per_host]
    assert set(order[:2]) == set(h[:2]) and set(order[2:]) == set(h[2:])
    assert all(e["ok"] and e["exit_code"] == 0 for e in per_host)
    first, second = per_host[:2], per_host[2:]
    assert max(e["finished"] for e in first) <= min(e["started"] for e in second)
    assert f"on {h[3]}" in next(e for e in per_host if e["host"] == h[3])["output"]
    log = golive("log", _latest_run(workdir), cwd=workdir).out
    host_lines = [line for line in log.splitlines() if "[1.1] ssh " in line and "exit 0" in line]
    assert len(host_lines) == 4, log


def _latest_run(workdir: Path) -> str:
    with sqlite3.connect(workdir / ".golive" / "golive.db") as db:
        row = db.execute("SELECT id FROM runs ORDER BY created_at DESC LIMIT 1").fetchone()
    return str(row[0])


def test_failing_host_stops_later_batches_and_undo_reaches_only_where_it_ran(sshd: SshHosts,
                                                                               workdir: Path) -> None:
    (workdir / "marks").mkdir()
    h = sshd.hosts
    _plan(sshd, workdir, f"""\
      - ssh:
          on: web
          batch: 50%
          command: |
            if [ "$GOLIVE_HOST" = "{h[1]}" ]; then echo broken >&2; exit 3; fi
            touch {workdir}/marks/ran-$GOLIVE_HOST
        undo: 'touch {workdir}/marks/undo-$GOLIVE_HOST'
""")
    code, out = _run(workdir)
    assert code == 1, out
    # batch 2 never started; the undo ran on batch 1's hosts (where the command ran), and nowhere else
    assert _marks(workdir) == {f"ran-{h[0]}", f"undo-{h[0]}", f"undo-{h[1]}"}
    assert [e["hosts"] for e in _events(workdir, "ssh.batch") if e["step"] == "1.1"] == [h[:2]]
    finished = next(e for e in _events(workdir, "step.finished") if e["step"] == "1.1")
    assert finished["status"] == "failed" and f"{h[1]}: exit code 3" in finished["message"]
    assert "2 host(s) in later batches untouched" in finished["message"]
    failed = next(e for e in _events(workdir, "ssh.host") if e["host"] == h[1])
    assert failed["exit_code"] == 3 and "broken" in failed["output"]


def test_max_failures_lets_the_rollout_go_on(sshd: SshHosts, workdir: Path) -> None:
    (workdir / "marks").mkdir()
    h = sshd.hosts
    _plan(sshd, workdir, f"""\
      - ssh:
          on: web
          batch: 1
          max_failures: 1
          command: '[ "$GOLIVE_HOST" != "{h[0]}" ] && touch {workdir}/marks/ran-$GOLIVE_HOST'
""")
    code, out = _run(workdir)
    assert code == 0, out
    assert _marks(workdir) == {f"ran-{x}" for x in h[1:]}
    assert len(_events(workdir, "ssh.batch")) == 4
    finished = next(e for e in _events(workdir, "step.finished") if e["step"] == "1.1")
    assert finished["message"] == f"4 host(s) in 4 batch(es) (1 failed: {h[0]})"


def test_unreachable_host_fails_fast_with_its_reason(sshd: SshHosts, workdir: Path) -> None:
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    group = (f"  web:\n    hosts: [{sshd.hosts[0]}, {dead}]\n    identity: keys/id_ed25519\n"
             f"    known_hosts: {sshd.known_hosts}\n    connect_timeout: 5s\n")
    _plan(sshd, workdir, "      - ssh: {on: web, command: 'true'}\n", group=group)
    started = time.monotonic()
    code, out = _run(workdir)
    assert code == 1 and time.monotonic() - started < 30, out
    [bad] = [e for e in _events(workdir, "ssh.host") if e["host"] == dead]
    assert bad["status"] == "error" and bad["message"].startswith(f"cannot connect to {dead}")
    assert [e["ok"] for e in _events(workdir, "ssh.host") if e["host"] == sshd.hosts[0]] == [True]


def test_hung_remote_command_is_killed_at_the_timeout(sshd: SshHosts, workdir: Path) -> None:
    marker = "1013.25"  # a sleep no other test runs, so pgrep finds only ours
    _plan(sshd, workdir, f"      - ssh: {{on: web, command: 'sleep {marker}'}}\n        timeout: 2s\n")
    started = time.monotonic()
    code, out = _run(workdir)
    assert code == 1, out
    assert time.monotonic() - started < 30
    finished = next(e for e in _events(workdir, "step.finished") if e["step"] == "1.1")
    assert "timed out after 2s" in finished["message"]
    deadline = time.monotonic() + 15
    while subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True).returncode == 0:
        assert time.monotonic() < deadline, "a remote sleep survived the step's timeout"
        time.sleep(0.1)


def test_vars_reach_the_remote_shell_quoted_and_secrets_stay_out_of_the_log(sshd: SshHosts,
                                                                              workdir: Path) -> None:
    (workdir / "marks").mkdir()
    secret = "s3cr3t-Value-9f2a"
    nasty = "it's \"quoted\" $(touch /tmp/golive-pwned) ; `id` \\ end"
    vars_ = (f"vars:\n  TOKEN: {{secret: true, from_env: SSH_TEST_TOKEN}}\n"
             f"  NASTY: {json.dumps(nasty)}\n")
    _plan(sshd, workdir, f"""\
      - ssh:
          on: web
          env: {{WHERE: '{workdir}/marks'}}
          command: |
            echo "token is $TOKEN"
            printf %s "$NASTY" > "$WHERE/nasty-$GOLIVE_HOST"
            printf %s "$TOKEN" > "$WHERE/token-$GOLIVE_HOST"
""", vars_=vars_)
    code, out = _run(workdir, env={"SSH_TEST_TOKEN": secret})
    assert code == 0, out
    for host in sshd.hosts:
        assert (workdir / "marks" / f"nasty-{host}").read_text() == nasty
        assert (workdir / "marks" / f"token-{host}").read_text() == secret
    assert not Path("/tmp/golive-pwned").exists()
    assert any("token is ***" in e["output"] for e in _events(workdir, "ssh.host"))
    for store in (workdir / ".golive").glob("golive.db*"):
        assert secret.encode() not in store.read_bytes(), store
    assert secret not in out
    assert secret not in golive("log", _latest_run(workdir), cwd=workdir).out


def test_a_host_output_cut_through_a_secret_leaves_no_piece_of_it(sshd: SshHosts, workdir: Path) -> None:
    """Each host's output is kept to its last 2 KB in the log; cut before masking, a cut through the secret left
    its tail (here 5 characters, shorter than any piece the masker looks for) in ssh.host and step.finished."""
    secret = "s3cr3t-Value-9f2a"
    _plan(sshd, workdir, """\
      - ssh:
          on: web
          command: printf %s "$TOKEN"; head -c 2043 /dev/zero | tr '\\0' x
""", vars_="vars:\n  TOKEN: {secret: true, from_env: SSH_TEST_TOKEN}\n")
    code, out = _run(workdir, env={"SSH_TEST_TOKEN": secret})
    assert code == 0, out
    hosts = _events(workdir, "ssh.host")
    assert len(hosts) == 4 and all(e["output"].endswith("x" * 2000) for e in hosts), hosts
    finished = [e for e in _events(workdir, "step.finished")]
    for text in [e["output"] for e in hosts + finished] + [golive("log", _latest_run(workdir), cwd=workdir).out]:
        assert secret[-5:] not in text, text[:80]


def test_unknown_host_key_is_refused(sshd: SshHosts, workdir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other_known_hosts"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "stranger")], check=True)
    stranger = " ".join((tmp_path / "stranger.pub").read_text().split()[:2])
    other.write_text(f"[127.0.0.1]:{sshd.ports[0]} {stranger}\n")  # a different key for the same host
    group = (f"  web:\n    hosts: [{sshd.hosts[0]}]\n    user: {getpass.getuser()}\n"
             f"    identity: keys/id_ed25519\n    known_hosts: {other}\n")
    _plan(sshd, workdir, "      - ssh: {on: web, command: 'echo should not run'}\n", group=group)
    code, out = _run(workdir)
    assert code == 1, out
    finished = next(e for e in _events(workdir, "step.finished") if e["step"] == "1.1")
    assert f"host key of {sshd.hosts[0]} is not trusted by {other}" in finished["message"]
    assert not any("should not run" in e["output"] for e in _events(workdir, "ssh.host"))


def test_interrupted_ssh_step_needs_attention_unless_idempotent(sshd: SshHosts, workdir: Path) -> None:
    (workdir / "marks").mkdir()
    step = f"      - ssh: {{on: web, batch: 2, command: 'touch {workdir}/marks/ran-$GOLIVE_HOST'}}\n"
    _plan(sshd, workdir, step)
    # events: run.created, run.started, audit.checkpoint, phase.started, step.started, ssh.batch -> killed before
    # batch 1 runs
    code, out = _run(workdir, env={"GOLIVE_CRASH_AFTER_EVENT": "6"})
    assert code != 0 and _events(workdir)[-1]["type"] == "ssh.batch", out
    res = golive("resume", _latest_run(workdir), "--no-wait", cwd=workdir)
    assert res.code == 3, res.out + res.err
    assert any(e["type"] == "run.needs_attention" and e["step"] == "1.1" for e in _events(workdir))
    assert not (workdir / "marks").joinpath(f"ran-{sshd.hosts[0]}").exists()

    shutil.rmtree(workdir / ".golive")
    _plan(sshd, workdir, step + "        idempotent: true\n")
    code, out = _run(workdir, env={"GOLIVE_CRASH_AFTER_EVENT": "6"})
    assert code != 0, out
    res = golive("resume", _latest_run(workdir), "--no-wait", cwd=workdir)
    assert res.code == 0, res.out + res.err
    assert _marks(workdir) == {f"ran-{x}" for x in sshd.hosts}


HEAD = "name: d\nservice: s\nenvironment: p\n"


@pytest.mark.parametrize(("hosts", "step", "message"), [
    ("  web: {hosts: [a, b]}\n", "{on: wbe, command: uptime}",
     "plan.yaml:9:19: phases[0].steps[0].ssh.on: unknown host group 'wbe' (did you mean 'web'?); groups: web"),
    ("  web: {hosts: [a, b]}\n", "{on: web, command: uptime, batch: '0'}",
     "plan.yaml:9:48: phases[0].steps[0].ssh.batch: a batch is at least 1 host"),
    ("  web: {hosts: [a, b]}\n", "{on: web, command: uptime, batch: 150%}",
     "plan.yaml:9:48: phases[0].steps[0].ssh.batch: '150%': a batch share is more than 0% and at most 100%"),
    ("  web: {hosts: []}\n", "{on: web, command: uptime}", "plan.yaml:5:16: hosts.web.hosts: must not be empty"),
    ("  web: {hosts: ['a:99999']}\n", "{on: web, command: uptime}",
     "plan.yaml:5:17: hosts.web.hosts[0]: 'a:99999': port 99999 is not 1-65535"),
])
def test_bad_ssh_plans_are_positioned_errors(hosts: str, step: str, message: str) -> None:
    text = HEAD + "hosts:\n" + hosts + "phases:\n  - name: One\n    steps:\n      - ssh: " + step + "\n"
    with pytest.raises(PlanError) as err:
        parse_plan_text(text, "plan.yaml")
    assert str(err.value) == message


def test_batches_split_the_group() -> None:
    plan = parse_plan_text(HEAD + "hosts:\n  web: {hosts: [a, b, c, d, e]}\nphases:\n  - name: One\n    steps:\n"
                           "      - ssh: {on: web, command: x, batch: 40%}\n      - ssh: {on: web, command: x}\n"
                           "      - ssh: {on: web, command: x, batch: 3}\n")
    specs = [s.ssh for s in plan.phases[0].steps]  # type: ignore[attr-defined]
    hosts = ["a", "b", "c", "d", "e"]
    assert [spec.batches(hosts) for spec in specs] == [
        [["a", "b"], ["c", "d"], ["e"]], [hosts], [["a", "b", "c"], ["d", "e"]]]


def test_event_lines_name_each_host() -> None:
    from golive.report.describe import describe
    from golive.store.base import Event

    ev = Event("r", 7, "2026-01-01T00:00:00", "ssh.host", json.dumps({
        "step": "1.1", "group": "web", "batch": 1, "host": "h1:22", "ok": False, "status": "ok", "exit_code": 3,
        "duration": 1.5, "message": "exit code 3, expected 0", "output": "boom\nlast line\n"}), "", "")
    assert describe(ev).startswith("[1.1] ssh h1:22 (batch 1): FAILED exit 3")
    assert "last line" in describe(ev)
