"""Resolve plan vars. Secret values are read from the environment or a file at run time, never stored;
every one of them is registered with the Masker before any step runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from golive.errors import SecretError
from golive.masking import Masker
from golive.plan.model import Plan


def resolve_vars(
    plan: Plan, environ: Mapping[str, str], base_dir: Path, overrides: Mapping[str, str] | None = None,
    need_secrets: bool = True,
) -> tuple[dict[str, str], Masker]:
    values: dict[str, str] = {}
    masker = Masker()
    missing: list[str] = []
    for name, var in plan.vars.items():
        if overrides and name in overrides:
            if var.secret:
                raise SecretError(f"secret var {name} cannot be set on the command line (it would be visible"
                                  " in the process list and shell history); use the environment or a file")
            values[name] = overrides[name]
            continue
        value: str | None = None
        if var.value is not None:
            value = var.value
        elif var.from_env is not None:
            value = environ.get(var.from_env)
            if value is None:
                # the way out, in the message: a non-secret one may also come from the command line
                alt = "" if var.secret else f", or pass --var {name}=VALUE"
                missing.append(f"{name} (environment variable {var.from_env} is not set: export it{alt})")
        elif var.from_file is not None:
            path = Path(var.from_file).expanduser()
            if not path.is_absolute():
                path = base_dir / path
            try:
                value = path.read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                missing.append(f"{name} (file {path}: {exc.strerror or exc})")
        if value is None:
            value = f"<{name}>" if not need_secrets else ""
        values[name] = value
        if var.secret and value:
            masker.add(value)
    unknown = sorted(set(overrides or {}) - set(plan.vars))
    if unknown:
        raise SecretError(f"--var names unknown vars: {', '.join(unknown)} (declare them under vars:)")
    if missing and need_secrets:
        raise SecretError("cannot read vars: " + "; ".join(missing))
    return values, masker
