"""Runbooks the importer has never seen (tests/import_unseen/, written blind for issue 14).

The fidelity figure is measured by bench/import_unseen.py and reported, not asserted here. What is asserted:
every runbook imports without a crash into a plan `golive plan validate` accepts, no block written in another
language (PowerShell, YAML, Python, an env file, a console transcript, an ASCII tree, SQL without a client)
ends up in a command bash runs, and the scorer itself runs and can tell a faithful plan from a damaged one.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.import_unseen import SQL_CLIENTS, Result, collect, golive, main, norm, score_plan  # noqa: E402

UNSEEN = ROOT / "tests" / "import_unseen"
EXPECTED = sorted(UNSEEN.glob("*.expected.yaml"))
NOT_BASH = {"powershell", "yaml", "python", "env", "text", "console", "sql"}


def expectation(path: Path) -> dict[str, Any]:
    return dict(YAML(typ="safe").load(path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One pass of the scorer (it runs `golive import` and `golive plan validate` on every runbook)."""
    out = tmp_path_factory.mktemp("unseen")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["--json", "--keep", str(out)]) == 0
    yield out, json.loads(buf.getvalue())


def test_eight_runbooks_each_with_expectations() -> None:
    assert len(EXPECTED) == 8
    for exp in EXPECTED:
        assert (UNSEEN / expectation(exp)["source"]).exists()


def test_every_runbook_imports_into_a_valid_plan(scored: tuple[Path, dict[str, Any]]) -> None:
    out, result = scored
    assert result["problems"] == []  # the scorer records a failed import or validate here
    for exp in EXPECTED:
        plan = out / (expectation(exp)["source"].removesuffix(".md") + ".yaml")
        assert plan.exists(), f"no plan for {exp.name}"
        res = golive("plan", "validate", str(plan))
        assert res.returncode == 0, res.stdout + res.stderr
        assert "Traceback" not in res.stderr


@pytest.mark.parametrize("exp_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_no_other_language_runs_as_bash(scored: tuple[Path, dict[str, Any]], exp_path: Path) -> None:
    out, _ = scored
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


def test_scorer_counts_every_expected_item(scored: tuple[Path, dict[str, Any]]) -> None:
    _, result = scored
    assert set(result["runbooks"]) == {expectation(e)["source"] for e in EXPECTED}
    placed, total = result["overall"]
    assert total == sum(result["total"].values()) and 0 <= placed <= total
    assert total >= 250  # every expectation file is read (8 runbooks, 290 items when written)
    assert len(result["misses"]) == total - placed


def _ideal(name: str) -> tuple[dict[str, Any], list[str], str]:
    exp = expectation(UNSEEN / f"{name}.expected.yaml")
    src = (UNSEEN / exp["source"]).read_text(encoding="utf-8").splitlines()
    return exp, src, (UNSEEN / "ideal" / f"{name}.plan.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["04_k8s_helm_canary", "05_database_heavy"])
def test_scorer_gives_a_faithful_plan_every_item(name: str) -> None:
    exp, src, text = _ideal(name)
    res = score_plan(exp, src, text, Result(name))
    assert res.misses == [] and res.changed == [] and res.spurious == []
    assert sum(res.placed.values()) == sum(res.total.values()) > 30


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
