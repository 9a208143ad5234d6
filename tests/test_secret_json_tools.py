"""A generated password with symbols, printed the way deploy tools write JSON: Go's encoding/json (terraform
output -json, kubectl, helm, docker inspect) writes & < > as \\u0026 \\u003c \\u003e, Python's json.dumps writes
non-ASCII as \\u00fc, PHP's json_encode also writes / as \\/. Each escape cuts the password into pieces shorter
than the masker's PART, so before these forms were masked the password was written almost whole. Real run:
nothing of it reaches the output, the log, the reports or any byte of the store."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import golive
from golive.masking import Masker

PASSWORD = "Ky7&Pq2<Rs9>Tw4&Uv6ü/x"

#: The printing scripts (Python stands in for the Go and PHP binaries: the escaping is what counts).
SCRIPTS = {
    "terraform_output.py": "import json, os\nv = json.dumps(os.environ['DB_PASSWORD'], ensure_ascii=False)\n"
                           "print(v.replace('&', '\\\\u0026').replace('<', '\\\\u003c').replace('>', '\\\\u003e'))\n",
    "python_dumps.py": "import json, os\nprint(json.dumps({'password': os.environ['DB_PASSWORD']}))\n",
    "php_json_encode.py": "import json, os\nprint(json.dumps(os.environ['DB_PASSWORD']).replace('/', '\\\\/'))\n",
}

PLAN = """\
name: json tools
service: jsonsvc
environment: test
vars:
  DB_PASSWORD: {secret: true, from_env: GOLIVE_TEST_PASSWORD}
phases:
  - name: Print it as tools do
    steps:
      - shell: python3 terraform_output.py
      - shell: python3 python_dumps.py
      - shell: python3 php_json_encode.py
"""

#: What the steps print, and the pieces that must not survive: each run of 4+ characters of the password
#: between two escapes, as the tool wrote it.
SHOWN = [json.dumps(PASSWORD, ensure_ascii=False).replace("&", "\\u0026").replace("<", "\\u003c")
         .replace(">", "\\u003e"), json.dumps(PASSWORD), json.dumps(PASSWORD).replace("/", "\\/")]
FORBIDDEN = {m for s in SHOWN for m in re.findall(r"(?:[^\\\"]|\\u[0-9a-f]{4}|\\/){8,}", s)}


def test_the_masker_hides_json_as_go_python_and_php_write_it() -> None:
    m = Masker([PASSWORD])
    for shown in SHOWN:
        assert m.text(shown) == '"***"', (shown, m.text(shown))


def test_a_password_printed_as_json_by_tools_appears_nowhere(workdir: Path) -> None:
    assert FORBIDDEN
    (workdir / "plan.yaml").write_text(PLAN, encoding="utf-8")
    for name, text in SCRIPTS.items():
        (workdir / name).write_text(text, encoding="utf-8")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir, env={"GOLIVE_TEST_PASSWORD": PASSWORD})
    assert res.code == 0, res.out + res.err
    run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    log = golive("log", run_id, "--json", cwd=workdir).out
    finished = [json.loads(line)["payload"] for line in log.splitlines() if '"step.finished"' in line]
    assert [p["status"] for p in finished] == ["succeeded"] * 3, finished
    assert all("***" in p["output"] for p in finished), [p["output"] for p in finished]
    outputs = {"run": res.out + res.err, "log": golive("log", run_id, cwd=workdir).out, "log --json": log}
    for fmt in ("html", "json", "md"):
        rep = golive("report", run_id, "--format", fmt, cwd=workdir)
        assert rep.code == 0, rep.err
        outputs[f"report {fmt}"] = rep.out
    leaks = {name: sorted(f for f in FORBIDDEN if f in text) for name, text in outputs.items()}
    assert not any(leaks.values()), leaks
    for path in workdir.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert not [f for f in FORBIDDEN if f.encode() in blob], path
