"""Lock files on SSH hosts: a run that changes a host writes a small record there (run id, run log, who), so a
run kept in another run log (another `--store`, another machine) finds it and is refused instead of rolling
the same hosts at the same time. Taking is exclusive (link(2) fails on an existing name); a record naming this
run is ours (a resume, an undo); one whose holder is provably over (golive.store.lock_holder: never a record
written on another machine, nor by a process still alive here) is taken over. The record is written whole before
it becomes the lock (`ln` of a finished file, which fails when the lock exists), so nobody reads a half-written
record and takes it for another run's. The plan's `locks: hosts` takes them on a whole group when the run starts;
a `rolling` step takes them on each batch's hosts just before it drains them, so hosts it never reaches are never
contacted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from golive.targets.ssh import Connection, HostResult, remote_command

#: Taking: `ln` of a finished record (exclusive, atomic). When the name exists, its record is read; a lock
#: released between our `ln` and our read (its run just ended) leaves nothing to read, so the take is tried
#: again, a few times, rather than reported as held by a record nobody wrote.
TAKE = ('{ mkdir -p "$(dirname "$P")" && printf "%s" "$REC" > "$P.$$"; } || exit 1; i=0; while :; do'
        ' if ln "$P.$$" "$P" 2>/dev/null; then rm -f "$P.$$"; echo TAKEN; break; fi;'
        ' if held=$(cat "$P" 2>/dev/null) && [ -n "$held" ]; then rm -f "$P.$$"; echo HELD; printf "%s" "$held";'
        ' break; fi; i=$((i+1)); if [ "$i" -ge 20 ]; then rm -f "$P.$$"; echo HELD; break; fi; sleep 0.1; done')
#: Taking over a record whose run is over: a draft of our own (hosts sharing a filesystem take over at once, and
#: one shared draft name let one taker's `mv` publish a file another was still writing), renamed over it.
FORCE = 'printf "%s" "$REC" > "$P.$$" && mv -f "$P.$$" "$P" && echo TAKEN'
DROP = 'if grep -qF "\\"run\\": \\"$RID\\"" "$P" 2>/dev/null; then rm -f "$P"; fi; echo DROPPED'


#: The directory on each SSH host for the service's lock file when the plan names no `path:`: the group's
#: `lock_dir:` (golive.targets.ssh.HostGroup), /tmp by default, which every login may write. Only the plan says
#: where: two operators (their environments, their machines) running the plan meet in the same file on each host.
DEFAULT_DIR = "/tmp"


#: Read by golive before the plan's `lock_dir:` existed (the default directory on every host); no longer decides.
REMOTE_DIR_ENV = "GOLIVE_REMOTE_LOCK_DIR"


def remote_dir_variable(plan: Any) -> None:
    """Refuse a run (start or resume) while `$GOLIVE_REMOTE_LOCK_DIR` names a directory other than a host group's
    `lock_dir:`. Earlier golives put the default lock file there; this one follows the plan only. Ignoring the
    variable silently would let an operator still on the earlier version (or a run of it waiting at a gate) and
    this one lock different files on the same hosts and deploy at once. Equal to every group's directory, both
    versions lock the same file, so the run goes on. A group whose file the plan's `locks: hosts: path:` names is
    unaffected (the variable never moved a named path)."""
    import os

    given = os.environ.get(REMOTE_DIR_ENV, "").strip()
    if not given or not plan.hosts:
        return
    named = {lock.hosts for lock in plan.locks if getattr(lock, "hosts", None) and getattr(lock, "path", None)}
    wanted = given.rstrip("/") or "/"
    differ = {g: group.lock_dir for g, group in plan.hosts.items()
              if g not in named and (group.lock_dir.rstrip("/") or "/") != wanted}
    if differ:
        from golive.errors import UsageError

        groups = ", ".join(f"'{g}' ({d})" for g, d in differ.items())
        raise UsageError(
            f"{REMOTE_DIR_ENV}={given} is no longer read: the plan's host group decides where the lock file lives on"
            f" each host (`lock_dir:`), and for {groups} that is not {given}, so this golive and one that still reads"
            f" the variable would lock different files on the same hosts. Write `lock_dir: {given}` under each of"
            " those groups in the plan's `hosts:` (every operator then meets in the same file), then unset"
            f" {REMOTE_DIR_ENV} (refused before any host was touched)")


def default_path(service: str, environment: str, lock_dir: str = DEFAULT_DIR) -> str:
    """The service's lock file on a host (its name from golive.store.lock_names: one per service and environment)."""
    from golive.store.lock_names import lock_name

    return f"{lock_dir.rstrip('/') or '/'}/golive-{lock_name(service, environment)}.lock".replace("//", "/")


