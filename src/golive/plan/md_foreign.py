"""Which other program a block is typed into: cmd.exe, a network device's CLI, a database golive has no
connection to. Pure text work, read by golive.plan.importer.foreign.

golive's shell steps run bash on the machine running golive, and its `sql` step runs on the plan's PostgreSQL (or
SQLite) connection. A block written for another interpreter means something else there, or nothing:
- in bash, a Junos `set routing-options static route ...` is the `set` builtin (it succeeds and changes nothing),
  cmd.exe's `%VAR%`, `goto :fail` and `^` continuations mean nothing, `//IACPROM0 JOB` is "is a directory";
- on PostgreSQL, Snowflake's `CREATE TABLE ... CLONE` and `ALTER TABLE ... SWAP WITH`, CQL's `system.local` or
  BigQuery's backquoted `project.dataset.table` fail, or worse, run against the wrong database.
Such a block is a person's, shown with its exact lines and where they are typed.
"""

from __future__ import annotations

import re

#: Fence tags of cmd.exe batch: what the document runs in a Windows command prompt.
CMD_TAGS = frozenset({"bat", "batch", "cmd", "dos", "dosbatch", "winbatch", "batchfile", "cmd.exe"})
#: Fence tags of languages golive has no step for, with where a person types them.
FOREIGN_TAGS: dict[str, str] = {
    **dict.fromkeys(("cql", "cqlsh", "cassandra"), "cqlsh (Cassandra)"),
    **dict.fromkeys(("snowflake", "snowsql"), "Snowflake (Snowsight or snowsql)"),
    **dict.fromkeys(("bigquery", "bq", "googlesql"), "BigQuery (the console or `bq query`)"),
    **dict.fromkeys(("hql", "hive", "hiveql"), "Hive (beeline)"),
    **dict.fromkeys(("sparksql", "spark-sql", "databricks"), "Spark SQL (Databricks)"),
    **dict.fromkeys(("plsql", "pl/sql", "sqlplus", "oracle"), "SQL*Plus (Oracle)"),
    **dict.fromkeys(("clickhouse",), "clickhouse-client"),
    **dict.fromkeys(("kql", "kusto"), "Azure Data Explorer (Kusto)"),
    **dict.fromkeys(("cypher",), "cypher-shell (Neo4j)"),
    **dict.fromkeys(("redis",), "redis-cli"),
    **dict.fromkeys(("junos",), "the router's CLI (Junos)"),
    **dict.fromkeys(("ios", "cisco", "iosxe", "ios-xe", "iosxr", "ios-xr", "nxos", "nx-os"),
                    "the device's CLI (Cisco)"),
    **dict.fromkeys(("eos", "arista"), "the switch's CLI (Arista EOS)"),
    **dict.fromkeys(("routeros", "mikrotik"), "the router's CLI (RouterOS)"),
    **dict.fromkeys(("vyos", "fortios", "panos", "pan-os", "netconf"), "the device's CLI"),
    **dict.fromkeys(("jcl",), "z/OS (the JCL is submitted as a job, never typed into a shell)"),
    **dict.fromkeys(("tso", "ispf", "rexx", "clist"), "TSO/ISPF on z/OS"),
}
#: Network operating systems and other prompts a document names where its lines are typed.
_PROGRAMS = (("junos", "the router's CLI (Junos)"), ("juniper", "the router's CLI (Junos)"),
             ("ios-?x[er]|nx-?os|cisco", "the device's CLI (Cisco)"), ("arista|\\beos\\b", "the switch's CLI (EOS)"),
             ("routeros|mikrotik", "the router's CLI (RouterOS)"), ("vyos", "the router's CLI (VyOS)"),
             ("fortios|fortigate", "the firewall's CLI (FortiOS)"), ("pan-?os|palo\\s+alto", "the firewall's CLI"),
             ("cqlsh", "cqlsh (Cassandra)"), ("sql\\*?plus", "SQL*Plus (Oracle)"), ("snowsql|snowsight",
             "Snowflake (Snowsight or snowsql)"), ("mongosh", "mongosh"), ("redis-cli", "redis-cli"),
             ("cmd\\.exe|command\\s+prompt", "cmd.exe (Windows)"), ("tso|ispf", "TSO/ISPF on z/OS"))
