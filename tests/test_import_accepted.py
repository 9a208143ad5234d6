"""Imported steps must succeed where the document's command succeeds (issue 14, sets 9 and 10).

- A curl call made an `http` step accepts what curl accepts when the document states no status: an API answers a
  POST with 201 and a PUT with 204, and a step left at 200 failed (and rolled back) when the call had worked.
  `curl -L` follows the redirects as curl does. A stated status stays the only one.
- A document that says a program's exit status is normal ("oscap exits 2 when any rule fails, which is normal",
  "`nomad job plan` exits with code 1 when allocations will change ... not a failure") makes that status the
  step's success; statuses it calls failures never are, and the carried `cd` in front of the step still fails it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.plan.importer import import_markdown
from golive.plan.importer.accepted import said_statuses
from importforms import doc_steps, run_imported
from localhttp import JsonHandler, serving


class _Api(JsonHandler):
    """Answers like a REST API: 201 to a POST, 204 to a PUT, a redirect at /old, 404 at /missing."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.reply_json({"id": "d-1"}, status=404 if self.path == "/missing" else 201)

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:
        if self.path == "/old":
            self.send_response(302)
            self.send_header("Location", "/missing")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.reply_json({"status": "UP"}, status=404 if self.path == "/missing" else 200)


def _curl_doc(command: str, after: str = "") -> str:
    return f"# API release\n\n## Phase 1: Deploy\n\n```sh\n{command}\n```\n{after}\n"


@pytest.mark.parametrize(("command", "status"), [
    ("curl -fsS -X POST http://127.0.0.1:{port}/deployments -H 'Content-Type: application/json'"
     " -d '{{\"group\":\"dogfood\"}}'", "succeeded"),
    ("curl -fsS -X PUT http://127.0.0.1:{port}/deployments/7/status -d '{{\"status\":\"aborted\"}}'", "succeeded"),
    ("curl -fsS -X POST http://127.0.0.1:{port}/missing -d '{{\"a\":1}}'", "failed"),
    ("curl -fsS http://127.0.0.1:{port}/old", "succeeded"),  # curl without -L: the 302 is the answer, exit 0
    ("curl -fsSL http://127.0.0.1:{port}/old", "failed"),  # -L: curl follows to the 404 and fails
])
def test_a_curl_step_succeeds_where_curl_does(command: str, status: str, tmp_path: Path) -> None:
    with serving(_Api) as port:
        doc = _curl_doc(command.format(port=port))
        assert "http" in doc_steps(doc)[0]
        assert run_imported(doc, tmp_path) == status


def test_a_stated_status_stays_the_only_one(tmp_path: Path) -> None:
    with serving(_Api) as port:
        doc = _curl_doc(f"curl -s -X POST http://127.0.0.1:{port}/deployments -d '{{\"a\":1}}'",
                        "\nIt should return 200.")
        step = doc_steps(doc)[0]
        assert step["http"]["expect"]["status"] == [200]
        assert run_imported(doc, tmp_path) == "failed"  # the API answered 201, not the 200 the document states


def test_the_summary_says_what_curl_accepts() -> None:
    doc = _curl_doc("curl -fsS -X POST https://ota.example/api/deployments -d '{\"a\":1}'")
    summary = "\n".join(import_markdown(doc, "doc.md").summary)
    assert "2xx/3xx, what curl accepts" in summary


SCAN = """# Hardened deploy

## 4. Deployment

{lead}

```bash
cd {dir}
./scan.sh
```

{note}
"""


@pytest.fixture
def scanner(tmp_path: Path) -> Path:
    """`./scan.sh` exits with the status written in `rc` (a scanner that reports findings by its status)."""
    script = tmp_path / "scan.sh"
    script.write_text("#!/bin/sh\nexit \"$(cat rc)\"\n")
    script.chmod(0o755)
    return tmp_path


