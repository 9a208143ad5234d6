"""Plan-supplied text reaches no terminal raw: `golive lint` printed a step name's escapes (a retitled window, a
cleared screen, a bidi override) as written, and so did the HTML report (`golive report --format html` prints to
the terminal unless given -o; in a browser a U+202E reorders what follows it)."""

from __future__ import annotations

import json
from pathlib import Path

from inproc import cli

ESC = r"\e]0;OWNED\a\e[2J\u202e\x85"
PLAN = f"""\
name: "plan {ESC}"
service: escsvc
environment: test
phases:
  - name: "phase {ESC}"
    steps:
      - name: "step {ESC}"
        shell: printf 'out \\033]0;OWN\\007\\033[2J\\n'
      - name: "change {ESC}"
        shell: touch changed
"""
RAW = ("\x1b", "\x07", "\u202e", "\x85")


def test_lint_and_the_html_report_show_escapes_without_obeying_them(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN)
    lint = cli("lint", "plan.yaml")
    assert "GL101" in lint.out and "\\x1b]0;OWNED" in lint.out, lint.out  # the finding quotes the step's name
    assert not [c for c in RAW if c in lint.out], lint.out
    assert cli("run", "plan.yaml", "--no-wait").code == 0
    rid = str(json.loads(cli("runs", "--json").out)[0]["run"])
    page = cli("report", rid, "--format", "html")
    assert page.code == 0 and "\\x1b]0;OWNED" in page.out and "\\u202e" in page.out
    assert not [c for c in RAW if c in page.out], [c for c in RAW if c in page.out]
