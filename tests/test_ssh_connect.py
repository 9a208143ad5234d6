"""How golive reaches hosts, as operators expect of ssh: one connection per host for the whole run, bounded
handshakes, jump hosts, ssh-agent keys, per-host user and port, rc files read once, and each host's result
recorded the moment it finishes. Hosts are golive.testing.fleet hosts (network namespaces, real sshd)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import events_of, golive
from golive.targets.ssh import env_block, remote_command
from golive.testing.fleet import SSHD, Fleet
from golive.traffic.local import free_ports


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(3, haproxy=False) as f:
        yield f


def _plan(workdir: Path, group: str, steps: str) -> None:
    (workdir / "plan.yaml").write_text("name: ssh\nservice: web\nenvironment: test\nhosts:\n  web:\n"
                                       + "".join(f"    {line}\n" for line in group.strip().splitlines())
                                       + "phases:\n  - name: Deploy\n    steps:\n" + steps)


def _group(fleet: Fleet, hosts: list[str], extra: str = "") -> str:
    return (f"hosts: [{', '.join(hosts)}]\nuser: root\nidentity: {fleet.key}\nknown_hosts: {fleet.known_hosts}\n"
            f"connect_timeout: 5s\n{extra}")


def test_remote_bash_reads_rc_files_once(tmp_path: Path) -> None:
    """What sshd does: `$SHELL -c LINE` with SSH_CLIENT set and a socket on stdin; bash then reads ~/.bashrc
    even for -c. The login shell reading it once is sshd's doing; the command's own bash must not again."""
    (tmp_path / ".bashrc").write_text('echo x >> "$HOME/count"\n')
    block = env_block({"A": "1"})
    line = f"GOLIVE_ENV_BYTES={len(block.encode())}; " + remote_command("echo ran", "/bin/bash", 10)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.sendall(block.encode())
        ours.shutdown(socket.SHUT_WR)
        proc = subprocess.run(["/bin/bash", "-c", line], stdin=theirs, capture_output=True, text=True, timeout=30,
                              env={"HOME": str(tmp_path), "SSH_CLIENT": "127.0.0.1 50000 22",
                                   "PATH": os.environ["PATH"]})
    assert proc.stdout == "ran\n", proc.stderr
    assert (tmp_path / "count").read_text().count("x") == 1


def test_one_connection_per_host_for_all_steps_of_a_run(fleet: Fleet, workdir: Path) -> None:
    before = {h.name: fleet.logins(h) for h in fleet.hosts}
    step = "      - ssh: {on: web, command: 'uname -a'}\n"
    _plan(workdir, _group(fleet, [h.ssh for h in fleet.hosts]), step * 3)
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 0, res.out + res.err
    assert len(events_of(workdir, "ssh.host")) == 9
    assert {h.name: fleet.logins(h) - before[h.name] for h in fleet.hosts} == {h.name: 1 for h in fleet.hosts}


def test_each_host_is_recorded_when_it_finishes_not_at_batch_end(fleet: Fleet, workdir: Path) -> None:
    """The slow host waits until the fast host's result is in the run log, so the run only succeeds if
    the fast host was recorded while its batch was still running."""
    fast, slow = fleet.hosts[0].ssh, fleet.hosts[1].ssh
    db = workdir / ".golive" / "golive.db"
    wait = (f"import sqlite3,time,sys\nend=time.time()+30\nwhile time.time()<end:\n"
            f"  with sqlite3.connect('{db}') as c:\n"
            f"    if c.execute(\\\"select count(*) from events where type='ssh.host' and payload like '%{fast}%'\\\")"
            f".fetchone()[0]: sys.exit(0)\n  time.sleep(0.05)\nsys.exit(7)")
    cmd = f'if [ "$GOLIVE_HOST" = "{slow}" ]; then {sys.executable} -c "{wait}"; fi'
    _plan(workdir, _group(fleet, [fast, slow]), f"      - ssh: {{on: web, command: {json.dumps(cmd)}}}\n")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 0, res.out + res.err + str(events_of(workdir, "ssh.host"))
    assert [e["host"] for e in events_of(workdir, "ssh.host")] == [fast, slow]


def test_a_key_file_logs_in_with_one_signed_request_and_a_refused_key_still_fails_cleanly(fleet: Fleet,
                                                                                        tmp_path: Path) -> None:
    """With the group's own key file, each login is one signed publickey request: no `none` request first and no
    query of whether the key would do (two round trips to the host's sshd fewer per login). A key the host does
    not know is refused after it, with the host's reason, as before."""
    import asyncssh

    from golive.targets.ssh import HostGroup, resolve_connection
    from golive.targets.sshpool import SshPool

    sent: list[tuple[str, bool]] = []
    real = asyncssh.SSHClientConnection.send_userauth_request

    async def spy(self: Any, method: bytes, *args: bytes, key: Any = None, trivial: bool = True) -> None:
        sent.append((method.decode(), key is not None))
        await real(self, method, *args, key=key, trivial=trivial)

    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    pool = SshPool()
    asyncssh.SSHClientConnection.send_userauth_request = spy  # type: ignore[method-assign]
    try:
        for identity, host in ((fleet.key, fleet.hosts[0].ssh), (other, fleet.hosts[1].ssh)):
            group = HostGroup(hosts=[host], user="root", identity=str(identity), known_hosts=str(fleet.known_hosts))
            conn = resolve_connection(group, "web", lambda s: s, tmp_path)
            (res,) = list(pool.run(conn, [host], "echo in", {}, 30))
            if identity == fleet.key:
                assert (res.status, res.output) == ("ok", "in\n"), res.message
                # each login one signed request (a busy machine may make the pool log in afresh once: the
                # command's channel not opening on a reused connection; that login is one signed request too)
                assert sent and set(sent) == {("publickey", True)}, sent
                sent.clear()
            else:
                assert res.status == "error" and "authentication refused" in res.message, res
                assert sent[0] == ("publickey", True)
    finally:
        asyncssh.SSHClientConnection.send_userauth_request = real  # type: ignore[method-assign]
        pool.close()


def test_per_host_user_and_port_override_the_group(fleet: Fleet, workdir: Path) -> None:
    h1, h2 = fleet.hosts[0], fleet.hosts[1]
    group = _group(fleet, [f"root@{h1.address}:22", h2.address]).replace("user: root", "user: nosuchuser")
    _plan(workdir, group, "      - ssh: {on: web, command: 'id -un', max_failures: 1}\n")
    golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    got = {e["host"]: e for e in events_of(workdir, "ssh.host")}
    assert got[f"root@{h1.address}:22"]["ok"] and "root" in got[f"root@{h1.address}:22"]["output"]
    assert not got[h2.address]["ok"] and "authentication refused" in got[h2.address]["message"]


def test_proxyjump_reaches_a_host_only_the_jump_host_can_reach(fleet: Fleet, workdir: Path) -> None:
    jump = fleet.hosts[2]
    inner = fleet.inner_sshd(jump, 2222)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", 2222), 1):
        pass  # not reachable from here: it exists only inside the jump host's namespace
    before = fleet.logins(jump)
    _plan(workdir, _group(fleet, [inner], f"jump: root@{jump.address}"),
          "      - ssh: {on: web, command: 'echo inner ok'}\n")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 0, res.out + res.err
    [ev] = events_of(workdir, "ssh.host")
    assert ev["ok"] and "inner ok" in ev["output"]
    assert fleet.logins(jump) == before + 1  # through the jump host
    assert (jump.dir / "inner-2222.log").read_text().count("Accepted publickey") == 1


def test_passphrase_protected_key_held_by_ssh_agent(fleet: Fleet, workdir: Path) -> None:
    key = workdir / "agent_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "correct horse", "-C", "agent", "-f", str(key)],
                   check=True)
    authorized = fleet.hosts[0].authorized_keys
    original = authorized.read_text()
    askpass = workdir / "askpass"
    askpass.write_text("#!/bin/sh\necho 'correct horse'\n")
    askpass.chmod(0o700)
    sock = workdir / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        deadline_wait(lambda: sock.exists())
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock), "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force",
               "DISPLAY": ":0"}
        subprocess.run(["ssh-add", str(key)], env=env, check=True, capture_output=True, timeout=30,
                       stdin=subprocess.DEVNULL)
        authorized.write_text((workdir / "agent_key.pub").read_text())  # only the agent's key is let in
        group = _group(fleet, [fleet.hosts[0].ssh]).replace(f"identity: {fleet.key}\n", "")
        _plan(workdir, group, "      - ssh: {on: web, command: 'echo via agent'}\n")
        res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"SSH_AUTH_SOCK": str(sock)})
        assert res.code == 0, res.out + res.err
        without = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"SSH_AUTH_SOCK": ""})
        assert without.code == 1  # the same key, not unlocked in an agent: refused
    finally:
        authorized.write_text(original)
        agent.send_signal(signal.SIGTERM)
        agent.wait(10)


