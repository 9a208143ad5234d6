"""golive.testing.fleet copies pyenv's shims for each host while any login on this machine may be rewriting
them (`pyenv rehash` removes and relinks them): a file gone mid-copy must not stop the fleet from starting, as
it once did (shutil.copytree raised on a `.pyenv-source-shim` a concurrent rehash had just removed)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from golive.testing.fleet import copy_live_dir


def test_copying_a_directory_being_rewritten_skips_what_vanished(tmp_path: Path) -> None:
    src = tmp_path / "shims"
    src.mkdir()
    for i in range(200):
        (src / f"tool{i}").write_text("#!/bin/sh\n")
    stop = threading.Event()

    def rehash() -> None:  # what `pyenv rehash` does to the directory, as fast as it can
        while not stop.is_set():
            for i in range(200):
                (src / f"tool{i}").unlink(missing_ok=True)
                (src / ".pyenv-shim").write_text("lock\n")
            for i in range(200):
                (src / f"tool{i}").write_text("#!/bin/sh\n")
                (src / ".pyenv-shim").unlink(missing_ok=True)

    writer = threading.Thread(target=rehash)
    writer.start()
    try:
        deadline = time.monotonic() + 3
        copies = 0
        while time.monotonic() < deadline or copies < 20:
            dst = tmp_path / f"copy{copies}"
            copy_live_dir(src, dst)
            assert not (dst / ".pyenv-shim").exists()
            assert {p.name for p in dst.iterdir()} <= {f"tool{i}" for i in range(200)}
            copies += 1
    finally:
        stop.set()
        writer.join(10)
