"""A runbook written as console transcripts (`$` for the user, `#` for root, output under each command) with
sub-steps as paragraphs ("2a. …") lost whole sections: "Stop" and "Upgrade" read as no phase, so the plan upgraded
nothing and only kept the last section. A dropped step is a changed meaning: every such section is a phase, and what
cannot be a command is at least a person's step in it, in the document's order."""

from __future__ import annotations

import yaml

from golive.plan.importer import import_markdown
from golive.plan.loader import parse_plan_text

DOC = """# Ledger 7.1 upgrade

Prompts: `$` is you, `#` is root. Lines without a prompt are output.

## 1. Pre-checks (21:00)

1a. The new package is in the mirror:

```
$ apt-cache policy ledger-server
ledger-server:
  Candidate: 7.1.0-1
```

1b. No import job is running: `ls /var/lib/ledger/jobs/` prints nothing.

## 2. Stop the service (21:10)

```
$ sudo -i
# systemctl stop ledger-server
# systemctl is-active ledger-server
inactive
```

## 3. Install (21:15, 10 minutes max)

```
# apt-get install -y ledger-server=7.1.0-1
Setting up ledger-server (7.1.0-1) ...
```

## 4. Start and check (21:30)

```bash
sudo systemctl start ledger-server
curl -fsS localhost:9000/health
```
"""


def _phases() -> list[dict[str, object]]:
    text = import_markdown(DOC, "doc.md").yaml_text
    parse_plan_text(text, "doc.yaml")
    phases: list[dict[str, object]] = yaml.safe_load(text)["phases"]
    return phases


def test_every_transcript_section_is_a_phase_in_order() -> None:
    names = [str(p["name"]) for p in _phases()]
    assert len(names) == 4, names
    for want, got in zip(("Pre-checks", "Stop the service", "Install", "Start and check"), names, strict=True):
        assert want in got, names


def test_root_prompt_commands_are_a_persons_steps_in_their_phase() -> None:
    phases = {str(p["name"]).split("(")[0].strip(): yaml.safe_dump(p["steps"]) for p in _phases()}
    stop = next(v for k, v in phases.items() if "Stop" in k)
    assert "systemctl stop ledger-server" in stop
    install = next(v for k, v in phases.items() if "Install" in k)
    assert "apt-get install -y ledger-server=7.1.0-1" in install
    checks = next(v for k, v in phases.items() if "Pre-checks" in k)
    assert "apt-cache policy ledger-server" in checks
    assert "/var/lib/ledger/jobs/" in checks  # the sub-step paragraph is a person's step
    assert "inactive" not in stop.replace("is-active", "")  # output is never a command


def test_root_prompt_output_is_never_a_shell_step() -> None:
    for p in _phases():
        for s in p["steps"]:  # type: ignore[attr-defined]
            shell = s.get("shell")
            cmd = shell.get("command") if isinstance(shell, dict) else shell
            assert not cmd or ("apt-get install" not in cmd and "systemctl stop" not in cmd), s


def test_a_go_no_go_in_such_a_section_is_its_gate_and_reported_placed() -> None:
    doc = DOC.replace("## 3. Install", "**Go/no-go:** Maria says go once the service is stopped.\n\n## 3. Install")
    result = import_markdown(doc, "doc.md")
    stop = next(p for p in yaml.safe_load(result.yaml_text)["phases"] if "Stop" in p["name"])
    assert "Maria says go" in stop["gate"]["description"]
    assert not any("Stop the service" in u.what for u in result.unplaced), result.unplaced


def test_a_sub_step_paragraph_of_a_phase_is_a_persons_step_in_its_place() -> None:
    doc = DOC.replace("## 4. Start and check (21:30)\n\n```bash",
                      "3b. Merge `/etc/ledger/server.conf.dpkg-dist` by hand, keeping our `db.url`.\n\n"
                      "## 4. Start and check (21:30)\n\n```bash\nledger-ctl migrate\n"
                      "```\n\n4b. Tell the support channel the ledger is back.\n\n```bash")
    for p in yaml.safe_load(import_markdown(doc, "doc.md").yaml_text)["phases"]:
        texts = [yaml.safe_dump(s) for s in p["steps"]]
        if "Install" in p["name"]:
            merge = next(i for i, t in enumerate(texts) if "dpkg-dist" in t)
            assert merge > next(i for i, t in enumerate(texts) if "apt-get install" in t), texts
        if "Start and check" in p["name"]:
            said = next(i for i, t in enumerate(texts) if "support channel" in t)
            assert next(i for i, t in enumerate(texts) if "migrate" in t) < said < \
                next(i for i, t in enumerate(texts) if "systemctl start" in t), texts
