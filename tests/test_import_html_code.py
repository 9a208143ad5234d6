"""An HTML `<pre><code>` block (a page moved from an old wiki into Notion or Confluence) is a code block: its text,
entities decoded (`&amp;&amp;` is `&&`, `&lt;` is `<`), is classified like an untagged fence. Read as a paragraph, the
lag check the Go/No-Go waits for went into the phase description and never ran."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.md_html import read_html

DOC = """# Session store

## Replicate

```bash
sudo systemctl start redis-shake-sessions.service
```

Wait until the lag is under 500 ms:

<pre><code>redis-shake-ctl status sessions | jq -r '.lag_ms' | awk '{ exit !($1 &lt; 500) }' &amp;&amp; echo "lag ok"
</code></pre>
"""


def test_a_pre_code_block_is_a_command_with_its_entities_decoded() -> None:
    plan = parse_plan_text(import_markdown(DOC, "doc.md").yaml_text, "doc.yaml")
    runs = [getattr(getattr(s, "shell", None), "command", "") for p in plan.phases for s in p.steps]
    assert any(r.strip() == "redis-shake-ctl status sessions | jq -r '.lag_ms' | awk '{ exit !($1 < 500) }' "
               '&& echo "lag ok"' for r in runs), runs
    assert not any("&amp;" in r or "&lt;" in r or "<code>" in r for r in runs)


def test_a_pre_block_keeps_its_lines_and_inline_code_keeps_its_backticks() -> None:
    [pre] = read_html("<pre>cd /srv/app\n./deploy.sh &gt; deploy.log</pre>")
    assert pre.code and pre.text == "cd /srv/app\n./deploy.sh > deploy.log"
    [para] = read_html("<p>Run <code>./deploy.sh</code> now</p>")
    assert not para.code and para.raw == "Run `./deploy.sh` now"
