"""`golive lint`: every rule fires on the weakness it names, stays quiet on the fixed plan, and points at the line.

Plans are small YAML texts linted in-process; the CLI tests call `golive.cli.main` (same code as the command).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive.cli import main
from golive.plan.lint import RULES, Finding, lint_plan
from golive.plan.loader import parse_plan_text

HEAD = "name: demo\nservice: svc\nenvironment: prod\n"
#: A change record that satisfies every PCI-DSS element lint can check, so GL115 stays out of other tests.
CHANGE = ("separation_of_duties: true\napprovers: {cab: [carla]}\n"
          "change: {reason: r, description: d, security_impact: none, testing: [https://ci.invalid/1]}\n"
          "window: {start: '02:00', end: '06:00', timezone: UTC}\n")


#: carla's key (any valid Ed25519 public key does for lint), so GL121/GL122 stay out of the other tests.
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOYEUahwB6vP1M/P9Ib+7or9g6bUU6qvwZUOzGPq5IAq"


@pytest.fixture(autouse=True)
def _signers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "allowed_signers").write_text(f"carla {KEY}\n")
    monkeypatch.setenv("GOLIVE_SIGNERS", str(tmp_path / "allowed_signers"))
    monkeypatch.setenv("GOLIVE_TEAM_CONFIG", str(tmp_path / "no-team.yaml"))


def lint(body: str, head: str = HEAD + CHANGE) -> list[Finding]:
    text = head + body
    return lint_plan(parse_plan_text(text, "p.yaml"), text, "p.yaml")


def rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def at(findings: list[Finding], rule: str) -> list[tuple[int, int]]:
    return [(f.line, f.col) for f in findings if f.rule == rule]


def phase(steps: str, name: str = "Deploy", gate: str = "    gate: {description: ok, approvals: {role: cab}}\n") -> str:
    return f"  - name: {name}\n    steps:\n{steps}{gate}"


def test_clean_plan_has_no_findings() -> None:
    body = "phases:\n" + phase("      - shell: systemctl restart app\n        undo: systemctl restart app-old\n"
                               "      - check: {type: http, url: 'http://127.0.0.1:1/health'}\n")
    assert lint(body) == []


# -- one test per rule: fires, points at the place, and stops when fixed --------------------------

def test_gl101_state_change_without_undo_or_covering_level() -> None:
    body = "phases:\n" + phase("      - shell: ls -l /srv\n      - shell: systemctl restart app\n")
    found = lint(body)
    assert at(found, "GL101") == [(12, 9)]  # the restart, not the read-only ls
    assert "GL101" not in rules(lint(body.replace("restart app\n", "restart app\n        undo: systemctl stop app\n")))
    covered = body + "rollback:\n  levels:\n    - {level: 1, name: App, covers: [Deploy], steps: [./back.sh]}\n"
    assert "GL101" not in rules(lint(covered))


def test_gl101_sql_that_changes_state_in_any_statement() -> None:
    """A query of several statements is one transaction: it changes state when any statement does, and a
    leading comment does not make a DELETE a read."""
    def sql(query: str) -> str:
        return "phases:\n" + phase(f"      - sql: {{database: 'postgresql:///x', query: \"{query}\"}}\n")

    assert "GL101" not in rules(lint(sql("SELECT 1; SELECT count(*) FROM a;")))
    assert "GL101" in rules(lint(sql("SELECT id FROM a FOR UPDATE; UPDATE a SET b = 1;")))
    assert "GL101" in rules(lint(sql("-- tidy\\nDELETE FROM sessions;")))


def test_gl102_migration_without_backup_before_it() -> None:
    body = "phases:\n" + phase("      - name: migrate\n        shell: flask db upgrade\n")
    assert at(lint(body), "GL102") == [(11, 9)]
    backed = "phases:\n" + phase("      - shell: pg_dump app > /backup/app.sql\n", name="Backup") + phase(
        "      - shell: flask db upgrade\n")
    assert "GL102" not in rules(lint(backed))
    # a manual checklist item that asks to run migrations counts as well
    manual = "phases:\n" + phase("      - manual: Run all EF Core migrations\n")
    assert "GL102" in rules(lint(manual))


def test_gl103_rollback_window_shorter_than_timeboxes() -> None:
    head = HEAD + CHANGE.replace("window: {start: '02:00', end: '06:00', timezone: UTC}",
                                 "window: {start: '02:00', end: '06:00', timezone: UTC, rollback_until: '02:30'}")
    body = "phases:\n" + phase("      - echo hi\n").replace("    steps:", "    timebox: 45m\n    steps:")
    found = lint(body, head)
    assert "GL103" in rules(found)
    assert next(f for f in found if f.rule == "GL103").message.startswith("rollback is possible for 30m00s")
    assert "GL103" not in rules(lint(body.replace("45m", "20m"), head))


def test_gl104_phase_without_go_no_go() -> None:
    body = "phases:\n" + phase("      - echo hi\n", gate="")
    assert at(lint(body), "GL104") == [(9, 5)]
    assert "GL104" not in rules(lint("phases:\n" + phase("      - echo hi\n", gate="    gate: {description: ok}\n")))


def test_gl105_approvals_without_role() -> None:
    body = "phases:\n" + phase("      - echo hi\n", gate="    gate: {approvals: {count: 2}}\n")
    assert at(lint(body), "GL105") == [(12, 12)]
    assert "GL105" not in rules(lint(body.replace("{count: 2}", "{count: 1, role: cab}")))


@pytest.mark.parametrize(("command", "fires"), [
    ('env | grep -E "(SECRET_KEY|DATABASE_URL)"', True),   # seed 000, line 101
    ("printenv DB_PASSWORD", True),
    ("env", True),                                           # the whole environment
    ('echo "token is $API_TOKEN"', True),
    ('echo "$API_TOKEN" | tee /tmp/t', True),               # tee prints it as well
    ('echo "$API_TOKEN" | docker login --password-stdin -u me', False),
    ('echo "token=$API_TOKEN" > /etc/app/config', False),
    ('echo "$API_TOKEN" > /dev/stderr', True),
    ("env | grep -c SECRET_KEY > /tmp/count", False),
    ('echo "version $APP_VERSION"', False),
])
def test_gl106_secret_printed(command: str, fires: bool) -> None:
    body = "phases:\n" + phase(f"      - shell: {json.dumps(command)}\n")
    assert ("GL106" in rules(lint(body))) is fires


@pytest.mark.parametrize(("command", "fires"), [
    ("mysql -u app -p$DB_PASSWORD app", True),
    ('curl -m 5 -H "Authorization: Bearer $API_TOKEN" https://x.test', True),
    ("psql postgres://app:hunter2@db/app -c 'select 1'", True),   # a password written into the plan
    ("PGPASSWORD=$DB_PASSWORD psql -h db app -c 'select 1'", False),  # through the environment
    ("deploy --version $APP_VERSION", False),
])
def test_gl107_secret_on_command_line(command: str, fires: bool) -> None:
    body = "phases:\n" + phase(f"      - shell: {json.dumps(command)}\n")
    assert ("GL107" in rules(lint(body))) is fires


def test_gl107_credentials_in_an_http_url() -> None:
    body = "phases:\n" + phase("      - http: {url: 'https://u:pw@x.test/a', method: GET}\n")
    assert "GL107" in rules(lint(body))


@pytest.mark.parametrize(("command", "fires"), [
    ("curl -s https://x.test/health | jq .status", True),
    ("curl -sf -m 5 https://x.test/health | jq .", False),
    ("curl --max-time=5 https://x.test/a | jq .", False),
    ("curl --max-time 5 https://x.test/a | jq .", False),
])
def test_gl108_curl_without_timeout(command: str, fires: bool) -> None:
    body = "phases:\n" + phase(f"      - shell: {json.dumps(command)}\n        undo: 'true'\n")
    assert ("GL108" in rules(lint(body))) is fires


def test_gl109_timeboxes_exceed_window() -> None:
    body = "phases:\n" + phase("      - echo hi\n").replace("    steps:", "    timebox: 3h\n    steps:") + phase(
        "      - echo hi\n", name="Verify").replace("    steps:", "    timebox: 2h\n    steps:")
    found = lint(body)
    assert at(found, "GL109") == [(7, 1)]  # the window line
    assert "5h00m but the window is 4h00m" in next(f.message for f in found if f.rule == "GL109")
    assert "GL109" not in rules(lint(body.replace("timebox: 3h", "timebox: 1h")))


def test_gl110_placeholder() -> None:
    body = "phases:\n" + phase("      - shell: git checkout <previous_release_tag>\n        undo: 'true'\n")
    assert "GL110" in rules(lint(body))
    assert "GL110" not in rules(lint(body.replace("<previous_release_tag>", "v1.0.0")))


def test_gl111_command_that_never_ends() -> None:
    body = "phases:\n" + phase("      - kubectl logs -f deployment/api\n")  # seed 001, line 130
    assert "GL111" in rules(lint(body))
    assert "GL111" not in rules(lint(body.replace(" -f", " --tail=100")))


def test_gl112_export_alone() -> None:
    body = "phases:\n" + phase("      - export FLASK_ENV=production\n")
    assert "GL112" in rules(lint(body))
    assert "GL112" not in rules(lint(body.replace("export FLASK_ENV=production",
                                                   "{shell: {command: flask db upgrade, env: {FLASK_ENV: x}},"
                                                   " undo: flask db downgrade}")))


def test_gl113_role_without_people() -> None:
    found = lint("phases:\n" + phase("      - echo hi\n"), HEAD + CHANGE.replace("{cab: [carla]}",
                                                                          "{cab: [carla], qa: []}"))
    assert at(found, "GL113") == [(5, 27)]
    assert "'qa' lists nobody" in next(f.message for f in found if f.rule == "GL113")


def test_gl114_no_window() -> None:
    head = HEAD + CHANGE.replace("window: {start: '02:00', end: '06:00', timezone: UTC}\n", "")
    assert rules(lint("phases:\n" + phase("      - {shell: echo hi, undo: 'true'}\n"), head)) == {"GL114"}


def test_gl121_approvals_not_authenticated(monkeypatch: pytest.MonkeyPatch) -> None:
    body = "phases:\n" + phase("      - {shell: echo hi, undo: 'true'}\n")
    assert "GL121" not in rules(lint(body))
    monkeypatch.delenv("GOLIVE_SIGNERS")
    found = lint(body)
    assert at(found, "GL121") == [(5, 1)] and "approvals are not authenticated" in found[0].message


def test_gl122_approver_without_key(tmp_path: Path) -> None:
    body = "phases:\n" + phase("      - {shell: echo hi, undo: 'true'}\n")
    head = HEAD + CHANGE.replace("[carla]", "[carla, mo]")
    found = [f for f in lint(body, head) if f.rule == "GL122"]
    assert [(f.line, f.col) for f in found] == [(5, 26)] and "mo (role 'cab') has no key in" in found[0].message
    (tmp_path / "allowed_signers").write_text(f"carla {KEY}\nmo {KEY}\n")
    assert "GL122" not in rules(lint(body, head))


def test_gl115_change_record_for_pci_dss() -> None:
    body = "phases:\n" + phase("      - {shell: echo hi, undo: 'true'}\n", gate="    gate: {description: ok}\n")
    found = [f for f in lint(body, HEAD) if f.rule == "GL115"]
    text = "\n".join(f.message for f in found)
    for element in ("Reason for, and description of, the change", "Documentation of security impact",
                    "Documented change approval by authorized parties", "Testing to verify",
                    "Post-change verification", "Segregation of duties"):
        assert element in text, element
    assert all(f.severity == "warning" for f in found)
    # with the change record, approvals, separation of duties and a verifying gate: nothing to say
    full = "phases:\n" + phase("      - {shell: echo hi, undo: 'true'}\n",
                               gate="    gate: {approvals: {role: cab}, checks: [{shell: 'true'}]}\n")
    assert "GL115" not in rules(lint(full))


def test_gl116_traffic_step_with_placeholder_router_or_pools() -> None:
    # what `golive import` writes for a traffic progression (seed 003, Phase 4)
    canary = ("      - canary:\n          router: {type: builtin, admin: '${ROUTER_ADMIN}'}\n"
              "          stable: ${STABLE_POOL}\n          canary: ${CANARY_POOL}\n"
              "          stages: [{weight: 10, hold: 10m}, {weight: 100}]\n")
    found = lint("phases:\n" + phase(canary))
    assert at(found, "GL116") == [(12, 35)]  # the router's admin, once (not again for the derived undo)
    [f] = [f for f in found if f.rule == "GL116"]
    assert f.severity == "error" and "${STABLE_POOL}" in f.message and "${CANARY_POOL}" in f.message
    real = canary.replace("${ROUTER_ADMIN}", "127.0.0.1:9901").replace("${STABLE_POOL}", "blue").replace(
        "${CANARY_POOL}", "green")
    assert "GL116" not in rules(lint("phases:\n" + phase(real)))
    # the same ${VAR}s declared as plan vars are filled in when the step runs: nothing to report
    declared = "vars:\n" + "".join(f"  {v}: {{from_env: {v}}}\n" for v in ("ROUTER_ADMIN", "STABLE_POOL",
                                                                           "CANARY_POOL"))
    assert "GL116" not in rules(lint(declared + "phases:\n" + phase(canary)))
    # one left undeclared is still reported
    partly = declared.replace("  CANARY_POOL: {from_env: CANARY_POOL}\n", "")
    [f] = [f for f in lint(partly + "phases:\n" + phase(canary)) if f.rule == "GL116"]
    assert "canary '${CANARY_POOL}' is still a placeholder" in f.message and "stable '" not in f.message
    # a switch naming a router of `routers:` whose servers are template text
    routers = ("routers:\n  edge: {type: haproxy, socket: /run/haproxy.sock, backend: web,"
               " pools: {blue: [b1], green: [your-server]}}\n")
    switch = "      - switch: {router: edge, to: green}\n"
    found = lint(routers + "phases:\n" + phase(switch))
    assert at(found, "GL116") == [(9, 86)]  # the pool with the template server
    assert "GL116" not in rules(lint(routers.replace("your-server", "g1") + "phases:\n" + phase(switch)))


def test_gl117_host_group_without_host_key_checking() -> None:
    hosts = "hosts:\n  web: {hosts: [web1], known_hosts: none}\n  db: {hosts: [db1]}\n"
    body = "phases:\n" + phase("      - ssh: {on: web, command: uptime}\n        undo: uptime\n")
    found = lint(hosts + body)
    assert at(found, "GL117") == [(9, 24)]  # web's known_hosts; db checks keys (the default)
    assert "group 'web'" in next(f.message for f in found if f.rule == "GL117")
    assert "GL117" not in rules(lint(hosts.replace("known_hosts: none", "known_hosts: ops/known_hosts") + body))


ROLL_HOSTS = ("hosts:\n  web: {hosts: [10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5], known_hosts: ops/kh, router: lb}\n"
              "routers:\n  lb: {type: haproxy, socket: /run/haproxy.sock, backend: app, pools: {all: [h1]}}\n")


def _rolling(spec: str) -> str:
    return "phases:\n" + phase(f"      - rolling: {{on: web, command: deploy, {spec}}}\n        undo: deploy old\n")


def test_gl161_rolling_without_health_check() -> None:
    found = lint(ROLL_HOSTS + _rolling("batch: 2"))
    assert at(found, "GL161") == [(15, 9)]  # the step's `rolling:`
    assert "GL161" not in rules(lint(ROLL_HOSTS + _rolling("batch: 2, health: {http: 'http://{host}/health'}")))


def test_gl162_whole_group_in_one_batch_without_max_failures() -> None:
    health = "health: {command: 'true'}"
    for batch in ("", "batch: 100%, ", "batch: 4, "):
        assert "GL162" in rules(lint(ROLL_HOSTS + _rolling(batch + health))), batch
    assert "GL162" not in rules(lint(ROLL_HOSTS + _rolling("batch: 2, " + health)))
    assert "GL162" not in rules(lint(ROLL_HOSTS + _rolling("max_failures: 0, " + health)))


def test_gl163_rolling_without_drain_behind_a_router() -> None:
    health = "batch: 2, health: {command: 'true'}"
    assert "GL163" in rules(lint(ROLL_HOSTS + _rolling("drain: false, " + health)))
    assert "GL163" not in rules(lint(ROLL_HOSTS + _rolling(health)))
    # a group with no `router:` whose hosts are an nginx router's servers sits behind it too
    nginx = ("hosts:\n  web: {hosts: [10.0.0.2, 10.0.0.3], known_hosts: ops/kh}\nrouters:\n"
             "  edge: {type: nginx, upstream: app, upstream_file: up.conf, pools: {all: ['10.0.0.2:8080']}}\n")
    [f] = [f for f in lint(nginx + _rolling(health)) if f.rule == "GL163"]
    assert "router 'edge'" in f.message


def test_gl164_bake_that_cannot_judge() -> None:
    """A bake's max_error_rate is judged from the router's per-server counters: HAProxy and the built-in
    proxy keep them, nginx only with an access log; no router (or drain off) means nothing to judge by."""
    judged = "batch: 2, health: {command: 'true'}, bake: {time: 30s, max_error_rate: 2%}"
    assert "GL164" not in rules(lint(ROLL_HOSTS + _rolling(judged)))
    assert "GL164" in rules(lint(ROLL_HOSTS + _rolling("drain: false, " + judged)))
    assert "GL164" not in rules(lint(ROLL_HOSTS + _rolling(judged.replace("max_error_rate: 2%", "interval: 5s"))))
    bare = "hosts:\n  web: {hosts: [10.0.0.2, 10.0.0.3], known_hosts: ops/kh}\n"
    assert "GL164" in rules(lint(bare + _rolling(judged)))
    nginx = ("hosts:\n  web: {hosts: [10.0.0.2, 10.0.0.3], known_hosts: ops/kh, router: edge}\nrouters:\n"
             "  edge: {type: nginx, upstream: app, upstream_file: up.conf, pools: {all: ['10.0.0.2:8080']}%s}\n")
    [f] = [f for f in lint(nginx % "" + _rolling(judged)) if f.rule == "GL164"]
    assert "access_log" in f.message and f.severity == "error"
    assert "GL164" not in rules(lint(nginx % ", access_log: logs/access.log" + _rolling(judged)))
    builtin = ("hosts:\n  web: {hosts: [10.0.0.2, 10.0.0.3], known_hosts: ops/kh, router: p}\nrouters:\n"
               "  p: {type: builtin, admin: '127.0.0.1:8081'}\n")
    assert "GL164" not in rules(lint(builtin + _rolling(judged)))


def test_gl118_sql_that_does_not_parse() -> None:
    body = ("phases:\n  - name: A\n    steps:\n"
            "      - sql: {database: 'postgresql:///x', query: 'WHERE expires_at < now();'}\n"
            "      - sql: {database: 'postgresql:///x', query: 'DELETE FROM s WHERE e < now();'}\n")
    found = lint(body)
    assert [f.message for f in found if f.rule == "GL118"] == [
        "'sql on postgresql:///x: WHERE expires_at < now();': does not parse as SQL (`WHERE` does not start a"
        " statement)"]


def test_gl118_reads_each_statement_of_a_transaction() -> None:
    """A query of several statements is one transaction (the sql step runs it so): each statement must parse,
    and PostgreSQL statements sqlparse does not name (ANALYZE, GRANT, SET, SAVEPOINT) are statements."""
    step = "      - sql: {database: 'postgresql:///x', query: %s}\n"
    whole = ("ALTER TABLE o ADD COLUMN r text; UPDATE o SET r = 'eu'; ANALYZE o; GRANT SELECT ON o TO ro;"
             " SAVEPOINT s; SET LOCAL lock_timeout = '5s';")
    assert "GL118" not in rules(lint("phases:\n  - name: A\n    steps:\n" + step % f'"{whole}"'))
    cut = "phases:\n  - name: A\n    steps:\n" + step % '"UPDATE o SET r = 1; WHERE expires_at < now();"'
    assert [f.message.split("': ", 1)[1] for f in lint(cut) if f.rule == "GL118"] == [
        "statement 2 of 2: does not parse as SQL (`WHERE` does not start a statement)"]


def test_gl119_level_covering_nothing() -> None:
    body = ("phases:\n  - name: A\n    steps:\n      - shell: echo go\n"
            "rollback:\n  levels:\n    - level: 1\n      name: L\n      steps: [{shell: echo back}]\n")
    assert "GL119" in rules(lint(body))
    assert "GL119" not in rules(lint(body.replace("      name: L\n", "      name: L\n      covers: [A]\n")))
    # a level with a condition is offered by it after any failure: it needs no phase to be applied
    assert "GL119" not in rules(lint(body.replace("      name: L\n", "      name: L\n      when: data is wrong\n")))


def test_gl123_a_phase_covered_only_by_levels_with_a_condition() -> None:
    body = ("phases:\n  - name: A\n    steps:\n      - shell: systemctl restart app\n"
            "rollback:\n  levels:\n    - level: 1\n      name: L\n      covers: [A]\n      when: data is wrong\n"
            "      steps: [{shell: echo back}]\n")
    found = [f for f in lint(body) if f.rule == "GL123"]
    assert len(found) == 1 and "level 1 'L' (when: data is wrong)" in found[0].message
    assert "only the undos" in found[0].message
    unconditional = body.replace("      when: data is wrong\n", "")
    assert "GL123" not in rules(lint(unconditional))
    both = body + "    - level: 2\n      name: M\n      covers: [A]\n      steps: [{shell: echo b}]\n"
    assert "GL123" not in rules(lint(both))


def test_gl165_a_level_golive_applies_that_runs_a_conditional_one() -> None:
    body = ("phases:\n  - name: A\n    steps: [{shell: echo a}]\nrollback:\n  levels:\n"
            "    - level: 1\n      name: L\n      covers: [A]\n      then: 2\n      steps: [{shell: echo back}]\n"
            "    - level: 2\n      name: M\n      when: data is wrong\n      covers: [A]\n"
            "      steps: [{shell: echo restore}]\n")
    found = [f for f in lint(body) if f.rule == "GL165"]
    assert len(found) == 1 and "runs level 2 'M'" in found[0].message and "data is wrong" in found[0].message
    assert "GL165" in rules(lint(body.replace("      then: 2\n", "      first: [2]\n")))
    assert "GL165" not in rules(lint(body.replace("      then: 2\n", "      when: the app is wrong\n      then: 2\n")))
    assert "GL165" not in rules(lint(body.replace("      when: data is wrong\n", "")))


def test_gl168_a_level_golive_never_applies_by_itself() -> None:
    """A ladder: level 1 covers A and B, level 2 covers B. For a failure in A or B golive applies level 1 (the
    lightest enough) and only offers level 2, so level 2 is a person's to take, whatever fails."""
    body = ("phases:\n  - name: A\n    steps: [{shell: systemctl restart app}]\n"
            "  - name: B\n    steps: [{shell: systemctl restart db}]\nrollback:\n  levels:\n"
            "    - level: 1\n      name: Traffic back\n      covers: [A, B]\n      steps: [{shell: echo back}]\n"
            "    - level: 2\n      name: Schema down\n      covers: [B]\n      steps: [{shell: echo down}]\n")
    found = [f for f in lint(body) if f.rule == "GL168"]
    assert len(found) == 1 and found[0].severity == "warning", found
    assert "level 2 'Schema down'" in found[0].message and "level 1 'Traffic back'" in found[0].message
    assert "golive rollback RUN --level 2" in found[0].message
    # level 2 the only one covering B: a failure in B applies it
    assert "GL168" not in rules(lint(body.replace("covers: [A, B]", "covers: [A]")))
    # run by the chosen level's `then`: golive applies it by itself
    assert "GL168" not in rules(lint(body.replace("      covers: [A, B]\n", "      covers: [A, B]\n      then: 2\n")))
    # a condition: already a person's choice, said by its `when`
    conditional = body.replace("      covers: [B]\n", "      covers: [B]\n      when: data is wrong\n")
    assert "GL168" not in rules(lint(conditional))
    # never applied, but because a heavier level for an earlier phase always wins, not for a lighter one
    down = "      covers: [{}]\n      steps: [{{shell: echo down}}]"
    heavier_first = body.replace("covers: [A, B]", "covers: [B]").replace(down.format("B"), down.format("A"))
    assert "GL168" not in rules(lint(heavier_first))


