"""SSH host groups (the plan's top-level `hosts:`) and how one host of a group is reached.

Host keys are checked strictly against a known_hosts file (by default ~/.ssh/known_hosts): at 2 AM a changed
or unknown host key must stop the deployment, not be trusted silently. `known_hosts: none` is the explicit,
linted opt-out. A host entry may carry its own user and port (`deploy@web3:2222`), over the group's; a group
may sit behind a jump host (`jump:`, OpenSSH's ProxyJump). Without `identity:` keys come from ssh-agent
(SSH_AUTH_SOCK), so passphrase-protected keys the operator unlocked there work as with `ssh`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

from msgspec import Struct
from pydantic import AfterValidator, Field, field_validator

from golive.core.fields import Duration, Strict
from golive.targets.base import HostResult

__all__ = ["HostResult", "SshTarget"]

#: Output kept per host: the tail is what explains a failure.
MAX_HOST_OUTPUT = 16 * 1024
#: Extra time the remote `timeout` gets to KILL what ignored its TERM, and the local side to hear about it.
KILL_GRACE = 3.0
#: Exit status of GNU `timeout` when it had to stop the command (124: TERM worked; 137: it needed KILL).
TIMEOUT_EXITS = (124, 137)

_HOST = re.compile(r"^(?:(?P<user>[A-Za-z0-9_.][A-Za-z0-9_.-]*)@)?"
                   r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9_.-]+))(?::(?P<port>\d{1,5}))?$")


class Address(Struct, frozen=True):
    host: str
    port: int
    user: str | None


def parse_host(entry: str, default_port: int, default_user: str | None = None) -> Address:
    """`[user@]host[:port]` or `[user@][v6]:port`; what the entry leaves out comes from its group."""
    m = _HOST.match(entry)
    if m is None:
        raise ValueError(f"'{entry}' is not a host, user@host:port or [ipv6]:port")
    port = int(m.group("port")) if m.group("port") else default_port
    if not 1 <= port <= 65535:
        raise ValueError(f"'{entry}': port {port} is not 1-65535")
    return Address(m.group("v6") or m.group("name"), port, m.group("user") or default_user)


def split_host(entry: str, default_port: int) -> tuple[str, int]:
    """`host`, `host:port` or `[v6]:port` -> (host, port)."""
    addr = parse_host(entry, default_port)
    return addr.host, addr.port


def _host_entry(value: str) -> str:
    parse_host(value, 22)
    return value


class HostGroup(Strict):
    """A named set of hosts that `ssh` and `rolling` steps run on (`on: GROUP`)."""

    hosts: list[Annotated[str, AfterValidator(_host_entry)]] = Field(min_length=1)
    user: str | None = None
    port: int = Field(default=22, ge=1, le=65535)
    #: Private key file, relative to the run's directory; may be `${VAR}`. Without it: ssh-agent's keys.
    identity: str | None = None
    #: known_hosts file checked strictly; default ~/.ssh/known_hosts; `none` turns checking off (lint warns).
    known_hosts: str | None = None
    connect_timeout: Duration = 10.0
    #: Jump host(s) every connection goes through, like OpenSSH's ProxyJump: `[user@]host[:port]`, comma-separated.
    jump: str | None = None
    #: SSH handshakes in flight at once (sshd's MaxStartups refuses more, 10 by default; a bastion too).
    max_startups: int = Field(default=10, ge=1)
    #: Hosts running a command at once, whatever the batch size.
    max_connections: int = Field(default=100, ge=1)
    #: The router (from the plan's `routers:`) in front of these hosts: `rolling` steps drain through it.
    router: str | None = None
    #: The directory on each host for golive's lock files (golive.targets.hostlock). Written here, literally (no
    #: `${VAR}`): everyone running the plan, from any machine or environment, meets in the same file.
    lock_dir: str = Field(default="/tmp", pattern=r"^/[^$\x00]*$")

    @field_validator("hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            dupes = sorted({h for h in value if value.count(h) > 1})
            raise ValueError(f"host(s) listed twice: {', '.join(dupes)}")
        return value

    @field_validator("jump")
    @classmethod
    def _jump(cls, value: str | None) -> str | None:
        if value is not None:
            for hop in value.split(","):
                parse_host(hop.strip(), 22)
        return value

    @property
    def checks_host_keys(self) -> bool:
        return (self.known_hosts or "").strip().lower() != "none"




class Connection(Struct):
    """How to reach every host of a group, resolved for one run (paths made absolute, vars filled in)."""

    group: HostGroup
    identity: Path | None
    known_hosts: Path | None
    name: str = ""

    def address(self, host: str) -> Address:
        return parse_host(host, self.group.port, self.group.user)

    def jumps(self) -> list[Address]:
        if not self.group.jump:
            return []
        return [parse_host(h.strip(), 22, self.group.user) for h in self.group.jump.split(",")]

    def options(self, addr: Address) -> dict[str, Any]:
        opts: dict[str, Any] = {"host": addr.host, "port": addr.port, "connect_timeout": self.group.connect_timeout,
                                "known_hosts": str(self.known_hosts) if self.known_hosts else None}
        if addr.user:
            opts["username"] = addr.user
        if self.identity is not None:
            opts["client_keys"] = [str(self.identity)]
            opts["agent_path"] = None
        return opts


def resolve_connection(group: HostGroup, name: str, interpolate: Callable[[str], str], workdir: Path) -> Connection:
    """The group's settings made concrete for one run: `${VAR}`s filled in, relative paths from the run's
    directory."""
    identity = None
    if group.identity:
        identity = Path(interpolate(group.identity)).expanduser()
        identity = identity if identity.is_absolute() else workdir / identity
    known: Path | None = None
    if group.checks_host_keys:
        known = Path(interpolate(group.known_hosts or "~/.ssh/known_hosts")).expanduser()
        known = known if known.is_absolute() else workdir / known
    return Connection(group, identity, known, name)


def remote_command(command: str, shell: str, timeout: float, respect_lock: str | None = None,
                   tree: str | None = None, take_lock: bool = False) -> str:
    """The command line sshd hands to the login shell: run the command under GNU `timeout`, which signals the
    command's whole process group, so nothing it started survives the deadline even if this connection is
    lost, and read the environment block from stdin (so values are never in the remote argv or `ps`).

    The inner bash gets `--norc --noprofile`: bash run under sshd reads ~/.bashrc even for `-c` when its
    SHLVL is below 2, and `exec timeout` resets the count, so without them every host ran its rc file twice
    (a pyenv/nvm bashrc costs seconds). bash reads the block with its own `read` (no `$(head ...)`: that is a
    subshell and a process on every host); another shell has no such builtin and gets `head -c`.

    `respect_lock`: a lock file (golive.targets.hostlock) that, when it names another run than
    $GOLIVE_RUN_ID, stops the command before it starts (exit LOCKED_EXIT, the record on stdout after
    LOCKED_MARK); a test of one file when there is none, so respecting costs no round trip (bash only).
    `take_lock`: when there is none, take it first, in the same command (no round trip either): $GOLIVE_LOCK_RECORD
    (from the environment block) written whole, then made the lock by `ln`, which fails when another took it
    meanwhile (then the test above refuses). A host where there is still no lock file then (it cannot be written
    there, or another run's was removed between the two tests) refuses too (LOCKED_EXIT after UNTAKEN_MARK):
    a command never runs on a host no lock file holds for its run.

    `tree`: a mark exported before anything starts, inherited by every process of the command (a `setsid`
    child included), by which golive finds and stops them later (golive.targets.remote_tree)."""
    mark = f"export GOLIVE_TREE={shlex.quote(tree)}; " if tree else ""
    if "bash" in shell:
        guard = "" if respect_lock is None else "\n" + ((_TAKE if take_lock else "") + _GUARD).replace(
            "LOCKFILE", shlex.quote(respect_lock))
        script = f"{_READ_ENV}{guard}\n{command}"
        inner = shlex.join([shell, "--norc", "--noprofile", "-e", "-o", "pipefail", "-c", script])
        return f"{mark}exec timeout -k {KILL_GRACE:g} {timeout:g} {inner}"
    inner = shlex.join([shell, "-c", command])
    return (f'{mark}eval "$(head -c "$GOLIVE_ENV_BYTES")" && exec timeout -k {KILL_GRACE:g} {timeout:g} {inner}')


#: The first line of a bash command: the environment block, all of stdin, read by bash itself and applied.
_READ_ENV = "IFS= read -r -d '' __golive_env || :; eval \"$__golive_env\"; unset __golive_env"
LOCKED_EXIT = 75
LOCKED_MARK = "golive: hosts lock held by another run:"
_GUARD = (f'if [ -e LOCKFILE ] && ! grep -qF "\\"run\\": \\"$GOLIVE_RUN_ID\\"" LOCKFILE; then'
          f' printf "%s\\n" "{LOCKED_MARK}"; cat LOCKFILE; exit {LOCKED_EXIT}; fi')
UNTAKEN_MARK = "golive: could not take the hosts lock file here:"
_TAKE = ('if [ ! -e LOCKFILE ]; then { mkdir -p "$(dirname LOCKFILE)" && printf "%s" "$GOLIVE_LOCK_RECORD"'
         ' > LOCKFILE.$$ && ln LOCKFILE.$$ LOCKFILE; } 2>/dev/null || :; rm -f LOCKFILE.$$ 2>/dev/null || :; fi;'
         ' unset GOLIVE_LOCK_RECORD\n'
         f'if [ ! -e LOCKFILE ]; then printf "%s %s\\n" "{UNTAKEN_MARK}" LOCKFILE; exit {LOCKED_EXIT}; fi\n')


def env_block(env: dict[str, str]) -> str:
    """`export NAME='value'` lines; every value goes through shlex.quote, never pasted in unquoted."""
    lines = []
    for name, value in env.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"'{name}' is not a valid environment variable name")
        lines.append(f"export {name}={shlex.quote(value)}\n")
    return "".join(lines)


class SshTarget(Struct):
    """The Target for `hosts` of a group reached through `conn`: the command (already wrapped by
    remote_command, which holds the remote deadline) runs on all of them at once, over the pooled connections;
    asyncssh loads when a host is first reached."""

    conn: Connection
    hosts: list[str]
    clock: Callable[[], float] | None = None

    def run(self, command: str, env: dict[str, str], timeout: float) -> Iterator[HostResult]:
        from golive.targets.sshpool import pool

        yield from pool().run(self.conn, self.hosts, command, env, timeout, self.clock)

    def run_ready(self, command: str, env: dict[str, str], timeout: float) -> Iterator[list[HostResult]]:
        """As `run`, the results of the hosts that finished together at once (see SshPool.run_ready)."""
        from golive.targets.sshpool import pool

        yield from pool().run_ready(self.conn, self.hosts, command, env, timeout, self.clock)


def run_batch(conn: Connection, hosts: list[str], command: str, env: dict[str, str], timeout: float,
              clock: Any = None) -> list[HostResult]:
    """Run `command` (already wrapped by remote_command) on `hosts`; one result per host, in host order."""
    got = {r.host: r for r in SshTarget(conn, hosts, clock).run(command, env, timeout)}
    return [got[h] for h in hosts]
