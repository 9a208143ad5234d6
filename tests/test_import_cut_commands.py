"""Commands are never cut or dropped: a curl with several `-d` fields stays the document's command (an http step
kept only the last field, so the status update was lost), and a MongoDB shell script (`rs.stepDown(120)`) is a
person's step in mongosh, never dropped (the plan stopped the primary without stepping it down first)."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.md_commands import curl_to_http


def test_a_curl_with_several_data_fields_is_no_http_step() -> None:
    cmd = ('curl -fsS -X PATCH "https://api.example.com/incidents/1" -d "incident[status]=in_progress" '
           '-d "incident[body]=Started."')
    assert curl_to_http(cmd) is None
    assert curl_to_http('curl -fsS -X PATCH "https://api.example.com/incidents/1" -d "a=1"') is not None
    doc = f"# S\n## Phase 1: Start (5 min)\n```bash\n{cmd}\n```\n"
    text = import_markdown(doc, "doc.md").yaml_text
    assert "incident[status]=in_progress" in text and "incident[body]=Started." in text, text


def test_a_mongo_shell_block_is_a_persons_step_in_order() -> None:
    doc = ("# M\n## Phase 1: Primary (10 min)\n\nStep the primary down in mongosh:\n\n```javascript\n"
           "rs.stepDown(120)\n```\n\nThen upgrade it:\n\n```bash\nssh mongo-1 sudo systemctl stop mongod\n```\n")
    plan = parse_plan_text(import_markdown(doc, "doc.md").yaml_text, "doc.yaml")
    steps = plan.phases[0].steps
    assert len(steps) == 2, steps
    assert steps[0].kind == "manual" and "rs.stepDown(120)" in str(steps[0].model_dump()), steps[0]
    assert steps[1].kind == "shell"


def test_other_javascript_stays_text() -> None:
    doc = ("# M\n## Phase 1: Deploy (10 min)\n```bash\n./deploy.sh\n```\n\nThe handler looks like this\n\n"
           "```javascript\nexport default async function handler(req) { return 1 }\n```\n")
    text = import_markdown(doc, "doc.md").yaml_text
    assert "handler(req)" not in text
