"""The host seed 000 is written for, on one machine: the app deployed from a git checkout of its origin
(`git checkout main`, `git pull origin main`, `pip install -r requirements.txt`), its database, and a small
service manager standing in for `systemctl` (there is no systemd here).

    host.py --home DIR setup --port 18090 --database URL [--broken]
        origin DIR/origin.git: tag v1.0.0, and the 1.1.0 release pushed to main (the broken build with --broken);
        checkout DIR/app: 1.0.0 serving as service banking-app on schema 0001 with three customers, the 1.1.0
        release staged in it (pulled, not yet served: seed 000 migrates before it deploys the code)
    host.py --home DIR restart banking-app      # what `sudo systemctl restart banking-app` does on this host
    host.py --home DIR start|stop|status NAME
    host.py --home DIR teardown                 # stop every service of DIR

A service is DIR/units/NAME.json (its port, checkout and environment, like a unit file); it runs the
checkout's own app.py, so a restart serves whatever release the checkout holds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import loansctl

HERE = Path(__file__).resolve().parent
SERVICE = "banking-app"
REQUIREMENTS = "Flask>=3\nFlask-SQLAlchemy>=3.1\nFlask-Migrate>=4\npsycopg[binary]>=3.1\n"
GIT = ["git", "-c", "user.name=Loans Team", "-c", "user.email=loans@example.com", "-c", "init.defaultBranch=main",
       "-c", "advice.detachedHead=false"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def release(tree: Path, version: str, broken: bool) -> None:
    """The app's source as that release has it: its version and build in app.py, its migrations."""
    for name in ("migrations/versions", "migrations"):
        (tree / name).mkdir(parents=True, exist_ok=True)
    for f in ("alembic.ini", "env.py", "script.py.mako", "versions/0001_accounts.py"):
        shutil.copyfile(HERE / "migrations" / f, tree / "migrations" / f)
    if version >= "1.1.0":
        shutil.copyfile(HERE / "migrations/versions/0002_loans.py", tree / "migrations/versions/0002_loans.py")
    code = (HERE / "app.py").read_text(encoding="utf-8")
    code = re.sub(r'^VERSION = ".*"$', f'VERSION = "{version}"', code, count=1, flags=re.MULTILINE)
    code = re.sub(r"^BROKEN = \w+$", f"BROKEN = {broken}", code, count=1, flags=re.MULTILINE)
    (tree / "app.py").write_text(code, encoding="utf-8")
    (tree / "requirements.txt").write_text(REQUIREMENTS, encoding="utf-8")
    (tree / ".gitignore").write_text("__pycache__/\n*.db\n", encoding="utf-8")


def unit(home: Path, name: str) -> dict[str, object]:
    path = home / "units" / f"{name}.json"
    if not path.exists():
        raise SystemExit(f"Unit {name}.service not found.")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def checkout_version(cwd: Path) -> str | None:
    m = re.search(r'^VERSION = "(.+)"$', (cwd / "app.py").read_text(encoding="utf-8"), re.MULTILINE)
    return m.group(1) if m else None


def start(home: Path, name: str) -> int:
    u = unit(home, name)
    cwd = Path(str(u["cwd"]))
    env = {str(k): str(v) for k, v in dict(u.get("env") or {}).items()}  # type: ignore[call-overload]
    return loansctl.start(home / "run", name, int(str(u["port"])), ["--port", str(u["port"])],
                          checkout_version(cwd), script=cwd / "app.py", cwd=cwd, env=env)


def status(home: Path, name: str) -> int:
    u = unit(home, name)
    pid = loansctl._read_pid(home / "run", name)
    health = loansctl._health(int(str(u["port"])))
    if pid and loansctl._alive(pid) and health:
        print(f"* {name}.service - active (running), pid {pid}, version {health.get('version')}, port {u['port']}")
        return 0
    print(f"* {name}.service - inactive (dead)")
    return 3  # as systemctl status says it


def setup(home: Path, port: int, database: str, broken: bool) -> int:
    home.mkdir(parents=True, exist_ok=True)
    src, origin, app = home / "src", home / "origin.git", home / "app"
    for d in (src, origin, app):
        shutil.rmtree(d, ignore_errors=True)
    src.mkdir()
    git(home, "init", "-q", "--bare", str(origin))
    git(src, "init", "-q")
    release(src, "1.0.0", False)
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "loans 1.0.0: accounts and transactions")
    git(src, "tag", "v1.0.0")
    git(src, "push", "-q", str(origin), "main", "v1.0.0")
    git(home, "clone", "-q", str(origin), str(app))
    (home / "units").mkdir(exist_ok=True)
    (home / "units" / f"{SERVICE}.json").write_text(json.dumps(
        {"port": port, "cwd": str(app), "env": {"DATABASE_URL": database}}, indent=2) + "\n", encoding="utf-8")
    # the database as 1.0.0 left it: schema 0001 and three customers
    env = {**os.environ, "DATABASE_URL": database}
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=app, env=env, check=True)
    subprocess.run([sys.executable, str(HERE / "loansctl.py"), "sample"], cwd=app, env=env, check=True)
    if start(home, SERVICE):
        return 1
    # The 1.1.0 release is merged and pushed, and staged on the host before the window: seed 000 runs
    # `flask db upgrade` (phase 1) before it pulls the code (phase 2), so the new migration must be on disk
    # already. 1.0.0 keeps serving from memory until the restart.
    release(src, "1.1.0", broken)
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "loans 1.1.0: loans" + (" (the broken build)" if broken else ""))
    git(src, "tag", "v1.1.0")
    git(src, "push", "-q", str(origin), "main", "v1.1.0")
    git(app, "pull", "-q", "--ff-only", "origin", "main")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--database", required=True)
    s.add_argument("--broken", action="store_true")
    for verb in ("start", "stop", "restart", "status"):
        sub.add_parser(verb).add_argument("name")
    sub.add_parser("teardown")
    args = ap.parse_args()
    home = args.home.resolve()
    if args.cmd == "setup":
        return setup(home, args.port, args.database, args.broken)
    if args.cmd == "teardown":
        return loansctl.main_teardown(home / "run") if (home / "run").is_dir() else 0
    name = args.name.removesuffix(".service")
    if args.cmd == "status":
        return status(home, name)
    unit(home, name)
    if args.cmd in ("stop", "restart") and loansctl.stop(home / "run", name):
        return 1
    return 0 if args.cmd == "stop" else start(home, name)


if __name__ == "__main__":
    sys.exit(main())
