"""The host lock file must never be seen half-written. Hosts that share a filesystem (an NFS home, or test hosts on
one machine) take the same file at once, and a taker that reads an empty record cannot tell it is its own run's,
so it refuses its own run ("held by run None"). A `printf` that is slow to write (a shell function in front of
the builtin) holds the first taker between creating a file and filling it; a second taker starts only once the
first has created its file, so on a lock written in place it reads the lock while it is still empty."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from golive.targets.hostlock import FORCE, TAKE, take
from golive.targets.ssh import HostResult

SLOW_WRITER = 'printf() { sleep 0.5; command printf "$@"; }; '


def test_a_second_taker_never_reads_a_half_written_record(tmp_path: Path) -> None:
    record = json.dumps({"run": "r-1", "store": "/x/golive.db"})
    lock = tmp_path / "svc.lock"
    env = {"P": str(lock), "REC": record, "RID": "r-1", "PATH": "/usr/bin:/bin"}
    first = subprocess.Popen(["sh", "-c", SLOW_WRITER + TAKE], env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not any(tmp_path.iterdir()):  # the first taker has created its file (the lock, or its own draft)
        assert time.monotonic() < deadline and first.poll() is None, "the first taker never wrote a file"
        time.sleep(0.005)
    second = subprocess.Popen(["sh", "-c", TAKE], env=env, stdout=subprocess.PIPE, text=True)
    outs = [first.communicate(timeout=30)[0], second.communicate(timeout=30)[0]]
    assert sum(o.startswith("TAKEN") for o in outs) == 1, outs
    held = next(o for o in outs if o.startswith("HELD"))
    assert json.loads(held.split("\n", 1)[1])["run"] == "r-1", outs
    assert json.loads(lock.read_text())["run"] == "r-1"
    assert [p.name for p in tmp_path.iterdir()] == ["svc.lock"]  # no draft left behind


#: The lock is released (its run ended and dropped it) between this taker's failed `ln` and its read.
RELEASED_MEANWHILE = 'cat() { rm -f "$P"; command cat "$@"; }; '


def test_a_lock_released_between_link_and_read_is_taken_not_reported_held_by_nobody(tmp_path: Path) -> None:
    lock = tmp_path / "svc.lock"
    lock.write_text(json.dumps({"run": "r-old", "store": "/x/golive.db"}))
    env = {"P": str(lock), "REC": json.dumps({"run": "r-2", "store": "/y/golive.db"}), "RID": "r-2",
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run(["sh", "-c", RELEASED_MEANWHILE + TAKE], env=env, capture_output=True, text=True,
                         timeout=30).stdout
    assert out.startswith("TAKEN"), out
    assert json.loads(lock.read_text())["run"] == "r-2"
    assert [p.name for p in tmp_path.iterdir()] == ["svc.lock"]


def test_an_unreadable_record_is_said_to_be_one_never_a_run_named_none() -> None:
    def runner(hosts: list[str], script: str, env: dict[str, str]) -> list[HostResult]:
        assert script == TAKE
        return [HostResult(h, "ok", 0, "HELD\n\x1b[31mnot json", 0.0, 0.0, 0.0, "") for h in hosts]

    problems = take(runner, ["web-1"], "/tmp/x.lock", json.dumps({"run": "r-2"}), "r-2", "svc/prod")
    assert list(problems) == ["web-1"]
    why = problems["web-1"]
    assert "record cannot be read" in why and "None" not in why and "\x1b" not in why, why


def test_two_takers_over_an_ended_run_never_publish_a_half_written_record(tmp_path: Path) -> None:
    """Hosts sharing a filesystem take over a stale record at once: each writes its own draft."""
    lock = tmp_path / "svc.lock"
    lock.write_text(json.dumps({"run": "r-old"}))
    env = {"P": str(lock), "REC": json.dumps({"run": "r-3"}), "PATH": "/usr/bin:/bin"}
    first = subprocess.Popen(["sh", "-c", SLOW_WRITER + FORCE], env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(list(tmp_path.iterdir())) < 2:  # the first taker's draft exists, still empty
        assert time.monotonic() < deadline and first.poll() is None, "the first taker never wrote a draft"
        time.sleep(0.005)
    second = subprocess.run(["sh", "-c", FORCE], env=env, capture_output=True, text=True, timeout=30)
    assert second.stdout.startswith("TAKEN") and json.loads(lock.read_text())["run"] == "r-3"
    assert first.communicate(timeout=30)[0].startswith("TAKEN")
    assert json.loads(lock.read_text())["run"] == "r-3"


def test_a_take_over_the_host_refuses_is_a_refusal_not_a_lock(tmp_path: Path) -> None:
    """A record whose run is over, in a sticky directory (/tmp), written by another login: this login cannot
    replace it, so the take-over fails and the run is refused, where it used to go on as if it held the host (and
    so could a second run, both past the same leftover file). The scripts run as `nobody`, as a host's other
    login would."""
    import shutil
    import socket
    import tempfile

    shared = Path(tempfile.mkdtemp(prefix="golive-sticky-", dir="/tmp"))
    try:
        shared.chmod(0o1777)
        lock = shared / "golive-svc.prod.lock"
        over = {"run": "r-old", "store": str(tmp_path / "gone.db"), "host": socket.gethostname(), "pid": 999999999,
                "started": "1"}  # its writer is gone and its log never was: provably over
        lock.write_text(json.dumps(over))
        lock.chmod(0o644)

        def as_nobody(hosts: list[str], script: str, env: dict[str, str]) -> list[HostResult]:
            out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", script],
                                 env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=30)
            return [HostResult(h, "ok", out.returncode, out.stdout, 0.0, 0.0, 0.0, "") for h in hosts]

        problems = take(as_nobody, ["web-1"], str(lock), json.dumps({"run": "r-new", "store": "/y.db"}), "r-new",
                        "svc/prod")
        assert list(problems) == ["web-1"], problems
        assert "could not be taken over" in problems["web-1"]
        assert json.loads(lock.read_text())["run"] == "r-old"
    finally:
        shutil.rmtree(shared, ignore_errors=True)
