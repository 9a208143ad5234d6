"""Cost of signed decisions and of `golive audit verify`, against OpenSSH's own `ssh-keygen -Y sign/verify`.

1. sign + verify one decision: golive in-process (asyncssh signs, the `sshsig` library verifies), with a key file
   and with a key held by a real ssh-agent started here, and with an ECDSA key file (golive.seal.ecdsa verifies);
   the peer is `ssh-keygen -Y sign` + `ssh-keygen -Y verify` (one process each, as `git` does it).
   Goal: <= 50 ms per decision.
2. `audit verify` of a 10,000-event run (shell steps' events, 20 signed decisions, 40 runner checkpoints) in an
   SQLite run log: the in-process check and the `golive audit verify` command (interpreter start-up included).
   The peer: hashing the same events' text with `sha256sum` (one process), a floor for "read and hash". Goal: <= 1 s.

    .venv/bin/python bench/audit.py [--events 10000] [--repeat 5]

Step overhead with checkpoints on is bench/step_overhead.py (checkpoints are on in every run).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
ROLE = "release-manager"


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)], check=True)


def decision_costs(work: Path, repeat: int) -> None:
    from golive.seal.decision import check, payload_for, sign
    from golive.seal.keys import agent_signer, file_signer

    key = work / "bob"
    keygen(key)
    public = " ".join((work / "bob.pub").read_text().split()[:2])
    (work / "allowed").write_text(f"bob {public}\n")
    head = "ab" * 32
    payload = payload_for("run-1", "cd" * 32, "approve", "phase 1", "fine", "2026-11-30T03:00:00+00:00", 7, head)

    def golive_once(signer: object) -> None:
        signed = sign(signer, payload)  # type: ignore[arg-type]
        check(signed.record(), run_id="run-1", plan_sha256="cd" * 32, decision="approve", subject="phase 1",
              reason="fine", head_of={7: head}, min_head_seq=1, before_seq=8)

    signer = file_signer(key)
    t_file = best(lambda: golive_once(signer), repeat * 4)
    subprocess.run(["ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-f", str(work / "ec")], check=True)
    ec_signer = file_signer(work / "ec")
    t_ecdsa = best(lambda: golive_once(ec_signer), repeat * 4)

    sock = work / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        env = {**os.environ, "SSH_AUTH_SOCK": str(sock)}
        subprocess.run(["ssh-add", "-q", str(key)], env=env, check=True, capture_output=True)
        os.environ["SSH_AUTH_SOCK"] = str(sock)
        from_agent = agent_signer(None)
        assert from_agent is not None
        t_agent = best(lambda: golive_once(from_agent), repeat * 4)
    finally:
        agent.terminate()
        agent.wait()
        os.environ.pop("SSH_AUTH_SOCK", None)

    msg = work / "msg"
    msg.write_bytes(b'{"decision":"approve"}')

    def openssh_once() -> None:
        sig = work / "msg.sig"
        sig.unlink(missing_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-f", str(key), "-n", "golive-decision@golive", str(msg)],
                       check=True, capture_output=True)
        with msg.open("rb") as fh:
            subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(work / "allowed"), "-I", "bob", "-n",
                            "golive-decision@golive", "-s", str(sig)], stdin=fh, check=True, capture_output=True)

    t_ssh = best(openssh_once, repeat * 4)
    print("sign + verify one decision (best of runs)")
    print(f"  golive, key file           {t_file * 1000:7.2f} ms")
    print(f"  golive, ssh-agent          {t_agent * 1000:7.2f} ms")
    print(f"  golive, ECDSA P-256 file   {t_ecdsa * 1000:7.2f} ms   (verified by golive.seal.ecdsa)")
    print(f"  ssh-keygen -Y sign+verify  {t_ssh * 1000:7.2f} ms   (golive key file is {t_ssh / t_file:.1f}x faster)")
    worst = max(t_file, t_agent, t_ecdsa)
    print(f"  goal <= 50 ms per decision: {'met' if worst <= 0.05 else 'MISSED'} ({worst * 1000:.1f} ms worst)")


def build_run(work: Path, events: int) -> tuple[Path, str]:
    """A run of `events` events written the way the runner writes them: step events with output, 20 signed
    approvals and a checkpoint every 250 events, signed by a runner key; then the final seal."""
    from golive.seal.checkpoint import Sealer
    from golive.seal.decision import payload_for, sign
    from golive.seal.keys import file_signer
    from golive.store.base import RunInfo
    from golive.store.sqlite import SQLiteStore

    for name in ("alice", "bob", "runner"):
        keygen(work / name)
    runner = file_signer(work / "runner")
    alice, bob = file_signer(work / "alice"), file_signer(work / "bob")
    signers = f"alice {alice.public_line}\nbob {bob.public_line}\ngolive-runner {runner.public_line}\n"
    store = SQLiteStore(work / "big.db")
    rid = "20261130-030000-beef"
    plan = {"name": "big", "service": "big", "environment": "bench", "approvers": {ROLE: ["bob"]},
            "separation_of_duties": True, "phases": [{"name": "p", "steps": ["true"]}]}
    store.create_run(RunInfo(rid, "big", "bench", "big", "plan.yaml", "alice", "2026-11-30T03:00:00+00:00",
                             "created", True), {
        "plan": plan, "plan_sha256": "cd" * 32, "initiator": "alice", "runner_key": runner.public_line,
        "signers": {"source": "allowed", "sha256": "", "text": signers},
        "initiator_signature": {"os_user": "alice", "host": "bench", **sign(alice, payload_for(
            rid, "cd" * 32, "start", "run", "", "2026-11-30T03:00:00+00:00", 0, "0" * 64)).record()}})
    sealer = Sealer(store, rid, runner)
    sealer.seal("start")
    output = "line of step output\n" * 10
    phase = 0
    while store.get_run(rid).head_seq < events - 1:
        seq = store.get_run(rid).head_seq
        if seq % 500 == 0:
            phase += 1
            store.append(rid, "gate.waiting", {"phase": phase, "needed": 1, "role": ROLE})
            head = store.events(rid, after=store.get_run(rid).head_seq - 1)[-1]
            signed = sign(bob, payload_for(rid, "cd" * 32, "approve", f"phase {phase}", "ok",
                                           "2026-11-30T03:00:00+00:00", head.seq, head.hash))
            store.append(rid, "gate.approved", {"phase": phase, "by": "bob", "role": ROLE, "reason": "ok",
                                                "os_user": "bob", "host": "bench", **signed.record()})
        elif seq % 250 == 0:
            sealer.seal("gate")
        else:
            store.append(rid, "step.finished", {"step": f"{phase}.{seq}", "status": "succeeded", "output": output,
                                                "exit_code": 0, "duration": 0.001})
    store.append(rid, "run.finished", {"outcome": "succeeded", "message": "bench"})
    sealer.seal("end")
    store.set_status(rid, "succeeded")
    store.close()
    return work / "big.db", rid


def verify_costs(work: Path, events: int, repeat: int) -> None:
    from golive.seal.verify import audit_run
    from golive.store.sqlite import SQLiteStore

    db, rid = build_run(work, events)
    store = SQLiteStore(db)
    n = len(store.events(rid))
    audit = audit_run(store, rid)
    assert audit.ok, audit.failure
    t_inproc = best(lambda: audit_run(store, rid), repeat)
    store.close()
    env = {**os.environ, "GOLIVE_WITNESS_DIR": str(work / "witness")}

    cpu: list[float] = []

    def command() -> None:
        import resource

        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([str(VENV_BIN / "golive"), "--store", str(db), "audit", "verify", rid], check=True,
                       capture_output=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

    t_cli = best(command, repeat)
    dump = work / "events.txt"
    with dump.open("w") as fh:
        subprocess.run(["sqlite3", str(db), "SELECT payload FROM events"], stdout=fh, check=False)

    def floor() -> None:
        subprocess.run(["sha256sum", str(dump)], check=True, capture_output=True)

    t_floor = best(floor, repeat)
    print(f"\naudit verify of a {n}-event run ({audit.checkpoints} checkpoints,"
          f" {sum(1 for d in audit.decisions if d.verified)} verified signatures)")
    print(f"  in-process (golive.seal.verify.audit_run)  {t_inproc * 1000:7.1f} ms")
    print(f"  golive audit verify (whole command)        {t_cli * 1000:7.1f} ms   (CPU {min(cpu) * 1000:.0f} ms:"
          f" wall above CPU is waiting for a core; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"  sha256sum of the payloads (a floor)        {t_floor * 1000:7.1f} ms"
          f"   (in-process is {t_inproc / max(t_floor, 1e-6):.0f}x the floor)")
    print(f"  goal <= 1 s: {'met' if t_cli <= 1.0 else 'MISSED'} on wall time ({t_cli:.2f} s for the command),"
          f" {'met' if min(cpu) <= 1.0 else 'MISSED'} on CPU time ({min(cpu):.2f} s)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="golive-bench-audit-") as tmp:
        work = Path(tmp)
        os.environ["GOLIVE_WITNESS_DIR"] = str(work / "witness")
        (work / "d").mkdir()
        decision_costs(work / "d", args.repeat)
        (work / "v").mkdir()
        verify_costs(work / "v", args.events, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
