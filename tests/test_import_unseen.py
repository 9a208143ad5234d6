"""Runbooks the importer has never seen (tests/import_unseen/, import_unseen2/ … import_unseen10/, written blind for
issue 14).

The fidelity figure is measured by bench/import_unseen.py and reported, not asserted here. What is asserted, for
the first two sets: every runbook imports without a crash into a plan `golive plan validate` accepts, no block
written in another language (PowerShell, YAML, HCL, INI, nginx, JSON, Python, an env file, a console transcript, an
ASCII tree, SQL without a client) ends up in a command bash runs, no secret value of the document is written into a
plan, and the scorer itself runs and can tell a faithful plan from a damaged one. The third to tenth sets are
measurements of documents nobody tuned the importer for: only their expectations and faithful plans are checked here.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.import_unseen import SQL_CLIENTS, Result, collect, golive, main, norm, score_plan  # noqa: E402

UNSEEN = ROOT / "tests" / "import_unseen"
EXPECTED = sorted(UNSEEN.glob("*.expected.yaml"))
#: Each set and the least number of items its expectations hold (a file the scorer skipped would lower it).
SETS = {"import_unseen": 250, "import_unseen2": 300}
ALL_EXPECTED = [(name, p) for name in SETS for p in sorted((ROOT / "tests" / name).glob("*.expected.yaml"))]
NOT_BASH = {"powershell", "yaml", "python", "env", "text", "console", "sql", "hcl", "ini", "nginx", "json"}
Scored = Callable[[str], tuple[Path, dict[str, Any]]]


def expectation(path: Path) -> dict[str, Any]:
    return dict(YAML(typ="safe").load(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Scored:
    """One pass of the scorer per set (it runs `golive import` and `golive plan validate` on every runbook)."""
    cache: dict[str, tuple[Path, dict[str, Any]]] = {}

    def run(name: str) -> tuple[Path, dict[str, Any]]:
        if name not in cache:
            out = tmp_path_factory.mktemp(name)
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                assert main(["--dir", str(ROOT / "tests" / name), "--json", "--keep", str(out)]) == 0
            cache[name] = (out, json.loads(buf.getvalue()))
        return cache[name]

    return run


@pytest.mark.parametrize("name", SETS)
def test_eight_runbooks_each_with_expectations(name: str) -> None:
    exps = [p for n, p in ALL_EXPECTED if n == name]
    assert len(exps) == 8
    for exp in exps:
        assert (exp.parent / expectation(exp)["source"]).exists()


@pytest.mark.parametrize("name", SETS)
def test_every_runbook_imports_into_a_valid_plan(scored: Scored, name: str) -> None:
    out, result = scored(name)
    assert result["problems"] == []  # the scorer records a failed import or validate here
    for exp in (p for n, p in ALL_EXPECTED if n == name):
        plan = out / (expectation(exp)["source"].removesuffix(".md") + ".yaml")
        assert plan.exists(), f"no plan for {exp.name}"
        res = golive("plan", "validate", str(plan))
        assert res.returncode == 0, res.stdout + res.stderr
        assert "Traceback" not in res.stderr


@pytest.mark.parametrize("name", SETS)
def test_no_secret_value_is_written_into_a_plan(scored: Scored, name: str) -> None:
    _, result = scored(name)
    assert result["secrets"] == []


@pytest.mark.parametrize(("name", "exp_path"), ALL_EXPECTED, ids=lambda x: x if isinstance(x, str) else
                         x.name.split(".")[0])
def test_no_other_language_runs_as_bash(scored: Scored, name: str, exp_path: Path) -> None:
    out, _ = scored(name)
    exp = expectation(exp_path)
    text = (out / (exp["source"].removesuffix(".md") + ".yaml")).read_text(encoding="utf-8")
    steps = collect(YAML(typ="rt").load(text), text.splitlines())
    for block in exp["commands"]:
        if block["lang"] not in NOT_BASH:
            continue
        lines = block.get("foreign") or [m for u in block["units"] for m in u["markers"]]
        for step in steps:
            run = step.bash_text
            if block["lang"] == "sql" and any(c in run for c in SQL_CLIENTS):
                continue  # SQL handed to psql by a shell command is still SQL
            hit = [m for m in lines if norm(m) in run]
            assert not hit, f"{exp['source']}:{block['line']}: {block['lang']} block run by bash in step {step.label}"


@pytest.mark.parametrize("name", SETS)
def test_scorer_counts_every_expected_item(scored: Scored, name: str) -> None:
    _, result = scored(name)
    assert set(result["runbooks"]) == {expectation(p)["source"] for n, p in ALL_EXPECTED if n == name}
    placed, total = result["overall"]
    assert total == sum(result["total"].values()) and 0 <= placed <= total
    assert total >= SETS[name]  # every expectation file is read (290 items in the first set, 318 in the second)
    assert len(result["misses"]) == total - placed


def _ideal(name: str, folder: Path = UNSEEN) -> tuple[dict[str, Any], list[str], str]:
    exp = expectation(folder / f"{name}.expected.yaml")
    src = (folder / exp["source"]).read_text(encoding="utf-8").splitlines()
    return exp, src, (folder / "ideal" / f"{name}.plan.yaml").read_text(encoding="utf-8")


IDEALS = [(UNSEEN, "04_k8s_helm_canary"), (UNSEEN, "05_database_heavy")] + [
    (p.parent.parent, p.name.removesuffix(".plan.yaml"))
    for n in range(2, 100)
    for p in sorted((ROOT / "tests" / f"import_unseen{n}" / "ideal").glob("*.plan.yaml"))]
UNSEEN2 = ROOT / "tests" / "import_unseen2"
UNSEEN3 = ROOT / "tests" / "import_unseen3"
UNSEEN4 = ROOT / "tests" / "import_unseen4"
UNSEEN5 = ROOT / "tests" / "import_unseen5"
UNSEEN6 = ROOT / "tests" / "import_unseen6"
UNSEEN7 = ROOT / "tests" / "import_unseen7"
UNSEEN8 = ROOT / "tests" / "import_unseen8"
UNSEEN9 = ROOT / "tests" / "import_unseen9"
UNSEEN10 = ROOT / "tests" / "import_unseen10"


@pytest.mark.parametrize(("folder", "name"), IDEALS, ids=[f"{f.name}/{n}" for f, n in IDEALS])
def test_scorer_gives_a_faithful_plan_every_item(folder: Path, name: str) -> None:
    exp, src, text = _ideal(name, folder)
    res = score_plan(exp, src, text, Result(name))
    assert res.misses == [] and res.changed == [] and res.spurious == [] and res.secrets == []
    assert sum(res.placed.values()) == sum(res.total.values()) >= 28  # set 8's Slack thread holds 28 items
    assert golive("plan", "validate", str(folder / "ideal" / f"{name}.plan.yaml")).returncode == 0


def test_every_runbook_of_the_second_set_has_a_faithful_plan() -> None:
    assert len([1 for f, _ in IDEALS if f == UNSEEN2]) == 8


@pytest.mark.parametrize("folder", [UNSEEN3, UNSEEN4, UNSEEN5, UNSEEN6, UNSEEN7, UNSEEN8, UNSEEN9, UNSEEN10],
                         ids=["third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"])
def test_later_sets_eight_runbooks_each_with_expectations_and_a_faithful_plan(folder: Path) -> None:
    exps = sorted(folder.glob("*.expected.yaml"))
    assert len(exps) == 8 and len([1 for f, _ in IDEALS if f == folder]) == 8
    for exp in exps:
        assert (folder / expectation(exp)["source"]).exists()


def test_scorer_takes_a_lost_command_whose_output_others_name_for_a_miss_not_a_cut() -> None:
    """`mysql -N -e "SELECT VERSION();"` → must print 8.0.40: dropped from the plan, while the checker and the
    package install also name 8.0.40. Those two steps hold one piece each, the same one: the command is missing,
    not cut into them."""
    exp, src, text = _ideal("04_mysql8_gdocs", UNSEEN3)
    version = '      - shell: {command: "mysql -N -e \\"SELECT VERSION();\\"", expect_output: "^8.0.40"}\n'
    assert version in text
    res = score_plan(exp, src, text.replace(version, ""), Result("lost"))
    assert any(":91: commands" in m for m in res.misses), res.misses
    assert res.changed == [], res.changed


def test_scorer_sees_a_script_cut_into_steps() -> None:
    exp, src, text = _ideal("05_database_heavy")
    cut = text.replace("      - shell: |\n          set -euo pipefail\n          source /etc/ledger/env\n",
                       "      - shell: set -euo pipefail\n      - shell: source /etc/ledger/env\n      - shell: |\n")
    assert cut != text
    res = score_plan(exp, src, cut, Result("cut"))
    assert any("cut into 3 steps" in c for c in res.changed), res.changed


def test_scorer_sees_yaml_run_as_shell_and_a_lost_item() -> None:
    exp, src, text = _ideal("04_k8s_helm_canary")
    anchor = '      - manual: "You are on'
    bad = text.replace(anchor, '      - shell: "semanticRerank: true"\n' + anchor)
    bad = bad.replace("  - no OOMKilled pods in 24 h\n", "")
    assert bad != text
    res = score_plan(exp, src, bad, Result("bad"))
    assert any("yaml block run as shell" in c for c in res.changed), res.changed
    assert any("OOMKilled" in m for m in res.misses), res.misses


def test_scorer_sees_table_markup_left_in_a_command() -> None:
    """A table cell's escaped pipe or a `<br>` between two commands, run by bash, is not the document's command."""
    exp, src, text = _ideal("07_steps_table", UNSEEN2)
    piped = text.replace("list_queues name messages | grep", "list_queues name messages \\| grep")
    broken = text.replace("            cd /srv/orders/releases/3.0.0\n            ./bin/orders migrate --to 0042\n",
                          "            cd /srv/orders/releases/3.0.0<br>./bin/orders migrate --to 0042\n")
    assert piped != text and broken != text
    res = score_plan(exp, src, piped, Result("piped"))
    assert any("markup `\\|`" in c for c in res.changed), res.changed
    res = score_plan(exp, src, broken, Result("broken"))
    assert any("markup `<br>`" in c for c in res.changed), res.changed


def test_scorer_sees_a_tab_indented_check_made_a_restore() -> None:
    """`pg_restore --list` only reads a dump; a tab-indented block is a block like a 4-space one."""
    exp, src, text = _ideal("08_german_crlf_tabs", UNSEEN2)
    bad = text.replace("      - shell: pg_restore --list /var/backups/kundenportal/vor-7.4.dump | head -5\n",
                       '      - restore: {database: "postgresql:///kundenportal"}  # 08_german_crlf_tabs.md:27\n')
    assert bad != text
    res = score_plan(exp, src, bad, Result("bad"))
    assert any("became a restore step" in c for c in res.changed), res.changed


def test_scorer_takes_a_migrate_with_its_downgrade_as_one_command() -> None:
    """The document's inline downgrade is the `down` of its migrate step, not a second command merged into it."""
    exp, src, text = _ideal("04_blue_green_nginx", UNSEEN2)
    shell = ("        shell: ssh deploy@wallet-g1 'cd /srv/wallet/current && npm run migrate:up'\n"
             "        undo: {shell: \"ssh deploy@wallet-g1 'cd /srv/wallet/current && npm run migrate:down'\"}\n")
    ssh = "ssh deploy@wallet-g1 'cd /srv/wallet/current && npm run migrate:"
    migrate = (f"        migrate: {{up: \"{ssh}up'\", down: \"{ssh}down'\", revision: \"{ssh}status'\"}}\n")
    as_migrate = text.replace(shell, migrate)
    assert as_migrate != text
    res = score_plan(exp, src, as_migrate, Result("migrate"))
    assert res.changed == [] and res.misses == [], (res.changed, res.misses)


