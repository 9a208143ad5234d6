"""A multi-line secret (a private key) is hidden line by line as well as whole: a step that prints only part
of it (`tail -n +2`, one line with `sed -n`) puts none of its lines into the log, the store's bytes, or the
HTML, JSON and Markdown reports."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import golive
from golive.masking import Masker

BODY = ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ-LINE1-QUxwXyZ", "AAAAMwAAAAtzc2gtZWQyNTUxOQAAACB-LINE2-Kp3rT9",
        "uS4N1n0tV8wQ2xE7r-LINE3-aG9zdC1rZXk="]
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(BODY) + "\n-----END OPENSSH PRIVATE KEY-----\n"

PLAN = """\
name: key lines
service: keysvc
environment: test
vars:
  DEPLOY_KEY: {secret: true, from_file: deploy_key}
phases:
  - name: Use the key
    steps:
      - name: all but the first line
        shell: 'echo "$DEPLOY_KEY" | tail -n +2'
      - name: one line, then fail with it in the error
        shell: 'echo "$DEPLOY_KEY" | sed -n 3p; echo "$DEPLOY_KEY" | sed -n 2p >&2; exit 1'
"""


def test_masker_hides_each_line_and_the_whole() -> None:
    m = Masker([KEY])
    assert m.text(KEY) == "***"
    assert all(line not in m.text(f"x {line} y") for line in BODY)
    assert m.text("\r\n".join(BODY)).count("***") == 3


def test_part_of_a_multi_line_secret_appears_nowhere(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN, encoding="utf-8")
    (workdir / "deploy_key").write_text(KEY, encoding="utf-8")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 1, res.out + res.err
    run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    outputs = [res.out, res.err, golive("log", run_id, cwd=workdir).out,
               golive("log", run_id, "--json", cwd=workdir).out]
    for fmt in ("html", "json", "md"):
        rep = golive("report", run_id, "--format", fmt, cwd=workdir)
        assert rep.code == 0, rep.err
        outputs.append(rep.out)
    log = golive("log", run_id, "--json", cwd=workdir).out
    assert "***" in log  # the lines were printed, and masked
    written = [p.read_bytes() for p in workdir.rglob("*") if p.is_file() and p.name != "deploy_key"]
    for line in BODY:
        marker = line.split("-")[1]  # LINE1, LINE2, LINE3: any piece of a line gives it away
        for text in outputs:
            assert marker not in text, f"{marker} leaked: {text[:300]}"
        for blob in written:
            assert marker.encode() not in blob
