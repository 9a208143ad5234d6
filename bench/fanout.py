"""Fan-out: the same command (`uname -a; sleep 0.1`) on 10, 25 and 50 hosts, all at once and in batches of 5,
through golive (an `ssh` step), pyinfra and ansible-core (ssh connection, forks = host count), in one run.

The hosts are golive.testing.fleet hosts: each a real sshd in its own network namespace with its own address
(loopback ports only where namespaces cannot be made; the fleet says so). Every tool checks host keys against
the fleet's known_hosts and logs in with the fleet's key. Each measurement is the wall time of one fresh
process (start-up included: that is what an operator waits for), the median of --repeat runs; peak RSS is the
largest single process of the tool's tree (RUSAGE_CHILDREN). Needs root for namespaces; the `bench` extra.

Every tool runs from compiled bytecode, as installed: pip compiles pyinfra's and ansible's modules at install,
while golive in a checkout is an editable install, so its modules are compiled once before measuring, and
PYTHONDONTWRITEBYTECODE is left out of every tool's environment (set, it had golive compile ~120 modules from
source at every start).

`--floor` adds what the same work costs with nothing around it: a bare asyncssh script and one OpenSSH `ssh`
process per host, all at once or per batch. On a 2-core machine much of a run is the hosts' side (sshd's
handshake, ~0.02-0.04 s of CPU per login, and the login shell), shared by every tool. The bare script is
asyncssh as it comes: its logins pay two things golive's pool does not (golive.targets.sshpool): sshd's reply to
the session's channel open waiting ~40 ms for the client's delayed ACK (Nagle on sshd's side), in most logins
of every batch, and two extra auth round trips ('none', then a query before the signature), ~13 ms a batch.
So in batches golive can be faster than its "floor"; that is its own work, not the script's slowness.

The hosts' side is measured too where a cgroup can hold the fleet's sshd processes (root; cgroup v1 cpuacct or
v2 cpu.stat): CPU seconds of every host's sshd, logins and what they run, per run. On this one machine it
competes with the tool for the same CPUs, which real hosts' work does not, and it differs by tool: Ansible runs
a Python module on each host (~0.4 s of CPU per host here), the others a shell command (~0.03 s).

Each host logs in to a home of its own with stock dotfiles, as a real server (golive.testing.fleet).
`--shared-home` gives every host this machine's home instead, as before: its ~/.bashrc then runs at every
login (here a pyenv one, ~0.13 s of CPU per login against ~0.005 s for a stock one), for every tool alike.

    .venv/bin/python bench/fanout.py [--sizes 10,25,50] [--modes all,batch5] [--repeat 3]
                                     [--skip ansible,pyinfra] [--floor] [--shared-home]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from golive.testing.fleet import Fleet, FleetHost

VENV_BIN = Path(sys.executable).parent
COMMAND = "uname -a; sleep 0.1"
BATCH = 5

_MEASURE = """import resource, subprocess, sys, time, json
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
e = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": p.returncode, "s": e, "rss_kb": u.ru_maxrss, "cpu": u.ru_utime + u.ru_stime,
                  "err": p.stderr.decode(errors="replace")[-1500:]}))
"""


Measure = tuple[float, int, float]


def _env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], cwd: Path, env: dict[str, str]) -> Measure:
    """(seconds, peak RSS in kB, CPU seconds of the tool's process tree) of one fresh run of `cmd`, in its own
    child so RSS and CPU are the tool's alone (sshd's side is the same for every tool and not counted)."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], cwd=cwd, env=_env(env), capture_output=True,
                          text=True, timeout=900)
    out = json.loads(proc.stdout)
    if out["rc"] != 0:
        raise SystemExit(f"{cmd[0]} failed ({out['rc']}): {out['err']}")
    return float(out["s"]), int(out["rss_kb"]), float(out["cpu"])