def test_scorer_sees_rollback_commands_run_forward_or_with_another_level() -> None:
    """A back-out command in the forward path (a downgrade during the deploy), or a level-2 command merged into
    level 1 (a Postgres switch-back on a Redis-only rollback), runs at a time the document did not mean."""
    exp, src, text = _ideal("04_blue_green_nginx", UNSEEN2)
    level2 = ("    - level: 2\n      name: Also drop the new table\n"
              "      description: only if 2.7.4 misbehaves with it; Yusuf decides\n"
              "      covers: [Prepare green]\n      steps:\n"
              "        - shell: ssh deploy@wallet-g1 'cd /srv/wallet/current && npm run migrate:down'\n")
    verify = "      - manual: \"Card top-up with the Adyen test card goes through\"\n"
    forward = text.replace(level2, "").replace(
        verify, verify + "      - shell: ssh deploy@wallet-g1 'cd /srv/wallet/current && npm run migrate:down'\n")
    assert level2 in text and verify in text
    res = score_plan(exp, src, forward, Result("forward"))
    assert any("runs in the forward path" in c for c in res.changed), res.changed
    exp, src, text = _ideal("03_sre_failover_playbook", UNSEEN2)
    header = ("    - level: 2\n      name: R2 Postgres back to pg-1\n"
              "      covers: [Postgres switchover, Redis failover]\n      steps:\n")
    assert header in text
    res = score_plan(exp, src, text.replace(header, ""), Result("merged"))
    assert any("level 2 command" in c and "runs with level 1's steps" in c for c in res.changed), res.changed


