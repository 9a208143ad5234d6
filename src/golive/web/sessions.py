"""The server's list of live sessions, so that ending one is the server's word and not the browser's.

A signed cookie alone cannot be taken back: a copy made before "log out" would still be accepted until its
absolute timeout. So the cookie carries only a random session id (plus its CSRF token and when it was last
used), and the identity lives here, in `sessions.json` in the console's state directory (mode 0600). Logging
out deletes the entry; "log out everywhere" deletes every entry of the person; a local account that is
disabled, removed or given a new password invalidates its sessions because each one records the account's
`epoch`, which those changes replace (golive.web.accounts). The file is re-read when it changes on disk, so
sessions survive a restart and every server process on one state directory agrees.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from golive.web.accounts import write_private


class SessionList:
    def __init__(self, path: Path, absolute: float, clock: Callable[[], float] = time.time) -> None:
        self.path, self.absolute, self.clock = path, absolute, clock
        self._lock = threading.Lock()
        self._cache: dict[str, dict[str, Any]] = {}
        self._stamp: tuple[int, int] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._cache, self._stamp = {}, None
            return self._cache
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}  # unreadable: nobody is logged in, which fails closed
            self._cache, self._stamp = (data if isinstance(data, dict) else {}), stamp
        return self._cache

    def _save(self, sessions: dict[str, dict[str, Any]]) -> None:
        now = self.clock()
        live = {sid: rec for sid, rec in sessions.items() if now - float(rec.get("since", 0)) <= self.absolute}
        write_private(self.path, json.dumps(live, indent=1, sort_keys=True))
        self._stamp = None  # re-read on next use (the write changed the file)

    def create(self, record: dict[str, Any]) -> str:
        """A new session for `record` (person, identity, since, and the account's epoch for a local login)."""
        sid = secrets.token_urlsafe(32)
        with self._lock:
            sessions = dict(self._load())
            sessions[sid] = record
            self._save(sessions)
        return sid

    def get(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            return self._load().get(sid)

    def update(self, sid: str, changes: dict[str, Any]) -> bool:
        """Merge `changes` into a live session's record; False when the session has ended meanwhile."""
        with self._lock:
            sessions = dict(self._load())
            if sid not in sessions:
                return False
            sessions[sid] = {**sessions[sid], **changes}
            self._save(sessions)
            return True

    def end(self, sid: str) -> None:
        with self._lock:
            sessions = dict(self._load())
            if sessions.pop(sid, None) is not None:
                self._save(sessions)

    def end_where(self, match: Callable[[dict[str, Any]], bool]) -> int:
        """End every session whose record matches (all of a person's, all of an account's); returns how many."""
        with self._lock:
            sessions = dict(self._load())
            gone = [sid for sid, rec in sessions.items() if match(rec)]
            for sid in gone:
                del sessions[sid]
            if gone:
                self._save(sessions)
            return len(gone)
