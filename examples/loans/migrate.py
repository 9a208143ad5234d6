"""A tiny SQL-file migration runner (the kind many teams have): migrations/NNNN_name.up.sql / .down.sql,
applied revisions kept in schema_migrations. `{pk}` in a file becomes the dialect's auto-increment key.

    python migrate.py current            # prints the current revision (0000 = empty)
    python migrate.py up [--to 0002]     # apply pending migrations (each in its own transaction)
    python migrate.py down --to 0001     # revert down to (and keeping) revision 0001
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from loansdb import DB

HERE = Path(__file__).resolve().parent
MIGRATIONS = HERE / "migrations"
BASE = "0000"


def available() -> list[str]:
    return sorted({p.name.split("_", 1)[0] for p in MIGRATIONS.glob("*.up.sql")})


def _file(rev: str, direction: str) -> Path:
    found = sorted(MIGRATIONS.glob(f"{rev}_*.{direction}.sql"))
    if not found:
        raise SystemExit(f"migration {rev} has no {direction} file")
    return found[0]


def _ensure_table(db: DB) -> None:
    db.run("CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")


def current(db: DB) -> str:
    if "schema_migrations" not in db.tables():
        return BASE
    row = db.one("SELECT max(version) AS v FROM schema_migrations")
    return str(row["v"]) if row and row["v"] else BASE


def _statements(text: str, db: DB) -> list[str]:
    lines = [ln for ln in text.splitlines() if not ln.strip().startswith("--")]
    body = "\n".join(lines).replace("{pk}", db.pk)
    return [s.strip() for s in body.split(";") if s.strip()]


def up(to: str | None) -> None:
    for rev in available():
        if to is not None and rev > to:
            break
        with DB() as db:
            _ensure_table(db)
            if rev <= current(db):
                continue
            for stmt in _statements(_file(rev, "up").read_text(), db):
                db.run(stmt)
            db.run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                   (rev, datetime.now(UTC).isoformat()))
        print(f"applied {rev}")


def down(to: str) -> None:
    if to != BASE and to not in available():
        raise SystemExit(f"unknown revision {to!r} (known: {', '.join(available())})")
    while True:
        with DB() as db:
            rev = current(db)
            if rev <= to:
                return
            for stmt in _statements(_file(rev, "down").read_text(), db):
                db.run(stmt)
            db.run("DELETE FROM schema_migrations WHERE version = ?", (rev,))
        print(f"reverted {rev}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("current")
    u = sub.add_parser("up")
    u.add_argument("--to")
    d = sub.add_parser("down")
    d.add_argument("--to", required=True)
    args = ap.parse_args()
    if args.cmd == "current":
        with DB() as db:
            print(current(db))
    elif args.cmd == "up":
        up(args.to)
    else:
        down(args.to or BASE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