def test_scorer_sees_a_placeholder_cell_run_as_a_command() -> None:
    """A table row whose Command cell is `–` is a person's step; as a shell step it runs `–` (exit 127)."""
    exp, src, text = _ideal("07_steps_table", UNSEEN2)
    item = ('      - manual: {instruction: "Announce the start in #ops (message posted, pinned)", '
            'role: release-manager}\n')
    assert item in text
    res = score_plan(exp, src, text.replace(item, '      - {name: "Announce the start in #ops", shell: "–"}\n'),
                     Result("dash"))
    assert any("runs `–`" in c for c in res.changed), res.changed


def test_scorer_takes_an_export_kept_as_a_plan_var() -> None:
    """Plan vars reach shell steps as environment variables, so `export PGHOST=x` as a var `PGHOST: x` keeps the
    block's state; a var holding `$(...)` would not (the shell no longer computes it)."""
    exp, src, text = _ideal("02_notion_export", UNSEEN2)
    block = "          export PGHOST=pg-loyalty.internal PGUSER=loyalty_admin\n"
    assert block in text
    as_vars = text.replace(block, "").replace(
        "approvers:\n", "vars:\n  PGHOST: pg-loyalty.internal\n  PGUSER: loyalty_admin\napprovers:\n", 1)
    assert score_plan(exp, src, as_vars, Result("vars")).misses == []
    lost = text.replace(block, "")
    assert any("export PGHOST" in m for m in score_plan(exp, src, lost, Result("lost")).misses)
    exp, src, text = _ideal("03_sre_failover_playbook", UNSEEN2)
    computed = text.replace('          export REDISCLI_AUTH="$(sudo cat /etc/redis/sentinel.pass)"\n', "", 1).replace(
        "vars:\n", "vars:\n  REDISCLI_AUTH: {value: \"$(sudo cat /etc/redis/sentinel.pass)\"}\n", 1)
    assert computed != text
    assert any("REDISCLI_AUTH" in m for m in score_plan(exp, src, computed, Result("computed")).misses)


