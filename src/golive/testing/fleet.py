"""A throwaway fleet to rehearse a plan against: N hosts, each with a real sshd and a small HTTP app that
reports its version, behind a real HAProxy.

Each host lives in its own network namespace (`ip netns add`), joined by a veth pair to a private bridge
with addresses in 10.x.y.0/24 that exist only on this machine, so hosts have their own IP address and port
22 like real servers. Names carry a random tag and everything is removed on close (also at exit). Where
namespaces cannot be made (not root, no `ip`), hosts fall back to sshd and the app on loopback ports and
the fleet says so (`fleet.mode == "loopback"`, and one line on stderr).

    with Fleet(4, version="1.0.0") as fleet:
        plan_text = fleet.hosts_yaml("web") + fleet.router_yaml("lb")
        ...  # a `rolling` step: command '"$FLEET_HOST_DIR/deploy" 1.1.0', health http://{host}:8080/health
        fleet.versions()  # {"10.213.7.2": "1.1.0", ...}

On each host, `$FLEET_HOST_DIR/deploy VERSION` stops the app, switches its version and starts it again (a
version containing "broken" answers 500 on /health).

Each namespaced host has its own home directory for the login user (`host.home`: the stock /etc/skel dotfiles
and its own ~/.ssh/authorized_keys holding the fleet's key), given by a copy of /etc/passwd bind-mounted in the
host's own mount namespace, as a real server has. Without it every host ran this machine's home: its ~/.bashrc
(read by every ssh login's shell) and what that starts. A pyenv ~/.bashrc costs ~0.13 s of CPU per login, a
stock one ~0.005 s, and it is the same for every tool, so on a shared 2-core machine it made most of a fan-out
benchmark's time. `Fleet(..., own_home=False)` keeps the old shared home (each host then gets its own copy of
pyenv's shims only, see Fleet._own_mounts). Loopback hosts are one machine without a mount namespace: they
always share this machine's home, and log in with the fleet's authorized_keys file.
"""

from __future__ import annotations

import atexit
import contextlib
import ipaddress
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from golive.traffic.local import free_port, free_ports

SSHD = "/usr/sbin/sshd"
APP_PORT = 8080
START_DEADLINE = 30.0
#: Under the login's home: directories a login shell rewrites under a lock, of which each host gets its own copy.
PRIVATE_DIRS = (".pyenv/shims",)
#: Where a namespaced host's own home comes from (a Debian/Ubuntu server's new account gets these).
SKEL = Path("/etc/skel")

_DEPLOY = """#!/bin/sh
# deploy VERSION: stop the app, switch its version, start it again in the background.
set -e
cd "$(dirname "$0")"
printf '%s\\n' "$1" > version.new && mv version.new version
if [ -f app.pid ]; then
  pid=$(cat app.pid)
  kill "$pid" 2>/dev/null || true
  while [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do sleep 0.02; done
  rm -f app.pid
fi
setsid {python} -S {app} "$PWD" {addr} {port} {name} >>app.log 2>&1 </dev/null &
"""


class FleetError(RuntimeError):
    """The fleet could not be built (a missing program, a port that never opened)."""


@dataclass
class FleetHost:
    name: str
    address: str
    ssh_port: int
    http_port: int
    dir: Path
    netns: str | None = None
    #: The login user's home on this host (its own, in its mount namespace); None where hosts share this
    #: machine's home (loopback hosts, `own_home=False`).
    home: Path | None = None

    @property
    def ssh(self) -> str:
        """The entry for a plan's host group."""
        return self.address if self.ssh_port == 22 else f"{self.address}:{self.ssh_port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.http_port}/"

    @property
    def authorized_keys(self) -> Path:
        """The file this host's sshd lets the login in by (replace it to let in another key)."""
        if self.home is not None:
            return self.home / ".ssh" / "authorized_keys"
        return self.dir.parent / "authorized_keys"


def _run(*argv: str) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise FleetError(f"{' '.join(argv)}: {proc.stderr.strip() or proc.returncode}")


def _wait(what: str, ready: object, deadline: float) -> None:
    end = time.monotonic() + deadline
    while True:
        with contextlib.suppress(OSError):
            if ready():  # type: ignore[operator]
                return
        if time.monotonic() > end:
            raise FleetError(f"{what} not ready within {deadline:g}s")
        time.sleep(0.02)


