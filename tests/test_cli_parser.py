"""The parser built for one command (golive.cli.parser builds only the command argv names) reads every argv as the
parser of all commands does: the same values, the same help, the same errors and exit codes."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest

from golive.cli.parser import COMMANDS, build_parser, named_command

ARGVS = [
    [], ["--help"], ["--version"], ["bogus"], ["stat"], ["--store"], ["--store", "x"], ["--", "runs"], ["-", "runs"],
    ["--store=x", "runs"], ["--sto", "x", "runs"], ["--st=x", "report", "r", "-o", "o"], ["--store", "status", "runs"],
    ["--store", "x", "--version"], ["--store", "x", "-h"], ["runs", "--store", "x"], ["runs", "--lim", "3"],
    ["status", "r", "--json"], ["log"], ["plan"], ["plan", "show", "f", "--json"], ["plan", "validate"],
    ["audit", "verify", "--bundle", "b"], ["notify", "escalate", "r"], ["approve", "r"],
    ["approve", "r", "--reason", "x", "--by", "me"], ["run", "f.yaml", "--wait-timeout", "bad"],
    ["resolve", "r", "1.1", "--as", "nope"], ["confirm", "r", "--phase", "x"], ["report", "r", "--format", "pdf"],
    ["web", "--bind", "1.2.3.4"], ["proxy"], *([name, "--help"] for name, _, _ in COMMANDS),
]


def parsed(argv: list[str], lazy: bool) -> dict[str, Any]:
    out, err = io.StringIO(), io.StringIO()
    values: dict[str, Any] | None = None
    code: Any = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            ns = (build_parser(argv) if lazy else build_parser()).parse_args(argv)
            values = {k: getattr(v, "__qualname__", v) if callable(v) else v for k, v in vars(ns).items()}
        except SystemExit as exc:
            code = exc.code
    return {"values": values, "code": code, "out": out.getvalue(), "err": err.getvalue()}


@pytest.mark.parametrize("argv", ARGVS, ids=lambda a: " ".join(a) or "(none)")
def test_the_parser_of_the_named_command_reads_argv_as_the_whole_parser_does(argv: list[str],
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    assert parsed(argv, lazy=True) == parsed(argv, lazy=False)


def test_only_a_command_named_for_certain_is_built_alone() -> None:
    assert named_command(["--store", "status", "runs"]) == "runs"
    assert named_command(["--sto=x", "log", "r"]) == "log"
    for unsure in ([], ["--help"], ["-h", "runs"], ["--", "runs"], ["bogus"], ["--verbose", "runs"]):
        assert named_command(unsure) is None, unsure
