"""The loans demo service: a Flask app on Flask-SQLAlchemy, its schema kept by Flask-Migrate (Alembic,
`migrations/`), so `flask db upgrade` / `flask db downgrade` / `flask db current` work as seed 000 writes them.
1.0.0: accounts and transactions (revision 0001). 1.1.0 adds loans (revision 0002): apply, approve, disburse,
pay, history, and an EMI calculator.

    flask --app app.py db upgrade                       # DATABASE_URL=sqlite:///loans.db by default
    python app.py --port 18082 [--version 1.1.0]         # the release in this file's VERSION unless given

LOANS_BROKEN=1 (or BROKEN = True below, as a broken release's checkout has it) starts a broken 1.1.0 build:
it is healthy, but applying for a loan fails (the kind of bug smoke tests exist to catch).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "sqlite:///loans.db"
# A release's checkout carries its own version and build here (examples/loans/host.py writes them per release).
VERSION = "1.0.0"
BROKEN = False


def database_uri(url: str) -> str:
    """DATABASE_URL as SQLAlchemy takes it: a relative SQLite path is the caller's (not Flask's instance
    folder), and postgresql:// means psycopg 3, the driver golive installs."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        path = Path.cwd() / url[len("sqlite:///"):]
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if url.startswith("sqlite:////"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(os.environ.get("DATABASE_URL") or DEFAULT_URL)
app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or "loans-demo"
if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 15}}
db = SQLAlchemy(app)
migrate = Migrate(app, db, directory=str(HERE / "migrations"))


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_conn: Any, _: Any) -> None:
    if type(dbapi_conn).__module__.startswith("sqlite3"):
        dbapi_conn.execute("PRAGMA foreign_keys = ON")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class DB:
    """One transaction's queries, written with `?` placeholders (the driver's own style is put in)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"

    def run(self, query: str, params: tuple[Any, ...] = ()) -> Any:
        return self.conn.exec_driver_sql(query.replace("?", "%s") if self.pg else query, params)

    def all(self, query: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in self.run(query, params)]

    def one(self, query: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = self.all(query, params)
        return rows[0] if rows else None

    def insert(self, query: str, params: tuple[Any, ...]) -> int:
        """INSERT ... RETURNING id works on both (SQLite >= 3.35)."""
        return int(self.run(query + " RETURNING id", params).scalar_one())

    def tables(self) -> set[str]:
        from sqlalchemy import inspect

        return set(inspect(self.conn).get_table_names())


@contextmanager
def transaction() -> Iterator[DB]:
    """Commits on success, rolls back on error."""
    with app.app_context(), db.engine.begin() as conn:
        yield DB(conn)


def now() -> str:
    return datetime.now(UTC).isoformat()


def money(cents: int) -> float:
    return round(cents / 100, 2)


def cents(value: Any, field: str) -> int:
    try:
        amount = round(float(value) * 100)
    except (TypeError, ValueError):
        raise ApiError(400, f"{field} must be a number") from None
    if amount < 0:
        raise ApiError(400, f"{field} must not be negative")
    return amount


def emi(principal: float, annual_rate: float, months: int) -> float:
    """EMI = P*r*(1+r)^n / ((1+r)^n - 1), r the monthly rate; P/n when the rate is zero."""
    if months <= 0:
        raise ApiError(400, "tenureMonths must be at least 1")
    r = annual_rate / 12 / 100
    if r == 0:
        return round(principal / months, 2)
    f = (1 + r) ** months
    return round(principal * r * f / (f - 1), 2)


def loan_terms(body: dict[str, Any]) -> tuple[float, float, int]:
    try:
        principal = float(body["principal"])
        rate = float(body["annualInterestRate"])
        months = int(body["tenureMonths"])
    except KeyError as exc:
        raise ApiError(400, f"missing field {exc.args[0]}") from None
    except (TypeError, ValueError):
        raise ApiError(400, "principal, annualInterestRate and tenureMonths must be numbers") from None
    if principal <= 0 or not 0 <= rate <= 100 or not 1 <= months <= 480:
        raise ApiError(400, "principal > 0, 0 <= annualInterestRate <= 100, 1 <= tenureMonths <= 480")
    return principal, rate, months


# -- accounts --------------------------------------------------------------------------------------

def account_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"number": row["number"], "owner": row["owner"], "balance": money(row["balance_cents"]),
            "createdAt": row["created_at"]}


def get_account(db: DB, number: str) -> dict[str, Any]:
    row = db.one("SELECT * FROM accounts WHERE number = ?", (number,))
    if row is None:
        raise ApiError(404, f"no account {number}")
    return row


def post_transaction(db: DB, account: dict[str, Any], kind: str, amount: int, memo: str | None = None) -> int:
    """Moves money and records it; the balance never goes below zero."""
    signed = amount if kind in ("deposit", "loan_disbursement") else -amount
    row = db.one("SELECT balance_cents FROM accounts WHERE id = ?", (account["id"],))
    assert row is not None
    balance = int(row["balance_cents"]) + signed
    if balance < 0:
        raise ApiError(409, "insufficient funds")
    db.run("UPDATE accounts SET balance_cents = ? WHERE id = ?", (balance, account["id"]))
    return db.insert("INSERT INTO transactions (account_id, kind, amount_cents, balance_after_cents, memo, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?)", (account["id"], kind, amount, balance, memo, now()))


def create_account(db: DB, body: dict[str, Any]) -> tuple[int, Any]:
    number, owner = str(body.get("number") or "").strip(), str(body.get("owner") or "").strip()
    if not number or not owner:
        raise ApiError(400, "number and owner are required")
    if db.one("SELECT id FROM accounts WHERE number = ?", (number,)):
        raise ApiError(409, f"account {number} already exists")
    db.insert("INSERT INTO accounts (number, owner, balance_cents, created_at) VALUES (?, ?, 0, ?)",
              (number, owner, now()))
    account = get_account(db, number)
    deposit = cents(body.get("deposit", 0), "deposit")
    if deposit:
        post_transaction(db, account, "deposit", deposit, "opening deposit")
    return 201, account_json(get_account(db, number))


def transactions(db: DB, number: str) -> dict[str, Any]:
    account = get_account(db, number)
    rows = db.all("SELECT * FROM transactions WHERE account_id = ? ORDER BY id", (account["id"],))
    items = [{"id": r["id"], "kind": r["kind"], "amount": money(r["amount_cents"]),
              "balanceAfter": money(r["balance_after_cents"]), "memo": r["memo"], "createdAt": r["created_at"]}
             for r in rows]
    return {"account": number, "count": len(items), "transactions": items}


def add_transaction(db: DB, number: str, body: dict[str, Any]) -> tuple[int, Any]:
    kind = body.get("kind")
    if kind not in ("deposit", "withdrawal"):
        raise ApiError(400, "kind must be deposit or withdrawal")
    account = get_account(db, number)
    tid = post_transaction(db, account, kind, cents(body.get("amount"), "amount"), body.get("memo"))
    return 201, {"id": tid, "account": account_json(get_account(db, number))}


# -- loans (1.1.0) ---------------------------------------------------------------------------------

def loan_json(db: DB, row: dict[str, Any]) -> dict[str, Any]:
    acc = db.one("SELECT number FROM accounts WHERE id = ?", (row["account_id"],))
    return {"reference": row["reference"], "account": acc["number"] if acc else None,
            "principal": money(row["principal_cents"]), "annualInterestRate": float(row["annual_rate"]),
            "tenureMonths": int(row["tenure_months"]), "emi": money(row["emi_cents"]),
            "outstanding": money(row["outstanding_cents"]), "status": row["status"]}


def get_loan(db: DB, reference: str) -> dict[str, Any]:
    row = db.one("SELECT * FROM loans WHERE reference = ?", (reference,))
    if row is None:
        raise ApiError(404, f"no loan {reference}")
    return row


def loan_event(db: DB, loan: dict[str, Any], event: str, amount: int | None = None, tid: int | None = None) -> None:
    db.insert("INSERT INTO loan_events (loan_id, event, amount_cents, transaction_id, created_at)"
              " VALUES (?, ?, ?, ?, ?)", (loan["id"], event, amount, tid, now()))


def apply_loan(db: DB, body: dict[str, Any]) -> tuple[int, Any]:
    if BROKEN:
        raise ApiError(500, "internal error: loan scoring service returned None")
    reference = str(body.get("reference") or "").strip()
    if not reference:
        raise ApiError(400, "reference is required")
    account = get_account(db, str(body.get("account") or ""))
    principal, rate, months = loan_terms(body)
    if db.one("SELECT id FROM loans WHERE reference = ?", (reference,)):
        raise ApiError(409, f"loan {reference} already exists")
    p = cents(principal, "principal")
    db.insert("INSERT INTO loans (reference, account_id, principal_cents, annual_rate, tenure_months, emi_cents,"
              " outstanding_cents, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'applied', ?, ?)",
              (reference, account["id"], p, rate, months, cents(emi(principal, rate, months), "emi"), p, now(), now()))
    loan = get_loan(db, reference)
    loan_event(db, loan, "applied", p)
    return 201, loan_json(db, loan)


def move_loan(db: DB, reference: str, action: str, body: dict[str, Any]) -> tuple[int, Any]:
    loan = get_loan(db, reference)
    status = loan["status"]
    account = db.one("SELECT * FROM accounts WHERE id = ?", (loan["account_id"],))
    assert account is not None
    if action == "approve":
        if status != "applied":
            raise ApiError(409, f"loan {reference} is {status}, not applied")
        new, amount, tid = "approved", None, None
    elif action == "disburse":
        if status != "approved":
            raise ApiError(409, f"loan {reference} is {status}, not approved")
        amount = int(loan["principal_cents"])
        tid = post_transaction(db, account, "loan_disbursement", amount, f"loan {reference}")
        new = "disbursed"
    else:  # pay
        if status != "disbursed":
            raise ApiError(409, f"loan {reference} is {status}, not disbursed")
        amount = cents(body["amount"], "amount") if "amount" in body else int(loan["emi_cents"])
        interest = round(int(loan["outstanding_cents"]) * float(loan["annual_rate"]) / 1200)
        outstanding = max(0, int(loan["outstanding_cents"]) - max(0, amount - interest))
        tid = post_transaction(db, account, "loan_payment", amount, f"loan {reference}")
        db.run("UPDATE loans SET outstanding_cents = ? WHERE id = ?", (outstanding, loan["id"]))
        new = "closed" if outstanding == 0 else "disbursed"
    db.run("UPDATE loans SET status = ?, updated_at = ? WHERE id = ?", (new, now(), loan["id"]))
    loan_event(db, loan, {"approve": "approved", "disburse": "disbursed", "pay": "payment"}[action], amount, tid)
    return 200, loan_json(db, get_loan(db, reference))


def loan_history(db: DB, reference: str) -> dict[str, Any]:
    loan = get_loan(db, reference)
    rows = db.all("SELECT * FROM loan_events WHERE loan_id = ? ORDER BY id", (loan["id"],))
    events = [{"event": r["event"], "amount": None if r["amount_cents"] is None else money(r["amount_cents"]),
               "at": r["created_at"]} for r in rows]
    return {"loan": loan_json(db, loan), "count": len(events), "events": events}


# -- routes ----------------------------------------------------------------------------------------

@app.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), exc.status


@app.errorhandler(404)
def _not_found(_: Any) -> tuple[Response, int]:
    return jsonify(error=f"no route {request.method} {request.path}"), 404


@app.errorhandler(Exception)
def _internal(exc: Exception) -> tuple[Response, int]:  # a demo service still answers with JSON
    return jsonify(error=f"{type(exc).__name__}: {exc}"), 500


def body() -> dict[str, Any]:
    data = request.get_json(force=True, silent=True) if request.content_length else {}
    if data is None:
        raise ApiError(400, "body is not JSON")
    if not isinstance(data, dict):
        raise ApiError(400, "body must be a JSON object")
    return data


def loans_release() -> None:
    if VERSION < "1.1.0":
        raise ApiError(404, f"no route {request.method} {request.path}")


def reply(result: tuple[int, Any]) -> tuple[Response, int]:
    return jsonify(result[1]), result[0]


@app.get("/health")
def health() -> Any:
    with transaction() as tx:
        tx.run("SELECT 1")
    return {"status": "ok", "version": VERSION}


@app.route("/api/accounts", methods=["GET", "POST"])
def accounts() -> Any:
    with transaction() as tx:
        if request.method == "POST":
            return reply(create_account(tx, body()))
        return {"accounts": [account_json(r) for r in tx.all("SELECT * FROM accounts ORDER BY id")]}


@app.get("/api/accounts/<number>")
def account(number: str) -> Any:
    with transaction() as tx:
        return account_json(get_account(tx, number))


@app.route("/api/accounts/<number>/transactions", methods=["GET", "POST"])
def account_transactions(number: str) -> Any:
    with transaction() as tx:
        if request.method == "POST":
            return reply(add_transaction(tx, number, body()))
        return transactions(tx, number)


@app.post("/api/loans/emi")
def emi_calculator() -> Any:
    loans_release()
    principal, rate, months = loan_terms(body())
    return {"principal": principal, "annualInterestRate": rate, "tenureMonths": months,
            "emi": emi(principal, rate, months) + (1.0 if BROKEN else 0.0)}


@app.route("/api/loans", methods=["GET", "POST"])
def loans() -> Any:
    loans_release()
    with transaction() as tx:
        if request.method == "POST":
            return reply(apply_loan(tx, body()))
        return {"loans": [loan_json(tx, r) for r in tx.all("SELECT * FROM loans ORDER BY id")]}


@app.get("/api/loans/<reference>")
def loan(reference: str) -> Any:
    loans_release()
    with transaction() as tx:
        return loan_json(tx, get_loan(tx, reference))


@app.get("/api/loans/<reference>/history")
def history(reference: str) -> Any:
    loans_release()
    with transaction() as tx:
        return loan_history(tx, reference)


@app.post("/api/loans/<reference>/<any(approve, disburse, pay):action>")
def loan_action(reference: str, action: str) -> Any:
    loans_release()
    with transaction() as tx:
        return reply(move_loan(tx, reference, action, body()))


def main() -> int:
    global VERSION, BROKEN
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", default=VERSION, choices=["1.0.0", "1.1.0"])
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    VERSION = args.version
    BROKEN = VERSION == "1.1.0" and (BROKEN or os.environ.get("LOANS_BROKEN", "0") not in ("", "0", "false"))
    with transaction() as tx:
        if VERSION >= "1.1.0" and "loans" not in tx.tables():
            print("loans 1.1.0 needs schema revision 0002 (table loans is missing): run flask db upgrade",
                  file=sys.stderr)
            return 1
    print(f"loans {VERSION}{' (BROKEN build)' if BROKEN else ''} on 127.0.0.1:{args.port}", file=sys.stderr)
    app.run(host="127.0.0.1", port=args.port, threaded=True, use_reloader=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
