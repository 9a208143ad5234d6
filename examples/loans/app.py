"""The loans demo service (stdlib http.server). 1.0.0: accounts and transactions. 1.1.0 adds loans:
apply, approve, disburse, pay, history, and an EMI calculator.

    python app.py --version 1.1.0 --port 18082        # DATABASE_URL=sqlite:///loans.db by default
    python app.py --front --port 18080 --state DIR     # the public entry: forwards to the port in DIR/active_port

LOANS_BROKEN=1 starts a broken 1.1.0 build: it is healthy, but applying for a loan fails (the kind of bug
smoke tests exist to catch).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from loansdb import DB

VERSION = "1.0.0"
BROKEN = False


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


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


# -- routing ---------------------------------------------------------------------------------------

def route(method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    if path == "/health":
        with DB() as db:
            db.run("SELECT 1")
        return 200, {"status": "ok", "version": VERSION}
    if path == "/api/loans/emi" and method == "POST" and VERSION >= "1.1.0":
        principal, rate, months = loan_terms(body)
        return 200, {"principal": principal, "annualInterestRate": rate, "tenureMonths": months,
                     "emi": emi(principal, rate, months) + (1.0 if BROKEN else 0.0)}
    with DB() as db:
        if path == "/api/accounts":
            if method == "POST":
                return create_account(db, body)
            return 200, {"accounts": [account_json(r) for r in db.all("SELECT * FROM accounts ORDER BY id")]}
        if m := re.fullmatch(r"/api/accounts/([^/]+)", path):
            return 200, account_json(get_account(db, m.group(1)))
        if m := re.fullmatch(r"/api/accounts/([^/]+)/transactions", path):
            return add_transaction(db, m.group(1), body) if method == "POST" else (200, transactions(db, m.group(1)))
        if VERSION >= "1.1.0":
            if path == "/api/loans":
                if method == "POST":
                    return apply_loan(db, body)
                return 200, {"loans": [loan_json(db, r) for r in db.all("SELECT * FROM loans ORDER BY id")]}
            if m := re.fullmatch(r"/api/loans/([^/]+)", path):
                return 200, loan_json(db, get_loan(db, m.group(1)))
            if m := re.fullmatch(r"/api/loans/([^/]+)/history", path):
                return 200, loan_history(db, m.group(1))
            if (m := re.fullmatch(r"/api/loans/([^/]+)/(approve|disburse|pay)", path)) and method == "POST":
                return move_loan(db, m.group(1), m.group(2), body)
    raise ApiError(404, f"no route {method} {path}")


class Handler(BaseHTTPRequestHandler):
    server_version = "loans"

    def log_message(self, fmt: str, *args: Any) -> None:
        sys.stderr.write(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}\n")

    def _send(self, status: int, data: Any) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            if not isinstance(body, dict):
                raise ApiError(400, "body must be a JSON object")
            status, data = route(self.command, self.path.split("?", 1)[0].rstrip("/") or "/", body)
        except ApiError as exc:
            status, data = exc.status, {"error": str(exc)}
        except json.JSONDecodeError:
            status, data = 400, {"error": "body is not JSON"}
        except Exception as exc:  # a demo service still answers with JSON
            status, data = 500, {"error": f"{type(exc).__name__}: {exc}"}
        self._send(status, data)

    do_GET = do_POST = _handle


class FrontHandler(BaseHTTPRequestHandler):
    """The public entry point: each request goes to the port named in the active-port file (the switch)."""

    active_file: Path

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        try:
            port = int(self.active_file.read_text().strip())
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(self.command, self.path, body=body,
                         headers={"Content-Type": self.headers.get("Content-Type") or "application/json"})
            resp = conn.getresponse()
            status, raw = resp.status, resp.read()
            conn.close()
        except (OSError, ValueError) as exc:
            status, raw = 502, json.dumps({"error": f"backend unavailable: {exc}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _handle


def main() -> int:
    global VERSION, BROKEN
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", default="1.0.0", choices=["1.0.0", "1.1.0"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--front", action="store_true")
    ap.add_argument("--state", type=Path)
    args = ap.parse_args()
    if args.front:
        if args.state is None:
            ap.error("--front needs --state")
        FrontHandler.active_file = args.state / "active_port"
        ThreadingHTTPServer(("127.0.0.1", args.port), FrontHandler).serve_forever()
        return 0
    VERSION = args.version
    BROKEN = VERSION == "1.1.0" and os.environ.get("LOANS_BROKEN", "0") not in ("", "0", "false")
    with DB() as db:
        if VERSION >= "1.1.0" and "loans" not in db.tables():
            print("loans 1.1.0 needs schema revision 0002 (table loans is missing): run migrate.py up",
                  file=sys.stderr)
            return 1
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"loans {VERSION}{' (BROKEN build)' if BROKEN else ''} on 127.0.0.1:{args.port}", file=sys.stderr)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