@pytest.mark.parametrize("said", ["Diego calls GO or NO-GO in #war-room. No answer by 10:15 = NO-GO.",
                                  "Femke decides on the Teams call.", "Release manager signs off.",
                                  "Marcelo escolhe o Plano B ou o cancelamento.", "由审批人刘洋决定是否继续。",
                                  "Go? Ask the CAB on the bridge."])
def test_gl166_a_gate_a_person_decides_without_approvals(said: str) -> None:
    body = f"phases:\n  - name: A\n    steps: [{{shell: echo a}}]\n    gate:\n      description: '{said}'\n"
    found = [f for f in lint(body) if f.rule == "GL166"]
    assert len(found) == 1 and "passes it by itself" in found[0].message and found[0].severity == "warning"
    approved = body + "      approvals: {role: cab}\n"
    assert "GL166" not in rules(lint(approved))


@pytest.mark.parametrize("said", ["Database schema successfully deployed", "All pods Ready; error rate under 1%",
                                  "Go: every smoke test green"])
def test_gl166_quiet_on_a_gate_that_restates_the_phases_success(said: str) -> None:
    body = f"phases:\n  - name: A\n    steps: [{{shell: echo a}}]\n    gate:\n      description: '{said}'\n"
    assert "GL166" not in rules(lint(body))


