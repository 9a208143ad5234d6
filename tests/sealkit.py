"""A team with SSH keys for the signed-decision tests: keys made by ssh-keygen, an allowed_signers file, the
runner's key and the witness directory inside the test's directory, no ssh-agent unless a test starts one."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from inproc import cli

PLAN = """name: signed
service: signed
environment: prod
signers: signers
separation_of_duties: true
approvers:
  release-manager: [alice, bob, dave]
phases:
  - name: One
    steps:
      - shell: echo one
    gate:
      approvals: {role: release-manager, count: 1}
  - name: Two
    steps:
      - shell: echo two
    gate:
      approvals: {role: release-manager, count: 1}
"""


def keygen(directory: Path, name: str, passphrase: str = "") -> Path:
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", name, "-f", str(path)],
                   check=True, stdin=subprocess.DEVNULL)
    return path


def public(path: Path) -> str:
    return " ".join(path.with_name(path.name + ".pub").read_text().split()[:2])


class Team:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        keys = root / "keys"
        keys.mkdir()
        self.key = {n: keygen(keys, n) for n in ("alice", "bob", "carol")}
        monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
        monkeypatch.delenv("GOLIVE_SIGNERS", raising=False)
        monkeypatch.delenv("GOLIVE_KEY", raising=False)
        monkeypatch.setenv("GOLIVE_RUNNER_KEY", str(root / "runner" / "runner_ed25519"))
        monkeypatch.setenv("GOLIVE_WITNESS_DIR", str(root / "witness"))
        monkeypatch.setenv("GOLIVE_TEAM_CONFIG", str(root / "no-team.yaml"))
        # alice's key also answers to "dave": a second name must not get past separation of duties.
        self.write_signers(f"alice,dave {public(self.key['alice'])}\nbob {public(self.key['bob'])}\n"
                           f"carol {public(self.key['carol'])}\n")
        (root / "plan.yaml").write_text(PLAN)

    def write_signers(self, text: str) -> None:
        (self.root / "signers").write_text(text)

    @property
    def db(self) -> Path:
        return self.root / ".golive" / "golive.db"

    def start(self, who: str = "alice", *extra: str) -> str:
        r = cli("run", "plan.yaml", "--no-wait", "--key", str(self.key[who]), *extra)
        assert r.code == 3, r.out + r.err
        return self.last_run()

    def last_run(self) -> str:
        return str(json.loads(cli("runs", "--json").out)[0]["run"])

    def events(self, run_id: str) -> list[dict[str, object]]:
        return [json.loads(line) for line in cli("log", run_id, "--json").out.splitlines()]

    def types(self, run_id: str) -> list[str]:
        return [str(e["type"]) for e in self.events(run_id)]

    def finished_run(self) -> str:
        """alice starts, bob approves both gates: a succeeded run."""
        rid = self.start()
        for _ in range(2):
            assert cli("approve", rid, "--reason", "fine", "--key", str(self.key["bob"])).code == 0
            r = cli("resume", rid, "--no-wait")
            assert r.code in (0, 3), r.out + r.err
        assert r.code == 0
        return rid


def sql(db: Path, statement: str, *params: object) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(db)) as con:
        rows = con.execute(statement, params).fetchall()
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return rows


def rehash_from(db: Path, run_id: str, from_seq: int) -> None:
    """What a careful forger does after an edit: recompute every hash from `from_seq` on and fix the head."""
    from golive.store.chain import GENESIS, event_hash

    prev = GENESIS
    with contextlib.closing(sqlite3.connect(db)) as con:
        rows = con.execute("SELECT seq, ts, type, payload, hash FROM events WHERE run_id=? ORDER BY seq",
                           (run_id,)).fetchall()
        for seq, ts, type_, payload, digest in rows:
            if seq >= from_seq:
                digest = event_hash(run_id, seq, ts, type_, payload, prev)
                con.execute("UPDATE events SET prev_hash=?, hash=? WHERE run_id=? AND seq=?",
                            (prev, digest, run_id, seq))
            prev = digest
        last = rows[-1][0] if rows else 0
        con.execute("UPDATE runs SET head_seq=?, head_hash=? WHERE id=?", (last, prev, run_id))
        con.commit()
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def seq_of(db: Path, run_id: str, type_: str, nth: int = 0) -> int:
    rows = sql(db, "SELECT seq FROM events WHERE run_id=? AND type=? ORDER BY seq", run_id, type_)
    return int(rows[nth][0])  # type: ignore[call-overload]


#: How a signers file lists the web console's server key: it may vouch for people, never sign as one.
VOUCH = 'golive-web namespaces="golive-vouch@golive"'


def vouching_team(workdir: Path, monkeypatch: pytest.MonkeyPatch, people: tuple[str, ...]) -> dict[str, Path]:
    """Keys for `people`, the console's server key made before the server starts, and two signers files: `signers`
    (the people, and the server key listed to vouch) and `signers-novouch` (the people only). No agent, key or
    signers file of the machine's environment takes part. Returns each person's key and the server's."""
    for name in ("SSH_AUTH_SOCK", "GOLIVE_SIGNERS", "GOLIVE_KEY", "GOLIVE_WEB_VOUCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOLIVE_RUNNER_KEY", str(workdir / "runner" / "runner_ed25519"))
    monkeypatch.setenv("GOLIVE_WITNESS_DIR", str(workdir / "witness"))
    monkeypatch.setenv("GOLIVE_TEAM_CONFIG", str(workdir / "no-team.yaml"))
    (workdir / "keys").mkdir()
    keys = {n: keygen(workdir / "keys", n) for n in people}
    from golive.web.accounts import Accounts

    Accounts(workdir / ".golive" / "web").server_key()
    server = workdir / ".golive" / "web" / "server-key"
    listed = "".join(f"{n} {public(k)}\n" for n, k in keys.items())
    (workdir / "signers").write_text(listed + f"{VOUCH} {public(server)}\n")
    (workdir / "signers-novouch").write_text(listed)
    return {**keys, "server": server}
