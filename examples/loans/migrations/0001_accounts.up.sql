-- 1.0.0: accounts and their transactions. Amounts are integer cents; {pk} is the dialect's auto id.
CREATE TABLE accounts (
    id {pk},
    number TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    balance_cents BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE transactions (
    id {pk},
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    balance_after_cents BIGINT NOT NULL,
    memo TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX transactions_account ON transactions (account_id);
