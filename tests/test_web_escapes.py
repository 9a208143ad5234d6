"""The console shows what a plan or a step printed, never obeys it: a bidi override in a plan name, an ANSI
sequence, OSC 52 and a carriage return in a step's name and output reach the page as visible escapes, as the
terminal and the reports show them (a name reading "approved" while it holds "\\u202edevorppa" must not be
rendered reversed). Real `golive web`, a local account, Debian's Chromium through Playwright."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from chromium import CHROMIUM
from conftest import golive
from webconsole import PASSWORD, add_user, serve, team_yaml

WAIT = 60_000

PLAN = r"""
name: "Shop \u202eog-on\u202c 2.0"
service: shop
environment: prod
phases:
  - name: "Deploy \u2066x\u2069"
    steps:
      - name: "deploy\rGATE APPROVED"
        shell: printf 'out \033[2J\033]52;c;ZWNobyBoaQ==\007 done\rFORGED\n'
"""


@pytest.fixture
def console(workdir: Path) -> Iterator[tuple[str, str]]:
    (workdir / "plan.yaml").write_text(PLAN)
    res = golive("run", "plan.yaml", "--no-wait", cwd=workdir)
    assert res.code == 0, res.out + res.err
    rid = str(json.loads(golive("runs", "--json", cwd=workdir).out)[0]["run"])
    add_user(workdir, "vic")
    (workdir / "golive-team.yaml").write_text(team_yaml(None))
    with serve(workdir, "--team", "golive-team.yaml") as server:
        yield server.url, rid


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


def test_controls_in_names_and_output_are_shown_as_escapes(console: tuple[str, str], browser: Browser) -> None:
    url, rid = console
    page = browser.new_page()
    page.goto(f"{url}/runs/{rid}")
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=WAIT)
    page.fill("input[name=name]", "vic")
    page.fill("input[name=password]", PASSWORD)
    page.click("form#login button[type=submit]")
    expect(page.locator("#title")).to_have_text("Shop \\u202eog-on\\u202c 2.0", timeout=WAIT)
    assert page.title().startswith("Shop \\u202eog-on\\u202c 2.0")
    step = page.locator(".card[data-step='1.1']")
    expect(step).to_contain_text("deploy\\x0dGATE APPROVED", timeout=WAIT)
    expect(step.locator("pre")).to_contain_text("out \\x1b[2J\\x1b]52;c;ZWNobyBoaQ==\\x07 done\\x0dFORGED")
    shown = page.evaluate("document.body.innerText")
    bad = sorted({f"U+{ord(c):04X}" for c in shown if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0
                  or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069})
    assert bad == [], bad
    page.goto(f"{url}/")
    expect(page.locator(f".card[data-run='{rid}'] a.run")).to_have_text("Shop \\u202eog-on\\u202c 2.0", timeout=WAIT)
    page.close()
