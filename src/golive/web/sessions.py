"""The server's list of live sessions, so that ending one is the server's word and not the browser's.

A signed cookie alone cannot be taken back: a copy made before "log out" would still be accepted until its
absolute timeout. So the cookie carries only a random session id (plus its CSRF token and when it was last
used), and the identity lives here, in `sessions.json` in the console's state directory (mode 0600). Logging
out deletes the entry; "log out everywhere" deletes every entry of the person; a local account that is
disabled, removed or given a new password invalidates its sessions because each one records the account's
`epoch`, which those changes replace (golive.web.accounts). The file is re-read when it changes on disk, so
sessions survive a restart and every server process on one state directory agrees. Every change is read, made
and written under flock(2) of `sessions.json.lock`, the file read again whatever its time stamp says: a process
writing from a stale copy would otherwise undo another's change (a session ended elsewhere coming back, or the
refresh token another process just received replaced by the one the provider has already rotated away).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from golive.store.flock import flock_within
from golive.web.accounts import write_private


class SessionList:
    def __init__(self, path: Path, absolute: float, clock: Callable[[], float] = time.time) -> None:
        self.path, self.absolute, self.clock = path, absolute, clock
        self._lock = threading.Lock()
        self._cache: dict[str, dict[str, Any]] = {}
        self._stamp: tuple[int, int, int] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._cache, self._stamp = {}, None
            return self._cache
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}  # unreadable: nobody is logged in, which fails closed
            self._cache, self._stamp = (data if isinstance(data, dict) else {}), stamp
        return self._cache

    @contextlib.contextmanager
    def _changing(self) -> Iterator[None]:
        """This thread's and this process's alone, with the list as the file holds it now."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                flock_within(fd, f"the console's session list {self.path}")
                self._stamp = None  # another process may have written within one time stamp tick
                yield
            finally:
                os.close(fd)

    def _save(self, sessions: dict[str, dict[str, Any]]) -> None:
        now = self.clock()
        live = {sid: rec for sid, rec in sessions.items() if now - float(rec.get("since", 0)) <= self.absolute}
        write_private(self.path, json.dumps(live, indent=1, sort_keys=True))
        self._stamp = None  # re-read on next use (the write changed the file)

    def create(self, record: dict[str, Any]) -> str:
        """A new session for `record` (person, identity, since, and the account's epoch for a local login)."""
        sid = secrets.token_urlsafe(32)
        with self._changing():
            sessions = dict(self._load())
            sessions[sid] = record
            self._save(sessions)
        return sid

    def get(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            return self._load().get(sid)

    def update(self, sid: str, changes: dict[str, Any]) -> bool:
        """Merge `changes` into a live session's record; False when the session has ended meanwhile."""
        with self._changing():
            sessions = dict(self._load())
            if sid not in sessions:
                return False
            sessions[sid] = {**sessions[sid], **changes}
            self._save(sessions)
            return True

    def end(self, sid: str) -> dict[str, Any] | None:
        """End the session; its record as it was at that moment (None: it had ended already). Read and removed
        under one flock: a change written just before (a refresh's new tokens) is in it, none can come after."""
        with self._changing():
            sessions = dict(self._load())
            record = sessions.pop(sid, None)
            if record is not None:
                self._save(sessions)
            return record

    def matching(self, match: Callable[[dict[str, Any]], bool]) -> list[str]:
        with self._lock:
            return [sid for sid, rec in self._load().items() if match(rec)]

    def end_where(self, match: Callable[[dict[str, Any]], bool]) -> int:
        """End every session whose record matches (all of a person's, all of an account's); returns how many."""
        return len(self.end_all(match))

    def end_all(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, dict[str, Any]]:
        """As end_where, with each ended session's record as it was when it ended (see `end`)."""
        with self._changing():
            sessions = dict(self._load())
            gone = {sid: rec for sid, rec in sessions.items() if match(rec)}
            for sid in gone:
                del sessions[sid]
            if gone:
                self._save(sessions)
            return gone