def _listening(addr: str, port: int) -> bool:
    with socket.create_connection((addr, port), 0.5):
        return True


def _subnet() -> ipaddress.IPv4Network:
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    for _ in range(50):
        net = ipaddress.IPv4Network(f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(256)}.0/24")
        if f" {net.network_address + 1}/" not in used and str(net.network_address)[:-1] not in used:
            return net
    raise FleetError("no free private /24 for the fleet bridge")


def copy_live_dir(src: Path, dst: Path) -> None:
    """The files of a directory other processes rewrite while we copy (pyenv's shims: any login on this machine
    may be running `pyenv rehash`): an entry gone by the time it is copied is skipped, and so are a rehash's own
    lock and prototype files (`.pyenv-*`), which belong to the rehash in progress, not to the directory."""
    dst.mkdir(parents=True)
    for entry in os.scandir(src):
        if entry.name.startswith(".pyenv-"):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                continue
            shutil.copy2(entry.path, dst / entry.name, follow_symlinks=False)
        except FileNotFoundError:
            continue


def make_home(home: Path, authorized: str, skel: Path = SKEL) -> None:
    """A fresh home as `useradd -m` makes one: the skeleton's files, and ~/.ssh/authorized_keys."""
    if skel.is_dir():
        shutil.copytree(skel, home, symlinks=True)
    else:
        home.mkdir(parents=True)
    home.chmod(0o700)
    (home / ".ssh").mkdir(mode=0o700, exist_ok=True)
    (home / ".ssh" / "authorized_keys").write_text(authorized)
    (home / ".ssh" / "authorized_keys").chmod(0o600)


def passwd_with_home(passwd: str, user: str, home: Path) -> str:
    """/etc/passwd's text with `user`'s home directory (the sixth field) set to `home`, the rest unchanged."""
    out = []
    for line in passwd.splitlines(keepends=True):
        fields = line.rstrip("\n").split(":")
        if len(fields) == 7 and fields[0] == user:
            fields[5] = str(home)
            line = ":".join(fields) + "\n"
        out.append(line)
    return "".join(out)


def namespaces_available() -> str | None:
    """None when network namespaces can be made here, else why not."""
    if os.geteuid() != 0:
        return "not root"
    if shutil.which("ip") is None:
        return "no `ip` command (iproute2)"
    probe = f"glp{secrets.token_hex(3)}"
    try:
        _run("ip", "netns", "add", probe)
    except FleetError as exc:
        return str(exc)
    with contextlib.suppress(FleetError):
        _run("ip", "netns", "del", probe)
    return None


