"""Benchmark: golive's `backup` step with `verify: true` against the plain tools an operator would type.

    .venv/bin/python bench/backup.py [--mb 200] [--rounds 3]

Generates a PostgreSQL database of at least --mb megabytes (generate_series INSERTs) on 127.0.0.1:5432,
then runs both, --rounds times (alternating which goes first; CHECKPOINT + sync, untimed, before each):
  plain : bash -c 'pg_dump -Fc ... && createdb scratch && pg_restore --no-owner --no-acl -d scratch ... && dropdb'
  golive: BackupStep(verify=true).execute() in this process (pg_dump in a snapshot, row counts, SHA-256,
          manifest, restore into a scratch database, row-count comparison, drop)
Both run from this process (same process tree, same machine). Prints each time, the medians, the best times
and the ratios (target: golive within 10% of plain). Every database it created is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from golive.core.clock import SystemClock
from golive.core.step import StepContext
from golive.masking import Masker
from golive.steps.backup import BackupStep
from golive.steps.registry import AnyStep  # noqa: F401 - resolves forward references

SERVER = "postgresql://postgres@127.0.0.1:5432"


def admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=5)


def generate(name: str, min_mb: int) -> int:
    url = f"{SERVER}/{name}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL, balance numeric(14,2))")
        conn.execute("INSERT INTO accounts (owner, balance) SELECT 'owner ' || g, (g % 9973) * 1.25"
                     " FROM generate_series(1, 100000) g")
        conn.execute("CREATE TABLE transactions (id bigserial PRIMARY KEY, account_id bigint NOT NULL,"
                     " amount numeric(14,2) NOT NULL, memo text, created_at timestamptz NOT NULL)")
        batch = 500_000
        start = 1
        while True:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
            mb = int(size[0]) // 1_000_000 if size else 0
            if mb >= min_mb:
                break
            conn.execute(
                "INSERT INTO transactions (account_id, amount, memo, created_at)"
                " SELECT (g %% 100000) + 1, (g %% 5000) * 0.37, md5(g::text) || ' ' || md5((g * 7)::text),"
                " timestamptz '2025-01-01' + g * interval '1 second'"
                " FROM generate_series(%s::bigint, %s::bigint) g", (start, start + batch - 1))
            start += batch
        conn.execute("CREATE INDEX transactions_account ON transactions (account_id)")
        conn.execute("VACUUM ANALYZE")
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(size[0]) if size else 0


def settle() -> None:
    """Untimed, before each job: flush what the previous job left (dirty pages, a pending checkpoint), so no job
    pays for the one before it."""
    with admin() as conn:
        conn.execute("CHECKPOINT")
    os.sync()


def plain(name: str, out: Path) -> tuple[float, float]:
    """The operator's shell version; returns (total seconds, of which pg_dump)."""
    scratch = f"golive_bench_plain_{secrets.token_hex(3)}"
    mark = out.with_name(out.name + ".dumped")
    script = (f"pg_dump -Fc -f {out} --dbname='host=127.0.0.1 port=5432 user=postgres dbname={name}'"
              f" && date +%s.%N > {mark}"
              f" && createdb -h 127.0.0.1 -U postgres -T template0 {scratch}"
              f" && pg_restore --no-owner --no-acl -h 127.0.0.1 -U postgres -d {scratch} {out}"
              f" ; rc=$? ; dropdb -h 127.0.0.1 -U postgres --if-exists {scratch} ; exit $rc")
    wall = time.time()
    started = time.perf_counter()
    subprocess.run(["bash", "-c", script], check=True, timeout=3600, env=os.environ)
    total = time.perf_counter() - started
    dumped = float(mark.read_text().strip()) - wall
    mark.unlink()
    return total, dumped


def golive_backup(name: str, workdir: Path, round_no: int) -> tuple[float, float]:
    """golive's backup step with verify, in this process; returns (total seconds, of which the dump part)."""
    step = BackupStep.model_validate({"backup": {"database": f"{SERVER}/{name}", "verify": True,
                                                 "file": f"golive-{round_no}.dump"}})
    ctx = StepContext(run_id=f"bench-{round_no}", step_id="1.1", vars={}, masker=Masker(), clock=SystemClock(),
                      workdir=workdir)
    started = time.perf_counter()
    result = step.execute(ctx)
    elapsed = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(f"golive backup failed: {result.message}")
    return elapsed, float(result.detail.get("dump_seconds", 0.0))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    name = f"golive_bench_{secrets.token_hex(4)}"
    with admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        t0 = time.perf_counter()
        size = generate(name, args.mb)
        print(f"generated {name}: {size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f}s", flush=True)
        plain_times: list[float] = []
        golive_times: list[float] = []
        with tempfile.TemporaryDirectory(prefix="golive-bench-") as tmp:
            work = Path(tmp)
            for r in range(args.rounds):
                # alternate which goes first, so neither always gets the warmer page cache
                for who in (("plain", "golive") if r % 2 == 0 else ("golive", "plain")):
                    settle()
                    if who == "plain":
                        p, p_dump = plain(name, work / f"plain-{r}.dump")
                        plain_size = (work / f"plain-{r}.dump").stat().st_size
                        (work / f"plain-{r}.dump").unlink()
                    else:
                        g, g_dump = golive_backup(name, work, r)
                        golive_size = (work / f"golive-{r}.dump").stat().st_size
                        for f in work.glob(f"golive-{r}.dump*"):
                            f.unlink()
                plain_times.append(p)
                golive_times.append(g)
                print(f"round {r + 1} ({'plain' if r % 2 == 0 else 'golive'} first): plain pg_dump+pg_restore"
                      f" {p:.2f}s (dump {p_dump:.2f}s + restore {p - p_dump:.2f}s, {plain_size / 1e6:.0f} MB),"
                      f" golive backup+verify {g:.2f}s (dump {g_dump:.2f}s + checksum/verify {g - g_dump:.2f}s,"
                      f" {golive_size / 1e6:.0f} MB)", flush=True)
        mp, mg = statistics.median(plain_times), statistics.median(golive_times)
        ratio = mg / mp
        # the fastest round of each is the least disturbed by whatever else the machine runs
        bp, bg = min(plain_times), min(golive_times)
        print(f"median: plain {mp:.2f}s, golive {mg:.2f}s, ratio golive/plain = {ratio:.3f}"
              f" ({'within' if ratio <= 1.10 else 'NOT within'} 10%)")
        print(f"best:   plain {bp:.2f}s, golive {bg:.2f}s, ratio golive/plain = {bg / bp:.3f}")
        return 0 if ratio <= 1.10 else 1
    finally:
        with admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            leftovers = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'golive_bench_plain_%'"
                                     " OR datname LIKE 'golive_verify_%'").fetchall()
        if leftovers:
            print(f"note: databases left by someone: {[r[0] for r in leftovers]}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
