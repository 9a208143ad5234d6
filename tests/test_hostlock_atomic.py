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

from golive.targets.hostlock import TAKE

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
