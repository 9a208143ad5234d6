"""The argument parser: every command, its options and help, and the function that runs it.

Each command's parser is built by its own function, and only for the command argv names (every command's when that
is not certain: `--help`, an unknown command, an unusual option): `golive status` does not build twenty other
parsers, nor import the web console's and the proxy's options for them. Help texts and errors are argparse's own
either way: the one command argv names is the one that parses the rest of it, and the top-level parser lists the
commands only in its help and in the error for an unknown one."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from golive import __version__
from golive.cli.common import duration_arg
from golive.cli.decide import cmd_approve, cmd_confirm, cmd_notify_tick, cmd_reject, cmd_resolve, cmd_rollback
from golive.cli.drive import cmd_resume, cmd_run
from golive.cli.plans import cmd_import, cmd_lint, cmd_plan_show, cmd_plan_validate, cmd_schema
from golive.cli.read import cmd_audit_export, cmd_audit_verify, cmd_keygen, cmd_log, cmd_report, cmd_runs, cmd_status
from golive.cli.serve import cmd_proxy_serve, cmd_web
from golive.errors import ExitCode

Parser = argparse.ArgumentParser


def _help_for(parser: Parser) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return ExitCode.BAD_INPUT

    return show


#: Run ids are long (20261201-065505-b635); the stores accept any start of one that names a single run.
RUN_HELP = "the run's id, as `golive run` printed it (a unique start of it will do)"
BY_HELP = "your name (default $GOLIVE_USER or login; with signers, your key's name)"


def _key_arg(sp: Parser) -> None:
    sp.add_argument("--key", metavar="PATH", help="sign with this private key when ssh-agent holds none of yours"
                                                  " (default $GOLIVE_KEY)")


def _package_doc() -> str | None:
    from golive import cli

    return cli.__doc__


def _driving(sp: Parser) -> None:
    sp.add_argument("--json", action="store_true", help="stream events as JSON lines")
    sp.add_argument("--wait", dest="wait", action="store_true", default=None,
                    help="at a gate or manual step, wait for the decision (default on a terminal)")
    sp.add_argument("--no-wait", dest="wait", action="store_false",
                    help="exit with code 3 when a person must decide")
    sp.add_argument("--wait-timeout", type=duration_arg, default=None, metavar="DURATION",
                    help="how long this process waits for a decision, e.g. 30m (default 12h); the run keeps"
                         " waiting after it, exit 3")
    sp.add_argument("--poll", type=float, default=1.0, help=argparse.SUPPRESS)
    sp.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                    help="override a (non-secret) plan var")


def _run(sp: Parser) -> None:
    sp.add_argument("file", help="the plan (YAML); check it first with golive plan show / golive lint")
    sp.add_argument("--dry-run", action="store_true", help="walk the plan without executing anything")
    sp.add_argument("--force", action="store_true", help="start outside the deployment window")
    sp.add_argument("--reason", help="why (required with --force)")
    sp.add_argument("--as", dest="as_", metavar="NAME", help="initiator identity (default $GOLIVE_USER or login;"
                                                            " with signers, the name your key belongs to)")
    _key_arg(sp)
    _driving(sp)
    sp.set_defaults(fn=cmd_run)


def _resume(sp: Parser) -> None:
    sp.add_argument("run", help=RUN_HELP)
    sp.add_argument("--take-over", action="store_true",
                    help="take the run over from a process (on any host) whose ownership lease ran out; recorded"
                         " with who took it over from whom")
    sp.add_argument("--by", help="your name, for the take-over record and the checklist answers at a terminal"
                                 " (default $GOLIVE_USER or login; with signers, your key's name)")
    sp.add_argument("--reason", help="why you take the run over (recorded; required when the run has signers)")
    _key_arg(sp)
    _driving(sp)
    sp.set_defaults(fn=cmd_resume)


def _plan(plan: Parser) -> None:
    psub = plan.add_subparsers(dest="plan_command", metavar="SUBCOMMAND")
    sp = psub.add_parser("show", help="phases, gates and the generated rollback plan")
    sp.add_argument("file", help="the plan (YAML)")
    sp.add_argument("--json", action="store_true", help="the plan and its rollback plan as JSON")
    sp.set_defaults(fn=cmd_plan_show)
    sp = psub.add_parser("validate", help="check plan files; errors as file:line:col")
    sp.add_argument("files", nargs="+", help="plan files (exit 2 if any is invalid)")
    sp.set_defaults(fn=cmd_plan_validate)
    plan.set_defaults(fn=_help_for(plan))


def _status(sp: Parser) -> None:
    sp.add_argument("run", nargs="?", help=RUN_HELP + "; default: the active runs, else the latest")
    sp.add_argument("--json", action="store_true", help="as JSON")
    sp.set_defaults(fn=cmd_status)


def _log(sp: Parser) -> None:
    sp.add_argument("run", help=RUN_HELP)
    sp.add_argument("--json", action="store_true", help="one JSON object per event, with its seq and hash")
    sp.set_defaults(fn=cmd_log)


def _runs(sp: Parser) -> None:
    sp.add_argument("--json", action="store_true", help="as JSON")
    sp.add_argument("--limit", type=int, default=50, help="the newest N runs (default 50)")
    sp.add_argument("--prune", action="store_true",
                    help="remove the values ended runs' shell steps saved for later steps (under $TMPDIR and /tmp),"
                         " for the runs no rollback level can reopen")
    sp.set_defaults(fn=cmd_runs)


def _report(sp: Parser) -> None:
    sp.add_argument("run", help=RUN_HELP)
    sp.add_argument("--format", choices=["html", "md", "json"], default="html",
                    help="html (default; prints, no script), md or json")
    sp.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    sp.set_defaults(fn=cmd_report)


def _notify(notify: Parser) -> None:
    nsub = notify.add_subparsers(dest="notify_command", metavar="SUBCOMMAND")
    for name in ("tick", "escalate"):
        _escalate(nsub.add_parser(name, help="escalate unanswered waits of active runs (run it from cron every"
                                             " minute)"))
    notify.set_defaults(fn=_help_for(notify))


def _escalate(sp: Parser) -> None:
    """`notify tick`, `notify escalate` and `escalate`: one command under three names."""
    sp.add_argument("run", nargs="?", help=RUN_HELP + "; default: every active run")
    sp.set_defaults(fn=cmd_notify_tick)


def _audit(audit: Parser) -> None:
    asub = audit.add_subparsers(dest="audit_command", metavar="SUBCOMMAND")
    sp = asub.add_parser("verify", help="exit 0 if intact, 1 naming the first bad seq; who signed what")
    sp.add_argument("run", nargs="?", help=RUN_HELP)
    sp.add_argument("--bundle", metavar="FILE", help="check an exported bundle instead (no store needed)")
    sp.add_argument("--signers", metavar="FILE", help="judge signatures by this allowed_signers file (your own"
                                                      " copy) instead of the one the run recorded")
    sp.add_argument("--checkpoint", action="append", default=[], metavar="DIGEST",
                    help="a checkpoint digest known from elsewhere (a gate notification); it must be in the log")
    sp.set_defaults(fn=cmd_audit_verify)
    sp = asub.add_parser("export", help="write one self-contained file to verify elsewhere")
    sp.add_argument("run", help=RUN_HELP)
    sp.add_argument("-o", "--output", required=True, metavar="FILE", help="the bundle to write (JSON)")
    sp.set_defaults(fn=cmd_audit_export)
    audit.set_defaults(fn=_help_for(audit))


def _keygen(sp: Parser) -> None:
    sp.add_argument("-o", "--output", metavar="PATH", help="default $GOLIVE_RUNNER_KEY or"
                                                           " ~/.config/golive/runner_ed25519")
    sp.add_argument("--comment", help="the key's comment (default golive-runner@HOST)")
    sp.set_defaults(fn=cmd_keygen)


def _gate_decision(fn: Callable[[argparse.Namespace], int]) -> Callable[[Parser], None]:
    def add(sp: Parser) -> None:
        sp.add_argument("run", help=RUN_HELP)
        sp.add_argument("--by", help=BY_HELP)
        sp.add_argument("--reason", required=True, help="why (recorded in the run log and the report)")
        _key_arg(sp)
        sp.set_defaults(fn=fn)

    return add


def _confirm(sp: Parser) -> None:
    sp.add_argument("run", help=RUN_HELP)
    sp.add_argument("step", nargs="?", help="step id (2.3), step name, or 'rollback'")
    sp.add_argument("--phase", type=int, help="confirm every open manual item of phase N at once")
    sp.add_argument("--by", help=BY_HELP)
    sp.add_argument("--reason", help="note recorded with the confirmation")
    sp.add_argument("--failed", action="store_true", help="the item could not be done: fail the step")
    _key_arg(sp)
    sp.set_defaults(fn=cmd_confirm)


def _resolve(sp: Parser) -> None:
    sp.add_argument("run", help=RUN_HELP)
    sp.add_argument("step", help="step id (2.3) or step name, as golive status names it")
    sp.add_argument("--as", dest="as_", required=True, choices=["done", "failed", "retry"],
                    help="done or failed: how it ended; retry: it is safe to run again (--reason required)")
    sp.add_argument("--by", help=BY_HELP)
    sp.add_argument("--reason", help="what you checked (recorded; required with --as retry)")
    _key_arg(sp)
    sp.set_defaults(fn=cmd_resolve)


def _rollback(sp: Parser) -> None:
    sp.add_argument("run", help=RUN_HELP)
    sp.add_argument("--by", help=BY_HELP)
    sp.add_argument("--reason", required=True, help="why (recorded in the run log and the report)")
    sp.add_argument("--level", type=int, metavar="N",
                    help="run rollback level N (one with `when`, a person's choice); also during or after a rollback")
    _key_arg(sp)
    sp.set_defaults(fn=cmd_rollback)


def _proxy(proxy: Parser) -> None:
    from golive.traffic.proxy.command import add_serve_arguments

    prsub = proxy.add_subparsers(dest="proxy_command", metavar="SUBCOMMAND")
    sp = prsub.add_parser("serve", help="run the weighted proxy; golive steps reach it through --admin")
    add_serve_arguments(sp)
    sp.set_defaults(fn=cmd_proxy_serve)
    proxy.set_defaults(fn=_help_for(proxy))


def _web(sp: Parser) -> None:
    from golive.web.cli import add_arguments as add_web_arguments

    add_web_arguments(sp)
    sp.set_defaults(fn=cmd_web)


def _import(sp: Parser) -> None:
    sp.add_argument("file", help="the Markdown document")
    sp.add_argument("-o", "--output", help="plan file to write (default: FILE with .yaml; '-' for stdout)")
    sp.add_argument("--force", action="store_true", help="overwrite the output file")
    sp.add_argument("--overrides", metavar="FILE",
                    help="YAML of what the document cannot know about this host (service, environment, people,"
                         " `replace:` of URLs and commands), applied to the imported plan")
    sp.set_defaults(fn=cmd_import)


def _lint(sp: Parser) -> None:
    sp.add_argument("file", help="the plan (YAML); a plan that does not load is exit 2, as for plan validate")
    sp.add_argument("--format", choices=["text", "json", "sarif"], default="text",
                    help="text (default: file:line:col: severity rule: message), json, or sarif")
    sp.set_defaults(fn=cmd_lint)


def _schema(sp: Parser) -> None:
    sp.add_argument("-o", "--output", help="file to write (default: standard output)")
    sp.set_defaults(fn=cmd_schema)


#: Every command in the order `golive --help` lists them: name, help, and what adds its options.
COMMANDS: tuple[tuple[str, str, Callable[[Parser], None]], ...] = (
    ("run", "start a run of a plan", _run),
    ("resume", "continue a run (after a crash, an approval, a resolution)", _resume),
    ("plan", "inspect plans", _plan),
    ("status", "state of the active runs, or of one run", _status),
    ("log", "a run's events", _log),
    ("runs", "past runs", _runs),
    ("report", "a run's report: summary, timeline, steps, gates, compliance, sign-off", _report),
    ("notify", "notifications and escalation", _notify),
    ("escalate", "same as notify tick", _escalate),
    ("audit", "verify a run's log: hashes, runner checkpoints, signed decisions", _audit),
    ("keygen", "make the runner's signing key for checkpoints (Ed25519)", _keygen),
    ("approve", "approve the gate a run waits at", _gate_decision(cmd_approve)),
    ("reject", "reject the gate a run waits at (NO-GO)", _gate_decision(cmd_reject)),
    ("confirm", "confirm a manual step (or 'rollback' for a data-restoring level)", _confirm),
    ("resolve", "say how a step that was cut off ended, after checking by hand", _resolve),
    ("rollback", "ask a run to roll back now", _rollback),
    ("proxy", "the built-in traffic proxy (laptops, demos, tests)", _proxy),
    ("web", "the team console: log in, watch runs live, approve, reject, roll back", _web),
    ("import", "turn a Markdown deployment plan into a golive plan", _import),
    ("lint", "weak spots of a plan (exit 1 when errors are found)", _lint),
    ("schema", "the JSON Schema of plan files, for editors", _schema),
)
_NAMES = frozenset(name for name, _, _ in COMMANDS)


def named_command(argv: Sequence[str]) -> str | None:
    """The command argv names, read as argparse reads it: past `--store VALUE` (or an abbreviation such as `--sto`,
    or `--store=VALUE`); None for anything else first (an unknown word, `--help`, `--version`, `--`), where every
    command's parser is built."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            return arg if arg in _NAMES else None
        option, eq, _value = arg.partition("=")
        if len(option) < 3 or not "--store".startswith(option):
            return None
        i += 1 if eq else 2
    return None


def build_parser(argv: Sequence[str] | None = None) -> Parser:
    """The parser; given the arguments it will parse, with the options of only the command they name."""
    p = Parser(prog="golive", description=_package_doc(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"golive {__version__}")
    p.add_argument("--store", help="run log: an SQLite file (default $XDG_STATE_HOME/golive/golive.db, else"
                                  " ~/.local/state/golive/golive.db) or a postgresql:// URL shared by a team;"
                                  " default $GOLIVE_STORE")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    wanted = named_command(argv) if argv is not None else None
    for name, helptext, add in COMMANDS:
        if wanted is None or wanted == name:
            add(sub.add_parser(name, help=helptext))
    return p