#: A sentence that puts the block at another program's prompt, not in a shell: "(Junos `set` statements, NOT
#: bash)", "Typed at the router's CLI, not in a Linux shell", "Enter configuration mode and apply:",
#: "在 cqlsh 里输入，不是 shell".
_NOT_A_SHELL = re.compile(
    r"(?i)\bnot\s+(?:in\s+|into\s+|at\s+)?(?:a\s+|the\s+)?(?:linux\s+|unix\s+|local\s+)?(?:bash|shell|terminal)\b|"
    r"\b(?:typed?|enter(?:ed)?|paste[d]?|appl(?:y|ied))\s+(?:\w+\s+){0,3}(?:at|in|into|on)\s+(?:the\s+)?"
    r"(?:router|switch|firewall|device|appliance|controller)(?:'s)?\s+(?:cli|console|prompt)\b|"
    r"\b(?:configuration|config)\s+mode\b|不是\s*(?:shell|bash)|(?:shell|bash)\s*ではなく")
#: A line of a network device's configuration language: Junos `set`/`delete` statements (in bash `set a b` only
#: sets the positional parameters), `commit`, Cisco `interface Gi0/1`, `router bgp`, `ip route` (not iproute2's
#: `ip route add`), `write memory`.
_DEVICE_STRONG = re.compile(
    r"^\s*(?:(?:set|delete|deactivate|activate|insert|rename)\s+(?![-+])[a-z][\w-]*(?:\s+\S+)+|"
    r"edit\s+[a-z][\w-]*(?:\s+\S+)*|commit(?:\s+(?:confirmed|check|and-quit|comment|synchronize)\b.*)?|"
    r"configure(?:\s+(?:terminal|private|exclusive))?|conf\s+t|interface\s+[A-Za-z][\w/.:-]*\d[\w/.:-]*|"
    # `ip route 10.0.0.0 255.0.0.0 10.0.0.1` (IOS), never Linux's `ip route add|get|show ...` (iproute2)
    r"router\s+(?:bgp|ospf|eigrp|isis|rip)\b.*|ip\s+(?:route|address|prefix-list|access-list)\s+"
    r"(?!(?:add|del|delete|change|replace|get|show|list|ls|flush|append|save|restore|help)\b).*|"
    r"write\s+mem(?:ory)?|copy\s+running-config\s+startup-config|load\s+(?:override|merge|replace)\s.*|"
    r"rollback\s+\d+)\s*$")
_DEVICE_WEAK = re.compile(r"^\s*(?:exit|end|top|up|quit|no\s+shutdown|shutdown|show\s+\S.*|run\s+show\s.*|"
                          r"save\s+\S+)\s*$")
