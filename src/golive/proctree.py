"""A step's process tree: started held at a gate inside its own cgroup v2 (or, where golive cannot make one,
its own process group with PR_SET_PDEATHSIG), written to the run log before the gate opens, stopped whole.

Why a gate: the log must name the tree before the step can do anything, so a golive killed at any instant
leaves either a recorded tree or a process that never ran the command (it exits when the gate's pipe closes).
Why a cgroup: `setsid`, `nohup` and `&` children leave a process group but never their cgroup, so a timeout or
a signal can stop everything the step started (`cgroup.kill`), and resume can see whether any of it is left.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, Literal

from msgspec import Struct, structs

#: Operators (and tests) may force the fallback: GOLIVE_CONTAINMENT=pgroup.
CONTAINMENT_ENV = "GOLIVE_CONTAINMENT"
#: Exit code of a gated process whose gate closed without opening (golive died before recording it).
NEVER_RELEASED = 125

#: Where the engine wants the trees of the current step recorded (a `step.process` event); unset outside a run.
recorder: ContextVar[Callable[[dict[str, Any]], None] | None] = ContextVar("golive_tree_recorder", default=None)


class Containment(Struct, frozen=True):
    kind: Literal["cgroup", "pgroup"]
    #: The cgroup v2 directory under which golive makes one cgroup per started process tree.
    base: Path | None = None
    #: Why golive fell back to a process group (shown by `golive status`).
    reason: str = ""

    def describe(self) -> str:
        if self.kind == "cgroup":
            return f"cgroup v2 per step under {self.base} (setsid/nohup/& children are contained)"
        death = "PR_SET_PDEATHSIG" if _setpriv() else "no PR_SET_PDEATHSIG (setpriv not found)"
        return (f"process group + {death} ({self.reason}); children that call setsid leave the group"
                " and are not stopped on timeout")


def _cgroup2_mount() -> Path | None:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                if right.split(" ", 1)[0] == "cgroup2":
                    return Path(left.split()[4])
    except OSError:
        return None
    return None


def _own_cgroup() -> str:
    with contextlib.suppress(OSError), open("/proc/self/cgroup", encoding="utf-8") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].strip()
    return "/"


@cache
def containment() -> Containment:
    """Probe once per process: a cgroup v2 golive can create, enter and kill, or the process-group fallback."""
    if os.environ.get(CONTAINMENT_ENV, "").strip() == "pgroup":
        return Containment("pgroup", reason=f"{CONTAINMENT_ENV}=pgroup")
    mount = _cgroup2_mount()
    if mount is None:
        return Containment("pgroup", reason="no cgroup v2 hierarchy is mounted")
    base = mount / _own_cgroup().lstrip("/") / "golive"
    try:
        base.mkdir(exist_ok=True)
        probe = base / f"probe-{os.getpid()}-{secrets.token_hex(3)}"
        probe.mkdir()
        try:
            if not (probe / "cgroup.kill").exists():
                return Containment("pgroup", reason=f"{mount} has no cgroup.kill (kernel older than 5.14)")
            if not os.access(probe / "cgroup.procs", os.W_OK):
                return Containment("pgroup", reason=f"cannot move processes into cgroups under {base}")
        finally:
            probe.rmdir()
    except OSError as exc:
        return Containment("pgroup", reason=f"cannot create a cgroup under {base}: {exc.strerror or exc}")
    _sweep(base)
    return Containment("cgroup", base=base)


#: A step's cgroup that still held a service when its step ended is removed by a later golive once empty;
#: only after this long, so that one just made for a starting process is never taken away from it.
SWEEP_AFTER = 600.0


def _sweep(base: Path) -> None:
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False) and now - entry.stat().st_mtime > SWEEP_AFTER:
                    os.rmdir(entry.path)  # refused (EBUSY) while a process is still in it


# -- /proc ---------------------------------------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state is [0], pgrp [2], start time [19])."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()
    except OSError:
        return None


@cache
def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _group_members(pgid: int, not_before: int) -> list[int]:
    """Live processes of process group PGID that started no earlier than its leader (pid reuse is detected)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields and len(fields) > 19 and fields[0] not in ("Z", "X") and fields[2] == str(pgid) \
                and int(fields[19]) >= not_before:
            found.append(int(entry.name))
    return found


# -- the tree --------------------------------------------------------------------------------------