def test_handshakes_in_flight_are_bounded(fleet: Fleet, tmp_path: Path, workdir: Path) -> None:
    """One sshd that drops unauthenticated connections past four (MaxStartups 4), on twelve ports: with
    `max_startups: 2` all twelve hosts connect (without the bound, twelve handshakes at once get some dropped)."""
    ports = free_ports(12)  # twelve distinct ports (one at a time, the same free port can come back twice)
    cfg = tmp_path / "sshd.conf"
    cfg.write_text("".join(f"ListenAddress 127.0.0.1:{p}\n" for p in ports)
                   + f"HostKey {fleet.dir / 'host'}\nAuthorizedKeysFile {fleet.dir / 'authorized_keys'}\n"
                   f"PidFile {tmp_path / 'sshd.pid'}\nUsePAM no\nStrictModes no\nMaxStartups 4\n"
                   "PermitRootLogin prohibit-password\nPasswordAuthentication no\n")
    known = tmp_path / "known_hosts"
    pub = " ".join((fleet.dir / "host.pub").read_text().split()[:2])
    known.write_text("".join(f"[127.0.0.1]:{p} {pub}\n" for p in ports))
    log = tmp_path / "sshd.log"
    with log.open("wb") as out:
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline_wait(lambda: log.read_bytes().count(b"Server listening") >= len(ports))  # all twelve bound
        hosts = [f"127.0.0.1:{p}" for p in ports]
        group = _group(fleet, hosts, "max_startups: 2").replace(str(fleet.known_hosts), str(known))
        _plan(workdir, group, "      - ssh: {on: web, command: 'true'}\n")
        res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
        assert res.code == 0, res.out + res.err
        assert [e["ok"] for e in events_of(workdir, "ssh.host")] == [True] * 12
    finally:
        sshd.terminate()
        sshd.wait(10)