#: Documents whose database is one golive's `sql` step cannot reach (its connection is PostgreSQL or SQLite):
#: (what it is, where its SQL is typed, the words that name it).
_DATABASES = (
    ("Snowflake", "Snowflake (Snowsight or snowsql)", r"snowflake|snowsql|snowsight"),
    ("BigQuery", "BigQuery (the console or `bq query`)", r"bigquery|\bbq\s+(?:query|mk|rm|cp|load|show)\b"),
    ("Cassandra", "cqlsh (Cassandra)", r"(?i:cassandra|cqlsh|scylla(?:db)?)|\bCQL\b"),
    ("ClickHouse", "clickhouse-client", r"clickhouse"),
    ("Redshift", "the Redshift query editor", r"redshift"),
    ("Db2", "the Db2 command line", r"\bdb2\b"),
    ("Teradata", "BTEQ (Teradata)", r"teradata|\bbteq\b"),
    ("Databricks", "a Databricks SQL warehouse", r"databricks|spark[\s-]sql"),
    ("Hive", "beeline (Hive)", r"\bhive(?:ql)?\b|\bbeeline\b"),
    ("Trino", "the Trino CLI", r"\btrino\b|\bpresto(?:db)?\b|\bathena\b"),
    ("SAP HANA", "hdbsql (SAP HANA)", r"\bs/?4?\s*hana\b|\bsap\s+hana\b|\bhdbsql\b"),
    ("Vertica", "vsql (Vertica)", r"\bvertica\b|\bvsql\b"),
)
#: SQL that only one of those dialects runs: Snowflake's zero-copy CLONE, SWAP WITH, UNDROP, warehouses and
#: stages, time travel; CQL's keyspaces, TTLs and system tables; BigQuery's backquoted project.dataset.table.
_DIALECTS = (
    ("Snowflake (Snowsight or snowsql)", r"\bCLONE\s+[\w.\"]+|\bSWAP\s+WITH\b|\bUNDROP\s+(?:TABLE|SCHEMA|DATABASE)\b|"
     r"\bUSE\s+WAREHOUSE\b|\b(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:WAREHOUSE|STAGE|PIPE|STREAM)\b|"
     r"\b(?:AT|BEFORE)\s*\(\s*(?:TIMESTAMP|OFFSET|STATEMENT)\s*=>|\bCOPY\s+INTO\s+@"),
    ("cqlsh (Cassandra)", r"\bCREATE\s+KEYSPACE\b|\bUSING\s+TTL\b|\bALLOW\s+FILTERING\b|\bsystem\.(?:local|peers)\b|"
     r"\bWITH\s+replication\s*=\s*\{|^\s*CONSISTENCY\s+\w+"),
    ("BigQuery (the console or `bq query`)", r"`[\w-]+\.[\w]+\.[\w]+`|\bEXPORT\s+DATA\s+OPTIONS\b"),
    # ClickHouse: cluster-wide DDL and table functions, its system tables, MergeTree engines, SYSTEM commands
    ("clickhouse-client", r"\bON\s+CLUSTER\b|\b(?:clusterAllReplicas|cluster|remote|remoteSecure)\s*\(\s*'|"
     r"\bsystem\.(?:replicas|parts|merges|mutations|clusters|replication_queue|zookeeper)\b|"
     r"\bENGINE\s*=\s*\w*MergeTree\b|^\s*SYSTEM\s+(?:STOP|START|SYNC|DROP|FLUSH|RELOAD|RESTART)\b"),
)
#: A database named only to say it is NOT the one: "(это ClickHouse, не PostgreSQL)", "not PostgreSQL", "kein
#: PostgreSQL", "pas PostgreSQL", "no es PostgreSQL": no sign that the document's SQL runs there.
NOT_NAMED = r"(?i)\b(?:not|never|no|kein\w*|nicht|pas|nunca|non|не|ні|nie)\s+(?:on\s+|in\s+|es\s+|a\s+|an\s+)?"


def device_config(text: str) -> bool:
    """Most lines of the block are a network device's configuration statements (`set protocols ...`, `commit`),
    and at least one could only be one (bash has no `commit`, and `set a b` there sets `$1`/`$2`, nothing else)."""
    body = [ln for ln in text.split("\n") if ln.strip() and not ln.strip().startswith(("#", "!", "//"))]
    strong = sum(1 for ln in body if _DEVICE_STRONG.match(ln))
    weak = sum(1 for ln in body if _DEVICE_WEAK.match(ln))
    return bool(body) and strong >= 1 and (strong + weak) * 2 > len(body)


def typed_elsewhere(lead: str, text: str) -> str | None:
    """Where the document types the block, when that is no shell: the sentence before it says so ("NOT bash",
    "at the router's CLI", "in configuration mode"), or its lines are a device's configuration. None otherwise."""
    if _NOT_A_SHELL.search(lead):
        return program_named(lead) or program_named(text) or "the program the document names (not a shell)"
    if device_config(text):
        return program_named(lead) or "the network device's CLI (configuration mode)"
    return None


def program_named(text: str) -> str | None:
    """The prompt a sentence names (Junos, cqlsh, cmd.exe, ...), as a person's step says it."""
    for words, where in _PROGRAMS:
        if re.search(rf"(?i)(?<![\w-])(?:{words})(?![\w-])", text):
            return where
    return None


def other_database(text: str) -> tuple[str, str] | None:
    """The database the document says its SQL runs on, when it is none golive's `sql` step reaches: (its name,
    where its SQL is typed). The caller checks that the document names no PostgreSQL."""
    for name, where, words in _DATABASES:
        if re.search(words if words.startswith("(?i:") else f"(?i:{words})", text):
            return name, where
    return None


def sql_dialect(sql: str) -> str | None:
    """Where SQL written in another dialect is typed (Snowflake, CQL, BigQuery), or None for SQL PostgreSQL may
    run as written."""
    for where, pattern in _DIALECTS:
        if re.search(pattern, sql, re.I | re.M):
            return where
    return None
