"""`golive web` (serve the console), `golive web user add NAME` (a local account) and `golive web token add NAME`
(a personal API token). The console's own state lives in `--state` (default `web/` beside the run log)."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import socket
import sys
from pathlib import Path
from typing import Any

from golive.errors import UsageError

DEFAULT_TEAM = Path("golive-team.yaml")


def add_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sp.add_argument("--port", type=int, default=8400, help="port (default 8400; 0 picks a free one)")
    sp.add_argument("--team", help=f"team config: roles, people, OIDC, session limits (default {DEFAULT_TEAM} "
                                   "when present)")
    sp.add_argument("--state", help="the console's accounts, tokens and keys (default: web/ beside an SQLite run"
                                    " log, ~/.local/state/golive/web with the default one; .golive/web for a"
                                    " PostgreSQL log)")
    sp.add_argument("--plans", metavar="DIR", help="the plans operators may start from the console (default: the"
                                                   " team config's `plans`; none: starting is off)")
    sp.add_argument("--tls-cert", help="serve HTTPS with this certificate chain (PEM)")
    sp.add_argument("--tls-key", help="the certificate's private key (PEM)")
    sub = sp.add_subparsers(dest="web_command", metavar="SUBCOMMAND")
    user = sub.add_parser("user", help="local accounts")
    usub = user.add_subparsers(dest="user_command", metavar="SUBCOMMAND", required=True)
    add = usub.add_parser("add", help="create (or replace) a local account; asks for the password")
    add.add_argument("name", help="the person's name, as the plan's approvers and the team config spell it")
    add.add_argument("--totp", action="store_true", help="require a TOTP code as second factor")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    pw = usub.add_parser("passwd", help="a new password for a local account; its sessions and tokens end")
    pw.add_argument("name", help="a local account's name")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for verb, text in (("disable", "refuse the account's logins; its sessions and tokens end at once"),
                       ("enable", "allow a disabled account to log in again")):
        usub.add_parser(verb, help=text).add_argument("name", help="a local account's name")
    token = sub.add_parser("token", help="personal API tokens")
    tsub = token.add_subparsers(dest="token_command", metavar="SUBCOMMAND", required=True)
    tadd = tsub.add_parser("add", help="a new token for NAME, scoped to one role; printed once")
    tadd.add_argument("name", help="the person the token acts for")
    tadd.add_argument("--role", required=True, help="the one role the token acts in (viewer, operator, a plan role)")
    tadd.add_argument("--expires", default="30d", help="lifetime (default 30d)")
    trev = tsub.add_parser("revoke", help="revoke a token by its id (the part after glv_)")
    trev.add_argument("token_id", help="the id printed when the token was made (the part after glv_)")


def state_dir(args: argparse.Namespace, store_path: Path | str) -> Path:
    if args.state:
        return Path(args.state)
    return (store_path.parent if isinstance(store_path, Path) else Path(".golive")) / "web"


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != password:
        raise UsageError("the passwords differ")
    return password


def user_add(args: argparse.Namespace, directory: Path) -> int:
    """`user add|passwd|disable|enable`. Each gives the account a new epoch: the console's sessions and API tokens
    record it, so every one of them made before ends at its next request (golive.web.sessions, .accounts)."""
    from golive.web.accounts import Accounts

    accounts = Accounts(directory)
    if args.user_command in ("disable", "enable"):
        accounts.set_disabled(args.name, args.user_command == "disable")
        print(f"local account {args.name} {args.user_command}d" +
              ("; its sessions and API tokens are ended" if args.user_command == "disable" else ""))
        return 0
    if args.user_command == "passwd":
        accounts.set_password(args.name, _password(args))
        print(f"new password for {args.name}; its sessions and API tokens are ended")
        return 0
    seed = accounts.add_user(args.name, _password(args), args.totp)
    print(f"local account {args.name} saved in {directory / 'users.json'}")
    if seed:
        import pyotp

        print("add this to your authenticator app (shown once):")
        print(pyotp.TOTP(seed).provisioning_uri(name=args.name, issuer_name="golive"))
    return 0


def token_add(args: argparse.Namespace, directory: Path) -> int:
    if args.token_command == "revoke":
        from golive.web.accounts import Accounts

        if not Accounts(directory).revoke_token(args.token_id):
            raise UsageError(f"no token {args.token_id} in {directory / 'tokens.json'}")
        print(f"token {args.token_id} revoked")
        return 0
    from golive.units import parse_duration
    from golive.web.accounts import Accounts

    try:
        lifetime = parse_duration(args.expires)
    except ValueError as exc:
        raise UsageError(f"--expires: {exc}") from None
    accounts = Accounts(directory)
    person, bound = _token_owner(args, accounts)
    token, grant = accounts.add_token(person, args.role, lifetime, bound)
    tied = f"; ends with local account {', '.join(bound)}" if bound else "; tied to no local account"
    print(f"token {grant.token_id} for {grant.person}, role {grant.role}, expires {grant.expires}{tied}"
          " (shown once; only its hash is kept):")
    print(token)
    return 0


def _token_owner(args: argparse.Namespace, accounts: Any) -> tuple[str, tuple[str, ...]]:
    """Who a token for NAME acts as, and the local accounts whose state it follows: NAME as a local account
    acts as the person the team ties it to (as its login does, so separation of duties holds); NAME as a
    person follows each local account the team lists for them."""
    team = _team(args)
    name = args.name
    if accounts.has_user(name):
        return team.person_for(f"local:{name}", name), (name,)
    listed = team.config.people.get(name, [])
    return name, tuple(k[6:] for k in listed if k.startswith("local:") and accounts.has_user(k[6:]))


def _team(args: argparse.Namespace) -> Any:
    from golive.web.team import load_team

    return load_team(Path(args.team) if args.team else (DEFAULT_TEAM if DEFAULT_TEAM.exists() else None))


def starts_runs(args: argparse.Namespace) -> bool:
    """Whether this console has a plans directory (so it may start runs)."""
    return bool(args.plans) or _team(args).plans_dir is not None


def serve(args: argparse.Namespace, store: Any, store_location: str, store_shown: Path | str) -> int:
    import uvicorn

    from golive.web.accounts import Accounts
    from golive.web.app import create_app
    from golive.web.console import Console
    team = _team(args)
    tls = bool(args.tls_cert or args.tls_key)
    if tls and not (args.tls_cert and args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    for f in (args.tls_cert, args.tls_key):
        if f and not Path(f).is_file():
            raise UsageError(f"no such file: {f}")
    plans = Path(args.plans) if args.plans else team.plans_dir
    if plans is not None and not plans.is_dir():
        raise UsageError(f"plans directory {plans} does not exist")
    console = Console(store, team, Accounts(state_dir(args, store_shown)), tls=tls, store_location=store_location,
                      plans=plans)
    app = create_app(store, console=console)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    scheme = "https" if tls else "http"
    print(f"golive web: {scheme}://{shown}:{port}/ (run log {store_shown}; Ctrl-C stops it)", flush=True)
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not tls:
        print("golive web: warning: serving without TLS beyond loopback: passwords and session cookies cross the"
              " network in clear (use --tls-cert/--tls-key)", file=sys.stderr, flush=True)
    # Open event streams would keep a stopping server waiting for ever; runs it started go on (own sessions).
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=5,
                            ssl_certfile=args.tls_cert, ssl_keyfile=args.tls_key)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