def test_gl169_a_persons_step_of_lines_golive_did_not_understand() -> None:
    from golive.plan.importer.coverage import NOT_UNDERSTOOD

    said = f"{NOT_UNDERSTOOD} (lines 11-17 of the document):\n| idx-1 | `systemctl restart indexer` |"
    body = "phases:\n" + phase(f"      - shell: systemctl restart app\n        undo: systemctl restart app-old\n"
                               f"      - manual: {{instruction: {json.dumps(said)}}}\n")
    found = [f for f in lint(body) if f.rule == "GL169"]
    assert [(f.line, f.col) for f in found] == [(13, 9)], found  # at the step's `manual`
    assert "lines 11-17 of the document" in found[0].message and found[0].severity == "warning"
    assert "GL169" not in rules(lint(body.replace(NOT_UNDERSTOOD, "Restart the indexer")))


def test_gl120_shell_that_does_not_parse() -> None:
    body = "phases:\n  - name: A\n    steps:\n      - shell: \"if true; then echo\"\n"
    assert "GL120" in rules(lint(body))
    assert "GL120" not in rules(lint(body.replace("then echo", "then echo; fi")))


def test_gl131_read_only_claim_on_a_writer() -> None:
    body = ("phases:\n  - name: A\n    steps:\n      - shell: \"kubectl get deploy w -o yaml | kubectl apply -f -\"\n"
            "        read_only: true\n")
    found = [f for f in lint(body) if f.rule == "GL131"]
    assert found and (found[0].line, found[0].col) == (12, 9)  # at the claim itself
    assert "GL131" not in rules(lint(body.replace(" | kubectl apply -f -", "")))
    assert "GL131" not in rules(lint(body.replace("        read_only: true\n", "")))
    sql = "phases:\n  - name: A\n    steps:\n      - sql: {database: db, query: \"UPDATE t SET a = 1\"}\n" \
          "        read_only: true\n"
    assert "GL131" in rules(lint(sql))


