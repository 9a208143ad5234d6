"""A `golive rollback RUN --level N` killed (kill -9) after it made the ended run hold its service again but before
it recorded the request leaves a run log whose run ended and still holds its service. `golive resume RUN` lets the
service go again (nothing was asked for, so nothing runs); without it no run of the service could ever start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import golive
from enginekit import HEAD, T0, Harness
from golive.store.sqlite import SQLiteStore
from golive.testing import FakeClock
from test_rollback_conditions import LADDER

OTHER = HEAD + "phases:\n  - name: One\n    steps: [\"echo other >> trail.log\"]\n"

#: Another process asks for level 3 and is killed right before the request is written (after the reopen).
KILLED_ASKING = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import golive.run.decisions as d
    from golive.store.sqlite import SQLiteStore

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    d._append = killed
    store = SQLiteStore(Path(sys.argv[1]))
    d.request_rollback(store, sys.argv[2], "dba", "orders table lost rows", 3)
""")


LOCKED = LADDER.replace("phases:", "locks:\n  - local: {dir}\nphases:", 1)


def test_a_reopen_killed_before_its_request_is_let_go_by_resume(tmp_path: Path) -> None:
    db = tmp_path / ".golive" / "golive.db"
    store = SQLiteStore(db)
    h = Harness(tmp_path, store, FakeClock(T0))
    locks = tmp_path / "locks"
    try:
        rid = h.start(LOCKED.format(dir=locks))
        assert h.drive(rid) == 1 and h.state(rid).outcome == "rolled-back"
        killed = subprocess.run([sys.executable, "-c", KILLED_ASKING, str(db), rid], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
        assert killed.returncode == -9, killed.stderr
        assert store.get_run(rid).active and h.state(rid).terminal  # the crash left it holding the service
        assert [p.name for p in locks.glob("*.lock")], "the reopen took the run's lock file"
        (tmp_path / "other.yaml").write_text(OTHER, encoding="utf-8")
        assert f"held by run {rid}" in golive("run", "other.yaml", cwd=tmp_path).err

        resumed = golive("resume", rid, cwd=tmp_path)
        assert resumed.code == 1, resumed  # the run's outcome, as before: rolled back
        assert "no longer holds" in resumed.err and "Traceback" not in resumed.err, resumed
        assert not store.get_run(rid).active
        assert not list(locks.glob("*.lock")), "its lock file goes too (a log elsewhere could not tell it is over)"
        assert [e.type for e in store.events(rid)].count("rollback.requested") == 0
        assert golive("run", "other.yaml", cwd=tmp_path).code == 0
    finally:
        store.close()
