"""Long-running servers: the web console and the built-in proxy."""

from __future__ import annotations

import argparse
import sys

from golive.cli.common import open_existing_store, store_path
from golive.errors import UsageError


def cmd_web(args: argparse.Namespace) -> int:
    import ipaddress
    import socket

    import uvicorn

    from golive.web.app import create_app

    store = open_existing_store(args)
    try:
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
        print(f"golive web: http://{shown}:{port}/ (run log {store_path(args)}; Ctrl-C stops it)", flush=True)
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            print("golive web: warning: no authentication; anyone who reaches this address reads the run logs"
                  " (secrets are masked)", file=sys.stderr, flush=True)
        config = uvicorn.Config(create_app(store), log_level="warning", access_log=False, lifespan="off")
        uvicorn.Server(config).run(sockets=[sock])
        return 0
    finally:
        store.close()


def cmd_proxy_serve(args: argparse.Namespace) -> int:
    from golive.traffic.proxy.command import run_serve

    try:
        return run_serve(args)
    except OSError as exc:
        raise UsageError(f"proxy cannot listen: {exc}") from None
