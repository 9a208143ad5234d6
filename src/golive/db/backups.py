"""Backup files and their manifests, shared by the `backup` and `restore` steps and the `backup` check: where a
backup is, whether it is still byte for byte what was backed up, and which one this run took last."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from golive.core.step import StepContext, StepResult
from golive.db.runfiles import read_json, sha256_file, state_dir, write_json
from golive.errors import StepConfigError
from golive.units import format_duration

MANIFEST_SUFFIX = ".manifest.json"


class BackupError(StepConfigError):
    """A backup could not be made, read or trusted."""


def manifest_path(file: Path) -> Path:
    return file.with_name(file.name + MANIFEST_SUFFIX)


def expand(ctx: StepContext, text: str) -> str:
    """`${VAR}` from plan vars plus `${GOLIVE_RUN_ID}` / `${GOLIVE_STEP_ID}` (so names can be per run)."""
    text = text.replace("${GOLIVE_RUN_ID}", ctx.run_id).replace("${GOLIVE_STEP_ID}", ctx.step_id)
    return ctx.interpolate(text)


def resolve_path(ctx: StepContext, text: str) -> Path:
    path = Path(expand(ctx, text)).expanduser()
    return path if path.is_absolute() else ctx.workdir / path


def load_manifest(file: Path) -> dict[str, Any]:
    data = read_json(manifest_path(file))
    if data is None:
        raise BackupError(f"backup {file} has no manifest ({manifest_path(file).name}); it cannot be trusted")
    if not isinstance(data, dict) or not isinstance(data.get("sha256"), str):
        raise BackupError(f"manifest {manifest_path(file)} is not a golive backup manifest")
    return data


def verify_checksum(file: Path) -> dict[str, Any]:
    """The manifest, if the file is still exactly what was backed up; BackupError (saying how not) otherwise."""
    if not file.is_file():
        raise BackupError(f"backup {file} does not exist")
    manifest = load_manifest(file)
    size = file.stat().st_size
    digest = sha256_file(file)
    if digest != manifest["sha256"] or size != manifest.get("size", size):
        raise BackupError(f"backup {file} does not match its manifest: sha256 {digest[:12]}… ({size} bytes),"
                          f" manifest says {manifest['sha256'][:12]}… ({manifest.get('size')} bytes);"
                          " the file is corrupt or was changed")
    return manifest


def check_backup(file: Path, max_age: float | None, now: datetime) -> StepResult:
    """The `backup` check: the backup exists, is younger than `max_age` and still matches its manifest."""
    try:
        manifest = verify_checksum(file)
    except BackupError as exc:
        return StepResult.failed(str(exc))
    try:
        created = datetime.fromisoformat(str(manifest.get("created_at")))
    except ValueError:
        created = datetime.fromtimestamp(file.stat().st_mtime, tz=now.tzinfo)
    if created.tzinfo is None and now.tzinfo is not None:
        created = created.replace(tzinfo=now.tzinfo)
    age = max(0.0, (now - created).total_seconds())
    detail = {"file": str(file), "age": round(age, 1), "sha256": manifest["sha256"], "size": manifest.get("size"),
              "tables": manifest.get("tables", {})}
    if max_age is not None and age > max_age:
        return StepResult.failed(f"backup {file.name} is {format_duration(age)} old, older than"
                                 f" {format_duration(max_age)}", **detail)
    return StepResult.passed(f"backup {file.name} is {format_duration(age)} old and matches its manifest"
                             f" (sha256 {manifest['sha256'][:12]}…)", **detail)


def record_backup(ctx: StepContext, file: Path, source: str) -> None:
    """Remember this run's backups so a later `restore` without `file:` finds the right one."""
    path = state_dir(ctx.workdir, ctx.run_id) / "backups.json"
    entries = [e for e in (read_json(path) or []) if e.get("step") != ctx.step_id]
    entries.append({"step": ctx.step_id, "file": str(file), "source": source})
    write_json(path, entries)


def latest_backup(ctx: StepContext, source: str) -> Path | None:
    entries = read_json(state_dir(ctx.workdir, ctx.run_id) / "backups.json") or []
    for entry in reversed(entries):
        if entry.get("source") == source:
            return Path(entry["file"])
    return None
