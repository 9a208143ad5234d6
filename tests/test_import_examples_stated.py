"""A value the document calls an example never runs as written, and a stated result never becomes a check stricter
than the output it describes (issue 14, set 9 07 and 04).

- `nomad job run -check-index 4182 …` with "4182 is only an example": the index stops a run over someone else's
  change; run literally it is stale. It becomes a plan var to fill in, so the run cannot start without the real one.
- "六个节点都必须是 `UN`" over `nodetool status` + `nodetool describecluster`: as "the output's last line is `UN`"
  the step failed on the healthy cluster's output (`UN  10.8.1.11  …` lines, then describecluster's). A value stated
  for every node ("the nodes must all be", "六个节点都") is a person's check quoting the words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from golive.core.clock import SystemClock
from golive.core.step import StepContext
from golive.masking import Masker
from golive.plan.importer import import_markdown
from golive.plan.importer.examples import said_examples
from golive.plan.loader import parse_plan_text
from golive.steps.registry import AnyStep  # noqa: F401 - resolves forward references
from golive.steps.sql import SqlStep
from importforms import doc_steps, plan_of

NOMAD = """# Payments

## Canary

```bash
nomad job run -check-index 4182 payments.nomad.hcl
```

{note}
"""


@pytest.mark.parametrize("note", [
    "<1> Use the index your own plan printed; 4182 is only an example.",
    "Der Index 4182 ist nur ein Beispiel.",
    "4182 只是示例，请使用你自己的 plan 输出的索引。",
    "Replace `4182` with the index your plan printed.",
])
def test_an_example_value_becomes_a_var_to_fill_in(note: str) -> None:
    doc = NOMAD.format(note=note)
    runs = [s["shell"] for s in doc_steps(doc) if "shell" in s]
    command = runs[0]["command"] if isinstance(runs[0], dict) else runs[0]
    assert "4182" not in command and "${CHECK_INDEX}" in command
    plan = plan_of(doc)
    assert plan["vars"]["CHECK_INDEX"]["from_env"] == "CHECK_INDEX"
    parse_plan_text(import_markdown(doc, "doc.md").yaml_text, "p.yaml")  # the plan loads


def test_a_value_not_called_an_example_runs_as_written() -> None:
    doc = NOMAD.format(note="The index 4182 is the one the plan step printed.")
    assert "4182" in str(doc_steps(doc)[0])


@pytest.mark.parametrize(("text", "want"), [
    ("4182 is only an example", ["4182"]), ("`i-0abc123` is a placeholder", ["i-0abc123"]),
    ("This is only an example.", []), ("wait 5 seconds, e.g. 5", []),
])
def test_example_statements(text: str, want: list[str]) -> None:
    assert said_examples(text) == want


NODETOOL = """Datacenter: ord
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address     Load       Tokens  Owns   Host ID   Rack
UN  10.8.1.11   1.2 TiB    16      16.7%  a1        r1
UN  10.8.1.12   1.2 TiB    16      16.7%  a2        r1
"""


@pytest.mark.parametrize("cmds", ["nodetool status orders", "nodetool status orders\nnodetool describecluster"])
@pytest.mark.parametrize("said", ["The nodes must all be `UN`:", "所有节点都必须是 `UN`：", "六个节点都必须是 `UN`："])
def test_a_value_for_every_node_is_a_persons_check(said: str, cmds: str) -> None:
    """No check of one line (weaker than the words), of every line or of the last line (stricter than the output,
    which holds the value among other columns, then the other command's lines): a person reads it."""
    doc = f"# C\n\n## Up\n\n{said}\n\n```bash\n{cmds}\n```\n"
    steps = doc_steps(doc)
    shell = next(s["shell"] for s in steps if "shell" in s)
    check = shell.get("expect_output") if isinstance(shell, dict) else None
    assert check is None or re.search(check, NODETOOL, re.MULTILINE)
    assert not (isinstance(shell, dict) and "expect_output" in shell)
    assert any("UN" in str(s.get("manual", "")) for s in steps)


def test_a_count_stated_after_several_commands_is_still_checked() -> None:
    doc = "# C\n\n## Up\n\n```bash\ncd /srv\ngrep -c ERROR app.log\n```\n\nIt must print `0`.\n"
    shell = next(s["shell"] for s in doc_steps(doc) if "shell" in s)
    assert isinstance(shell, dict) and "expect_output" in shell


PG = "postgresql://postgres@127.0.0.1:5432/test"
ERRORED = """# Interface check

## Deploy

4. Check that it arrived and was not errored:

```sql
SELECT count(*) FROM (VALUES (1)) AS v(x) WHERE x = {n};
```

   Expected result: 0. (Mirth's own PostgreSQL, database `mirthdb`.)
"""


@pytest.mark.parametrize(("n", "status"), [(2, "succeeded"), (1, "failed")])
def test_a_bare_number_stated_after_a_query_is_its_check(n: int, status: str, tmp_path: Path) -> None:
    """"Expected result: 0." (a number written bare, the sentence goes on): the query checks it, run for real on
    PostgreSQL; read as no value, the step passed whatever count came back."""
    doc = ERRORED.format(n=n)
    plan = parse_plan_text(import_markdown(doc, "doc.md").yaml_text, "plan.yaml")
    step = next(s for s in plan.phases[0].steps if isinstance(s, SqlStep))
    assert step.sql.expect is not None and step.sql.expect.value == 0
    ctx = StepContext(run_id="run-1", step_id="1.2", vars={"DATABASE_URL": PG}, masker=Masker(),
                      clock=SystemClock(), workdir=tmp_path)
    assert step.execute(ctx).status == status


def test_a_number_among_words_is_no_value() -> None:
    doc = "# S\n\n## Test\n\n```bash\n./sipp -m 5 host\n```\n\nExpected: 5 successful calls, 0 failed.\n"
    shell = next(s["shell"] for s in doc_steps(doc) if "shell" in s)
    assert not (isinstance(shell, dict) and "expect_output" in shell)


def test_a_comment_result_with_a_condition_is_a_persons_check() -> None:
    """`# should be 0 by now; if not, scancel them`: the words after the value are a person's to act on."""
    doc = ("# S\n\n## Drain\n\n```bash\nscontrol update nodename=hop[001-256] state=drain\n"
           "squeue -h -t R | wc -l   # should be 0 by now; if not, scancel them\n```\n")
    steps = doc_steps(doc)
    shell = next(s["shell"] for s in steps if "shell" in s)
    assert not (isinstance(shell, dict) and "expect_output" in shell)
    assert any("should be 0 by now" in str(s.get("manual", "")) for s in steps)


REVISION = """# Ledger

## 3. Migrate

```sql
SELECT '{rev}'::text AS version_num;
```

Expected: `c41e0d2a7b19`.
"""


@pytest.mark.parametrize(("rev", "status"), [("c41e0d2a7b19", "succeeded"), ("a0b1c2d3e4f5", "failed")])
def test_a_word_stated_after_a_query_is_its_check(rev: str, status: str, tmp_path: Path) -> None:
    """The migration's revision stated after `SELECT version_num …` (set 9 01): the query checks it, run for real;
    a person's step instead let a half-migrated database through whenever nobody read the output."""
    plan = parse_plan_text(import_markdown(REVISION.format(rev=rev), "doc.md").yaml_text, "plan.yaml")
    step = next(s for s in plan.phases[0].steps if isinstance(s, SqlStep))
    assert step.sql.expect.value == "c41e0d2a7b19"
    ctx = StepContext(run_id="run-1", step_id="1.1", vars={"DATABASE_URL": PG}, masker=Masker(),
                      clock=SystemClock(), workdir=tmp_path)
    assert step.execute(ctx).status == status


@pytest.mark.parametrize(("block", "said"), [
    ("curl -sv https://shop.example.nl/healthz 2>&1 | grep 'expire date'", "The expire date must be in 2027."),
    ("/usr/lib/postgresql/16/bin/pg_upgrade --link --check",
     "A última linha deve ser `*Clusters are compatible*`."),
])
def test_a_result_about_what_the_command_prints_is_never_left_in_the_description(block: str, said: str) -> None:
    """Its subject names what the command prints (`grep 'expire date'`), or it is the output's last line in
    Portuguese: a person's check right after the command, not a phase description nobody is asked to read."""
    doc = f"# C\n\n## Verify\n\n```bash\n{block}\n```\n\n{said}\n"
    steps = doc_steps(doc)
    assert "manual" in steps[-1] and said.split()[-1].strip("`*.") in steps[-1]["manual"]["instruction"]
    assert said not in str(plan_of(doc)["phases"][0].get("description", ""))


@pytest.mark.parametrize(("said", "query", "status"), [
    ("Must return `TRUE`.", "SELECT 1 + 1 = 2 AS matches", "succeeded"),
    ("Must return `TRUE`.", "SELECT 1 + 1 = 3 AS matches", "failed"),
    ("Expected: `1.5`.", "SELECT 1.5::numeric", "succeeded"),
])
def test_a_stated_value_is_compared_as_the_query_returns_it(said: str, query: str, status: str,
                                                            tmp_path: Path) -> None:
    """PostgreSQL returns a boolean and a numeric: the text `TRUE` or `1.5` never equalled them, so the step
    failed on the very result the document states."""
    doc = f"# R\n\n## Reconcile\n\n```sql\n{query};\n```\n\n{said}\n"
    plan = parse_plan_text(import_markdown(doc, "doc.md").yaml_text, "plan.yaml")
    step = next(s for s in plan.phases[0].steps if isinstance(s, SqlStep))
    ctx = StepContext(run_id="run-1", step_id="1.1", vars={"DATABASE_URL": PG}, masker=Masker(),
                      clock=SystemClock(), workdir=tmp_path)
    assert step.execute(ctx).status == status