def test_gl167_held_canary_with_no_later_step_moving_traffic_on_its_router() -> None:
    routers = "routers:\n  edge: {type: builtin, admin: '127.0.0.1:1'}\n  side: {type: builtin, admin: '127.0.0.1:2'}\n"
    canary = ("      - name: ramp to 50\n        canary: {router: edge, stable: blue, canary: green,"
              " stages: [{weight: 10}, {weight: 50}], promote: false}\n")
    later = "      - name: all to green\n        switch: {router: ROUTER, to: green, from: blue}\n"
    alone = "phases:\n" + phase(canary, "Ramp")
    found = [f for f in lint(routers + alone) if f.rule == "GL167"]
    assert [(f.line, f.col) for f in found] == [(15, 99)], found  # at `promote`
    assert "holds 50% on the canary" in found[0].message and found[0].severity == "warning"
    # a switch on the same router after the gate finishes the move; one on another router does not
    assert "GL167" not in rules(lint(routers + alone + phase(later.replace("ROUTER", "edge"), "Promote")))
    assert "GL167" in rules(lint(routers + alone + phase(later.replace("ROUTER", "side"), "Promote")))
    # a switch BEFORE the held canary does not finish it; a canary that promotes is never flagged
    before = "phases:\n" + phase(later.replace("ROUTER", "edge"), "Prep") + phase(canary, "Ramp")
    assert "GL167" in rules(lint(routers + before))
    assert "GL167" not in rules(lint(routers + alone.replace(", promote: false", "")))


