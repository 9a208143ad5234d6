"""Blocks copied from a code viewer carry its line numbers (` 1  export ES=...`, `10  JSON`, `3 | SELECT`): bash
would run `1` as a command, and inside a heredoc or a single-quoted JSON body the numbers would be sent as data.
Consistent numbers are removed (the summary says so); numbers that are not consistent send the block to a person.
An `export` list among them still becomes plan vars that every later step sees, also next to an export whose
value the shell works out (which stays in its step and is carried)."""

from __future__ import annotations

import re
from typing import Any

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

ENV = """# Reindex

## 1. Prepare

Source it in every shell:

```bash
 1  export ES=https://es.internal:9200
 2  export ES_AUTH="elastic:${ES_PASSWORD:?set ES_PASSWORD first}"
 3  export SRC=products_v8
 4  export DST=products_v9
```

```bash
 1  TASK=$(curl -fsS -u "$ES_AUTH" -X POST "$ES/_reindex" \\
 2    -H 'Content-Type: application/json' -d @- <<JSON | jq -r .task
 3  {
 4    "source": { "index": "$SRC" },
 5    "dest":   { "index": "$DST" }
 6  }
 7  JSON
 8  )
 9  echo "task: $TASK"
10  curl -fsS -u "$ES_AUTH" "$ES/_aliases" -d '
11  { "actions": [] }'
```
"""

PIPES = """# Cleanup

## 1. Database

```sql
1 | DELETE FROM sessions
2 |  WHERE expires_at < now();
```

## 2. App

```sh
 9	systemctl restart app
10	systemctl status app
11	curl -fsS http://localhost/health
```
"""

MIXED = """# Deploy

## 1. Deploy

```bash
1  systemctl stop app
3  cp build/app /opt/app
2  systemctl start app
```
"""

CRON = """# Cron

## 1. Schedule

```bash
0 3 * * * /usr/local/bin/backup
1 4 * * * /usr/local/bin/rotate
2 5 * * * /usr/local/bin/report
```
"""


def _steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for p in data["phases"] for s in p["steps"]]


def _text(step: dict[str, Any]) -> str:
    body = step.get("shell") or step.get("sql") or step.get("manual") or {}
    return str(body if isinstance(body, str) else body.get("command") or body.get("query")
               or body.get("instruction"))


def test_consistent_viewer_numbers_are_removed_even_inside_a_heredoc_and_a_quoted_body() -> None:
    res = import_markdown(ENV, "env.md")
    parse_plan_text(res.yaml_text, "x")
    texts = [_text(s) for s in _steps(res.data)]
    assert not any(re.search(r"(?m)^\s*\d+\s{2}", t) for t in texts), texts
    script = next(t for t in texts if "_reindex" in t)
    assert '\n{\n  "source": { "index": "$SRC" },' in script and "\nJSON\n)" in script
    assert "-d '\n{ \"actions\": [] }'" in script
    assert any("code viewer's line numbers" in s for s in res.summary)


def test_an_export_list_becomes_plan_vars_beside_a_computed_export() -> None:
    res = import_markdown(ENV, "env.md")
    assert {"ES", "SRC", "DST"} <= set(res.data["vars"])
    assert res.data["vars"]["DST"]["value"] == "products_v9"
    # the export the shell works out stays in a step, and the later step still has it
    later = next(_text(s) for s in _steps(res.data) if "_reindex" in _text(s))
    assert 'export ES_AUTH="elastic:${ES_PASSWORD:?set ES_PASSWORD first}"' in later


def test_gutter_and_tab_numbers_starting_past_one_are_removed() -> None:
    res = import_markdown(PIPES, "pipes.md")
    steps = _steps(res.data)
    assert steps[0]["sql"]["query"].strip().startswith("DELETE FROM sessions\n WHERE expires_at")
    shell = " ".join(_text(s) for s in steps[1:])
    assert "systemctl restart app" in shell and not re.search(r"(?m)^\s*1[01]\s", shell)


def test_inconsistent_numbers_send_the_block_to_a_person() -> None:
    res = import_markdown(MIXED, "mixed.md")
    steps = _steps(res.data)
    assert [next(iter(s.keys() & {"shell", "manual", "sql"})) for s in steps] == ["manual"]
    assert "3  cp build/app /opt/app" in _text(steps[0])
    assert any("not a viewer's consistent" in s for s in res.summary)


def test_crontab_lines_keep_their_minutes() -> None:
    res = import_markdown(CRON, "cron.md")
    text = " ".join(_text(s) for s in _steps(res.data))
    assert "0 3 * * * /usr/local/bin/backup" in text
