"""A rollback level the document keeps for a condition or a person is never applied by golive itself: conditions
written in a level's name ("o 16 ainda não foi iniciado", "canary bad, before promote"), after a dash in another
language ("— 触发条件：数据不一致，由 DBA 陈静决定"), in a bracket of its label ("(only if the migration broke blue
too)"), in its own lines ("只能在该节点执行 upgradesstables 之前"), and "Use case:" lines that are clauses. A point of
the deployment that a phase marks ("before promote" / "after promote") becomes where the level applies. The engine's
own choice (choose_level / offered) is asserted on the imported plan, for a failure in each phase. Documents written
for these tests."""

from __future__ import annotations

from golive.engine.rollback import choose_level, offered, touched_if_failing
from golive.plan.model import Plan
from importforms import load

CANARY = """# Payments 1.9

## 1. Migrate
```bash
./bin/migrate up
```

## 2. Canary
```bash
nomad job run payments.nomad.hcl
```

## 3. Promote
```bash
nomad deployment promote "$DEPLOY_ID"
```

## Rollback

### Level 1 (canary bad, before promote)
```bash
nomad deployment fail "$DEPLOY_ID"
```

### Level 2 (after promote; trigger: 5xx above 2%)
```bash
nomad job revert payments 11
```
"""

#: Portuguese: the levels' conditions are only in their names, and run in the wrong state Nível 1 corrupts data.
PORTUGUESE = """# Upgrade PostgreSQL 14 -> 16

## 1. Preparação
```bash
sudo systemctl stop pedidos-api
```

## 2. Upgrade
```bash
sudo -u postgres /usr/lib/postgresql/16/bin/pg_upgrade --link -d /var/lib/postgresql/14/main
sudo pg_ctlcluster 16 main start
```

## Volta (rollback)

**Nível 1 — o 16 ainda não foi iniciado.** O 14 ainda está íntegro:

```bash
sudo pg_ctlcluster 14 main start
```

**Nível 2 — o 16 já foi iniciado.** Recriar o 14 e restaurar o dump:

```bash
sudo -u postgres pg_restore -d pedidos /backup/pedidos.dump
```
"""

#: Chinese: level 1 only before upgradesstables ran (a command of phase 3, no level golive applies after it), level 2
#: on the DBA's decision, written after a dash, restoring snapshots with a script named restore-snapshot.
CHINESE = """# Cassandra 升级

## 一、准备
```bash
nodetool snapshot -t pre orders
```

## 二、升级
```bash
sudo yum install -y cassandra-4.1.7
```

## 三、升级 SSTable
```bash
nodetool upgradesstables -a orders
```

## 四、回退方案

**级别 1：单节点降级**（触发条件：节点启动失败）。只能在该节点执行 upgradesstables 之前：

```bash
sudo yum downgrade -y cassandra-4.1.5
```

**级别 2：从快照恢复**（触发条件：数据不一致，由 DBA 陈静决定）：

```bash
sudo -u cassandra /opt/scripts/restore-snapshot.sh orders pre
```
"""

#: "Use Case" lines that name kinds of failure (seed 000's style) and one that is a clause.
USE_CASES = """# Banking app 2.0

## 1. Database
```bash
flask db upgrade
```

## 2. App
```bash
sudo systemctl restart banking-app
```

## Rollback

### Level 1: Application Rollback
**Use Case**: Application code issues, critical bugs

```bash
git checkout v1.9 && sudo systemctl restart banking-app
```

### Level 2: Database Rollback
**Use Case**: Database schema issues, data corruption

```bash
flask db downgrade
```

### Level 3: Restore
**Use Case**: only when the DBA approves a restore

```bash
psql banking < /backups/pre.sql
```
"""

#: The restriction in a bracket of the level's label line, the level named apart ("Level 2 — schema (only if …):").
BRACKET = """# Docs site 4.8

## 1. Deploy to green
```bash
npm run migrate
sudo systemctl restart checkout-green
```

## Rollback

Level 1 — traffic back to blue:

```bash
sudo systemctl reload nginx
```

Level 2 — schema (only if the migration broke blue too):

```bash
npm run migrate:down
```
"""


def _at_each_phase(plan: Plan) -> list[tuple[int | None, list[int]]]:
    """For a failure in each phase: the level golive applies and the levels it offers."""
    out: list[tuple[int | None, list[int]]] = []
    for n in range(1, len(plan.phases) + 1):
        touched = touched_if_failing(plan, n)
        chosen = choose_level(plan, touched)
        out.append((chosen.level if chosen else None, [o.level for o in offered(plan, touched, "R", chosen)]))
    return out


def _levels(plan: Plan) -> dict[int, tuple[str | None, list[str], bool]]:
    return {lv.level: (lv.when, lv.covers, lv.restores_data) for lv in plan.rollback.levels}


