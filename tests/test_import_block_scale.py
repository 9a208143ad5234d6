"""Import reads each block a bounded number of times, whatever the document's length: asking, for every command,
whose shell an earlier block opened (importer/run_as.py) and which platform alternatives its section names
(importer/alternatives.py) once read every earlier block again, and which statements of its phase speak of its
exit status (importer/accepted.py) and which values it calls examples (importer/examples.py) read the phase's
whole description for every step; a 2000-block runbook took
39 s. Counted in calls, not timed: the count does not depend on the machine."""

from __future__ import annotations

from typing import Any

import pytest

from golive.plan.importer import accepted, alternatives, examples, import_markdown, run_as
from golive.plan.importer.alternatives import alternative_of
from golive.plan.importer.run_as import RunAsMixin
from golive.plan.md_blocks import parse_blocks


def _runbook(pairs: int, opener: str = "") -> str:
    parts = ["# Big release", "## 1. Deploy", opener]
    for i in range(pairs):
        parts += [f"Restart worker {i}:", f"```bash\nsystemctl restart app-worker@{i}\n```"]
    return "\n\n".join(parts) + "\n"


def _count(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize("pairs", [100, 300])
def test_each_block_is_read_once_for_the_shell_it_opens(monkeypatch: pytest.MonkeyPatch, pairs: int) -> None:
    calls = _count(monkeypatch, run_as, "opened_shell")
    import_markdown(_runbook(pairs), "big.md")
    assert calls[0] <= 2 * pairs + 3  # one read per block; before: one per block for every command after it


@pytest.mark.parametrize("pairs", [100, 300])
def test_each_block_is_read_once_for_the_alternatives_it_names(monkeypatch: pytest.MonkeyPatch, pairs: int) -> None:
    calls = _count(monkeypatch, alternatives, "_markers")
    import_markdown(_runbook(pairs), "big.md")
    assert calls[0] <= 2 * pairs + 3


@pytest.mark.parametrize("pairs", [100, 300])
def test_a_phase_description_is_not_read_again_for_every_step(monkeypatch: pytest.MonkeyPatch, pairs: int) -> None:
    calls = _count(monkeypatch, accepted, "_about")
    import_markdown(_runbook(pairs), "big.md")
    assert calls[0] <= 2 * pairs + 3  # the step's own name and the next step; the description only if it names it


@pytest.mark.parametrize("pairs", [100, 300])
def test_a_phase_description_is_read_once_for_examples(monkeypatch: pytest.MonkeyPatch, pairs: int) -> None:
    calls = _count(monkeypatch, examples, "said_examples")
    import_markdown(_runbook(pairs), "big.md")
    assert calls[0] <= 3 * pairs + 3  # each step's name and the next step, and each line of the description once


def test_a_shell_opened_early_still_holds_for_the_last_command() -> None:
    steps = import_markdown(_runbook(60, opener="```bash\nsudo su - deploy\n```"), "big.md").data["phases"][0]["steps"]
    last = steps[-1]
    assert last["manual"]["instruction"].startswith("As deploy (typed in deploy's shell, opened at line")
    assert "app-worker@59" in last["manual"]["instruction"]


def test_what_was_read_once_is_read_again_after_a_block_is_rewritten() -> None:
    """The rollback part rewrites some blocks ("If X: action" becomes its action): what was read before is not
    kept past that."""

    class State(RunAsMixin):
        pass

    doc = "# R\n\n## 1. Deploy\n\n```bash\nsudo su - deploy\n```\n\nThen:\n\n```bash\nsystemctl restart app\n```\n"
    state = State(doc, "r.md")
    opener, last = [b for b in state.blocks if b.kind == "fence"]
    assert state.shell_user_before(last) == ("deploy", opener.line)
    opener.text = "echo ready\n"
    assert state.shell_user_before(last) is None

    blocks = parse_blocks("## Install\n\nOn Ubuntu:\n\n```bash\napt-get install -y app\n```\n\n"
                          "On RHEL:\n\n```bash\ndnf install -y app\n```\n")
    memo: alternatives.Memo = {}
    ubuntu = next(i for i, b in enumerate(blocks) if "apt-get" in b.text)
    assert alternative_of(blocks, ubuntu, memo) == ("On Ubuntu", ["On Ubuntu", "On RHEL"])
    lead = next(b for b in blocks if b.text.startswith("On RHEL"))
    lead.raw = lead.text = "Then:"
    assert alternative_of(blocks, ubuntu, memo) is None
