"""A result the document waits for is no one-shot check: "Expected: `0`. Repeat every 30 s until it prints 0; if it
is not 0 after 10 minutes, call Tomasz." A step checking the output once failed while the workers were still busy
(and the run rolled back); the command runs as written and the waiting is a person's step right after it."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown

DOC = """# Drain
## Phase 1: Drain (15 min)
```bash
celery -A payments inspect active --json | python -c 'import json,sys; print(len(json.load(sys.stdin)))'
```

{after}

## Phase 2: Stop (5 min)
```bash
sudo systemctl stop 'payments-celery@*.service'
```
"""


@pytest.mark.parametrize("after", [
    "Expected: `0`. Repeat every 30 s until it prints 0; if it is not 0 after 10 minutes, call Tomasz.",
    "It should print `0`; poll every minute until it does.",
])
def test_a_result_to_wait_for_is_a_persons_wait_not_a_one_shot_check(after: str) -> None:
    plan = YAML(typ="safe").load(import_markdown(DOC.format(after=after), "doc.md").yaml_text)
    steps = plan["phases"][0]["steps"]
    shell = steps[0]["shell"]
    assert "expect_output" not in (shell if isinstance(shell, dict) else {}), steps[0]
    assert "until" in steps[1]["manual"]["instruction"], steps


def test_a_result_stated_once_is_still_the_check() -> None:
    plan = YAML(typ="safe").load(import_markdown(DOC.format(after="Expected: `0`."), "doc.md").yaml_text)
    assert plan["phases"][0]["steps"][0]["shell"]["expect_output"]