def test_before_and_after_a_phase_split_the_levels_and_golive_applies_each_in_its_part() -> None:
    plan, summary = load(CANARY)
    levels = _levels(plan)
    assert levels[1][0] is None and "3. Promote" not in levels[1][1] and "2. Canary" in levels[1][1]
    assert levels[2][0] is None and levels[2][1] == ["3. Promote"]
    # a failure in the canary fails the deployment; after promote the job is reverted, never the canary's level
    assert _at_each_phase(plan) == [(1, []), (1, []), (2, [])]
    assert any("before phase '3. Promote'" in s for s in summary), summary


def test_a_state_in_the_names_keeps_both_levels_for_a_person() -> None:
    plan, _summary = load(PORTUGUESE)
    levels = _levels(plan)
    assert levels[1][0] == "o 16 ainda não foi iniciado"
    assert levels[2][0] == "o 16 já foi iniciado" and levels[2][2]
    # never "start 14" by itself after 16 ran on the --link'ed files: both are offered with their conditions
    assert [chosen for chosen, _o in _at_each_phase(plan)] == [None, None]
    assert _at_each_phase(plan)[1][1] == [1, 2]


def test_only_before_a_command_with_no_level_after_it_stays_a_persons_and_a_dash_trigger_is_read() -> None:
    plan, summary = load(CHINESE)
    levels = _levels(plan)
    assert levels[1][0] == "只能在该节点执行 upgradesstables 之前"
    assert "三、升级 SSTable" not in levels[1][1]
    assert levels[2][0] == "数据不一致，由 DBA 陈静决定"
    assert levels[2][2], "restore-snapshot.sh brings the data back"
    assert all(chosen is None for chosen, _o in _at_each_phase(plan))
    assert any("restores_data" in s for s in summary)


def test_use_case_kinds_of_failure_stay_descriptions_and_a_clause_is_a_condition() -> None:
    plan, _summary = load(USE_CASES)
    levels = _levels(plan)
    assert levels[1][0] is None and levels[2][0] is None  # seed 000's style: golive applies them
    assert levels[3][0] == "only when the DBA approves a restore"
    # the database phase is golive's to undo with level 2 (the only automatic level covering it)
    assert _at_each_phase(plan)[0][0] == 2


def test_a_restriction_in_the_label_lines_bracket_is_the_levels_condition() -> None:
    plan, _summary = load(BRACKET)
    levels = _levels(plan)
    assert levels[1][0] is None
    assert levels[2][0] == "only if the migration broke blue too"
    assert _at_each_phase(plan) == [(1, [2])]


def test_an_only_if_bracket_keeps_even_the_lowest_level_for_a_person() -> None:
    doc = BRACKET.split("Level 1 —")[0] + """Level 1 — schema too (only if the migration broke blue too):

```bash
npm run migrate:down
```
"""
    plan, _summary = load(doc)
    assert _levels(plan)[1][0] == "only if the migration broke blue too"
    assert _at_each_phase(plan) == [(None, [1])]


#: A procedure's numbered paragraphs: the trigger and level 1's label in one paragraph (no blank line), level 2 said
#: in words, wrapped at a line end. Merged into one level, the restore needing the GCA ran with level 1.
NUMBERED_PARAGRAPHS = """# CMS 5.4.1

## 4. DEPLOYMENT
```bash
sudo -u cms /opt/cms/bin/cms-migrate --to 541
sudo systemctl restart cms-app.service
```

## 6. ROLLBACK PROCEDURE

6.1 Trigger: failed verification in section 5.
6.2 Level 1 (application and schema):

```bash
sudo -u cms /opt/cms/bin/cms-migrate --to 540
sudo systemctl restart cms-app.service
```

6.3 Level 2 (data corruption, GCA approval required): restore the backup from 4.2 with
`pg_restore --clean -d cmsdb <file>` as the postgres user, then level 1.
"""


def test_numbered_paragraphs_are_levels_of_their_own_and_the_restore_is_a_persons() -> None:
    plan, _summary = load(NUMBERED_PARAGRAPHS)
    levels = {lv.level: lv for lv in plan.rollback.levels}
    assert sorted(levels) == [1, 2]
    assert "cms-migrate --to 540" in str(levels[1].steps) and "pg_restore" not in str(levels[1].steps)
    assert levels[2].when == "data corruption, GCA approval required"
    assert all(st.kind == "manual" for st in levels[2].steps)
    assert "failed verification" in str(levels[1].description)


def test_a_forward_step_that_saves_rollback_config_is_a_phase_not_a_level() -> None:
    doc = """# SIP next-hop change

## Step 1 — Save rollback config on the edge router

```bash
ssh er1 'show configuration' > /srv/mop/pre-change.conf
```

## Step 2 — Change the next-hop

```bash
./apply-next-hop.sh 10.77.3.3
```

## Rollback

```bash
./apply-next-hop.sh 10.77.1.1
```
"""
    plan, _summary = load(doc)
    assert [ph.name for ph in plan.phases] == ["Step 1 — Save rollback config on the edge router",
                                               "Step 2 — Change the next-hop"]
    assert [lv.level for lv in plan.rollback.levels] == [1]
    assert "apply-next-hop.sh 10.77.1.1" in str(plan.rollback.levels[0].steps)