@pytest.mark.parametrize(("note", "rc", "status"), [
    ("NOTE: scan.sh exits 2 when any rule fails, which is normal on this baseline.\nDo not treat exit code 2 as a"
     " failed step; the ISSO reads the report.", 2, "succeeded"),
    ("NOTE: scan.sh exits 2 when any rule fails, which is normal on this baseline.", 3, "failed"),
    ("IMPORTANT: `scan.sh` exits with code 1 when allocations will change. Here that is the normal case, not a"
     " failure.", 1, "succeeded"),
    ("Exit codes 0-7 = success, 8 or more = failure.", 7, "succeeded"),
    ("Exit codes 0-7 = success, 8 or more = failure.", 8, "failed"),
    ("Exit-Code 2 ist normal (Befunde), kein Fehler.", 2, "succeeded"),
    ("退出码 2 是正常的。", 2, "succeeded"),
    ("", 2, "failed"),  # nothing said: any status but 0 fails
    ("If it exits 1, stop and roll back.", 1, "failed"),
])
def test_a_status_the_document_calls_normal_is_success(note: str, rc: int, status: str, scanner: Path) -> None:
    (scanner / "rc").write_text(str(rc))
    doc = SCAN.format(lead="Run the scan:", dir=scanner, note=note)
    assert run_imported(doc, scanner) == status


def test_a_statement_about_another_program_changes_nothing(scanner: Path) -> None:
    (scanner / "rc").write_text("1")
    doc = SCAN.format(lead="Run the scan:", dir=scanner, note="`nomad job plan` exits 1 when allocations change:"
                      " that is normal.")
    assert run_imported(doc, scanner) == "failed"


def test_a_failed_carried_cd_still_fails_a_step_that_accepts_1(tmp_path: Path) -> None:
    """The `cd` of an earlier block is carried in front of the step: when it fails, the step ends with a status it
    does not accept (it would have ended with 1, which the document made success)."""
    gone = tmp_path / "gone"
    gone.mkdir()
    doc = (f"# Nomad\n\n## Prepare\n\n```bash\ncd {gone}\nrmdir {gone}\n```\n\n## Plan\n\n```bash\n"
           "true\n```\n\nIMPORTANT: `true` exits with code 1 when allocations will change: the normal case.\n")
    steps = doc_steps(doc)
    assert steps[1]["shell"]["expect_exit"] == [0, 1]
    assert "|| exit 2" in steps[1]["shell"]["command"]
    assert run_imported(doc, tmp_path, "2.1") == "failed"


@pytest.mark.parametrize(("text", "want"), [
    ("robocopy 1-7 = success", set()),  # no program given: the numbers are tied to nothing
    ("returns 1 when there are changes", {1}),
    ("código de salida 2 es esperado", {2}),
    ("robocopy returns codes below 8 on success", set(range(1, 8))),
    ("grep exits 1 when nothing matches, which is an error here", set()),
    ("HTTP status 201 is expected", set()),
])
def test_statements_read(text: str, want: set[int]) -> None:
    assert said_statuses(text) == want


def test_the_program_named_ties_its_numbers() -> None:
    assert said_statuses("robocopy 1-7 = success, 8+ = failure", "robocopy") == set(range(1, 8))




@pytest.mark.parametrize("command", [
    "ssh hop-db1 'sudo dnf -y upgrade slurm-slurmdbd && sudo -u slurm slurmdbd -D -vvv'",
    "sudo -u slurm slurmdbd -Dvvv",
    "haproxy -db -f /etc/haproxy/haproxy.cfg",
    "ssh web1 'ls; tail -f /var/log/app.log'",
    "supervisord --nodaemon -c /etc/supervisord.conf",
])
def test_a_daemon_kept_in_the_foreground_is_no_step(command: str) -> None:
    """Started in the foreground a daemon serves until Ctrl-C: a step would never end (set 10 08's slurmdbd)."""
    doc = _curl_doc(command) + "\n```sh\n./after.sh\n```\n"
    result = import_markdown(doc, "doc.md")
    assert [s["shell"] for s in doc_steps(doc) if "manual" not in s] == ["./after.sh"]
    shown = [s["manual"]["instruction"] for s in doc_steps(doc) if "manual" in s]
    # a person's step shows it whole, in its place (with the upgrade before the daemon when it does other work too)
    assert len(shown) == 1 and command in shown[0] and "never ends" in shown[0]
    assert "manual" in doc_steps(doc)[0]
    assert any("never ends on its own" in c for c in result.summary)


@pytest.mark.parametrize("command", ["timeout --foreground 60 ./smoke.sh", "sudo systemctl start slurmdbd",
                                     "slurmdbd -V"])
def test_bounded_commands_stay_steps(command: str) -> None:
    assert [s for s in doc_steps(_curl_doc(command)) if "shell" in s]