def deadline_wait(cond: Any, seconds: float = 15) -> None:
    import time

    end = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.02)


def _ssh(fleet: Fleet, host: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", f"UserKnownHostsFile={fleet.known_hosts}", "-i",
                           str(fleet.key), f"root@{host}", command], capture_output=True, text=True, timeout=60)


def test_each_namespaced_host_logs_in_to_a_home_of_its_own(fleet: Fleet) -> None:
    """A real server does not share the control machine's home: its login reads its own stock ~/.bashrc (here a
    pyenv one costs ~0.13 s of CPU per login, for every tool alike) and is let in by its own authorized_keys.
    What a login writes in its home stays on that host, and this machine's /etc/passwd is left alone."""
    if fleet.mode != "netns":
        pytest.skip("loopback hosts are one machine and share its home")
    import pwd

    mine = Path(pwd.getpwuid(os.getuid()).pw_dir)
    first, second = fleet.hosts[0], fleet.hosts[1]
    homes = [_ssh(fleet, h.address, 'printf %s "$HOME"').stdout for h in (first, second)]
    assert homes == [str(first.home), str(second.home)] and str(mine) not in homes
    skel = Path("/etc/skel/.bashrc")
    if skel.is_file():
        assert _ssh(fleet, first.address, "cat ~/.bashrc").stdout == skel.read_text()
    assert _ssh(fleet, first.address, "cat ~/.ssh/authorized_keys").stdout == (fleet.dir / "client.pub").read_text()
    probe = f".fleet-probe-{fleet.tag}"
    assert _ssh(fleet, first.address, f"touch ~/{probe} && test -f ~/{probe}").returncode == 0
    assert _ssh(fleet, second.address, f"! test -e ~/{probe}").returncode == 0
    assert not (mine / probe).exists()
    assert str(fleet.dir) not in Path("/etc/passwd").read_text()  # the hosts' passwd is theirs alone


