"""A `$NAME` the steps read that the document sets nowhere (`git tag -a "v$VERSION"`): bash would run it empty and
tag `v`. It becomes a plan var with no default (the run refuses to start until it is given) and the summary says
so; names every shell has, names the document sets (assignments, loops, `read`, exports, env files), names read
with a default, and PowerShell's own `$vars` are left alone. A `{{ version }}` or `<placeholder>` is never run as
written either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.errors import SecretError
from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text
from golive.plan.vars import resolve_vars

TAG = """# Wallet release

## 1. Tag

```bash
git checkout release/2026.51
git tag -a "v$RELEASE" -m "Wallet ${RELEASE}"
git push origin "v$RELEASE" --push-option="ci.skip=${SKIP_CI:-false}"
for host in web1 web2; do ssh "$host" "echo $HOME $USER"; done
sort hosts.txt | while read -r line; do echo "$line"; done
TAG_NAME=v1
echo "$TAG_NAME"
```

```powershell
$node = Get-Item C:\\app
Write-Output $node
```

## 2. Build

```bash
cd mobile/ && bundle exec fastlane ios release version:{{ version }} token:<your-ci-token>
```
"""

SOURCED = """# Deploy

## 1. Deploy

```bash
source ./env.sh
helm upgrade app chart --set image.tag="$APP_RELEASE"
```
"""


def _vars(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data.get("vars") or {})


def test_a_name_set_nowhere_becomes_a_var_the_run_must_be_given() -> None:
    res = import_markdown(TAG, "tag.md")
    plan = parse_plan_text(res.yaml_text, "x")
    assert _vars(res.data)["RELEASE"]["from_env"] == "RELEASE" and "value" not in _vars(res.data)["RELEASE"]
    assert any("$RELEASE read by the steps and set nowhere" in s for s in res.summary)
    with pytest.raises(SecretError, match="RELEASE"):
        resolve_vars(plan, {"YOUR_CI_TOKEN": "t", "VERSION": "1"}, Path("."))


def test_names_set_known_defaulted_or_powershells_are_not_vars() -> None:
    names = set(_vars(import_markdown(TAG, "tag.md").data))
    assert not names & {"HOME", "USER", "host", "line", "TAG_NAME", "SKIP_CI", "node"}, names


def test_templates_and_placeholders_never_run_as_written() -> None:
    res = import_markdown(TAG, "tag.md")
    build = next(s["shell"] for p in res.data["phases"] for s in p["steps"] if "fastlane" in str(s.get("shell")))
    text = build if isinstance(build, str) else build["command"]
    assert "{{" not in text and "<your-ci-token>" not in text
    assert {"VERSION", "YOUR_CI_TOKEN"} <= set(_vars(res.data))


def test_after_a_sourced_file_the_name_is_said_not_declared() -> None:
    res = import_markdown(SOURCED, "sourced.md")
    assert "APP_RELEASE" not in _vars(res.data)
    assert any("$APP_RELEASE" in s and "sources" in s for s in res.summary)
