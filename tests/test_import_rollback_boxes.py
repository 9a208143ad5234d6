"""Issue 14, forms found by the third blind set (tests/import_unseen3), each on a document of our own wording: a
rollback section must never run in the forward path, whatever its heading looks like, and SQL written for MySQL
must never become an `sql` step (which runs on PostgreSQL or SQLite)."""

from __future__ import annotations

from golive.plan.model import Plan
from importforms import load


def forward_commands(plan: Plan) -> list[str]:
    return [str(s.model_dump(exclude_none=True)) for ph in plan.phases for s in ph.steps]


def rollback_commands(plan: Plan) -> list[str]:
    return [str(s.model_dump(exclude_none=True)) for lv in plan.rollback.levels for s in lv.steps]


def test_an_underlined_rolling_back_heading_is_rollback_not_a_forward_phase() -> None:
    plan, _ = load("Ship it\n=======\n\nDeploying\n---------\n\n```sh\n./release push 4.2\n```\n\n"
                   "Rolling back\n------------\n\n```sh\n./release back-to 4.1\n```\n")
    assert not any("back-to" in c for c in forward_commands(plan))
    assert any("back-to" in c for c in rollback_commands(plan))


def test_a_rollback_admonition_box_is_the_rollback_section() -> None:
    plan, _ = load("# Ship it\n\n## Deploy\n\n```bash\n./release push 4.2\n```\n\n"
                   ":::warning Roll back\n\n```bash\n./release back-to 4.1\n```\n\n:::\n")
    assert not any("back-to" in c for c in forward_commands(plan))
    assert any("back-to" in c for c in rollback_commands(plan))


def test_sql_of_a_mysql_document_is_a_manual_step_never_an_sql_step() -> None:
    plan, summary = load("# Upgrade\n\n## Check\n\nOn the primary, with `mysql -u admin`:\n\n"
                         "```sql\nSELECT COUNT(*) FROM orders WHERE shipped = 0;\n```\n")
    assert any("MySQL" in line for line in summary), summary
    steps = [s for ph in plan.phases for s in ph.steps]
    assert steps and all(type(s).__name__ != "SqlStep" for s in steps), [type(s).__name__ for s in steps]
    assert any("orders" in str(s.model_dump(exclude_none=True)) for s in steps)


def levels_holding(plan: Plan) -> list[list[str]]:
    return [[str(s.model_dump(exclude_none=True)) for s in lv.steps] for lv in plan.rollback.levels]


def test_back_out_options_written_as_bold_labels_stay_apart() -> None:
    """`**Option B: ...**` with its command alone on the next line is its own level: merged, a config-only back-out
    would also restore the database."""
    plan, _ = load("# Ship it\n\n## Deploy\n\n```bash\n./release push 4.2\n```\n\n## Back-out\n\n"
                   "**Option A: config back** (if the flag misbehaves)\n\n```bash\n./flags set v2 off\n```\n\n"
                   "**Option B: data back** (if rows are damaged)\n\n`./db restore --from nightly`\n")
    levels = levels_holding(plan)
    assert len(levels) == 2, levels
    assert not any("flags set" in c for c in levels[1]) and not any("db restore" in c for c in levels[0])


def test_back_out_codes_like_r1_r2_stay_apart() -> None:
    plan, _ = load("# Ship it\n\n## Deploy\n\n```bash\n./release push 4.2\n```\n\n## Rollback\n\n"
                   "**K1: traffic back** (errors above 2%)\n\n```bash\n./lb all-to blue\n```\n\n"
                   "**K2: database back** (writes fail)\n\n```bash\n./db promote old-primary\n```\n")
    levels = levels_holding(plan)
    assert len(levels) == 2, levels
    assert not any("promote" in c for c in levels[0])


def test_a_command_that_never_ends_on_a_remote_host_is_not_a_step() -> None:
    """`ssh host 'tail -f log'` watches for ever, like `tail -f log` here: a run would wait until its timeout."""
    plan, _ = load("# Ship it\n\n## Deploy\n\n```sh\n./release push 4.2\n```\n\nTo watch it:\n\n"
                   "```sh\nssh ops@app-1 'tail -f /srv/app/log/current'\n```\n")
    assert not any("tail -f" in str(s.model_dump(exclude_none=True)) for ph in plan.phases for s in ph.steps
                   if s.kind != "manual")  # a person's step to watch it, never one the run waits on
    assert any("release push" in c for c in forward_commands(plan))
