"""Blocks golive does not run as the document means become a person's step with the exact lines (issue 14, blind
sets 9 and 10): cmd.exe batch files, a router's Junos statements, SQL for Snowflake or Cassandra, a block that
opens another user's shell with `sudo -iu`, and line numbers a docs page glued to the commands (`1cd`)."""

from __future__ import annotations

from golive.plan.importer import import_markdown
from importforms import doc_manual, doc_runs, doc_steps

BATCH = """# IIS release

## Deploy

Then run the schema update (only on WEB-01, only once):

```bat
sqlcmd -S SQL-01 -d Shop -E -b ^
  -i \\\\fs\\drops\\upgrade.sql ^
  -o D:\\deploy\\upgrade.log
```

```cmd
@echo off
set POOL=ShopPool
%windir%\\system32\\inetsrv\\appcmd stop apppool /apppool.name:%POOL%
if errorlevel 1 goto :fail
exit /b 0
:fail
exit /b 1
```
"""


def test_cmd_batch_blocks_are_a_persons_step_with_their_exact_lines() -> None:
    # dropped, the schema update and the deploy script were missing from the plan; run by bash, `%POOL%`,
    # `goto :fail` and the `^` continuations mean nothing
    assert doc_runs(BATCH) == ""
    manual = doc_manual(BATCH)
    assert "In cmd.exe (Windows), exactly as written:" in manual
    assert "sqlcmd -S SQL-01 -d Shop -E -b ^\n  -i \\\\fs\\drops\\upgrade.sql ^\n  -o D:\\deploy\\upgrade.log" in manual
    assert "if errorlevel 1 goto :fail\nexit /b 0\n:fail" in manual
    assert "only on WEB-01, only once" in manual  # the sentence that says where and how often goes with it
    summary = "\n".join(import_markdown(BATCH, "doc.md").summary)
    assert "bat block is written for cmd.exe" in summary


JUNOS = """# Move the SIP trunk

## Change the next-hop

Enter configuration mode on `er1` and apply these lines:

```
set routing-options static route 185.44.20.0/24 next-hop 10.77.3.3
delete routing-options static route 185.44.20.0/24 next-hop 10.77.1.1
commit confirmed 30
```

## Save

Log in to er1 (Junos) and save the config. Typed at the router's CLI, not in a Linux shell:

```
noc@er1> configure private
noc@er1# save /var/home/noc/pre.conf
noc@er1# exit
```
"""


def test_router_statements_never_run_in_bash() -> None:
    # in bash `set routing-options ...` is the set builtin: it succeeds and changes nothing on the router
    assert doc_runs(JUNOS) == ""
    manual = doc_manual(JUNOS)
    assert "set routing-options static route 185.44.20.0/24 next-hop 10.77.3.3\ndelete routing-options" in manual
    assert "noc@er1> configure private\nnoc@er1# save /var/home/noc/pre.conf" in manual  # no line lost
    assert "the router's CLI (Junos)" in manual


def test_device_lines_are_told_apart_from_bash_ones() -> None:
    from golive.plan.md_foreign import device_config

    assert device_config("set protocols bgp group up neighbor 10.0.0.1\ncommit\n")
    assert device_config("interface Gi0/1\n no shutdown\nend\n")
    assert not device_config("set -euo pipefail\nsystemctl restart app\n")
    assert not device_config("exit\n")
    # Linux's iproute2 is bash's, IOS's `ip route` is the router's (review3 M1: a Linux route was never added)
    assert not device_config("ip route add 10.20.0.0/16 via 10.0.0.1 dev eth0\nip route get 10.20.1.1\n")
    assert not device_config("ip address add 10.0.0.5/24 dev eth0\nip route show\n")
    assert device_config("ip route 10.20.0.0 255.255.0.0 10.0.0.1\nwrite memory\n")


SNOWFLAKE = """# Data release

Backups are Snowflake zero-copy clones.

## Clone

```sql
CREATE OR REPLACE TABLE A.F.REV_BAK CLONE A.F.REV;
```

## Reconcile

```sql
select sum(x) from A.F.REV where m = '2026-11';
```
"""


def test_sql_of_another_database_is_never_a_sql_step_on_postgresql() -> None:
    # golive's sql step runs on the plan's PostgreSQL connection: the clone would fail there, the reconcile would
    # read another database
    steps = doc_steps(SNOWFLAKE)
    assert not any("sql" in s for s in steps)
    manual = doc_manual(SNOWFLAKE)
    assert "In Snowflake (Snowsight or snowsql), exactly as written:\nCREATE OR REPLACE TABLE A.F.REV_BAK" in manual
    assert "select sum(x) from A.F.REV" in manual  # by what the document says its database is


def test_sql_in_another_dialect_is_a_persons_even_where_postgresql_is_named() -> None:
    doc = "# R\n\nWe use psql for the app database.\n\n## Go\n\n```sql\nALTER TABLE A SWAP WITH A_BAK;\n```\n" \
          "\n```bash\n./deploy.sh\n```\n"
    assert "sql" not in str([s for s in doc_steps(doc) if "manual" not in s])
    assert "ALTER TABLE A SWAP WITH A_BAK;" in doc_manual(doc)
    cql = "# R\n\n## Check\n\n```cql\nSELECT release_version FROM system.local;\n```\n\n- [ ] nodes up\n"
    assert "cqlsh (Cassandra)" in doc_manual(cql)  # a fence tag of another prompt: never dropped