def test_with_a_shared_home_each_host_has_its_own_copy_of_what_login_shells_lock() -> None:
    """`own_home=False` (this machine's home on every host) still keeps apart the directories a login shell
    rewrites under a lock: sharing pyenv's shims made `pyenv rehash` (a pyenv ~/.bashrc runs it at every login)
    one lock across the fleet, so every tool's remote shells on 10 hosts ran one after another. What a host writes
    there stays on that host."""
    shims = Path.home() / ".pyenv" / "shims"
    if not shims.is_dir():
        pytest.skip("no pyenv shims here to keep apart")
    with Fleet(2, haproxy=False, app=False, own_home=False) as fleet:
        if fleet.mode != "netns":
            pytest.skip("loopback hosts are one machine")
        assert all(h.home is None for h in fleet.hosts)
        probe = f".fleet-probe-{fleet.tag}"
        first, second = fleet.hosts[0].address, fleet.hosts[1].address
        try:
            assert _ssh(fleet, first, "printf %s \"$HOME\"").stdout == str(Path.home())
            assert _ssh(fleet, first, f"touch ~/.pyenv/shims/{probe} && test -f ~/.pyenv/shims/{probe}").returncode == 0
            assert _ssh(fleet, second, f"test -d ~/.pyenv/shims && ! test -e ~/.pyenv/shims/{probe}").returncode == 0
            assert not (shims / probe).exists()
        finally:
            (shims / probe).unlink(missing_ok=True)


def _recording_context(workdir: Path) -> tuple[Any, list[tuple[str, str, dict[str, Any]]]]:
    from golive.core.clock import SystemClock
    from golive.core.step import StepContext
    from golive.masking import Masker

    seen: list[tuple[str, str, dict[str, Any]]] = []
    ctx = StepContext(run_id="r", step_id="1.1", vars={}, masker=Masker(), clock=SystemClock(), workdir=workdir,
                      emit=lambda t, p: seen.append(("durable", t, p)),
                      emit_grouped=lambda t, p: seen.append(("grouped", t, p)))
    return ctx, seen


def _ssh_step(fleet: Fleet, batch: int, command: str, timeout: float | None = None) -> Any:
    from golive.steps.ssh import SshStep
    from golive.targets.ssh import HostGroup

    step = SshStep.model_validate({"ssh": {"on": "web", "command": command, "batch": batch},
                                   **({"timeout": timeout} if timeout else {})})
    step.bind_hosts({"web": HostGroup(hosts=[h.ssh for h in fleet.hosts], user="root", identity=str(fleet.key),
                                      known_hosts=str(fleet.known_hosts))})
    return step


