"""Long-running servers: the web console and the built-in proxy."""

from __future__ import annotations

import argparse

from golive.cli.common import open_existing_store, open_store_of, store_location, store_path
from golive.errors import UsageError


def cmd_web(args: argparse.Namespace) -> int:
    from golive.web import cli as web_cli

    if args.web_command == "user":
        return web_cli.user_add(args, web_cli.state_dir(args, store_path(args)))
    if args.web_command == "token":
        return web_cli.token_add(args, web_cli.state_dir(args, store_path(args)))
    # A console that starts runs may be the first thing to use the log; one that only shows them needs it there.
    store = open_store_of(args) if web_cli.starts_runs(args) else open_existing_store(args)
    try:
        return web_cli.serve(args, store, store_location(args), store_path(args))
    finally:
        store.close()


def cmd_proxy_serve(args: argparse.Namespace) -> int:
    from golive.traffic.proxy.command import run_serve

    try:
        return run_serve(args)
    except OSError as exc:
        raise UsageError(f"proxy cannot listen: {exc}") from None
