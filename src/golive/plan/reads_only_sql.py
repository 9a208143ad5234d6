"""Whether SQL only reads, on sqlparse's tokens: every statement a SELECT (or WITH, SHOW, EXPLAIN without
ANALYZE, a transaction's BEGIN/COMMIT) with no data-changing keyword anywhere in it (a CTE's DELETE, FOR UPDATE,
SELECT ... INTO) and no function outside a list of ones known to only compute (`nextval`, `setval`,
`pg_terminate_backend` change things; an unknown function is taken to)."""

from __future__ import annotations

from typing import Any

#: Functions that only compute or read the catalog.
_READ_FUNCTIONS = frozenset({
    "count", "sum", "min", "max", "avg", "now", "coalesce", "nullif", "greatest", "least", "lower", "upper",
    "length", "char_length", "octet_length", "substr", "substring", "trim", "ltrim", "rtrim", "concat", "concat_ws",
    "replace", "round", "floor", "ceil", "ceiling", "abs", "date_trunc", "date_part", "extract", "to_char", "to_date",
    "to_timestamp", "age", "cast", "string_agg", "array_agg", "json_agg", "jsonb_agg", "bool_and", "bool_or",
    "every", "row_number", "rank", "dense_rank", "lag", "lead", "percentile_cont", "percentile_disc", "stddev",
    "variance", "exists", "version", "current_setting", "current_database", "current_user", "current_schema",
    "pg_size_pretty", "pg_database_size", "pg_relation_size", "pg_total_relation_size", "pg_table_size",
    "pg_indexes_size", "pg_is_in_recovery", "pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn",
    "pg_current_wal_lsn", "pg_wal_lsn_diff", "pg_last_xact_replay_timestamp", "pg_postmaster_start_time",
    "pg_backend_pid", "pg_blocking_pids", "pg_typeof", "pg_get_indexdef", "pg_get_viewdef",
    "pg_get_constraintdef", "pg_get_expr", "format_type", "has_table_privilege", "has_schema_privilege",
    "has_database_privilege", "to_regclass", "obj_description", "col_description", "date", "datediff",
    "timestampdiff", "unix_timestamp", "from_unixtime", "ifnull", "if", "isnull", "json_extract",
    "jsonb_array_length", "json_array_length", "array_length", "cardinality", "unnest", "generate_series", "md5",
    "encode", "decode", "left", "right", "position", "strpos", "split_part", "regexp_replace", "format", "interval",
    "timestamp", "datetime", "julianday", "strftime", "typeof", "total", "group_concat", "database", "user",
    "date_format", "sqlite_version", "any", "all", "in", "values", "row", "array", "filter", "over", "partition",
})
_TRANSACTION = frozenset({"BEGIN", "COMMIT", "END", "ROLLBACK", "START"})
_READS = frozenset({"SELECT", "WITH", "SHOW", "EXPLAIN", "VALUES", "TABLE", "DESCRIBE", "DESC"})


def sql_reads_only(text: str) -> bool:
    import sqlparse

    try:
        statements = sqlparse.parse(text)
    except Exception:
        return False
    said = [st for st in statements
            if st.token_first(skip_cm=True, skip_ws=True) is not None]  # type: ignore[no-untyped-call]
    return bool(said) and all(_statement_reads(st) for st in said)


def _statement_reads(st: Any) -> bool:
    from sqlparse import tokens as T

    toks = [t for t in st.flatten() if not t.is_whitespace and t.ttype not in T.Comment
            and t.ttype not in (T.Comment.Single, T.Comment.Multiline)]
    first = toks[0].normalized.upper()
    if first in _TRANSACTION:
        return len(toks) <= 3  # `BEGIN;`, `START TRANSACTION;`, `COMMIT;`
    if first not in _READS and first != "(":
        return False
    for i, t in enumerate(toks):
        word = t.normalized.upper()
        if t.ttype in (T.Keyword.DML, T.Keyword.DDL) and word != "SELECT":
            return False  # a CTE's DELETE, FOR UPDATE, an INSERT after the SELECT
        if t.ttype in T.Keyword and word in ("INTO", "ANALYZE", "ANALYSE", "COPY", "LOCK", "CALL", "DO"):
            return False  # SELECT ... INTO a new table; EXPLAIN ANALYZE runs the statement
        if t.value == "(" and i and (toks[i - 1].ttype in T.Name or toks[i - 1].ttype in T.Literal.String.Symbol) \
                and _unquoted(toks[i - 1].value) not in _READ_FUNCTIONS:
            return False  # a function not known to only compute: nextval, setval, "nextval", pg_terminate_backend
    return True


def _unquoted(name: str) -> str:
    """A function's name as the server looks it up: `"nextval"` (a quoted identifier, which sqlparse reads as a
    string symbol) and `pg_catalog.setval` are nextval and setval."""
    return name.rsplit(".", 1)[-1].strip('"`[]').lower()
