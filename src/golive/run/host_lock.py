"""The host-wide service lock: every golive on this machine, whatever its run log, holds the run's service and
environment in one directory all users share, so two users (or two checkouts) with separate default logs cannot
deploy the same service at the same time from one machine, with or without `locks:` in the plan.

The one-active-run rule of a run log holds only among runs sharing that log; the plan's `locks: - local:` lock
lives in the user's own state directory unless the plan names a shared one. This lock needs neither. Like the
log's rule, it belongs to the run, not to a process: taken when the run starts (before it exists, so a refused
start leaves nothing), found its own by the run's resume, kept while the run waits for a person or after its
golive was killed (the run is still active in its log and resumable), and cleared when the run ends. Whether a
record's run is over is golive.store.lock_holder's one rule: a record whose writer process is alive on this machine
holds (its run may not be in its log yet: the lock comes first), one from another machine holds (a lock directory
on a shared filesystem), and a dead writer's run is over when its log, read strictly read-only, no longer has it
active. What golive cannot see holds, and the refusal names the run, its log and the file to empty by hand. Only
the run's own record is ever emptied: same run and the same writer (or a writer that is gone), under the flock.

Where: every usable one of `/var/lock/golive` and `/tmp/golive-locks` (both, so two golives with different rights
on /var/lock still meet in /tmp), and `$GOLIVE_HOST_LOCK_DIR` as well when set (a directory several machines share;
it must be usable). The variable adds a place and never takes one away: a user who set it and one who did not
still meet in the machine's directories (it used to replace them, so the two both deployed). Only golive's own
tests, each test a machine of its own, replace them: `$GOLIVE_TESTING_HOST_LOCK_DIR`, honoured only together with
`GOLIVE_TESTING=replace-machine-locks` (one variable left exported in a shell or CI job must not split a real
operator from everyone else on the machine: alone it is ignored, and said so). Whenever it is set, every run and
resume says on stderr which directories it locks (`testing_warning`).
golive creates a missing directory world-writable and sticky (mode 1777, like /tmp) and each lock file readable
and writable by all (0666), since the next user's golive must update it; the file is never removed (so nobody can
lock a name another process is about to unlink) and is empty while free. It is opened without following symbolic
links and must be a regular file, so a link planted in the shared directory cannot make golive write elsewhere.

A record is one JSON line, written in place under flock(2) of the file itself: the decision (read, judge, write)
is one process's at a time, and a writer killed mid-way leaves either the old line or the new one in full first.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from golive.errors import RunLocked
from golive.store.base import Store
from golive.store.flock import flock_within
from golive.store.lock_holder import holder_over, same_writer, this_host, writer_alive
from golive.store.lock_names import legacy_name, lock_name, names_pair

ENV = "GOLIVE_HOST_LOCK_DIR"
#: golive's tests only: this directory instead of the machine's (a test stands for a machine of its own).
TESTING_ENV = "GOLIVE_TESTING_HOST_LOCK_DIR"
#: ... and only when this second variable says so too (a deliberate pair, never one stray export).
TESTING_MARK = "GOLIVE_TESTING"
TESTING_MARK_VALUE = "replace-machine-locks"
#: Tried in this order when GOLIVE_HOST_LOCK_DIR is not set; every usable one is taken.
DEFAULT_DIRS = (Path("/var/lock/golive"), Path("/tmp/golive-locks"))


def lock_dirs() -> tuple[list[Path], list[str]]:
    """The directories this golive takes the lock in, and why the others are left out (said in a refusal)."""
    testing = _testing_dir()
    if testing:
        return [_given(testing, TESTING_ENV)], []
    dirs: list[Path] = []
    skipped: list[str] = []
    for path in DEFAULT_DIRS:
        why = _usable(path)
        if why:
            skipped.append(f"{path} {why}")
        else:
            dirs.append(path)
    given = os.environ.get(ENV, "").strip()
    if given and (path := _given(given, ENV)) not in dirs:
        dirs.append(path)
    if not dirs:
        raise RunLocked(f"no host-wide service lock directory is usable ({'; '.join(skipped)}); make one of them"
                        " writable by every user who deploys from this machine (mode 1777)")
    return dirs, skipped


def _testing_dir() -> str:
    """The testing directory that replaces the machine's, or '' (unset, or set without its marker)."""
    given = os.environ.get(TESTING_ENV, "").strip()
    return given if given and os.environ.get(TESTING_MARK, "").strip() == TESTING_MARK_VALUE else ""


