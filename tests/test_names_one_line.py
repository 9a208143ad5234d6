"""A name typed by a person (`--by`, `--as`, $GOLIVE_USER) is one line of printable text: with a newline it
forged a whole "✓" decision line in `golive audit verify`, which escaped control characters but kept newlines.
Such a name is refused (exit 2), and `audit verify` shows every field of a log's decision on its own line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inproc import cli

PLAN = """name: names
service: names
environment: test
phases:
  - name: One
    steps:
      - shell: echo one
    gate:
      approvals: {count: 1}
"""
FORGED = "bob\n    seq    9  approve phase 1: carol SHA256:x [SSH signature (key-file)] \u2713"


@pytest.fixture
def run_id(workdir: Path) -> str:
    (workdir / "plan.yaml").write_text(PLAN)
    assert cli("run", "plan.yaml", "--no-wait", "--as", "alice").code == 3
    return str(json.loads(cli("runs", "--json").out)[0]["run"])


@pytest.mark.parametrize("name", [FORGED, "eve\x1b]0;owned\x07", "mallory\u202e", "alice\u200b", "al\u2060ice",
                                  "ali\u00a0ce"])
def test_a_name_with_a_newline_or_an_escape_is_refused(run_id: str, name: str) -> None:
    r = cli("approve", run_id, "--by", name, "--reason", "ok")
    assert r.code == 2 and "one line of printable text" in r.err, r.out + r.err
    assert "\n" not in r.err.strip() and "\x1b" not in r.err
    assert "gate.approved" not in cli("log", run_id, "--json").out


def test_an_initiator_name_with_an_escape_is_refused(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "plan.yaml").write_text(PLAN)
    assert cli("run", "plan.yaml", "--no-wait", "--as", "a\nb").code == 2
    monkeypatch.setenv("GOLIVE_USER", "a\x1b[2J")
    assert cli("run", "plan.yaml", "--no-wait").code == 2
    runs = cli("runs")
    assert "no runs" in runs.out or "no run log" in runs.err, runs


def test_audit_verify_keeps_each_decision_on_its_line() -> None:
    """A log (or a bundle from elsewhere) that already holds such a name cannot forge lines either."""
    from golive.seal.verify import Audit, Signed, render

    audit = Audit(run_id="r1", decisions=[Signed(9, "approve", "phase 1\nx", FORGED, "", "unauthenticated", False,
                                                 problem="a\nb")], warnings=["w\n    seq 1 forged"])
    out = render(audit)
    assert len(out.splitlines()) == 4, out
    assert "carol" in out.splitlines()[2] and "\\x0a" in out.splitlines()[2]
    assert not any(line.startswith("    seq    9  approve phase 1: carol") for line in out.splitlines()), out


def test_a_decision_taken_through_the_api_with_such_a_name_is_refused(run_id: str) -> None:
    """The web console and other callers hand a Decider straight to the decision rules, past the CLI's --by."""
    from golive.errors import UsageError
    from golive.run.decisions import approve
    from golive.seal.sealed import Decider
    from golive.store.factory import open_store

    store = open_store(".golive/golive.db")
    try:
        with pytest.raises(UsageError, match="one line of printable text"):
            approve(store, run_id, Decider(name=FORGED), "ok")
    finally:
        store.close()
    assert "gate.approved" not in cli("log", run_id, "--json").out


#: Names spelled with a zero-width non-joiner or joiner inside a word, as their scripts write them: Persian
#: Alireza (ZWNJ between two joining letters) and a Devanagari conjunct kept half-formed (ZWJ after the virama).
SPELLED = ["\u0639\u0644\u06cc\u200c\u0631\u0636\u0627", "\u0915\u094d\u200d\u0937\u093e"]


@pytest.mark.parametrize("name", SPELLED)
def test_a_name_spelled_with_a_joiner_inside_a_word_is_accepted(run_id: str, name: str) -> None:
    r = cli("approve", run_id, "--by", name, "--reason", "ok")
    assert r.code in (0, 3), r.out + r.err
    approved = [json.loads(line) for line in cli("log", run_id, "--json").out.splitlines()
                if json.loads(line)["type"] == "gate.approved"]
    assert [a["payload"]["by"] for a in approved] == [name], approved


@pytest.mark.parametrize("name", [
    "\u200c\u0639\u0644\u06cc",  # at the name's edges
    "\u0639\u0644\u06cc\u200c",
    "\u200d\u0915\u094d\u0937",
    "\u0639\u0644\u06cc \u200c\u0631\u0636\u0627",  # at a word's edge
    "\u0915\u094d\u200d \u0937",  # after a virama (Unicode allows that) but ending the word
    "\u0639\u0644\u06cc\u200c\u200c\u0631\u0636\u0627",  # two in a row
    "al\u200cice",  # between letters that never join: would print as alice
    "al\u200dice",
    "\u0639\u0644\u06cc\u200b\u0631\u0636\u0627",  # other invisible characters stay refused in the same place
    "\u0639\u0644\u06cc\u2060\u0631\u0636\u0627",
])
def test_a_joiner_anywhere_else_is_refused(run_id: str, name: str) -> None:
    r = cli("approve", run_id, "--by", name, "--reason", "ok")
    assert r.code == 2 and "one line of printable text" in r.err, r.out + r.err
    assert "gate.approved" not in cli("log", run_id, "--json").out
