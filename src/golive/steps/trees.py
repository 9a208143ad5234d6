"""The tree marks of batches run on host groups (`ssh` and `rolling` steps alike): what a batch's command starts
on a host carries the mark (golive.targets.remote_tree), logged before any host is contacted, so it is found and
stopped again by this process or by a resume."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from golive import interrupts
from golive.core.step import StepContext
from golive.targets.ssh import Connection


def tree_mark(ctx: StepContext, batch: int) -> str:
    """run/step/batch/random: unique even when an attempt repeats the batch."""
    return f"{ctx.run_id}/{ctx.step_id}/{batch}/{secrets.token_hex(4)}"


def marked_trees(connection: Callable[[], Connection], group: str,
                 batches: list[Any]) -> list[tuple[Connection, list[str], str]]:
    """(connection, hosts, mark) of each logged batch on `group` that carries a tree mark (`ssh.batch` and
    `rolling.batch` alike); the connection is resolved only when there is one."""
    marked = [b for b in batches if getattr(b, "tree", "") and b.group == group]
    if not marked:
        return []
    conn = connection()
    return [(conn, list(b.hosts), b.tree) for b in marked]


def stop_unfinished(conn: Connection, hosts: list[str], finished: set[str], mark: str, grace: float) -> None:
    """golive is being stopped: so is what the batch still runs on its hosts (shielded from a second signal)."""
    from golive.targets.remote_tree import stop

    with interrupts.shielded():
        stop(conn, [h for h in hosts if h not in finished], mark, grace)
