"""`golive import` prints what became what, quoting the document's headings and lines: a bidi override or a
line separator in a runbook (pasted from a chat, or planted) reaches the terminal as a visible escape, never
reordering the words of the summary around it. Through the real command, both to a file and to stdout."""

from __future__ import annotations

from pathlib import Path

from conftest import golive

DOC = ("# Deploy app \u202e2.1 ot 1.1\u202c now\n\n## Phase one \u2066x\u2069\n\n```bash\necho hi\n```\n\n"
       "## Go/No-Go\nDecides: bob\u2028FORGED LINE\n")
CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, 0x1B, 0x0D)}


def test_the_import_summary_shows_bidi_controls_as_escapes(workdir: Path) -> None:
    (workdir / "runbook.md").write_text(DOC, encoding="utf-8")
    to_file = golive("import", "runbook.md", "-o", "plan.yaml", cwd=workdir)
    assert to_file.code == 0, to_file.out + to_file.err
    to_stdout = golive("import", "runbook.md", "-o", "-", cwd=workdir)
    assert to_stdout.code == 0, to_stdout.err
    for shown in (to_file.out, to_stdout.err):
        assert not CONTROLS & set(shown), sorted(f"U+{ord(c):04X}" for c in CONTROLS & set(shown))
        assert "\\u202e2.1 ot 1.1\\u202c" in shown, shown