def golive(fleet: Fleet, hosts: list[FleetHost], batch: int | None, work: Path) -> Measure:
    plan = work / "golive.yaml"
    step = {"on": "web", "command": COMMAND, **({"batch": batch} if batch else {})}
    plan.write_text("name: fanout\nservice: bench\nenvironment: bench\nhosts:\n"
                    f"  web: {{hosts: [{', '.join(h.ssh for h in hosts)}], user: root, identity: {fleet.key},"
                    f" known_hosts: {fleet.known_hosts}}}\n"
                    f"phases:\n  - name: all\n    steps:\n      - ssh: {json.dumps(step)}\n")
    store = work / f"golive-{time.monotonic_ns()}.db"
    return measure([str(VENV_BIN / "golive"), "--store", str(store), "run", str(plan), "--no-wait"], work,
                   {**os.environ, "GOLIVE_USER": "bench"})


def pyinfra(fleet: Fleet, hosts: list[FleetHost], batch: int | None, work: Path) -> Measure:
    data = {"ssh_user": "root", "ssh_key": str(fleet.key), "ssh_known_hosts_file": str(fleet.known_hosts),
            "ssh_strict_host_key_checking": "yes"}
    inv = work / "inventory.py"
    inv.write_text(f"hosts = {[(h.address, {**data, 'ssh_port': h.ssh_port}) for h in hosts]!r}\n")
    deploy = work / "deploy.py"
    deploy.write_text(f"from pyinfra.operations import server\nserver.shell(name='fanout', commands=[{COMMAND!r}])\n")
    return measure([str(VENV_BIN / "pyinfra"), "-y", "--parallel", str(batch or len(hosts)), str(inv), str(deploy)],
                   work, dict(os.environ))


def ansible(fleet: Fleet, hosts: list[FleetHost], batch: int | None, work: Path) -> Measure:
    inv = work / "hosts.ini"
    inv.write_text("[web]\n" + "".join(
        f"{h.name} ansible_host={h.address} ansible_port={h.ssh_port}\n" for h in hosts)
        + f"[web:vars]\nansible_user=root\nansible_ssh_private_key_file={fleet.key}\n"
        f"ansible_ssh_common_args='-o UserKnownHostsFile={fleet.known_hosts} -o StrictHostKeyChecking=yes'\n"
        f"ansible_python_interpreter={sys.executable}\n")
    serial = f"  serial: {batch}\n" if batch else ""
    play = work / "play.yml"
    play.write_text(f"- hosts: web\n  gather_facts: false\n{serial}  tasks:\n"
                    f"    - ansible.builtin.shell: {json.dumps(COMMAND)}\n")
    env = {**os.environ, "ANSIBLE_FORKS": str(len(hosts)), "ANSIBLE_HOST_KEY_CHECKING": "True",
           "ANSIBLE_LOCAL_TEMP": str(work / "ansible-local"), "ANSIBLE_REMOTE_TEMP": "/tmp/.ansible-fanout",
           "ANSIBLE_NOCOLOR": "1"}
    return measure([str(VENV_BIN / "ansible-playbook"), "-i", str(inv), str(play)], work, env)


_BARE_ASYNCSSH = """import asyncio, ctypes.util, json, sys
ctypes.util.find_library = lambda name: None  # no ldconfig/gcc at import (what golive.lazy avoids too)
import asyncssh
cfg = json.loads(sys.argv[1])
known, keys = asyncssh.read_known_hosts(cfg["known"]), asyncssh.load_keypairs([cfg["key"]])
async def one(host, port):
    async with asyncssh.connect(host, port=port, username="root", client_keys=keys, known_hosts=known) as conn:
        await conn.run(cfg["command"], check=True)
async def main():
    hosts, size = cfg["hosts"], cfg["batch"] or len(cfg["hosts"])
    for i in range(0, len(hosts), size):
        await asyncio.gather(*(one(h, p) for h, p in hosts[i:i + size]))
asyncio.run(main())
"""


