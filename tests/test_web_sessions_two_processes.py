"""Two console processes on one state directory change `sessions.json` each from its own copy. Without one writer at
a time, one process's write from a stale copy undoes the other's change: here, the refresh token another process
just stored (the provider rotated the old one away) would be replaced by the old one, or an ended session would come
back. Two `SessionList`s on one file stand for the two processes (each keeps its own copy and its own thread lock;
flock(2) is per open file, so it separates them as it separates processes)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import golive.web.sessions as sessions_module
from golive.web.sessions import SessionList


def test_a_write_from_a_stale_copy_never_undoes_another_processes_change(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "web" / "sessions.json"
    first, second = SessionList(path, absolute=3600), SessionList(path, absolute=3600)
    sid = first.create({"since": time.time(), "who": {"person": "rita"}, "oidc": {"sealed": "old"}})
    other = first.create({"since": time.time(), "who": {"person": "vic"}})
    second.get(sid)  # the second process has its copy too
    real_write = sessions_module.write_private
    second_done = threading.Event()
    first_writing = threading.Event()

    def first_writes_late(target: Path, text: str) -> None:
        if threading.current_thread().name == "first":
            first_writing.set()
            second_done.wait(3)  # the second's change lands meanwhile, unless it must wait for this write
        real_write(target, text)

    monkeypatch.setattr(sessions_module, "write_private", first_writes_late)
    ending = threading.Thread(target=first.end, args=(other,), name="first")
    ending.start()
    assert first_writing.wait(30)
    changing = threading.Thread(target=lambda: (second.update(sid, {"oidc": {"sealed": "new"}}), second_done.set()),
                                name="second")
    changing.start()
    ending.join(30)
    changing.join(30)
    reader = SessionList(path, absolute=3600)
    assert reader.get(other) is None  # the first's change
    assert (reader.get(sid) or {}).get("oidc") == {"sealed": "new"}  # the second's, not undone


def test_refresh_lock_files_of_sessions_past_any_sessions_age_are_removed(tmp_path: Path) -> None:
    """One lock file per OIDC session (golive.web.revalidate): those no session can still use go when a console
    starts; a live session's stays."""
    import os
    from typing import Any, cast

    from golive.web.revalidate import Revalidator

    live = SessionList(tmp_path / "web" / "sessions.json", absolute=3600)
    locks = tmp_path / "web" / "oidc-locks"
    locks.mkdir(parents=True)
    old, fresh = locks / "a.lock", locks / "b.lock"
    old.touch()
    fresh.touch()
    os.utime(old, (time.time() - 3 * 3600, time.time() - 3 * 3600))
    Revalidator(cast(Any, None), live, "secret", 300, time.time)
    assert not old.exists() and fresh.exists()
