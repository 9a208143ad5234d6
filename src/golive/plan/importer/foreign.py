"""Blocks in a language or at a prompt golive does not run as the document means: a person's step that shows the
exact lines and where they are typed (golive.plan.md_foreign says which).

golive runs shell steps with bash on its own machine and `sql` steps on the plan's PostgreSQL connection. A
cmd.exe batch file, a router's configuration statements, JCL, or SQL for Snowflake, Cassandra or BigQuery run
there would fail, or "pass" while doing nothing (bash's `set` builtin takes a Junos `set` line and succeeds).
Dropped, the step is lost from the plan (the second worst outcome); run, its meaning changed (the worst).
"""

from __future__ import annotations

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block
from golive.plan.md_foreign import CMD_TAGS, FOREIGN_TAGS, sql_dialect, typed_elsewhere
from golive.plan.md_instructions import without_condition
from golive.plan.md_meaning import is_windows_cmd
from golive.plan.md_step import Command, CommandBlock


def lead_text(blocks: list[Block], b: Block) -> str:
    """The paragraph or list item just before the block (what introduces it), cleaned; "" when none."""
    idx = next((i for i, x in enumerate(blocks) if x is b), 0)
    prev = blocks[idx - 1] if idx else None
    return _clean(prev.text) if prev is not None and prev.kind in ("para", "item") else ""


def typed_by_a_person(blocks: list[Block], b: Block) -> bool:
    """The fence is another prompt's (cmd.exe, a router, cqlsh, ...): work a person does, so its section is a
    phase even when nothing in it runs (golive.plan.importer.sections.has_steps)."""
    if b.info in CMD_TAGS or b.info in FOREIGN_TAGS:
        return True
    return b.info in ("", "text", "plain", "plaintext", "txt", "none", "console", "terminal") and (
        is_windows_cmd(b.text) or typed_elsewhere(lead_text(blocks, b), b.text) is not None)


class ForeignMixin(ImportState):
    def lead_text(self, b: Block) -> str:
        return lead_text(self.blocks, b)

    def typed_at(self, b: Block, where: str, why: str) -> CommandBlock:
        """One person's step: where the lines are typed, then the block's exact lines, whole (never cut: a batch
        file's `set` and `goto`, a device's candidate configuration, a session's `USE` cross its lines)."""
        self.conversions.append(f"line {b.line}: {why}: golive runs no such step, so a person types it in {where}"
                                " (a manual step shows the exact lines)")
        lead = self.lead_text(b)
        # the sentence that introduces the block (it ends with a colon) says when and where ("Then run the schema
        # update (only on WEB-TS-01, only once):"); one that does not (a trigger, a remark) stays where it was
        said = lead.rstrip(":").strip() if lead.endswith(":") else ""
        if self.in_rollback and said:
            # "B1 — files only (trigger: health check not 200 ...):": the trigger is the level's, never its step's
            said = without_condition(said)
        said = f"{said}.\n" if said else ""
        text = f"{said}In {where}, exactly as written:\n" + b.text.strip("\n")
        return CommandBlock([Command("manual", {"instruction": text}, b.line + 1, None)])

    def other_sql(self, sql: str) -> str | None:
        """Where SQL of this document is typed, when golive's `sql` step (the plan's PostgreSQL connection) cannot
        run it: its dialect says so (Snowflake's CLONE, CQL's system tables), or the document's database is
        another (ImportState.other_db); None when it may run there."""
        dialect = sql_dialect(sql)
        if dialect is not None:
            return dialect
        return self.other_db[1] if self.other_db is not None else None
