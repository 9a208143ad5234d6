"""What the run must have set, from the document's env files, `export` lists and tables of variables: plan vars.

A secret-looking name (or a value carrying a password) becomes a var read from the environment, and its value in the
document is never copied into the plan: a plan is shared, committed and printed, a runbook's pasted secret is not
meant to travel with it."""

from __future__ import annotations

import re

from golive.plan.importer.state import ImportState
from golive.plan.importer.text import _clean
from golive.plan.md_blocks import Block
from golive.plan.md_commands import BASH_LANGS
from golive.plan.md_secrets import secret_like
from golive.plan.md_shell import env_pairs, is_env_file

ENV_LANGS = frozenset({"env", "dotenv", "properties"})
#: A block of `export NAME=...` lines (and comments) only.
_EXPORTS_ONLY = re.compile(r"(?:(?:\s*#[^\n]*|\s*export\s+[A-Za-z_]\w*=[^\n]*)(?:\n|$))+")
#: A URL with a password in it: `redis://:s3cret@cache:6379/0`, `postgres://app:pw@db/app`.
_URL_PASSWORD = re.compile(r"\w://[^/\s:@]*:[^/\s@]+@")


class EnvVarsMixin(ImportState):
    def env_file(self, b: Block) -> None:
        """KEY=value lines: plan vars. A secret-looking name is a secret read from the environment; its value
        in the document is never copied."""
        b.placed = True
        for row, var, value in env_pairs(b.text):
            self.env_block_var(var, value, b.line + 1 + row)
        names = ", ".join(self.env_vars)
        self.conversions.append(f"line {b.line}: env-file block -> plan vars {names} (secret-looking names read"
                                " from the environment; their values in the document are not copied)")

    def stray_env(self, start: int = 0, end: int | None = None) -> None:
        """An env file or a list of `export`s outside any phase ("## Config", "## Environment", a prelude): what
        the run needs set, so plan vars (secret-looking names read from the environment, their values never
        copied). A block inside a rollback level stays there; an export whose value the shell works out
        (`$(...)`, backticks, `$A-$B`) leaves its whole block to a person (unplaced): its value is not the text."""
        for b in self.blocks[start:end]:
            if not b.placed and b.kind == "table":
                self.env_table(b)
            if b.placed or b.kind != "fence":
                continue
            if b.info in ENV_LANGS or (b.info in ("", "text", "plain", "plaintext", "txt", "none", "ini", "conf")
                                       and is_env_file(b.text)):
                self.env_file(b)
                self.inferred.append(f"line {b.line}: env-file block outside the phases -> plan vars")
                continue
            if b.info not in BASH_LANGS and b.info != "":
                continue
            body = [ln.strip() for ln in b.text.split("\n") if ln.strip() and not ln.strip().startswith("#")]
            pairs = [re.fullmatch(r"export\s+([A-Za-z_][A-Za-z0-9_]*)=(\S*|\"[^\"$`]*\"|'[^']*')", ln) for ln in body]
            if not body or not all(pairs):
                continue
            refs = [m.group(2).strip("\"") for m in pairs if m is not None]
            if any(("$" in v and not re.fullmatch(r"\$\{?\w+\}?", v)) or "`" in v for v in refs):
                continue
            for m in pairs:
                assert m is not None
                value = m.group(2)[1:-1] if m.group(2)[:1] in ("\"", "'") else m.group(2)
                line = b.line + 1 + next(i for i, ln in enumerate(b.text.split("\n")) if ln.strip() == m.group(0))
                if value.startswith("$"):
                    self.exported.setdefault(m.group(1), (value, line))
                else:
                    self.env_block_var(m.group(1), value, line)
            b.placed = True
            self.conversions.append(f"line {b.line}: `export` list outside the phases -> plan vars "
                                    + ", ".join(m.group(1) for m in pairs if m is not None)
                                    + " (secret-looking names read from the environment; values not copied)")

    def env_table(self, b: Block) -> bool:
        """| Variable | Value | Notes |: every row an environment variable (UPPER_CASE names only), a plan var. A
        secret-looking name, or a row saying secret / sensitive / vault, is read from the environment; a value that
        is no value ("(from Vault)", "-", "<set me>") too."""
        if not b.rows or len(b.rows) < 2:
            return False
        header = [_clean(h).lower() for h in b.rows[0]]
        name = next((i for i, h in enumerate(header) if re.fullmatch(
            r"(env(ironment)?\s+)?(variable|var)s?( name)?|name|key|setting", h)), None)
        value = next((i for i, h in enumerate(header) if re.fullmatch(
            r"(prod(uction)?\s+)?value|prod(uction)?|default|example", h)), None)
        rows = [[_clean(c).strip("`") for c in r] for r in b.rows[1:]]
        if name is None or value is None or not all(
                name < len(r) and re.fullmatch(r"[A-Z][A-Z0-9_]*", r[name]) for r in rows):
            return False
        for n, r in enumerate(rows, 1):
            line = b.row_lines[n] if n < len(b.row_lines) else b.line + 1 + n
            val = r[value] if value < len(r) else ""
            said = " ".join(c for i, c in enumerate(r) if i != name)
            secret = bool(re.search(r"(?i)secret|sensitive|vault|do not (commit|share)|credential|\*{3,}", said))
            if secret or re.fullmatch(r"(?i)\(.*\)|[-–—]|n/?a|<.*>|", val.strip()):
                self.env_vars[r[name]] = (None, line)  # "(from the host)", "<set me>": read from the environment
                if secret:
                    self.env_secrets.add(r[name])
            else:
                self.env_block_var(r[name], val, line)
        b.placed = True
        self.conversions.append(f"line {b.line}: table of environment variables -> plan vars "
                                + ", ".join(r[name] for r in rows) + " (secret-looking ones read from the"
                                " environment; their values in the document are not copied)")
        return True

    def env_block_var(self, var: str, value: str, line: int) -> None:
        """One NAME=value of an env file: a secret-looking name, or a value carrying a password (a URL's
        `user:password@`), is read from the environment (value dropped)."""
        if secret_like(var, value) or re.search(r"(?i)secret|passw|token|key", var) or _URL_PASSWORD.search(value):
            self.env_vars[var] = (None, line)
            self.env_secrets.add(var)
        else:
            self.env_vars[var] = (value if not re.fullmatch(r"<.*>|", value) else None, line)

    def env_only(self, start: int, end: int) -> bool:
        """The blocks in [start, end) that run are env files and `export` lists only, and there is one: a
        configuration section ("## Environment"), not a phase."""
        fences = [b for b in self.blocks[start:end] if b.kind == "fence"]
        return bool(fences) and not any(b.kind == "item" and b.checked is not None for b in self.blocks[start:end]) \
            and all(b.info in ENV_LANGS or is_env_file(b.text) or _EXPORTS_ONLY.fullmatch(b.text.strip())
                    for b in fences)
