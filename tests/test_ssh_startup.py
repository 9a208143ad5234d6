"""A run's start-up costs: importing asyncssh (for the run's signer and the SSH pool) must start no process.

asyncssh asks ctypes.util.find_library for liboqs and nettle at import; on Linux that runs `ldconfig -p`
three times and `gcc` twice, about ten processes and a large share of a short `ssh` run's CPU.
"""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, subprocess
started = []
real = subprocess.Popen.__init__
def spy(self, args, *a, **kw):
    started.append(args if isinstance(args, str) else [str(x) for x in args])
    return real(self, args, *a, **kw)
subprocess.Popen.__init__ = spy
import golive.cli.drive, golive.run.runner, golive.seal.keys  # the `golive run` path, signer included
from golive.targets.sshpool import pool
pool()._ensure_loop()
import asyncssh
print(json.dumps({"started": started, "asyncssh": asyncssh.__version__}))
"""


def test_loading_the_run_path_and_asyncssh_starts_no_process() -> None:
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["started"] == [], f"processes started while importing: {out['started']}"