def test_scorer_takes_a_missing_output_check_for_a_miss_not_a_cut() -> None:
    """A unit may name the output its block must be checked against; a step without that check is a miss, and the
    block (kept whole) was not cut into steps."""
    exp, src, text = _ideal("05_terraform_ansible", UNSEEN2)
    check = "          expect_output: '^Plan: 1 to add, 0 to change, 0 to destroy\\.$'\n"
    assert check in text
    res = score_plan(exp, src, text.replace(check, ""), Result("unchecked"))
    assert any(":36: commands" in m for m in res.misses), res.misses
    assert res.changed == []


def test_scorer_sees_an_inline_undo_run_as_a_forward_step() -> None:
    """"It can be undone with `npm run migrate:down`" made a step after the migration undoes it during the deploy."""
    exp, src, text = _ideal("04_blue_green_nginx", UNSEEN2)
    undo = "        undo: {shell: \"ssh deploy@wallet-g1 'cd /srv/wallet/current && npm run migrate:down'\"}\n"
    assert undo in text
    res = score_plan(exp, src, text.replace(undo, "      - shell: ssh deploy@wallet-g1 'cd /srv/wallet/current && "
                                                  "npm run migrate:down'\n"), Result("forward-undo"))
    assert any("undo command" in c and "forward path" in c for c in res.changed), res.changed


def test_scorer_sees_a_command_not_to_run_made_a_step() -> None:
    """The thread's first draft reindexes asynchronously, and the approver asked for it to change: as a step it
    runs what the document says not to run, a changed meaning, not only a miss."""
    exp, src, text = _ideal("07_email_thread", UNSEEN3)
    anchor = "      - shell: curl -s http://es-1:9200/_cat/count/products_v6\n"
    assert anchor in text
    draft = ('      - shell: curl -X POST "http://es-1:9200/_reindex?wait_for_completion=false"  '
             "# 07_email_thread.md:12\n")
    res = score_plan(exp, src, text.replace(anchor, draft + anchor), Result("draft"))
    assert any("does not mean to run" in c and "_reindex?wait_for_completion=false" in c for c in res.changed), \
        res.changed
    as_manual = text.replace(anchor, '      - manual: "(draft) _reindex?wait_for_completion=false"\n' + anchor)
    assert score_plan(exp, src, as_manual, Result("manual")).changed == []


