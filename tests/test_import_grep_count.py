"""A block that ends by counting with `grep -c` (issue 14): grep exits 1 when it counts 0, so as written the step
failed exactly when nothing matched ("the last command must print 0"), and a good change was rolled back. The
count is what is read: statuses 0 and 1 are the block's success, 2 (grep's own error) still fails it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.importforms import doc_steps

from golive.engine.executor import EngineOptions
from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.md_exit import success_statuses
from golive.run.runner import DriveOptions, drive_run, load_state
from golive.run.start import StartRequest, start_run
from golive.store.memory import MemoryStore
from golive.testing import FakeClock

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


def _run(doc: str, tmp_path: Path) -> str:
    """The status the imported plan ends in, run for real in `tmp_path`."""
    text = import_markdown(doc, "doc.md").yaml_text
    plan = parse_plan_text(text, "plan.yaml")
    store = MemoryStore()
    clock = FakeClock()
    rid = start_run(StartRequest(plan=plan, plan_path=tmp_path / "plan.yaml", plan_text=text, initiator="alice",
                                 environ={}), store, clock)
    drive_run(store, rid, clock, DriveOptions(environ={}, options=EngineOptions(workdir=tmp_path)))
    step = load_state(store, rid).step("1.1")
    return step.status


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    script = tmp_path / "schema.sh"
    script.write_text("#!/bin/sh\necho 'Table altered.'\n")
    script.chmod(0o755)
    return tmp_path


def test_a_count_of_nothing_is_the_blocks_success(schema: Path) -> None:
    doc = DOC.format(dir=schema, after="")
    (step,) = _shell_steps(doc)
    assert step["shell"]["expect_exit"] == [0, 1]
    assert "grep -c" in " ".join(import_markdown(doc, "doc.md").summary)
    assert _run(doc, schema) == "succeeded"


def test_a_stated_zero_still_fails_the_step_when_something_matched(schema: Path) -> None:
    (schema / "schema.sh").write_text("#!/bin/sh\necho 'ORA-00942: table or view does not exist'\n")
    doc = DOC.format(dir=schema, after="It must print `0`.\n")
    (step,) = _shell_steps(doc)
    assert step["shell"]["expect_exit"] == [0, 1] and step["shell"].get("expect_output")
    assert _run(doc, schema) == "failed"


def test_grep_s_own_error_still_fails(tmp_path: Path) -> None:
    doc = DOC.format(dir=tmp_path, after="")  # no schema.sh: the log holds bash's error, grep reads it
    (tmp_path / "schema.log").mkdir()  # a directory: grep cannot read it, exits 2
    (step,) = _shell_steps(doc.replace("./schema.sh > schema.log 2>&1\n", ""))
    assert step["shell"]["expect_exit"] == [0, 1]
    assert _run(doc.replace("./schema.sh > schema.log 2>&1\n", ""), tmp_path) == "failed"


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
