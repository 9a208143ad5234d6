"""A block that ends by counting with `grep -c` (issue 14): grep exits 1 when it counts 0, so where the document
says the count must be 0 ("the last command must print 0") the step failed exactly when nothing matched, and a good
change was rolled back. There statuses 0 and 1 are the block's success; where the document says nothing, or wants a
match, grep's status still decides; 2 (grep's own error) always fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.plan.importer import import_markdown
from golive.plan.md_exit import success_statuses
from importforms import doc_steps, run_imported

DOC = """# Schema change

## Phase 1: Database

```bash
cd {dir}
./schema.sh > schema.log 2>&1
grep -c ORA- schema.log
```
{after}
"""


def _shell_steps(doc: str) -> list[dict[str, Any]]:
    return [s for s in doc_steps(doc) if "shell" in s]


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    script = tmp_path / "schema.sh"
    script.write_text("#!/bin/sh\necho 'Table altered.'\n")
    script.chmod(0o755)
    return tmp_path


def test_a_count_the_document_wants_to_be_zero_passes_at_zero(schema: Path) -> None:
    doc = DOC.format(dir=schema, after="It must print `0`.\n")
    (step,) = _shell_steps(doc)
    assert step["shell"]["expect_exit"] == [0, 1] and step["shell"].get("expect_output")
    assert "grep -c" in " ".join(import_markdown(doc, "doc.md").summary)
    assert run_imported(doc, schema) == "succeeded"


def test_a_stated_zero_still_fails_the_step_when_something_matched(schema: Path) -> None:
    (schema / "schema.sh").write_text("#!/bin/sh\necho 'ORA-00942: table or view does not exist'\n")
    doc = DOC.format(dir=schema, after="It must print `0`.\n")
    (step,) = _shell_steps(doc)
    assert step["shell"]["expect_exit"] == [0, 1]
    assert run_imported(doc, schema) == "failed"


def test_a_persons_check_of_zero_right_after_counts_too(schema: Path) -> None:
    doc = (f"# Schema change\n\n## Phase 1: Database\n\n1. Run the schema script:\n\n   ```bash\n   cd {schema}\n"
           "   ./schema.sh > schema.log 2>&1\n   grep -c ORA- schema.log\n   ```\n\n"
           "2. The last command must print 0. Any ORA- error: stop, go to the backout.\n")
    shell = _shell_steps(doc)
    assert shell and shell[0]["shell"]["expect_exit"] == [0, 1]


@pytest.mark.parametrize("after", ["", "Stop here if the line is missing: the migration did not finish.\n",
                                   "It must print `1`.\n"])
def test_without_a_zero_said_grep_s_status_decides(schema: Path, after: str) -> None:
    """A count of 0 where the document wants a match (or says nothing) must not pass silently."""
    doc = DOC.format(dir=schema, after=after)
    (step,) = _shell_steps(doc)
    assert not isinstance(step["shell"], dict) or "expect_exit" not in step["shell"]
    assert run_imported(doc, schema) == "failed"


def test_grep_s_own_error_still_fails(tmp_path: Path) -> None:
    doc = DOC.format(dir=tmp_path, after="It must print `0`.\n").replace("./schema.sh > schema.log 2>&1\n", "")
    (tmp_path / "schema.log").mkdir()  # a directory: grep cannot read it, exits 2
    (step,) = _shell_steps(doc)
    assert step["shell"]["expect_exit"] == [0, 1]
    assert run_imported(doc, tmp_path) == "failed"


@pytest.mark.parametrize("command, statuses", [
    ("grep -c ORA- /tmp/x.log", [0, 1]),
    ("grep -ic error app.log", [0, 1]),
    ("grep --count x f", [0, 1]),
    ("grep x -c f", [0, 1]),  # GNU grep reads options after the pattern
    ("grep -m 1 -c x f", [0, 1]),
    ("sudo grep -c x f", [0, 1]),
    ("grep -e -c f", None),  # "-c" is the pattern
    ("grep -- -c f", None),
    ("grep ERROR app.log", None),  # found or not: the document decides, not golive
    ("grep -c x f | wc -l", None),  # a pipeline's status is wc's
    ("grep -c x f\necho done", None),  # not the last statement
    ("grep -c x f > count.txt", None),
    ("if true; then grep -c x f; fi", None),
])
def test_which_blocks_end_by_counting(command: str, statuses: list[int] | None) -> None:
    assert success_statuses(command) == statuses