def test_scorer_sees_a_do_not_run_fence_inside_a_blockquote_made_steps() -> None:
    """04's "NO ejecutar en producción" fence stands inside a blockquote (`> ```sql`): its DROP SCHEMA and TRUNCATE,
    made forward sql steps that name the fence's lines, run what the document forbids, each reported once."""
    exp, src, text = _ideal("04_espanol_postgres_nginx", UNSEEN5)
    gate = "    gate:\n      description: Valeria Castañeda decide"
    assert gate in text
    bad = text.replace(gate, "      - sql:  # 04_espanol_postgres_nginx.md:89\n          database: ${FACTURACION_DB}\n"
                             "          query: DROP SCHEMA IF EXISTS ensayo CASCADE;\n"
                             "      - sql:  # 04_espanol_postgres_nginx.md:90\n          database: ${FACTURACION_DB}\n"
                             "          query: TRUNCATE cat_regimen;\n" + gate)
    res = score_plan(exp, src, bad, Result("staging-only"))
    assert [c for c in res.changed if "does not mean to run" in c] == [
        "staging-only:88: `DROP SCHEMA IF EXISTS ensayo CASCADE;`, which the document does not mean to run, "
        "is step 3.5 (sql)",
        "staging-only:88: `TRUNCATE cat_regimen;`, which the document does not mean to run, is step 3.6 (sql)"]
    assert len(res.changed) == 2, res.changed


def test_scorer_sees_a_powershell_undo_run_in_the_forward_path() -> None:
    """A PowerShell step runs what it holds like a bash one: 07's undo bundle ("don't run it now") made a forward
    step right after the migration (and in no level) is a changed meaning, not only a miss."""
    exp, src, text = _ideal("07_confluence_macros_win_linux", UNSEEN5)
    undo = text[text.index("        undo:\n"):text.index("    gate:\n      description: Elina")]
    forward = ("      - shell:  # 07_confluence_macros_win_linux.md:44\n          shell: pwsh\n"
               "          command: .\\efbundle.exe 20261115093012_AddInvoiceIndex --connection $env:INVOICE_DB\n")
    start = "        - shell:\n            shell: pwsh\n            command: |\n              $env:INVOICE_DB"
    level2 = text[text.rindex(start):text.index("success_criteria:")]
    assert "efbundle.exe 20261115093012_AddInvoiceIndex" in level2  # level 2 runs it too: only the forward one is wrong
    res = score_plan(exp, src, text.replace(undo, forward).replace(level2, ""), Result("forward"))
    assert any("undo command" in c and "efbundle.exe 20261115093012_AddInvoiceIndex" in c and "forward path" in c
               for c in res.changed), res.changed


def test_scorer_sees_set8_viewer_numbers_attributes_and_both_alternatives_run() -> None:
    """Set 8: a code viewer's line numbers left in what bash runs, an AsciiDoc attribute left unsubstituted in a
    command, and the second of two alternatives a person chooses between run as a step."""
    exp, src, text = _ideal("07_es_reindex_line_numbers", UNSEEN8)
    body = "-d '\n          {\n"
    assert body in text
    res = score_plan(exp, src, text.replace(body, "-d '\n           2  {\n", 1), Result("numbered"))
    assert any("markup `2 {`" in c for c in res.changed), res.changed
    exp, src, text = _ideal("08_asciidoc_callouts_helm", UNSEEN8)
    attr = "      - shell: kubectl -n notify get deploy notifications-worker -o wide\n"
    assert attr in text
    # the marker no longer matches such a step: the scorer knows it by the line the importer's comment names
    kept = attr.replace("-n notify", "-n {namespace}").rstrip() + "  # 08_asciidoc_callouts_helm.md:24\n"
    res = score_plan(exp, src, text.replace(attr, kept), Result("attr"))
    assert any("`{namespace}`" in c for c in res.changed), res.changed
    exp, src, text = _ideal("05_zh_order_service", UNSEEN8)
    verify = "      - name: 版本接口"
    assert verify in text
    both = text.replace(verify, "      - shell: sudo /usr/local/bin/lb-switch --pool order --to green\n" + verify, 1)
    res = score_plan(exp, src, both, Result("both"))
    assert any("lb-switch --pool order --to green" in c for c in res.changed), res.changed
