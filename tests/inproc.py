"""`golive` commands run in the test process through `golive.cli.main`: the same code as the command, without
the interpreter and import start-up (seconds each on a loaded machine). Used where a test needs many commands
around the one that must be a real, separate, killable process."""

from __future__ import annotations

import contextlib
import io

from conftest import Result
from golive.cli import main


def cli(*args: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Result(code, out.getvalue(), err.getvalue())