def bare_asyncssh(fleet: Fleet, hosts: list[FleetHost], batch: int | None, work: Path) -> Measure:
    """The floor under golive: a bare asyncssh script (no plan, log or seal), one connection and `run` per host,
    batches one after another, host keys checked. What is left above it is golive's own."""
    cfg = {"known": str(fleet.known_hosts), "key": str(fleet.key), "command": COMMAND, "batch": batch,
           "hosts": [(h.address, h.ssh_port) for h in hosts]}
    return measure([sys.executable, "-c", _BARE_ASYNCSSH, json.dumps(cfg)], work, dict(os.environ))


def bare_openssh(fleet: Fleet, hosts: list[FleetHost], batch: int | None, work: Path) -> Measure:
    """OpenSSH's floor: one `ssh` process per host started at once, batches one after another."""
    ssh = shlex.join(["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o",
                      f"UserKnownHostsFile={fleet.known_hosts}", "-i", str(fleet.key)])
    size = batch or len(hosts)
    script = "".join(" ".join(f"{ssh} -p {h.ssh_port} root@{h.address} {shlex.quote(COMMAND)} >/dev/null &"
                              for h in hosts[i:i + size]) + " wait\n" for i in range(0, len(hosts), size))
    return measure(["bash", "-c", script], work, dict(os.environ))


class HostCpu:
    """CPU seconds used on the fleet's side so far: a cgroup holding every host's sshd (their logins and what those
    run inherit it). None where no such cgroup can be made (not root, no cpuacct or cgroup2 mount)."""

    def __init__(self, fleet: Fleet) -> None:
        self.dir: Path | None = None
        self.usage = ""
        for base, usage in ((Path("/sys/fs/cgroup/cpuacct"), "cpuacct.usage"),
                            (Path("/sys/fs/cgroup/unified"), "cpu.stat"), (Path("/sys/fs/cgroup"), "cpu.stat")):
            v2 = usage == "cpu.stat"
            if not (base / "cgroup.procs").exists() or (v2 and not (base / "cgroup.controllers").exists()):
                continue
            cg = base / f"{fleet.tag}-hosts"
            try:
                cg.mkdir()
                for h in fleet.hosts:
                    (cg / "cgroup.procs").write_text((h.dir / "sshd.pid").read_text().strip())
            except OSError:
                with contextlib.suppress(OSError):
                    cg.rmdir()
                continue
            self.dir, self.usage = cg, usage
            return

    def seconds(self) -> float | None:
        if self.dir is None:
            return None
        text = (self.dir / self.usage).read_text()
        if self.usage == "cpuacct.usage":
            return int(text) / 1e9
        return int(dict(line.split() for line in text.splitlines())["usage_usec"]) / 1e6

    def close(self) -> None:
        """After the fleet closed (its processes gone): the cgroup is empty and can be removed."""
        if self.dir is not None:
            with contextlib.suppress(OSError):
                self.dir.rmdir()


TOOLS: dict[str, Callable[[Fleet, list[FleetHost], int | None, Path], Measure]] = {
    "golive": golive, "pyinfra": pyinfra, "ansible": ansible}
