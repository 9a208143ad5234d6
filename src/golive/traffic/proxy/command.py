"""`golive proxy serve` and `python -m golive.traffic.proxy`: the built-in proxy's command line."""

from __future__ import annotations

import argparse

from golive.errors import RouterError, UsageError


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT for user traffic")
    p.add_argument("--admin", default="127.0.0.1:8081", help="HOST:PORT on loopback, or a unix socket path")
    p.add_argument("--pool", action="append", default=[], metavar="NAME=HOST:PORT[,HOST:PORT...]", required=True,
                   help="a pool of servers the plan's switch and canary steps name (repeat for each pool)")
    p.add_argument("--weight", action="append", default=[], metavar="NAME=PERCENT",
                   help="initial split (default: 100%% to the first pool)")
    p.add_argument("--ready-file", help="write the bound addresses as JSON here once listening")


def run_serve(args: argparse.Namespace) -> int:
    import asyncio

    from golive.traffic.proxy.server import Proxy, parse_address, serve

    pools: dict[str, list[tuple[str, int]]] = {}
    for spec in args.pool:
        name, sep, servers = spec.partition("=")
        if not sep or not servers:
            raise UsageError(f"--pool expects NAME=HOST:PORT[,HOST:PORT], got '{spec}'")
        pools[name] = [parse_address(s) for s in servers.split(",")]
    weights: dict[str, int] = {}
    for spec in args.weight:
        name, sep, pct = spec.partition("=")
        if not sep or not pct.isdigit():
            raise UsageError(f"--weight expects NAME=PERCENT, got '{spec}'")
        weights[name] = int(pct)
    try:
        proxy = Proxy(pools, weights or None)
    except RouterError as exc:
        raise UsageError(str(exc)) from None
    asyncio.run(serve(proxy, args.listen, args.admin, args.ready_file))
    return 0


def main(argv: list[str] | None = None) -> int:
    import golive.traffic.proxy.server as proxy_server

    p = argparse.ArgumentParser(prog="python -m golive.traffic.proxy", description=proxy_server.__doc__)
    add_serve_arguments(p)
    try:
        return run_serve(p.parse_args(argv))
    except UsageError as exc:
        print(f"golive proxy: {exc}")
        return 2
    except OSError as exc:
        print(f"golive proxy: cannot listen: {exc}")
        return 2
