"""A canary's first look does not wait for scipy: the canary starts importing it in the background and goes on.
Checked in a fresh interpreter whose import of scipy.stats is held until the test lets it go."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = r"""
import importlib.abc, sys, threading
release = threading.Event()

class Hold(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "scipy.stats":
            release.wait(60)
        return None

sys.meta_path.insert(0, Hold())
from golive.steps.canary import _warm_statistics
warm = _warm_statistics()          # must return while scipy.stats is still being imported
print("returned", "scipy.stats" not in sys.modules, flush=True)
release.set()
warm.join(120)
print("imported", "scipy.stats" in sys.modules, flush=True)
"""


def test_the_canary_does_not_wait_for_scipy_to_import() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["returned", "True", "imported", "True"], proc.stdout + proc.stderr[-2000:]
