"""The bash parse never kills golive on a character past U+00FF.

tree-sitter-bash's scanner passes the character ahead to the C library's narrow ctype functions, which index a
small table: a character far past it (`{` then a plane-15 character, as the Markdown fuzz test produced) is
read from unmapped memory and the process dies with SIGSEGV, at random with the address layout. golive.plan.
md_shell.parse gives the parser a same-length ASCII copy and the tree the document's own bytes back."""

from __future__ import annotations

import subprocess
import sys

from golive.plan.importer import import_markdown
from golive.plan.md_shell import parse, simple_commands

#: Blocks that crashed the parser (found by tests/test_import_markdown.py's random documents).
CRASHERS = ["\nhttps://h.test\n}\u0192\n{\U000ff311\n",
            "\u00e7\U000b48a3\n4p\u00a5s\n{\U000fbde4\u00f6=\u00dc\u00a2M\u00e9H'\u00ac\nSELECT 1;\nR\U000e7886}q@\n"]
_LOOP = """import sys
from golive.plan.md_shell import parse
for _ in range(3000):
    for text in sys.argv[1:]:
        parse(text)
print("ok")
"""


def test_characters_past_latin_1_never_crash_the_parse() -> None:
    # each process has its own address layout: without the copy, most of these die (3 to 5 of 6 here)
    for _ in range(4):
        res = subprocess.run([sys.executable, "-c", _LOOP, *CRASHERS], capture_output=True, text=True, timeout=120)
        assert (res.returncode, res.stdout.strip()) == (0, "ok"), (res.returncode, res.stderr[-3000:])


def test_node_text_is_what_the_document_wrote() -> None:
    root = parse('echo "{\U000ff311 \U0001f680 done" \u2705; ls {\U000ff311}')
    assert simple_commands(root) == [["echo", '"{\U000ff311 \U0001f680 done"', "\u2705"], ["ls", "{\U000ff311}"]]
    assert root.text.decode("utf-8") == 'echo "{\U000ff311 \U0001f680 done" \u2705; ls {\U000ff311}'


def test_an_imported_block_keeps_its_characters() -> None:
    doc = ("# Deploy\n\n## Phase 1: Ship\n\n```bash\n# announce\necho \"{\U000ff311} \U0001f680 shipped\"\n"
           "./deploy.sh\n```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    assert "\U0001f680 shipped" in text and "\U000ff311" in text and "./deploy.sh" in text