def test_a_batch_s_last_result_shares_the_fsync_of_the_event_right_after_it(fleet: Fleet, workdir: Path) -> None:
    """Each host's result is in the log the moment it finishes; the batch's last one, which the next batch's mark
    (or the step's end) follows with no host contacted in between, is flushed to disk with that event: one fsync
    fewer between batches. A result is otherwise flushed on its own, or with another host's result that finished
    with it (next test)."""
    ctx, seen = _recording_context(workdir)
    result = _ssh_step(fleet, 2, "true").execute(ctx)
    assert result.status == "succeeded", result.message
    kinds = [(how, t, p.get("batch")) for how, t, p in seen]
    assert [k for k in kinds if k[1] == "ssh.batch"] == [("durable", "ssh.batch", 1), ("durable", "ssh.batch", 2)]
    assert kinds[2] == ("grouped", "ssh.host", 1) and kinds[3][0] == "durable"  # batch 1's last, then batch 2's mark
    assert kinds[-1] == ("grouped", "ssh.host", 2)  # the step's end follows
    assert kinds[1] in (("durable", "ssh.host", 1), ("grouped", "ssh.host", 1))  # alone, or with the other host


def test_a_timed_out_batch_flushes_its_last_result_before_stopping_anything(fleet: Fleet, workdir: Path) -> None:
    """A timed-out host's tree is stopped after the batch (a host is contacted), so no result of that batch waits
    for a later event's flush."""
    ctx, seen = _recording_context(workdir)
    slow = fleet.hosts[0].ssh
    result = _ssh_step(fleet, 3, f'if [ "$GOLIVE_HOST" = "{slow}" ]; then sleep 30; fi', timeout=1).execute(ctx)
    assert result.status == "failed"
    kinds = [(how, t) for how, t, _ in seen]
    assert kinds[0] == ("durable", "ssh.batch") and [t for _, t in kinds[1:]] == ["ssh.host"] * 3
    assert kinds[-1] == ("durable", "ssh.host")  # the last result is flushed before the slow host is stopped
    # (the two fast hosts may finish together: the first of them is then flushed by the second)


def test_hosts_that_finish_together_are_recorded_with_one_flush_and_a_stop_waits_for_it(
        fleet: Fleet, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Results that are all there when the step reads them (hosts that finished together) are written one after
    the other and flushed once, by the last of them: every result is still in the log the moment the step learns
    of it. A stop signal arriving meanwhile waits until that last one is written, so no host is contacted (to stop
    its command) while a result is only in the page cache."""
    from golive import interrupts
    from golive.targets.base import HostResult
    from golive.targets.ssh import SshTarget

    a, b, c = (h.ssh for h in fleet.hosts)

    def result(host: str) -> HostResult:
        return HostResult(host, "ok", 0, "", 0.1, 0.0, 0.0)

    def handfuls(self: Any, command: str, env: dict[str, str], timeout: float) -> Iterator[list[HostResult]]:
        yield [result(a)]
        yield [result(b), result(c)]

    monkeypatch.setattr(SshTarget, "run_ready", handfuls)
    ctx, seen = _recording_context(workdir)
    assert _ssh_step(fleet, 3, "true").execute(ctx).status == "succeeded"
    assert [(how, p.get("host")) for how, t, p in seen if t == "ssh.host"] == [
        ("durable", a), ("grouped", b), ("grouped", c)]  # c: the batch's last, flushed with the step's end

    stopped: list[list[str]] = []
    monkeypatch.setattr("golive.targets.remote_tree.stop", lambda conn, hosts, mark, grace: stopped.append(hosts))
    ctx, seen = _recording_context(workdir)
    ctx.emit_grouped = lambda t, p: (seen.append(("grouped", t, p)), os.kill(os.getpid(), signal.SIGTERM))
    step = _ssh_step(fleet, 3, "true")

    def a_and_b_then_c(self: Any, command: str, env: dict[str, str], timeout: float) -> Iterator[list[HostResult]]:
        yield [result(a), result(b)]
        yield [result(c)]

    monkeypatch.setattr(SshTarget, "run_ready", a_and_b_then_c)
    with interrupts.handling(), pytest.raises(interrupts.Interrupted), interrupts.interruptible():
        step.execute(ctx)
    assert [(how, p.get("host")) for how, t, p in seen if t == "ssh.host"] == [("grouped", a), ("durable", b)]
    assert stopped == [[c]]
