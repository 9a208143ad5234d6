"""The corpus of hand-written runbooks (tests/import_corpus/*.md), each with a hand-checked expectation file:
every item placed where the document means it, no command whose meaning changed, seeds at least as before."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from golive.plan.importer import import_file
from golive.plan.loader import parse_plan_text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.import_fidelity import CATEGORIES, Score, pairs, score_file  # noqa: E402

CORPUS = ROOT / "tests" / "import_corpus"
SEEDS = ROOT / "tests" / "seeds"
DOCS, SEED_PAIRS = pairs(CORPUS, SEEDS)
#: Measured with the importer before this work (bench/import_fidelity.py at commit 198ed5a): 365 of 383.
SEEDS_BEFORE = 365


def total(group: list[tuple[Path, Path]]) -> Score:
    out = Score()
    for doc, exp in group:
        out.merge(score_file(doc, exp))
    return out


def test_corpus_is_at_least_25_runbooks_each_with_expectations() -> None:
    assert len(DOCS) >= 25
    for doc, exp in DOCS:
        assert exp.exists(), f"{doc.name} has no {exp.name}"
    assert {p.name.split(".")[0] for _d, p in SEED_PAIRS} == {"000", "001", "003"}


def test_corpus_fidelity_goal_and_no_meaning_changed() -> None:
    s = total(DOCS)
    placed, all_items = sum(s.placed.values()), sum(s.total.values())
    assert all(s.total[c] for c in CATEGORIES), s.total  # every category is exercised
    assert placed / all_items >= 0.95, s.missed
    assert s.changed == []


def test_seeds_at_least_at_the_counts_before() -> None:
    s = total(SEED_PAIRS)
    assert sum(s.placed.values()) >= SEEDS_BEFORE, s.missed
    assert s.changed == []


@pytest.mark.parametrize(("doc", "exp"), DOCS, ids=[d.name for d, _e in DOCS])
def test_each_runbook_imports_to_a_valid_plan_with_nothing_changed(doc: Path, exp: Path) -> None:
    result = import_file(doc)
    parse_plan_text(result.yaml_text, "imported.yaml")  # it loads back
    s = score_file(doc, exp)
    assert s.changed == [], s.changed
    assert sum(s.placed.values()) == sum(s.total.values()), s.missed
    expect = YAML(typ="safe").load(exp.read_text(encoding="utf-8")) or {}
    # text that must never run (python, trees, env values) is nowhere in a step, and no secret value anywhere
    for frag in expect.get("never_run") or []:
        if any(w in frag.lower() for w in ("hunter2", "tok_live", "change-me", "password=")):
            assert frag not in result.yaml_text, frag