def test_every_rule_has_a_test() -> None:
    tested = {name.split("_")[1].upper() for name in globals() if name.startswith("test_gl")}
    assert tested == set(RULES)


def test_readme_lists_every_rule() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert [r for r in RULES if r not in readme] == []


# -- output formats and exit codes through the CLI -----------------------------------------------------

BAD = HEAD + ("phases:\n  - name: Deploy\n    steps:\n      - env | grep SECRET_KEY\n"
              "      - curl https://x.test | jq .\n")


def _lint_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    (tmp_path / "plan.yaml").write_text(BAD, encoding="utf-8")
    code = main(["lint", str(tmp_path / "plan.yaml"), *args])
    return code, capsys.readouterr().out


def test_text_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _lint_cli(tmp_path, capsys)
    assert code == 1  # an error-severity finding
    assert f"{tmp_path / 'plan.yaml'}:7:9: error GL106 secret-printed: " in out
    assert out.rstrip().splitlines()[-1].startswith("1 error, ")


def test_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _lint_cli(tmp_path, capsys, "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["errors"] == 1
    secret = next(f for f in data["findings"] if f["rule"] == "GL106")
    assert (secret["line"], secret["col"], secret["severity"], secret["name"]) == (7, 9, "error", "secret-printed")
    assert {"GL108", "GL104", "GL114", "GL115"} <= {f["rule"] for f in data["findings"]}


def test_sarif_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _lint_cli(tmp_path, capsys, "--format", "sarif")
    sarif = json.loads(out)
    assert code == 1 and sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    driver = run["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
    curl = next(r for r in run["results"] if r["ruleId"] == "GL108")
    loc = curl["locations"][0]["physicalLocation"]
    assert loc["region"] == {"startLine": 8, "startColumn": 9}
    assert loc["artifactLocation"]["uri"].endswith("plan.yaml")


def test_invalid_plan_is_bad_input_not_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plan.yaml").write_text(HEAD + "phases: []\n", encoding="utf-8")
    assert main(["lint", str(tmp_path / "plan.yaml")]) == 2
    assert "phases: must not be empty" in capsys.readouterr().err


def test_examples_lint_without_errors(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped examples are what people copy: no error-severity finding in them."""
    monkeypatch.delenv("GOLIVE_SIGNERS")  # the examples' own signers (the demo makes keys when it runs)
    repo = Path(__file__).resolve().parents[1]
    for plan in sorted(repo.glob("examples/*/plan.yaml")):
        assert main(["lint", str(plan), "--format", "json"]) == 0, plan
        assert json.loads(capsys.readouterr().out)["errors"] == 0


CARRIED = ("# shell state set by earlier blocks of the document (they run in one shell)\\n"
           "source scripts/env.sh >/dev/null || exit 1\\n")


def test_gl131_reads_an_imported_steps_own_commands_not_the_state_carried_in_front() -> None:
    """The importer marks a step read-only by its own commands, then puts the state of earlier blocks in front
    (`source scripts/env.sh`, which lint cannot read): that is where it runs, not a change of its own."""
    step = f'"{CARRIED}# this step\\ncurl -fsS --max-time 5 https://es.internal/orders/_count\\n"'
    body = f"phases:\n  - name: Check\n    steps:\n      - shell: {{command: {step}}}\n        read_only: true\n"
    assert "GL131" not in rules(lint(body))


@pytest.mark.parametrize("command", [
    f"{CARRIED}rm -rf /srv/app/releases/old\\n# this step\\ncurl -fsS --max-time 5 https://es.internal/\\n",
    "rm -rf /srv/app/releases/old\\n# this step\\ncurl -fsS --max-time 5 https://es.internal/\\n",
])
def test_gl131_still_reads_what_a_step_itself_runs(command: str) -> None:
    body = (f"phases:\n  - name: Check\n    steps:\n      - shell: {{command: \"{command}\"}}\n"
            "        read_only: true\n")
    assert "GL131" in rules(lint(body))
