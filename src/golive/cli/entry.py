"""The `golive` command's entry: parse, run one command, turn every error into a message and an exit code.

Exit codes: 0 succeeded, 1 failed and rolled back, 2 bad input,
3 waiting for a person, 4 rollback failed (needs a human now), 70 internal error."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

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
