"""`file`: a file exists and is recent enough, big enough and/or has the expected SHA-256
(e.g. the backup taken before the change, the artifact about to be deployed)."""

from __future__ import annotations

import hashlib
import stat
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from golive.checks._common import CheckBase, Size, format_size
from golive.core.fields import Duration
from golive.core.step import StepContext, StepResult
from golive.units import format_duration


class FileCheck(CheckBase):
    type: Literal["file"]
    path: str = Field(min_length=1)
    #: The file must have been modified at most this long ago.
    max_age: Duration | None = None
    min_size: Size | None = None
    sha256: str | None = None

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip().lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError("sha256 must be 64 hexadecimal characters")
        return value

    def describe(self) -> str:
        wants = [w for w in (
            f"modified within {format_duration(self.max_age)}" if self.max_age is not None else "",
            f"at least {format_size(self.min_size)}" if self.min_size is not None else "",
            f"sha256 {self.sha256[:12]}..." if self.sha256 else "",
        ) if w]
        return f"file {self.path} exists" + (f": {', '.join(wants)}" if wants else "")

    def run(self, ctx: StepContext, timeout: float) -> StepResult:
        path = Path(ctx.interpolate(self.path))
        if not path.is_absolute():
            path = ctx.workdir / path
        try:
            st = path.stat()
        except FileNotFoundError:
            return StepResult.failed(f"{path}: does not exist")
        except OSError as exc:
            return StepResult.failed(f"{path}: cannot stat: {exc.strerror or exc}")
        if not stat.S_ISREG(st.st_mode):
            return StepResult.failed(f"{path}: is not a regular file")
        modified = datetime.fromtimestamp(st.st_mtime, UTC)
        age = max((ctx.clock.now() - modified).total_seconds(), 0.0)
        detail: dict[str, Any] = {"size_bytes": st.st_size, "age_seconds": round(age, 1),
                                  "modified": modified.isoformat()}
        problems: list[str] = []
        facts = [format_size(st.st_size), f"modified {format_duration(age)} ago"]
        if self.max_age is not None and age > self.max_age:
            problems.append(f"modified {format_duration(age)} ago, max age {format_duration(self.max_age)}")
        if self.min_size is not None and st.st_size < self.min_size:
            problems.append(f"size {format_size(st.st_size)}, need at least {format_size(self.min_size)}")
        if self.sha256:
            digest = _sha256(path, time.monotonic() + timeout)
            if digest is None:
                problems.append(f"sha256 not computed within {format_duration(timeout)}")
            elif isinstance(digest, OSError):
                problems.append(f"cannot read: {digest.strerror or digest}")
            else:
                detail["sha256"] = digest
                if digest != self.sha256:
                    problems.append(f"sha256 {digest}, expected {self.sha256}")
                else:
                    facts.append("sha256 matches")
        if problems:
            return StepResult.failed(f"{path}: {'; '.join(problems)}", **detail)
        return StepResult.passed(f"{path}: {', '.join(facts)}", **detail)


def _sha256(path: Path, deadline: float) -> str | OSError | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb", buffering=0) as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
                if time.monotonic() > deadline:
                    return None
    except OSError as exc:
        return exc
    return digest.hexdigest()

