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


def test_the_find_library_stand_in_answers_as_a_glob_of_each_place_would() -> None:
    """It lists each of the loader's places once (by real path: /lib is /usr/lib on merged-/usr systems) instead
    of globbing them per library; the answers are the ones the globs gave, the shortest `libX.so.N` of the first
    place holding one."""
    import glob
    import os

    from golive.lazy import _LIB_DIRS, _fast_find_library

    arch = getattr(sys.implementation, "_multiarch", "")
    places = [*_LIB_DIRS, *(f"{d}/{arch}" for d in ("/lib", "/usr/lib") if arch)]

    def by_glob(name: str) -> str | None:
        for d in places:
            found = sorted(glob.glob(f"{d}/lib{name}.so.*"), key=len)
            if found:
                return os.path.basename(found[0])
        return None

    listed: dict[str, list[str]] = {}
    names = ("c", "crypto", "ssl", "nettle", "hogweed", "z", "oqs", "no-such-library-here")
    assert [_fast_find_library(n, listed) for n in names] == [by_glob(n) for n in names]
    assert _fast_find_library("c", listed) is not None  # (libc is in one of the places on any Linux)
    assert len(listed) == len({os.path.realpath(d) for d in places})
