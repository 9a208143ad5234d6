"""What an `ssh` step started on a host, found again and stopped: by a tree mark in its environment.

Every remote command of a batch starts with `GOLIVE_TREE=<mark>` exported (golive.targets.ssh.remote_command),
and the mark is in the log (`ssh.batch`) before any host is contacted. Every process the command starts
inherits it, including children that call `setsid`, `nohup` or fork into the background, so golive finds the
whole tree again on each host by reading `/proc/*/environ` (one `grep -z`), from this process or from a resume
after golive was killed, and no pid needs to come back over a connection that may be gone.

- The command *still runs* while its wrapper (GNU `timeout`, which leads the command's process group) or any
  process of that group is there. What the command left in the background after it ended (a daemon it
  started with `setsid`) is left alone, as for local steps.
- *Stopping* a tree (timeout, golive interrupted, resume past the step's deadline) sends SIGTERM to every
  process carrying the mark, waits the grace, then SIGKILLs what is left: nothing the command started stays.

Needs Linux's /proc and GNU grep on the host (as `timeout` needs coreutils).
"""

from __future__ import annotations

from msgspec import Struct

from golive.targets.ssh import Connection, remote_command, run_batch

VAR = "GOLIVE_TREE"

_EACH = ('for f in $(grep -lzxF "GOLIVE_TREE=$MARK" /proc/[0-9]*/environ 2>/dev/null); do p=${f#/proc/};'
         ' p=${p%/environ}; [ "$p" = "$$" ] && continue; ')
#: Every process carrying the mark but the scanning shell, as `pid (comm) state ppid pgid ...` lines.
_SCAN = _EACH + 'read -r st < "/proc/$p/stat" 2>/dev/null || continue; echo "$st"; done'
#: SIGTERM to all of them, up to TICKS tenths of a second for them to go, then SIGKILL; says what is left.
_STOP = ('pids() { ' + _EACH + 'echo "$p"; done; }; all=$(pids); [ -z "$all" ] && exit 0;'
         ' kill -TERM $all 2>/dev/null; n=0; while [ "$n" -lt "$TICKS" ] && [ -n "$(pids)" ]; do sleep 0.1;'
         ' n=$((n+1)); done; left=$(pids); [ -n "$left" ] && kill -KILL $left 2>/dev/null; sleep 0.1;'
         ' left=$(pids); [ -z "$left" ] || echo "LEFT $left"')


class Proc(Struct, frozen=True):
    pid: int
    comm: str
    state: str
    pgid: int


def _parse(text: str) -> list[Proc]:
    out: list[Proc] = []
    for line in text.splitlines():
        if "(" not in line or ")" not in line:
            continue
        head, _, rest = line.rpartition(")")
        pid_text, _, comm = head.partition(" (")
        fields = rest.split()
        if len(fields) < 3 or not pid_text.strip().isdigit():
            continue
        out.append(Proc(int(pid_text), comm, fields[0], int(fields[2])))
    return out


def still_running(procs: list[Proc]) -> bool:
    """The command itself still runs: its `timeout` wrapper, or a process of the group it leads."""
    live = [p for p in procs if p.state != "Z"]
    leaders = {p.pid for p in live if p.comm == "timeout" and p.pid == p.pgid}
    return any(p.pid in leaders or p.pgid in leaders for p in live)


def find(conn: Connection, hosts: list[str], mark: str) -> dict[str, list[Proc] | None]:
    """Per host: the processes carrying `mark` (None: the host could not be asked)."""
    results = run_batch(conn, hosts, remote_command(_SCAN, "sh", 30), {"MARK": mark}, 30)
    return {r.host: _parse(r.output) if r.status == "ok" else None for r in results}


def stop(conn: Connection, hosts: list[str], mark: str, grace: float) -> dict[str, str | None]:
    """SIGTERM every process carrying `mark`, SIGKILL after `grace`. Per host: None when nothing is left, else
    what is (or why the host could not be asked)."""
    ticks = max(1, int(grace * 10))
    results = run_batch(conn, hosts, remote_command(_STOP, "sh", grace + 30),
                        {"MARK": mark, "TICKS": str(ticks)}, grace + 30)
    out: dict[str, str | None] = {}
    for r in results:
        if r.status != "ok":
            out[r.host] = r.message or r.status
        else:
            left = r.output.strip()
            out[r.host] = left or None
    return out