#: Not tools an operator would choose but what the same work costs with nothing around it (`--floor`).
FLOORS: dict[str, Callable[[Fleet, list[FleetHost], int | None, Path], Measure]] = {
    "asyncssh": bare_asyncssh, "openssh": bare_openssh}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,25,50")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", default="")
    ap.add_argument("--modes", default=f"all,batch{BATCH}", help=f"all (every host at once), batch{BATCH}, or both")
    ap.add_argument("--floor", action="store_true",
                    help="also measure the floor: a bare asyncssh script and parallel OpenSSH `ssh` processes")
    ap.add_argument("--shared-home", action="store_true",
                    help="hosts share this machine's home and its ~/.bashrc (the fleet before it gave each its own)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the fleet's namespaces are removed on kill
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = [(m, None if m == "all" else BATCH) for m in ("all", f"batch{BATCH}") if m in args.modes.split(",")]
    import compileall

    import golive

    compileall.compile_dir(str(Path(golive.__file__).parent), quiet=1)
    runners = {**TOOLS, **(FLOORS if args.floor else {})}
    tools = [t for t in runners if t not in args.skip.split(",")]
    results: dict[tuple[str, str, int], Measure] = {}
    host_cpu: dict[tuple[str, str, int], float] = {}
    with Fleet(max(sizes), haproxy=False, app=False, own_home=not args.shared_home) as fleet, \
            tempfile.TemporaryDirectory() as tmp:
        home = "own home per host" if fleet.own_home else "hosts share this machine's home"
        hosts_cpu = HostCpu(fleet)
        atexit.register(hosts_cpu.close)
        print(f"fleet: {max(sizes)} hosts, mode {fleet.mode}, {home}; command {COMMAND!r}; median of {args.repeat};"
              f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at start")
        for size in sizes:
            for mode, batch in modes:
                for tool in tools:
                    work = Path(tmp) / f"{tool}-{size}-{mode}"
                    work.mkdir()
                    runs, on_hosts = [], []
                    for _ in range(args.repeat):
                        before = hosts_cpu.seconds()
                        runs.append(runners[tool](fleet, fleet.hosts[:size], batch, work))
                        after = hosts_cpu.seconds()
                        if before is not None and after is not None:
                            on_hosts.append(after - before)
                    res = (statistics.median(r[0] for r in runs), max(r[1] for r in runs),
                           statistics.median(r[2] for r in runs))
                    results[(tool, mode, size)] = res
                    if on_hosts:
                        host_cpu[(tool, mode, size)] = statistics.median(on_hosts)
                    hosts_text = f", hosts' CPU {host_cpu[(tool, mode, size)]:6.2f} s" if on_hosts else ""
                    print(f"  {tool:8} {mode:7} {size:3} hosts: {res[0]:6.2f} s wall, {res[2]:6.2f} s CPU{hosts_text},"
                          f" peak RSS {res[1] / 1024:6.1f} MB", flush=True)
    print()
    print(f"{'mode':7} {'hosts':>5} " + " ".join(f"{t:>9}" for t in tools)
          + "".join(f" {t + '/golive':>15}" for t in tools if t != "golive"))
    for mode, _ in modes:
        for size in sizes:
            row = [results[(t, mode, size)][0] for t in tools]
            ratios = [results[(t, mode, size)][0] / results[("golive", mode, size)][0]
                      for t in tools if t != "golive" and "golive" in tools]
            print(f"{mode:7} {size:5} " + " ".join(f"{v:8.2f}s" for v in row) + "".join(f" {r:14.2f}x" for r in ratios))
    print("\nCPU seconds of each tool's own processes (steadier than wall time on a shared machine):")
    for mode, _ in modes:
        for size in sizes:
            print(f"{mode:7} {size:5} " + " ".join(f"{t} {results[(t, mode, size)][2]:.2f}" for t in tools))
    if host_cpu:
        print("\nCPU seconds on the hosts' side (sshd, logins, what they ran; on this machine's CPUs too):")
        for mode, _ in modes:
            for size in sizes:
                print(f"{mode:7} {size:5} " + " ".join(f"{t} {host_cpu[(t, mode, size)]:.2f}" for t in tools
                                                       if (t, mode, size) in host_cpu))
    if len(sizes) > 1:
        print("\ngrowth (seconds per extra host, least squares over sizes):")
        for mode, _ in modes:
            slopes = []
            for t in tools:
                xs, ys = sizes, [results[(t, mode, s)][0] for s in sizes]
                mx, my = statistics.mean(xs), statistics.mean(ys)
                slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
                slopes.append(f"{t} {slope * 1000:.1f} ms/host")
            print(f"  {mode}: " + ", ".join(slopes))
    first = modes[0][0]
    print(f"\npeak RSS, largest process, MB (at the largest size, {first}): " + ", ".join(
        f"{t} {results[(t, first, max(sizes))][1] / 1024:.1f}" for t in tools))
    return 0


if __name__ == "__main__":
    sys.exit(main())
