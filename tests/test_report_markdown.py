"""The Markdown report pastes cleanly into a ticket: checked with a CommonMark parser (plus pipe tables)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from conftest import REPO, golive

SECTIONS = ["Summary", "Phases and gates", "Steps and checks", "Rollback", "Success criteria", "Compliance",
            "Decisions", "Sign-off"]


def _parse(text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(text)


def _headings(tokens: list[Token], tag: str) -> list[str]:
    return [_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == tag]


def _text(inline: Token) -> str:
    """What a reader sees: the inline's text with escapes resolved (markup would show up as other tokens)."""
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def _tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts (inline content with escapes resolved)."""
    tables: list[list[list[str]]] = []
    row: list[str] = []
    for i, t in enumerate(tokens):
        if t.type == "table_open":
            tables.append([])
        elif t.type == "tr_open":
            row = []
        elif t.type in ("th_open", "td_open"):
            row.append(_text(tokens[i + 1]))
        elif t.type == "tr_close":
            tables[-1].append(row)
    return tables


def _run_id(out: str) -> str:
    m = re.search(r"run (\d{8}-\d{6}-[0-9a-f]{4})", out)
    assert m, out
    return m.group(1)


def test_demo_run_markdown_is_clean_commonmark(workdir: Path) -> None:
    shutil.copytree(REPO / "examples" / "hello", workdir / "hello")
    r = golive("run", "hello/plan.yaml", "--no-wait", cwd=workdir, env={"HELLO_API_TOKEN": "hello-secret-99"})
    assert r.code == 0, r.out + r.err
    run = _run_id(r.out)
    text = golive("report", run, "--format", "md", cwd=workdir).out
    assert text == (workdir / ".golive" / "reports" / f"{run}.md").read_text()
    assert "hello-secret-99" not in text
    tokens = _parse(text)
    assert _headings(tokens, "h1") == ["hello 1.1.0: Success"]
    assert _headings(tokens, "h2") == SECTIONS
    assert _headings(tokens, "h3") == ["Pre-deployment approval", "Post-deployment verification", "Deployment status"]
    tables = _tables(tokens)
    assert len(tables) == 10
    for table in tables:
        assert len({len(row) for row in table}) == 1, table  # no row lost or gained a cell
    summary = dict(row for row in tables[0][1:])
    assert summary["Outcome"] == "Success" and summary["Version"] == "1.0.0 -> 1.1.0"
    assert summary["Run"] == run and len(summary["Audit chain head"].split()[0]) == 64
    steps = tables[2]
    assert steps[0] == ["Id", "Step", "Outcome", "Took", "Exit", "Message"]
    assert [r[0] for r in steps[1:]] == ["1.1", "1.2", "2.1", "2.2", "2.3", "2.gate.1"]
    assert all(r[2] == "succeeded" for r in steps[1:])
    status = dict(row for row in tables[-1][1:])
    assert status["Status"] == "[x] Success [ ] Partial [ ] Rolled Back"
    # nothing turned into unintended markup: no emphasis, no raw HTML, no links
    kinds = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert not kinds & {"em_open", "html_inline", "link_open"}


HOSTILE = """
name: "Pipes | and *stars* <b>bold</b>"
service: svc
environment: prod
phases:
  - name: "Step | one"
    steps:
      - name: "echo a | b `tick` _under_ [link](http://x)"
        shell: echo "out | put"; exit 3
"""


def test_hostile_text_stays_in_its_cell(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(HOSTILE)
    r = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert r.code == 1, r.out + r.err
    text = golive("report", _run_id(r.out), "--format", "md", cwd=workdir).out
    tokens = _parse(text)
    assert _headings(tokens, "h1") == ["Pipes | and *stars* <b>bold</b>: Rolled Back"]
    for table in _tables(tokens):
        assert len({len(row) for row in table}) == 1, table
    steps = _tables(tokens)[2]
    assert steps[1][1] == "echo a | b `tick` _under_ [link](http://x)"
    assert steps[1][2] == "failed" and steps[1][4] == "3"
    kinds = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert "html_inline" not in kinds and "link_open" not in kinds and "em_open" not in kinds
    # the failed step's output is a fenced block
    assert any(t.type == "fence" and "out | put" in t.content for t in tokens)


def test_runs_lists_outcome_duration_and_who(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(HOSTILE)
    golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_USER": "mia"})
    rows = json.loads(golive("runs", "--json", cwd=workdir).out)
    assert rows[0]["result"] == "Rolled Back" and rows[0]["initiator"] == "mia"
    assert rows[0]["duration"] >= 0 and rows[0]["outcome"] == "rolled-back"
    table = golive("runs", cwd=workdir).out.splitlines()
    assert table[0].split()[:4] == ["RUN", "STARTED", "(UTC)", "SERVICE/ENV"]
    assert "Rolled Back" in table[1] and "mia" in table[1]


def test_the_html_report_escapes_as_the_standard_library_does() -> None:
    """golive.report.svg.esc stands in for html.escape(quote=True) (whose module loads the entity table at each
    run's end): the same text for markup, quotes, ampersands, entities already escaped, and non-ASCII."""
    import html

    from golive.report.svg import esc

    for text in ("<script>alert('x')</script>", 'a "b" & c', "&amp; &lt;", "é ∑ 🚀 \\x00", "", 42, None,
                 "''\"\"<<>>&&"):
        assert esc(text) == html.escape(str(text), quote=True), text