def legacy_path(path: str) -> str | None:
    """The previous version's name of a default lock file, when it differs (a service or environment with '.'):
    read, and taken while free, so a golive of that version still running during the upgrade holds and is held."""
    from golive.store.lock_names import legacy_name, unescape_name

    head, _, base = path.rpartition("/")
    if not (base.startswith("golive-") and base.endswith(".lock")):
        return None
    pair = unescape_name(base[len("golive-"):-len(".lock")])
    old = legacy_name(*pair) if pair else None
    return f"{head}/golive-{old}.lock" if old else None


def holder_is_over(record: dict[str, Any]) -> bool:
    """Whether the record's run is provably over, by golive's one rule (golive.store.lock_holder): a record written
    on another machine, or by a process still alive here, holds; a gone writer's run is judged by its log, read
    read-only."""
    from golive.store.lock_holder import holder_over

    return holder_over(record)


def lock_record(run_id: str, store: str, service: str, step: str = "") -> str:
    """The record a run writes as a host's lock (ssh and rolling steps alike): the run, its log, and the process
    writing it (machine, pid, the process's start time: a reused pid is not taken for it)."""
    import os
    import socket
    from datetime import UTC, datetime

    from golive.store.owner import current_owner

    fields: dict[str, Any] = {"run": run_id, "store": store, "service": service, "host": socket.gethostname(),
                              "pid": os.getpid(), "started": current_owner().started,
                              "since": datetime.now(UTC).isoformat(timespec="seconds")}
    if step:
        fields["step"] = step
    return json.dumps(fields, sort_keys=True)


def _record(text: str) -> dict[str, Any] | None:
    """A lock record, or None when the text is not one (empty, cut, or not golive's)."""
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) and record.get("run") else None


def _shown(text: str) -> str:
    """What the host answered, as one escaped line (a record is ours to print, but not a terminal's to obey)."""
    return repr(text[:200])


def refusal(what: str, record: dict[str, Any], where: str) -> str:
    """Who holds it and how to clear it by hand: golive never takes over a record written on another machine (it
    cannot see that machine's processes or log), nor one whose writer still runs here."""
    return (f"{what} is held by run {record.get('run')} (run log {record.get('store') or '?'}, started by process"
            f" {record.get('pid')} on {record.get('host') or '?'} at {record.get('since')}); finish or roll back that"
            f" run first (from {record.get('host') or 'the machine that started it'}, with its run log); if it is"
            f" gone for good, remove {where} by hand")


Runner = Callable[[list[str], str, dict[str, str]], list[HostResult]]


def pool_runner(conn: Connection, timeout: float = 30) -> Runner:
    """Runs a lock script on hosts over the run's SSH pool (the connection is then reused by the step)."""

    def run(hosts: list[str], script: str, env: dict[str, str]) -> list[HostResult]:
        from golive.targets.sshpool import pool

        return list(pool().run(conn, hosts, remote_command(script, "sh", timeout), env, timeout))

    return run