class Tree(Struct):
    """What the log records about one started process tree, enough to find it again after golive died."""

    pid: int
    pgid: int
    #: Start time of the first process (clock ticks since boot, /proc/PID/stat field 22).
    start: int
    host: str
    boot: str
    cgroup: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return structs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tree:
        return cls(pid=int(data["pid"]), pgid=int(data["pgid"]), start=int(data["start"]),
                   host=str(data.get("host", "")), boot=str(data.get("boot", "")), cgroup=data.get("cgroup"))

    def where(self) -> str:
        return f"cgroup {self.cgroup}" if self.cgroup else f"process group {self.pgid}"

    @property
    def visible(self) -> bool:
        """Whether this machine can see the tree at all (same host, same boot)."""
        return self.host == socket.gethostname()

    def _same_boot(self) -> bool:
        return not self.boot or self.boot == boot_id()

    def _cgroup_pids(self) -> list[int]:
        assert self.cgroup is not None
        try:
            with open(Path(self.cgroup) / "cgroup.procs", encoding="ascii") as f:
                return [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return []

    def members(self) -> list[int]:
        """Every live process of the tree (the whole cgroup; in the fallback, the process group)."""
        if not self._same_boot():
            return []
        if self.cgroup:
            return self._cgroup_pids()
        return _group_members(self.pgid, self.start)

    def running(self) -> bool:
        """The step itself still runs: its first process or anything still in its process group. What left the
        group (a service started with setsid) is what a finished step leaves behind, and is not the step."""
        if not self._same_boot():
            return False
        if self.cgroup:
            for pid in self._cgroup_pids():
                fields = _stat(pid)
                if fields and len(fields) > 19 and fields[0] not in ("Z", "X") and fields[2] == str(self.pgid):
                    return True
            return False
        return bool(_group_members(self.pgid, self.start))

    def signal(self, sig: int) -> None:
        if not self._same_boot():
            return
        if self.cgroup and sig == signal.SIGKILL:
            with contextlib.suppress(FileNotFoundError):
                Path(self.cgroup, "cgroup.kill").write_text("1", encoding="ascii")
            return
        if self.cgroup:
            for pid in self._cgroup_pids():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            return
        for pid in _group_members(self.pgid, self.start):  # killpg would hit a reused group id
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def stop(self, grace: float, reap: Callable[[], object] | None = None) -> bool:
        """SIGTERM to every process, SIGKILL to what is left after `grace` seconds; True once none is left."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            if not self.members():
                break
            self.signal(sig)
            if wait_until(lambda: not self.members(), wait, reap):
                break
        return not self.members()

    def remove(self) -> None:
        """Drop the cgroup once empty (one left holding a step's service stays, named after the step)."""
        if self.cgroup:
            with contextlib.suppress(OSError):
                os.rmdir(self.cgroup)


def wait_until(cond: Callable[[], bool], timeout: float, reap: Callable[[], object] | None = None) -> bool:
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        if reap is not None:
            reap()
        if cond():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


# -- starting a process held at the gate -------------------------------------------------------------

class Gated(Struct):
    """A started process that has not run its command yet: it waits at the gate for `release()`."""

    pid: int
    tree: Tree
    output: int
    _gate: int

    def release(self) -> None:
        """Open the gate: the command runs now."""
        with contextlib.suppress(BrokenPipeError):  # it died at the gate: its exit status says so
            os.write(self._gate, b"g\n")
        self._close("_gate")

    def abandon(self) -> None:
        """Close whatever is still open; a gate closed unopened makes the process exit without running anything."""
        for name in ("_gate", "output"):
            self._close(name)

    def _close(self, name: str) -> None:
        fd = getattr(self, name)
        if fd >= 0:
            setattr(self, name, -1)  # never close a number twice: it may belong to someone else by then
            with contextlib.suppress(OSError):
                os.close(fd)


#: The gate: a shell that waits for one line on fd 3, then becomes the command (same pid, so `$PPID` in the
#: command is golive); EOF instead (golive died before recording the tree) ends it without running anything.
_GATE = f'cd -- "$1" || exit 126; shift; read -r _ <&3 || exit {NEVER_RELEASED}; exec 3<&- "$@"'
_DEFAULT_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


#: For a shell step the gate goes in front of the command itself, on its first line (so line numbers in the
#: shell's messages stay right): one process and one exec fewer than a separate gate.
_GATE_PREFIX = f'cd -- "$1" || exit 126; shift; read -r _ <&3 || exit {NEVER_RELEASED}; exec 3<&-; '
_SHELLS = frozenset({"bash", "sh", "dash"})


def _gated_argv(argv: list[str], cwd: str) -> list[str]:
    if len(argv) >= 3 and Path(argv[0]).name in _SHELLS and argv[-2] == "-c" \
            and all(a.startswith("-") for a in argv[1:-2]):
        return [*argv[:-1], _GATE_PREFIX + argv[-1], argv[0], cwd]
    return ["/bin/sh", "-c", _GATE, "golive-gate", cwd, *argv]


@cache
def _setpriv() -> str | None:
    import shutil

    return shutil.which("setpriv")


def start_gated(argv: list[str], env: dict[str, str] | None, cwd: Path | None) -> Gated:
    """Spawn (vfork-fast, no copy of golive's memory) the gate in a session of its own; in cgroup mode move it
    into a fresh cgroup before anything can run, in the fallback have the kernel kill it with golive."""
    box = containment()
    wrapper = _gated_argv(argv, str(cwd or os.getcwd()))
    if box.kind == "pgroup" and _setpriv():
        wrapper = [str(_setpriv()), "--pdeathsig", "KILL", "--", *wrapper]
    out_r, out_w = os.pipe()
    gate_r, gate_w = os.pipe()
    try:
        pid = os.posix_spawn(wrapper[0], wrapper, os.environ if env is None else env, file_actions=[
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, out_w, 2), (os.POSIX_SPAWN_DUP2, gate_r, 3),
        ], setsid=True, setsigdef=_DEFAULT_SIGNALS, setsigmask=())
    except BaseException:
        for fd in (out_r, gate_w):
            os.close(fd)
        raise
    finally:
        os.close(out_w)
        os.close(gate_r)
    fields = _stat(pid)
    tree = Tree(pid=pid, pgid=pid, start=int(fields[19]) if fields and len(fields) > 19 else 0,
                host=socket.gethostname(), boot=boot_id())
    gated = Gated(pid, tree, out_r, gate_w)
    if box.kind == "cgroup":
        assert box.base is not None
        cgroup = box.base / f"{os.getpid()}-{secrets.token_hex(6)}"
        try:
            cgroup.mkdir()
            (cgroup / "cgroup.procs").write_text(str(pid), encoding="ascii")  # it waits at the gate meanwhile
        except OSError:
            gated.abandon()
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            with contextlib.suppress(OSError):
                cgroup.rmdir()
            raise
        tree.cgroup = str(cgroup)
    return gated


@contextlib.contextmanager
def recording(record: Callable[[dict[str, Any]], None]) -> Iterator[None]:
    token = recorder.set(record)
    try:
        yield
    finally:
        recorder.reset(token)
