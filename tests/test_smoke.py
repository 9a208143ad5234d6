from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, golive


def test_version(tmp_path: Path) -> None:
    r = golive("--version", cwd=tmp_path)
    assert r.code == 0
    assert r.out.startswith("golive ")


def test_hello_example_succeeds_and_verifies(tmp_path: Path) -> None:
    shutil.copytree(REPO / "examples" / "hello", tmp_path / "hello")
    r = golive("run", "hello/plan.yaml", cwd=tmp_path, env={"HELLO_API_TOKEN": "tok-MARKER-123"})
    assert r.code == 0, r.out + r.err
    assert "run SUCCEEDED" in r.out
    run_id = r.out.split("run ", 2)[1].split()[0]
    v = golive("audit", "verify", run_id, cwd=tmp_path)
    assert v.code == 0, v.out
    assert "audit chain intact" in v.out
