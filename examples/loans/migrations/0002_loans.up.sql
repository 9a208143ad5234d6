-- 1.1.0: loans (apply -> approve -> disburse -> pay ... -> closed) and their history.
CREATE TABLE loans (
    id {pk},
    reference TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    principal_cents BIGINT NOT NULL,
    annual_rate NUMERIC(7, 4) NOT NULL,
    tenure_months INTEGER NOT NULL,
    emi_cents BIGINT NOT NULL,
    outstanding_cents BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE loan_events (
    id {pk},
    loan_id BIGINT NOT NULL REFERENCES loans (id),
    event TEXT NOT NULL,
    amount_cents BIGINT,
    transaction_id BIGINT REFERENCES transactions (id),
    created_at TEXT NOT NULL
);
CREATE INDEX loan_events_loan ON loan_events (loan_id);
