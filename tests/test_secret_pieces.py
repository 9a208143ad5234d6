"""Nothing secret is written in part: a step that prints a token split across lines (`fold`), base64-encoded
(an `Authorization: Basic` header, `base64 -w`), percent-encoded (a URL), as a substring (`${T:5:20}`), puts no piece
of it at least `PART` long into the run's output, the log, the reports or any byte of the store."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote

from conftest import golive
from golive.masking import EDGE, PART, Masker

TOKEN = "tok/EN+9x=Q&zR7#kP2@wL5!mN8$vB3%cX6^hJ1"  # 40 characters, 4 of them special to URLs

PLAN = """\
name: token pieces
service: piecesvc
environment: test
vars:
  API_TOKEN: {secret: true, from_env: GOLIVE_TEST_TOKEN}
phases:
  - name: Print it in pieces
    steps:
      - name: split across lines
        shell: printf '%s\\n' "$API_TOKEN" | fold -w 7
      - name: a basic auth header
        shell: printf 'deploy:%s' "$API_TOKEN" | base64 -w0; echo
      - name: base64 wrapped
        shell: printf '%s' "$API_TOKEN" | base64 -w 12
      - name: in a URL
        shell: python3 -c 'import os, urllib.parse as u; print("https://x/?t=" + u.quote(os.environ["API_TOKEN"], ""))'
      - name: a substring
        shell: echo "${API_TOKEN:5:20}"
"""


def pieces(text: str, size: int) -> set[str]:
    return {text[i:i + size] for i in range(len(text) - size + 1)}


#: What must not appear: any PART-long piece of the token, of its percent-encoding, of its base64 (the
#: characters that depend on it alone, as the step printed them), and the token's last EDGE characters.
FORBIDDEN = (pieces(TOKEN, PART) | pieces(quote(TOKEN, safe=""), PART)
             | pieces(base64.b64encode(TOKEN.encode()).decode()[:-4], PART)
             | pieces(base64.b64encode(("deploy:" + TOKEN).encode()).decode()[12:-4], PART) | {TOKEN[-EDGE - 20:]})


def test_the_masker_hides_pieces_and_encodings() -> None:
    m = Masker([TOKEN])
    for shown in ("\n".join(TOKEN[i:i + 7] for i in range(0, len(TOKEN), 7)),
                  "Basic " + base64.b64encode(("deploy:" + TOKEN).encode()).decode(),
                  "https://x/?t=" + quote(TOKEN, safe=""), "<" + TOKEN[5:25] + ">",
                  "[... output truncated ...]\n" + TOKEN[-EDGE:] + "xxxx"):
        masked = m.text(shown)
        assert "***" in masked and not any(f in masked for f in FORBIDDEN), masked
    assert m.text("[... output truncated ...]\n" + TOKEN[-EDGE:] + "xxxx").endswith("\n***xxxx")
    assert m.text("deploy to production: ok\n") == "deploy to production: ok\n"  # no piece of it: left alone


def test_pieces_of_a_secret_appear_nowhere(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN, encoding="utf-8")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_TEST_TOKEN": TOKEN})
    assert res.code == 0, res.out + res.err
    run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    log = golive("log", run_id, "--json", cwd=workdir).out
    finished = [json.loads(line)["payload"] for line in log.splitlines() if '"step.finished"' in line]
    assert len(finished) == 5 and all(p["status"] == "succeeded" for p in finished), finished
    assert all("***" in p["output"] for p in finished), [p["output"][:200] for p in finished]
    outputs = {"run": res.out + res.err, "log": golive("log", run_id, cwd=workdir).out, "log --json": log}
    for fmt in ("html", "json", "md"):
        rep = golive("report", run_id, "--format", fmt, cwd=workdir)
        assert rep.code == 0, rep.err
        outputs[f"report {fmt}"] = rep.out
    leaks = {name: sorted(f for f in FORBIDDEN if f in text)[:3] for name, text in outputs.items()}
    assert not any(leaks.values()), leaks
    for path in workdir.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert not [f for f in FORBIDDEN if f.encode() in blob], path