def testing_warning() -> str:
    """What a run or resume must say on stderr when the testing variable is set: either this run's
    host-wide lock is NOT where other users' golives look, or the variable is being ignored ('' when unset)."""
    given = os.environ.get(TESTING_ENV, "").strip()
    if not given:
        return ""
    machine = " and ".join(str(d) for d in DEFAULT_DIRS)
    if _testing_dir():
        return (f"WARNING: {TESTING_ENV}={given} with {TESTING_MARK}={TESTING_MARK_VALUE}: this run's host-wide"
                f" service lock is only in {given}, not in this machine's {machine}, so a golive of another user"
                " on this machine does not see it; this is for golive's own tests only, unset both variables for"
                " a real deployment")
    return (f"WARNING: {TESTING_ENV} is set but ignored (it replaces this machine's lock directories only together"
            f" with {TESTING_MARK}={TESTING_MARK_VALUE}, for golive's own tests); this run locks {machine} as"
            " every golive here does; unset the variable")


def _given(text: str, var: str) -> Path:
    path = Path(text).expanduser()
    why = _usable(path)
    if why:
        raise RunLocked(f"the host-wide service lock directory {path} ({var}) {why}; make it writable by every"
                        " user who deploys from this machine (mode 1777), or point the variable elsewhere")
    return path


def _usable(path: Path) -> str:
    """Why `path` cannot hold the locks ('' when it can), creating it (mode 1777) when missing."""
    try:
        path.mkdir(parents=True, mode=0o777)
        with contextlib.suppress(OSError):
            os.chmod(path, 0o1777)  # the next user's golive writes here too (umask took the bits away)
    except FileExistsError:
        pass
    except OSError as exc:
        return f"cannot be created ({exc.strerror})"
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a directory (a symbolic link or a file is refused)"
    if not os.access(path, os.W_OK | os.X_OK):
        return "is not writable by this user"
    return ""


def lock_file(directory: Path, service: str, environment: str) -> Path:
    """One file per service and environment, and one service and environment per file (golive.store.lock_names)."""
    return directory / f"{lock_name(service, environment)}.lock"


