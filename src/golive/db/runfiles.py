"""Files a run's database steps leave for later steps (undo, restore, a resumed process): written atomically,
read back with a plan-level error when unreadable, and checksummed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from golive.errors import StepConfigError


def sha256_file(path: Path, chunk: int = 4 * 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def state_dir(workdir: Path, run_id: str) -> Path:
    """Where a run's database steps leave notes for later steps (undo, restore) in this or a resumed process."""
    path = workdir / ".golive" / "state" / run_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StepConfigError(f"cannot read {path}: {exc}") from None


def write_json(path: Path, data: Any) -> None:
    """Atomic: a crash leaves the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)
