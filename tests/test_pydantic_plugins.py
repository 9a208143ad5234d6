"""golive answers pydantic's plugin question itself only when no pydantic plugin is installed
(golive.core.pydantic_plugins): a plugin a user installed is still found and loaded by pydantic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PLAN = """name: plugged
service: plugsvc
environment: prod
phases:
  - name: one
    steps:
      - shell: echo hello
"""

PLUGIN = """from pathlib import Path
import os


class Plugin:
    def new_schema_validator(self, schema, schema_type, schema_type_path, schema_kind, config, plugin_settings):
        with open(os.environ["PLUGIN_SAW"], "a") as f:
            f.write(schema_type_path.name + "\\n")
        return None, None, None


plugin = Plugin()
"""


def _install(site: Path, section: str) -> None:
    (site / "fakeplug.py").write_text(PLUGIN)
    info = site / "fakeplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{section}]\nfake = fakeplug:plugin\n")


def _plan_show(tmp_path: Path, site: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    (tmp_path / "plan.yaml").write_text(PLAN)
    saw = tmp_path / "saw.txt"
    env = {**os.environ, "PYTHONPATH": str(site), "PLUGIN_SAW": str(saw)}
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    proc = subprocess.run([sys.executable, "-m", "golive", "plan", "show", "plan.yaml"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc, saw.read_text() if saw.exists() else ""


def test_an_installed_pydantic_plugin_still_sees_golives_models(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install(site, "pydantic")
    proc, saw = _plan_show(tmp_path, site)
    assert proc.returncode == 0, proc.stderr
    assert "Plan" in saw.split(), saw


def test_an_entry_point_of_another_group_is_no_pydantic_plugin(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _install(site, "console_scripts")
    proc, saw = _plan_show(tmp_path, site)
    assert proc.returncode == 0 and saw == "", (proc.stderr, saw)