def test_plain_postgresql_sql_stays_a_sql_step() -> None:
    doc = "# R\n\n## Go\n\n```sql\nUPDATE flags SET enabled = true WHERE name = 'x';\n```\n"
    assert any("sql" in s for s in doc_steps(doc))


SUDO_SHELL = """# Upgrade

## Check

Como usuário postgres:

```bash
sudo -iu postgres
cd /var/lib/postgresql
/usr/lib/postgresql/16/bin/pg_upgrade \\
  -d /var/lib/postgresql/14/main \\
  --link --check
```
"""


def test_a_block_that_opens_another_users_shell_with_sudo_iu_is_a_persons() -> None:
    # as a script, `sudo -iu postgres` opens a shell that waits (or returns), and pg_upgrade runs as golive's user
    assert doc_runs(SUDO_SHELL) == ""
    manual = doc_manual(SUDO_SHELL)
    assert "sudo -iu postgres\ncd /var/lib/postgresql\n/usr/lib/postgresql/16/bin/pg_upgrade \\" in manual
    assert "--link --check" in manual


GLUED = """# Deploy

## Deploy to green

```bash
1cd /srv/checkout
2sudo -u deploy npm ci --omit=dev
3sudo -u deploy pm2 reload app
```

```bash
1curl -fsS http://green-1:3000/health
```
"""


def test_line_numbers_glued_to_the_commands_are_removed() -> None:
    steps = doc_steps(GLUED)
    assert steps[0]["shell"]["command"] == "cd /srv/checkout\nsudo -u deploy npm ci --omit=dev\n" \
                                          "sudo -u deploy pm2 reload app\n"
    assert steps[1]["http"]["url"] == "http://green-1:3000/health"  # the `1` was no part of `curl`
    assert "1curl" not in str(steps) and "1cd" not in str(steps)


def test_glued_numbers_that_do_not_count_up_go_to_a_person() -> None:
    doc = "# D\n\n## Go\n\n```bash\n1cd /srv/app\n3sudo systemctl restart app\n2curl -fsS http://x/\n```\n"
    assert doc_runs(doc) == ""
    assert "1cd /srv/app" in doc_manual(doc)


def test_sql_lines_of_a_shell_block_of_another_database_are_a_persons() -> None:
    # the SQL part of a shell block goes through the same sql step maker: never an sql step on PostgreSQL
    doc = ("# Data release on Snowflake\n\n## Check\n\n```bash\n# deploy\n./deploy.sh\n\n# count\n"
           "SELECT count(*) FROM A.F.REV;\n```\n")
    steps = doc_steps(doc)
    assert steps[0]["shell"] == "./deploy.sh"
    assert not any("sql" in s for s in steps)
    assert "In Snowflake (Snowsight or snowsql), run and check the result:\nSELECT count(*) FROM A.F.REV;" in \
        doc_manual(doc)


MAINFRAME = """# Accrual v7

## Promote

Back up the load library first:

    zowe zos-jobs submit data-set "PROD.CHG.JCL(IACBKUP0)" --wait-for-output --rfj

    Expected: "retcode": "CC 0000". Anything else: STOP.

The JCL is shown for the checker to compare; Zowe submits it:

    //IACPROM0 JOB (ACCT),'RC1187',CLASS=A,MSGCLASS=X
    //STEP01   EXEC PGM=IEBCOPY
    //SYSIN    DD *
      COPY INDD=IN,OUTDD=OUT
    /*

    zowe zos-jobs submit data-set "PROD.CHG.JCL(IACPROM0)" --wait-for-output --rfj
"""


def test_a_jcl_deck_above_its_submit_command_is_shown_and_only_the_command_runs() -> None:
    # whole, the block was dropped with the zowe command in it; run by bash, `//IACPROM0` is "is a directory"
    # and `/*` a glob of the root directory
    steps = doc_steps(MAINFRAME)
    runs = [s["shell"] for s in steps if "shell" in s]
    assert [r["command"] if isinstance(r, dict) else r for r in runs] == [
        'zowe zos-jobs submit data-set "PROD.CHG.JCL(IACBKUP0)" --wait-for-output --rfj',
        'zowe zos-jobs submit data-set "PROD.CHG.JCL(IACPROM0)" --wait-for-output --rfj']
    assert "//IACPROM0 JOB (ACCT),'RC1187',CLASS=A,MSGCLASS=X\n//STEP01   EXEC PGM=IEBCOPY" in doc_manual(MAINFRAME)
    assert "Expected" not in str(runs)  # the stated result is no command


def test_a_stated_json_pair_is_checked_whole() -> None:
    # "retcode" alone would pass on CC 0008: the check is the key with its value
    first = next(s for s in doc_steps(MAINFRAME) if "shell" in s)["shell"]
    assert first["expect_output"] == r'"retcode":\ "CC\ 0000"'
    from golive.plan.importer.stated import stated

    said = stated('Expected: "retcode": "CC 0000". Anything else: STOP.', "after")
    assert said is not None and said.value == '"retcode": "CC 0000"'


def test_sql_lines_among_shell_commands_in_one_part_are_never_left_out() -> None:
    # before: `./deploy.sh\n: golive-sql` ran, and the count was gone from the plan
    doc = "# R\n\n## Check\n\n```bash\n./deploy.sh\nSELECT count(*) FROM a.rev;\n```\n"
    assert doc_runs(doc) == ""
    assert "./deploy.sh\nSELECT count(*) FROM a.rev;" in doc_manual(doc)
