"""Commands on plan files: plan show/validate, import, lint, schema."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from golive.cli.common import read_plan
from golive.errors import UsageError
from golive.masking import safe


def cmd_plan_show(args: argparse.Namespace) -> int:
    from golive.report.planview import render_plan

    plan, _ = read_plan(args.file)
    if args.json:
        from golive.engine.rollback import preview

        print(json.dumps({"plan": plan.model_dump(mode="json", by_alias=True, exclude_none=True),
                          "rollback_plan": [p.raw() for p in preview(plan)]}, indent=2))
    else:
        sys.stdout.write(render_plan(plan, datetime.now(UTC)))
    return 0


def cmd_plan_validate(args: argparse.Namespace) -> int:
    for f in args.files:
        read_plan(f)
        print(f"{f}: ok")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from golive.plan.importer import import_file, render_summary

    result = import_file(args.file, args.overrides)
    if args.output == "-":
        sys.stdout.write(result.yaml_text)
        sys.stderr.write(safe(render_summary(result, "standard output"), multiline=True))
        return 0
    out = Path(args.output) if args.output else Path(args.file).with_suffix(".yaml")
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; pass --force to overwrite it")
    try:
        out.write_text(result.yaml_text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    # the summary quotes the document's headings and lines: a bidi control there must not reorder the screen
    sys.stdout.write(safe(render_summary(result, str(out)), multiline=True))
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from golive.plan.lint import lint_file, render

    findings = lint_file(args.file)
    sys.stdout.write(render(findings, args.format))
    return 1 if any(f.severity == "error" for f in findings) else 0


def cmd_schema(args: argparse.Namespace) -> int:
    from golive.plan.schema import plan_schema

    text = json.dumps(plan_schema(), indent=2) + "\n"
    if args.output and args.output != "-":
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
