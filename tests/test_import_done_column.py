"""A checklist kept as a database table (a Notion export: `| Task | Owner | Done |` with Yes/No) ticks its rows in
the Done column. Ticked rows are done when the document was written, as `- [x]` items are: the run must not wait
for someone to confirm them again; the open rows stay open."""

from __future__ import annotations

from ruamel.yaml import YAML

from golive.plan.importer import import_markdown

DOC = """# Session store

## Pre-checks

| Task | Owner | Done | Due |
| --- | --- | --- | --- |
| Freeze session-schema changes | Ana Costa | Yes | December 14, 2026 |
| Provision redis7 cluster | Chloé Martin | ✅ | December 10, 2026 |
| Tell support about forced logouts | Ben Adler | No | December 15, 2026 |

```bash
redis-cli -h redis6 PING
```
"""


def test_rows_ticked_in_a_done_column_are_done_and_the_others_open() -> None:
    plan = YAML(typ="safe").load(import_markdown(DOC, "doc.md").yaml_text)
    manual = {s["manual"]["instruction"].split(":")[0]: s["manual"] for s in plan["phases"][0]["steps"]
              if "manual" in s}
    done = {k: bool(v.get("done")) for k, v in manual.items()}
    assert done == {"Freeze session-schema changes": True, "Provision redis7 cluster": True,
                    "Tell support about forced logouts": False}, manual
    assert manual["Freeze session-schema changes"]["ticked_at"] == "doc.md:7"