def lock_files(directory: Path, service: str, environment: str) -> list[Path]:
    """The file, then the previous version's name for it when that differs (a name with '.'): a golive of that
    version still running during the upgrade holds the service there."""
    old = legacy_name(service, environment)
    return [lock_file(directory, service, environment), *([directory / f"{old}.lock"] if old else [])]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    """The lock file open and flock'ed (the decision is ours alone), created 0666 when missing."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        raise RunLocked(f"host-wide service lock {path}: cannot open it ({exc.strerror}); if it is not golive's,"
                        " remove it by hand") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RunLocked(f"host-wide service lock {path} is not a regular file; remove it by hand")
        if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != 0o666:
            with contextlib.suppress(OSError):
                os.fchmod(fd, 0o666)  # ours: let every other user's golive update it
        flock_within(fd, f"host-wide service lock {path}")
        yield fd
    finally:
        os.close(fd)


def _read(fd: int) -> dict[str, Any] | None:
    """The record (None when free); a line that is not one is reported as unreadable, never taken as free."""
    data = os.pread(fd, 65536, 0).decode("utf-8", "replace")
    line = data.split("\n", 1)[0].strip()
    if not line:
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return {"unreadable": line[:120]}
    return record if isinstance(record, dict) else {"unreadable": line[:120]}


def _write(fd: int, text: str) -> None:
    """The new record in one write at offset 0, then the file cut to it: a writer killed in between leaves the
    new line whole and first (the reader reads the first line)."""
    data = (text + "\n").encode() if text else b""
    if data:
        os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))
    os.fsync(fd)


def take(service: str, environment: str, record: dict[str, Any], own_log: Store | None) -> list[Path]:
    """Hold `service`/`environment` on this machine for `record['run']` in every lock directory, or in none
    (RunLocked naming the holder). Returns the files now holding it for the run."""
    dirs, _skipped = lock_dirs()
    run = str(record["run"])
    taken: list[Path] = []
    try:
        for directory in dirs:
            for path in lock_files(directory, service, environment):
                with _locked(path) as fd:
                    held = _read(fd)
                    if held is not None and held.get("run") != run:
                        if path.name != lock_file(directory, service, environment).name \
                                and names_pair(held, service, environment) is False:
                            continue  # the old shared name, held for another pair: theirs, left alone
                        if not holder_over(held, str(record["store"]), own_log):
                            raise RunLocked(refusal(service, environment, held, path))
                    _write(fd, json.dumps(record, sort_keys=True))
                taken.append(path)
    except BaseException:
        for path in taken:
            with contextlib.suppress(Exception):
                _clear(path, run)
        raise
    return taken


def drop(service: str, environment: str, run: str) -> None:
    """The run ended: free its service in every lock directory that names it (another run's record stays). Each
    directory on its own: one that became unusable (an unmounted share) must not keep the others' records."""
    for directory in _usable_dirs():
        for path in lock_files(directory, service, environment):
            with contextlib.suppress(Exception):
                _clear(path, run)


def _usable_dirs() -> list[Path]:
    """The lock directories usable now, each judged alone (taking needs all of them: lock_dirs; reading and
    freeing do what they can)."""
    testing = _testing_dir()
    candidates = [Path(testing).expanduser()] if testing else \
        [*DEFAULT_DIRS, *([Path(g).expanduser()] if (g := os.environ.get(ENV, "").strip()) else [])]
    return list(dict.fromkeys(d for d in candidates if not _usable(d)))


def _clear(path: Path, run: str) -> None:
    """Empty the lock file if, under its flock, it still holds this run's record written by this very process
    (or by one of the run's earlier processes that is gone): a start that lost a race must never free the
    winner's record, nor a process the lock another live process of the same run rewrote."""
    if not path.exists():
        return
    with _locked(path) as fd:
        held = _read(fd)
        if held is not None and held.get("run") == run and (same_writer(held, _me()) or not _live_here(held)):
            _write(fd, "")


def _me() -> dict[str, Any]:
    from golive.store.owner import current_owner

    return {"host": this_host(), "pid": os.getpid(), "started": current_owner().started}


def _live_here(record: dict[str, Any]) -> bool:
    """Its writer may still be at work: alive on this machine, or on another machine we cannot see."""
    return record.get("host") != this_host() or writer_alive(record)


def refusal(service: str, environment: str, record: dict[str, Any], path: Path) -> str:
    """Why the service is held on this machine, naming the holder and how to clear the lock by hand."""
    if "unreadable" in record:
        return (f"{service}/{environment} on this machine: the host-wide service lock {path} holds a record golive"
                f" cannot read ({record['unreadable']!r}); if no run of the service is going on, empty it by hand")
    from golive.targets.hostlock import refusal as held_by

    return held_by(f"{service}/{environment} on this machine (every golive here holds it, whatever its run log;"
                   f" by user {record.get('user') or '?'})", record, f"the record from {path} (empty the file)")


def holder(service: str, environment: str) -> dict[str, Any] | None:
    """Who holds the service on this machine now (for status and tests), without judging whether it is over."""
    for directory in _usable_dirs():
        for path in lock_files(directory, service, environment):
            if path.exists():
                with _locked(path) as fd:
                    found = _read(fd)
                if found is not None and names_pair(found, service, environment) is not False:
                    return found
    return None
