"""A runbook that moves traffic with its own commands on a router golive can drive, named exactly by those commands
(HAProxy's runtime API through socat, nginx weights by `sed -i` in an upstream file and the runbook's own reload),
gets a canary on THAT router: no placeholder to fill in, and the commands leave the phase (the canary's stages are
them; run as well, a weight would be set twice). Its "weights back" command in a rollback level is that router's
`switch` to the old pool. Commands that name no server exactly, or do more than move weights, get no canary: they
are the ramp, each later stage a person's step with its hold as a `wait` and a person's check of the limits."""

from __future__ import annotations

from typing import Any

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

SUB_OLD = r"s/(server 10\.4\.0\.31:8000) weight=[0-9]+;/\1 weight=90;/"
SUB_NEW = r"s/(server 10\.4\.0\.32:8000) weight=[0-9]+;/\1 weight=10;/"
NGINX_MOVE = f"""```bash
sudo sed -i -E '{SUB_OLD}; {SUB_NEW}' \\
  /etc/nginx/conf.d/billing-upstream.conf
sudo nginx -t && sudo systemctl reload nginx
```
"""
NGINX_BACK = NGINX_MOVE.replace("weight=90;", "weight=100;").replace("weight=10;", "weight=0;")
HAPROXY_MOVE = """```bash
echo "set weight billing/green 10" | sudo socat stdio /run/haproxy/admin.sock
echo "set weight billing/blue 90" | sudo socat stdio /run/haproxy/admin.sock
```
"""
HAPROXY_BACK = HAPROXY_MOVE.replace("green 10", "green 0").replace("blue 90", "blue 100")

DOC = """# Billing 4.0

## Phase 1: Deploy

```bash
docker compose -f billing-v4.yml up -d --wait
```

## Phase 2: Shift traffic

Traffic moves 10% → 50% → 100%, 15 minutes at each step. Roll back if 5xx goes above 1%.

{move}
## Rollback

### Level 1: traffic back

{back}"""


def _plan(move: str, back: str) -> tuple[dict[str, Any], str]:
    result = import_markdown(DOC.format(move=move, back=back), "doc.md")
    parse_plan_text(result.yaml_text, "doc.yaml")  # validates as `golive run` would
    return YAML(typ="safe").load(result.yaml_text), "\n".join(result.summary)


def _kinds(steps: list[dict[str, Any]]) -> list[str]:
    return [next(k for k in s if k != "name") for s in steps]


def test_nginx_sed_of_named_servers_is_a_canary_on_that_file_in_place() -> None:
    plan, summary = _plan(NGINX_MOVE, NGINX_BACK)
    steps = plan["phases"][1]["steps"]
    assert _kinds(steps) == ["canary"]  # the sed and the reload are its first stage, not run a second time
    canary = steps[0]["canary"]
    assert canary["router"] == {
        "type": "nginx", "in_place": True, "upstream_file": "/etc/nginx/conf.d/billing-upstream.conf",
        "test_command": "sudo nginx -t", "reload_command": "sudo systemctl reload nginx",
        "pools": {"stable": ["10.4.0.31:8000"], "canary": ["10.4.0.32:8000"]}}
    assert (canary["stable"], canary["canary"]) == ("stable", "canary")
    assert [st["weight"] for st in canary["stages"]] == [10, 50, 100]
    assert "vars" not in plan or not set(plan["vars"]) & {"ROUTER_ADMIN", "STABLE_POOL", "CANARY_POOL"}
    assert "placeholders" not in summary and "access_log" in summary  # the one thing nginx needs to judge
    level = plan["rollback"]["levels"][0]
    assert level["steps"] == [{"name": "All traffic back to stable",
                               "switch": {"router": canary["router"], "to": "stable"}}]
    assert level["covers"] == ["Phase 2: Shift traffic"]


def test_haproxy_runtime_api_is_a_canary_on_that_socket_and_backend() -> None:
    plan, _summary = _plan(HAPROXY_MOVE, HAPROXY_BACK)
    steps = plan["phases"][1]["steps"]
    assert _kinds(steps) == ["canary"]
    canary = steps[0]["canary"]
    assert canary["router"] == {"type": "haproxy", "socket": "/run/haproxy/admin.sock", "backend": "billing",
                                "pools": {"blue": ["blue"], "green": ["green"]}}
    assert (canary["stable"], canary["canary"]) == ("blue", "green")
    assert canary["analysis"]["max_error_rate"] == "1%"
    assert _kinds(plan["rollback"]["levels"][0]["steps"]) == ["switch"]
    assert plan["rollback"]["levels"][0]["steps"][0]["switch"]["to"] == "blue"


@pytest.mark.parametrize("move", [
    # no server named: which line's weight changes is the file's business, never guessed
    "```bash\nsudo sed -i 's/weight=.*/weight=10;/' /etc/nginx/conf.d/app.conf && sudo nginx -s reload\n```\n",
    # 50/50: which server is the new one?
    HAPROXY_MOVE.replace("green 10", "green 50").replace("blue 90", "blue 50").replace(
        "10% → 50%", "50% → 75%"),
    # a router golive has no driver for, the later stages only in a comment ("then 50, 100")
    "```bash\nWEIGHT=10   # then 50, 100\nkubectl annotate ingress billing-canary --overwrite \\\n"
    "  nginx.ingress.kubernetes.io/canary-weight=\"$WEIGHT\"\n```\n",
    # the block does more than move weights
    HAPROXY_MOVE.replace("```bash\n", "```bash\nsystemctl restart billing-worker\n"),
])
def test_commands_golive_cannot_take_over_are_the_ramp_with_no_canary(move: str) -> None:
    plan, summary = _plan(move, "Put the weights back by hand.\n")
    steps = plan["phases"][1]["steps"]
    kinds = _kinds(steps)
    assert "canary" not in kinds and kinds[0] == "shell", kinds
    assert kinds.count("wait") == 2 and kinds[1:3] == ["wait", "manual"], kinds
    check = steps[2]["manual"]["instruction"]
    assert "roll back when exceeded: error_rate > 1%" in check
    assert "ROUTER_ADMIN" not in str(plan.get("vars")) and "placeholders" not in summary


def test_a_script_that_walks_every_stage_itself_is_the_whole_ramp() -> None:
    loop = """```bash
for w in 10 50 100; do
  echo "set weight billing/green $w" | sudo socat stdio /run/haproxy/admin.sock
  sleep 900
done
```
"""
    plan, _summary = _plan(loop, HAPROXY_BACK)
    assert _kinds(plan["phases"][1]["steps"]) == ["shell"]
    assert _kinds(plan["rollback"]["levels"][0]["steps"]) == ["shell"]  # no canary's router to switch back on
    assert "Trigger (the limits of the traffic ramp): error_rate > 1%" in plan["rollback"]["levels"][0][
        "description"]