class Fleet:
    """`n` hosts on `version`; `haproxy=True` puts them behind a real HAProxy (backend `app`, servers h01..)."""

    def __init__(self, n: int, version: str = "1.0.0", *, haproxy: bool = True, app: bool = True,
                 namespaces: bool = True, own_home: bool = True) -> None:
        if not Path(SSHD).exists():
            raise FleetError(f"{SSHD} is missing: install openssh-server")
        self.n, self.version, self.with_haproxy, self.with_app = n, version, haproxy, app
        self.tag = f"gl{secrets.token_hex(3)}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"{self.tag}-"))
        self.hosts: list[FleetHost] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        self.netns: list[str] = []
        self.bridge: str | None = None
        self.haproxy_port = 0
        self._ports: Iterator[int] = iter(())  # loopback mode: the hosts' ports, chosen together (start)
        why = namespaces_available() if namespaces else "namespaces not asked for"
        self.mode = "netns" if why is None else "loopback"
        #: Each namespaced host logs in to a home of its own (see the module's docs); False: this machine's.
        self.own_home = own_home and self.mode == "netns" and shutil.which("mount") is not None
        if why is not None:
            print(f"fleet: network namespaces unavailable ({why}); hosts are loopback ports instead",
                  file=sys.stderr)
        self._closed = False
        atexit.register(self.close)

    # -- building ------------------------------------------------------------------------------
    def __enter__(self) -> Fleet:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> None:
        for name in ("host", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"fleet-{name}",
                            "-f", str(self.dir / name)], check=True)
        (self.dir / "authorized_keys").write_text((self.dir / "client.pub").read_text())
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        if self.mode == "netns":
            self._network()
        else:  # hosts share loopback: each its own ssh and app port, none chosen twice (the apps bind theirs later)
            self._ports = iter(free_ports(2 * self.n))
        for i in range(1, self.n + 1):
            self._host(i)
        host_pub = " ".join((self.dir / "host.pub").read_text().split()[:2])
        self.known_hosts.write_text("".join(
            f"{h.address if h.ssh_port == 22 else f'[{h.address}]:{h.ssh_port}'} {host_pub}\n" for h in self.hosts))
        for h in self.hosts:
            _wait(f"sshd of {h.name}", lambda h=h: _listening(h.address, h.ssh_port), START_DEADLINE)
            if self.with_app:
                _wait(f"app of {h.name}", lambda h=h: self.version_of(h) == self.version, START_DEADLINE)
        if self.with_haproxy:
            self._haproxy()

    def _network(self) -> None:
        net = _subnet()
        self.net = net
        self.bridge = f"{self.tag}br"
        _run("ip", "link", "add", self.bridge, "type", "bridge")
        _run("ip", "addr", "add", f"{net.network_address + 1}/24", "dev", self.bridge)
        _run("ip", "link", "set", self.bridge, "up")

    def _host(self, i: int) -> None:
        name = f"h{i:02d}"
        hdir = self.dir / name
        hdir.mkdir()
        if self.mode == "netns":
            ns = f"{self.tag}-{i}"
            addr = str(self.net.network_address + 1 + i)
            outer, inner = f"{self.tag}v{i}", f"{self.tag}p{i}"
            _run("ip", "netns", "add", ns)
            self.netns.append(ns)
            _run("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
            _run("ip", "link", "set", inner, "netns", ns)
            _run("ip", "link", "set", outer, "master", self.bridge or "", "up")
            _run("ip", "-n", ns, "link", "set", "lo", "up")
            _run("ip", "-n", ns, "link", "set", inner, "name", "eth0")
            _run("ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", "eth0")
            _run("ip", "-n", ns, "link", "set", "eth0", "up")
            host = FleetHost(name, addr, 22, APP_PORT, hdir, ns, hdir / "home" if self.own_home else None)
            prefix = ["ip", "netns", "exec", ns]
        else:
            host = FleetHost(name, "127.0.0.1", next(self._ports), next(self._ports), hdir)
            prefix = []
        self.hosts.append(host)
        cfg = hdir / "sshd.conf"
        # Own home: sshd's default, ~/.ssh/authorized_keys of the home it finds in the host's /etc/passwd.
        keys = ".ssh/authorized_keys" if host.home is not None else self.dir / "authorized_keys"
        cfg.write_text(f"ListenAddress {host.address}:{host.ssh_port}\nHostKey {self.dir / 'host'}\n"
                       f"AuthorizedKeysFile {keys}\nPidFile {hdir / 'sshd.pid'}\n"
                       "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
                       "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                       f"SetEnv FLEET_HOST_DIR={hdir} FLEET_HOST={name}\n")
        with (hdir / "sshd.log").open("wb") as log:
            self.procs.append(subprocess.Popen([*prefix, *self._own_mounts(hdir, host.home), SSHD, "-D", "-e", "-f",
                                                str(cfg)],
                                               stdout=log, stderr=subprocess.STDOUT))
        if self.with_app:
            app = Path(__file__).with_name("fleetapp.py")
            (hdir / "deploy").write_text(_DEPLOY.format(python=sys.executable, app=app, addr=host.address,
                                                        port=host.http_port, name=name))
            (hdir / "deploy").chmod(0o755)
            _run(*prefix, str(hdir / "deploy"), self.version)

    def _own_mounts(self, where: Path, home: Path | None) -> list[str]:
        """The argv prefix that makes a namespaced host's sshd, and every session it starts, see a host of its own
        rather than this machine: in the host's own mount namespace (`ip netns exec` makes one, slave to this one;
        it goes away with its last process), either

        - `home` given (the default): /etc/passwd is a copy naming `home` as the login user's home directory, made
          here from /etc/skel with the fleet's key in ~/.ssh/authorized_keys. sshd takes a login's home from the
          passwd entry, so the login's shell reads that home's stock ~/.bashrc, not this machine's; or
        - no `home` (`own_home=False`): the login shares this machine's home, but gets its own copy of the
          directories a login shell there rewrites under a lock (PRIVATE_DIRS): pyenv's `rehash`, run by a pyenv
          ~/.bashrc at every login, takes ~/.pyenv/shims/.pyenv-shim and retries every 0.1 s, so 10 hosts'
          remote shells ran one after another (1.3 s for 10, 0.09 s for one), for every tool alike.

        Loopback hosts (one machine, no mount namespace) get neither."""
        if self.mode != "netns" or shutil.which("mount") is None:
            return []
        user = pwd.getpwuid(os.getuid())
        binds = []
        if home is not None:
            make_home(home, (self.dir / "authorized_keys").read_text())
            passwd = where / "passwd"
            passwd.write_text(passwd_with_home(Path("/etc/passwd").read_text(), user.pw_name, home))
            passwd.chmod(0o644)
            binds.append(shlex.join(["mount", "--bind", str(passwd), "/etc/passwd"]))
        else:
            real_home = Path(user.pw_dir)  # sshd's idea of the login's home, not $HOME
            for i, rel in enumerate(PRIVATE_DIRS):
                real = real_home / rel
                if real.is_dir():
                    copy = where / f"private-{i}"
                    copy_live_dir(real, copy)
                    binds.append(shlex.join(["mount", "--bind", str(copy), str(real)]))
        return ["sh", "-c", " && ".join([*binds, 'exec "$@"']), "fleet-host"] if binds else []

    def _haproxy(self) -> None:
        if shutil.which("haproxy") is None:
            raise FleetError("haproxy is missing: install haproxy")
        self.haproxy_port = free_port()
        servers = "".join(f"  server {h.name} {h.address}:{h.http_port} check\n" for h in self.hosts)
        # A request with `X-Fleet-Server: h03` goes to h03 (tests hold a session open on a chosen server).
        pins = "".join(f"  use-server {h.name} if {{ req.hdr(x-fleet-server) -m str {h.name} }}\n"
                       for h in self.hosts)
        cfg = self.dir / "haproxy.cfg"
        cfg.write_text(f"""global
  stats socket {self.socket} mode 600 level admin
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 120s
  timeout server 120s
frontend fe
  bind 127.0.0.1:{self.haproxy_port}
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /health
  default-server inter 500ms fall 2 rise 1
{pins}{servers}""")
        with (self.dir / "haproxy.log").open("wb") as log:
            self.procs.append(subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=log,
                                               stderr=subprocess.STDOUT))
        _wait("haproxy", lambda: _listening("127.0.0.1", self.haproxy_port) and self.socket.exists(), START_DEADLINE)
        _wait("haproxy's servers", lambda: all(s == "UP" for s in self.server_status().values()), START_DEADLINE)

    # -- using it ------------------------------------------------------------------------------
    @property
    def key(self) -> Path:
        return self.dir / "client"

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"

    @property
    def socket(self) -> Path:
        return self.dir / "haproxy.sock"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.haproxy_port}/"

    def hosts_yaml(self, group: str = "web", **extra: str) -> str:
        """The plan's `hosts:` section for this fleet (root, the fleet's client key and known_hosts; lock files in
        the fleet's own directory: its hosts share this machine's filesystem with every other fleet's)."""
        extra.setdefault("lock_dir", str(self.dir / "locks"))
        lines = [f"hosts:\n  {group}:\n    hosts: [{', '.join(h.ssh for h in self.hosts)}]\n    user: root\n",
                 f"    identity: {self.key}\n    known_hosts: {self.known_hosts}\n"]
        lines += [f"    {k}: {v}\n" for k, v in extra.items()]
        return "".join(lines)

    def router_yaml(self, name: str = "lb") -> str:
        pools = ", ".join(h.name for h in self.hosts)
        return (f"routers:\n  {name}:\n    type: haproxy\n    socket: {self.socket}\n    backend: app\n"
                f"    pools: {{all: [{pools}]}}\n")

    def version_of(self, host: FleetHost) -> str:
        with urllib.request.urlopen(host.url, timeout=2) as resp:
            return str(resp.read().decode().strip())

    def deploy(self, version: str, hosts: list[FleetHost] | None = None) -> None:
        """Put `version` on hosts directly (not through golive), e.g. to reset between tests."""
        for h in hosts or self.hosts:
            _run(*(["ip", "netns", "exec", h.netns] if h.netns else []), str(h.dir / "deploy"), version)
        for h in hosts or self.hosts:
            _wait(f"app of {h.name}", lambda h=h: self.version_of(h) == version, START_DEADLINE)

    def inner_sshd(self, host: FleetHost, port: int = 2222) -> str:
        """A second sshd inside `host`'s namespace on its own loopback: reachable only through `host` (a jump
        host), never directly. Returns the entry for a group behind `jump: host`."""
        if host.netns is None:
            raise FleetError("an inner host needs network namespaces")
        cfg = host.dir / f"inner-{port}.conf"
        inner = host.dir / f"inner-{port}"
        inner.mkdir()
        cfg.write_text((host.dir / "sshd.conf").read_text()
                       .replace(f"ListenAddress {host.address}:{host.ssh_port}", f"ListenAddress 127.0.0.1:{port}")
                       .replace(f"PidFile {host.dir / 'sshd.pid'}", f"PidFile {host.dir / f'inner-{port}.pid'}"))
        with (host.dir / f"inner-{port}.log").open("wb") as log:
            home = None if host.home is None else inner / "home"
            argv = ["ip", "netns", "exec", host.netns, *self._own_mounts(inner, home), SSHD, "-D", "-e", "-f", str(cfg)]
            self.procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT))
        host_pub = " ".join((self.dir / "host.pub").read_text().split()[:2])
        with self.known_hosts.open("a") as f:
            f.write(f"[127.0.0.1]:{port} {host_pub}\n")
        _wait("inner sshd", lambda: b"Server listening" in (host.dir / f"inner-{port}.log").read_bytes(),
              START_DEADLINE)
        return f"127.0.0.1:{port}"

    def logins(self, host: FleetHost) -> int:
        """SSH logins this host's sshd accepted so far (to prove a host was never contacted)."""
        return (host.dir / "sshd.log").read_text(errors="replace").count("Accepted publickey")

    def versions(self) -> dict[str, str]:
        return {h.name: self.version_of(h) for h in self.hosts}

    def haproxy(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.socket))
            s.sendall(command.encode() + b"\n")
            chunks = []
            while data := s.recv(65536):
                chunks.append(data)
        return b"".join(chunks).decode()

    def server_status(self) -> dict[str, str]:
        """HAProxy's view: server name -> status (UP, DOWN, MAINT, DRAIN, ...)."""
        rows = self.haproxy("show stat").splitlines()
        head = rows[0].lstrip("# ").split(",")
        out = {}
        for row in rows[1:]:
            rec = dict(zip(head, row.split(","), strict=False))
            if rec.get("pxname") == "app" and rec.get("svname") not in ("FRONTEND", "BACKEND"):
                out[rec["svname"]] = rec["status"]
        return out

    # -- tearing down --------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for h in self.hosts:
            with contextlib.suppress(OSError, ValueError):
                os.kill(int((h.dir / "app.pid").read_text()), 15)
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        # Whatever still runs inside our namespaces (a deploy's child, a session's shell) gets TERM and a
        # moment to clean up after itself (a shell killed mid-`pyenv rehash` leaves a lock that stalls every
        # later bash on the machine), then KILL.
        for sig in (15, 9):
            pids = [int(p) for ns in self.netns
                    for p in subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()]
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, sig)
            end = time.monotonic() + 5
            while sig == 15 and pids and time.monotonic() < end and any(Path(f"/proc/{p}").exists() for p in pids):
                time.sleep(0.05)
        for ns in self.netns:
            with contextlib.suppress(FleetError):
                _run("ip", "netns", "del", ns)
        if self.bridge:
            with contextlib.suppress(FleetError):
                _run("ip", "link", "del", self.bridge)
        shutil.rmtree(self.dir, ignore_errors=True)