def take(run: Runner, hosts: list[str], path: str, record: str, run_id: str, what: str) -> dict[str, str]:
    """Takes the lock file on every host (and the previous version's name for it, golive.store.lock_names);
    returns why, per host, it could not (empty: all taken). Hosts taken here are let go again when another is
    refused, so a refused run leaves nothing behind."""
    problems, taken = _take_one(run, hosts, path, record, run_id, what, None)
    old = legacy_path(path)
    if not problems and old:
        problems, _ = _take_one(run, hosts, old, record, run_id, what, _pair(path))
        if problems and taken:
            run(taken, DROP, {"P": path, "RID": run_id})  # only what this call took: a resume keeps its own
    return problems


def take_legacy(run: Runner, hosts: list[str], path: str, record: str, run_id: str, what: str) -> dict[str, str]:
    """Only the previous version's name of `path` (an `ssh` step takes `path` itself inside its command); per
    host, why it is held. Nothing to do, and no round trip, for a name that did not change."""
    old = legacy_path(path)
    return _take_one(run, hosts, old, record, run_id, what, _pair(path))[0] if old else {}


def _pair(path: str) -> tuple[str, str] | None:
    from golive.store.lock_names import unescape_name

    return unescape_name(path.rpartition("/")[2][len("golive-"):-len(".lock")])


def _take_one(run: Runner, hosts: list[str], path: str, record: str, run_id: str, what: str,
              pair: tuple[str, str] | None) -> tuple[dict[str, str], list[str]]:
    """One lock file on every host; `pair`: the file is the previous version's shared name, where a record of
    another service and environment is theirs and left alone."""
    from golive.store.lock_names import names_pair

    env = {"P": path, "REC": record, "RID": run_id}
    taken: list[str] = []
    stale: list[str] = []
    problems: dict[str, str] = {}
    for r in run(hosts, TAKE, env):
        out = r.output.strip()
        if r.status != "ok" or r.exit_code or not out.startswith(("TAKEN", "HELD")):
            why = r.message or (_shown(out) if out else r.status)
            problems[r.host] = f"lock file {path} on {r.host}: could not take it: {why}"
        elif out.startswith("TAKEN"):
            taken.append(r.host)
        else:
            held = _record(out.split("\n", 1)[1] if "\n" in out else "")
            if held is None:
                problems[r.host] = (f"{what} on {r.host} is held by a lock file whose record cannot be read"
                                    f" ({_shown(out)}); if no run holds it, remove {r.host}:{path} by hand")
            elif held.get("run") == run_id:
                continue  # ours from before (the run's start, a resume, an undo): kept as it is
            elif pair is not None and names_pair(held, *pair) is False:
                continue  # the previous version's shared name, held for another service: not ours to judge
            elif holder_is_over(held):
                stale.append(r.host)  # its run is provably over: rewritten as ours
            else:
                problems[r.host] = refusal(f"{what} on {r.host}", held, f"{r.host}:{path}")
    if problems:
        if taken:
            run(taken, DROP, {"P": path, "RID": run_id})
        return problems, []
    # A take-over that did not happen (the over run's file belongs to another login in a sticky /tmp, a read-only
    # directory) is a refusal: the file still names the other run, and this run must not act as if it held it.
    forced = [r.host for r in run(stale, FORCE, env) if r.status == "ok" and r.output.strip() == "TAKEN"] \
        if stale else []
    problems = {h: f"{what} on {h}: the lock file {path} there names a run that is over, but it could not be taken"
                   f" over (written by another login? the directory must let every deploying login replace it);"
                   f" remove {h}:{path} by hand" for h in stale if h not in forced}
    if problems:
        if taken + forced:
            run(taken + forced, DROP, {"P": path, "RID": run_id})
        return problems, []
    return {}, taken + forced


def drop(run: Runner, hosts: list[str], path: str, run_id: str) -> None:
    """Removes the lock file (and its previous version's name) where it names this run (another run's record is
    never removed)."""
    if hosts:
        run(hosts, DROP, {"P": path, "RID": run_id})
        old = legacy_path(path)
        if old:
            run(hosts, DROP, {"P": old, "RID": run_id})
