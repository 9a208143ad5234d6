"""The `golive` command's entry: parse, run one command, turn every error into a message and an exit code.

Exit codes: 0 succeeded, 1 failed and rolled back, 2 bad input,
3 waiting for a person, 4 rollback failed (needs a human now), 70 internal error, 141 a read command's
reader went away (as if killed by SIGPIPE)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from golive import __version__


def _debug_log_path() -> Path:
    from golive.store.location import user_state_dir

    return user_state_dir() / "debug.log"


def main(argv: list[str] | None = None) -> int:
    args_given = sys.argv[1:] if argv is None else argv
    if args_given == ["--version"]:
        # What argparse's version action prints, without building the parser: scripts call this often.
        print(f"golive {__version__}")
        return 0
    from golive.cli.parser import build_parser
    from golive.errors import ExitCode, GoliveError, PlanError
    from golive.masking import mask_known, safe

    parser = build_parser(args_given)
    args = parser.parse_args(args_given)
    if not getattr(args, "fn", None):
        parser.print_help()
        return ExitCode.BAD_INPUT
    try:
        code: int = args.fn(args)
        return code
    except PlanError as exc:
        for issue in exc.issues:
            print(str(issue), file=sys.stderr)
        return ExitCode.BAD_INPUT
    except GoliveError as exc:
        print(f"golive: {safe(mask_known(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("golive: interrupted; the run can be continued with golive resume", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`golive log RUN | head`, `golive status RUN | grep -q ...`): it had what it wanted.
        # Stop quietly with the status of a command killed by SIGPIPE, not an "internal error" and a debug log.
        # (`run` and `resume` keep going: their printer ignores a lost reader, and the run is not stopped by it.)
        return 128 + 13  # SIGPIPE
    except Exception as exc:  # the one place that turns a bug into one line plus a debug log
        import traceback

        path = _debug_log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(f"--- {datetime.now(UTC).isoformat()} golive {__version__} argv={sys.argv[1:]}\n")
                f.write(mask_known(traceback.format_exc()))  # an exception's text may quote a secret
        except OSError:
            path = Path("(debug log unwritable)")
        print(f"golive: internal error: {type(exc).__name__}: {safe(mask_known(str(exc)))} (details in {path})",
              file=sys.stderr)
        return ExitCode.INTERNAL


def console() -> NoReturn:
    """The process's entry (the `golive` script, `python -m golive`): `main`, then an exit that skips the
    interpreter's teardown, which frees every module and object one by one: ~0.1 s of wall (measured 83-141 ms
    at load ~4.5) after all work is done, a tenth of a 10-host `golive run`.

    Skipping it loses nothing golive relies on: every command closes its store (SQLite commits are durable
    without a close) and waits for its processes; what remains is done here as the interpreter would do it:
    the atexit handlers (the SSH pool's clean close, weakref finalizers such as temporary directories, logging's
    flush), then stdout and stderr flushed. Where that cannot be shown (a non-daemon thread still running, which
    the interpreter would join; a flush failing, which it would report with its own exit status; a profiler or
    debugger, which does its work after `main`), the normal exit is taken.

    The cyclic garbage collector runs every 100,000 allocations instead of every 700: start-up (pydantic building
    the plan models, dataclasses, asyncssh) allocates a few hundred thousand long-lived objects, and collecting
    among them as they are made cost ~60 ms CPU of a 0.4 s run (measured with the collector off: the same
    saving), for garbage there is next to none of. Cyclic garbage of a long run still gets collected, in batches
    (bounded by ~100,000 objects, a few MB)."""
    import gc

    gc.set_threshold(100_000, 20, 10)
    code = main()
    fast_exit(code)


def fast_exit(code: int) -> NoReturn:
    import atexit
    import os
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)  # the interpreter joins it (and runs threading's own exit hooks) before atexit
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # `python -m cProfile`, a debugger: they write their results after this returns
    atexit._run_exitfuncs()
    atexit._clear()  # run once: a fallback below must not run them again
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        sys.exit(code)
    os._exit(code)
