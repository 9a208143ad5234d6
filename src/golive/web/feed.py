"""One reader of the run log per watched run, however many people watch it.

Each stream used to poll the store on its own; with two hundred phones on one run at 2 AM that is two hundred
queries every half second. Now one task per run reads new events and wakes every stream of that run; a
stream replays from its Last-Event-ID out of the feed's memory. The task ends when nobody watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from golive.store.base import Event, RunInfo, Store
from golive.web.views import RowCache


class _Polled:
    """One polling task shared by every stream that watches the same thing; `_read` wakes them on a change."""

    def __init__(self, poll: float) -> None:
        self.poll = poll
        self.watchers = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _read(self) -> None:
        raise NotImplementedError

    def _wake(self) -> None:
        old, self._changed = self._changed, asyncio.Event()
        old.set()

    async def _run(self) -> None:
        while self.watchers > 0:
            await asyncio.sleep(self.poll)
            self._read()

    def join(self) -> None:
        self.watchers += 1
        if self._task is None or self._task.done():
            self._read()
            self._task = asyncio.get_running_loop().create_task(self._run())

    def leave(self) -> None:
        self.watchers -= 1

    async def _until_changed(self, timeout: float) -> None:
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout)


class RunFeed(_Polled):
    def __init__(self, store: Store, run_id: str, to_json: Callable[[Event], dict[str, Any]], poll: float) -> None:
        super().__init__(poll)
        self.store, self.run_id, self.to_json = store, run_id, to_json
        #: SSE frames of every event read so far, in seq order (index i holds seq i + 1).
        self.frames: list[str] = []

    def _read(self) -> None:
        new = self.store.events(self.run_id, after=len(self.frames))
        for ev in new:
            self.frames.append(f"id: {ev.seq}\nevent: run-event\ndata: {json.dumps(self.to_json(ev))}\n\n")
        if new:
            self._wake()

    def poke(self) -> None:
        """Wake every stream of this run without a new event (something beside the log changed: its runner)."""
        self._wake()

    async def wait(self, after: int, timeout: float) -> list[str]:
        """Frames for events after seq `after`; waits up to `timeout` seconds for one when there is none."""
        if len(self.frames) <= after:
            await self._until_changed(timeout)
        return self.frames[after:]


class Feeds:
    def __init__(self, store: Store, to_json: Callable[[Event], dict[str, Any]], poll: float) -> None:
        self.store, self.to_json, self.poll = store, to_json, poll
        self._feeds: dict[str, RunFeed] = {}

    def of(self, run_id: str) -> RunFeed:
        feed = self._feeds.get(run_id)
        if feed is None:
            feed = self._feeds[run_id] = RunFeed(self.store, run_id, self.to_json, self.poll)
        return feed

    def poke(self, run_id: str) -> None:
        feed = self._feeds.get(run_id)
        if feed is not None:
            feed.poke()

    def left(self, feed: RunFeed) -> None:
        """A stream ended: forget a feed nobody watches, so a long-running server keeps only watched runs."""
        feed.leave()
        if feed.watchers <= 0 and self._feeds.get(feed.run_id) is feed:
            del self._feeds[feed.run_id]

    def __len__(self) -> int:
        return len(self._feeds)


class RunsFeed(_Polled):
    """The runs list, live: one reader of the run index for every open list page. It wakes the streams when a run
    appears, its log grows or its status changes; each stream then sends its own filtered list, built from rows
    cached by (run, head): a run whose log did not grow is not read again."""

    def __init__(self, store: Store, poll: float, limit: int = 200) -> None:
        super().__init__(poll)
        self.store, self.limit = store, limit
        self.infos: list[RunInfo] = []
        self.version = 0
        self.rows: RowCache = {}
        self._signature: list[tuple[str, int, str]] = []

    def _read(self) -> None:
        infos = self.store.list_runs(self.limit)
        signature = [(i.id, i.head_seq, i.status) for i in infos]
        if signature != self._signature:
            self.infos, self._signature = infos, signature
            self.version += 1
            live = {i.id for i in infos}
            for key in [k for k in self.rows if k[0] not in live]:
                del self.rows[key]
            self._wake()

    async def wait(self, seen: int, timeout: float) -> int:
        """The list's version once it is newer than `seen`, or `seen` after `timeout` seconds without a change."""
        if self.version <= seen:
            await self._until_changed(timeout)
        return self.version
