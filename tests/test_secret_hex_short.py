"""A secret printed as hex (`xxd -p`, `od | tr -d`, `.hex()`), lower or upper case, is masked like its base64 and
percent-encodings are; a secret shorter than `PART` is masked whole also where a line break splits it (`fold`),
and is never cut into pieces. Failures say what leaked where, never the value: the asserts compare booleans and
the parameters have ids of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import golive
from golive.masking import MASK, PART, Masker

LONG = "q7Rv2LmX9zTk4WbN"  # 16 characters
SHORT = "Zp4@kQ"  # 6 characters: shorter than PART
assert len(SHORT) < PART <= len(LONG)


def _hex(secret: str, upper: bool = False) -> str:
    text = secret.encode().hex()
    return text.upper() if upper else text


def _forbidden(secret: str) -> set[str]:
    """The secret itself and its hex (both cases); for a secret at least PART long, every PART-long piece of them."""
    whole = {secret, _hex(secret), _hex(secret, upper=True)}
    if len(secret) < PART:
        return whole
    return {w[i:i + PART] for w in whole for i in range(len(w) - PART + 1)}


def _leaks(text: str, secret: str) -> bool:
    return any(f in text.replace("\n", "").replace("\r", "") for f in _forbidden(secret))


@pytest.mark.parametrize("shown", [
    lambda: f"hex {_hex(LONG)} end",
    lambda: f"HEX {_hex(LONG, upper=True)} END",
    lambda: "deadbeef" + _hex("user:" + LONG) + "00",  # inside a longer hex text, at its own byte
    lambda: "\n".join(_hex(LONG)[i:i + 6] for i in range(0, len(_hex(LONG)), 6)),  # `xxd -p -c 3`
    lambda: f"hex {_hex(SHORT)} end",
    lambda: f"HEX {_hex(SHORT, upper=True)} END",
], ids=["lower", "upper", "inside-hex", "wrapped", "short-lower", "short-upper"])
def test_hex_of_a_secret_is_masked(shown: object) -> None:
    text = shown()  # type: ignore[operator]
    secret = SHORT if SHORT.encode().hex() in text.lower().replace("\n", "") else LONG
    masked = Masker([secret]).text(text)
    leaked = _leaks(masked, secret)
    assert not leaked, "the secret's hex is in the masked text"
    assert MASK in masked


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5], ids=lambda w: f"fold-w{w}")
def test_a_short_secret_split_by_line_breaks_is_masked_whole(width: int) -> None:
    folded = "\n".join(SHORT[i:i + width] for i in range(0, len(SHORT), width))
    masked = Masker([SHORT]).text(f"token:\n{folded}\ndone\n")
    leaked = any(SHORT[i:i + 2] in masked for i in range(len(SHORT) - 1))
    assert not leaked, "a piece of the short secret is in the masked text"
    assert masked.startswith("token:\n***") and masked.endswith("\ndone\n")


def test_a_short_secret_is_not_cut_into_pieces() -> None:
    m = Masker([SHORT])
    kept = [m.text(f"x {SHORT[:n]} y") for n in range(1, len(SHORT))]
    assert kept == [f"x {SHORT[:n]} y" for n in range(1, len(SHORT))]  # its parts alone are ordinary text
    assert m.text("deploy to production: ok") == "deploy to production: ok"


PLAN = """\
name: hex and short
service: hexsvc
environment: test
vars:
  API_TOKEN: {secret: true, from_env: GOLIVE_TEST_TOKEN}
  PIN: {secret: true, from_env: GOLIVE_TEST_PIN}
phases:
  - name: Print them encoded
    steps:
      - name: hex
        shell: python3 -c 'import os; t = os.environ["API_TOKEN"].encode(); print(t.hex()); print(t.hex().upper())'
      - name: hex wrapped
        shell: printf '%s' "$API_TOKEN" | od -An -tx1 | tr -d ' '
      - name: short one folded
        shell: printf '%s\\n' "$PIN" | fold -w 2
      - name: short one as hex
        shell: python3 -c 'import os; print(os.environ["PIN"].encode().hex().upper())'
"""


def test_hex_and_short_secrets_appear_nowhere(workdir: Path) -> None:
    (workdir / "plan.yaml").write_text(PLAN, encoding="utf-8")
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir,
                 env={"GOLIVE_TEST_TOKEN": LONG, "GOLIVE_TEST_PIN": SHORT})
    ran = res.code == 0
    assert ran, f"the run failed (exit {res.code}; its output is not shown: it may hold a secret)"
    run_id = json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"]
    log = golive("log", run_id, "--json", cwd=workdir).out
    finished = [json.loads(line)["payload"] for line in log.splitlines() if '"step.finished"' in line]
    assert [p["status"] for p in finished] == ["succeeded"] * 4
    assert all(MASK in p["output"] for p in finished)
    outputs = {"run": res.out + res.err, "log": golive("log", run_id, cwd=workdir).out, "log --json": log}
    for fmt in ("html", "json", "md"):
        outputs[f"report {fmt}"] = golive("report", run_id, "--format", fmt, cwd=workdir).out
    leaked = sorted(name for name, text in outputs.items() if _leaks(text, LONG) or _leaks(text, SHORT))
    assert leaked == [], "a secret or its hex is in these outputs"
    files = sorted(str(p.relative_to(workdir)) for p in workdir.rglob("*") if p.is_file() and any(
        f.encode() in p.read_bytes() for f in _forbidden(LONG) | _forbidden(SHORT)))
    assert files == [], "a secret or its hex is in these files"
