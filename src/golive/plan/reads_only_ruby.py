"""Whether the Ruby of `rails runner '…'` only reads, on tree-sitter-ruby's parse: every method it calls is one that
queries or prints (`Order.where(…).count`, `puts`, `columns_hash`), every bare name is a local it assigned, and
nothing else stands in it (no backticks, no `def`, no `+=` on a receiver). `Flipper.enable(…)`, `update_all`,
`save`, `connection.execute` and any method not listed make it a writer."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

#: Methods that query, compute or print.
_READ_METHODS = frozenset({
    "puts", "p", "pp", "print", "abort", "exit", "raise", "where", "not", "count", "size", "length", "sum",
    "maximum", "minimum", "average", "pluck", "pick", "find", "find_by", "first", "last", "take", "exists?",
    "any?", "none?", "empty?", "present?", "blank?", "nil?", "ids", "columns_hash", "column_names", "columns",
    "order", "limit", "offset", "group", "having", "joins", "includes", "left_joins", "select", "distinct", "ago",
    "from_now", "hour", "hours", "minute", "minutes", "second", "seconds", "day", "days", "week", "weeks", "month",
    "months", "year", "years", "now", "current", "today", "inspect", "to_s", "to_i", "to_f", "to_a", "to_h",
    "to_json", "name", "sql_type", "default", "type", "null", "map", "each", "reject", "tally", "sort_by",
    "min_by", "max_by", "keys", "values", "dig", "[]", "env", "enabled?", "version", "new", "connection",
    "table_exists?", "column_exists?", "index_exists?", "current_version", "needs_migration?", "join", "strip",
    "zero?", "positive?", "negative?", "round", "format", "sprintf", "in_time_zone", "iso8601", "strftime",
})
#: Node types that read or build values (their calls and names are checked on their own).
_NODES = frozenset({
    "program", "call", "argument_list", "identifier", "constant", "scope_resolution", "string", "string_content",
    "interpolation", "escape_sequence", "pair", "hash_key_symbol", "simple_symbol", "delimited_symbol", "integer",
    "float", "true", "false", "nil", "assignment", "element_reference", "unless_modifier", "if_modifier", "array",
    "hash", "parenthesized_statements", "binary", "unary", "conditional", "block", "block_parameters", "block_body",
    "do_block", "body_statement", "comment", "self", "if", "unless", "then", "else", "elsif", "string_array",
    "bare_string", "symbol_array", "bare_symbol", "regex", "range",
})


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter_ruby
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_ruby.language()))


def ruby_reads_only(code: str) -> bool:
    try:
        root = _parser().parse(code.encode("utf-8")).root_node
    except ImportError:  # without the grammar nothing is known about the Ruby: a writer
        return False
    if root.has_error or not root.named_children:
        return False
    locals_: set[str] = set()
    return _reads(root, locals_)


def _reads(node: Any, locals_: set[str]) -> bool:
    if not node.is_named:
        return True
    if node.type not in _NODES:
        return False
    if node.type == "assignment":
        left = node.child_by_field_name("left")
        if left is None or left.type != "identifier":
            return False  # `order.state = …`, `@x = …`, `A::B = …`: sets something outside the script
        locals_.add(bytes(left.text).decode())
        right = node.child_by_field_name("right")
        return right is not None and _reads(right, locals_)
    if node.type == "block_parameters":
        locals_.update(bytes(c.text).decode() for c in node.named_children if c.type == "identifier")
        return True
    if node.type == "call":
        method = node.child_by_field_name("method")
        if method is None or bytes(method.text).decode() not in _READ_METHODS:
            return False
        return all(_reads(c, locals_) for c in node.children if c != method)
    if node.type == "identifier":
        return bytes(node.text).decode() in locals_ | {"puts", "p", "pp"}  # a bare name: a local, else a call
    return all(_reads(c, locals_) for c in node.children)
