"""Database clients' own ways to write that the read-only classifier (golive.plan.reads_only) took for reads: a
quoted function name (`"nextval"(…)` is nextval to the server), a mysql client command (`\\!` runs a shell
command, `\\T` writes a file) and sqlcmd's output file. A step taken for a reader gets no undo, its phase no
rollback level, and resume re-runs it without asking."""

from __future__ import annotations

import pytest

from golive.plan.reads_only import shell_reads_only
from golive.plan.reads_only_sql import sql_reads_only


@pytest.mark.parametrize("command", [
    """psql "$DB" -c 'SELECT "nextval"(1)'""",
    """psql "$DB" -c 'SELECT pg_catalog."setval"(1, 5)'""",
    "mysql shop -e 'SELECT 1 \\! rm -rf /srv/shop'",
    "mysql shop -e 'SELECT 1; \\T /tmp/out.txt'",
    "sqlcmd -Q 'SELECT name FROM sys.databases' -o databases.txt",
])
def test_a_client_that_writes_is_not_a_reader(command: str) -> None:
    assert not shell_reads_only(command)


@pytest.mark.parametrize("command", [
    """psql "$DB" -c 'SELECT "count"(*) FROM orders'""",
    "mysql shop -e 'SHOW SLAVE STATUS\\G'",
    "sqlcmd -Q 'SELECT name FROM sys.databases'",
])
def test_its_reads_stay_reads(command: str) -> None:
    assert shell_reads_only(command)


def test_a_quoted_function_is_the_function() -> None:
    assert not sql_reads_only('SELECT "nextval"(\'orders_id_seq\')')


@pytest.mark.parametrize("command,reads", [
    ("ssh -o ProxyCommand='rm -rf /srv/x' web-1 'systemctl is-active app'", False),
    ("ssh -oLocalCommand='touch /tmp/x' -o PermitLocalCommand=yes web-1 uptime", False),
    ("ssh -E /tmp/ssh.log web-1 uptime", False),
    ("ssh -o ConnectTimeout=5 web-1 'systemctl is-active app'", True),
])
def test_ssh_options_that_act_here(command: str, reads: bool) -> None:
    """The remote command only reads, but the options run a command on this machine or write a file."""
    assert shell_reads_only(command) is reads
